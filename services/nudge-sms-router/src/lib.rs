//! sms-router: the only service that talks to Twilio.
//!
//! - `POST /twilio/sms`: inbound SMS, signature-checked, stored once per
//!   MessageSid, then handed to the agent in order, one at a time per person
//!   ([`dispatch`]);
//! - `POST /twilio/status`: delivery status callbacks;
//! - gRPC `nudge.sms.v1.SmsRouterService` on its own internal port: queue an
//!   SMS to a person ([`outbound`]), assign a number;
//! - `GET /dev/outbox` (embedded mode only): what was sent.

mod dev;
mod dispatch;
mod form;
mod grpc;
mod metrics;
mod outbound;
mod store;
mod transport;
mod webhook;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use nudge_cache::Cache;
use nudge_config::{Mode, Settings, SmsTransport};
use nudge_core::PhoneNumber;
use nudge_proto::ServiceError;
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_queue::Queue;
use nudge_runtime::{Readiness, TracedChannel};
use nudge_secure::{KeyRing, SecretString};
use nudge_store::Db;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::webhook::InboundSms;

/// Encryption context of inbound bodies (see `nudge_secure::crypto`).
const INBOUND_BODY: &[u8] = b"sms.inbound.body";
/// Encryption context of outbound bodies.
const OUTBOUND_BODY: &[u8] = b"sms.outbound.body";

/// What sms-router shares between its HTTP handlers, gRPC service and background tasks.
pub(crate) struct Core {
    db: Db,
    queue: Queue,
    cache: Cache,
    keys: KeyRing,
    auth_token: SecretString,
    /// `twilio.public_base_url` without a trailing slash.
    public_base_url: String,
    agent: AgentServiceClient<TracedChannel>,
    transport: transport::Transport,
    /// Wakes the dispatcher when a message arrives.
    inbound_arrived: Notify,
    dispatch_interval: Duration,
}

/// What happened to an inbound SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InboundOutcome {
    Accepted,
    /// Its MessageSid was stored before: a retry, acknowledged and ignored.
    Duplicate,
    /// `To` is not a Nudge number.
    UnknownNumber,
    /// `From` is not the verified phone of the number's owner.
    UnverifiedSender,
}

impl InboundOutcome {
    fn as_str(self) -> &'static str {
        match self {
            InboundOutcome::Accepted => "accepted",
            InboundOutcome::Duplicate => "duplicate",
            InboundOutcome::UnknownNumber => "unknown_number",
            InboundOutcome::UnverifiedSender => "unverified_sender",
        }
    }
}

fn unavailable(error: impl std::fmt::Display) -> ServiceError {
    tracing::error!(%error, "storage error");
    ServiceError::unavailable("storage is unavailable, try again")
}

impl Core {
    async fn receive_inbound(&self, sms: InboundSms) -> Result<InboundOutcome, nudge_store::StoreError> {
        let mut conn = self.db.conn().await?;
        let Some(number) = store::number_by_nudge_number(&mut conn, sms.to.as_str()).await? else {
            return Ok(InboundOutcome::UnknownNumber);
        };
        if number.phone != sms.from.as_str() {
            return Ok(InboundOutcome::UnverifiedSender);
        }
        let now = nudge_store::now();
        let id = nudge_core::new_id();
        let body = self.keys.encrypt_str(&sms.body, INBOUND_BODY);
        let inserted = store::insert_inbound(
            &mut conn,
            &store::NewInbound {
                id: &id,
                message_sid: &sms.message_sid,
                user_id: &number.user_id,
                status: store::inbound_status::PENDING,
                body: &body,
                num_segments: i32::try_from(sms.segments).unwrap_or(i32::MAX),
                received_at: now,
                next_attempt_at: now,
            },
        )
        .await?;
        if !inserted {
            return Ok(InboundOutcome::Duplicate);
        }
        metrics::inbound_segments(sms.segments);
        tracing::info!(inbound.id = %id, user.id = %number.user_id, "inbound SMS stored");
        self.inbound_arrived.notify_one();
        Ok(InboundOutcome::Accepted)
    }

    async fn apply_delivery_status(
        &self,
        provider_sid: &str,
        status: &str,
        error_code: Option<i32>,
    ) -> Result<(), nudge_store::StoreError> {
        let mut conn = self.db.conn().await?;
        match store::apply_delivery_status(&mut conn, provider_sid, status, error_code, nudge_store::now()).await? {
            None => tracing::warn!(status, "status callback for an unknown message"),
            Some(changed) => tracing::debug!(status, changed, "delivery status"),
        }
        Ok(())
    }

    async fn assign_number(
        &self,
        user_id: &str,
        phone: &PhoneNumber,
        nudge_number: &PhoneNumber,
    ) -> Result<(), ServiceError> {
        let mut conn = self.db.conn().await.map_err(unavailable)?;
        if let Some(owner) = store::number_by_nudge_number(&mut conn, nudge_number.as_str())
            .await
            .map_err(unavailable)?
            && owner.user_id != user_id
        {
            return Err(ServiceError::new(
                nudge_proto::ErrorCode::AlreadyExists,
                "this Nudge number belongs to someone else",
            ));
        }
        store::assign_number(
            &mut conn,
            user_id,
            nudge_number.as_str(),
            phone.as_str(),
            nudge_store::now(),
        )
        .await
        .map_err(unavailable)?;
        tracing::info!(user.id = %user_id, "number assigned");
        Ok(())
    }
}

/// A running sms-router.
pub struct Application {
    http_port: u16,
    grpc_port: u16,
    http: actix_web::dev::ServerHandle,
    tasks: Vec<nudge_runtime::ServiceTask>,
    shutdown: CancellationToken,
    grace: Duration,
}

