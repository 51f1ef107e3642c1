//! PostgreSQL, RabbitMQ and Redis servers of a run's own, on free loopback
//! ports in a temporary directory, for the fault suite: it stops, kills and
//! restarts them under load without ever touching the machine's shared
//! servers (other tests and engineers use those).
//!
//! Each server runs from the machine's own binaries (Debian's packages, the
//! same ones CI starts): `initdb` and `pg_ctl` (as the `postgres` user when
//! run as root, since initdb refuses root), `rabbitmq-server` as a second
//! node with its own name, ports, data and cookie, and `redis-server` with
//! persistence off.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};

use crate::free_port;

/// How long a server may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(90);

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Runs `command`, failing with its standard error if it fails.
fn run(mut command: Command) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("cannot run {command:?}"))?;
    ensure!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

/// A PostgreSQL cluster of its own: `initdb` in a temporary directory,
/// listening on 127.0.0.1 only, trust authentication, one database `nudge`.
pub struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl OwnPostgres {
    pub fn start() -> anyhow::Result<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .context("PostgreSQL's binaries in /usr/lib/postgresql")?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .context("no initdb under /usr/lib/postgresql")?;
        let dir = tempfile::tempdir()?;
        if running_as_root() {
            let mut chown = Command::new("chown");
            chown.arg("-R").arg("postgres").arg(dir.path());
            run(chown)?;
        }
        let postgres = OwnPostgres {
            dir,
            bin,
            port: free_port(),
        };
        let data = postgres.data();
        run(postgres.as_postgres("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]))?;
        postgres.start_again()?;
        let mut createdb = Command::new(postgres.bin.join("createdb"));
        createdb.args([
            "-h",
            "127.0.0.1",
            "-p",
            &postgres.port.to_string(),
            "-U",
            "postgres",
            "nudge",
        ]);
        run(createdb)?;
        Ok(postgres)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn as_postgres(&self, program: &str, args: &[&str]) -> Command {
        let program = self.bin.join(program);
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args);
        command
    }

    /// The `database.url` of the cluster's `nudge` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/nudge", self.port)
    }

    /// Starts the cluster (again, after [`OwnPostgres::crash`] or
    /// [`OwnPostgres::stop`]) and waits until it accepts connections.
    pub fn start_again(&self) -> anyhow::Result<()> {
        let log = self.dir.path().join("postgres.log").display().to_string();
        // `NUDGE_HARNESS_PG_OPTIONS` adds server options for a diagnosis
        // (e.g. `-c shared_preload_libraries=pg_stat_statements`).
        let extra = std::env::var("NUDGE_HARNESS_PG_OPTIONS").unwrap_or_default();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c max_connections=300 -k {} {extra}",
            self.port,
            self.dir.path().display()
        );
        run(self.as_postgres(
            "pg_ctl",
            &["-D", &self.data(), "-l", &log, "-w", "-o", &options, "start"],
        ))
    }

    /// Stops it as a crash would (`pg_ctl stop -m immediate`: no checkpoint,
    /// recovery from the WAL at the next start).
    pub fn crash(&self) -> anyhow::Result<()> {
        run(self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]))
    }

    /// Stops it as an operator would (`pg_ctl stop -m fast`).
    pub fn stop(&self) -> anyhow::Result<()> {
        run(self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]))
    }

    /// Every file of the cluster's data directory, WAL included: (path, bytes).
    pub fn data_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut dirs = vec![self.dir.path().join("data")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    files.push((path.display().to_string(), bytes));
                }
            }
        }
        files
    }

    /// The process ids of the cluster's server processes (for CPU figures).
    pub fn pids(&self) -> Vec<u32> {
        let postmaster = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).unwrap_or_default();
        let Some(main) = postmaster.lines().next().and_then(|l| l.trim().parse::<u32>().ok()) else {
            return Vec::new();
        };
        let children = std::fs::read_to_string(format!("/proc/{main}/task/{main}/children")).unwrap_or_default();
        std::iter::once(main)
            .chain(children.split_whitespace().filter_map(|p| p.parse().ok()))
            .collect()
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = run(self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]));
    }
}

/// A RabbitMQ node of its own (`nudge-<random>@localhost`), its AMQP and
/// distribution ports on 127.0.0.1, no plugins, data and Erlang cookie in a
/// temporary directory.
pub struct OwnRabbitMq {
    dir: tempfile::TempDir,
    node: String,
    pub port: u16,
    dist_port: u16,
}

impl OwnRabbitMq {
    pub fn start() -> anyhow::Result<OwnRabbitMq> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("enabled_plugins"), "[].\n")?;
        let node = format!("{}@localhost", nudge_testkit::unique_name("nudge"));
        let rabbitmq = OwnRabbitMq {
            dir,
            node,
            port: free_port(),
            dist_port: free_port(),
        };
        rabbitmq.start_again()?;
        Ok(rabbitmq)
    }

    fn command(&self, program: &str) -> Command {
        let dir = self.dir.path();
        let mut command = Command::new(Path::new("/usr/lib/rabbitmq/bin").join(program));
        command
            .current_dir(dir)
            .env("HOME", dir)
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", dir.join("advanced.config"))
            .env("RABBITMQ_CONF_ENV_FILE", dir.join("rabbitmq-env.conf"))
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .stdin(Stdio::null());
        command
    }

    /// The `queue.url` of the node.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Starts the node (again) and waits until it accepts work.
    pub fn start_again(&self) -> anyhow::Result<()> {
        let mut server = self.command("rabbitmq-server");
        server.arg("-detached");
        run(server)?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let mut ready = self.command("rabbitmqctl");
            ready.args(["-n", &self.node, "await_startup", "--timeout", "10"]);
            if run(ready).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("RabbitMQ node {} did not start within {START_TIMEOUT:?}", self.node);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Stops the node as an operator would (`rabbitmqctl shutdown`).
    pub fn stop(&self) -> anyhow::Result<()> {
        let mut shutdown = self.command("rabbitmqctl");
        shutdown.args(["-n", &self.node, "shutdown"]);
        run(shutdown)
    }
}

impl Drop for OwnRabbitMq {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A Redis server of its own on 127.0.0.1, keeping nothing on disk (as the
/// machine's).
pub struct OwnRedis {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    pub fn start() -> anyhow::Result<OwnRedis> {
        let mut redis = OwnRedis {
            dir: tempfile::tempdir()?,
            port: free_port(),
            child: None,
        };
        redis.start_again()?;
        Ok(redis)
    }

    /// The `cache.url` of the server.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start_again(&mut self) -> anyhow::Result<()> {
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start redis-server")?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                bail!("Redis did not listen on {} within {START_TIMEOUT:?}", self.port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Stops the server at once (SIGKILL: Redis keeps nothing on disk here).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The three servers of a fault run.
pub struct OwnServers {
    pub postgres: OwnPostgres,
    pub rabbitmq: OwnRabbitMq,
    pub redis: OwnRedis,
}

impl OwnServers {
    pub fn start() -> anyhow::Result<OwnServers> {
        Ok(OwnServers {
            postgres: OwnPostgres::start().context("PostgreSQL")?,
            rabbitmq: OwnRabbitMq::start().context("RabbitMQ")?,
            redis: OwnRedis::start().context("Redis")?,
        })
    }

    pub fn endpoints(&self) -> crate::fleet::Endpoints {
        crate::fleet::Endpoints {
            database_url: self.postgres.url(),
            queue_url: self.rabbitmq.url(),
            cache_url: self.redis.url(),
        }
    }
}
