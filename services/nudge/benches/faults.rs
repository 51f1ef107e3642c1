//! The fault suite: Nudge in distributed mode under a sustained load, broken
//! on purpose one fault at a time, with what each fault cost measured.
//! `cargo bench -p nudge --bench faults`.
//!
//! It starts PostgreSQL, RabbitMQ and Redis of its own on free loopback
//! ports (`nudge_harness::servers`: the machine's shared servers are never
//! stopped), the four services as processes (release binary) and the fake
//! Twilio. For the whole run a load generator in this process sends signed
//! inbound webhooks **open loop** (`rate` per second, from `people` people,
//! each message a new MessageSid; a slow answer never slows the load), and
//! reminders created before the run fall due every second (`reminders` per
//! second, texts `dose N`).
//!
//! Faults, in order (each followed by `settle` seconds of load without
//! fault): kill -9 of sms-router, workers, the agent and the api (each
//! started again `restart_after` seconds later, as a supervisor would), a
//! RabbitMQ restart, a PostgreSQL crash and restart (`pg_ctl stop -m
//! immediate`), and Redis stopped; a server stays down `down` seconds.
//!
//! For each window (a fault and its settling time; the first window is the
//! warm-up, without fault) it prints: webhooks sent, acknowledged 200 at the
//! first attempt and stored exactly once; reminders due, sent exactly once,
//! missing and twice; lateness p50 / p99 / max; when the reminders due
//! during the fault were all sent, counted from the fault's end; lateness p99
//! of the reminders due from 30 s after the fault's end (until
//! [`NEXT_FAULT_GUARD`] before the next fault: a reminder due just before
//! the next fault begins is late because of that fault); time to healthy
//! (every `/readyz` 200 again); and the reply lag (a person's n-th reply
//! after their n-th message).
//!
//! Options after `--`: `rate=R` webhooks/s (50), `reminders=N` per second
//! (4), `people=P` (200), `down=S` (20), `settle=S` (40), `warmup=S` (20),
//! `restart_after=S` (2), `faults=a,b,...` (all: sms-router, workers,
//! agent, api, rabbitmq, postgres, redis; `none` runs the load alone for
//! `warmup` seconds, e.g. `faults=none warmup=600 rate=200` for the
//! sustained-load figure). Markdown on standard output; see
//! docs/benchmarks.md.

#![expect(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark reports on stdout")]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::QueryableByName;
use nudge::webhook::{InboundSms, WebhookSender};
use nudge_fake_twilio::FakeMessage;
use nudge_harness::bench::options::Options;
use nudge_harness::bench::{load_average, nudge_binary, print_machine, runtime};
use nudge_harness::fleet::{AUTH_TOKEN, Fleet, Service, reminder_text};
use nudge_harness::reminders::millis;
use nudge_harness::servers::OwnServers;
use nudge_testkit::TestDatabase;

/// Reminder texts start with this word.
const WORD: &str = "dose";
/// The longest any step of the run's end may take (reading what was
/// stored, stopping the services).
const END_STEP: Duration = Duration::from_secs(120);
/// Most requests waiting for an answer at once; more are counted as not sent.
const MAX_IN_FLIGHT: usize = 4_000;
/// What people text (each webhook picks one, in turn): requests answered
/// with one SMS each, so that a person's n-th reply answers their n-th
/// message; the reminders they create fall due after the run.
const TEXTS: [&str; 4] = [
    "remind me in 45 minutes to drink water",
    "remind me in 50 minutes to call the pharmacy",
    "rappelle-moi dans 55 minutes de sortir le chien",
    "remind me in 1 hour to stretch",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Kill(Service),
    RabbitMq,
    Postgres,
    Redis,
}

