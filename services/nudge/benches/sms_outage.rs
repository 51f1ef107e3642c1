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
//! `outage=S` (60), `after=S` (20), `people=P` (200), `replicas=N` (1).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use diesel::QueryableByName;
use futures::StreamExt as _;
use nudge_harness::bench::{
    ACCOUNT_SID, Running, SmsRouters, free_port, load_average, nudge_binary, person_number, person_phone,
    print_latency_row, print_machine, scratch_dir,
};
use nudge_harness::proxy::CuttableProxy;
use nudge_sms_router::client::{AssignNumberRequest, SmsRouterServiceClient};
use nudge_store::{Db, with_conn};

const PUBLIC_BASE_URL: &str = "https://sms.nudge.example.test";
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
}

fn main() -> anyhow::Result<()> {
    let mut config = Config {
        rate: 200,
        before: 10,
        outage: 60,
        after: 20,
        people: 200,
        replicas: 1,
    };
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        let (key, value) = arg.split_once('=').context("options are key=value")?;
        match key {
            "rate" => config.rate = value.parse()?,
            "before" => config.before = value.parse()?,
            "outage" => config.outage = value.parse()?,
            "after" => config.after = value.parse()?,
            "people" => config.people = value.parse()?,
            "replicas" => config.replicas = value.parse()?,
            other => bail!("unknown option {other:?}: rate, before, outage, after, people, replicas"),
        }
    }
    ensure!(
        config.rate >= 1 && config.people >= 1 && config.replicas >= 1,
        "options must be positive"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    println!("# sms-router through a PostgreSQL outage (distributed mode)\n");
    print_machine();
    let report = runtime.block_on(run(&config))?;
    report.print(&config);
    println!("Load average at the end: {}", load_average());
    Ok(())
}

