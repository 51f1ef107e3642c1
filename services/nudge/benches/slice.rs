//! The vertical slice in embedded mode, measured: `cargo bench -p nudge --bench slice`.
//!
//! 1. **Webhook-to-confirmation latency.** The embedded stack (the four
//!    services in this process, SQLite, in-process queue and cache) runs with
//!    its SMS exit pointed at the in-repo fake Twilio instead of the console.
//!    The demo person texts "remind me in N minutes to ..." as signed Twilio
//!    webhooks, one at a time as a person does (Nudge handles a person's
//!    messages in order): 50 warm-up messages, then 1,000 measured. A latency
//!    is the time from just before the webhook POST to the moment the fake
//!    Twilio accepts the confirmation SMS (its `date_created`, stamped by the
//!    fake on the same clock in this process).
//! 2. **Resident memory at idle.** The release `nudge` binary, started as
//!    `nudge dev --no-repl` (all four services in one process) and as
//!    `nudge serve <service>` (one process per service, on the embedded
//!    backends), is read from `/proc/<pid>/status` (`VmRSS`, `VmHWM`) after
//!    every service answers `GET /readyz` and 10 s of idling.
//!
//! Everything listens on 127.0.0.1, every loop is bounded in messages and
//! time, and child processes are killed on the way out, error or not.
//! Pass `latency` or `memory` after `--` to run one part only.
//! Results are Markdown tables on standard output; see `docs/benchmarks.md`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use chrono::Utc;
use nudge::embedded::Stack;
use nudge::webhook::{InboundSms, WebhookSender, new_message_sid};
use nudge_config::{Settings, Sources};
use nudge_fake_twilio::FakeTwilio;
use nudge_harness::bench::sms::start_fake_twilio;
use nudge_harness::bench::{
    Running, TASKS, dev_ports_environment, free_port, load_average, millis, new_auth_token, nudge_binary,
    nudge_command, percentile, print_machine, runtime, scratch_dir, tail,
};
use tokio_util::sync::CancellationToken;

/// The demo person's phone and their Nudge number (`demo.*` defaults).
const PHONE: &str = "+15145550100";
const NUDGE_NUMBER: &str = "+15145550199";
const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";

const WARM_UP: usize = 50;
const MEASURED: usize = 1_000;
/// One confirmation later than this fails the run (it is not a latency any more).
const CONFIRMATION_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole latency run stops with an error past this.
const LATENCY_RUN_LIMIT: Duration = Duration::from_secs(240);

/// Idle time before resident memory is read.
const IDLE: Duration = Duration::from_secs(10);
/// A process not ready within this fails the run.
const MIGRATE_TIMEOUT: Duration = Duration::from_secs(60);

fn main() -> anyhow::Result<()> {
    let (mut latency, mut memory) = (false, false);
    // `cargo bench` passes `--bench`; other flags are ignored too.
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        match arg.as_str() {
            "latency" => latency = true,
            "memory" => memory = true,
            other => bail!("unknown part {other:?}: use `latency`, `memory`, or nothing for both"),
        }
    }
    if !latency && !memory {
        (latency, memory) = (true, true);
    }

    let runtime = runtime()?;
    println!("# Nudge slice benchmark\n");
    print_machine();
    if latency {
        let samples = runtime.block_on(measure_latency())?;
        print_latency(&samples);
    }
    if memory {
        let rows = runtime.block_on(measure_memory())?;
        print_memory(&rows);
    }
    println!("Load average at the end: {}", load_average());
    Ok(())
}

// ---------------------------------------------------------------- latency

/// One message of the run (warm-up included).
struct Sample {
    /// Its position in the run, warm-up included (0-based).
    index: usize,
    /// Webhook POST to the fake Twilio accepting the confirmation.
    latency: Duration,
    /// Webhook POST to this task seeing the confirmation (wake-up and a copy
    /// of the fake's message list included): an upper bound, for cross-checking.
    observed: Duration,
    /// Of those, the webhook POST until sms-router's HTTP response.
    webhook: Duration,
}

