//! What the benchmarks share: the machine's description, the `nudge`
//! processes they start (killed when dropped), free ports, a scratch
//! directory, and sms-router alone in distributed mode (`SmsRouters`).
//! Errors are `anyhow`'s: a benchmark reports them and stops. Its modules
//! hold what only some benchmarks share: their options, the open-loop load
//! generator, Twilio webhooks, and the SMS benchmarks' helpers.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use chrono::Utc;

pub mod load;
pub mod options;
pub mod sms;
pub mod webhooks;

/// How long a service may take to answer `/readyz`.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// What the people of the benchmarks ask to be reminded of, in turn, so that
/// no two consecutive texts match.
pub const TASKS: [&str; 7] = [
    "drink water",
    "take my meds",
    "call the dentist",
    "stretch",
    "pay the electricity bill",
    "start the laundry",
    "reply to Sam",
];

/// The multi-threaded runtime a benchmark's `main` runs its work on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The machine the figures were measured on, as Markdown lines on standard output.
#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
pub fn print_machine() {
    let model = cpu_model().unwrap_or_else(|| "unknown CPU".to_owned());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| status_kib(&m, "MemTotal:"))
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
        );
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!("- Date: {} (UTC)", Utc::now().format("%Y-%m-%d %H:%M"));
    println!(
        "- Machine: {cpus} × {model} (nproc = {cpus}), {memory} RAM, Linux {}",
        kernel.trim()
    );
    println!("- Build: `bench` profile (= release)");
    println!("- Load average at the start: {}\n", load_average());
}

/// The CPU's model name, from `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo.lines().find_map(|line| {
        line.strip_prefix("model name")?
            .split_once(':')
            .map(|(_, m)| m.trim().to_owned())
    })
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// A whole benchmark run the common way: the `# {title}` heading and the
/// machine, then `work` on `config` on a [`runtime`], the `report` of what it
/// answered, and the load average at the end. Answers what `work` answered,
/// for checks after the report.
#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
pub fn run_and_report<C, T>(
    title: &str,
    config: &C,
    work: impl AsyncFnOnce(&C) -> anyhow::Result<T>,
    report: impl FnOnce(&T, &C),
) -> anyhow::Result<T> {
    let runtime = runtime()?;
    println!("# {title}\n");
    print_machine();
    let result = runtime.block_on(work(config))?;
    report(&result, config);
    println!("Load average at the end: {}", load_average());
    Ok(result)
}

/// A Twilio auth token of its own for one run, so that no other run's
/// webhooks pass its signature check.
pub fn new_auth_token() -> String {
    format!("bench{}", uuid::Uuid::new_v4().simple())
}

/// A temporary directory for data and logs, removed at the end unless
/// `NUDGE_BENCH_KEEP` is set (then its path is printed on standard error).
pub fn scratch_dir() -> anyhow::Result<tempfile::TempDir> {
    let mut dir = tempfile::Builder::new()
        .prefix("nudge-bench-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    if std::env::var_os("NUDGE_BENCH_KEEP").is_some() {
        dir.disable_cleanup(true);
        eprintln!("keeping {}", dir.path().display());
    }
    Ok(dir)
}

/// A child process, killed (and reaped) when dropped, whatever happened.
pub struct Running {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Running {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> anyhow::Result<Running> {
        let out = std::fs::File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command.spawn().with_context(|| format!("cannot start {name}"))?;
        Ok(Running {
            name: name.to_owned(),
            child,
            log,
        })
    }

