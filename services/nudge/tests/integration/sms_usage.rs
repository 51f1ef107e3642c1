//! Costs and analytics, in both modes: segments in and out per person,
//! prices per segment and per number, the month's cost; the Prometheus
//! metrics of the SMS channel.

use std::time::Duration;

use crate::helpers::sms::{Mode, Options, STRANGER, World, send_sms, this_month};
use crate::helpers::*;
use nudge_sms_router::client::GetUsageRequest;

const WAIT: Duration = Duration::from_secs(15);

async fn usage_and_metrics(mode: Mode) {
    let options = Options::default()
        .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "50")
        .with("NUDGE__SMS__PRICE_PER_SEGMENT_MICROS", "10000")
        .with("NUDGE__SMS__NUMBER_MONTHLY_PRICE_MICROS", "2000000")
        .with("NUDGE__SMS__CURRENCY", "CAD");
    let world = World::start(mode, options).await;
    let user = world.demo_user().await.expect("demo person");
    let before = world.metrics().await;

    // In: HELP (1 segment), a stranger's text (1), a two-segment message.
    world.text("HELP").await;
    world.text_from(STRANGER, NUDGE_NUMBER, "hello").await;
    let two_segments = format!("remind me in 20 minutes to {}", "tidy up ".repeat(20).trim_end());
    assert_eq!(nudge_core::sms::count_segments(&two_segments).segments, 2);
    world.text(&two_segments).await;
    // Out: the help text (1), the stranger's reply (1), the agent's answer
    // (whatever it is), a 2-segment notice, and a failed send (not billed).
    send_sms(&world, &user, &format!("{}.", "n".repeat(200)), "notice")
        .await
        .expect("SendSms");
    world.wait_sent_to(STRANGER, 1, WAIT).await;
    let sent = world.wait_sent_to(PHONE, 3, WAIT).await;
    world.fake.fail_next(1, 400, 21211);
    send_sms(&world, &user, "Refused.", "refused").await.expect("SendSms");
    world.wait_outbound("refused", &["failed"], WAIT).await;
    world.nothing_more_to(PHONE, 3, Duration::from_millis(500)).await;
    let segments_out: i64 = sent.iter().map(|m| i64::from(m.num_segments)).sum::<i64>() + 1;

    let usage = world
        .grpc()
        .await
        .get_usage(GetUsageRequest {
            user_id: user.clone(),
            month: this_month(),
        })
        .await
        .expect("GetUsage")
        .into_inner();
    assert_eq!((usage.messages_in, usage.segments_in), (3, 4), "{usage:?}");
    assert_eq!((usage.messages_out, usage.segments_out), (4, segments_out), "{usage:?}");
    assert_eq!(usage.segment_cost_micros, (4 + segments_out) * 10_000);
    assert_eq!(usage.number_cost_micros, 2_000_000, "the demo number, held this month");
    assert_eq!(usage.total_cost_micros, usage.segment_cost_micros + 2_000_000);
    assert_eq!(usage.currency, "CAD");

    // Another month: nothing.
    let empty = world
        .grpc()
        .await
        .get_usage(GetUsageRequest {
            user_id: user.clone(),
            month: "2020-01".to_owned(),
        })
        .await
        .expect("GetUsage")
        .into_inner();
    assert_eq!(
        (empty.messages_in, empty.messages_out, empty.total_cost_micros),
        (0, 0, 0)
    );
    let error = world
        .grpc()
        .await
        .get_usage(GetUsageRequest {
            user_id: user.clone(),
            month: "2026-13".to_owned(),
        })
        .await
        .expect_err("not a month");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);

    // Metrics: messages by direction and status, segments, send latency,
    // queue depth, opt-outs.
    world.text("STOP").await;
    eventually(
        "the opt-out",
        WAIT,
        || world.consent_events(&user),
        |events| events.len() == 1,
    )
    .await;
    // The queue depth is measured every few seconds.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = world.metrics().await;
    let delta = |name: &str, labels: &str| counter(&after, name, labels) - counter(&before, name, labels);
    assert!(delta("nudge_sms_messages_total", "direction=\"inbound\",status=\"accepted\"") >= 1.0);
    assert!(delta("nudge_sms_messages_total", "direction=\"inbound\",status=\"help\"") >= 1.0);
    assert!(
        delta(
            "nudge_sms_messages_total",
            "direction=\"inbound\",status=\"unverified_sender\""
        ) >= 1.0
    );
    assert!(delta("nudge_sms_messages_total", "direction=\"outbound\",status=\"sent\"") >= 3.0);
    assert!(delta("nudge_sms_messages_total", "direction=\"outbound\",status=\"failed\"") >= 1.0);
    assert!(delta("nudge_sms_segments_total", "direction=\"inbound\"") >= 4.0);
    assert!(delta("nudge_sms_segments_total", "direction=\"outbound\"") >= 3.0);
    assert!(delta("nudge_sms_consent_changes_total", "event=\"opt_out\",source=\"sms\"") >= 1.0);
    for series in [
        "nudge_sms_send_duration_seconds",
        "nudge_sms_webhook_duration_seconds",
        "nudge_sms_outbound_queue_depth{status=\"queued\"}",
    ] {
        assert!(after.contains(series), "{series} missing from /metrics");
    }
    assert!(
        !after.contains(PHONE) && !after.contains("5145550100"),
        "no phone number in the metrics"
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_costs_and_metrics_per_person_embedded() {
    usage_and_metrics(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn usage_costs_and_metrics_per_person_distributed() {
    usage_and_metrics(Mode::Distributed).await;
}
