//! What the `nudge` service's integration tests (`services/nudge/tests`) and
//! benchmarks (`services/nudge/benches`) share: `nudge` child processes, a
//! distributed deployment of them (`Fleet`) and the small waits they need.
//!
//! A dev-only crate (publish = false, a dev-dependency of `nudge` only)
//! because a test binary and a benchmark are separate crates: without it the
//! benchmark included the tests' helper module by `#[path]`, and each of
//! them compiled code it did not use. It does not depend on `nudge` itself:
//! the binary to run is the caller's `env!("CARGO_BIN_EXE_nudge")`, which
//! Cargo gives only to the tests and benchmarks of the `nudge` package.

use std::net::TcpListener;
use std::time::Duration;

pub mod bench;
pub mod fleet;
pub mod process;
pub mod proxy;
pub mod reminders;
pub mod servers;

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `read` until `done` holds for its result, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut read: F, done: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
    T: std::fmt::Debug,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let value = read().await;
        if done(&value) {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}; last seen: {value:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
