//! The agent: reads what a person texted, acts on it through the other
//! services, and answers.
//!
//! gRPC `nudge.agent.v1.AgentService` (port 8001, with `/healthz`,
//! `/readyz`, `/metrics` on the same port). The person's id always comes from
//! the request sms-router made after checking the phone pair.

mod act;
mod clarify;
mod confirm;
mod conversation;
mod describe;
mod engine;
mod error;
mod grpc;
mod llm;
mod memory;
mod person_data;
mod privacy;
mod replies;
mod steps;
mod store;
mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
mod turn;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use error::AgentError;
use nudge_config::Settings;
use nudge_core::{Language, Timezone, UserId};
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_proto::sms::{SendSmsRequest, SmsKind};
use nudge_proto::workers::reminder_service_client::ReminderServiceClient;
use nudge_runtime::{Readiness, TracedChannel};
use nudge_store::Db;
use tokio_util::sync::CancellationToken;

/// Encryption context of conversation bodies.
pub(crate) const MESSAGE_BODY: &[u8] = b"agent.message.body";

pub(crate) struct Core {
    db: Db,
    /// Per-person keys of everything the agent seals for a person
    /// (`agent_person_keys`); their ring also keys the memory-term hashes.
    keys: nudge_store::PersonKeys,
    workers: ReminderServiceClient<TracedChannel>,
    sms: SmsRouterServiceClient<TracedChannel>,
    chain: llm::Chain,
    /// Decrypted memory vectors of the people served recently (recall by meaning).
    vectors: memory::vectors::VectorCache,
}

/// What a feature needs to read and write a person's sealed rows: the
/// database and the person keys, rather than the whole [`Core`].
pub(crate) struct Storage<'a> {
    pub(crate) db: &'a Db,
    pub(crate) keys: &'a nudge_store::PersonKeys,
}

impl Storage<'_> {
    /// What reads the person's sealed values: their key (cached for a few
    /// minutes), or none once they were erased.
    pub(crate) async fn reader(&self, user_id: &str) -> Result<nudge_secure::PersonReader, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(self.keys.for_reading(&mut conn, user_id).await?)
    }

    /// What seals the person's values: their key, made the first time.
    pub(crate) async fn cipher(&self, user_id: &str) -> Result<nudge_secure::PersonCipher, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(self.keys.for_writing(&mut conn, user_id).await?)
    }
}

impl Core {
    pub(crate) fn storage(&self) -> Storage<'_> {
        Storage {
            db: &self.db,
            keys: &self.keys,
        }
    }

    /// What the memory feature's functions take (`memory::keep_fact`,
    /// `memory::recall`, ...): built here only.
    pub(crate) fn memory(&self) -> memory::Context<'_> {
        memory::Context {
            storage: self.storage(),
            chain: &self.chain,
            vectors: &self.vectors,
        }
    }
}

#[cfg(any(test, feature = "testing"))]
impl Core {
    /// A core over `db` for unit tests and the benchmarks' fixtures: providers from `settings`, the other
    /// services on a closed port.
    fn for_tests(db: &Db, keys: nudge_secure::KeyRing, settings: &Settings) -> Core {
        let channel = nudge_runtime::grpc_channel("closed-port (tests)", "http://127.0.0.1:9", Duration::from_secs(1))
            .expect("channel");
        Core {
            db: db.clone(),
            keys: nudge_store::PersonKeys::new(keys, nudge_store::PersonKeyTable::Agent),
            workers: ReminderServiceClient::new(channel.clone()),
            sms: SmsRouterServiceClient::new(channel),
            chain: llm::Chain::new(&settings.agent).expect("chain"),
            vectors: Default::default(),
        }
    }
}

/// An inbound message as the agent receives it.
pub(crate) struct Inbound {
    pub(crate) user_id: UserId,
    pub(crate) message_id: String,
    pub(crate) body: String,
    pub(crate) received_at: DateTime<Utc>,
}

/// What handling a message did.
pub(crate) struct Handled {
    pub(crate) intent: &'static str,
    pub(crate) duplicate: bool,
    /// "local" or the provider's name.
    pub(crate) answered_by: String,
    pub(crate) tools: Vec<String>,
}