    /// An error if the process has exited, with the end of its output.
    pub fn ensure_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its output ends with:\n{}",
                self.name,
                tail(&self.log)
            );
        }
        Ok(())
    }

    /// Waits for the process to exit by itself, at most `timeout`.
    pub async fn finish(&mut self, timeout: Duration) -> anyhow::Result<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            ensure!(
                Instant::now() < deadline,
                "{} did not finish within {timeout:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `GET http://127.0.0.1:{port}/readyz` answers 200.
    pub async fn wait_ready(&mut self, port: u16) -> anyhow::Result<()> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + READY_TIMEOUT;
        let url = format!("http://127.0.0.1:{port}/readyz");
        loop {
            self.ensure_alive()?;
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "{} was not ready ({url}) within {READY_TIMEOUT:?}; its output ends with:\n{}",
                self.name,
                tail(&self.log)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then waits for a clean exit.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.finish(Duration::from_secs(30)).await?;
        ensure!(status.success(), "{} exited with {status}", self.name);
        Ok(())
    }

    /// CPU time used so far (user + system), from `/proc/<pid>/stat`.
    pub fn cpu(&self) -> Duration {
        process_cpu(self.child.id())
    }

    /// Resident memory now and at its peak, in KiB.
    pub fn memory(&mut self) -> anyhow::Result<(u64, u64)> {
        self.ensure_alive()?;
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        let rss = status_kib(&status, "VmRSS:").with_context(|| format!("no VmRSS in {path}"))?;
        let hwm = status_kib(&status, "VmHWM:").with_context(|| format!("no VmHWM in {path}"))?;
        Ok((rss, hwm))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Already gone is fine; anything else has nowhere to be reported.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time process `pid` used so far (user + system), from
/// `/proc/<pid>/stat`; zero for a process that is gone.
pub fn process_cpu(pid: u32) -> Duration {
    // utime and stime: fields 14 and 15 of the stat file.
    stat_ticks(Path::new(&format!("/proc/{pid}/stat")), 14..=15)
}

/// The sum of the `fields` (numbered from 1, as in proc(5)) of a
/// `/proc/<pid>/stat` file, clock ticks of 10 ms, as a duration; zero for a
/// process that is gone.
fn stat_ticks(path: &Path, fields: std::ops::RangeInclusive<usize>) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // After the command name, which may hold spaces, field 3 comes first.
    let after_name: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields
        .filter_map(|field| after_name.get(field - 3)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// CPU time this machine has spent busy (all cores, every process), from `/proc/stat`.
pub fn machine_busy() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: u64 = stat
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("cpu "))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|v| v.parse::<u64>().ok())
                .enumerate()
                // user nice system idle iowait irq softirq steal: all but idle and iowait.
                .filter(|(index, _)| !matches!(index, 3 | 4) && *index < 8)
                .map(|(_, v)| v)
                .sum()
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// CPU time used so far by the processes whose command name is `name`
/// (`postgres`, `redis-server`), with that of their children that exited
/// (a PostgreSQL backend's time is counted by the postmaster once it ends).
pub fn cpu_of_processes_named(name: &str) -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    let mut total = Duration::ZERO;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        // utime, stime, cutime, cstime: fields 14 to 17.
        total += stat_ticks(&path.join("stat"), 14..=17);
    }
    total
}

/// The last lines of a log file, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// A `Key:   1234 kB` line of a `/proc` status file, in KiB.
pub fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Five free ports for `nudge dev` (api, agent, workers, sms-router and its
/// gRPC, in that order) and the environment that gives them to it, with the
/// console echo of SMS off so that a benchmark's output stays its table.
pub fn dev_ports_environment() -> anyhow::Result<([u16; 5], HashMap<String, String>)> {
    let ports = [free_port()?, free_port()?, free_port()?, free_port()?, free_port()?];
    let environment = [
        ("NUDGE__SERVICES__API__PORT", ports[0]),
        ("NUDGE__SERVICES__AGENT__PORT", ports[1]),
        ("NUDGE__SERVICES__WORKERS__PORT", ports[2]),
        ("NUDGE__SERVICES__SMS_ROUTER__PORT", ports[3]),
        ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", ports[4]),
    ]
    .into_iter()
    .map(|(key, port)| (key.to_owned(), port.to_string()))
    .chain([("NUDGE__SMS__CONSOLE_ECHO".to_owned(), "false".to_owned())])
    .collect();
    Ok((ports, environment))
}

/// The release `nudge` binary (the caller's `env!("CARGO_BIN_EXE_nudge")`),
/// built by `cargo bench` for the benchmark `bench`.
pub fn nudge_binary(path: &str, bench: &str) -> anyhow::Result<PathBuf> {
    let path = PathBuf::from(path);
    ensure!(
        path.is_file(),
        "the nudge binary {} is missing: run `cargo bench -p nudge --bench {bench}` \
         (or `cargo build --release -p nudge`) first",
        path.display()
    );
    Ok(path)
}

/// `nudge <args>` with none of this process's `NUDGE*` settings, plus `env`.
pub fn nudge_command<K, V>(binary: &Path, args: &[&str], env: impl IntoIterator<Item = (K, V)>) -> Command
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut command = Command::new(binary);
    command.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NUDGE") {
            command.env_remove(key);
        }
    }
    command.envs(env);
    command
}

