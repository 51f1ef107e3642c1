//! A PostgreSQL crash (the server stopped in `immediate` mode, which skips
//! the shutdown checkpoint as a crash would, then started again, replaying
//! its WAL) while 1,000 reminders are about to fire: each reaches Twilio
//! exactly once, and the services are ready again.

use std::process::Command;
use std::time::{Duration, Instant};

use nudge_harness::fleet::Fleet;
use nudge_harness::process::wait_ready;

/// How long PostgreSQL stays down: reminders fall due meanwhile.
const DOWN: Duration = Duration::from_secs(8);

/// The machine's PostgreSQL cluster version (`/etc/postgresql/<version>`).
fn cluster_version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .expect("a PostgreSQL cluster under /etc/postgresql")
}

fn pg_ctlcluster(action: &str, extra: &[&str]) -> bool {
    Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &cluster_version(), "main", action])
        .args(extra)
        .output()
        .map(|output| output.status.success())
        .unwrap_or(false)
}

fn postgres_accepts() -> bool {
    Command::new("pg_isready")
        .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
}

/// Starts PostgreSQL (if it is not running) and waits until it accepts
/// connections, at most `within`.
fn start_postgres(within: Duration) -> bool {
    let deadline = Instant::now() + within;
    if !postgres_accepts() {
        let _ = pg_ctlcluster("start", &[]);
    }
    while Instant::now() < deadline {
        if postgres_accepts() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// Makes sure PostgreSQL is up again when the test ends, even on failure:
/// the tests that follow need it.
struct RestartGuard;

impl Drop for RestartGuard {
    fn drop(&mut self) {
        if !start_postgres(Duration::from_secs(120)) {
            eprintln!("PostgreSQL did not come back: start it with `pg_ctlcluster <version> main start`");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis, and crashes and restarts PostgreSQL (pg_ctlcluster)"]
async fn a_postgres_crash_with_a_thousand_reminders_about_to_fire_sends_each_once() {
    let _one_at_a_time = super::one_restart_at_a_time().await;
    nudge_telemetry::init_for_tests();
    let fleet = Fleet::start(
        super::nudge_binary(),
        1,
        &[("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "600")],
    )
    .await;
    let burst = fleet.a_thousand_reminders_about_to_fire("pill").await;
    let (phones, due) = (&burst.phones, &burst.due);
    let guard = RestartGuard;
    let stopped_at = Instant::now();
    assert!(
        pg_ctlcluster("stop", &["-m", "immediate"]),
        "pg_ctlcluster stop -m immediate failed"
    );
    let at_stop = fleet.reminders_sent(phones, "pill ").len();
    assert!(
        at_stop < due.len(),
        "PostgreSQL stopped after every reminder was sent ({at_stop}): it proves nothing"
    );
    tokio::time::sleep(DOWN).await;
    let during = fleet.reminders_sent(phones, "pill ").len();
    assert!(
        start_postgres(Duration::from_secs(120)),
        "PostgreSQL did not start again"
    );
    let down_for = stopped_at.elapsed();
    drop(guard);

    burst.wait_until_all_sent(&fleet, Duration::from_secs(180)).await;
    burst
        .check_each_sent_once(
            &fleet,
            &format!("PostgreSQL down for {down_for:?} after {at_stop} sent ({during} by its restart)"),
        )
        .await;
    // The services noticed and are ready again.
    for port in fleet.workers_ports.iter().chain([&fleet.deployment.http_ports[3]]) {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(60)).await;
    }
    fleet.stop().await;
}
