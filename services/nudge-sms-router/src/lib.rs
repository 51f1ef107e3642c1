//! sms-router: the only service that talks to Twilio.
//!
//! - `POST /twilio/sms`: inbound SMS, signature-checked, stored once per
//!   MessageSid; compliance keywords (STOP, START, HELP ...) are handled here
//!   before any agent sees them ([`inbound`], [`compliance`]); a message from
//!   a phone that is not the number's owner's is recorded without its body
//!   and answered once; the others are handed to the agent in order, one at
//!   a time per person ([`dispatch`]);
//! - `POST /twilio/status`: delivery status callbacks, signature-checked,
//!   applied forward only;
//! - gRPC `nudge.sms.v1.SmsRouterService` on its own internal port: queue an
//!   SMS to a person, paced per number ([`outbound`]); buy, assign and
//!   release numbers ([`numbers`]); usage and cost ([`usage`]);
//! - `GET /dev/outbox` (embedded mode only): what was sent;
//! - a verified webhook the database cannot store waits in the [`spool`]
//!   (RabbitMQ, distributed mode) and is stored when the database returns.

/// What a client of sms-router needs: the `nudge.sms.v1` contract. The
/// end-to-end tests and benchmarks in `services/nudge` drive sms-router through it.
pub mod client {
    pub use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
    pub use nudge_proto::sms::*;
    pub use nudge_proto::{ErrorCode, ServiceError};
}

