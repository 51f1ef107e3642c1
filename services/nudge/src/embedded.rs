//! The embedded stack: the four services in one process, each on its own
//! port, talking gRPC over loopback, on SQLite with the in-process queue and
//! cache.

use std::net::TcpListener;

use anyhow::Context as _;
use nudge_config::{Mode, Settings};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The ports the stack listens on.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub api: u16,
    pub agent: u16,
    pub workers: u16,
    pub sms_router: u16,
    pub sms_router_grpc: u16,
}

/// A running embedded stack.
pub struct Stack {
    pub ports: Ports,
    /// The settings as running (with the ports actually bound).
    pub settings: Settings,
    /// The caches of the api and sms-router (in-process in embedded mode,
    /// Redis when configured), for tests that look inside them.
    pub caches: Vec<nudge_cache::Cache>,
    shutdown: CancellationToken,
    services: JoinSet<anyhow::Result<()>>,
}

fn bind(host: &str, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port} (is another Nudge running?)"))
}

impl Stack {
    /// Migrates the database, binds every port (0 picks a free one) and starts the services.
    pub async fn start(mut settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Stack> {
        anyhow::ensure!(
            settings.mode == Mode::Embedded,
            "the embedded stack needs mode = \"embedded\" (unset NUDGE__MODE)"
        );
        nudge_store::Db::connect(&settings.database)?
            .migrate()
            .await
            .context("cannot migrate the database")?;

        let services = &settings.services;
        let api = bind(&services.api.host, services.api.port)?;
        let agent = bind(&services.agent.host, services.agent.port)?;
        let workers = bind(&services.workers.host, services.workers.port)?;
        let sms = bind(&services.sms_router.host, services.sms_router.port)?;
        let sms_grpc_port = services
            .sms_router
            .grpc_port
            .context("services.sms_router.grpc_port is required")?;
        let sms_grpc = bind(&services.sms_router.host, sms_grpc_port)?;
        let ports = Ports {
            api: api.local_addr()?.port(),
            agent: agent.local_addr()?.port(),
            workers: workers.local_addr()?.port(),
            sms_router: sms.local_addr()?.port(),
            sms_router_grpc: sms_grpc.local_addr()?.port(),
        };
        let services = &mut settings.services;
        for (service, port, grpc_port) in [
            (&mut services.api, ports.api, None),
            (&mut services.agent, ports.agent, None),
            (&mut services.workers, ports.workers, None),
            (&mut services.sms_router, ports.sms_router, Some(ports.sms_router_grpc)),
        ] {
            service.port = port;
            service.grpc_port = grpc_port;
            service.url = format!("http://127.0.0.1:{}", grpc_port.unwrap_or(port));
        }

        let mut running = JoinSet::new();
        let sms_router =
            nudge_sms_router::Application::build_with_listeners(settings.clone(), sms, sms_grpc, shutdown.clone())
                .await?;
        let mut caches = vec![sms_router.cache()];
        running.spawn(sms_router.run_until_stopped());
        let workers =
            nudge_workers::Application::build_with_listener(settings.clone(), workers, shutdown.clone()).await?;
        running.spawn(workers.run_until_stopped());
        let agent = nudge_agent::Application::build_with_listener(settings.clone(), agent, shutdown.clone()).await?;
        running.spawn(agent.run_until_stopped());
        let api = nudge_api::Application::build_with_listener(settings.clone(), api, shutdown.clone()).await?;
        let provisioned = api.demo_provisioned();
        caches.push(api.cache());
        running.spawn(api.run_until_stopped());
        // Messages typed before the demo person exists would wait for it anyway;
        // starting after it exists keeps the first answer immediate.
        tokio::time::timeout(std::time::Duration::from_secs(30), provisioned)
            .await
            .context("the demo person was not provisioned within 30 s")?;
        Ok(Stack {
            ports,
            settings,
            caches,
            shutdown,
            services: running,
        })
    }

    /// The token that stops the stack.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the stack stops (its shutdown token was cancelled, or a
    /// service failed, which stops the others) and returns the first error.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let mut first_error = None;
        while let Some(finished) = self.services.join_next().await {
            let result = finished.map_err(anyhow::Error::from).and_then(|r| r);
            if let Err(error) = result {
                // One service down means the stack is down.
                self.shutdown.cancel();
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Stops every service, letting in-flight work finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.wait().await
    }
}
