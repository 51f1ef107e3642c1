//! kill -9 of the workers process while 1,000 reminders are about to fire,
//! then a restart: each reminder reaches Twilio exactly once.
//!
//! An occurrence stays claimed in the database until sms-router has it, the
//! `reminders.due` message is acknowledged only after that, and sms-router
//! keeps one SMS per occurrence key: whatever the kill interrupts is sent
//! by the restarted process, and nothing twice.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::eventually;
use common::fleet::{Fleet, exactly_once, percentile};
use common::reminders::millis;

const PEOPLE: usize = 250;
const PER_PERSON: usize = 4;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn kill_9_of_workers_with_a_thousand_reminders_about_to_fire_sends_each_once() {
    nudge_telemetry::init_for_tests();
    let mut fleet = Fleet::start(1, &[("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "600")]).await;
    let people = fleet.people(PEOPLE).await;
    let phones: HashSet<String> = people.iter().map(|(_, phone)| phone.clone()).collect();

    // 1,000 reminders due over 6 s; each person's 1.5 s apart (sms-router
    // sends at most one SMS a second from a number).
    let start = Utc::now() + TimeDelta::seconds(12);
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut reminders = Vec::new();
    for round in 0..PER_PERSON {
        for (i, (user, _)) in people.iter().enumerate() {
            let at = millis(start + TimeDelta::milliseconds(round as i64 * 1_500 + i as i64 * 6));
            let text = format!("pill {round}-{i:03}");
            due.insert(text.clone(), at);
            reminders.push((user.clone(), text, at));
        }
    }
    fleet.create_reminders(reminders, 32).await;
    assert!(Utc::now() < start, "creating the reminders took too long for this test");

    // Once the first ones are at Twilio, kill -9 the workers process.
    let before_kill = eventually(
        "the first reminders at Twilio",
        Duration::from_secs(30),
        || async { fleet.reminders_sent(&phones, "pill ").len() },
        |sent| *sent >= 50,
    )
    .await;
    fleet.kill_workers(0);
    let at_kill = fleet.reminders_sent(&phones, "pill ").len();
    assert!(
        at_kill < due.len(),
        "the kill came after every reminder was sent ({at_kill}): it proves nothing"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let while_down = fleet.reminders_sent(&phones, "pill ").len();
    fleet.restart_workers(0).await;

    eventually(
        "1,000 reminders at Twilio",
        Duration::from_secs(120),
        || async { fleet.reminders_sent(&phones, "pill ").len() },
        |sent| *sent >= due.len(),
    )
    .await;
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let lateness = exactly_once(&fleet.reminders_sent(&phones, "pill "), &due);
    eprintln!(
        "kill -9 after {before_kill} sent ({at_kill} at the kill, {while_down} while down): 1,000 sent once each; \
         lateness p50 {} ms, p99 {} ms, max {} ms",
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness[lateness.len() - 1]
    );
    assert!(lateness[0] >= -5, "none before its time: {:?}", &lateness[..5]);
    fleet.stop().await;
}
