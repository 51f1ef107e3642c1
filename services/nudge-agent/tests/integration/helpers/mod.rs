//! The agent under test, on a database of its own, with fakes of the two
//! services it calls: workers' `ReminderService` (reminders in memory, every
//! call recorded) and sms-router's `SmsRouterService` (every SMS recorded).
//! A scenario asserts the calls made (the tools), the rows touched and the
//! SMS sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use nudge_config::Settings;
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_proto::agent::{HandleInboundRequest, Person, UpsertPersonRequest};
use nudge_proto::sms::sms_router_service_server::{SmsRouterService, SmsRouterServiceServer};
use nudge_proto::sms::*;
use nudge_proto::workers::reminder_service_server::{ReminderService, ReminderServiceServer};
use nudge_proto::workers::*;
use nudge_secure::{KeyRing, SecretString};
use nudge_testkit::TestDatabase;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// What the fakes saw.
#[derive(Default)]
pub(crate) struct Recorded {
    /// Calls to workers, as "Method text" lines.
    pub(crate) calls: Vec<String>,
    pub(crate) reminders: Vec<Reminder>,
    keys: HashMap<String, String>,
    pub(crate) settings: HashMap<String, DeliverySettings>,
    /// SMS sent: (user id, body).
    pub(crate) sms: Vec<(String, String)>,
    /// The person each call to workers was for.
    pub(crate) call_users: Vec<String>,
}

#[derive(Clone, Default)]
pub(crate) struct Fakes(pub(crate) Arc<Mutex<Recorded>>);

impl Fakes {
    fn record(&self, call: String) {
        self.0.lock().unwrap().calls.push(call);
    }
}

fn ts(at: DateTime<Utc>) -> prost_types::Timestamp {
    nudge_proto::time::to_timestamp(at)
}

