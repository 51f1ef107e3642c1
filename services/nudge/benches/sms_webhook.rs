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
//! `seconds=S` (60), `people=P` (1000). Results are Markdown on standard
//! output; see `docs/benchmarks.md`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use diesel::QueryableByName;
use futures::StreamExt as _;
use nudge_harness::bench::{
    ACCOUNT_SID, Running, SmsRouters, free_port, load_average, nudge_binary, person_number, person_phone,
    print_latency_row, print_machine, scratch_dir,
};
use nudge_sms_router::client::{AssignNumberRequest, SmsRouterServiceClient};
use nudge_store::{Db, with_conn};

/// The public URL Twilio signs; the load goes to the replicas directly.
const PUBLIC_BASE_URL: &str = "https://sms.nudge.example.test";
const WARM_UP: Duration = Duration::from_secs(5);
/// More requests than this waiting for an answer: the generator stops counting them as sent.
const MAX_IN_FLIGHT: usize = 5_000;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const TASKS: [&str; 7] = [
    "drink water",
    "take my meds",
    "call the dentist",
    "stretch",
    "pay the electricity bill",
    "start the laundry",
    "reply to Sam",
];

struct Config {
    replicas: usize,
    rate: u32,
    seconds: u64,
    people: usize,
}

fn main() -> anyhow::Result<()> {
    let mut config = Config {
        replicas: 2,
        rate: 1000,
        seconds: 60,
        people: 1000,
    };
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        let (key, value) = arg.split_once('=').context("options are key=value")?;
        match key {
            "replicas" => config.replicas = value.parse()?,
            "rate" => config.rate = value.parse()?,
            "seconds" => config.seconds = value.parse()?,
            "people" => config.people = value.parse()?,
            other => bail!("unknown option {other:?}: replicas, rate, seconds, people"),
        }
    }
    ensure!(
        config.replicas >= 1 && config.rate >= 1 && config.people >= 1,
        "options must be positive"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    println!("# sms-router webhook benchmark (distributed mode)\n");
    print_machine();
    let report = runtime.block_on(run(&config))?;
    report.print(&config);
    println!("Load average at the end: {}", load_average());
    Ok(())
}

// ---------------------------------------------------------------- load

/// One webhook, built and signed before the run.
struct Prepared {
    replica: usize,
    sid: usize,
    body: String,
    signature: String,
}

