//! 10,000 outbound SMS queued across 100 Nudge numbers, drained at each
//! number's pace, in distributed mode: `cargo bench -p nudge --bench sms_drain`.
//!
//! sms-router runs as `nudge serve sms-router` processes (two replicas by
//! default) on this machine's PostgreSQL, Redis and RabbitMQ, from the
//! release binary, sending to the in-repo fake Twilio (in this process, on
//! loopback), which stamps each message when its Messages API accepts it and
//! posts the `sent`/`delivered` callbacks back as Twilio would. 100 people
//! each have a number; each gets 100 SMS through `SendSms`, queued as fast as
//! the calls go, alternating between the replicas (each person's calls one
//! after the other, the people at once).
//!
//! Checked at the fake, per number: every SMS arrived once, in the order it
//! was queued, and no two were accepted closer than the pace allows
//! (`sms.segments_per_second`, 1 by default: at most one segment in any
//! one-second window). Reported: how long queueing and draining took, the
//! rate each number achieved, and the gaps between its SMS.
//!
//! Options after `--`: `replicas=N` (2), `numbers=K` (100), `per_number=M`
//! (100), `rate=R` segments per second per number (1), `analyze_empty=1`
//! (take the queue's statistics while it is empty and keep them: the steady
//! state of a mostly idle queue, issue 17), `concurrency=C` (`SendSms`
//! calls in flight while queueing; default: one per number),
//! `sender_concurrency=S` and `db_connections=D` (sms-router's
//! `sms.sender_concurrency` and `database.max_connections`; default: the
//! service's own defaults), `binary=PATH` (another `nudge`
//! binary, e.g. an older build for a before/after figure). Results are
//! Markdown on standard output; see `docs/benchmarks.md`. Where the time
//! goes is reported twice: the CPU of each part on this machine (sms-router,
//! PostgreSQL, Redis, this process with the fake Twilio), and the sender's
//! own stages from sms-router's `nudge_sms_sender_stage_seconds`.
//!
//! Issue 17's sender figure: `cargo bench -p nudge --bench sms_drain --
//! replicas=1 numbers=1000 per_number=20 analyze_empty=1 concurrency=64`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use futures::StreamExt as _;
use nudge_fake_twilio::FakeMessage;
use nudge_harness::bench::options::Options;
use nudge_harness::bench::sms::{
    HistogramSeries, assign_numbers, connect_database, cpu_now, cpu_since, histogram_totals, new_users, replica_ports,
    start_fake_twilio,
};
use nudge_harness::bench::{
    ACCOUNT_SID, SmsRouters, cpu_of_processes_named, machine_busy, new_auth_token, nudge_binary, person_number,
    process_cpu, run_and_report, scratch_dir,
};
use nudge_sms_router::client::{SendSmsRequest, SmsKind, SmsRouterServiceClient};
use nudge_store::with_conn;

struct Config {
    replicas: usize,
    numbers: usize,
    per_number: usize,
    rate: f64,
    /// `SendSms` calls in flight at once while queueing (one per person at most).
    concurrency: usize,
    analyze_empty: bool,
    /// `sms.sender_concurrency`, when set.
    sender_concurrency: Option<u32>,
    /// `database.max_connections`, when set.
    db_connections: Option<u32>,
    binary: Option<String>,
}

/// The heading of the report.
const TITLE: &str = "sms-router outbound drain benchmark (distributed mode)";

fn main() -> anyhow::Result<()> {
    let options = Options::from_arguments(&[
        "replicas",
        "numbers",
        "per_number",
        "rate",
        "concurrency",
        "analyze_empty",
        "sender_concurrency",
        "db_connections",
        "binary",
    ])?;
    let config = Config {
        replicas: options.get("replicas", 2)?,
        numbers: options.get("numbers", 100)?,
        per_number: options.get("per_number", 100)?,
        rate: options.get("rate", 1.0)?,
        concurrency: options.get("concurrency", 0)?,
        analyze_empty: options.switch("analyze_empty"),
        sender_concurrency: options.text("sender_concurrency").map(str::parse).transpose()?,
        db_connections: options.text("db_connections").map(str::parse).transpose()?,
        binary: options.text("binary").map(str::to_owned),
    };
    ensure!(
        config.replicas >= 1 && config.numbers >= 1 && config.per_number >= 2 && config.rate > 0.0,
        "options must be positive (per_number at least 2)"
    );
    let report = run_and_report(TITLE, &config, run, Report::print)?;
    ensure!(
        report.problems.is_empty(),
        "the run broke a rule: {:#?}",
        report.problems
    );
    Ok(())
}

