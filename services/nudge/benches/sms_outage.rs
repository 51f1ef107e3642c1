//! Webhooks through a PostgreSQL outage, in distributed mode:
//! `cargo bench -p nudge --bench sms_outage`.
//!
//! sms-router runs as `nudge serve sms-router` (one replica by default) on
//! this machine's Redis and RabbitMQ and on PostgreSQL **through a proxy this
//! process controls** (`nudge_harness::proxy`): cutting it is a database
//! outage for sms-router (every connection closed, new ones refused) without
//! stopping the shared server. A load generator sends signed webhooks open
//! loop (request `i` is due at `start + i / rate`); one in 25 is a Twilio
//! retry of an earlier MessageSid. The database is cut `before` seconds into
//! the load, for `outage` seconds, and the load goes on `after` seconds more.
//!
//! Reported: per window (before, outage, after), the requests answered 200 at
//! their first attempt and the acknowledgement latency; the webhooks spooled;
//! how long after the database returned every spooled webhook was stored
//! (sms-router's `nudge_sms_spool_drained_total` reaching
//! `nudge_sms_spooled_total`); and, at the end, exactly once: one row per
//! distinct MessageSid acknowledged, none missing.
//!
//! Only sms-router runs (as in `sms_webhook`): the agent is absent, so the
//! stored messages stay pending; answering them is covered by the
//! integration test `sms_spool`.
//!
//! Options after `--`: `rate=R` per second (200), `before=S` (10),
//! `outage=S` (60), `after=S` (20), `people=P` (200), `replicas=N` (1), and
//! any sms-router setting as `NUDGE__KEY=value` (e.g.
//! `NUDGE__SMS__SPOOL_DRAIN_CONCURRENCY=64`).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use nudge_harness::bench::load::load_client;
use nudge_harness::bench::options::Options;
use nudge_harness::bench::sms::{
    ExactlyOnce, assign_numbers, cpu_now, cpu_since, new_users, replica_ports, webhook_only_settings,
};
use nudge_harness::bench::webhooks::{Prepared, message_sid, replica_urls, signed_inbound};
use nudge_harness::bench::{SmsRouters, new_auth_token, nudge_binary, print_latency_row, run_and_report, scratch_dir};
use nudge_harness::proxy::CuttableProxy;

/// Twilio's own timeout for a webhook.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest wait for the spool to drain after the load ends.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

struct Config {
    rate: u32,
    before: u64,
    outage: u64,
    after: u64,
    people: usize,
    replicas: usize,
    /// sms-router settings given on the command line (`NUDGE__KEY=value`).
    settings: Vec<(String, String)>,
}

/// The heading of the report.
const TITLE: &str = "sms-router through a PostgreSQL outage (distributed mode)";

fn main() -> anyhow::Result<()> {
    let options = Options::from_arguments(&["rate", "before", "outage", "after", "people", "replicas"])?;
    let config = Config {
        rate: options.positive("rate", 200)?,
        before: options.get("before", 10)?,
        outage: options.get("outage", 60)?,
        after: options.get("after", 20)?,
        people: options.positive("people", 200)?,
        replicas: options.positive("replicas", 1)?,
        settings: options.service_settings().to_vec(),
    };
    run_and_report(TITLE, &config, run, Report::print)?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Window {
    Before,
    Outage,
    After,
}

impl Window {
    fn name(self) -> &'static str {
        match self {
            Window::Before => "before",
            Window::Outage => "database cut",
            Window::After => "after",
        }
    }
}

struct Outcome {
    window: Window,
    latency: Duration,
    status: u16,
    sid: usize,
}

/// The run's requests: new messages, and one in 25 a retry of the tenth before.
fn prepare(count: usize, config: &Config, auth_token: &str) -> (Vec<Prepared>, Vec<String>) {
    let mut sids: Vec<String> = Vec::new();
    let mut requests: Vec<Prepared> = Vec::with_capacity(count);
    while requests.len() < count {
        let index = requests.len();
        if index % 25 == 24 {
            let earlier = &requests[index - 10];
            let retry = Prepared {
                replica: (earlier.replica + 1) % config.replicas,
                ..earlier.clone()
            };
            requests.push(retry);
            continue;
        }
        let sid_index = sids.len();
        let sid = message_sid(sid_index, 0x0ac7);
        let text = format!("remind me in {} minutes to stretch", 10 + sid_index % 50);
        let (body, signature) = signed_inbound(auth_token, &sid, sid_index % config.people, &text, false);
        sids.push(sid);
        requests.push(Prepared {
            replica: index % config.replicas,
            sid: sids.len() - 1,
            body,
            signature,
        });
    }
    (requests, sids)
}

struct Report {
    outcomes: Vec<Outcome>,
    spooled: f64,
    drained_after: Option<Duration>,
    exactly_once: ExactlyOnce,
    cpu: Vec<(String, Duration)>,
    seconds: f64,
}

