//! workers: reminders and the scheduler that fires them.
//!
//! gRPC `nudge.workers.v1.ReminderService` (port 8002, with `/healthz`,
//! `/readyz`, `/metrics` on the same port), the scheduler, and the consumer
//! of `reminders.due` ([`scheduler`]).

mod error;
mod grpc;
mod people;
mod privacy;
mod quiet;
mod reachable;
mod recurrence;
mod reminders;
mod scheduler;
mod state;
mod store;
mod texts;
mod wakeup;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use nudge_config::Settings;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_queue::Queue;
use nudge_runtime::Readiness;
use nudge_store::{Db, PersonKeyTable, PersonKeys};
use state::Core;
use tokio_util::sync::CancellationToken;

/// A running workers service.
pub struct Application {
    port: u16,
    tasks: Vec<nudge_runtime::ServiceTask>,
    shutdown: CancellationToken,
    grace: Duration,
}

impl Application {
    pub async fn build(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Application> {
        let service = &settings.services.workers;
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
        let queue = Queue::connect(&settings.queue)
            .await
            .context("cannot connect to the queue")?;
        let timeout = Duration::from_millis(settings.services.rpc_timeout_ms);
        let sms = SmsRouterServiceClient::new(nudge_runtime::grpc_channel(
            "sms-router",
            &settings.services.sms_router.url,
            timeout,
        )?);
        let core = Arc::new(Core {
            db: db.clone(),
            queue: queue.clone(),
            keys: PersonKeys::new(settings.key_ring()?, PersonKeyTable::Workers),
            reachable: reachable::Reachable::new(sms.clone(), settings.services.sms_router.url.clone()),
            sms,
            catch_up_window: chrono::TimeDelta::seconds(
                i64::try_from(settings.scheduler.catch_up_window_seconds).unwrap_or(i64::MAX / 1000),
            ),
            scheduler: settings.scheduler.clone(),
            wakeup: wakeup::Wakeup::new(),
        });
        let grace = Duration::from_secs(settings.services.shutdown_grace_seconds);
        nudge_runtime::rewrap_person_keys(shutdown.clone(), core.clone(), |core| (&core.keys, &core.db));
        let mut tasks = Vec::new();
        let consumer = scheduler::start_consumer(core.clone(), shutdown.clone()).await?;
        tasks.push((
            "reminder consumer",
            tokio::spawn(async move { consumer.await.map_err(anyhow::Error::from) }),
        ));
        tasks.push((
            "scheduler",
            tokio::spawn(scheduler::run(core.clone(), shutdown.clone())),
        ));

        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let routes = tonic::service::Routes::new(
            nudge_proto::workers::reminder_service_server::ReminderServiceServer::new(grpc::Reminders::new(
                core.clone(),
            )),
        )
        .add_service(nudge_runtime::privacy::server(core));
        let server = nudge_runtime::serve_grpc(
            "workers",
            tokio::net::TcpListener::from_std(listener)?,
            routes,
            Readiness::new().with_db(db).with_queue(queue),
            shutdown.clone(),
            grace,
        );
        tasks.push(("grpc server", tokio::spawn(server)));
        tracing::info!(port, "workers listening");
        Ok(Application {
            port,
            tasks,
            shutdown,
            grace,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the shutdown token is cancelled, then finishes in-flight work.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.shutdown.cancelled().await;
        nudge_runtime::join_tasks("workers", self.tasks, self.grace + Duration::from_secs(1)).await
    }
}
