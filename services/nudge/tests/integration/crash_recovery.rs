//! kill -9 between scheduling and the due time loses nothing: after a
//! restart the reminder fires, and one past the catch-up window is sent
//! marked late. Real processes (`nudge dev --no-repl`), real SIGKILL.

use std::collections::HashMap;
use std::time::Duration;

use crate::helpers::process::{NudgeProcess, wait_ready};
use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use nudge_core::Language;

struct Ports {
    api: u16,
    sms_router: u16,
    environment: HashMap<String, String>,
}

fn ports_and_environment(catch_up_window_seconds: u64) -> Ports {
    let mut environment = embedded_environment();
    let (api, sms_router) = free_service_ports(&mut environment);
    environment.insert(
        "NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS".to_owned(),
        catch_up_window_seconds.to_string(),
    );
    environment.insert("NUDGE__TELEMETRY__FILTER".to_owned(), "info".to_owned());
    Ports {
        api,
        sms_router,
        environment,
    }
}

async fn start(dir: &std::path::Path, ports: &Ports) -> NudgeProcess {
    let data_dir = dir.join("data");
    let args = ["dev", "--no-repl", "--data-dir", data_dir.to_str().expect("utf-8 path")];
    let process = NudgeProcess::spawn(nudge_binary(), "nudge-dev", &args, &ports.environment, dir);
    // The api is ready once the demo person is provisioned, so a text finds them.
    for port in [ports.sms_router, ports.api] {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
    }
    process
}

/// Schedules a reminder, kills the process with SIGKILL before it is due,
/// waits `down_for`, restarts, and returns the SMS sent (confirmation first).
async fn kill_and_restart(
    catch_up_window_seconds: u64,
    text_to_send: &str,
    down_for: Duration,
) -> (Vec<Sms>, chrono::DateTime<Utc>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ports = ports_and_environment(catch_up_window_seconds);
    let settings = dev_settings(&dir.path().join("data"), ports.environment.clone());
    let mut nudge = start(dir.path(), &ports).await;
    let sender = sender(&settings, ports.sms_router);

    let sent_at = Utc::now();
    text(&sender, text_to_send).await;
    eventually(
        "the confirmation",
        Duration::from_secs(10),
        || outbox(ports.sms_router),
        |o| o.len() == 1,
    )
    .await;
    nudge.kill_9();

    tokio::time::sleep(down_for).await;
    let _restarted = start(dir.path(), &ports).await;
    let all = eventually(
        "the reminder after restart",
        Duration::from_secs(20),
        || outbox(ports.sms_router),
        |o| o.len() >= 2,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        outbox(ports.sms_router).await.len(),
        2,
        "exactly one reminder after the restart"
    );
    (all, sent_at)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_survives_kill_9_and_fires_after_restart() {
    let (sms, sent_at) = kill_and_restart(900, "remind me in 5 seconds to take my pills", Duration::from_secs(7)).await;
    assert!(
        sms[0].body.starts_with("Got it. I'll remind you at "),
        "{}",
        sms[0].body
    );
    assert_eq!(sms[1].body, "Reminder: take my pills. Reply DONE when it's done.");
    assert!(sms[1].time >= sent_at + TimeDelta::seconds(5), "not before it was due");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_past_the_catch_up_window_is_sent_marked_late() {
    let (sms, sent_at) = kill_and_restart(2, "remind me in 3 seconds to call Léa", Duration::from_secs(9)).await;
    let due =
        [sent_at, sent_at + TimeDelta::seconds(1)].map(|t| montreal_clock(t + TimeDelta::seconds(3), Language::En));
    let expected = due
        .map(|time| format!("Sorry, this reminder is late (it was for {time}): call Léa. Reply DONE when it's done."));
    assert!(
        expected.contains(&sms[1].body),
        "{:?} is none of {expected:?}",
        sms[1].body
    );
}
