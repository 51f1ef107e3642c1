//! `nudge`: run Nudge on a laptop (`nudge dev`), or operate it
//! (`nudge migrate`, `nudge serve <service>`).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use nudge_config::{Settings, Sources};
use nudge_telemetry::LogTarget;

#[derive(Parser)]
#[command(name = "nudge", version, about = "Nudge, the SMS assistant for adults with ADHD")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything in this process (SQLite, in-process queue and cache,
    /// console SMS) and text the assistant from this terminal.
    Dev {
        /// Where the database, generated secrets and log live.
        #[arg(long, default_value = ".nudge")]
        data_dir: PathBuf,
        /// Serve only; do not read the terminal (logs go to standard output).
        #[arg(long)]
        no_repl: bool,
    },
    /// Apply the database migrations (distributed mode runs this before the services).
    Migrate,
    /// Run one service (distributed mode).
    Serve {
        #[arg(value_enum)]
        service: Service,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Service {
    Api,
    Agent,
    Workers,
    SmsRouter,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli.command))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dev { data_dir, no_repl } => dev(data_dir, no_repl).await,
        Command::Migrate => {
            let settings = Settings::load(Sources::from_process())?;
            let _telemetry = nudge_telemetry::init("nudge", &settings)?;
            let applied = nudge_store::Db::connect(&settings.database)?.migrate().await?;
            tracing::info!(applied, "database is up to date");
            Ok(())
        }
        Command::Serve { service } => serve(service).await,
    }
}

async fn dev(data_dir: PathBuf, no_repl: bool) -> anyhow::Result<()> {
    let settings = nudge::dev::settings(&data_dir)?;
    let log_target = if no_repl {
        LogTarget::Stdout
    } else {
        LogTarget::File(data_dir.join(nudge::dev::LOG_FILE))
    };
    let _telemetry = nudge_telemetry::init_with_target("nudge", &settings, &log_target)?;
    let shutdown = nudge_runtime::shutdown_on_signals();
    let stack = nudge::embedded::Stack::start(settings, shutdown.clone()).await?;
    tracing::info!(ports = ?stack.ports, data_dir = %data_dir.display(), "nudge dev is running");
    if !no_repl {
        let settings = stack.settings.clone();
        let port = stack.ports.sms_router;
        let repl_shutdown = shutdown.clone();
        tokio::spawn(async move {
            if let Err(error) = nudge::dev::repl(&settings, port, repl_shutdown.clone()).await {
                tracing::error!(error = format!("{error:#}"), "terminal failed");
            }
            repl_shutdown.cancel();
        });
    }
    stack.wait().await
}

async fn serve(service: Service) -> anyhow::Result<()> {
    let settings = Settings::load(Sources::from_process())?;
    let name = match service {
        Service::Api => "nudge-api",
        Service::Agent => "nudge-agent",
        Service::Workers => "nudge-workers",
        Service::SmsRouter => "nudge-sms-router",
    };
    let _telemetry = nudge_telemetry::init(name, &settings)?;
    let shutdown = nudge_runtime::shutdown_on_signals();
    match service {
        Service::Api => {
            nudge_api::Application::build(settings, shutdown)
                .await?
                .run_until_stopped()
                .await
        }
        Service::Agent => {
            nudge_agent::Application::build(settings, shutdown)
                .await?
                .run_until_stopped()
                .await
        }
        Service::Workers => {
            nudge_workers::Application::build(settings, shutdown)
                .await?
                .run_until_stopped()
                .await
        }
        Service::SmsRouter => {
            nudge_sms_router::Application::build(settings, shutdown)
                .await?
                .run_until_stopped()
                .await
        }
    }
    .with_context(|| format!("{name} stopped with an error"))
}
