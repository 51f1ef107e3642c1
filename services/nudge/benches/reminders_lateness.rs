//! Reminder lateness in distributed mode: 10,000 reminders for 1,000 people
//! (10 each) due within one minute, spread evenly over it, sent by one and
//! then by two workers processes on this machine's PostgreSQL, RabbitMQ and
//! Redis, with the fake Twilio in place of Twilio.
//!
//! Lateness is the time the fake Twilio accepted the SMS minus the
//! reminder's due time. Targets: p50 under 200 ms, p99 under 1 s, none
//! missing, none twice (checked: the run fails otherwise).
//!
//! Run: `cargo bench -p nudge --bench reminders_lateness` (needs the servers
//! of `.ci/run`). Prints a Markdown table for docs/benchmarks.md.
#![expect(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark reports on stdout")]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use nudge_harness::bench::cpu_model;
use nudge_harness::eventually;
use nudge_harness::fleet::{Fleet, exactly_once, percentile};
use nudge_harness::reminders::millis;

const PEOPLE: usize = 1_000;
const PER_PERSON: usize = 10;
/// The reminders' due times cover this much time.
const SPREAD: TimeDelta = TimeDelta::seconds(60);
/// Time left to create the 10,000 reminders before the first is due.
const CREATION_BUDGET: TimeDelta = TimeDelta::seconds(75);

struct Run {
    workers: usize,
    created_in: Duration,
    lateness: Vec<i64>,
    stages: Stages,
}

/// Where the time goes, from the database: due time to the SMS stored in
/// sms-router's queue (workers' part: scheduler, RabbitMQ, consumer,
/// `SendSms`), then stored to Twilio's answer (sms-router's sender), of
/// which stored to claimed by the sender.
#[derive(diesel::QueryableByName, Default)]
struct Stages {
    #[diesel(sql_type = diesel::sql_types::Double)]
    queued_p50: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    queued_p99: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    sending_p50: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    sending_p99: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    claimed_p50: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    claimed_p99: f64,
}

const STAGES: &str = "\
    SELECT \
      percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (o.created_at - r.due_at)) * 1000)::float8 \
        AS queued_p50, \
      percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (o.created_at - r.due_at)) * 1000)::float8 \
        AS queued_p99, \
      percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (o.sent_at - o.created_at)) * 1000)::float8 \
        AS sending_p50, \
      percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (o.sent_at - o.created_at)) * 1000)::float8 \
        AS sending_p99, \
      percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (o.claimed_at - o.created_at)) * 1000)::float8 \
        AS claimed_p50, \
      percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (o.claimed_at - o.created_at)) * 1000)::float8 \
        AS claimed_p99 \
    FROM reminder_occurrences r JOIN sms_outbound o ON o.id = r.outbound_id \
    WHERE r.kind = 'due'";

async fn stages(url: &str) -> Stages {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(url).await.expect("connect");
    diesel::sql_query(STAGES).get_result(&mut conn).await.expect("stages")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cpu = cpu_model().unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    // `-- workers=1` runs one deployment only.
    let only: Option<usize> = std::env::args().find_map(|a| a.strip_prefix("workers=")?.parse().ok());
    // `-- pool=16` sets every service's `database.max_connections`.
    let pool: Option<String> = std::env::args().find_map(|a| a.strip_prefix("pool=").map(str::to_owned));
    let mut runs = Vec::new();
    for workers in [1, 2].into_iter().filter(|w| only.is_none_or(|o| o == *w)) {
        runs.push(run(workers, pool.as_deref()).await);
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nMachine: {cpu}, {cores} cores; load average after the runs: {}",
        load.trim()
    );
    println!(
        "\n| workers processes | reminders | created in | lateness p50 | p90 | p99 | max | missing | twice | \
         due → queued p50 / p99 | queued → Twilio p50 / p99 | of which queued → claimed p50 / p99 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for run in &runs {
        let l = &run.lateness;
        println!(
            "| {} | {} | {:.1} s | {} ms | {} ms | {} ms | {} ms | 0 | 0 | {:.0} / {:.0} ms | {:.0} / {:.0} ms | \
             {:.0} / {:.0} ms |",
            run.workers,
            l.len(),
            run.created_in.as_secs_f64(),
            percentile(l, 0.5),
            percentile(l, 0.9),
            percentile(l, 0.99),
            l[l.len() - 1],
            run.stages.queued_p50,
            run.stages.queued_p99,
            run.stages.sending_p50,
            run.stages.sending_p99,
            run.stages.claimed_p50,
            run.stages.claimed_p99,
        );
    }
}

async fn run(workers: usize, pool: Option<&str>) -> Run {
    eprintln!("starting a deployment with {workers} workers process(es)");
    let mut settings = vec![
        ("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "600"),
        ("NUDGE__TELEMETRY__FILTER", "warn"),
    ];
    if let Some(pool) = pool {
        settings.push(("NUDGE__DATABASE__MAX_CONNECTIONS", pool));
    }
    let fleet = Fleet::start(std::path::Path::new(env!("CARGO_BIN_EXE_nudge")), workers, &settings).await;
    let people = fleet.people(PEOPLE).await;
    let phones: HashSet<String> = people.iter().map(|(_, phone)| phone.clone()).collect();

    // One reminder every 6 ms over the minute; each person's ten are 6 s
    // apart (sms-router sends at most one SMS a second from a number).
    let step = SPREAD / (PEOPLE * PER_PERSON) as i32;
    let start = Utc::now() + CREATION_BUDGET;
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut reminders = Vec::with_capacity(PEOPLE * PER_PERSON);
    for round in 0..PER_PERSON {
        for (i, (user, _)) in people.iter().enumerate() {
            let at = millis(start + step * (round * PEOPLE + i) as i32);
            let text = format!("dose {round}-{i:04}");
            due.insert(text.clone(), at);
            reminders.push((user.clone(), text, at));
        }
    }
    let creating = Instant::now();
    fleet.create_reminders(reminders, 64).await;
    let created_in = creating.elapsed();
    assert!(
        Utc::now() < start,
        "creating the reminders took {created_in:?}, past the first due time"
    );
    eprintln!("{} reminders created in {created_in:?}", due.len());

    let last_due = start + SPREAD;
    let wait = (last_due - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(60);
    eventually(
        "10,000 reminders at Twilio",
        wait,
        || async { fleet.reminders_sent(&phones, "dose ").len() },
        |sent| *sent >= due.len(),
    )
    .await;
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let lateness = exactly_once(&fleet.reminders_sent(&phones, "dose "), &due);
    assert!(lateness[0] >= -5, "none before its time");
    let stages = stages(&fleet.database.url).await;
    fleet.stop().await;
    Run {
        workers,
        created_in,
        lateness,
        stages,
    }
}
