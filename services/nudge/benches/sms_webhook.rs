//! sms-router's inbound webhook under a sustained load, in distributed mode:
//! `cargo bench -p nudge --bench sms_webhook`.
//!
//! sms-router runs as `nudge serve sms-router` processes (two replicas by
//! default) on this machine's PostgreSQL, Redis and RabbitMQ, from the
//! release binary. 1,000 people each have a Nudge number. A load generator
//! in this process sends signed Twilio webhooks to the replicas, round
//! robin, **open loop**: request `i` is due at `start + i / rate`, whatever
//! happened to the earlier ones, so a slow answer cannot slow the load down
//! (no coordinated omission). Every request is built and signed before the
//! run. One request in 25 is a Twilio retry (a MessageSid sent before, to the
//! other replica), and one in 100 is delivered twice back to back (1 ms
//! apart), once to each replica.
//!
//! Only sms-router runs: the agent is absent, so the dispatcher keeps the
//! stored messages pending and retries the agent with backoff, as it would
//! during an agent outage. The figure measured is the acknowledgement path:
//! signature check, routing, compliance check, one encrypted insert, 200.
//!
//! After the run, the database must hold exactly one row per distinct
//! MessageSid acknowledged: none lost, none doubled.
//!
//! Options after `--`: `replicas=N` (2), `rate=R` per second (1000),
//! `seconds=S` (60), `people=P` (1000), and any sms-router setting as
//! `NUDGE__KEY=value` (e.g. `NUDGE__DATABASE__MAX_CONNECTIONS=32`). Results are Markdown on standard
//! output; see `docs/benchmarks.md`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::ensure;
use nudge_harness::bench::load::{LoadFigures, Outcome, cpu_share, load_client, open_loop, warmed_up};
use nudge_harness::bench::options::Options;
use nudge_harness::bench::sms::{
    ExactlyOnce, assign_numbers, cpu_now, cpu_since, new_users, replica_ports, webhook_only_settings,
};
use nudge_harness::bench::webhooks::{Prepared, message_sid, replica_urls, signed_inbound};
use nudge_harness::bench::{SmsRouters, TASKS, new_auth_token, nudge_binary, run_and_report, scratch_dir};

const WARM_UP: Duration = Duration::from_secs(5);
/// More requests than this waiting for an answer: the generator stops counting them as sent.
const MAX_IN_FLIGHT: usize = 5_000;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

struct Config {
    replicas: usize,
    rate: u32,
    seconds: u64,
    people: usize,
    /// sms-router settings given on the command line (`NUDGE__KEY=value`).
    settings: Vec<(String, String)>,
}

/// The heading of the report.
const TITLE: &str = "sms-router webhook benchmark (distributed mode)";

fn main() -> anyhow::Result<()> {
    let options = Options::from_arguments(&["replicas", "rate", "seconds", "people"])?;
    let config = Config {
        replicas: options.positive("replicas", 2)?,
        rate: options.positive("rate", 1000)?,
        seconds: options.get("seconds", 60)?,
        people: options.positive("people", 1000)?,
        settings: options.service_settings().to_vec(),
    };
    run_and_report(TITLE, &config, run, Report::print)?;
    Ok(())
}

// ---------------------------------------------------------------- load

/// The run's requests, in order: fresh messages, Twilio retries of earlier
/// ones (one in 25, to the other replica) and simultaneous doubles (one in
/// 100, to both replicas at once, as two consecutive requests).
fn prepare(count: usize, first_sid: usize, config: &Config, auth_token: &str) -> (Vec<Prepared>, Vec<String>) {
    let mut sids: Vec<String> = Vec::new();
    let mut requests: Vec<Prepared> = Vec::with_capacity(count);
    while requests.len() < count {
        let index = requests.len();
        let replica = index % config.replicas;
        if index % 25 == 24 && requests.len() >= 10 {
            // A retry of the request ten before, to another replica.
            let earlier = &requests[index - 10];
            requests.push(Prepared {
                replica: (earlier.replica + 1) % config.replicas,
                ..earlier.clone()
            });
            continue;
        }
        let sid_index = first_sid + sids.len();
        let sid = message_sid(sid_index, 0xbe7c4);
        let text = format!(
            "remind me in {} minutes to {}",
            10 + sid_index % 50,
            TASKS[sid_index % TASKS.len()]
        );
        let (body, signature) = signed_inbound(auth_token, &sid, sid_index % config.people, &text, true);
        sids.push(sid);
        let prepared = Prepared {
            replica,
            sid: sids.len() - 1,
            body,
            signature,
        };
        requests.push(prepared.clone());
        if index % 100 == 50 && config.replicas > 1 && requests.len() < count {
            // The same delivery to the other replica at the same instant.
            requests.push(Prepared {
                replica: (replica + 1) % config.replicas,
                ..prepared
            });
        }
    }
    (requests, sids)
}