impl Application {
    /// Binds the ports from `settings` and starts serving.
    pub async fn build(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Application> {
        let service = &settings.services.sms_router;
        let http = TcpListener::bind((service.host.as_str(), service.port))
            .with_context(|| format!("cannot listen on {}:{}", service.host, service.port))?;
        let grpc_port = service.grpc_port.context("services.sms_router.grpc_port is required")?;
        let grpc = TcpListener::bind((service.host.as_str(), grpc_port))
            .with_context(|| format!("cannot listen on {}:{grpc_port}", service.host))?;
        Self::build_with_listeners(settings, http, grpc, shutdown).await
    }

    /// Starts serving on listeners bound by the caller (tests, `nudge dev`).
    pub async fn build_with_listeners(
        settings: Settings,
        http_listener: TcpListener,
        grpc_listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Application> {
        let db = Db::connect(&settings.database)?;
        let queue = Queue::connect(&settings.queue)
            .await
            .context("cannot connect to the queue")?;
        let cache = Cache::connect(&settings.cache)?;
        let keys = settings.key_ring()?;
        let auth_token = settings.twilio_auth_token()?.clone();
        let timeout = Duration::from_millis(settings.services.rpc_timeout_ms);
        let agent = AgentServiceClient::new(nudge_runtime::grpc_channel(&settings.services.agent.url, timeout)?);
        let public_base_url = settings.twilio.public_base_url.trim_end_matches('/').to_owned();
        let transport = match settings.sms_transport() {
            SmsTransport::Console => transport::Transport::Console {
                echo: settings.sms.console_echo,
            },
            SmsTransport::Twilio => transport::Transport::Twilio(transport::TwilioClient::new(
                &settings.twilio.api_base_url,
                &settings.twilio.account_sid,
                auth_token.clone(),
                format!("{public_base_url}{}", webhook::STATUS_PATH),
            )?),
        };
        let core = Arc::new(Core {
            db: db.clone(),
            queue: queue.clone(),
            cache: cache.clone(),
            keys,
            auth_token,
            public_base_url,
            agent,
            transport,
            inbound_arrived: Notify::new(),
            dispatch_interval: Duration::from_millis(settings.sms.dispatch_interval_ms),
        });
        let readiness = Readiness::new().with_db(db).with_queue(queue).with_cache(cache);
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);

        let mut tasks = Vec::new();
        let consumer = outbound::start_consumer(core.clone(), shutdown.clone()).await?;
        tasks.push((
            "outbound consumer",
            tokio::spawn(async move { consumer.await.map_err(anyhow::Error::from) }),
        ));
        tasks.push((
            "outbound sweeper",
            tokio::spawn(outbound::sweep(core.clone(), shutdown.clone())),
        ));
        tasks.push((
            "inbound dispatcher",
            tokio::spawn(dispatch::run(core.clone(), shutdown.clone())),
        ));

        grpc_listener.set_nonblocking(true)?;
        let grpc_port = grpc_listener.local_addr()?.port();
        let routes = tonic::service::Routes::new(
            nudge_proto::sms::sms_router_service_server::SmsRouterServiceServer::new(grpc::SmsRouter::new(
                core.clone(),
            )),
        );
        let grpc_server = nudge_runtime::serve_grpc(
            "sms-router",
            tokio::net::TcpListener::from_std(grpc_listener)?,
            routes,
            readiness.clone(),
            shutdown.clone(),
            grace,
        );
        tasks.push(("grpc server", tokio::spawn(grpc_server)));

        let http_port = http_listener.local_addr()?.port();
        let embedded = settings.mode == Mode::Embedded;
        let max_body = settings.sms.max_request_bytes;
        let web_state = actix_web::web::Data::new(webhook::WebState {
            core,
            runtime: tokio::runtime::Handle::current(),
        });
        let admin = nudge_runtime::http::Admin {
            readiness,
            runtime: tokio::runtime::Handle::current(),
        };
        let server = actix_web::HttpServer::new(move || {
            let app = actix_web::App::new()
                .app_data(web_state.clone())
                .app_data(actix_web::web::PayloadConfig::new(max_body))
                .configure(|config| nudge_runtime::http::admin_routes(config, admin.clone()))
                .route(webhook::SMS_PATH, actix_web::web::post().to(webhook::inbound_sms))
                .route(
                    webhook::STATUS_PATH,
                    actix_web::web::post().to(webhook::status_callback),
                );
            if embedded {
                app.route(dev::OUTBOX_PATH, actix_web::web::get().to(dev::outbox))
            } else {
                app
            }
        })
        .listen(http_listener)?
        .disable_signals()
        .shutdown_timeout(grace.as_secs())
        .run();
        let http = server.handle();
        tasks.push((
            "http server",
            tokio::spawn(async move { server.await.map_err(anyhow::Error::from) }),
        ));
        tracing::info!(http_port, grpc_port, "sms-router listening");
        Ok(Application {
            http_port,
            grpc_port,
            http,
            tasks,
            shutdown,
            grace,
        })
    }

    /// The webhook (HTTP) port.
    pub fn port(&self) -> u16 {
        self.http_port
    }

    /// The internal gRPC port.
    pub fn grpc_port(&self) -> u16 {
        self.grpc_port
    }

    /// Runs until the shutdown token is cancelled, then finishes in-flight work.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.shutdown.cancelled().await;
        self.http.stop(true).await;
        nudge_runtime::join_tasks("sms-router", self.tasks, self.grace).await
    }
}
