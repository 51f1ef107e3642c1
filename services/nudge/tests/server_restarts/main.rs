//! The tests that stop one of this machine's servers (PostgreSQL, RabbitMQ)
//! under a running fleet. A binary of their own: Cargo runs test binaries one
//! after the other, so no test of another binary is using the server while
//! it is down; inside this one, they take turns.

use std::path::Path;

use tokio::sync::{Mutex, MutexGuard};

mod reminders_postgres_restart;
mod reminders_rabbitmq_restart;

/// Held for the whole of each test: the PostgreSQL test needs RabbitMQ up
/// and the RabbitMQ test needs PostgreSQL up.
static ONE_RESTART_AT_A_TIME: Mutex<()> = Mutex::const_new(());

async fn one_restart_at_a_time() -> MutexGuard<'static, ()> {
    ONE_RESTART_AT_A_TIME.lock().await
}

/// The `nudge` binary the fleet runs.
fn nudge_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_nudge"))
}