// ---------------------------------------------------------------- run

struct NumberFigures {
    count: usize,
    span: Duration,
    min_gap: Duration,
    median_gap: Duration,
    max_gap: Duration,
    /// Most segments accepted in any window as long as one segment's time.
    max_in_window: u32,
}

struct Report {
    queued_in: Duration,
    /// SMS accepted by Twilio once everything was queued.
    accepted_after_queued: usize,
    drained_in: Duration,
    first_accept_after: Duration,
    accepted: usize,
    distinct: usize,
    numbers: Vec<NumberFigures>,
    rows_sent: i64,
    distinct_provider_sids: i64,
    attempts: Vec<(i32, i64)>,
    cpu: Vec<(String, Duration)>,
    /// The machine's busy time and its parts' CPU over the run (see [`MachineCpu`]).
    machine: MachineCpu,
    /// The sender's stages, added over the replicas.
    stages: Vec<HistogramSeries>,
    problems: Vec<String>,
}

/// CPU time of the machine and of its parts, at one instant.
#[derive(Debug, Clone, Copy, Default)]
struct MachineCpu {
    busy: Duration,
    postgres: Duration,
    redis: Duration,
    /// This process: the fake Twilio, its callbacks, the `SendSms` calls.
    bench: Duration,
}

impl MachineCpu {
    fn now() -> MachineCpu {
        MachineCpu {
            busy: machine_busy(),
            postgres: cpu_of_processes_named("postgres"),
            redis: cpu_of_processes_named("redis-server"),
            bench: process_cpu(std::process::id()),
        }
    }

    fn since(self, before: MachineCpu) -> MachineCpu {
        MachineCpu {
            busy: self.busy.saturating_sub(before.busy),
            postgres: self.postgres.saturating_sub(before.postgres),
            redis: self.redis.saturating_sub(before.redis),
            bench: self.bench.saturating_sub(before.bench),
        }
    }
}

#[derive(QueryableByName)]
struct SentRows {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sent: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sids: i64,
}

