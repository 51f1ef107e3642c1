//! A world for the SMS tests, in either mode, with a fake Twilio in place of
//! Twilio (it also posts signed delivery-status callbacks back):
//!
//! - embedded: `nudge::embedded::Stack` (the four services in this process,
//!   SQLite, in-process queue and cache) with `sms.transport = "twilio"`;
//! - distributed: `nudge migrate`, then `nudge serve <service>` processes on
//!   this machine's PostgreSQL, RabbitMQ and Redis; sms-router may run as
//!   several replicas.
//!
//! The demo person (`PHONE`, Nudge number `NUDGE_NUMBER`) is provisioned by
//! the api in both modes, unless only sms-router runs.

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;
use nudge::embedded::Stack;
use nudge::webhook::{InboundSms, WebhookSender, new_message_sid};
use nudge_fake_twilio::{FakeMessage, FakeTwilio, FakeTwilioConfig};
use nudge_sms_router::client::SmsRouterServiceClient;
use nudge_store::diesel_async::RunQueryDsl;
use nudge_store::schema::{sms_consent_events, sms_inbound, sms_numbers, sms_outbound, sms_outbound_queue};
use nudge_store::{Db, with_conn};
use nudge_testkit::TestDatabase;
use tokio_util::sync::CancellationToken;

use super::process::{NudgeProcess, wait_ready};
use super::{NUDGE_NUMBER, PHONE, dev_settings, embedded_environment, eventually, free_port, nudge_binary};

pub(crate) const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub(crate) const AUTH_TOKEN: &str = "sms-test-auth-token";
/// The number that texts verification codes (`sms.verification_number`).
pub(crate) const VERIFICATION_NUMBER: &str = "+15005550006";
/// A phone that is not the demo person's.
pub(crate) const STRANGER: &str = "+33612345678";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Embedded,
    Distributed,
}

/// What to start.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Extra settings, as `NUDGE__...` variables.
    pub(crate) env: Vec<(String, String)>,
    /// `twilio.public_base_url`; default: sms-router's own address (no proxy), so
    /// the fake's callbacks reach it.
    pub(crate) public_base_url: Option<String>,
    /// sms-router processes (distributed mode).
    pub(crate) replicas: usize,
    /// Only sms-router (distributed mode): no api, agent or workers, no demo person.
    pub(crate) sms_router_only: bool,
    /// The fake's pause before each status change (and callback) after `queued`.
    pub(crate) fake_step_delay: Duration,
    /// Distributed mode: the services reach PostgreSQL through this port of
    /// 127.0.0.1 (a proxy the test can cut); the test's own connection does not.
    pub(crate) database_port: Option<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            env: Vec::new(),
            public_base_url: None,
            replicas: 1,
            sms_router_only: false,
            fake_step_delay: Duration::from_millis(10),
            database_port: None,
        }
    }
}

impl Options {
    pub(crate) fn with(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

pub(crate) struct World {
    pub(crate) fake: FakeTwilio,
    /// sms-router's webhook port, per replica.
    pub(crate) http_ports: Vec<u16>,
    /// sms-router's gRPC port, per replica.
    pub(crate) grpc_ports: Vec<u16>,
    /// The api's port (none with `sms_router_only`).
    pub(crate) api_port: Option<u16>,
    pub(crate) public_base_url: String,
    pub(crate) db: Db,
    stack: Option<Stack>,
    /// (name, process): api, agent, workers, sms-router-0 ...
    processes: Vec<(String, NudgeProcess)>,
    environment: HashMap<String, String>,
    pub(crate) dir: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

/// An SMS as stored in `sms_inbound`.
#[derive(Debug, Clone)]
pub(crate) struct InboundRecord {
    pub(crate) message_sid: String,
    pub(crate) user_id: String,
    pub(crate) status: String,
    pub(crate) body_len: usize,
    pub(crate) sender_hash: Option<String>,
    pub(crate) keyword: Option<String>,
}

/// An SMS as stored in `sms_outbound`.
#[derive(Debug, Clone)]
pub(crate) struct OutboundRecord {
    pub(crate) id: String,
    pub(crate) idempotency_key: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) provider_sid: Option<String>,
    pub(crate) attempts: i32,
    pub(crate) error_code: Option<i32>,
    pub(crate) part: i32,
}

/// A row of the consent audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConsentEvent {
    pub(crate) event: String,
    pub(crate) source: String,
    pub(crate) keyword: Option<String>,
}

impl World {
    pub(crate) async fn start(mode: Mode, options: Options) -> World {
        nudge_telemetry::init_for_tests();
        let fake = FakeTwilio::start(
            FakeTwilioConfig {
                account_sid: ACCOUNT_SID.to_owned(),
                auth_token: AUTH_TOKEN.to_owned(),
                status_step_delay: options.fake_step_delay,
                ..FakeTwilioConfig::default()
            },
            "127.0.0.1:0".parse().expect("address"),
        )
        .await
        .expect("fake Twilio");
        let dir = tempfile::tempdir().expect("temp dir");
        match mode {
            Mode::Embedded => Self::embedded(fake, dir, options).await,
            Mode::Distributed => Self::distributed(fake, dir, options).await,
        }
    }