/// One webhook, built and signed before the run.
struct Prepared {
    replica: usize,
    sid: usize,
    body: String,
    signature: String,
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

fn form_encode(params: &[(String, String)]) -> String {
    let encode = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(char::from(byte)),
                b' ' => out.push('+'),
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
        out
    };
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The run's requests: new messages, and one in 25 a retry of the tenth before.
fn prepare(count: usize, config: &Config, auth_token: &str) -> (Vec<Prepared>, Vec<String>) {
    let url = format!("{PUBLIC_BASE_URL}/twilio/sms");
    let mut sids: Vec<String> = Vec::new();
    let mut requests: Vec<Prepared> = Vec::with_capacity(count);
    while requests.len() < count {
        let index = requests.len();
        if index % 25 == 24 {
            let earlier = &requests[index - 10];
            let retry = Prepared {
                replica: (earlier.replica + 1) % config.replicas,
                sid: earlier.sid,
                body: earlier.body.clone(),
                signature: earlier.signature.clone(),
            };
            requests.push(retry);
            continue;
        }
        let sid_index = sids.len();
        let sid = format!("SM{:032x}", u128::try_from(sid_index).unwrap_or(0) * 7_919 + 0x0ac7);
        let person = sid_index % config.people;
        let text = format!("remind me in {} minutes to stretch", 10 + sid_index % 50);
        let params: Vec<(String, String)> = [
            ("SmsMessageSid", sid.as_str()),
            ("NumMedia", "0"),
            ("SmsSid", sid.as_str()),
            ("SmsStatus", "received"),
            ("Body", text.as_str()),
            ("To", person_number(person).as_str()),
            ("NumSegments", "1"),
            ("MessageSid", sid.as_str()),
            ("AccountSid", ACCOUNT_SID),
            ("From", person_phone(person).as_str()),
            ("ApiVersion", "2010-04-01"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let signature = nudge_secure::twilio::compute_signature(auth_token, &url, &params);
        sids.push(sid);
        requests.push(Prepared {
            replica: index % config.replicas,
            sid: sids.len() - 1,
            body: form_encode(&params),
            signature,
        });
    }
    (requests, sids)
}

struct Report {
    outcomes: Vec<Outcome>,
    spooled: f64,
    drained_after: Option<Duration>,
    distinct_acked: usize,
    rows: i64,
    distinct_rows: i64,
    lost: usize,
    cpu: Vec<(String, Duration)>,
    seconds: f64,
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    distinct_sids: i64,
}

#[derive(QueryableByName)]
struct Sid {
    #[diesel(sql_type = diesel::sql_types::Text)]
    message_sid: String,
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
    let auth_token = format!("bench{}", uuid::Uuid::new_v4().simple());
    let closed_agent_port = free_port()?;
    let ports: Vec<(u16, u16)> = (0..config.replicas)
        .map(|_| Ok((free_port()?, free_port()?)))
        .collect::<anyhow::Result<_>>()?;
    let proxy = CuttableProxy::to_test_postgres().await?;
    let database = nudge_testkit::TestDatabase::postgres().await;
    let services_url = proxy.database_url(&database.url);
    let mut routers = SmsRouters::start_on(
        &binary,
        dir.path(),
        &ports,
        &auth_token,
        vec![
            ("NUDGE__TWILIO__PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_owned()),
            ("NUDGE__TWILIO__API_BASE_URL", "http://127.0.0.1:1".to_owned()),
            (
                "NUDGE__SERVICES__AGENT__URL",
                format!("http://127.0.0.1:{closed_agent_port}"),
            ),
        ],
        database,
        services_url,
    )
    .await?;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{}", routers.grpc_ports[0]))?
        .connect()
        .await?;
    let client = SmsRouterServiceClient::new(channel);
    let assignments = (0..config.people).map(|person| {
        let mut client = client.clone();
        async move {
            client
                .assign_number(AssignNumberRequest {
                    user_id: uuid::Uuid::now_v7().to_string(),
                    phone: person_phone(person),
                    nudge_number: person_number(person),
                    timezone: String::new(),
                    language: String::new(),
                    // sms-router runs alone: no agent to tell.
                    number_only: true,
                })
                .await
        }
    });
    let results: Vec<_> = futures::stream::iter(assignments).buffer_unordered(50).collect().await;
    for result in results {
        result.context("AssignNumber")?;
    }

    let total = config.before + config.outage + config.after;
    let count = usize::try_from(total * u64::from(config.rate)).unwrap_or(0);
    let (requests, sids) = prepare(count, config, &auth_token);
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(1024)
        .build()?;
    let urls: Vec<Arc<str>> = routers
        .http_ports
        .iter()
        .map(|port| Arc::from(format!("http://127.0.0.1:{port}/twilio/sms")))
        .collect();
    let cpu_before: Vec<Duration> = routers.replicas.iter().map(Running::cpu).collect();
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
            let status = http
                .post(&*url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", &request.signature)
                .body(request.body)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16());
            Outcome {
                window,
                // From the request's due time: the generator's own lateness counts.
                latency: due.elapsed(),
                status,
                sid: request.sid,
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    let (spooled, drained_after) = monitor.context("the outage did not end within the run")?.await??;
    let cpu: Vec<(String, Duration)> = routers
        .replicas
        .iter()
        .zip(cpu_before)
        .map(|(r, before)| (r.name.clone(), r.cpu().saturating_sub(before)))
        .collect();
    for replica in &mut routers.replicas {
        replica.ensure_alive()?;
    }
    let (counts, stored) = stored_sids(&routers.database.url).await?;
    let acked: HashSet<&str> = outcomes
        .iter()
        .filter(|o| o.status == 200)
        .map(|o| sids[o.sid].as_str())
        .collect();
    let lost = acked.iter().filter(|sid| !stored.contains(**sid)).count();
    routers.stop().await?;
    drop(proxy);
    Ok(Report {
        outcomes,
        spooled,
        drained_after,
        distinct_acked: acked.len(),
        rows: counts.rows,
        distinct_rows: counts.distinct_sids,
        lost,
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

/// What sms_inbound holds: its counts and every MessageSid.
async fn stored_sids(url: &str) -> anyhow::Result<(Counts, HashSet<String>)> {
    use nudge_store::diesel_async::RunQueryDsl;
    let db = Db::connect(&nudge_config::DatabaseSettings {
        url: url.to_owned(),
        ..Default::default()
    })?;
    let mut conn = db.conn().await?;
    let counts: Counts = with_conn!(&mut conn, c => {
        diesel::sql_query(
            "SELECT COUNT(*) AS rows, COUNT(DISTINCT message_sid) AS distinct_sids FROM sms_inbound",
        )
        .get_result(c)
        .await
    })?;
    let stored: Vec<Sid> = with_conn!(&mut conn, c => {
        diesel::sql_query("SELECT message_sid FROM sms_inbound").load(c).await
    })?;
    Ok((counts, stored.into_iter().map(|s| s.message_sid).collect()))
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
        println!(
            "- Exactly once: {} distinct MessageSids acknowledged; sms_inbound holds {} rows, {} distinct \
             MessageSids; {} acknowledged MessageSids missing.",
            self.distinct_acked, self.rows, self.distinct_rows, self.lost
        );
        let verdict = if self.lost == 0 && self.rows == self.distinct_rows && self.rows as usize == self.distinct_acked
        {
            "**none lost, none doubled**"
        } else {
            "**MISMATCH**"
        };
        println!("- Check: {verdict}.");
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