async fn measure_latency() -> anyhow::Result<Vec<Sample>> {
    let dir = scratch_dir()?;
    let auth_token = new_auth_token();
    let fake = start_fake_twilio(ACCOUNT_SID, &auth_token).await?;

    // The webhook port is chosen up front so the fake's status callbacks
    // (`sent`, `delivered`) go to sms-router on loopback, as Twilio's would.
    let sms_port = free_port()?;
    let environment: HashMap<String, String> = [
        ("NUDGE__SERVICES__API__PORT", "0".to_owned()),
        ("NUDGE__SERVICES__AGENT__PORT", "0".to_owned()),
        ("NUDGE__SERVICES__WORKERS__PORT", "0".to_owned()),
        ("NUDGE__SERVICES__SMS_ROUTER__PORT", sms_port.to_string()),
        ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", "0".to_owned()),
        ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "5".to_owned()),
        ("NUDGE__SMS__CONSOLE_ECHO", "false".to_owned()),
        ("NUDGE__SMS__TRANSPORT", "twilio".to_owned()),
        // One person texting in a loop: the per-number pace (1 segment/s by
        // default, a carrier limit) would dominate; this measures the slice.
        ("NUDGE__SMS__SEGMENTS_PER_SECOND", "1000".to_owned()),
        ("NUDGE__TWILIO__API_BASE_URL", fake.base_url()),
        ("NUDGE__TWILIO__ACCOUNT_SID", ACCOUNT_SID.to_owned()),
        ("NUDGE__SMS__VERIFICATION_NUMBER", "+15005550006".to_owned()),
        ("NUDGE__TWILIO__AUTH_TOKEN", auth_token),
        ("NUDGE__TWILIO__PUBLIC_BASE_URL", format!("http://127.0.0.1:{sms_port}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let settings = dev_settings(dir.path(), environment)?;
    // Logs as `nudge dev` writes them: `info`, to a file in the data directory.
    let _telemetry = nudge_telemetry::init_with_target(
        "nudge",
        &settings,
        &nudge_telemetry::LogTarget::File(dir.path().join("nudge.log")),
    )?;

    let stack = Stack::start(settings, CancellationToken::new())
        .await
        .context("the embedded stack did not start")?;
    let result = send_and_time(&stack, &fake).await;
    let stopped = stack.stop().await;
    fake.shutdown().await;
    let samples = result?;
    stopped.context("the embedded stack did not stop cleanly")?;
    Ok(samples)
}

/// Settings like `nudge dev`'s for `data_dir`, with `environment` instead of the process's.
fn dev_settings(data_dir: &Path, environment: HashMap<String, String>) -> anyhow::Result<Settings> {
    let secrets = nudge::dev::prepare_data_dir(data_dir)?;
    Ok(Settings::load(Sources {
        defaults: vec![
            (
                "database.url".to_owned(),
                format!("sqlite://{}", data_dir.join("nudge.db").display()),
            ),
            ("demo.enabled".to_owned(), "true".to_owned()),
        ],
        files: vec![secrets],
        environment: Some(environment),
    })?)
}

async fn send_and_time(stack: &Stack, fake: &FakeTwilio) -> anyhow::Result<Vec<Sample>> {
    let settings = &stack.settings;
    let sender = WebhookSender::new(
        &format!("http://127.0.0.1:{}", stack.ports.sms_router),
        &settings.twilio.public_base_url,
        &settings.twilio.account_sid,
        settings.twilio_auth_token()?.clone(),
    );
    let run_started = Instant::now();
    let mut samples = Vec::with_capacity(WARM_UP + MEASURED);
    for index in 0..WARM_UP + MEASURED {
        ensure!(
            run_started.elapsed() < LATENCY_RUN_LIMIT,
            "stopped after {LATENCY_RUN_LIMIT:?}: only {index} messages were answered"
        );
        let task = TASKS[index % TASKS.len()];
        let body = format!("remind me in {} minutes to {task}", 10 + index % 50);
        let message_sid = new_message_sid();
        let sms = InboundSms {
            message_sid: &message_sid,
            from: PHONE,
            to: NUDGE_NUMBER,
            body: &body,
        };

        let sent_at = Utc::now();
        let started = Instant::now();
        let status = sender.send(&sms).await.context("sms-router is unreachable")?;
        let webhook = started.elapsed();
        ensure!(
            status.as_u16() == 200,
            "sms-router answered {status} to message {index}"
        );
        let messages = fake.wait_for_messages(index + 1, CONFIRMATION_TIMEOUT).await;
        let observed = started.elapsed();

        let Some(reply) = messages.get(index) else {
            bail!("no confirmation of message {index} ({body:?}) within {CONFIRMATION_TIMEOUT:?}");
        };
        ensure!(
            reply.to == PHONE
                && reply.from == NUDGE_NUMBER
                // "at 11:47 PM", or "tomorrow at 12:07 AM" when the minutes cross the person's midnight.
                && (reply.body.starts_with("Got it. I'll remind you at ")
                    || reply.body.starts_with("Got it. I'll remind you tomorrow at "))
                && reply.body.ends_with(&format!(": {task}.")),
            "message {index} ({body:?}) was answered {:?} (to {}, from {})",
            reply.body,
            reply.to,
            reply.from
        );
        let latency = (reply.date_created - sent_at)
            .to_std()
            .context("the wall clock went backwards during a measurement")?;
        samples.push(Sample {
            index,
            latency,
            observed,
            webhook,
        });
    }

    // One confirmation per message, nothing more (a second reply would show up by now).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sent = fake.messages().len();
    ensure!(
        sent == WARM_UP + MEASURED,
        "{} messages got {sent} SMS back, expected exactly one each",
        WARM_UP + MEASURED
    );
    Ok(samples)
}

struct Summary {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    mean: Duration,
}

fn summarise(values: impl Iterator<Item = Duration>) -> Summary {
    let mut sorted: Vec<Duration> = values.collect();
    sorted.sort();
    let total: Duration = sorted.iter().sum();
    let count = u32::try_from(sorted.len()).unwrap_or(u32::MAX).max(1);
    Summary {
        p50: percentile(&sorted, 50.0),
        p90: percentile(&sorted, 90.0),
        p99: percentile(&sorted, 99.0),
        max: sorted.last().copied().unwrap_or_default(),
        mean: total / count,
    }
}

/// Which duration of a [`Sample`] a row reports.
type Measure = fn(&Sample) -> Duration;

/// Reports the measured messages (`all` less the warm-up).
fn print_latency(all: &[Sample]) {
    let samples = &all[WARM_UP.min(all.len())..];
    println!("## Webhook-to-confirmation latency (embedded mode)\n");
    println!(
        "{} messages measured one at a time after {WARM_UP} warm-up messages; milliseconds.\n",
        samples.len()
    );
    println!("| Measure | Count | p50 | p90 | p99 | max | mean |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let rows: [(&str, Measure); 3] = [
        ("**Webhook POST → fake Twilio accepts the confirmation**", |s| {
            s.latency
        }),
        ("Webhook POST → the bench sees it (cross-check)", |s| s.observed),
        ("Webhook POST → sms-router's 200 (part of the above)", |s| s.webhook),
    ];
    for (name, value) in rows {
        let s = summarise(samples.iter().map(value));
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            samples.len(),
            millis(s.p50),
            millis(s.p90),
            millis(s.p99),
            millis(s.max),
            millis(s.mean)
        );
    }
    let mut slowest: Vec<&Sample> = samples.iter().collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.latency));
    let slowest: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|s| format!("#{} {:.2} ms", s.index, millis(s.latency)))
        .collect();
    println!(
        "\nSlowest messages (position in the run, warm-up included): {}\n",
        slowest.join(", ")
    );
    // Where the time goes over the run: a drift (growing tables) shows here.
    let chunk = samples.len().div_ceil(4).max(1);
    let quarters: Vec<String> = samples
        .chunks(chunk)
        .map(|c| format!("{:.2}", millis(summarise(c.iter().map(|s| s.latency)).p50)))
        .collect();
    println!("p50 per quarter of the run, ms: {}\n", quarters.join(" / "));
    if let Some(first) = all.first() {
        println!(
            "First message after start-up (warm-up, not in the table): {:.2} ms\n",
            millis(first.latency)
        );
    }
}