#[tonic::async_trait]
impl ReminderService for Fakes {
    async fn create_reminder(
        &self,
        request: Request<CreateReminderRequest>,
    ) -> Result<Response<CreateReminderResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record(format!("CreateReminder {}", r.text));
        let mut state = self.0.lock().unwrap();
        if let Some(id) = state.keys.get(&r.idempotency_key).cloned() {
            let reminder = state.reminders.iter().find(|x| x.id == id).cloned();
            return Ok(Response::new(CreateReminderResponse {
                first_send_at: reminder.as_ref().and_then(|x| x.due_at),
                reminder,
                created: false,
            }));
        }
        let reminder = Reminder {
            id: format!("rem-{}", state.reminders.len() + 1),
            user_id: r.user_id,
            text: r.text,
            due_at: r.due_at,
            timezone: r.timezone,
            language: r.language,
            status: ReminderStatus::Scheduled.into(),
            rrule: r.rrule,
            urgent: r.urgent,
            created_at: Some(ts(Utc::now())),
            nags_sent: 0,
        };
        state.keys.insert(r.idempotency_key, reminder.id.clone());
        state.reminders.push(reminder.clone());
        Ok(Response::new(CreateReminderResponse {
            first_send_at: reminder.due_at,
            reminder: Some(reminder),
            created: true,
        }))
    }

    async fn acknowledge_latest(
        &self,
        request: Request<AcknowledgeLatestRequest>,
    ) -> Result<Response<AcknowledgeLatestResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record("AcknowledgeLatest".to_owned());
        let mut state = self.0.lock().unwrap();
        let reminder = state
            .reminders
            .iter_mut()
            .rev()
            .find(|x| x.user_id == r.user_id && x.status == i32::from(ReminderStatus::Sent));
        let reminder = reminder.map(|x| {
            x.status = ReminderStatus::Done.into();
            x.clone()
        });
        Ok(Response::new(AcknowledgeLatestResponse { reminder }))
    }

    async fn snooze_latest(
        &self,
        request: Request<SnoozeLatestRequest>,
    ) -> Result<Response<SnoozeLatestResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record("SnoozeLatest".to_owned());
        let mut state = self.0.lock().unwrap();
        let reminder = state
            .reminders
            .iter_mut()
            .rev()
            .find(|x| x.user_id == r.user_id && x.status == i32::from(ReminderStatus::Sent));
        let reminder = reminder.map(|x| {
            x.status = ReminderStatus::Scheduled.into();
            x.due_at = r.until;
            x.clone()
        });
        Ok(Response::new(SnoozeLatestResponse { reminder }))
    }

    async fn list_reminders(
        &self,
        request: Request<ListRemindersRequest>,
    ) -> Result<Response<ListRemindersResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record("ListReminders".to_owned());
        let state = self.0.lock().unwrap();
        let open = [ReminderStatus::Scheduled, ReminderStatus::Sent].map(i32::from);
        let reminders = state
            .reminders
            .iter()
            .filter(|x| x.user_id == r.user_id && (r.include_finished || open.contains(&x.status)))
            .cloned()
            .collect();
        Ok(Response::new(ListRemindersResponse { reminders }))
    }

    async fn get_reminder(
        &self,
        request: Request<GetReminderRequest>,
    ) -> Result<Response<GetReminderResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record("GetReminder".to_owned());
        let state = self.0.lock().unwrap();
        let reminder = state
            .reminders
            .iter()
            .find(|x| x.user_id == r.user_id && x.id == r.reminder_id)
            .cloned()
            .ok_or_else(|| Status::not_found("no such reminder"))?;
        Ok(Response::new(GetReminderResponse {
            reminder: Some(reminder),
        }))
    }

    async fn update_reminder(
        &self,
        request: Request<UpdateReminderRequest>,
    ) -> Result<Response<UpdateReminderResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record(format!("UpdateReminder {}", r.reminder_id));
        let mut state = self.0.lock().unwrap();
        let reminder = state
            .reminders
            .iter_mut()
            .find(|x| x.user_id == r.user_id && x.id == r.reminder_id)
            .ok_or_else(|| Status::not_found("no such reminder"))?;
        if let Some(text) = r.text {
            reminder.text = text;
        }
        if r.due_at.is_some() {
            reminder.due_at = r.due_at;
        }
        if let Some(rrule) = r.rrule {
            reminder.rrule = rrule;
        }
        Ok(Response::new(UpdateReminderResponse {
            reminder: Some(reminder.clone()),
        }))
    }

    async fn cancel_reminder(
        &self,
        request: Request<CancelReminderRequest>,
    ) -> Result<Response<CancelReminderResponse>, Status> {
        let r = request.into_inner();
        self.0.lock().unwrap().call_users.push(r.user_id.clone());
        self.record(format!("CancelReminder {}", r.reminder_id));
        let mut state = self.0.lock().unwrap();
        let reminder = state
            .reminders
            .iter_mut()
            .find(|x| x.user_id == r.user_id && x.id == r.reminder_id)
            .ok_or_else(|| Status::not_found("no such reminder"))?;
        reminder.status = ReminderStatus::Cancelled.into();
        Ok(Response::new(CancelReminderResponse {
            reminder: Some(reminder.clone()),
        }))
    }

    async fn set_delivery_settings(
        &self,
        request: Request<SetDeliverySettingsRequest>,
    ) -> Result<Response<SetDeliverySettingsResponse>, Status> {
        let settings = request.into_inner().settings.unwrap_or_default();
        self.0.lock().unwrap().call_users.push(settings.user_id.clone());
        self.record("SetDeliverySettings".to_owned());
        self.0
            .lock()
            .unwrap()
            .settings
            .insert(settings.user_id.clone(), settings.clone());
        Ok(Response::new(SetDeliverySettingsResponse {
            settings: Some(settings),
        }))
    }

    async fn get_delivery_settings(
        &self,
        request: Request<GetDeliverySettingsRequest>,
    ) -> Result<Response<GetDeliverySettingsResponse>, Status> {
        let user_id = request.into_inner().user_id;
        self.0.lock().unwrap().call_users.push(user_id.clone());
        self.record("GetDeliverySettings".to_owned());
        let state = self.0.lock().unwrap();
        let settings = state.settings.get(&user_id).cloned().unwrap_or(DeliverySettings {
            user_id,
            timezone: "Europe/Paris".to_owned(),
            quiet_hours: None,
            nag_interval_seconds: 600,
            nag_limit: 3,
            missed_policy: MissedPolicy::SendLate.into(),
        });
        Ok(Response::new(GetDeliverySettingsResponse {
            settings: Some(settings),
        }))
    }
}

