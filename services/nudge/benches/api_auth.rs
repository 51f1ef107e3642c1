//! The api's login latency and an authenticated GET at a sustained rate:
//! `cargo bench -p nudge --bench api_auth`.
//!
//! The api runs from the release binary, in a process of its own:
//!
//! - **embedded**: `nudge dev --no-repl` (the four services in one process,
//!   SQLite, `memory://` cache);
//! - **distributed**: `nudge migrate`, then `nudge serve api` alone on this
//!   machine's PostgreSQL and Redis (`GET /v1/me` needs no other service).
//!
//! Passwords are hashed with the documented defaults (argon2id, m = 19456
//! KiB, t = 2, p = 1), not the reduced ones of the tests. The rate limits are
//! raised through their configuration keys (`api.anonymous_per_minute`,
//! `api.authenticated_per_minute`, `api.premium_per_minute`), otherwise the
//! limits, not the api, would be measured. No login fails, so the lockout
//! (`api.login_max_failures`) is never reached and is left as it is.
//!
//! 1. One account signs up, then logs in `logins` times, one after the other
//!    (after 3 unmeasured logins). Every answer must be 200 with a token.
//! 2. `GET /v1/me` with that account's access token, **open loop**: request
//!    `i` is due at `start + i / rate`, whatever happened to the earlier ones;
//!    latency is measured from the due time (no coordinated omission). 2 s of
//!    warm-up at the same rate, then `seconds` measured. Each request checks
//!    the token (HS256), then the revocation entry, the per-person counter
//!    and the account's stamp in the cache (one round trip with Redis); the
//!    answer comes from the api's memory while the stamp has not changed,
//!    else from the database. In distributed mode the benchmark also counts
//!    what the api asked of PostgreSQL and Redis (their own statistics).
//!
//! Options after `--`: `embedded` or `distributed` (both by default),
//! `logins=N` (50), `rate=R` per second (1000), `seconds=S` (30). Results are
//! Markdown on standard output; see `docs/benchmarks.md`. The benchmark exits
//! with an error if any answer is not a 200. No token, email or password is
//! printed or logged.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use nudge_harness::bench::{
    Running, free_port, load_average, millis, nudge_binary, nudge_command, percentile, print_latency_row,
    print_machine, scratch_dir, sorted_with_mean, tail,
};
use serde_json::{Value, json};

const WARM_UP: Duration = Duration::from_secs(2);
const WARM_UP_LOGINS: usize = 3;
/// More requests than this waiting for an answer: the generator stops sending.
const MAX_IN_FLIGHT: usize = 5_000;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const PASSWORD: &str = "benchmark horse battery staple";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Embedded,
    Distributed,
}

impl Mode {
    fn title(self) -> &'static str {
        match self {
            Mode::Embedded => "embedded mode (`nudge dev --no-repl`: SQLite, in-process cache)",
            Mode::Distributed => "distributed mode (`nudge serve api` alone: PostgreSQL, Redis)",
        }
    }
}

struct Config {
    modes: Vec<Mode>,
    logins: usize,
    rate: u32,
    seconds: u64,
}

fn main() -> anyhow::Result<()> {
    let mut config = Config {
        modes: Vec::new(),
        logins: 50,
        rate: 1000,
        seconds: 30,
    };
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        match arg.split_once('=') {
            None if arg == "embedded" => config.modes.push(Mode::Embedded),
            None if arg == "distributed" => config.modes.push(Mode::Distributed),
            Some(("logins", v)) => config.logins = v.parse()?,
            Some(("rate", v)) => config.rate = v.parse()?,
            Some(("seconds", v)) => config.seconds = v.parse()?,
            _ => bail!("unknown option {arg:?}: embedded, distributed, logins=N, rate=R, seconds=S"),
        }
    }
    if config.modes.is_empty() {
        config.modes = vec![Mode::Embedded, Mode::Distributed];
    }
    ensure!(
        config.logins >= 1 && config.rate >= 1 && config.seconds >= 1,
        "options must be positive"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    println!("# api benchmark: login latency and an authenticated GET\n");
    print_machine();
    println!("argon2id: m = 19456 KiB, t = 2, p = 1 (the defaults)\n");
    let mut failures = Vec::new();
    for mode in config.modes.clone() {
        println!("## {}\n", mode.title());
        println!("Load average at the start: {}\n", load_average());
        let report = runtime.block_on(run(mode, &config))?;
        report.print(&config);
        if !report.errors.is_empty() || report.skipped > 0 {
            failures.push(mode.title());
        }
        println!("Load average at the end: {}\n", load_average());
    }
    ensure!(failures.is_empty(), "some requests failed in: {failures:?}");
    Ok(())
}