#[derive(QueryableByName)]
struct Attempts {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn run(config: &Config) -> anyhow::Result<Report> {
    let binary = nudge_binary(
        config.binary.as_deref().unwrap_or(env!("CARGO_BIN_EXE_nudge")),
        "sms_drain",
    )?;
    let dir = scratch_dir()?;
    let auth_token = new_auth_token();
    let fake = start_fake_twilio(ACCOUNT_SID, &auth_token).await?;
    let ports = replica_ports(config.replicas)?;
    let mut settings = vec![];
    if let Some(concurrency) = config.sender_concurrency {
        settings.push(("NUDGE__SMS__SENDER_CONCURRENCY", concurrency.to_string()));
    }
    if let Some(connections) = config.db_connections {
        settings.push(("NUDGE__DATABASE__MAX_CONNECTIONS", connections.to_string()));
    }
    let mut routers = SmsRouters::start(
        &binary,
        dir.path(),
        &ports,
        &auth_token,
        settings
            .into_iter()
            .chain([
                ("NUDGE__TWILIO__API_BASE_URL", fake.base_url()),
                // The fake calls replica 0 back directly: no proxy in between.
                (
                    "NUDGE__TWILIO__PUBLIC_BASE_URL",
                    format!("http://127.0.0.1:{}", ports[0].0),
                ),
                ("NUDGE__SMS__SEGMENTS_PER_SECOND", config.rate.to_string()),
            ])
            .collect(),
    )
    .await?;
    let mut clients = Vec::new();
    for port in &routers.grpc_ports {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))?
            .connect()
            .await?;
        clients.push(SmsRouterServiceClient::new(channel));
    }
    if config.analyze_empty {
        analyze_empty(&routers.database.url).await?;
    }
    let users = new_users(config.numbers);
    assign_numbers(routers.grpc_ports[0], &users, 1).await?;

    // Queue everything: each person's SMS in order, the people at once.
    let cpu_before = cpu_now(&routers.replicas);
    let machine_before = MachineCpu::now();
    let started = Instant::now();
    let started_at = Utc::now();
    let queueing = users.iter().enumerate().map(|(person, user)| {
        let clients = clients.clone();
        let user = user.clone();
        let per_number = config.per_number;
        async move {
            for n in 1..=per_number {
                let mut client = clients[(person + n) % clients.len()].clone();
                client
                    .send_sms(SendSmsRequest {
                        user_id: user.clone(),
                        body: format!("Drain p{person} #{n}: this is a reminder to take a short break."),
                        idempotency_key: format!("drain:{person}:{n}"),
                        kind: SmsKind::Reminder.into(),
                    })
                    .await?;
            }
            Ok::<(), tonic::Status>(())
        }
    });
    let results: Vec<_> = futures::stream::iter(queueing)
        .buffer_unordered(if config.concurrency == 0 {
            config.numbers
        } else {
            config.concurrency.min(config.numbers)
        })
        .collect()
        .await;
    for result in results {
        result.context("SendSms")?;
    }
    let queued_in = started.elapsed();

    let total = config.numbers * config.per_number;
    let expected_drain = Duration::from_secs_f64(config.per_number as f64 / config.rate);
    let deadline = expected_drain * 2 + Duration::from_secs(60);
    while started.elapsed() < deadline {
        let accepted = fake.wait_for_messages(total, Duration::from_secs(5)).await.len();
        for replica in &mut routers.replicas {
            replica.ensure_alive()?;
        }
        if accepted >= total {
            break;
        }
    }
    // Anything sent twice would show up now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let messages = fake.messages();
    let last_accept = messages.iter().map(|m| m.date_created).max().unwrap_or(started_at);
    let drained_in = (last_accept - started_at).to_std().unwrap_or_default();
    let cpu = cpu_since(&routers.replicas, cpu_before);
    let machine = MachineCpu::now().since(machine_before);
    let stages = histogram_totals(&routers.http_ports, "nudge_sms_sender_stage_seconds", "stage").await?;

    let mut problems = Vec::new();
    if messages.len() != total {
        problems.push(format!("{} SMS at Twilio, {total} expected", messages.len()));
    }
    let distinct: HashSet<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    if distinct.len() != messages.len() {
        problems.push(format!("{} sent twice", messages.len() - distinct.len()));
    }
    let mut by_number: HashMap<&str, Vec<&FakeMessage>> = HashMap::new();
    for message in &messages {
        by_number.entry(message.from.as_str()).or_default().push(message);
    }
    let seconds_per_segment = 1.0 / config.rate;
    let mut numbers = Vec::new();
    for person in 0..config.numbers {
        let number = person_number(person);
        let mut sent = by_number.remove(number.as_str()).unwrap_or_default();
        sent.sort_by_key(|m| m.date_created);
        let order: Vec<usize> = sent
            .iter()
            .filter_map(|m| m.body.split('#').nth(1)?.split(':').next()?.parse().ok())
            .collect();
        if order != (1..=sent.len()).collect::<Vec<_>>() {
            problems.push(format!("number {person}: out of order"));
        }
        let gaps: Vec<Duration> = sent
            .windows(2)
            .map(|pair| {
                (pair[1].date_created - pair[0].date_created)
                    .to_std()
                    .unwrap_or_default()
            })
            .collect();
        for (pair, gap) in sent.windows(2).zip(&gaps) {
            let needed = Duration::from_secs_f64(f64::from(pair[0].num_segments) * seconds_per_segment);
            if *gap < needed {
                problems.push(format!("number {person}: {gap:?} between two SMS, {needed:?} allowed"));
            }
        }
        let window = chrono::TimeDelta::microseconds((seconds_per_segment * 1e6) as i64);
        let mut max_in_window = 0;
        for (index, first) in sent.iter().enumerate() {
            let in_window: u32 = sent[index..]
                .iter()
                .take_while(|m| m.date_created - first.date_created < window)
                .map(|m| m.num_segments)
                .sum();
            max_in_window = max_in_window.max(in_window);
        }
        let mut sorted = gaps.clone();
        sorted.sort_unstable();
        let span: DateTime<Utc> = sent.last().map_or(started_at, |m| m.date_created);
        let first: DateTime<Utc> = sent.first().map_or(started_at, |m| m.date_created);
        numbers.push(NumberFigures {
            count: sent.len(),
            span: (span - first).to_std().unwrap_or_default(),
            min_gap: sorted.first().copied().unwrap_or_default(),
            median_gap: sorted.get(sorted.len() / 2).copied().unwrap_or_default(),
            max_gap: sorted.last().copied().unwrap_or_default(),
            max_in_window,
        });
    }
    let first_accept = messages.iter().map(|m| m.date_created).min().unwrap_or(started_at);

    let (rows, attempts) = outbound_rows(&routers.database.url).await?;
    if usize::try_from(rows.sent).unwrap_or(0) != total || rows.sids != rows.sent {
        problems.push(format!("{} rows sent with {} distinct sids", rows.sent, rows.sids));
    }

    routers.stop().await?;
    fake.shutdown().await;

    let all_queued_at = started_at + chrono::TimeDelta::from_std(queued_in).unwrap_or_default();
    let accepted_after_queued = messages.iter().filter(|m| m.date_created > all_queued_at).count();
    Ok(Report {
        queued_in,
        accepted_after_queued,
        drained_in,
        first_accept_after: (first_accept - started_at).to_std().unwrap_or_default(),
        accepted: messages.len(),
        distinct: distinct.len(),
        numbers,
        rows_sent: rows.sent,
        distinct_provider_sids: rows.sids,
        attempts: attempts.into_iter().map(|a| (a.attempts, a.n)).collect(),
        cpu,
        machine,
        stages,
        problems,
    })
}