#[tonic::async_trait]
impl SmsRouterService for Fakes {
    async fn send_sms(&self, request: Request<SendSmsRequest>) -> Result<Response<SendSmsResponse>, Status> {
        let r = request.into_inner();
        let mut state = self.0.lock().unwrap();
        state.sms.push((r.user_id, r.body));
        Ok(Response::new(SendSmsResponse {
            outbound_id: format!("out-{}", state.sms.len()),
            outbound_ids: vec![format!("out-{}", state.sms.len())],
            duplicate: false,
            status: "queued".to_owned(),
            parts: 1,
            segments: 1,
        }))
    }

    async fn assign_number(
        &self,
        _request: Request<AssignNumberRequest>,
    ) -> Result<Response<AssignNumberResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn provision_number(
        &self,
        _request: Request<ProvisionNumberRequest>,
    ) -> Result<Response<ProvisionNumberResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn release_number(
        &self,
        _request: Request<ReleaseNumberRequest>,
    ) -> Result<Response<ReleaseNumberResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn list_numbers(
        &self,
        _request: Request<ListNumbersRequest>,
    ) -> Result<Response<ListNumbersResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn get_usage(&self, _request: Request<GetUsageRequest>) -> Result<Response<GetUsageResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn send_phone_check(
        &self,
        _request: Request<nudge_proto::sms::SendPhoneCheckRequest>,
    ) -> Result<Response<SendSmsResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn change_phone(
        &self,
        _request: Request<nudge_proto::sms::ChangePhoneRequest>,
    ) -> Result<Response<nudge_proto::sms::ChangePhoneResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }

    async fn get_number(
        &self,
        _request: Request<nudge_proto::sms::GetNumberRequest>,
    ) -> Result<Response<nudge_proto::sms::GetNumberResponse>, Status> {
        Err(Status::unimplemented("not in this fake"))
    }
}

/// What one message did.
#[derive(Debug)]
pub(crate) struct Said {
    pub(crate) intent: String,
    /// The last SMS sent.
    pub(crate) reply: String,
    /// "local" or the provider's name.
    pub(crate) answered_by: String,
    /// Tools the model called.
    pub(crate) tools: Vec<String>,
    /// Every SMS sent during the turn.
    pub(crate) sms: Vec<String>,
}

/// A provider entry for `agent.providers`, pointing at a fake.
pub(crate) fn provider(name: &str, base_url: &str) -> nudge_config::ProviderSettings {
    nudge_config::ProviderSettings {
        name: name.to_owned(),
        base_url: base_url.to_owned(),
        model: format!("{name}-model"),
        embedding_model: None,
        api_key_env: None,
        api_key_file: None,
        timeout_ms: 400,
        retries: 0,
        breaker_failures: 5,
        breaker_cooldown_seconds: 60,
        input_micros_per_million: 1_000_000,
        output_micros_per_million: 2_000_000,
    }
}

/// Which database the agent runs on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// The agent on its own database, with the fakes, and one person.
pub(crate) struct Harness {
    pub(crate) agent: AgentServiceClient<tonic::transport::Channel>,
    pub(crate) fakes: Fakes,
    pub(crate) db: nudge_store::Db,
    pub(crate) keys: KeyRing,
    pub(crate) user: String,
    sequence: usize,
    shutdown: CancellationToken,
    _database: TestDatabase,
}