/// What happened to one request.
struct Outcome {
    /// When it was due, when it left, when its answer came.
    due: Instant,
    left: Instant,
    answered: Instant,
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

/// The run's requests, in order: fresh messages, Twilio retries of earlier
/// ones (one in 25, to the other replica) and simultaneous doubles (one in
/// 100, to both replicas at once, as two consecutive requests).
fn prepare(count: usize, first_sid: usize, config: &Config, auth_token: &str) -> (Vec<Prepared>, Vec<String>) {
    let url = format!("{PUBLIC_BASE_URL}/twilio/sms");
    let mut sids: Vec<String> = Vec::new();
    let mut requests: Vec<Prepared> = Vec::with_capacity(count);
    let mut built: Vec<(String, String)> = Vec::new();
    while requests.len() < count {
        let index = requests.len();
        let replica = index % config.replicas;
        if index % 25 == 24 && requests.len() >= 10 {
            // A retry of the request ten before, to another replica.
            let earlier = &requests[index - 10];
            let (body, signature) = built[index - 10].clone();
            let sid = earlier.sid;
            requests.push(Prepared {
                replica: (earlier.replica + 1) % config.replicas,
                sid,
                body: body.clone(),
                signature: signature.clone(),
            });
            built.push((body, signature));
            continue;
        }
        let sid_index = first_sid + sids.len();
        let sid = format!("SM{:032x}", u128::try_from(sid_index).unwrap_or(0) * 7_919 + 0xbe7c4);
        let person = sid_index % config.people;
        let text = format!(
            "remind me in {} minutes to {}",
            10 + sid_index % 50,
            TASKS[sid_index % TASKS.len()]
        );
        let params: Vec<(String, String)> = [
            ("ToCountry", "CA"),
            ("ToState", "QC"),
            ("SmsMessageSid", sid.as_str()),
            ("NumMedia", "0"),
            ("ToCity", "MONTREAL"),
            ("FromZip", ""),
            ("SmsSid", sid.as_str()),
            ("FromState", "QC"),
            ("SmsStatus", "received"),
            ("FromCity", "MONTREAL"),
            ("Body", text.as_str()),
            ("FromCountry", "CA"),
            ("To", person_number(person).as_str()),
            ("ToZip", ""),
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
        let body = form_encode(&params);
        sids.push(sid);
        let sid = sids.len() - 1;
        requests.push(Prepared {
            replica,
            sid,
            body: body.clone(),
            signature: signature.clone(),
        });
        built.push((body.clone(), signature.clone()));
        if index % 100 == 50 && config.replicas > 1 && requests.len() < count {
            // The same delivery to the other replica at the same instant.
            requests.push(Prepared {
                replica: (replica + 1) % config.replicas,
                sid,
                body: body.clone(),
                signature: signature.clone(),
            });
            built.push((body, signature));
        }
    }
    (requests, sids)
}

/// Sends `requests` open loop at `rate` per second; returns every outcome and
/// how many were not sent because too many were waiting.
async fn generate(requests: Vec<Prepared>, rate: u32, ports: &[u16]) -> anyhow::Result<(Vec<Outcome>, usize)> {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(1024)
        .build()?;
    let urls: Vec<Arc<str>> = ports
        .iter()
        .map(|port| Arc::from(format!("http://127.0.0.1:{port}/twilio/sms")))
        .collect();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut skipped = 0;
    let period = Duration::from_secs(1) / rate;
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(requests.len());
    for (index, request) in requests.into_iter().enumerate() {
        let due = start + period * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            skipped += 1;
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (http, url, in_flight) = (http.clone(), urls[request.replica].clone(), in_flight.clone());
        tasks.push(tokio::spawn(async move {
            let left = Instant::now();
            let status = http
                .post(&*url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", &request.signature)
                .header("User-Agent", "TwilioProxy/1.1")
                .body(request.body)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16());
            in_flight.fetch_sub(1, Ordering::Relaxed);
            Outcome {
                due: due.into_std(),
                left,
                answered: Instant::now(),
                status,
                sid: request.sid,
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    Ok((outcomes, skipped))
}

// ---------------------------------------------------------------- run

struct Report {
    sent: usize,
    skipped: usize,
    ok: usize,
    errors: HashMap<u16, usize>,
    span: Duration,
    from_due: Vec<Duration>,
    from_sent: Vec<Duration>,
    late_starts: Vec<Duration>,
    distinct_acked: usize,
    rows: i64,
    distinct_rows: i64,
    lost: usize,
    cpu: Vec<(String, Duration)>,
    measured: Duration,
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

async fn run(config: &Config) -> anyhow::Result<Report> {
    let binary = nudge_binary(env!("CARGO_BIN_EXE_nudge"), "sms_webhook")?;
    let dir = scratch_dir()?;
    let auth_token = format!("bench{}", uuid::Uuid::new_v4().simple());
    let closed_agent_port = free_port()?;
    let ports: Vec<(u16, u16)> = (0..config.replicas)
        .map(|_| Ok((free_port()?, free_port()?)))
        .collect::<anyhow::Result<_>>()?;
    let mut routers = SmsRouters::start(
        &binary,
        dir.path(),
        &ports,
        &auth_token,
        vec![
            ("NUDGE__TWILIO__PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_owned()),
            // Nothing is sent in this benchmark; Twilio's API is never called.
            ("NUDGE__TWILIO__API_BASE_URL", "http://127.0.0.1:1".to_owned()),
            // The agent is absent: its port is closed.
            (
                "NUDGE__SERVICES__AGENT__URL",
                format!("http://127.0.0.1:{closed_agent_port}"),
            ),
        ],
    )
    .await?;
    let http_ports = routers.http_ports.clone();

    // The people and their numbers.
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
                    number_only: true,
                })
                .await
        }
    });
    let results: Vec<_> = futures::stream::iter(assignments).buffer_unordered(50).collect().await;
    for result in results {
        result.context("AssignNumber")?;
    }

    // Warm-up: the same load, not measured (connections, caches, JIT of the planner).
    let warm_count = usize::try_from(WARM_UP.as_secs() * u64::from(config.rate)).unwrap_or(0);
    let (warm_requests, warm_sids) = prepare(warm_count, 0, config, &auth_token);
    let (warm, _) = generate(warm_requests, config.rate, &http_ports).await?;
    ensure!(
        warm.iter().filter(|o| o.status == 200).count() > warm.len() * 9 / 10,
        "the warm-up failed: {:?}",
        warm.iter().map(|o| o.status).collect::<HashSet<_>>()
    );

    let count = usize::try_from(config.seconds * u64::from(config.rate)).unwrap_or(0);
    let (requests, sids) = prepare(count, warm_sids.len(), config, &auth_token);
    let cpu_before: Vec<Duration> = routers.replicas.iter().map(Running::cpu).collect();
    let measured_start = Instant::now();
    let (outcomes, skipped) = generate(requests, config.rate, &http_ports).await?;
    let measured = measured_start.elapsed();
    let cpu: Vec<(String, Duration)> = routers
        .replicas
        .iter()
        .zip(cpu_before)
        .map(|(r, before)| (r.name.clone(), r.cpu().saturating_sub(before)))
        .collect();
    for replica in &mut routers.replicas {
        replica.ensure_alive()?;
    }

    // The database: one row per distinct MessageSid acknowledged.
    let (counts, stored) = stored_sids(&routers.database.url).await?;
    let acked: HashSet<&str> = outcomes
        .iter()
        .filter(|o| o.status == 200)
        .map(|o| sids[o.sid].as_str())
        .chain(
            warm.iter()
                .filter(|o| o.status == 200)
                .map(|o| warm_sids[o.sid].as_str()),
        )
        .collect();
    let lost = acked.iter().filter(|sid| !stored.contains(**sid)).count();

    routers.stop().await?;

    let mut errors: HashMap<u16, usize> = HashMap::new();
    for outcome in outcomes.iter().filter(|o| o.status != 200) {
        *errors.entry(outcome.status).or_default() += 1;
    }
    let first_due = outcomes.iter().map(|o| o.due).min().context("no requests")?;
    let last_answer = outcomes.iter().map(|o| o.answered).max().context("no requests")?;
    let ok: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 200).collect();
    Ok(Report {
        sent: outcomes.len(),
        skipped,
        ok: ok.len(),
        errors,
        span: last_answer - first_due,
        from_due: ok.iter().map(|o| o.answered - o.due).collect(),
        from_sent: ok.iter().map(|o| o.answered - o.left).collect(),
        late_starts: outcomes
            .iter()
            .map(|o| o.left.saturating_duration_since(o.due))
            .collect(),
        distinct_acked: acked.len(),
        rows: counts.rows,
        distinct_rows: counts.distinct_sids,
        lost,
        cpu,
        measured,
    })
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
        println!("| Measure | Count | p50 | p90 | p99 | p99.9 | max | mean |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (name, values) in [
            (
                "**Acknowledgement latency, from the request's due time** (ms)",
                &self.from_due,
            ),
            ("Acknowledgement latency, from the moment it left (ms)", &self.from_sent),
            ("Generator lateness: left − due (ms)", &self.late_starts),
        ] {
            print_latency_row(name, values);
        }
        println!();
        println!(
            "- Requests: {} sent, {} answered 200, errors {:?}, {} not sent (more than {MAX_IN_FLIGHT} waiting).",
            self.sent, self.ok, self.errors, self.skipped
        );
        println!(
            "- Achieved rate: {:.1} requests/s answered 200 ({} in {:.2} s, first due to last answer).",
            self.ok as f64 / self.span.as_secs_f64(),
            self.ok,
            self.span.as_secs_f64()
        );
        println!(
            "- Exactly once (warm-up included): {} distinct MessageSids acknowledged; sms_inbound holds {} rows, \
             {} distinct MessageSids; {} acknowledged MessageSids missing.",
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
                "- CPU of {name} during the measured run: {:.1} s over {:.1} s ({:.0} % of one core).",
                cpu.as_secs_f64(),
                self.measured.as_secs_f64(),
                100.0 * cpu.as_secs_f64() / self.measured.as_secs_f64()
            );
        }
        println!();
    }
}
