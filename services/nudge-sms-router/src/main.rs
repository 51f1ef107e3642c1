//! The sms-router service on its own (distributed mode).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    nudge_runtime::exit_code(run().await)
}

async fn run() -> anyhow::Result<()> {
    let settings = nudge_config::Settings::load(nudge_config::Sources::from_process())?;
    let _telemetry = nudge_telemetry::init("nudge-sms-router", &settings)?;
    let shutdown = nudge_runtime::shutdown_on_signals();
    let application = nudge_sms_router::Application::build(settings, shutdown).await?;
    application.run_until_stopped().await
}