impl Core {
    /// The last numbered list shown to the person.
    pub(crate) async fn load_listing(
        &self,
        user_id: &str,
    ) -> Result<Option<(engine::ListingKind, Vec<String>)>, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(store::listing(&mut conn, user_id).await?.map(|(kind, ids)| {
            let kind = match kind.as_str() {
                "tasks" => engine::ListingKind::Tasks,
                "memories" => engine::ListingKind::Memories,
                _ => engine::ListingKind::Reminders,
            };
            (kind, ids)
        }))
    }

    async fn upsert_person(&self, user_id: &UserId, timezone: Timezone, language: Language) -> Result<(), AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(store::upsert_person(
            &mut conn,
            user_id.as_str(),
            timezone.name(),
            language.as_str(),
            nudge_store::now(),
        )
        .await?)
    }

    /// Handles one message. Every step is idempotent (keyed on the message
    /// id), so a retry after a failure part-way redoes nothing twice.
    async fn handle_inbound(&self, inbound: Inbound) -> Result<Handled, AgentError> {
        let started = std::time::Instant::now();
        let user = inbound.user_id.as_str();
        let mut conn = self.db.conn().await?;
        let Some(person) = store::person(&mut conn, user).await? else {
            // sms-router knows the person but their profile has not reached us
            // yet (provisioning in flight): have the message retried shortly.
            return Err(AgentError::FailedPrecondition(
                "this person's profile has not reached the agent yet".to_owned(),
            ));
        };
        let timezone: Timezone = person
            .timezone
            .parse()
            .map_err(|e: nudge_core::InvalidValue| AgentError::Internal(e.0))?;
        let language: Language = person
            .language
            .parse()
            .map_err(|e: nudge_core::InvalidValue| AgentError::Internal(e.0))?;
        let body = self
            .keys
            .for_writing(&mut conn, user)
            .await?
            .encrypt_str(&inbound.body, MESSAGE_BODY);
        let handled_before =
            store::record_inbound(&mut conn, user, &inbound.message_id, &body, nudge_store::now()).await?;
        drop(conn);
        let listing = self.load_listing(user).await?;
        let steps = steps::pending(&self.storage(), user).await?;
        // Times are read from when the person sent the message, so a retry reads them the same way.
        let context = engine::Context {
            now: inbound.received_at.with_timezone(&timezone.tz()),
            language,
            last_listing: listing.as_ref().map(|(kind, _)| *kind),
        };
        // While steps of a model's reply are kept, "next" / "suivant" asks for the next one (`steps.rs`).
        // "done" / "fait" stays a reminder's answer first: a medication reminder that fired during the
        // steps must not be left nagging; with no reminder waiting, it asks for the next step (`act.rs`).
        let steps_open = steps
            .as_ref()
            .is_some_and(|pending| pending.open_for(&inbound.message_id, inbound.received_at));
        let understood = engine::understand(&inbound.body, &context);
        let understood = match &steps {
            Some(pending)
                if steps_open && understood.intent != engine::Intent::Done && engine::asks_next_step(&inbound.body) =>
            {
                engine::Understood {
                    intent: engine::Intent::NextStep,
                    language: pending.language,
                }
            }
            _ => understood,
        };
        // An answer to a question about a time ("the 26th", "6pm", "2", "yes") completes the reminder held (`clarify.rs`).
        let understood = match self.open_question(user, inbound.received_at).await? {
            Some(question) => {
                let choice = match engine::clarify::answer(
                    &inbound.body,
                    &question.readings,
                    timezone.tz(),
                    question.asked_at,
                ) {
                    engine::Answer::Pick(index) => Some(Some(index)),
                    engine::Answer::No => Some(None),
                    engine::Answer::Other => None,
                };
                match choice {
                    Some(choice) => engine::Understood {
                        intent: engine::Intent::Choose(choice),
                        language: understood.language,
                    },
                    None => understood,
                }
            }
            None => understood,
        };
        let step_done = steps_open && understood.intent == engine::Intent::Done;
        let intent = understood.intent.name();
        if handled_before {
            return Ok(Handled {
                intent,
                duplicate: true,
                answered_by: String::new(),
                tools: Vec::new(),
            });
        }
        if steps.is_some() && understood.intent != engine::Intent::NextStep && !step_done {
            // Anything but a "next" or a "done" drops the steps kept.
            steps::forget(&self.storage(), user).await?;
        }
        let person = turn::Person {
            user_id: inbound.user_id.clone(),
            timezone,
        };
        let turn = turn::Turn {
            person: &person,
            message_id: &inbound.message_id,
            received_at: inbound.received_at,
            listing,
        };
        // The model chain first (when configured), the local engine otherwise or
        // when it gives no answer. A "yes"/"no" answers a question Nudge asked,
        // "next" (or "done") asks for a step kept, and "local only" is about the models
        // themselves: only the local engine reads those, never a model.
        let answer = if self.chain.is_empty()
            || step_done
            || matches!(
                understood.intent,
                engine::Intent::Confirm(_)
                    | engine::Intent::Choose(_)
                    | engine::Intent::SetLocalOnly(_)
                    | engine::Intent::NextStep
            ) {
            None
        } else {
            self.converse(&turn, &inbound.body, understood.language, started)
                .await?
        };
        if let Some(answer) = &answer
            && answer.steps.len() > 1
        {
            // One step at a time: the first is in the reply, the others wait for "next".
            steps::keep(
                &self.storage(),
                user,
                &inbound.message_id,
                &answer.steps,
                understood.language,
                inbound.received_at,
            )
            .await?;
        }
        let (reply, intent, answered_by, tools) = match answer {
            Some(answer) => (answer.reply, "model", answer.provider, answer.tools),
            None => (
                self.act(&turn, &understood).await?,
                intent,
                "local".to_owned(),
                Vec::new(),
            ),
        };
        let sent = self
            .sms
            .clone()
            .send_sms(SendSmsRequest {
                user_id: user.to_owned(),
                body: reply.clone(),
                idempotency_key: format!("reply:{}", inbound.message_id),
                kind: SmsKind::Reply.into(),
            })
            .await?
            .into_inner();
        let mut conn = self.db.conn().await?;
        if !sent.duplicate {
            let reply_body = self
                .keys
                .for_writing(&mut conn, user)
                .await?
                .encrypt_str(&reply, MESSAGE_BODY);
            store::record_reply(&mut conn, user, &reply_body, nudge_store::now()).await?;
        }
        store::mark_handled(&mut conn, &inbound.message_id, intent, nudge_store::now()).await?;
        let language = understood.language.as_str();
        metrics::counter!("nudge_agent_messages_total", "intent" => intent, "language" => language).increment(1);
        tracing::info!(user.id = %user, inbound.id = %inbound.message_id, intent, answered_by, "message handled");
        Ok(Handled {
            intent,
            duplicate: false,
            answered_by,
            tools,
        })
    }
}