impl Fault {
    fn parse(name: &str) -> anyhow::Result<Fault> {
        Ok(match name {
            "sms-router" => Fault::Kill(Service::SmsRouter),
            "workers" => Fault::Kill(Service::Workers(0)),
            "agent" => Fault::Kill(Service::Agent),
            "api" => Fault::Kill(Service::Api),
            "rabbitmq" => Fault::RabbitMq,
            "postgres" => Fault::Postgres,
            "redis" => Fault::Redis,
            other => bail!("unknown fault {other:?}: sms-router, workers, agent, api, rabbitmq, postgres, redis, none"),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Fault::Kill(Service::SmsRouter) => "kill -9 sms-router",
            Fault::Kill(Service::Workers(_)) => "kill -9 workers",
            Fault::Kill(Service::Agent) => "kill -9 agent",
            Fault::Kill(Service::Api) => "kill -9 api",
            Fault::RabbitMq => "RabbitMQ restart",
            Fault::Postgres => "PostgreSQL crash + restart",
            Fault::Redis => "Redis stopped",
        }
    }
}

struct Config {
    rate: u32,
    reminders_per_second: u32,
    people: usize,
    down: u64,
    settle: u64,
    warmup: u64,
    restart_after: u64,
    faults: Vec<Fault>,
    /// Every service's settings given on the command line (`NUDGE__KEY=value`).
    settings: Vec<(String, String)>,
}

impl Config {
    fn from_args() -> anyhow::Result<Config> {
        let options = Options::from_arguments(&[
            "rate",
            "reminders",
            "people",
            "down",
            "settle",
            "warmup",
            "restart_after",
            "faults",
        ])?;
        let faults = match options.text("faults") {
            Some("none") => Vec::new(),
            Some(list) => list.split(',').map(Fault::parse).collect::<anyhow::Result<_>>()?,
            None => ["sms-router", "workers", "agent", "api", "rabbitmq", "postgres", "redis"]
                .into_iter()
                .map(Fault::parse)
                .collect::<anyhow::Result<_>>()?,
        };
        Ok(Config {
            rate: options.positive("rate", 50)?,
            reminders_per_second: options.positive("reminders", 4)?,
            people: options.positive("people", 200)?,
            down: options.get("down", 20)?,
            settle: options.get("settle", 40)?,
            warmup: options.get("warmup", 20)?,
            restart_after: options.get("restart_after", 2)?,
            faults,
            settings: options.service_settings().to_vec(),
        })
    }

    /// How long the run lasts at most (reminders are created for all of it).
    fn planned(&self) -> Duration {
        let per_fault = self.down + self.restart_after + 30 + self.settle;
        Duration::from_secs(self.warmup + per_fault * self.faults.len() as u64)
    }
}

/// One window of the run: a fault (or none) and its settling time.
struct Window {
    name: &'static str,
    start: DateTime<Utc>,
    /// When the fault ended (the service started again, the server back).
    recovered: DateTime<Utc>,
    /// When every service answered `/readyz` 200 again.
    healthy: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// What happened to one webhook.
struct Sent {
    sid: String,
    person: usize,
    at: DateTime<Utc>,
    status: u16,
    /// How long the answer took (or until the client gave up), in ms.
    took_ms: i64,
}

fn main() -> anyhow::Result<()> {
    let config = Config::from_args()?;
    let runtime = runtime()?;
    println!("# Fault suite (distributed mode, servers of its own)\n");
    print_machine();
    let outcome = runtime.block_on(run(&config));
    // A task still running (a webhook waiting for a saturated service) must
    // not keep the benchmark from exiting.
    runtime.shutdown_timeout(Duration::from_secs(5));
    outcome?;
    println!("\nLoad average at the end: {}", load_average());
    Ok(())
}

async fn run(config: &Config) -> anyhow::Result<()> {
    let nudge = nudge_binary(env!("CARGO_BIN_EXE_nudge"), "faults")?;
    eprintln!("starting PostgreSQL, RabbitMQ and Redis of our own");
    let mut servers = tokio::task::block_in_place(OwnServers::start)?;
    let endpoints = servers.endpoints();
    let settings: Vec<(&str, &str)> = [
        ("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "3600"),
        ("NUDGE__TELEMETRY__FILTER", "warn"),
    ]
    .into_iter()
    .chain(
        config
            .settings
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str())),
    )
    .collect();
    let mut fleet = Fleet::start_on(
        &nudge,
        TestDatabase::existing(endpoints.database_url.clone()),
        endpoints,
        1,
        &settings,
    )
    .await;
    let people = fleet.people_who_text(config.people).await;

