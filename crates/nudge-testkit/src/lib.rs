//! Test helpers shared by the workspace's test suites: a fresh database per
//! test (PostgreSQL or SQLite), unique names for queues and cache keys, and
//! the addresses of this machine's PostgreSQL, RabbitMQ and Redis.
//!
//! Tests that need a server are `#[ignore = "needs PostgreSQL"]` (or RabbitMQ,
//! Redis) so `cargo test` works with only Rust installed; CI runs them with
//! `--include-ignored`. A server that cannot be reached fails the test: it
//! never passes by skipping its work.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// The PostgreSQL database tests create their own databases from.
pub fn postgres_admin_url() -> String {
    std::env::var("NUDGE_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub fn rabbitmq_url() -> String {
    std::env::var("NUDGE_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("NUDGE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned())
}

/// A name no other test run uses, e.g. `t1a2b3c4d5e6` (letters and digits only).
pub fn unique_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &id[..12])
}

/// A database of its own for one test, dropped (PostgreSQL) or deleted
/// (SQLite) when the value is dropped.
pub struct TestDatabase {
    /// A `database.url` value.
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A new, empty SQLite database file in a temporary directory.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("nudge.db").display());
        TestDatabase {
            url,
            postgres_name: None,
            _dir: Some(dir),
        }
    }

    /// A new, empty PostgreSQL database. Panics if PostgreSQL cannot be reached.
    pub async fn postgres() -> TestDatabase {
        let name = unique_name("nudge_test_");
        let admin = postgres_admin_url();
        let mut conn = AsyncPgConnection::establish(&admin)
            .await
            .unwrap_or_else(|e| panic!("this test needs PostgreSQL at {admin} (set NUDGE_TEST_POSTGRES_URL): {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let url = match admin.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("NUDGE_TEST_POSTGRES_URL must end with /<database>"),
        };
        TestDatabase {
            url,
            postgres_name: Some(name),
            _dir: None,
        }
    }

    /// A database that already exists (on a server of the test's own):
    /// nothing is dropped or deleted with the value.
    pub fn existing(url: String) -> TestDatabase {
        TestDatabase {
            url,
            postgres_name: None,
            _dir: None,
        }
    }

    /// The database's name on the PostgreSQL server, if it is one.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres_name.as_deref()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop may run inside a runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = AsyncPgConnection::establish(&postgres_admin_url()).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// Stopping and starting this machine's RabbitMQ node, for the restart tests.
/// Each such test lives in a test binary of its own: no other test may be
/// using the broker while it is down (test binaries run one after the other).
pub mod rabbitmq_node {
    use std::process::Command;
    use std::time::{Duration, Instant};

    fn rabbitmqctl(args: &[&str]) -> bool {
        Command::new("rabbitmqctl")
            .args(args)
            .output()
            .map(|output| output.status.success())
            .unwrap_or(false)
    }

    /// Stops the node as an operator would (`rabbitmqctl shutdown`); true once it is down.
    pub fn stop() -> bool {
        rabbitmqctl(&["shutdown"])
    }

    /// Starts the node (if it is not running) and waits until it accepts
    /// work, at most `within`.
    pub fn start(within: Duration) -> bool {
        let deadline = Instant::now() + within;
        if !rabbitmqctl(&["status"]) {
            let _ = Command::new("rabbitmq-server").arg("-detached").status();
        }
        while Instant::now() < deadline {
            if rabbitmqctl(&["await_startup", "--timeout", "10"]) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        false
    }

    /// Makes sure RabbitMQ is up again when a restart test ends, even on
    /// failure: the tests that follow need it.
    pub struct RestartGuard;

    impl Drop for RestartGuard {
        fn drop(&mut self) {
            if !start(Duration::from_secs(120)) {
                eprintln!("RabbitMQ did not come back: start it with `rabbitmq-server -detached`");
            }
        }
    }
}
