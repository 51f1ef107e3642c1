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
mod converse;
mod describe;
mod engine;
mod error;
mod grpc;
mod handle;
mod listing;
mod llm;
mod memory;
mod person_data;
mod privacy;
mod reminders;
mod replies;
mod settings;
mod state;
mod steps;
mod storage;
mod store;
mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
mod turn;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use nudge_config::Settings;
use nudge_runtime::Readiness;
use nudge_store::Db;
use tokio_util::sync::CancellationToken;

use state::Core;

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
        let core = Arc::new(Core::new(&settings, db.clone())?);
        nudge_runtime::rewrap_person_keys(shutdown.clone(), core.clone(), |core| (&core.keys, &core.db));
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let routes = tonic::service::Routes::new(nudge_proto::agent::agent_service_server::AgentServiceServer::new(
            grpc::Agent::new(core.clone()),
        ))
        .add_service(nudge_proto::agent::task_service_server::TaskServiceServer::new(
            tasks::service::Tasks::new(core.clone()),
        ))
        .add_service(
            nudge_proto::agent::person_data_service_server::PersonDataServiceServer::new(person_data::PersonData::new(
                core.clone(),
            )),
        )
        .add_service(nudge_runtime::privacy::server(core));
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
