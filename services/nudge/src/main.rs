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
    /// Print what the time expression in TEXT means, as JSON
    /// (`{"at", "grain", "text", "rrule"}`); exit 1 if it names no time.
    When {
        /// The moment "now" refers to (RFC 3339); defaults to the current time.
        #[arg(long)]
        now: Option<String>,
        /// The IANA time zone to read the text in.
        #[arg(long, default_value = "America/Montreal")]
        tz: String,
        #[arg(long, value_enum, default_value = "auto")]
        lang: LangArg,
        /// Read one text per line on standard input; print one JSON object or
        /// `null` per line, in order.
        #[arg(long, conflicts_with = "text")]
        jsonl: bool,
        /// Score the parser against the test cases in FILE (JSON lines of
        /// phrase, lang, now, tz, expected start, category; see
        /// `nudge_when::score`): figures per language and category.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["text", "jsonl"])]
        score: Option<PathBuf>,
        #[arg(required_unless_present_any = ["jsonl", "score"])]
        text: Option<String>,
    },
    /// Text Nudge as a person would (distributed mode): post TEXT to
    /// sms-router's webhook, signed like Twilio, and print Nudge's answer,
    /// read from the Twilio API sms-router sends through (Twilio, or
    /// `nudge fake-twilio`). Reads the same settings as the services.
    Text {
        /// The person's verified phone (E.164).
        #[arg(long)]
        from: String,
        /// Their Nudge number (E.164).
        #[arg(long)]
        to: String,
        /// sms-router's webhook base URL [default: http://127.0.0.1:<services.sms_router.port>].
        #[arg(long)]
        sms_router: Option<String>,
        /// Seconds to wait for the answer (0: do not wait).
        #[arg(long, default_value_t = 20)]
        wait: u64,
        text: String,
    },
    /// Exit 0 if URL answers 2xx within 3 s (container health checks).
    Probe { url: String },
    /// Run the fake Twilio (Messages, IncomingPhoneNumbers, status callbacks)
    /// on loopback, for trying distributed mode without a Twilio account.
    FakeTwilio {
        #[arg(long, default_value = "127.0.0.1:8099")]
        listen: std::net::SocketAddr,
        #[arg(
            long,
            env = "NUDGE__TWILIO__ACCOUNT_SID",
            default_value = "AC00000000000000000000000000000000"
        )]
        account_sid: String,
        #[arg(long, env = "NUDGE__TWILIO__AUTH_TOKEN", hide_env_values = true)]
        auth_token: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Fr,
    En,
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
enum Service {
    Api,
    Agent,
    Workers,
    SmsRouter,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(run(cli.command)));
    nudge_runtime::exit_code(result)
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
        Command::When { score: Some(file), .. } => when_score(&file),
        Command::When {
            now,
            tz,
            lang,
            jsonl,
            text,
            score: None,
        } => when(now.as_deref(), &tz, lang, jsonl, text.as_deref()),
        Command::Probe { url } => probe(&url).await,
        Command::Text {
            from,
            to,
            sms_router,
            wait,
            text,
        } => {
            let settings = Settings::load(Sources::from_process())?;
            let answers = nudge::text::text(
                &settings,
                &nudge::text::TextOptions {
                    from: &from,
                    to: &to,
                    body: &text,
                    sms_router: sms_router.as_deref(),
                    wait: std::time::Duration::from_secs(wait),
                },
            )
            .await?;
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            for answer in answers {
                writeln!(out, "nudge > {}", answer.body)?;
            }
            Ok(())
        }
        Command::FakeTwilio {
            listen,
            account_sid,
            auth_token,
        } => {
            let config = nudge_fake_twilio::FakeTwilioConfig {
                account_sid,
                auth_token,
                ..Default::default()
            };
            let shutdown = nudge_runtime::shutdown_on_signals();
            nudge_fake_twilio::serve_until(config, listen, shutdown.cancelled_owned()).await?;
            Ok(())
        }
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

async fn probe(url: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()?;
    let status = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("{url} is unreachable"))?
        .status();
    anyhow::ensure!(status.is_success(), "{url} answered {status}");
    Ok(())
}

/// `nudge when --score FILE`: the parser's figures on test cases written by others.
fn when_score(file: &std::path::Path) -> anyhow::Result<()> {
    let input = std::fs::File::open(file).with_context(|| format!("--score: cannot read {}", file.display()))?;
    nudge_when::score::score(std::io::BufReader::new(input), std::io::stdout().lock())?;
    Ok(())
}

fn when(now: Option<&str>, tz: &str, lang: LangArg, jsonl: bool, text: Option<&str>) -> anyhow::Result<()> {
    use std::io::Write as _;
    let tz: nudge_when::Tz = tz
        .parse()
        .map_err(|_| anyhow::anyhow!("--tz: unknown IANA time zone {tz:?}"))?;
    let now = match now {
        Some(now) => chrono::DateTime::parse_from_rfc3339(now)
            .with_context(|| format!("--now: {now:?} is not an RFC 3339 date-time"))?
            .with_timezone(&tz),
        None => chrono::Utc::now().with_timezone(&tz),
    };
    let mut context = nudge_when::Context::new(now);
    context.lang = match lang {
        LangArg::Fr => nudge_when::LangHint::Fr,
        LangArg::En => nudge_when::LangHint::En,
        LangArg::Auto => nudge_when::LangHint::Auto,
    };
    let stdout = std::io::stdout();
    if jsonl {
        nudge_when::run_jsonl(std::io::stdin().lock(), stdout.lock(), &context)?;
        return Ok(());
    }
    let text = text.unwrap_or_default();
    let parsed = nudge_when::parse(text, &context).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = stdout.lock();
    serde_json::to_writer(&mut out, &parsed.to_json())?;
    writeln!(out)?;
    Ok(())
}