/// A duration in milliseconds, as the tables show it.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The nearest-rank percentile `p` (0 to 100) of sorted `values`; zero for none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `values` sorted, and their mean in milliseconds (zero for none).
pub fn sorted_with_mean(values: &[Duration]) -> (Vec<Duration>, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mean = if sorted.is_empty() {
        0.0
    } else {
        sorted.iter().map(|d| millis(*d)).sum::<f64>() / sorted.len() as f64
    };
    (sorted, mean)
}

/// A row of the latency tables, in milliseconds:
/// `| name | count | p50 | p90 | p99 | p99.9 | max | mean |`.
pub fn print_latency_row(name: &str, values: &[Duration]) {
    print_percentiles_row(name, values, &[50.0, 90.0, 99.0, 99.9]);
}

/// A row of a latency table with the percentiles `percentiles`, in
/// milliseconds: `| name | count | p… | max | mean |`.
#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
pub fn print_percentiles_row(name: &str, values: &[Duration], percentiles: &[f64]) {
    let (sorted, mean) = sorted_with_mean(values);
    let columns: Vec<String> = percentiles
        .iter()
        .map(|p| millis(percentile(&sorted, *p)))
        .chain([millis(sorted.last().copied().unwrap_or_default()), mean])
        .map(|value| format!("{value:.2}"))
        .collect();
    println!("| {name} | {} | {} |", sorted.len(), columns.join(" | "));
}

/// The phone of the SMS benchmarks' person number `person`.
pub fn person_phone(person: usize) -> String {
    format!("+1438{person:07}")
}

/// The Nudge number of the SMS benchmarks' person number `person`.
pub fn person_number(person: usize) -> String {
    format!("+1438{:07}", 5_000_000 + person)
}

/// The account Twilio (the fake, or nobody) knows sms-router by.
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";

/// What every distributed deployment of the benchmarks starts from: the
/// database at `database_url`, this machine's RabbitMQ and Redis under
/// `prefix` (so that runs do not meet), and `key` to encrypt with.
pub fn distributed_environment(
    database_url: String,
    prefix: &str,
    key: &nudge_secure::SecretString,
) -> Vec<(&'static str, String)> {
    vec![
        ("NUDGE__MODE", "distributed".to_owned()),
        ("NUDGE__DATABASE__URL", database_url),
        ("NUDGE__QUEUE__URL", nudge_testkit::rabbitmq_url()),
        ("NUDGE__QUEUE__PREFIX", prefix.to_owned()),
        ("NUDGE__CACHE__URL", nudge_testkit::redis_url()),
        ("NUDGE__CACHE__PREFIX", prefix.to_owned()),
        ("NUDGE__CRYPTO__ACTIVE_KEY", "k1".to_owned()),
        ("NUDGE__CRYPTO__KEYS__K1", key.expose_secret().to_owned()),
    ]
}

/// `nudge migrate` with `environment`, logged in `dir`; an error, with the
/// end of its output, unless it succeeds within `timeout`.
pub async fn migrate(
    binary: &Path,
    environment: &HashMap<String, String>,
    dir: &Path,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut migrate = Running::spawn(
        "nudge migrate",
        nudge_command(binary, &["migrate"], environment),
        dir.join("migrate.log"),
    )?;
    ensure!(
        migrate.finish(timeout).await?.success(),
        "nudge migrate failed:\n{}",
        tail(&migrate.log)
    );
    Ok(())
}