    // Reminders due every second of the planned run, from its start on.
    let planned = config.planned();
    let first_due = Utc::now() + TimeDelta::seconds(20);
    let count = planned.as_secs() as usize * config.reminders_per_second as usize;
    let step = TimeDelta::milliseconds(1_000 / i64::from(config.reminders_per_second));
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut reminders = Vec::with_capacity(count);
    for k in 0..count {
        let at = millis(first_due + step * i32::try_from(k)?);
        let text = format!("{WORD} {k}");
        due.insert(text.clone(), at);
        reminders.push((people[k % people.len()].0.clone(), text, at));
    }
    eprintln!("creating {count} reminders over {planned:?}");
    fleet.create_reminders(reminders, 32).await;
    ensure!(
        Utc::now() < first_due,
        "creating the reminders took past the first due time"
    );

    // The load, for the whole run.
    let sms_router = fleet.deployment.http_ports[3];
    let base = format!("http://127.0.0.1:{sms_router}");
    let sender = Arc::new(WebhookSender::new(
        &base,
        &base,
        nudge_harness::fleet::ACCOUNT_SID,
        AUTH_TOKEN.into(),
    ));
    let numbers: Vec<(String, String)> = people
        .iter()
        .enumerate()
        .map(|(i, (_, phone))| (phone.clone(), format!("+1450{:07}", 1_000_000 + i)))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(generate(sender, numbers, config.rate, stop.clone()));

    tokio::time::sleep_until(tokio::time::Instant::now() + (first_due - Utc::now()).to_std()?).await;
    let mut windows = Vec::new();
    let warmup_start = Utc::now();
    tokio::time::sleep(Duration::from_secs(config.warmup)).await;
    windows.push(Window {
        name: "no fault",
        start: warmup_start,
        recovered: warmup_start,
        healthy: warmup_start,
        end: Utc::now(),
    });
    for fault in &config.faults {
        windows.push(inflict(*fault, config, &mut fleet, &mut servers).await?);
    }
    stop.store(true, Ordering::Relaxed);
    let sent = load.await??;
    let last_due = windows.last().map_or(first_due, |w| w.end);
    eprintln!("load stopped; waiting for the reminders due until now and for the replies");
    wait_for_reminders(&fleet, &due, last_due).await;
    tokio::time::sleep(Duration::from_secs(10)).await;

