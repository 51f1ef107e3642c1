//! A RabbitMQ restart (the broker node stopped and started again, as an
//! operator or a crash would) while 1,000 reminders are about to fire: each
//! reaches Twilio exactly once.

use std::time::{Duration, Instant};

use nudge_harness::fleet::Fleet;
use nudge_harness::process::wait_ready;
use nudge_testkit::rabbitmq_node::{self, RestartGuard};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis, and restarts RabbitMQ (rabbitmqctl)"]
async fn a_rabbitmq_restart_with_a_thousand_reminders_about_to_fire_sends_each_once() {
    let _one_at_a_time = super::one_restart_at_a_time().await;
    nudge_telemetry::init_for_tests();
    let fleet = Fleet::start(
        super::nudge_binary(),
        1,
        &[("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "600")],
    )
    .await;
    let burst = fleet.a_thousand_reminders_about_to_fire("water").await;
    let (phones, due) = (&burst.phones, &burst.due);
    let guard = RestartGuard;
    let stopped_at = Instant::now();
    assert!(rabbitmq_node::stop(), "rabbitmqctl shutdown failed");
    let at_stop = fleet.reminders_sent(phones, "water ").len();
    assert!(
        at_stop < due.len(),
        "RabbitMQ stopped after every reminder was sent ({at_stop}): it proves nothing"
    );
    assert!(
        rabbitmq_node::start(Duration::from_secs(120)),
        "RabbitMQ did not start again"
    );
    let down_for = stopped_at.elapsed();
    drop(guard);

    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let sent = fleet.reminders_sent(phones, "water ").len();
        if sent >= due.len() {
            break;
        }
        if Instant::now() > deadline {
            // Where the others are: the workers' publishing and consuming counters.
            let metrics = Fleet::metrics(fleet.workers_ports[0]).await;
            let counters: Vec<&str> = metrics
                .lines()
                .filter(|line| line.starts_with("nudge_reminders_") || line.starts_with("nudge_queue_"))
                .collect();
            panic!(
                "{sent} of {} reminders at Twilio 180 s after RabbitMQ came back; workers: {counters:#?}",
                due.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    burst
        .check_each_sent_once(&fleet, &format!("RabbitMQ down for {down_for:?} after {at_stop} sent"))
        .await;
    // The services noticed and are ready again.
    for port in fleet.workers_ports.iter().chain([&fleet.deployment.http_ports[3]]) {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(60)).await;
    }
    fleet.stop().await;
}
