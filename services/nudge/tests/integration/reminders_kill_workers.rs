//! kill -9 of the workers process while 1,000 reminders are about to fire,
//! then a restart: each reminder reaches Twilio exactly once.
//!
//! An occurrence stays claimed in the database until sms-router has it, the
//! `reminders.due` message is acknowledged only after that, and sms-router
//! keeps one SMS per occurrence key: whatever the kill interrupts is sent
//! by the restarted process, and nothing twice.

use std::time::Duration;

use crate::helpers::fleet::Fleet;
use crate::helpers::nudge_binary;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn kill_9_of_workers_with_a_thousand_reminders_about_to_fire_sends_each_once() {
    nudge_telemetry::init_for_tests();
    let mut fleet = Fleet::start(
        nudge_binary(),
        1,
        &[("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "600")],
    )
    .await;
    // 1,000 reminders due over 6 s; once the first ones are at Twilio,
    // kill -9 the workers process.
    let burst = fleet.a_thousand_reminders_about_to_fire("pill").await;
    let (phones, due, before_kill) = (&burst.phones, &burst.due, burst.first_sent);
    fleet.kill_workers(0);
    let at_kill = fleet.reminders_sent(phones, "pill ").len();
    assert!(
        at_kill < due.len(),
        "the kill came after every reminder was sent ({at_kill}): it proves nothing"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let while_down = fleet.reminders_sent(phones, "pill ").len();
    fleet.restart_workers(0).await;

    burst.wait_until_all_sent(&fleet, Duration::from_secs(120)).await;
    burst
        .check_each_sent_once(
            &fleet,
            &format!("kill -9 after {before_kill} sent ({at_kill} at the kill, {while_down} while down)"),
        )
        .await;
    fleet.stop().await;
}