/// The queue's statistics taken while it is empty, and kept (no autovacuum
/// on it): what the planner believes of a queue that is usually idle.
async fn analyze_empty(url: &str) -> anyhow::Result<()> {
    use nudge_store::diesel_async::RunQueryDsl;
    let db = connect_database(url)?;
    let mut conn = db.conn().await?;
    for statement in [
        "ALTER TABLE sms_outbound SET (autovacuum_enabled = false)",
        "ANALYZE sms_outbound",
    ] {
        with_conn!(&mut conn, c => diesel::sql_query(statement).execute(c).await)?;
    }
    Ok(())
}

/// Rows sent (with distinct Twilio sids) and attempts per row, from sms_outbound.
async fn outbound_rows(url: &str) -> anyhow::Result<(SentRows, Vec<Attempts>)> {
    use nudge_store::diesel_async::RunQueryDsl;
    let db = connect_database(url)?;
    let mut conn = db.conn().await?;
    let rows: SentRows = with_conn!(&mut conn, c => {
        diesel::sql_query(
            "SELECT COUNT(*) AS sent, COUNT(DISTINCT provider_sid) AS sids FROM sms_outbound \
             WHERE status IN ('sent', 'delivered') AND provider_sid IS NOT NULL",
        )
        .get_result(c)
        .await
    })?;
    let attempts: Vec<Attempts> = with_conn!(&mut conn, c => {
        diesel::sql_query("SELECT attempts, COUNT(*) AS n FROM sms_outbound GROUP BY attempts ORDER BY attempts")
            .load(c)
            .await
    })?;
    Ok((rows, attempts))
}