pub(crate) const USER: &str = "0190a000-0000-7000-8000-000000000001";
pub(crate) const OTHER_USER: &str = "0190a000-0000-7000-8000-000000000002";
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

async fn serve_fakes(fakes: Fakes) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(ReminderServiceServer::new(fakes.clone()))
            .add_service(SmsRouterServiceServer::new(fakes))
            .serve_with_incoming(incoming),
    );
    port
}

impl Harness {
    /// The agent with the local engine only.
    pub(crate) async fn start(backend: Backend, language: &str) -> Harness {
        Harness::start_with(backend, language, |_| {}).await
    }

    /// The agent with settings changed by `configure` (providers, budgets ...).
    pub(crate) async fn start_with(backend: Backend, language: &str, configure: impl FnOnce(&mut Settings)) -> Harness {
        nudge_telemetry::init_for_tests();
        let database = match backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres().await,
        };
        let fakes = Fakes::default();
        let fake_port = serve_fakes(fakes.clone()).await;
        let mut settings = Settings::default();
        settings.database.url = database.url.clone();
        settings.services.workers.url = format!("http://127.0.0.1:{fake_port}");
        settings.services.sms_router.url = format!("http://127.0.0.1:{fake_port}");
        settings.crypto.active_key = Some("k1".to_owned());
        settings
            .crypto
            .keys
            .insert("k1".to_owned(), SecretString::from(KEY.to_owned()));
        configure(&mut settings);
        let db = nudge_store::Db::connect(&settings.database).unwrap();
        db.migrate().await.unwrap();
        let keys = settings.key_ring().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let shutdown = CancellationToken::new();
        let app = nudge_agent::Application::build_with_listener(settings, listener, shutdown.clone())
            .await
            .unwrap();
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .unwrap()
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
        let mut agent = AgentServiceClient::new(channel);
        for user in [USER, OTHER_USER] {
            agent
                .upsert_person(UpsertPersonRequest {
                    person: Some(Person {
                        user_id: user.to_owned(),
                        timezone: "Europe/Paris".to_owned(),
                        language: language.to_owned(),
                    }),
                })
                .await
                .unwrap();
        }
        Harness {
            agent,
            fakes,
            db,
            keys,
            user: USER.to_owned(),
            sequence: 0,
            shutdown,
            _database: database,
        }
    }

    /// Texts `body` as the person; returns the intent and the reply SMS.
    pub(crate) async fn say(&mut self, body: &str) -> (String, String) {
        let said = self.turn(body).await;
        (said.intent, said.reply)
    }

    pub(crate) async fn say_as(&mut self, user: &str, body: &str) -> (String, String) {
        let said = self.turn_as(user, body).await;
        (said.intent, said.reply)
    }

    /// Texts `body` as the person; returns everything about the turn.
    pub(crate) async fn turn(&mut self, body: &str) -> Said {
        let user = self.user.clone();
        self.turn_as(&user, body).await
    }

    pub(crate) async fn turn_as(&mut self, user: &str, body: &str) -> Said {
        self.sequence += 1;
        let before = self.fakes.0.lock().unwrap().sms.len();
        let response = self
            .agent
            .handle_inbound(HandleInboundRequest {
                user_id: user.to_owned(),
                message_id: format!("in-{}-{}", self.sequence, &user[user.len() - 4..]),
                body: body.to_owned(),
                received_at: Some(ts(Utc::now())),
            })
            .await
            .unwrap_or_else(|e| panic!("{body:?} failed: {e}"))
            .into_inner();
        let state = self.fakes.0.lock().unwrap();
        let sms = state.sms[before..].to_vec();
        assert!(!sms.is_empty(), "{body:?}: a reply SMS");
        assert!(
            sms.iter().all(|(to, _)| to == user),
            "every SMS goes to the person who wrote"
        );
        Said {
            intent: response.intent,
            reply: sms.last().unwrap().1.clone(),
            answered_by: response.answered_by,
            tools: response.tools,
            sms: sms.into_iter().map(|(_, body)| body).collect(),
        }
    }

    /// Calls to workers since the last `take_calls`.
    pub(crate) fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut self.fakes.0.lock().unwrap().calls)
    }

    /// Marks the person's latest scheduled reminder as sent (it fired).
    pub(crate) fn fire_latest(&self) {
        let mut state = self.fakes.0.lock().unwrap();
        if let Some(reminder) = state
            .reminders
            .iter_mut()
            .rev()
            .find(|x| x.status == i32::from(ReminderStatus::Scheduled))
        {
            reminder.status = ReminderStatus::Sent.into();
        }
    }

    /// Every workers call was for `user`.
    pub(crate) fn calls_only_for(&self, user: &str) -> bool {
        self.fakes.0.lock().unwrap().call_users.iter().all(|u| u == user)
    }

    /// Usage recorded for the person: (provider, requests, tokens, cost).
    pub(crate) async fn usage(&self, user: &str) -> Vec<(String, i32, i32, i32)> {
        use nudge_store::diesel::prelude::*;
        use nudge_store::diesel_async::RunQueryDsl;
        use nudge_store::schema::agent_usage;
        let mut conn = self.db.conn().await.unwrap();
        let rows: Vec<(String, i32, i32, i32)> = nudge_store::with_conn!(&mut conn, c => {
            agent_usage::table
                .filter(agent_usage::user_id.eq(user))
                .order(agent_usage::provider.asc())
                .select((
                    agent_usage::provider,
                    agent_usage::requests,
                    agent_usage::prompt_tokens,
                    agent_usage::cost_micros,
                ))
                .load(c)
                .await
        })
        .unwrap();
        rows
    }

    pub(crate) fn open_reminders(&self, user: &str) -> Vec<String> {
        let state = self.fakes.0.lock().unwrap();
        state
            .reminders
            .iter()
            .filter(|x| {
                x.user_id == user
                    && [ReminderStatus::Scheduled, ReminderStatus::Sent]
                        .map(i32::from)
                        .contains(&x.status)
            })
            .map(|x| x.text.clone())
            .collect()
    }

    /// What opens the person's stored values: their key in `agent_person_keys`.
    pub(crate) async fn reader(&self, user: &str) -> nudge_secure::PersonReader {
        let keys = nudge_store::PersonKeys::new(self.keys.clone(), nudge_store::PersonKeyTable::Agent);
        let mut conn = self.db.conn().await.unwrap();
        keys.for_reading(&mut conn, user).await.unwrap()
    }

    /// The person's memories as stored: (decrypted text, status).
    pub(crate) async fn memories(&self, user: &str) -> Vec<(String, String)> {
        use nudge_store::diesel::prelude::*;
        use nudge_store::diesel_async::RunQueryDsl;
        use nudge_store::schema::agent_memories;
        let mut conn = self.db.conn().await.unwrap();
        let rows: Vec<(Vec<u8>, String)> = nudge_store::with_conn!(&mut conn, c => {
            agent_memories::table
                .filter(agent_memories::user_id.eq(user))
                .order((agent_memories::created_at.asc(), agent_memories::id.asc()))
                .select((agent_memories::body, agent_memories::status))
                .load(c)
                .await
        })
        .unwrap();
        let reader = self.reader(user).await;
        rows.into_iter()
            .map(|(body, status)| {
                assert!(
                    !String::from_utf8_lossy(&body).contains("sister"),
                    "memories are stored encrypted"
                );
                (reader.decrypt_to_string(&body, b"agent.memory.body").unwrap(), status)
            })
            .collect()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