// ---------------------------------------------------------------- memory

struct MemoryRow {
    process: String,
    rss_kib: u64,
    hwm_kib: u64,
}

async fn measure_memory() -> anyhow::Result<Vec<MemoryRow>> {
    let binary = nudge_binary(env!("CARGO_BIN_EXE_nudge"), "slice")?;
    let mut rows = vec![measure_embedded_process(&binary).await?];
    rows.extend(measure_service_processes(&binary).await?);
    Ok(rows)
}

/// `nudge dev --no-repl`: the four services in one process.
async fn measure_embedded_process(binary: &Path) -> anyhow::Result<MemoryRow> {
    let dir = scratch_dir()?;
    let (ports, env) = dev_ports_environment()?;
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.to_str().context("the temporary directory is not UTF-8")?;
    let command = nudge_command(binary, &["dev", "--no-repl", "--data-dir", data_dir], &env);
    let mut dev = Running::spawn("nudge dev --no-repl", command, dir.path().join("dev.log"))?;
    for port in &ports[..4] {
        dev.wait_ready(*port).await?;
    }
    tokio::time::sleep(IDLE).await;
    let (rss_kib, hwm_kib) = dev.memory()?;
    Ok(MemoryRow {
        process: "`nudge dev --no-repl` (api + agent + workers + sms-router)".to_owned(),
        rss_kib,
        hwm_kib,
    })
}