// ---------------------------------------------------------------- report

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl Report {
    fn print(&self, config: &Config) {
        let total = config.numbers * config.per_number;
        println!(
            "Load: {total} SMS (one segment each) through `SendSms`, {} per number for {} numbers, \
             {} sms-router replica(s), pace {} segment(s)/s per number{}.\n",
            config.per_number,
            config.numbers,
            config.replicas,
            config.rate,
            if config.analyze_empty {
                ", statistics of sms_outbound taken on the empty queue"
            } else {
                ""
            }
        );
        let ideal = (config.per_number - 1) as f64 / config.rate;
        println!("| Measure | Value |");
        println!("|---|---:|");
        println!(
            "| All {total} queued (SendSms answered) after | {:.2} s |",
            secs(self.queued_in)
        );
        println!(
            "| First SMS accepted by Twilio after | {:.3} s |",
            secs(self.first_accept_after)
        );
        println!(
            "| **All accepted by Twilio after** | **{:.2} s** |",
            secs(self.drained_in)
        );
        println!(
            "| **Drain rate (SMS accepted / time from the first SendSms to the last accept)** | **{:.0} SMS/s** |",
            self.accepted as f64 / secs(self.drained_in).max(1e-9)
        );
        println!(
            "| Drain rate once all were queued ({} SMS accepted after the last SendSms answered) | {:.0} SMS/s |",
            self.accepted_after_queued,
            self.accepted_after_queued as f64 / secs(self.drained_in.saturating_sub(self.queued_in)).max(1e-9)
        );
        println!(
            "| Ideal drain of one number ({} SMS at the pace) | {ideal:.2} s |",
            config.per_number
        );
        let stat = |f: &dyn Fn(&NumberFigures) -> f64| {
            let mut values: Vec<f64> = self.numbers.iter().map(f).collect();
            values.sort_by(f64::total_cmp);
            (
                values.first().copied().unwrap_or_default(),
                values.get(values.len() / 2).copied().unwrap_or_default(),
                values.last().copied().unwrap_or_default(),
            )
        };
        let (lo, mid, hi) = stat(&|n| secs(n.span));
        println!("| Per number, first to last SMS (min / median / max) | {lo:.2} / {mid:.2} / {hi:.2} s |");
        let (lo, mid, hi) = stat(&|n| (n.count.saturating_sub(1)) as f64 / secs(n.span).max(1e-9));
        println!("| Per number, achieved rate (min / median / max) | {lo:.4} / {mid:.4} / {hi:.4} SMS/s |");
        let (lo, _, _) = stat(&|n| secs(n.min_gap) * 1000.0);
        let (_, mid, _) = stat(&|n| secs(n.median_gap) * 1000.0);
        let (_, _, hi) = stat(&|n| secs(n.max_gap) * 1000.0);
        println!(
            "| Gap between two SMS of a number (smallest / median of medians / largest) | {lo:.1} / {mid:.1} / {hi:.1} ms |"
        );
        let worst = self.numbers.iter().map(|n| n.max_in_window).max().unwrap_or_default();
        println!(
            "| Most segments of one number in any {:.0} ms window | {worst} (limit 1) |",
            1000.0 / config.rate
        );
        println!(
            "| SMS accepted by Twilio / distinct bodies | {} / {} |",
            self.accepted, self.distinct
        );
        println!(
            "| Rows sent in sms_outbound / distinct Twilio sids | {} / {} |",
            self.rows_sent, self.distinct_provider_sids
        );
        println!("| Attempts per row (attempts: rows) | {:?} |", self.attempts);
        println!();
        for (name, cpu) in &self.cpu {
            println!(
                "- CPU of {name} from the first SendSms to the end: {:.1} s over {:.1} s.",
                secs(*cpu),
                secs(self.drained_in)
            );
        }
        let wall = secs(self.drained_in);
        println!(
            "- Where the CPU went over those {wall:.1} s ({:.1} s of two cores): the machine was busy {:.1} s \
             ({:.0}%); PostgreSQL {:.1} s, Redis {:.1} s, this process (the fake Twilio and its callbacks, \
             the SendSms calls) {:.1} s, sms-router {:.1} s.",
            2.0 * wall,
            secs(self.machine.busy),
            100.0 * secs(self.machine.busy) / (2.0 * wall).max(1e-9),
            secs(self.machine.postgres),
            secs(self.machine.redis),
            secs(self.machine.bench),
            self.cpu.iter().map(|(_, cpu)| secs(*cpu)).sum::<f64>(),
        );
        if !self.stages.is_empty() {
            println!("\n| Sender stage | Times | Mean | Total |");
            println!("|---|---:|---:|---:|");
            for stage in &self.stages {
                println!(
                    "| {} | {:.0} | {:.2} ms | {:.1} s |",
                    stage.label,
                    stage.count,
                    1000.0 * stage.sum / stage.count.max(1.0),
                    stage.sum
                );
            }
            println!();
        }
        if self.problems.is_empty() {
            println!("- Check: **every SMS once, in order per number, never faster than the pace**.\n");
        } else {
            println!("- Check: **FAILED**: {:?}\n", self.problems);
        }
    }
}