    print_webhook_metrics(fleet.deployment.http_ports[3]).await;
    let messages = fleet.fake.messages();
    // Each step of the end is bounded and named: a saturated run must end
    // with its report or with the step that did not finish, never hang.
    let stored = tokio::time::timeout(END_STEP, stored_sids(&fleet.endpoints.database_url))
        .await
        .with_context(|| format!("reading the stored MessageSids took more than {END_STEP:?}"))??;
    report(config, &windows, &sent, &stored, &messages, &due, &people);
    tokio::time::timeout(END_STEP, fleet.stop())
        .await
        .with_context(|| format!("stopping the services took more than {END_STEP:?}"))?;
    drop(servers);
    Ok(())
}

/// Breaks something, brings it back, waits until every service is ready,
/// then lets the load run `settle` seconds.
async fn inflict(fault: Fault, config: &Config, fleet: &mut Fleet, servers: &mut OwnServers) -> anyhow::Result<Window> {
    eprintln!("{}", fault.name());
    let start = Utc::now();
    let down = Duration::from_secs(config.down);
    match fault {
        Fault::Kill(service) => {
            fleet.kill_9(service);
            tokio::time::sleep(Duration::from_secs(config.restart_after)).await;
            fleet.respawn(service);
        }
        Fault::RabbitMq => {
            tokio::task::block_in_place(|| servers.rabbitmq.stop())?;
            tokio::time::sleep(down).await;
            tokio::task::block_in_place(|| servers.rabbitmq.start_again())?;
        }
        Fault::Postgres => {
            tokio::task::block_in_place(|| servers.postgres.crash())?;
            tokio::time::sleep(down).await;
            tokio::task::block_in_place(|| servers.postgres.start_again())?;
        }
        Fault::Redis => {
            servers.redis.stop();
            tokio::time::sleep(down).await;
            tokio::task::block_in_place(|| servers.redis.start_again())?;
        }
    }
    let recovered = Utc::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !fleet.all_ready().await {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{}: not every service ready 120 s after the fault ended",
            fault.name()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let healthy = Utc::now();
    tokio::time::sleep(Duration::from_secs(config.settle)).await;
    Ok(Window {
        name: fault.name(),
        start,
        recovered,
        healthy,
        end: Utc::now(),
    })
}

/// Sends webhooks open loop at `rate` per second until `stop`; person `i %
/// people` sends the i-th.
async fn generate(
    sender: Arc<WebhookSender>,
    numbers: Vec<(String, String)>,
    rate: u32,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Vec<Sent>> {
    let period = Duration::from_secs(1) / rate;
    let start = tokio::time::Instant::now();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    let mut index: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep_until(start + period * index).await;
        let person = index as usize % numbers.len();
        let text = TEXTS[(index as usize / numbers.len()) % TEXTS.len()];
        index += 1;
        let sid = nudge::webhook::new_message_sid();
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            tasks.push(tokio::spawn(async move {
                Sent {
                    sid,
                    person,
                    at: Utc::now(),
                    status: 0,
                    took_ms: 0,
                }
            }));
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (sender, in_flight) = (sender.clone(), in_flight.clone());
        let (from, to) = numbers[person].clone();
        tasks.push(tokio::spawn(async move {
            let at = Utc::now();
            let sms = InboundSms {
                message_sid: &sid,
                from: &from,
                to: &to,
                body: text,
            };
            let status = sender.send(&sms).await.map_or(0, |status| status.as_u16());
            let took_ms = (Utc::now() - at).num_milliseconds();
            in_flight.fetch_sub(1, Ordering::Relaxed);
            Sent {
                sid,
                person,
                at,
                status,
                took_ms,
            }
        }));
    }
    let mut sent = Vec::with_capacity(tasks.len());
    for task in tasks {
        sent.push(task.await?);
    }
    Ok(sent)
}

/// sms-router's counters of late and spooled webhooks (those the build has).
async fn print_webhook_metrics(sms_router_port: u16) {
    let page = Fleet::metrics(sms_router_port).await;
    let wanted = [
        "nudge_sms_webhooks_late_total",
        "nudge_sms_spooled_total",
        "nudge_sms_spool_drained_total",
        "nudge_sms_webhook_refusals_total",
    ];
    let lines: Vec<&str> = page
        .lines()
        .filter(|line| wanted.iter().any(|name| line.starts_with(name)))
        .collect();
    eprintln!("sms-router's webhook counters after the load: {lines:?}");
}

fn reminders_at_twilio(messages: &[FakeMessage]) -> Vec<&FakeMessage> {
    let start = format!("Reminder: {WORD} ");
    messages.iter().filter(|m| m.body.starts_with(&start)).collect()
}

/// Waits (at most 3 minutes) until every reminder due by `until` is at Twilio.
async fn wait_for_reminders(fleet: &Fleet, due: &HashMap<String, DateTime<Utc>>, until: DateTime<Utc>) {
    let expected = due.values().filter(|at| **at < until).count();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    while tokio::time::Instant::now() < deadline {
        let messages = fleet.fake.messages();
        let sent: HashSet<&str> = reminders_at_twilio(&messages)
            .into_iter()
            .map(|m| reminder_text(&m.body))
            .filter(|text| due.get(*text).is_some_and(|at| *at < until))
            .collect();
        if sent.len() >= expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("not every reminder due during the run was at Twilio 3 minutes after the load stopped");
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Text)]
    message_sid: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
}

/// How many rows each stored MessageSid has.
async fn stored_sids(url: &str) -> anyhow::Result<HashMap<String, i64>> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(url).await?;
    let rows: Vec<Stored> =
        diesel::sql_query("SELECT message_sid, COUNT(*) AS rows FROM sms_inbound GROUP BY message_sid")
            .load(&mut conn)
            .await?;
    Ok(rows.into_iter().map(|r| (r.message_sid, r.rows)).collect())
}