/// The sum of counter `name` on sms-router's metrics page.
async fn counter(http: &reqwest::Client, port: u16, name: &str) -> anyhow::Result<f64> {
    let page = http
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(page
        .lines()
        .filter(|line| line.starts_with(name))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

async fn run(config: &Config) -> anyhow::Result<Report> {
    let binary = nudge_binary(env!("CARGO_BIN_EXE_nudge"), "sms_outage")?;
    let dir = scratch_dir()?;
    let auth_token = new_auth_token();
    let ports = replica_ports(config.replicas)?;
    let proxy = CuttableProxy::to_test_postgres().await?;
    let database = nudge_testkit::TestDatabase::postgres().await;
    let services_url = proxy.database_url(&database.url);
    let mut routers = SmsRouters::start_on(
        &binary,
        dir.path(),
        &ports,
        &auth_token,
        webhook_only_settings()?
            .into_iter()
            .chain(config.settings.iter().map(|(key, value)| (key.as_str(), value.clone())))
            .collect(),
        database,
        services_url,
    )
    .await?;
    assign_numbers(routers.grpc_ports[0], &new_users(config.people), 50).await?;

    let total = config.before + config.outage + config.after;
    let count = usize::try_from(total * u64::from(config.rate)).unwrap_or(0);
    let (requests, sids) = prepare(count, config, &auth_token);
    let http = load_client(REQUEST_TIMEOUT)?;
    let urls = replica_urls(&routers.http_ports);
    let cpu_before = cpu_now(&routers.replicas);
    let period = Duration::from_secs(1) / config.rate;
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let cut_at = start + Duration::from_secs(config.before);
    let restore_at = cut_at + Duration::from_secs(config.outage);
    let mut tasks = Vec::with_capacity(requests.len());
    let mut cut = false;
    let mut restored = None;
    let mut monitor = None;
    for (index, request) in requests.into_iter().enumerate() {
        let due = start + period * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        if !cut && due >= cut_at {
            proxy.cut();
            cut = true;
        }
        if restored.is_none() && due >= restore_at {
            proxy.restore();
            let now = Instant::now();
            restored = Some(now);
            monitor = Some(tokio::spawn(drained_after(
                http.clone(),
                routers.http_ports.clone(),
                now,
            )));
        }
        let window = if !cut {
            Window::Before
        } else if restored.is_none() {
            Window::Outage
        } else {
            Window::After
        };
        let (http, url) = (http.clone(), urls[request.replica].clone());
        tasks.push(tokio::spawn(async move {
            let sid = request.sid;
            let status = request
                .post(&http, &url)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16());
            Outcome {
                window,
                // From the request's due time: the generator's own lateness counts.
                latency: due.elapsed(),
                status,
                sid,
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    let (spooled, drained_after) = monitor.context("the outage did not end within the run")?.await??;
    let cpu = cpu_since(&routers.replicas, cpu_before);
    for replica in &mut routers.replicas {
        replica.ensure_alive()?;
    }
    let acked: HashSet<&str> = outcomes
        .iter()
        .filter(|o| o.status == 200)
        .map(|o| sids[o.sid].as_str())
        .collect();
    let exactly_once = ExactlyOnce::check(&routers.database.url, &acked).await?;
    routers.stop().await?;
    drop(proxy);
    Ok(Report {
        outcomes,
        spooled,
        drained_after,
        exactly_once,
        cpu,
        seconds: total as f64,
    })
}

/// Polls the replicas' counters from the database's return until every
/// spooled webhook was drained: (webhooks spooled, time from the return).
async fn drained_after(
    http: reqwest::Client,
    ports: Vec<u16>,
    restored: Instant,
) -> anyhow::Result<(f64, Option<Duration>)> {
    let mut spooled = 0.0;
    while restored.elapsed() < DRAIN_TIMEOUT {
        let mut drained = 0.0;
        spooled = 0.0;
        for port in &ports {
            spooled += counter(&http, *port, "nudge_sms_spooled_total").await?;
            drained += counter(&http, *port, "nudge_sms_spool_drained_total").await?;
        }
        if drained >= spooled {
            return Ok((spooled, Some(restored.elapsed())));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((spooled, None))
}

// ---------------------------------------------------------------- report

/// The requests of one window.
#[derive(Default)]
struct Tally {
    sent: usize,
    ok: usize,
    /// Answers other than 200, by status (0: no answer).
    errors: BTreeMap<u16, usize>,
    latencies: Vec<Duration>,
}

impl Report {
    fn print(&self, config: &Config) {
        println!(
            "Load: {} webhooks/s, open loop, to {} sms-router replica(s), {} people, 1 in 25 a Twilio retry; \
             PostgreSQL cut after {} s for {} s, then {} s more ({:.0} s in all).\n",
            config.rate, config.replicas, config.people, config.before, config.outage, config.after, self.seconds
        );
        let mut windows: BTreeMap<Window, Tally> = BTreeMap::new();
        for outcome in &self.outcomes {
            let tally = windows.entry(outcome.window).or_default();
            tally.sent += 1;
            if outcome.status == 200 {
                tally.ok += 1;
                tally.latencies.push(outcome.latency);
            } else {
                *tally.errors.entry(outcome.status).or_default() += 1;
            }
        }
        println!("| Window | Requests | Answered 200 (first attempt) | Other answers |");
        println!("|---|---:|---:|---|");
        for (window, tally) in &windows {
            println!(
                "| {} | {} | {} ({:.2} %) | {:?} |",
                window.name(),
                tally.sent,
                tally.ok,
                100.0 * tally.ok as f64 / tally.sent.max(1) as f64,
                tally.errors
            );
        }
        println!();
        println!("| Acknowledgement latency from the due time (ms) | Count | p50 | p90 | p99 | p99.9 | max | mean |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (window, tally) in &windows {
            print_latency_row(window.name(), &tally.latencies);
        }
        println!();
        println!("- Webhooks spooled (database cut): {:.0}.", self.spooled);
        match self.drained_after {
            Some(after) => println!(
                "- Every spooled webhook stored **{:.2} s** after the database returned.",
                after.as_secs_f64()
            ),
            None => println!("- **The spool was not drained within {} s.**", DRAIN_TIMEOUT.as_secs()),
        }
        self.exactly_once.print("");
        for (name, cpu) in &self.cpu {
            println!(
                "- CPU of {name}: {:.1} s over the {:.0} s of load.",
                cpu.as_secs_f64(),
                self.seconds
            );
        }
        println!();
    }
}
