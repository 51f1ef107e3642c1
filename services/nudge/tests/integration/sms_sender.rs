//! The outbound sender under Twilio's throttling and outages, in both modes
//! (issue 17): a 429 (Twilio error 20429) with `Retry-After` pauses the
//! whole account for that long and gives the attempt back; a 503 with
//! `Retry-After` is tried again no sooner than it says, whatever the
//! backoff; nothing is lost or sent twice, and each number's SMS keep
//! their order. The claim's plan and cost are checked in sms-router's own
//! tests (`outbound::claim_tests`).

use std::time::Duration;

use crate::helpers::PHONE;
use crate::helpers::sms::{Mode, Options, World, assign, send_sms};
use chrono::Utc;

const WAIT: Duration = Duration::from_secs(20);
const OTHER_PHONE: &str = "+15145550101";

fn options() -> Options {
    Options::default()
        .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "50")
        // A backoff much shorter than Twilio's Retry-After: the header must win.
        .with("NUDGE__SMS__RETRY_BASE_MS", "50")
        .with("NUDGE__SMS__RETRY_MAX_MS", "100")
}

fn bodies(messages: &[nudge_fake_twilio::FakeMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.body.as_str()).collect()
}

async fn throttled(mode: Mode) {
    let world = World::start(mode, options()).await;
    let demo = world.demo_user().await.expect("demo person");
    let other = assign(&world, OTHER_PHONE, "+15145550198").await;
    let retry_after = Duration::from_secs(2);
    world.fake.fail_next_with_retry_after(2, 429, 20429, Some(retry_after));
    let started_at = Utc::now();
    for n in 1..=3 {
        for (user, name) in [(&demo, "demo"), (&other, "other")] {
            send_sms(&world, user, &format!("{name} {n}"), &format!("{name}:{n}"))
                .await
                .expect("SendSms");
        }
    }
    let demo_sent = world.wait_sent_to(PHONE, 3, WAIT).await;
    let other_sent = world.wait_sent_to(OTHER_PHONE, 3, WAIT).await;
    assert_eq!(bodies(&demo_sent), ["demo 1", "demo 2", "demo 3"]);
    assert_eq!(bodies(&other_sent), ["other 1", "other 2", "other 3"]);
    assert_eq!(world.fake.failures_answered(), 2, "both 429s were answered");
    // Nothing reached Twilio before the Retry-After of the first 429 had passed.
    let first = world
        .fake
        .messages()
        .iter()
        .map(|m| m.date_created)
        .min()
        .expect("sent");
    let waited = (first - started_at).to_std().unwrap_or_default();
    assert!(waited >= retry_after, "sent {waited:?} after the first 429");
    world.nothing_more_to(PHONE, 3, Duration::from_millis(500)).await;
    world.nothing_more_to(OTHER_PHONE, 3, Duration::ZERO).await;
    // Throttling is the account's rate, not the SMS's fault: attempts given back.
    for key in ["demo:1", "other:1", "demo:2", "other:3"] {
        let row = world.outbound_by_key(key).await.expect("row");
        assert!(row.provider_sid.is_some(), "{key}: {row:?}");
        assert_eq!(row.attempts, 1, "{key}: {row:?}");
    }
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_with_retry_after_pauses_the_account_and_loses_nothing_embedded() {
    throttled(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_429_with_retry_after_pauses_the_account_and_loses_nothing_distributed() {
    throttled(Mode::Distributed).await;
}

async fn unavailable(mode: Mode) {
    let world = World::start(mode, options()).await;
    let demo = world.demo_user().await.expect("demo person");
    let retry_after = Duration::from_secs(2);
    world.fake.fail_next_with_retry_after(1, 503, 20503, Some(retry_after));
    let started_at = Utc::now();
    send_sms(&world, &demo, "After a 503.", "five-oh-three")
        .await
        .expect("SendSms");
    send_sms(&world, &demo, "And the next one.", "after-503")
        .await
        .expect("SendSms");
    let sent = world.wait_sent_to(PHONE, 2, WAIT).await;
    assert_eq!(bodies(&sent), ["After a 503.", "And the next one."]);
    assert_eq!(world.fake.failures_answered(), 1);
    let waited = (sent[0].date_created - started_at).to_std().unwrap_or_default();
    assert!(waited >= retry_after, "tried again {waited:?} after the 503");
    let row = world.outbound_by_key("five-oh-three").await.expect("row");
    // A 5xx is this SMS's attempt: counted (and given up after the last one).
    assert_eq!((row.attempts, row.provider_sid.is_some()), (2, true), "{row:?}");
    world.nothing_more_to(PHONE, 2, Duration::from_millis(500)).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_503_with_retry_after_is_tried_again_no_sooner_embedded() {
    unavailable(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_503_with_retry_after_is_tried_again_no_sooner_distributed() {
    unavailable(Mode::Distributed).await;
}
