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
mod privacy;
mod split;
mod spool;
mod store;
mod transport;
mod usage;
mod webhook;

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use nudge_cache::Cache;
use nudge_config::{Mode, Settings, SmsSettings, SmsTransport};
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_queue::Queue;
use nudge_runtime::{Readiness, TracedChannel};
use nudge_secure::SecretString;
use nudge_store::{Db, PersonKeyTable, PersonKeys};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Encryption context of inbound bodies (see `nudge_secure::crypto`).
const INBOUND_BODY: &[u8] = b"sms.inbound.body";
/// Encryption context of outbound bodies.
const OUTBOUND_BODY: &[u8] = b"sms.outbound.body";

/// What sms-router shares between its HTTP handlers, gRPC service and background tasks.
pub(crate) struct Core {
    db: Db,
    cache: Cache,
    /// Per-person keys of message bodies (`sms_person_keys`); the ring for
    /// sms-router's own fixed replies (START, HELP).
    keys: PersonKeys,
    auth_token: SecretString,
    /// `twilio.public_base_url` without a trailing slash.
    public_base_url: String,
    /// Where Twilio posts delivery statuses (public base URL + `/twilio/status`).
    status_callback_url: String,
    agent: AgentServiceClient<TracedChannel>,
    /// The agent's address (`services.agent.url`), named in logs when it fails.
    agent_url: String,
    transport: transport::Transport,
    /// Twilio's REST API for numbers: with the Twilio transport, or in
    /// embedded mode when `twilio.api_base_url` is a fake on this machine.
    numbers_api: Option<transport::TwilioClient>,
    sms: SmsSettings,
    /// Texts codes to phones that have no Nudge number yet (`sms.verification_number`).
    verification_number: String,
    default_country: String,
    /// True when no other replica can exist (in-process cache): at start-up,
    /// every claim left by the previous process is stale.
    lone_replica: bool,
    /// Wakes the dispatcher when a message arrives, with the people to serve.
    inbound_arrived: Notify,
    arrived: Mutex<HashSet<String>>,
    /// People whose oldest message waits for a retry, and until when: a new
    /// message of theirs need not wake the dispatcher before then.
    backing_off: Mutex<HashMap<String, Instant>>,
    dispatch_interval: Duration,
    /// Wakes the sender: a row was stored, or a send finished.
    outbound_stored: Notify,
    outbound_done: Notify,
    /// Where webhooks wait while the database is away (none in embedded mode).
    spool: spool::Spool,
}

/// Whether `url` is on this machine (a fake Twilio started by `nudge fake-twilio` or a test).
fn is_loopback(url: &str) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

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
                is_loopback(&settings.twilio.api_base_url)
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
            spool,
        });
        let mut readiness = Readiness::new().with_db(db).with_queue(queue).with_cache(cache);
        if matches!(core.spool, spool::Spool::Broker { .. }) {
            // Webhooks go to the spool while the database is away: taking
            // sms-router out of service then would turn them into failed
            // connections at Twilio.
            readiness = readiness.with_queue_covering_db();
        }
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);

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
        .add_service(nudge_runtime::privacy::server(privacy::Privacy::new(core.clone())));
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

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_urls() {
        for url in [
            "http://127.0.0.1:4010",
            "http://localhost:4010/",
            "http://[::1]:4010",
            "http://user:pass@127.0.0.2",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://api.twilio.com",
            "http://10.0.0.1:80",
            "http://127.0.0.1.example.com",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