    fn common_environment(fake: &FakeTwilio, public_base_url: &str) -> HashMap<String, String> {
        [
            ("NUDGE__SMS__TRANSPORT", "twilio".to_owned()),
            ("NUDGE__TWILIO__API_BASE_URL", fake.base_url()),
            ("NUDGE__TWILIO__ACCOUNT_SID", ACCOUNT_SID.to_owned()),
            ("NUDGE__TWILIO__AUTH_TOKEN", AUTH_TOKEN.to_owned()),
            ("NUDGE__SMS__VERIFICATION_NUMBER", VERIFICATION_NUMBER.to_owned()),
            ("NUDGE__TWILIO__PUBLIC_BASE_URL", public_base_url.to_owned()),
            ("NUDGE__SMS__DISPATCH_INTERVAL_MS", "200".to_owned()),
            ("NUDGE__SCHEDULER__POLL_INTERVAL_MS", "100".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    async fn embedded(fake: FakeTwilio, dir: tempfile::TempDir, options: Options) -> World {
        // The webhook port must be known before start-up (it is in the public
        // URL the fake Twilio calls back); another listener may take a port
        // picked free in between, so a taken one is picked again.
        let mut attempts = 0;
        let (stack, database_url, public_base_url, environment) = loop {
            attempts += 1;
            let http = free_port();
            let public_base_url = options
                .public_base_url
                .clone()
                .unwrap_or_else(|| format!("http://127.0.0.1:{http}"));
            let mut environment = embedded_environment();
            environment.extend(Self::common_environment(&fake, &public_base_url));
            environment.insert("NUDGE__SERVICES__SMS_ROUTER__PORT".to_owned(), http.to_string());
            environment.extend(options.env.iter().cloned());
            let data = dir.path().join("data");
            let settings = dev_settings(&data, environment.clone());
            let database_url = settings.database.url.clone();
            match Stack::start(settings, CancellationToken::new()).await {
                Ok(stack) => break (stack, database_url, public_base_url, environment),
                Err(error) if attempts < 5 && format!("{error:#}").contains("Address already in use") => continue,
                Err(error) => panic!("stack starts: {error:#}"),
            }
        };
        let db = Db::connect(&nudge_config::DatabaseSettings {
            url: database_url,
            ..Default::default()
        })
        .expect("db");
        World {
            fake,
            http_ports: vec![stack.ports.sms_router],
            grpc_ports: vec![stack.ports.sms_router_grpc],
            api_port: Some(stack.ports.api),
            public_base_url,
            db,
            stack: Some(stack),
            processes: Vec::new(),
            environment,
            dir,
            _database: None,
        }
    }

    async fn distributed(fake: FakeTwilio, dir: tempfile::TempDir, options: Options) -> World {
        let database = TestDatabase::postgres().await;
        let prefix = nudge_testkit::unique_name("nudge-test-");
        let http_ports: Vec<u16> = (0..options.replicas.max(1)).map(|_| free_port()).collect();
        let grpc_ports: Vec<u16> = (0..options.replicas.max(1)).map(|_| free_port()).collect();
        let [api, agent, workers] = [free_port(), free_port(), free_port()];
        let public_base_url = options
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", http_ports[0]));
        let key = nudge_secure::KeyRing::generate_key();
        let mut environment: HashMap<String, String> = [
            ("NUDGE__MODE", "distributed".to_owned()),
            (
                "NUDGE__DATABASE__URL",
                options.database_port.map_or_else(
                    || database.url.clone(),
                    |port| nudge_harness::proxy::through_port(&database.url, port),
                ),
            ),
            ("NUDGE__QUEUE__URL", nudge_testkit::rabbitmq_url()),
            ("NUDGE__QUEUE__PREFIX", prefix.clone()),
            ("NUDGE__QUEUE__RETRY_DELAY_MS", "200".to_owned()),
            ("NUDGE__CACHE__URL", nudge_testkit::redis_url()),
            ("NUDGE__CACHE__PREFIX", prefix.clone()),
            ("NUDGE__CRYPTO__ACTIVE_KEY", "k1".to_owned()),
            ("NUDGE__CRYPTO__KEYS__K1", key.expose_secret().to_owned()),
            ("NUDGE__DEMO__ENABLED", (!options.sms_router_only).to_string()),
            ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "5".to_owned()),
            ("NUDGE__TELEMETRY__FILTER", "info".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        environment.extend(Self::common_environment(&fake, &public_base_url));
        for (service, port) in [("API", api), ("AGENT", agent), ("WORKERS", workers)] {
            environment.insert(format!("NUDGE__SERVICES__{service}__PORT"), port.to_string());
            environment.insert(
                format!("NUDGE__SERVICES__{service}__URL"),
                format!("http://127.0.0.1:{port}"),
            );
        }
        environment.insert(
            "NUDGE__SERVICES__SMS_ROUTER__URL".to_owned(),
            format!("http://127.0.0.1:{}", grpc_ports[0]),
        );
        environment.extend(options.env.iter().cloned());

        NudgeProcess::run(nudge_binary(), "migrate", &["migrate"], &environment, dir.path());
        let mut processes = Vec::new();
        let mut ready = Vec::new();
        if !options.sms_router_only {
            for (service, port) in [("api", api), ("agent", agent), ("workers", workers)] {
                let process =
                    NudgeProcess::spawn(nudge_binary(), service, &["serve", service], &environment, dir.path());
                processes.push((service.to_owned(), process));
                ready.push(port);
            }
        }
        for (index, (http, grpc)) in http_ports.iter().zip(&grpc_ports).enumerate() {
            let process = Self::spawn_replica(&environment, dir.path(), index, *http, *grpc);
            processes.push((format!("sms-router-{index}"), process));
            ready.push(*http);
        }
        for port in ready {
            wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
        }
        let db = Db::connect(&nudge_config::DatabaseSettings {
            url: database.url.clone(),
            ..Default::default()
        })
        .expect("db");
        let world = World {
            fake,
            http_ports,
            grpc_ports,
            api_port: (!options.sms_router_only).then_some(api),
            public_base_url,
            db,
            stack: None,
            processes,
            environment,
            dir,
            _database: Some(database),
        };
        if !options.sms_router_only {
            // The api provisions the demo person in the background.
            eventually(
                "the demo person",
                Duration::from_secs(30),
                || world.demo_user(),
                Option::is_some,
            )
            .await;
        }
        world
    }

    fn spawn_replica(
        environment: &HashMap<String, String>,
        dir: &std::path::Path,
        index: usize,
        http: u16,
        grpc: u16,
    ) -> NudgeProcess {
        let mut environment = environment.clone();
        environment.insert("NUDGE__SERVICES__SMS_ROUTER__PORT".to_owned(), http.to_string());
        environment.insert("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT".to_owned(), grpc.to_string());
        NudgeProcess::spawn(
            nudge_binary(),
            &format!("sms-router-{index}"),
            &["serve", "sms-router"],
            &environment,
            dir,
        )
    }

    /// Kills sms-router replica `index` with SIGKILL (distributed mode).
    pub(crate) fn kill_sms_router(&mut self, index: usize) {
        let name = format!("sms-router-{index}");
        let (_, process) = self
            .processes
            .iter_mut()
            .find(|(n, _)| *n == name)
            .expect("that replica");
        process.kill_9();
    }

    /// Starts sms-router replica `index` again (distributed mode).
    pub(crate) async fn restart_sms_router(&mut self, index: usize) {
        let name = format!("sms-router-{index}");
        self.processes.retain(|(n, _)| *n != name);
        let process = Self::spawn_replica(
            &self.environment,
            self.dir.path(),
            index,
            self.http_ports[index],
            self.grpc_ports[index],
        );
        self.processes.push((name, process));
        wait_ready(
            &format!("http://127.0.0.1:{}/readyz", self.http_ports[index]),
            Duration::from_secs(30),
        )
        .await;
    }

    /// Stops the embedded stack and starts it again on the same data (embedded mode).
    pub(crate) async fn restart_stack(&mut self) {
        let stack = self.stack.take().expect("embedded");
        stack.stop().await.expect("clean stop");
        let settings = dev_settings(&self.dir.path().join("data"), self.environment.clone());
        let stack = Stack::start(settings, CancellationToken::new())
            .await
            .expect("stack starts again");
        self.grpc_ports = vec![stack.ports.sms_router_grpc];
        self.http_ports = vec![stack.ports.sms_router];
        self.stack = Some(stack);
    }

    pub(crate) async fn stop(mut self) {
        if let Some(stack) = self.stack.take() {
            stack.stop().await.expect("clean stop");
        }
        for (_, process) in &mut self.processes {
            process.terminate(Duration::from_secs(15));
        }
        self.fake.shutdown().await;
    }

    /// Signs like Twilio for `twilio.public_base_url`, posts to replica `replica`.
    pub(crate) fn sender_to(&self, replica: usize) -> WebhookSender {
        WebhookSender::new(
            &format!("http://127.0.0.1:{}", self.http_ports[replica]),
            &self.public_base_url,
            ACCOUNT_SID,
            AUTH_TOKEN.into(),
        )
    }

    pub(crate) fn sender(&self) -> WebhookSender {
        self.sender_to(0)
    }

    pub(crate) async fn grpc_to(&self, replica: usize) -> SmsRouterServiceClient<tonic::transport::Channel> {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{}", self.grpc_ports[replica]))
            .expect("endpoint")
            .connect()
            .await
            .expect("sms-router gRPC");
        SmsRouterServiceClient::new(channel)
    }

    pub(crate) async fn grpc(&self) -> SmsRouterServiceClient<tonic::transport::Channel> {
        self.grpc_to(0).await
    }

    /// Texts `body` from `from` to `to`; returns the MessageSid.
    pub(crate) async fn text_from(&self, from: &str, to: &str, body: &str) -> String {
        let sid = new_message_sid();
        let status = self
            .sender()
            .send(&InboundSms {
                message_sid: &sid,
                from,
                to,
                body,
            })
            .await
            .expect("sms-router reachable");
        assert_eq!(status.as_u16(), 200, "webhook accepted");
        sid
    }

    /// The demo person texts their Nudge number.
    pub(crate) async fn text(&self, body: &str) -> String {
        self.text_from(PHONE, NUDGE_NUMBER, body).await
    }

    /// The user id of the owner of `nudge_number`.
    pub(crate) async fn user_of(&self, nudge_number: &str) -> Option<String> {
        let mut conn = self.db.conn().await.expect("db");
        with_conn!(&mut conn, c => {
            sms_numbers::table
                .filter(sms_numbers::nudge_number.eq(nudge_number))
                .select(sms_numbers::user_id)
                .first::<String>(c)
                .await
                .optional()
        })
        .expect("query")
    }

    pub(crate) async fn demo_user(&self) -> Option<String> {
        self.user_of(NUDGE_NUMBER).await
    }

    /// What the fake Twilio accepted for `to`, oldest first.
    pub(crate) fn sent_to(&self, to: &str) -> Vec<FakeMessage> {
        self.fake.messages().into_iter().filter(|m| m.to == to).collect()
    }

    /// Waits until the fake accepted at least `count` SMS for `to`.
    pub(crate) async fn wait_sent_to(&self, to: &str, count: usize, timeout: Duration) -> Vec<FakeMessage> {
        eventually(
            &format!("{count} SMS at Twilio"),
            timeout,
            || async { self.sent_to(to) },
            |m| m.len() >= count,
        )
        .await
    }

    /// Asserts that nothing more than `count` SMS reach `to` within `within`.
    pub(crate) async fn nothing_more_to(&self, to: &str, count: usize, within: Duration) {
        tokio::time::sleep(within).await;
        let sent = self.sent_to(to);
        assert_eq!(sent.len(), count, "no other SMS to that phone: {sent:#?}");
    }

    pub(crate) async fn inbound(&self) -> Vec<InboundRecord> {
        let mut conn = self.db.conn().await.expect("db");
        type Row = (String, String, String, Vec<u8>, Option<String>, Option<String>);
        let rows: Vec<Row> = with_conn!(&mut conn, c => {
            sms_inbound::table
                .order((sms_inbound::received_at.asc(), sms_inbound::id.asc()))
                .select((
                    sms_inbound::message_sid,
                    sms_inbound::user_id,
                    sms_inbound::status,
                    sms_inbound::body,
                    sms_inbound::sender_hash,
                    sms_inbound::keyword,
                ))
                .load(c)
                .await
        })
        .expect("query");
        rows.into_iter()
            .map(
                |(message_sid, user_id, status, body, sender_hash, keyword)| InboundRecord {
                    message_sid,
                    user_id,
                    status,
                    body_len: body.len(),
                    sender_hash,
                    keyword,
                },
            )
            .collect()
    }

    pub(crate) async fn inbound_by_sid(&self, sid: &str) -> Option<InboundRecord> {
        self.inbound().await.into_iter().find(|r| r.message_sid == sid)
    }

    pub(crate) async fn outbound(&self) -> Vec<OutboundRecord> {
        let mut conn = self.db.conn().await.expect("db");
        type Row = (String, String, String, String, Option<String>);
        let rows: Vec<Row> = with_conn!(&mut conn, c => {
            sms_outbound::table
                .order((sms_outbound::created_at.asc(), sms_outbound::id.asc()))
                .select((
                    sms_outbound::id,
                    sms_outbound::idempotency_key,
                    sms_outbound::kind,
                    sms_outbound::status,
                    sms_outbound::provider_sid,
                ))
                .load(c)
                .await
        })
        .expect("query");
        let extra: Vec<(String, i32, Option<i32>, i32)> = with_conn!(&mut conn, c => {
            sms_outbound_queue::table
                .select((
                    sms_outbound_queue::id,
                    sms_outbound_queue::attempts,
                    sms_outbound_queue::error_code,
                    sms_outbound_queue::part,
                ))
                .load(c)
                .await
        })
        .expect("query");
        let extra: HashMap<String, (i32, Option<i32>, i32)> =
            extra.into_iter().map(|(id, a, e, p)| (id, (a, e, p))).collect();
        let mut records: Vec<OutboundRecord> = rows
            .into_iter()
            .map(|(id, idempotency_key, kind, status, provider_sid)| {
                let (attempts, error_code, part) = extra.get(&id).copied().unwrap_or_default();
                OutboundRecord {
                    id,
                    idempotency_key,
                    kind,
                    status,
                    provider_sid,
                    attempts,
                    error_code,
                    part,
                }
            })
            .collect();
        records.sort_by(|a, b| a.idempotency_key.cmp(&b.idempotency_key).then(a.part.cmp(&b.part)));
        records
    }

    pub(crate) async fn outbound_by_key(&self, key: &str) -> Option<OutboundRecord> {
        self.outbound().await.into_iter().find(|r| r.idempotency_key == key)
    }

    /// Waits until the row of `key` has a status in `statuses`.
    pub(crate) async fn wait_outbound(&self, key: &str, statuses: &[&str], timeout: Duration) -> OutboundRecord {
        eventually(
            &format!("{key} to be {statuses:?}"),
            timeout,
            || self.outbound_by_key(key),
            |row| row.as_ref().is_some_and(|r| statuses.contains(&r.status.as_str())),
        )
        .await
        .expect("row")
    }

    pub(crate) async fn consent_events(&self, user_id: &str) -> Vec<ConsentEvent> {
        let mut conn = self.db.conn().await.expect("db");
        let rows: Vec<(String, String, Option<String>)> = with_conn!(&mut conn, c => {
            sms_consent_events::table
                .filter(sms_consent_events::user_id.eq(user_id))
                .order((sms_consent_events::created_at.asc(), sms_consent_events::id.asc()))
                .select((sms_consent_events::event, sms_consent_events::source, sms_consent_events::keyword))
                .load(c)
                .await
        })
        .expect("query");
        rows.into_iter()
            .map(|(event, source, keyword)| ConsentEvent { event, source, keyword })
            .collect()
    }

    /// How many messages the agent recorded for `inbound_id` (it saw the message).
    pub(crate) async fn agent_saw(&self, sid: &str) -> bool {
        let Some(record) = self.inbound_by_sid(sid).await else {
            return false;
        };
        if record.status == "dispatched" {
            return true;
        }
        let mut conn = self.db.conn().await.expect("db");
        let inbound_id: String = with_conn!(&mut conn, c => {
            sms_inbound::table
                .filter(sms_inbound::message_sid.eq(sid))
                .select(sms_inbound::id)
                .first(c)
                .await
        })
        .expect("query");
        let seen: i64 = with_conn!(&mut conn, c => {
            nudge_store::schema::agent_messages::table
                .filter(nudge_store::schema::agent_messages::inbound_id.eq(&inbound_id))
                .count()
                .get_result(c)
                .await
        })
        .expect("query");
        seen > 0
    }

    pub(crate) async fn metrics(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.http_ports[0]))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }

    /// The settings the services run with (for tests that set up a state as they would).
    pub(crate) fn settings(&self) -> nudge_config::Settings {
        if self.stack.is_some() {
            dev_settings(&self.dir.path().join("data"), self.environment.clone())
        } else {
            nudge_config::Settings::load(nudge_config::Sources {
                defaults: Vec::new(),
                files: Vec::new(),
                environment: Some(self.environment.clone()),
            })
            .expect("settings")
        }
    }

    /// Runs a statement against the database (for tests that set up a state).
    pub(crate) async fn execute(&self, sql: &str) -> usize {
        let mut conn = self.db.conn().await.expect("db");
        with_conn!(&mut conn, c => diesel::sql_query(sql).execute(c).await).expect("statement")
    }
}

/// A person of their own with a number assigned by hand (AssignNumber).
pub(crate) async fn assign(world: &World, phone: &str, nudge_number: &str) -> String {
    let user_id = uuid::Uuid::now_v7().to_string();
    world
        .grpc()
        .await
        .assign_number(nudge_sms_router::client::AssignNumberRequest {
            user_id: user_id.clone(),
            phone: phone.to_owned(),
            nudge_number: nudge_number.to_owned(),
            timezone: String::new(),
            language: String::new(),
            number_only: true,
        })
        .await
        .expect("AssignNumber");
    user_id
}

/// Queues an SMS to a person through `SendSms`.
pub(crate) async fn send_sms(
    world: &World,
    user_id: &str,
    body: &str,
    key: &str,
) -> Result<nudge_sms_router::client::SendSmsResponse, tonic::Status> {
    world
        .grpc()
        .await
        .send_sms(nudge_sms_router::client::SendSmsRequest {
            user_id: user_id.to_owned(),
            body: body.to_owned(),
            idempotency_key: key.to_owned(),
            kind: nudge_sms_router::client::SmsKind::System.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The current month, "YYYY-MM" (UTC).
pub(crate) fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}