/// A running agent service.
pub struct Application {
    port: u16,
    tasks: Vec<nudge_runtime::ServiceTask>,
    shutdown: CancellationToken,
    grace: Duration,
}

impl Application {
    pub async fn build(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Application> {
        let service = &settings.services.agent;
        let listener = TcpListener::bind((service.host.as_str(), service.port))
            .with_context(|| format!("cannot listen on {}:{}", service.host, service.port))?;
        Self::build_with_listener(settings, listener, shutdown).await
    }

    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Application> {
        let db = Db::connect(&settings.database)?;
        let timeout = Duration::from_millis(settings.services.rpc_timeout_ms);
        let core = Arc::new(Core {
            db: db.clone(),
            keys: nudge_store::PersonKeys::new(settings.key_ring()?, nudge_store::PersonKeyTable::Agent),
            workers: ReminderServiceClient::new(nudge_runtime::grpc_channel(
                "workers",
                &settings.services.workers.url,
                timeout,
            )?),
            sms: SmsRouterServiceClient::new(nudge_runtime::grpc_channel(
                "sms-router",
                &settings.services.sms_router.url,
                timeout,
            )?),
            chain: llm::Chain::new(&settings.agent)?,
            vectors: Default::default(),
        });
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let routes = tonic::service::Routes::new(nudge_proto::agent::agent_service_server::AgentServiceServer::new(
            grpc::Agent::new(core.clone()),
        ))
        .add_service(nudge_proto::agent::task_service_server::TaskServiceServer::new(
            tasks::Tasks::new(core.clone()),
        ))
        .add_service(
            nudge_proto::agent::person_data_service_server::PersonDataServiceServer::new(person_data::PersonData::new(
                core.clone(),
            )),
        )
        .add_service(nudge_runtime::privacy::server(privacy::Privacy::new(core)));
        let server = nudge_runtime::serve_grpc(
            "agent",
            tokio::net::TcpListener::from_std(listener)?,
            routes,
            Readiness::new().with_db(db),
            shutdown.clone(),
            grace,
        );
        tracing::info!(port, "agent listening");
        Ok(Application {
            port,
            tasks: vec![("grpc server", tokio::spawn(server))],
            shutdown,
            grace,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the shutdown token is cancelled, then finishes in-flight calls.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.shutdown.cancelled().await;
        nudge_runtime::join_tasks("agent", self.tasks, self.grace + Duration::from_secs(1)).await
    }
}