/// The value at rank `p` (0 to 1) of sorted milliseconds; 0 for none.
fn rank(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

/// The recovery measure ("p99 from +30 s") of a window leaves out the
/// reminders due this close to the next fault's start: one due a moment
/// before a server stops is sent when it is back, and its lateness is the
/// next fault's (seen: 20 s, the next outage's length, in the window before).
const NEXT_FAULT_GUARD: TimeDelta = TimeDelta::seconds(3);

fn report(
    config: &Config,
    windows: &[Window],
    sent: &[Sent],
    stored: &HashMap<String, i64>,
    messages: &[FakeMessage],
    due: &HashMap<String, DateTime<Utc>>,
    people: &[(String, String)],
) {
    // Each reminder's sends.
    let mut sends: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for message in reminders_at_twilio(messages) {
        sends
            .entry(reminder_text(&message.body))
            .or_default()
            .push(message.date_created);
    }
    // Each person's replies (every SMS to them that is not a reminder), in order.
    let phone_index: HashMap<&str, usize> = people.iter().enumerate().map(|(i, (_, p))| (p.as_str(), i)).collect();
    let mut replies: Vec<Vec<DateTime<Utc>>> = vec![Vec::new(); people.len()];
    for message in messages {
        if let Some(person) = phone_index.get(message.to.as_str())
            && !message.body.starts_with("Reminder: ")
            && !message.body.starts_with("Rappel : ")
        {
            replies[*person].push(message.date_created);
        }
    }
    // Reply lag: a person's n-th acknowledged message and their n-th reply.
    let mut per_person: Vec<Vec<&Sent>> = vec![Vec::new(); people.len()];
    for webhook in sent.iter().filter(|s| s.status == 200) {
        per_person[webhook.person].push(webhook);
    }
    let mut reply_lag: HashMap<&str, i64> = HashMap::new();
    let mut unanswered = 0;
    for (person, webhooks) in per_person.iter_mut().enumerate() {
        webhooks.sort_by_key(|s| s.at);
        replies[person].sort();
        for (n, webhook) in webhooks.iter().enumerate() {
            match replies[person].get(n) {
                Some(reply) => {
                    reply_lag.insert(&webhook.sid, (*reply - webhook.at).num_milliseconds());
                }
                None => unanswered += 1,
            }
        }
    }

    println!(
        "Load: {} webhooks/s from {} people, {} reminders due per second; servers down {} s; \
         services started again {} s after kill -9; {} s of load after each recovery.\n",
        config.rate, config.people, config.reminders_per_second, config.down, config.restart_after, config.settle
    );
    println!(
        "| window | to healthy | webhooks sent | 200 at first attempt | stored once | not stored | \
         reminders due | sent once | missing | twice | lateness p50 / p99 / max | fault's reminders all sent | \
         p99 from +30 s | reply lag p50 / p99 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // The reminders the recovery measure leaves out, shown after the table.
    let mut guarded = Vec::new();
    for (index, window) in windows.iter().enumerate() {
        let inside = |at: DateTime<Utc>| at >= window.start && at < window.end;
        let recovery_until = if index + 1 < windows.len() {
            window.end - NEXT_FAULT_GUARD
        } else {
            window.end
        };
        let webhooks: Vec<&Sent> = sent.iter().filter(|s| inside(s.at)).collect();
        let acked: Vec<&&Sent> = webhooks.iter().filter(|s| s.status == 200).collect();
        let stored_once = acked.iter().filter(|s| stored.get(&s.sid) == Some(&1)).count();
        let not_stored = acked.iter().filter(|s| !stored.contains_key(&s.sid)).count();
        let mut lags: Vec<i64> = acked
            .iter()
            .filter_map(|s| reply_lag.get(s.sid.as_str()).copied())
            .collect();
        lags.sort_unstable();

        let window_due: Vec<(&String, &DateTime<Utc>)> = due.iter().filter(|(_, at)| inside(**at)).collect();
        let (mut once, mut missing, mut twice) = (0, 0, 0);
        let mut lateness = Vec::new();
        let mut after_recovery = Vec::new();
        let mut fault_done: Option<DateTime<Utc>> = Some(window.recovered);
        for (text, at) in &window_due {
            match sends.get(text.as_str()).map(Vec::as_slice) {
                None | Some([]) => {
                    missing += 1;
                    if **at <= window.healthy {
                        fault_done = None;
                    }
                }
                Some(times) => {
                    if times.len() == 1 {
                        once += 1;
                    } else {
                        twice += 1;
                    }
                    let late = (times[0] - **at).num_milliseconds();
                    lateness.push(late);
                    if **at >= window.recovered + TimeDelta::seconds(30) && **at < recovery_until {
                        after_recovery.push(late);
                    } else if **at >= recovery_until {
                        guarded.push((window.name, late));
                    }
                    if **at <= window.healthy {
                        fault_done = fault_done.map(|done| done.max(times[0]));
                    }
                }
            }
        }
        lateness.sort_unstable();
        after_recovery.sort_unstable();
        let healthy = if window.name == "no fault" {
            "-".to_owned()
        } else {
            format!("{:.1} s", seconds(window.recovered, window.healthy))
        };
        let fault_done = match (window.name, fault_done) {
            ("no fault", _) => "-".to_owned(),
            (_, Some(done)) => format!("+{:.1} s", seconds(window.recovered, done).max(0.0)),
            (_, None) => "not all".to_owned(),
        };
        println!(
            "| {} | {healthy} | {} | {} | {stored_once} | {not_stored} | {} | {once} | {missing} | {twice} | \
             {} / {} / {} ms | {fault_done} | {} ms | {} / {} ms |",
            window.name,
            webhooks.len(),
            acked.len(),
            window_due.len(),
            rank(&lateness, 0.5),
            rank(&lateness, 0.99),
            lateness.last().copied().unwrap_or(0),
            rank(&after_recovery, 0.99),
            rank(&lags, 0.5),
            rank(&lags, 0.99),
        );
    }
    for name in windows.iter().map(|w| w.name) {
        let late: Vec<i64> = guarded.iter().filter(|(n, _)| *n == name).map(|(_, l)| *l).collect();
        if let Some(max) = late.iter().max() {
            println!(
                "\n{name}: {} reminders due in the {} s before the next fault (not in \"p99 from +30 s\"), lateness max {max} ms.",
                late.len(),
                NEXT_FAULT_GUARD.num_seconds()
            );
        }
    }
    let statuses: HashMap<u16, usize> = sent.iter().fold(HashMap::new(), |mut counts, s| {
        *counts.entry(s.status).or_default() += 1;
        counts
    });
    let doubled = stored.values().filter(|rows| **rows > 1).count();
    println!(
        "\nWebhook answers by status (0: no answer): {statuses:?}; MessageSids stored more than once: {doubled}; \
         acknowledged messages with no reply by the end: {unanswered}."
    );
    let mut took: Vec<i64> = sent.iter().filter(|s| s.status == 200).map(|s| s.took_ms).collect();
    took.sort_unstable();
    let over = |ms: i64| took.iter().filter(|t| **t > ms).count();
    println!(
        "Time to answer 200: p50 {} / p99 {} / p99.9 {} / max {} ms; over 2 s: {}, over 5 s: {}.",
        rank(&took, 0.5),
        rank(&took, 0.99),
        rank(&took, 0.999),
        took.last().copied().unwrap_or(0),
        over(2_000),
        over(5_000),
    );
}