/// The rate limits, raised so that the api is measured and not its limits.
fn raised_limits(rate: u32) -> Vec<(String, String)> {
    // One person sends `rate` requests per second, in fixed one-minute windows.
    let per_minute = (u64::from(rate) * 60 * 2).to_string();
    [
        ("NUDGE__API__ANONYMOUS_PER_MINUTE", "1000".to_owned()),
        ("NUDGE__API__AUTHENTICATED_PER_MINUTE", per_minute.clone()),
        ("NUDGE__API__PREMIUM_PER_MINUTE", per_minute),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The api, started for `mode`; the database it uses is dropped with it.
struct Api {
    process: Running,
    port: u16,
    database: Option<nudge_testkit::TestDatabase>,
}

async fn start_api(mode: Mode, dir: &Path, rate: u32) -> anyhow::Result<Api> {
    let binary = nudge_binary(env!("CARGO_BIN_EXE_nudge"), "api_auth")?;
    match mode {
        Mode::Embedded => {
            let ports = [free_port()?, free_port()?, free_port()?, free_port()?, free_port()?];
            let mut env: HashMap<String, String> = [
                ("NUDGE__SERVICES__API__PORT", ports[0]),
                ("NUDGE__SERVICES__AGENT__PORT", ports[1]),
                ("NUDGE__SERVICES__WORKERS__PORT", ports[2]),
                ("NUDGE__SERVICES__SMS_ROUTER__PORT", ports[3]),
                ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", ports[4]),
            ]
            .into_iter()
            .map(|(k, port)| (k.to_owned(), port.to_string()))
            .chain([("NUDGE__SMS__CONSOLE_ECHO".to_owned(), "false".to_owned())])
            .collect();
            env.extend(raised_limits(rate));
            let data_dir = dir.join("data");
            let data_dir = data_dir.to_str().context("the temporary directory is not UTF-8")?;
            let command = nudge_command(&binary, &["dev", "--no-repl", "--data-dir", data_dir], &env);
            let mut process = Running::spawn("nudge dev --no-repl", command, dir.join("dev.log"))?;
            process.wait_ready(ports[0]).await?;
            Ok(Api {
                process,
                port: ports[0],
                database: None,
            })
        }
        Mode::Distributed => {
            let database = nudge_testkit::TestDatabase::postgres().await;
            let prefix = nudge_testkit::unique_name("nudge-bench-");
            let key = nudge_secure::KeyRing::generate_key();
            let port = free_port()?;
            // The other services are absent: their ports are closed (GET /v1/me never calls them).
            let closed = format!("http://127.0.0.1:{}", free_port()?);
            let mut env: HashMap<String, String> = [
                ("NUDGE__MODE", "distributed".to_owned()),
                ("NUDGE__DATABASE__URL", database.url.clone()),
                ("NUDGE__QUEUE__URL", nudge_testkit::rabbitmq_url()),
                ("NUDGE__QUEUE__PREFIX", prefix.clone()),
                ("NUDGE__CACHE__URL", nudge_testkit::redis_url()),
                ("NUDGE__CACHE__PREFIX", prefix),
                ("NUDGE__CRYPTO__ACTIVE_KEY", "k1".to_owned()),
                ("NUDGE__CRYPTO__KEYS__K1", key.expose_secret().to_owned()),
                (
                    "NUDGE__TWILIO__ACCOUNT_SID",
                    "AC0123456789abcdef0123456789abcdef".to_owned(),
                ),
                ("NUDGE__SMS__VERIFICATION_NUMBER", "+15005550006".to_owned()),
                (
                    "NUDGE__TWILIO__AUTH_TOKEN",
                    format!("bench{}", uuid::Uuid::new_v4().simple()),
                ),
                (
                    "NUDGE__TWILIO__PUBLIC_BASE_URL",
                    "https://sms.nudge.example.test".to_owned(),
                ),
                ("NUDGE__TWILIO__API_BASE_URL", "http://127.0.0.1:1".to_owned()),
                ("NUDGE__SERVICES__API__PORT", port.to_string()),
                ("NUDGE__SERVICES__AGENT__URL", closed.clone()),
                ("NUDGE__SERVICES__WORKERS__URL", closed.clone()),
                ("NUDGE__SERVICES__SMS_ROUTER__URL", closed),
                ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "10".to_owned()),
                ("NUDGE__DEMO__ENABLED", "false".to_owned()),
                ("NUDGE__TELEMETRY__FILTER", "info".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            env.extend(raised_limits(rate));
            let mut migrate = Running::spawn(
                "nudge migrate",
                nudge_command(&binary, &["migrate"], &env),
                dir.join("migrate.log"),
            )?;
            ensure!(
                migrate.finish(Duration::from_secs(60)).await?.success(),
                "nudge migrate failed:\n{}",
                tail(&migrate.log)
            );
            let command = nudge_command(&binary, &["serve", "api"], &env);
            let mut process = Running::spawn("nudge serve api", command, dir.join("api.log"))?;
            process.wait_ready(port).await?;
            Ok(Api {
                process,
                port,
                database: Some(database),
            })
        }
    }
}

// ---------------------------------------------------------------- run

struct Outcome {
    due: Instant,
    left: Instant,
    answered: Instant,
    status: u16,
}

struct Report {
    signup: Duration,
    logins: Vec<Duration>,
    sent: usize,
    skipped: usize,
    ok: usize,
    errors: BTreeMap<u16, usize>,
    span: Duration,
    from_due: Vec<Duration>,
    from_sent: Vec<Duration>,
    late_starts: Vec<Duration>,
    cpu: Duration,
    measured: Duration,
    /// GETs sent over the api's life (warm-up and measured).
    gets: usize,
    round_trips: Option<RoundTrips>,
}

async fn run(mode: Mode, config: &Config) -> anyhow::Result<Report> {
    let dir = scratch_dir()?;
    let redis_before = redis_calls();
    let mut api = start_api(mode, dir.path(), config.rate).await?;
    let result = measure(&mut api, config).await;
    let stopped = api.process.stop().await;
    let mut report = result?;
    stopped?;
    if mode == Mode::Distributed {
        // The api's connections are closed: PostgreSQL has counted their transactions.
        tokio::time::sleep(Duration::from_millis(500)).await;
        report.round_trips = Some(RoundTrips {
            postgres_transactions: api.database.as_ref().and_then(|db| postgres_transactions(&db.url)),
            redis_calls: match (redis_before, redis_calls()) {
                (Some(before), Some(after)) => Some(
                    after
                        .into_iter()
                        .map(|(command, n)| {
                            let delta = n.saturating_sub(before.get(&command).copied().unwrap_or(0));
                            (command, delta)
                        })
                        .filter(|(_, n)| *n > 0)
                        .collect(),
                ),
                _ => None,
            },
        });
    }
    Ok(report)
}

/// What the api asked of its servers over its whole life (sign-up, logins,
/// warm-up and measured GETs), from the servers' own statistics.
struct RoundTrips {
    /// Committed and rolled back transactions in the benchmark's database
    /// (each query outside a transaction is one).
    postgres_transactions: Option<u64>,
    /// Calls per command on the Redis server (shared: other clients' calls
    /// at the same time are counted too).
    redis_calls: Option<BTreeMap<String, u64>>,
}

/// `psql`: the transactions counted in the database of `url`.
fn postgres_transactions(url: &str) -> Option<u64> {
    let output = std::process::Command::new("psql")
        .args([
            url,
            "-Atc",
            "SELECT xact_commit + xact_rollback FROM pg_statdatabase WHERE datname = currentdatabase()",
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// `redis-cli INFO commandstats`: calls per command so far.
fn redis_calls() -> Option<BTreeMap<String, u64>> {
    let output = std::process::Command::new("redis-cli")
        .args(["-u", &nudge_testkit::redis_url(), "INFO", "commandstats"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let calls: BTreeMap<String, u64> = text
        .lines()
        .filter_map(|line| {
            let (command, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest.split(',').find_map(|f| f.strip_prefix("calls="))?.parse().ok()?;
            Some((command.to_owned(), calls))
        })
        .collect();
    (!calls.is_empty()).then_some(calls)
}

async fn measure(api: &mut Api, config: &Config) -> anyhow::Result<Report> {
    let base = format!("http://127.0.0.1:{}", api.port);
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build()?;
    // A fresh address each run; never printed.
    let email = format!("bench-{}@example.test", uuid::Uuid::new_v4().simple());

    let started = Instant::now();
    let response = http
        .post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?;
    let signup = started.elapsed();
    ensure!(
        response.status().as_u16() == 202,
        "signup answered {}",
        response.status()
    );
    // Sign-up answers no tokens (the same answer for a taken email): the
    // person's id comes from a first login.
    let user_id = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json::<Value>()
        .await?["user_id"]
        .as_str()
        .context("login: no user_id")?
        .to_owned();

    // Logins, one after the other; the last token is used for the GETs.
    let mut logins = Vec::with_capacity(config.logins);
    let mut token = String::new();
    for index in 0..WARM_UP_LOGINS + config.logins {
        let started = Instant::now();
        let response = http
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        let elapsed = started.elapsed();
        ensure!(status.as_u16() == 200, "login {index} answered {status}");
        ensure!(body["user_id"] == user_id.as_str(), "login {index}: another user_id");
        token = body["access_token"]
            .as_str()
            .context("login: no access_token")?
            .to_owned();
        if index >= WARM_UP_LOGINS {
            logins.push(elapsed);
        }
    }

    // The GET answers the right person.
    let me: Value = http
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(me["id"] == user_id.as_str(), "GET /v1/me: another person");

    let url: Arc<str> = Arc::from(format!("{base}/v1/me"));
    let authorization: Arc<str> = Arc::from(format!("Bearer {token}"));
    let warm_count = usize::try_from(WARM_UP.as_secs() * u64::from(config.rate))?;
    let (warm, _) = generate(warm_count, config.rate, &url, &authorization).await?;
    ensure!(
        warm.iter().filter(|o| o.status == 200).count() > warm.len() * 9 / 10,
        "the warm-up failed"
    );
    api.process.ensure_alive()?;

    let count = usize::try_from(config.seconds * u64::from(config.rate))?;
    let cpu_before = api.process.cpu();
    let measured_start = Instant::now();
    let (outcomes, skipped) = generate(count, config.rate, &url, &authorization).await?;
    let measured = measured_start.elapsed();
    let cpu = api.process.cpu().saturating_sub(cpu_before);
    api.process.ensure_alive()?;

    let mut errors: BTreeMap<u16, usize> = BTreeMap::new();
    for outcome in outcomes.iter().filter(|o| o.status != 200) {
        *errors.entry(outcome.status).or_default() += 1;
    }
    let first_due = outcomes.iter().map(|o| o.due).min().context("no requests")?;
    let last_answer = outcomes.iter().map(|o| o.answered).max().context("no requests")?;
    let ok: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 200).collect();
    Ok(Report {
        signup,
        logins,
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
        cpu,
        measured,
        gets: warm.len() + outcomes.len(),
        round_trips: None,
    })
}

/// Sends `count` GETs open loop at `rate` per second; returns every outcome
/// (status 0: no answer) and how many were not sent because too many were waiting.
async fn generate(
    count: usize,
    rate: u32,
    url: &Arc<str>,
    authorization: &Arc<str>,
) -> anyhow::Result<(Vec<Outcome>, usize)> {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(1024)
        .build()?;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut skipped = 0;
    let period = Duration::from_secs(1) / rate;
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        let due = start + period * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            skipped += 1;
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (http, url, authorization, in_flight) =
            (http.clone(), url.clone(), authorization.clone(), in_flight.clone());
        tasks.push(tokio::spawn(async move {
            let left = Instant::now();
            let status = match http.get(&*url).header("Authorization", &*authorization).send().await {
                // The body is read, as a client would.
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.bytes().await {
                        Ok(_) => status,
                        Err(_) => 0,
                    }
                }
                Err(_) => 0,
            };
            in_flight.fetch_sub(1, Ordering::Relaxed);
            Outcome {
                due: due.into_std(),
                left,
                answered: Instant::now(),
                status,
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    Ok((outcomes, skipped))
}

// ---------------------------------------------------------------- report

impl Report {
    fn print(&self, config: &Config) {
        println!(
            "Login: `POST /v1/auth/login`, {} in a row (after {WARM_UP_LOGINS} not counted), one account. \
             Figures in milliseconds.\n",
            config.logins
        );
        println!("| Measure | Count | p50 | p95 | p99 | max | mean |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let (sorted, mean) = sorted_with_mean(&self.logins);
        println!(
            "| **Login latency** | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            sorted.len(),
            millis(percentile(&sorted, 50.0)),
            millis(percentile(&sorted, 95.0)),
            millis(percentile(&sorted, 99.0)),
            millis(sorted.last().copied().unwrap_or_default()),
            mean
        );
        println!(
            "\n- Sign-up (one, argon2 hash included): {:.2} ms.\n",
            millis(self.signup)
        );

        println!(
            "Authenticated GET: `GET /v1/me`, {} requests/s for {} s, open loop, one access token \
             (after {} s of warm-up). Figures in milliseconds.\n",
            config.rate,
            config.seconds,
            WARM_UP.as_secs()
        );
        println!("| Measure | Count | p50 | p90 | p99 | p99.9 | max | mean |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (name, values) in [
            ("**Latency from the request's due time**", &self.from_due),
            ("Latency from the moment it left", &self.from_sent),
            ("Generator lateness: left − due", &self.late_starts),
        ] {
            print_latency_row(name, values);
        }
        println!();
        println!(
            "- Requests: {} sent, {} answered 200, errors {:?} (0: no answer), {} not sent (more than {MAX_IN_FLIGHT} waiting).",
            self.sent, self.ok, self.errors, self.skipped
        );
        println!(
            "- Achieved rate: {:.1} requests/s answered 200 ({} in {:.2} s, first due to last answer).",
            self.ok as f64 / self.span.as_secs_f64(),
            self.ok,
            self.span.as_secs_f64()
        );
        println!(
            "- CPU of the api process during the measured run: {:.1} s over {:.1} s ({:.0} % of one core).\n",
            self.cpu.as_secs_f64(),
            self.measured.as_secs_f64(),
            100.0 * self.cpu.as_secs_f64() / self.measured.as_secs_f64()
        );
        if let Some(trips) = &self.round_trips {
            let per_get = |n: u64| n as f64 / self.gets as f64;
            match trips.postgres_transactions {
                Some(n) => println!(
                    "- PostgreSQL transactions over the api's life (sign-up, {} logins, {} GETs): {n}, {:.3} per GET.",
                    WARM_UP_LOGINS + config.logins,
                    self.gets,
                    per_get(n)
                ),
                None => println!("- PostgreSQL transactions: not measured (`psql` missing or failed)."),
            }
            match &trips.redis_calls {
                Some(calls) => {
                    let total: u64 = calls.values().sum();
                    let by_command: Vec<String> = calls.iter().map(|(c, n)| format!("{c} {n}")).collect();
                    println!(
                        "- Redis calls over the same time (the whole server, other clients included): {total}, \
                         {:.3} per GET ({}).",
                        per_get(total),
                        by_command.join(", ")
                    );
                }
                None => println!("- Redis calls: not measured (`redis-cli` missing or failed)."),
            }
            println!();
        }
    }
}
