//! api: the public HTTP gateway (port 8000). It owns the people who use
//! Nudge: accounts, sessions, the audit log; it serves the REST API under
//! `/v1` (see `docs/api-design.md`), health, readiness and metrics, and
//! provisions the demo person.
//!
//! Provisioning a person tells the services that need to know: sms-router
//! gets their Nudge number and verified phone, the agent their time zone and
//! language, workers the time zone reminders are delivered in. Each service
//! keeps its own copy; none reads the api's tables.

// The handlers, one module per feature; none uses another.
mod admin;
mod auth;
mod data;
mod me;
mod mfa;
mod phone;
mod privacy;
mod resources;

// What the handlers share.
mod account;
mod cache_keys;
mod codes;
mod constraints;
mod error;
mod http;
mod lockout;
mod pagination;
mod password;
pub mod sealing;
mod second_factor;
mod state;
mod store;
mod timestamps;
pub mod tokens;
mod usage;
mod views;

// The document and the routes, over all the handlers.
mod openapi;
mod routes;

// The demo person of `nudge dev`, provisioned at start.
mod provision;

pub use provision::Provision;

use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context as _;
use nudge_config::Settings;
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_proto::agent::task_service_client::TaskServiceClient;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_proto::workers::reminder_service_client::ReminderServiceClient;
use nudge_runtime::Readiness;
use nudge_store::Db;
use state::Clients;
use tokio_util::sync::CancellationToken;

/// A running api service.
pub struct Application {
    port: u16,
    http: actix_web::dev::ServerHandle,
    tasks: Vec<nudge_runtime::ServiceTask>,
    shutdown: CancellationToken,
    grace: Duration,
    provisioned: tokio::sync::watch::Receiver<bool>,
    cache: nudge_cache::Cache,
}

impl Application {
    pub async fn build(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Application> {
        let service = &settings.services.api;
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
        let cache = nudge_cache::Cache::connect(&settings.cache)?;
        let timeout = Duration::from_millis(settings.services.rpc_timeout_ms);
        let agent_channel = nudge_runtime::grpc_channel("agent", &settings.services.agent.url, timeout)?;
        let clients = Clients {
            agent: AgentServiceClient::new(agent_channel.clone()),
            tasks: TaskServiceClient::new(agent_channel.clone()),
            person_data: nudge_proto::agent::person_data_service_client::PersonDataServiceClient::new(agent_channel),
            sms: SmsRouterServiceClient::new(nudge_runtime::grpc_channel(
                "sms-router",
                &settings.services.sms_router.url,
                timeout,
            )?),
            workers: ReminderServiceClient::new(nudge_runtime::grpc_channel(
                "workers",
                &settings.services.workers.url,
                timeout,
            )?),
            privacy: state::PrivacyClients::connect(&settings.services, timeout)?,
        };
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);
        let mut tasks = Vec::new();
        let crypto = std::sync::Arc::new(nudge_store::PersonKeys::new(
            settings.key_ring()?,
            nudge_store::PersonKeyTable::Api,
        ));
        let (provisioned_tx, provisioned) = tokio::sync::watch::channel(!settings.demo.enabled);
        if settings.demo.enabled {
            let person = Provision::demo(&settings)?;
            tasks.push((
                "demo provisioning",
                tokio::spawn(provision::provision_until_done(
                    db.clone(),
                    crypto.clone(),
                    clients.clone(),
                    person,
                    provisioned_tx,
                    shutdown.clone(),
                )),
            ));
        }
        let port = listener.local_addr()?.port();
        let admin = nudge_runtime::http::Admin {
            readiness: {
                let readiness = Readiness::new().with_db(db.clone()).with_cache(cache.clone());
                // With the demo on, ready means the demo person can text Nudge.
                if settings.demo.enabled {
                    readiness.with_step("demo_person", provisioned.clone())
                } else {
                    readiness
                }
            },
            runtime: tokio::runtime::Handle::current(),
        };
        let state = actix_web::web::Data::new(state::State {
            db,
            cache: cache.clone(),
            keys: tokens::TokenKeys::from_settings(&settings)?,
            crypto,
            hasher: password::Hasher::new(&settings.api)?,
            settings: settings.api.clone(),
            clients,
            console_numbers: settings.sms_transport() == nudge_config::SmsTransport::Console,
            views: views::AccountViews::default(),
            runtime: tokio::runtime::Handle::current(),
        });
        nudge_runtime::rewrap_person_keys(shutdown.clone(), state.clone().into_inner(), |state| {
            (&*state.crypto, &state.db)
        });
        tokio::spawn(sealing::seal_until_done(
            state.db.clone(),
            state.crypto.clone(),
            shutdown.clone(),
        ));
        let max_body = settings.api.max_body_bytes;
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .wrap(security_headers())
                .app_data(state.clone())
                .app_data(actix_web::web::PayloadConfig::new(max_body))
                .app_data(
                    actix_web::web::PathConfig::default().error_handler(|e, _| error::default_error(e.into()).into()),
                )
                .configure(|config| nudge_runtime::http::admin_routes(config, admin.clone()))
                .route("/", actix_web::web::get().to(index))
                .configure(routes::configure)
                .default_service(actix_web::web::to(routes::not_found))
        })
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(grace.as_secs())
        .run();
        let http = server.handle();
        tasks.push((
            "http server",
            tokio::spawn(async move { server.await.map_err(anyhow::Error::from) }),
        ));
        tracing::info!(port, "api listening");
        Ok(Application {
            port,
            http,
            tasks,
            shutdown,
            grace,
            provisioned,
            cache,
        })
    }

    /// The api's cache (in embedded mode, in process memory): for tests
    /// that check what it holds, such as the erasure scan.
    pub fn cache(&self) -> nudge_cache::Cache {
        self.cache.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Resolves once the demo person (if enabled) is known to every service.
    pub fn demo_provisioned(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut provisioned = self.provisioned.clone();
        async move {
            // An error means provisioning stopped (shutdown): nothing left to wait for.
            let _ = provisioned.wait_for(|done| *done).await;
        }
    }

    /// Runs until the shutdown token is cancelled, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.shutdown.cancelled().await;
        self.http.stop(true).await;
        nudge_runtime::join_tasks("api", self.tasks, self.grace).await
    }
}

/// On every response: no MIME sniffing, never inside a frame (clickjacking),
/// no referrer sent on.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"))
        .add(("Referrer-Policy", "no-referrer"))
}

async fn index() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(serde_json::json!({
        "service": "nudge-api",
        "endpoints": ["/v1", "/healthz", "/readyz", "/metrics"],
    }))
}