mod compliance;
mod dev;
mod error;
mod form;
mod grpc;
mod inbound;
mod metrics;
mod numbers;
mod outbound;
#[cfg(test)]
mod plan_testing;
mod privacy;
pub mod sealing;
mod split;
mod spool;
mod state;
mod store;
mod transport;
mod usage;
mod webhook;

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use inbound::writer::InboundWriter;
use nudge_cache::Cache;
use nudge_config::{Mode, Settings, SmsSettings, SmsTransport};
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_queue::Queue;
use nudge_runtime::Readiness;
use nudge_store::{Db, PersonKeyTable, PersonKeys};
use state::Core;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// A running sms-router.
pub struct Application {
    http_port: u16,
    grpc_port: u16,
    http: actix_web::dev::ServerHandle,
    tasks: Vec<nudge_runtime::ServiceTask>,
    shutdown: CancellationToken,
    grace: Duration,
    cache: Cache,
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
        let spool = spool::Spool::open(&settings, &queue)
            .await
            .context("cannot connect the webhook spool to the queue")?;
        let keys = PersonKeys::new(settings.key_ring()?, PersonKeyTable::Sms);
        let auth_token = settings.twilio_auth_token()?.clone();
        let timeout = Duration::from_millis(settings.services.rpc_timeout_ms);
        let agent = AgentServiceClient::new(nudge_runtime::grpc_channel(
            "agent",
            &settings.services.agent.url,
            timeout,
        )?);
        let public_base_url = settings.twilio.public_base_url.trim_end_matches('/').to_owned();
        let status_callback_url = format!("{public_base_url}{}", webhook::STATUS_PATH);
        let request_timeout = Duration::from_millis(settings.twilio.request_timeout_ms);
        let twilio_client = || {
            transport::TwilioClient::new(
                &settings.twilio.api_base_url,
                &settings.twilio.account_sid,
                auth_token.clone(),
                request_timeout,
            )
        };
        let (transport, numbers_api) = match settings.sms_transport() {
            SmsTransport::Console => (
                transport::Transport::Console {
                    echo: settings.sms.console_echo,
                },
                // Never real numbers from the console: only a fake Twilio on this machine.
                transport::is_loopback(&settings.twilio.api_base_url)
                    .then(twilio_client)
                    .transpose()?,
            ),
            SmsTransport::Twilio => (transport::Transport::Twilio(twilio_client()?), Some(twilio_client()?)),
        };
        let verification_number = match (settings.sms.verification_number()?, settings.sms_transport()) {
            (Some(number), _) => number.as_str().to_owned(),
            (None, SmsTransport::Console) => nudge_config::CONSOLE_VERIFICATION_NUMBER.to_owned(),
            (None, SmsTransport::Twilio) => anyhow::bail!(
                "sms.verification_number is required with the twilio transport: the number of the \
                 Twilio account that texts verification codes to phones with no Nudge number yet"
            ),
        };
        let core = Arc::new(Core {
            db: db.clone(),
            lone_replica: matches!(cache, Cache::Memory(_)),
            cache: cache.clone(),
            keys,
            auth_token,
            public_base_url,
            status_callback_url,
            agent,
            agent_url: settings.services.agent.url.clone(),
            transport,
            numbers_api,
            // Carriers limit a number's throughput; the console has no carrier, so no pacing.
            sms: SmsSettings {
                segments_per_second: match settings.sms_transport() {
                    SmsTransport::Console => f64::INFINITY,
                    SmsTransport::Twilio => settings.sms.segments_per_second,
                },
                ..settings.sms.clone()
            },
            verification_number,
            default_country: settings.twilio.number_country.clone(),
            inbound_arrived: Notify::new(),
            arrived: Mutex::new(HashSet::new()),
            backing_off: Mutex::new(HashMap::new()),
            dispatch_interval: Duration::from_millis(settings.sms.dispatch_interval_ms),
            outbound_stored: Notify::new(),
            outbound_done: Notify::new(),
            // Only with a spool to put a late webhook in.
            webhook_store_deadline: (spool.is_on() && settings.sms.webhook_store_deadline_ms > 0)
                .then(|| Duration::from_millis(settings.sms.webhook_store_deadline_ms)),
            spool,
            // A quarter of the pool, so the webhooks' reads and the
            // sender keep connections of their own.
            inbound_writer: InboundWriter::new(
                usize::try_from(settings.database.max_connections / 4)
                    .unwrap_or(1)
                    .clamp(1, 4),
            ),
        });
        let mut readiness = Readiness::new().with_db(db).with_queue(queue).with_cache(cache);
        if matches!(core.spool, spool::Spool::Broker { .. }) {
            // Webhooks go to the spool while the database is away: taking
            // sms-router out of service then would turn them into failed
            // connections at Twilio.
            readiness = readiness.with_queue_covering_db();
        }
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);

        nudge_runtime::rewrap_person_keys(shutdown.clone(), core.clone(), |core| (&core.keys, &core.db));
        tokio::spawn(sealing::seal_until_done(core.clone(), shutdown.clone()));
        let mut tasks = Vec::new();
        tasks.push((
            "outbound sender",
            tokio::spawn(outbound::sender::run_sender(core.clone(), shutdown.clone())),
        ));
        tasks.push((
            "outbound sweeper",
            tokio::spawn(outbound::sender::sweep(core.clone(), shutdown.clone())),
        ));
        tasks.push((
            "inbound dispatcher",
            tokio::spawn(inbound::dispatch::run(core.clone(), shutdown.clone())),
        ));

        grpc_listener.set_nonblocking(true)?;
        let grpc_port = grpc_listener.local_addr()?.port();
        let routes = tonic::service::Routes::new(
            nudge_proto::sms::sms_router_service_server::SmsRouterServiceServer::new(grpc::SmsRouter::new(
                core.clone(),
            )),
        )
        .add_service(nudge_runtime::privacy::server(core.clone()));
        let grpc_server = nudge_runtime::serve_grpc(
            "sms-router",
            tokio::net::TcpListener::from_std(grpc_listener)?,
            routes,
            readiness.clone(),
            shutdown.clone(),
            grace,
        );
        tasks.push(("grpc server", tokio::spawn(grpc_server)));
        tasks.push((
            "spool drainer",
            tokio::spawn(spool::drain::run(core.clone(), shutdown.clone())),
        ));

        let http_port = http_listener.local_addr()?.port();
        let embedded = settings.mode == Mode::Embedded;
        let max_body = settings.sms.max_request_bytes;
        let cache = core.cache.clone();
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
            cache,
        })
    }

    /// sms-router's cache (in embedded mode, in process memory): for tests
    /// that check what it holds, such as the erasure scan.
    pub fn cache(&self) -> Cache {
        self.cache.clone()
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
