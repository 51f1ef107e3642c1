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
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use nudge_harness::bench::load::{LoadFigures, Outcome, cpu_share, load_client, open_loop, warmed_up};
use nudge_harness::bench::options::Options;
use nudge_harness::bench::{
    Running, dev_ports_environment, distributed_environment, free_port, load_average, migrate, millis, new_auth_token,
    nudge_binary, nudge_command, print_machine, print_percentiles_row, runtime, scratch_dir,
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
    let options = Options::from_arguments_and_words(&["logins", "rate", "seconds"], &["embedded", "distributed"])?;
    let mut config = Config {
        modes: options
            .words()
            .iter()
            .map(|word| match word.as_str() {
                "embedded" => Mode::Embedded,
                _ => Mode::Distributed,
            })
            .collect(),
        logins: options.positive("logins", 50)?,
        rate: options.positive("rate", 1000)?,
        seconds: options.positive("seconds", 30)?,
    };
    if config.modes.is_empty() {
        config.modes = vec![Mode::Embedded, Mode::Distributed];
    }
    let runtime = runtime()?;
    println!("# api benchmark: login latency and an authenticated GET\n");
    print_machine();
    println!("argon2id: m = 19456 KiB, t = 2, p = 1 (the defaults)\n");
    let mut failures = Vec::new();
    for mode in config.modes.clone() {
        println!("## {}\n", mode.title());
        println!("Load average at the start: {}\n", load_average());
        let report = runtime.block_on(run(mode, &config))?;
        report.print(&config);
        if !report.load.errors.is_empty() || report.load.skipped > 0 {
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
            let (ports, mut env) = dev_ports_environment()?;
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
            let mut env: HashMap<String, String> = distributed_environment(database.url.clone(), &prefix, &key)
                .into_iter()
                .chain([
                    (
                        "NUDGE__TWILIO__ACCOUNT_SID",
                        "AC0123456789abcdef0123456789abcdef".to_owned(),
                    ),
                    ("NUDGE__SMS__VERIFICATION_NUMBER", "+15005550006".to_owned()),
                    ("NUDGE__TWILIO__AUTH_TOKEN", new_auth_token()),
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
                ])
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            env.extend(raised_limits(rate));
            migrate(&binary, &env, dir, Duration::from_secs(60)).await?;
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

struct Report {
    signup: Duration,
    logins: Vec<Duration>,
    load: LoadFigures,
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
    ensure!(warmed_up(&warm), "the warm-up failed");
    api.process.ensure_alive()?;

    let count = usize::try_from(config.seconds * u64::from(config.rate))?;
    let cpu_before = api.process.cpu();
    let measured_start = Instant::now();
    let (outcomes, skipped) = generate(count, config.rate, &url, &authorization).await?;
    let measured = measured_start.elapsed();
    let cpu = api.process.cpu().saturating_sub(cpu_before);
    api.process.ensure_alive()?;

    Ok(Report {
        signup,
        logins,
        load: LoadFigures::of(&outcomes, skipped)?,
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
    let http = load_client(REQUEST_TIMEOUT)?;
    open_loop(vec![(); count], rate, MAX_IN_FLIGHT, |()| {
        let (http, url, authorization) = (http.clone(), url.clone(), authorization.clone());
        let answer = async move {
            match http.get(&*url).header("Authorization", &*authorization).send().await {
                // The body is read, as a client would.
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.bytes().await {
                        Ok(_) => status,
                        Err(_) => 0,
                    }
                }
                Err(_) => 0,
            }
        };
        (0, answer)
    })
    .await
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
        print_percentiles_row("**Login latency**", &self.logins, &[50.0, 95.0, 99.0]);
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
        self.load.print_latencies([
            "**Latency from the request's due time**",
            "Latency from the moment it left",
            "Generator lateness: left − due",
        ]);
        self.load.print_requests(" (0: no answer)", MAX_IN_FLIGHT);
        println!("{}.\n", cpu_share("the api process", self.cpu, self.measured));
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