/// Sends `requests` open loop at `rate` per second to the replicas on
/// `ports`; returns every outcome (tagged with its MessageSid's index) and
/// how many were not sent because too many were waiting.
async fn generate(requests: Vec<Prepared>, rate: u32, ports: &[u16]) -> anyhow::Result<(Vec<Outcome>, usize)> {
    let http = load_client(REQUEST_TIMEOUT)?;
    let urls = replica_urls(ports);
    open_loop(requests, rate, MAX_IN_FLIGHT, |request| {
        let (http, url) = (http.clone(), urls[request.replica].clone());
        (request.sid, async move {
            request
                .post(&http, &url)
                .header("User-Agent", "TwilioProxy/1.1")
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        })
    })
    .await
}

// ---------------------------------------------------------------- run

struct Report {
    load: LoadFigures,
    exactly_once: ExactlyOnce,
    cpu: Vec<(String, Duration)>,
    measured: Duration,
}

async fn run(config: &Config) -> anyhow::Result<Report> {
    let binary = nudge_binary(env!("CARGO_BIN_EXE_nudge"), "sms_webhook")?;
    let dir = scratch_dir()?;
    let auth_token = new_auth_token();
    let ports = replica_ports(config.replicas)?;
    let settings = webhook_only_settings()?
        .into_iter()
        .chain(config.settings.iter().map(|(key, value)| (key.as_str(), value.clone())))
        .collect();
    let mut routers = SmsRouters::start(&binary, dir.path(), &ports, &auth_token, settings).await?;
    let http_ports = routers.http_ports.clone();

    // The people and their numbers.
    assign_numbers(routers.grpc_ports[0], &new_users(config.people), 50).await?;

    // Warm-up: the same load, not measured (connections, caches, JIT of the planner).
    let warm_count = usize::try_from(WARM_UP.as_secs() * u64::from(config.rate)).unwrap_or(0);
    let (warm_requests, warm_sids) = prepare(warm_count, 0, config, &auth_token);
    let (warm, _) = generate(warm_requests, config.rate, &http_ports).await?;
    ensure!(
        warmed_up(&warm),
        "the warm-up failed: {:?}",
        warm.iter().map(|o| o.status).collect::<HashSet<_>>()
    );

    let count = usize::try_from(config.seconds * u64::from(config.rate)).unwrap_or(0);
    let (requests, sids) = prepare(count, warm_sids.len(), config, &auth_token);
    let cpu_before = cpu_now(&routers.replicas);
    let measured_start = Instant::now();
    let (outcomes, skipped) = generate(requests, config.rate, &http_ports).await?;
    let measured = measured_start.elapsed();
    let cpu = cpu_since(&routers.replicas, cpu_before);
    for replica in &mut routers.replicas {
        replica.ensure_alive()?;
    }

    // The database: one row per distinct MessageSid acknowledged.
    let acked: HashSet<&str> = outcomes
        .iter()
        .filter(|o| o.status == 200)
        .map(|o| sids[o.tag].as_str())
        .chain(
            warm.iter()
                .filter(|o| o.status == 200)
                .map(|o| warm_sids[o.tag].as_str()),
        )
        .collect();
    let exactly_once = ExactlyOnce::check(&routers.database.url, &acked).await?;

    routers.stop().await?;

    Ok(Report {
        load: LoadFigures::of(&outcomes, skipped)?,
        exactly_once,
        cpu,
        measured,
    })
}

// ---------------------------------------------------------------- report

impl Report {
    fn print(&self, config: &Config) {
        let doubles = if config.replicas > 1 {
            ", 1 in 100 delivered to two replicas 1 ms apart"
        } else {
            ""
        };
        println!(
            "Load: {} requests/s for {} s, open loop, to {} sms-router replica(s); {} people; \
             1 request in 25 a Twilio retry of an earlier MessageSid{doubles}.\n",
            config.rate, config.seconds, config.replicas, config.people
        );
        self.load.print_latencies([
            "**Acknowledgement latency, from the request's due time** (ms)",
            "Acknowledgement latency, from the moment it left (ms)",
            "Generator lateness: left − due (ms)",
        ]);
        self.load.print_requests("", MAX_IN_FLIGHT);
        self.exactly_once.print(" (warm-up included)");
        for (name, cpu) in &self.cpu {
            println!("{}.", cpu_share(name, *cpu, self.measured));
        }
        println!();
    }
}