/// sms-router alone in distributed mode, as one process per (HTTP, gRPC)
/// port pair, on a new PostgreSQL database of this machine, its RabbitMQ and
/// Redis under a prefix of their own: the SMS benchmarks' deployment.
pub struct SmsRouters {
    pub database: nudge_testkit::TestDatabase,
    pub prefix: String,
    pub http_ports: Vec<u16>,
    pub grpc_ports: Vec<u16>,
    pub replicas: Vec<Running>,
}

impl SmsRouters {
    /// Migrates the database (`nudge migrate`), then starts a replica on each
    /// of `ports` and waits until it is ready; `settings` are added to (or
    /// replace) the common environment.
    pub async fn start(
        binary: &Path,
        dir: &Path,
        ports: &[(u16, u16)],
        auth_token: &str,
        settings: Vec<(&str, String)>,
    ) -> anyhow::Result<SmsRouters> {
        let database = nudge_testkit::TestDatabase::postgres().await;
        let url = database.url.clone();
        Self::start_on(binary, dir, ports, auth_token, settings, database, url).await
    }

    /// As [`SmsRouters::start`], on `database`, which the replicas reach at
    /// `services_url` (through a proxy, say; `database.url` stays the direct one).
    pub async fn start_on(
        binary: &Path,
        dir: &Path,
        ports: &[(u16, u16)],
        auth_token: &str,
        settings: Vec<(&str, String)>,
        database: nudge_testkit::TestDatabase,
        services_url: String,
    ) -> anyhow::Result<SmsRouters> {
        let prefix = nudge_testkit::unique_name("nudge-bench-");
        let key = nudge_secure::KeyRing::generate_key();
        let mut environment: HashMap<String, String> = distributed_environment(services_url, &prefix, &key)
            .into_iter()
            .chain([
                ("NUDGE__TWILIO__ACCOUNT_SID", ACCOUNT_SID.to_owned()),
                ("NUDGE__SMS__VERIFICATION_NUMBER", "+15005550006".to_owned()),
                ("NUDGE__TWILIO__AUTH_TOKEN", auth_token.to_owned()),
                ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "10".to_owned()),
                ("NUDGE__TELEMETRY__FILTER", "info".to_owned()),
            ])
            .chain(settings)
            .map(|(k, v)| (k.to_owned(), v))
            .collect();

        migrate(binary, &environment, dir, Duration::from_secs(60)).await?;
        let mut replicas = Vec::new();
        for (index, (http, grpc)) in ports.iter().enumerate() {
            environment.insert("NUDGE__SERVICES__SMS_ROUTER__PORT".to_owned(), http.to_string());
            environment.insert("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT".to_owned(), grpc.to_string());
            let mut replica = Running::spawn(
                &format!("sms-router {index}"),
                nudge_command(binary, &["serve", "sms-router"], &environment),
                dir.join(format!("sms-router-{index}.log")),
            )?;
            replica.wait_ready(*http).await?;
            replicas.push(replica);
        }
        Ok(SmsRouters {
            database,
            prefix,
            http_ports: ports.iter().map(|(http, _)| *http).collect(),
            grpc_ports: ports.iter().map(|(_, grpc)| *grpc).collect(),
            replicas,
        })
    }

    /// Stops every replica (SIGTERM, each must exit cleanly) and deletes the
    /// outbound queue.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        for replica in &mut self.replicas {
            replica.stop().await?;
        }
        let queue = nudge_queue::Queue::connect(&nudge_config::QueueSettings {
            url: nudge_testkit::rabbitmq_url(),
            prefix: self.prefix,
            ..Default::default()
        })
        .await?;
        queue.delete("sms.outbound").await?;
        queue.delete("sms.spool").await?;
        Ok(())
    }
}