/// `nudge serve <service>` ×4 on the embedded backends (one SQLite file,
/// `memory://` queue and cache in each process), all idle at the same time.
async fn measure_service_processes(binary: &Path) -> anyhow::Result<Vec<MemoryRow>> {
    let dir = scratch_dir()?;
    let secrets = nudge::dev::prepare_data_dir(dir.path())?;
    let database = dir.path().join("nudge.db");
    let [api, agent, workers, sms, sms_grpc] = [free_port()?, free_port()?, free_port()?, free_port()?, free_port()?];
    let env: HashMap<String, String> = [
        ("NUDGE_CONFIG", secrets.display().to_string()),
        ("NUDGE__DATABASE__URL", format!("sqlite://{}", database.display())),
        ("NUDGE__QUEUE__URL", "memory://".to_owned()),
        ("NUDGE__CACHE__URL", "memory://".to_owned()),
        ("NUDGE__DEMO__ENABLED", "true".to_owned()),
        ("NUDGE__SMS__CONSOLE_ECHO", "false".to_owned()),
        ("NUDGE__SERVICES__API__PORT", api.to_string()),
        ("NUDGE__SERVICES__API__URL", format!("http://127.0.0.1:{api}")),
        ("NUDGE__SERVICES__AGENT__PORT", agent.to_string()),
        ("NUDGE__SERVICES__AGENT__URL", format!("http://127.0.0.1:{agent}")),
        ("NUDGE__SERVICES__WORKERS__PORT", workers.to_string()),
        ("NUDGE__SERVICES__WORKERS__URL", format!("http://127.0.0.1:{workers}")),
        ("NUDGE__SERVICES__SMS_ROUTER__PORT", sms.to_string()),
        ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", sms_grpc.to_string()),
        (
            "NUDGE__SERVICES__SMS_ROUTER__URL",
            format!("http://127.0.0.1:{sms_grpc}"),
        ),
        ("NUDGE__TWILIO__PUBLIC_BASE_URL", format!("http://127.0.0.1:{sms}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    let mut migrate = Running::spawn(
        "nudge migrate",
        nudge_command(binary, &["migrate"], &env),
        dir.path().join("migrate.log"),
    )?;
    let status = migrate.finish(MIGRATE_TIMEOUT).await?;
    ensure!(
        status.success(),
        "nudge migrate failed ({status}):\n{}",
        tail(&migrate.log)
    );

    let mut running = Vec::new();
    for (service, port) in [
        ("api", api),
        ("agent", agent),
        ("workers", workers),
        ("sms-router", sms),
    ] {
        let command = nudge_command(binary, &["serve", service], &env);
        let process = Running::spawn(
            &format!("nudge serve {service}"),
            command,
            dir.path().join(format!("{service}.log")),
        )?;
        running.push((process, port));
    }
    for (process, port) in &mut running {
        process.wait_ready(*port).await?;
    }
    tokio::time::sleep(IDLE).await;
    let mut rows = Vec::new();
    for (process, _) in &mut running {
        let (rss_kib, hwm_kib) = process.memory()?;
        rows.push(MemoryRow {
            process: format!("`{}`", process.name),
            rss_kib,
            hwm_kib,
        });
    }
    Ok(rows)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn print_memory(rows: &[MemoryRow]) {
    println!("## Resident memory at idle\n");
    println!(
        "Release binary, read from /proc/<pid>/status after every service answered /readyz and {} s idle; MiB.\n",
        IDLE.as_secs()
    );
    println!("| Process | VmRSS (MiB) | VmHWM, peak (MiB) |");
    println!("|---|---:|---:|");
    for row in rows {
        println!(
            "| {} | {:.1} | {:.1} |",
            row.process,
            mib(row.rss_kib),
            mib(row.hwm_kib)
        );
    }
    let services = rows.iter().filter(|r| r.process.starts_with("`nudge serve"));
    let (rss, hwm) = services.fold((0, 0), |(r, h), row| (r + row.rss_kib, h + row.hwm_kib));
    if rss > 0 {
        println!(
            "| Sum of the four `nudge serve` processes | {:.1} | {:.1} |",
            mib(rss),
            mib(hwm)
        );
    }
    println!();
}
