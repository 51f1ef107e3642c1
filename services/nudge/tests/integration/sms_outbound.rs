//! Outbound SMS through the Messages API, in both modes: segment counting
//! and the segment budget (split at sentence ends), a forward-only status
//! machine fed by signed status callbacks, retries with backoff on temporary
//! failures only, no second send for a retried job (idempotency keys, and
//! reconciliation with Twilio when an answer was lost), and the per-number
//! pace with its durable queue: bursts delayed, never dropped, in order.

use std::collections::HashMap;
use std::time::Duration;

use crate::helpers::sms::{AUTH_TOKEN, Mode, Options, World, assign, send_sms};
use crate::helpers::*;
use chrono::TimeDelta;
use nudge_fake_twilio::DeliveryOutcome;

const WAIT: Duration = Duration::from_secs(20);

fn fast() -> Options {
    Options::default().with("NUDGE__SMS__SEGMENTS_PER_SECOND", "50")
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn segment_budget(mode: Mode) {
    let world = World::start(mode, fast()).await;
    let user = world.demo_user().await.expect("demo person");
    // GSM-7 and UCS-2 counting.
    let short = send_sms(&world, &user, "C'est noté, à 15 h 42.", "short")
        .await
        .expect("SendSms");
    assert_eq!((short.parts, short.segments), (1, 1));
    let ucs2 = send_sms(&world, &user, &"Tu es prêt ? ".repeat(7), "ucs2")
        .await
        .expect("SendSms");
    assert_eq!((ucs2.parts, ucs2.segments), (1, 2), "91 UCS-2 characters: two segments");
    world.wait_sent_to(PHONE, 2, WAIT).await;

    // Over the budget of 2: several SMS, cut at sentence ends, in order.
    let sentences: Vec<String> = (1..=9)
        .map(|n| format!("Step {n}: take a breath, look at the list, and pick the smallest task you can finish now."))
        .collect();
    let long = sentences.join(" ");
    assert!(nudge_core::sms::count_segments(&long).segments > 4);
    let queued = send_sms(&world, &user, &long, "long").await.expect("SendSms");
    assert!(queued.parts >= 3, "{queued:?}");
    assert_eq!(queued.outbound_ids.len(), usize::try_from(queued.parts).expect("parts"));
    assert_eq!(queued.outbound_ids[0], queued.outbound_id);
    let total = 2 + usize::try_from(queued.parts).expect("parts");
    let sent = world.wait_sent_to(PHONE, total, WAIT).await;
    let parts = &sent[2..];
    for part in parts {
        assert!(part.num_segments <= 2, "{part:?}");
        assert!(
            part.body.starts_with("Step ") && part.body.ends_with("now."),
            "cut at a sentence: {part:?}"
        );
    }
    let joined = parts.iter().map(|p| p.body.as_str()).collect::<Vec<_>>().join(" ");
    assert_eq!(words(&joined), words(&long), "in order, nothing lost");
    let segments: u32 = parts.iter().map(|p| p.num_segments).sum();
    assert_eq!(i32::try_from(segments).expect("small"), queued.segments);
    // Rows keyed <key>, <key>#2 ...
    let rows = world.outbound().await;
    let keys: Vec<&str> = rows
        .iter()
        .filter(|r| r.idempotency_key.starts_with("long"))
        .map(|r| r.idempotency_key.as_str())
        .collect();
    let mut expected = vec!["long".to_owned()];
    expected.extend((2..=queued.parts).map(|n| format!("long#{n}")));
    assert_eq!(keys, expected);

    // A retried call: the same rows, nothing sent again.
    let again = send_sms(&world, &user, &long, "long").await.expect("SendSms");
    assert!(again.duplicate);
    assert_eq!(again.outbound_ids, queued.outbound_ids);
    world.nothing_more_to(PHONE, total, Duration::from_secs(1)).await;

    // Still refused: over 1,600 characters, or empty.
    let mut grpc = world.grpc().await;
    for body in ["a".repeat(1601), "   ".to_owned()] {
        let error = grpc
            .send_sms(nudge_sms_router::client::SendSmsRequest {
                user_id: user.clone(),
                body,
                idempotency_key: "refused".to_owned(),
                kind: nudge_sms_router::client::SmsKind::Reply.into(),
            })
            .await
            .expect_err("refused");
        assert_eq!(error.code(), tonic::Code::InvalidArgument);
    }
    assert!(world.outbound_by_key("refused").await.is_none());
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn segments_are_counted_and_long_texts_split_within_the_budget_embedded() {
    segment_budget(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn segments_are_counted_and_long_texts_split_within_the_budget_distributed() {
    segment_budget(Mode::Distributed).await;
}

async fn post_status(world: &World, query: &str, params: &[(&str, &str)], signed: bool) -> u16 {
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let url = format!("{}/twilio/status{query}", world.public_base_url);
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/twilio/status{query}", world.http_ports[0]))
        .form(&owned);
    if signed {
        request = request.header(
            "X-Twilio-Signature",
            nudge_secure::twilio::compute_signature(AUTH_TOKEN, &url, &owned),
        );
    }
    request.send().await.expect("post").status().as_u16()
}

async fn forward_only_statuses(mode: Mode) {
    let world = World::start(mode, fast()).await;
    let user = world.demo_user().await.expect("demo person");
    send_sms(&world, &user, "First.", "first").await.expect("SendSms");
    // The fake posts signed `sent` then `delivered` callbacks.
    let row = world.wait_outbound("first", &["delivered"], WAIT).await;
    let sid = row.provider_sid.clone().expect("sid");
    // A late `sent` (Twilio does not promise order) does not move it back.
    let late = [("MessageSid", sid.as_str()), ("MessageStatus", "sent")];
    assert_eq!(post_status(&world, &format!("?o={}", row.id), &late, true).await, 204);
    // An unsigned `failed` is refused.
    let forged = [
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "failed"),
        ("ErrorCode", "30008"),
    ];
    assert_eq!(post_status(&world, "", &forged, false).await, 403);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let row = world.outbound_by_key("first").await.expect("row");
    assert_eq!((row.status.as_str(), row.error_code), ("delivered", None));
    // `read` comes after `delivered`.
    let read = [("MessageSid", sid.as_str()), ("MessageStatus", "read")];
    assert_eq!(post_status(&world, "", &read, true).await, 204);
    world.wait_outbound("first", &["read"], WAIT).await;

    // Undelivered, with the carrier's error code.
    world
        .fake
        .set_delivery_outcome(DeliveryOutcome::Undelivered { error_code: 30003 });
    send_sms(&world, &user, "Second.", "second").await.expect("SendSms");
    let row = world.wait_outbound("second", &["undelivered"], WAIT).await;
    assert_eq!(row.error_code, Some(30003));
    let metrics = world.metrics().await;
    assert!(counter(&metrics, "nudge_sms_messages_total", "status=\"undelivered\"") >= 1.0);
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn statuses_only_move_forward_from_signed_callbacks_embedded() {
    forward_only_statuses(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn statuses_only_move_forward_from_signed_callbacks_distributed() {
    forward_only_statuses(Mode::Distributed).await;
}

async fn retries(mode: Mode) {
    let options = fast()
        .with("NUDGE__SMS__RETRY_BASE_MS", "100")
        .with("NUDGE__SMS__RETRY_MAX_MS", "400");
    let world = World::start(mode, options).await;
    let user = world.demo_user().await.expect("demo person");

    // 500 twice, then accepted: sent once, on the third attempt.
    world.fake.fail_next(2, 500, 20500);
    send_sms(&world, &user, "After two 500s.", "five-hundred")
        .await
        .expect("SendSms");
    let row = world.wait_outbound("five-hundred", &["sent", "delivered"], WAIT).await;
    assert_eq!(row.attempts, 3);
    // 429 (Twilio 20429): retried too, the attempt given back (the
    // account's rate, not this SMS: it is never given up for it).
    world.fake.fail_next(1, 429, 20429);
    send_sms(&world, &user, "After a 429.", "too-many")
        .await
        .expect("SendSms");
    let row = world.wait_outbound("too-many", &["sent", "delivered"], WAIT).await;
    assert_eq!(row.attempts, 1);
    let sent = world.wait_sent_to(PHONE, 2, WAIT).await;
    assert_eq!(
        sent.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["After two 500s.", "After a 429."]
    );

    // Errors that will not change: failed at once, never retried.
    for (n, (status, code)) in [(400, 21211), (400, 21614), (400, 21408), (403, 20003)]
        .into_iter()
        .enumerate()
    {
        world.fake.fail_next(1, status, code);
        let key = format!("permanent-{n}");
        send_sms(&world, &user, &format!("Refused {n}."), &key)
            .await
            .expect("SendSms");
        let row = world.wait_outbound(&key, &["failed"], WAIT).await;
        assert_eq!(
            (row.attempts, row.error_code),
            (1, Some(i32::try_from(code).expect("code"))),
            "{key}"
        );
    }
    world.nothing_more_to(PHONE, 2, Duration::from_secs(1)).await;
    for n in 0..4 {
        let row = world.outbound_by_key(&format!("permanent-{n}")).await.expect("row");
        assert_eq!((row.status.as_str(), row.attempts), ("failed", 1), "not tried again");
    }
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_failures_are_retried_and_permanent_ones_are_not_embedded() {
    retries(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn temporary_failures_are_retried_and_permanent_ones_are_not_distributed() {
    retries(Mode::Distributed).await;
}

async fn lost_answers_are_reconciled(mode: Mode) {
    // No status callback within the test: only reconciliation can find what Twilio has.
    let options = Options {
        fake_step_delay: Duration::from_secs(60),
        ..fast()
    }
    .with("NUDGE__TWILIO__REQUEST_TIMEOUT_MS", "300")
    .with("NUDGE__SMS__RETRY_BASE_MS", "100")
    .with("NUDGE__SMS__RETRY_MAX_MS", "200")
    .with("NUDGE__SMS__SEND_LEASE_SECONDS", "5");
    let world = World::start(mode, options).await;
    let user = world.demo_user().await.expect("demo person");

    // Twilio accepts the SMS but its answer comes too late: the attempt timed
    // out. Before sending again, sms-router finds it at Twilio.
    world.fake.delay_next_responses(1, Duration::from_millis(1500));
    send_sms(&world, &user, "Was it sent?", "timed-out")
        .await
        .expect("SendSms");
    let row = world.wait_outbound("timed-out", &["sent"], WAIT).await;
    let at_twilio = world.wait_sent_to(PHONE, 1, WAIT).await;
    assert_eq!(row.provider_sid.as_deref(), Some(at_twilio[0].sid.as_str()));
    assert_eq!(row.attempts, 2, "a second claim reconciled it");

    // A sender that died mid-send: its claim expires, the row is reconciled, not sent again.
    send_sms(&world, &user, "Sent before the crash.", "crashed")
        .await
        .expect("SendSms");
    let row = world.wait_outbound("crashed", &["sent"], WAIT).await;
    let sid = row.provider_sid.clone().expect("sid");
    // As if the sender had died between Twilio's answer and recording it.
    world
        .execute(&format!(
            "UPDATE sms_outbound SET status = 'sending', provider_sid = NULL, sent_at = NULL, \
             claimed_at = updated_at, lease_until = updated_at WHERE id = '{}'",
            row.id
        ))
        .await;
    let row = world.wait_outbound("crashed", &["sent"], WAIT).await;
    assert_eq!(row.provider_sid.as_deref(), Some(sid.as_str()));
    assert_eq!(row.attempts, 2, "claimed again, reconciled, not sent");
    world.nothing_more_to(PHONE, 2, Duration::from_secs(1)).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_is_reconciled_not_sent_twice_embedded() {
    lost_answers_are_reconciled(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_lost_answer_is_reconciled_not_sent_twice_distributed() {
    lost_answers_are_reconciled(Mode::Distributed).await;
}

async fn same_words_are_not_taken_for_each_other(mode: Mode) {
    let options = fast().with("NUDGE__SMS__SEND_LEASE_SECONDS", "5");
    let world = World::start(mode, options).await;
    let user = world.demo_user().await.expect("demo person");
    send_sms(&world, &user, "Same words twice.", "same-first")
        .await
        .expect("SendSms");
    let first = world.wait_outbound("same-first", &["sent", "delivered"], WAIT).await;
    let first_sid = first.provider_sid.clone().expect("sid");
    // A second SMS with the same words, whose sender died before Twilio
    // got it (claimed, its claim expired, never sent): reconciling it finds
    // the first SMS at Twilio, which is not this one. Its recipient is
    // written as before phones were sealed (the first row's sealed phone is
    // bound to that row and would not open here).
    world
        .execute(&format!(
            "INSERT INTO sms_outbound (id, idempotency_key, user_id, kind, from_number, to_index, body, status, \
             segments, attempts, created_at, updated_at, send_after, claimed_at, lease_until, part, parts, encoding) \
             SELECT 'same-second-row', 'same-second', user_id, kind, from_number, '{PHONE}', body, 'sending', \
             segments, 1, created_at, updated_at, send_after, updated_at, updated_at, part, parts, encoding \
             FROM sms_outbound WHERE id = '{}'",
            first.id
        ))
        .await;
    let second = world.wait_outbound("same-second", &["sent", "delivered"], WAIT).await;
    assert_ne!(second.provider_sid.as_deref(), Some(first_sid.as_str()), "{second:?}");
    let at_twilio = world.wait_sent_to(PHONE, 2, WAIT).await;
    assert!(
        at_twilio.iter().all(|m| m.body == "Same words twice."),
        "{at_twilio:#?}"
    );
    assert_eq!(second.provider_sid.as_deref(), Some(at_twilio[1].sid.as_str()));
    world.nothing_more_to(PHONE, 2, Duration::from_secs(1)).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_with_the_same_words_as_one_sent_is_not_taken_for_it_embedded() {
    same_words_are_not_taken_for_each_other(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn an_sms_with_the_same_words_as_one_sent_is_not_taken_for_it_distributed() {
    same_words_are_not_taken_for_each_other(Mode::Distributed).await;
}

async fn slow_sends_keep_their_claim(mode: Mode) {
    // A claim lasts 5 s unless renewed; Twilio answers after 8 s (and its
    // status callbacks come later still, so the row stays `sending`).
    let options = Options {
        fake_step_delay: Duration::from_secs(60),
        ..fast()
    }
    .with("NUDGE__TWILIO__REQUEST_TIMEOUT_MS", "20000")
    .with("NUDGE__SMS__SEND_LEASE_SECONDS", "5");
    let world = World::start(mode, options).await;
    let user = world.demo_user().await.expect("demo person");
    world.fake.delay_next_responses(1, Duration::from_secs(8));
    send_sms(&world, &user, "Slow but sent once.", "slow")
        .await
        .expect("SendSms");
    let row = world.wait_outbound("slow", &["sent", "delivered"], WAIT).await;
    // The sender was alive all along: its claim was renewed, never taken
    // back and reconciled as if it had died.
    assert_eq!(row.attempts, 1, "claimed once: {row:?}");
    let at_twilio = world.wait_sent_to(PHONE, 1, WAIT).await;
    assert_eq!(row.provider_sid.as_deref(), Some(at_twilio[0].sid.as_str()));
    world.nothing_more_to(PHONE, 1, Duration::from_secs(1)).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_send_slower_than_its_lease_keeps_its_claim_embedded() {
    slow_sends_keep_their_claim(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_send_slower_than_its_lease_keeps_its_claim_distributed() {
    slow_sends_keep_their_claim(Mode::Distributed).await;
}

/// Gaps between consecutive SMS of one number, at Twilio, in order.
fn check_pace(messages: &[nudge_fake_twilio::FakeMessage], seconds_per_segment: f64) {
    for pair in messages.windows(2) {
        let gap = pair[1].date_created - pair[0].date_created;
        let needed = TimeDelta::microseconds((f64::from(pair[0].num_segments) * seconds_per_segment * 1e6) as i64);
        assert!(
            gap >= needed,
            "{:?} came {gap} after {:?} ({} segments): the pace is {needed}",
            pair[1].body,
            pair[0].body,
            pair[0].num_segments
        );
    }
}

async fn paced_bursts(mode: Mode) {
    let replicas = if mode == Mode::Distributed { 2 } else { 1 };
    let options = Options {
        replicas,
        ..Options::default()
    }
    .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "4");
    let world = World::start(mode, options).await;
    let demo = world.demo_user().await.expect("demo person");
    let other_phone = "+15145550101";
    let other = assign(&world, other_phone, "+15145550198").await;

    // Two people, eight SMS each, queued as fast as possible through every
    // replica; one of them two segments long.
    let started = std::time::Instant::now();
    let mut clients = Vec::new();
    for replica in 0..replicas {
        clients.push(world.grpc_to(replica).await);
    }
    let mut calls = Vec::new();
    for n in 1..=8 {
        for (person, name) in [(&demo, "demo"), (&other, "other")] {
            let body = if n == 4 {
                format!("{name} {n}: {}", "long ".repeat(40).trim_end())
            } else {
                format!("{name} {n}")
            };
            let mut client = clients[n % replicas].clone();
            let request = nudge_sms_router::client::SendSmsRequest {
                user_id: person.clone(),
                body,
                idempotency_key: format!("{name}:{n}"),
                kind: nudge_sms_router::client::SmsKind::Reminder.into(),
            };
            // In order per person: each call returns before the next one of that person.
            calls.push(async move { client.send_sms(request).await.expect("SendSms") });
        }
        futures::future::join_all(calls.drain(..)).await;
    }
    let demo_sent = world.wait_sent_to(PHONE, 8, WAIT).await;
    let other_sent = world.wait_sent_to(other_phone, 8, WAIT).await;
    let elapsed = started.elapsed();
    for (sent, name) in [(&demo_sent, "demo"), (&other_sent, "other")] {
        let order: Vec<String> = sent
            .iter()
            .map(|m| m.body.split(':').next().unwrap_or_default().to_owned())
            .collect();
        let expected: Vec<String> = (1..=8).map(|n| format!("{name} {n}")).collect();
        assert_eq!(order, expected, "in order");
        // 9 segments at 4 per second: never faster, per number.
        check_pace(sent, 0.25);
    }
    // The two numbers go at once, each at its own pace: about 9 × 0.25 s, not twice that.
    assert!(
        elapsed < Duration::from_secs(4) + Duration::from_millis(2250),
        "took {elapsed:?}"
    );
    world.nothing_more_to(PHONE, 8, Duration::from_millis(500)).await;
    // The queue emptied; every row sent once.
    let rows = world.outbound().await;
    let mut per_status: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        *per_status.entry(row.status.clone()).or_default() += 1;
    }
    assert_eq!(rows.len(), 16, "{per_status:?}");
    assert!(
        rows.iter().all(|r| r.attempts == 1 && r.provider_sid.is_some()),
        "{rows:#?}"
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bursts_are_paced_per_number_and_kept_in_order_embedded() {
    paced_bursts(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn bursts_are_paced_per_number_across_two_replicas_distributed() {
    paced_bursts(Mode::Distributed).await;
}

async fn the_queue_survives_a_restart(mode: Mode) {
    let world_options = Options::default().with("NUDGE__SMS__SEGMENTS_PER_SECOND", "1");
    let mut world = World::start(mode, world_options).await;
    let user = world.demo_user().await.expect("demo person");
    for n in 1..=5 {
        send_sms(&world, &user, &format!("Queued {n}."), &format!("queued:{n}"))
            .await
            .expect("SendSms");
    }
    world.wait_sent_to(PHONE, 1, WAIT).await;
    match mode {
        // SIGKILL: nothing in memory survives.
        Mode::Distributed => {
            world.kill_sms_router(0);
            tokio::time::sleep(Duration::from_secs(1)).await;
            world.restart_sms_router(0).await;
        }
        Mode::Embedded => world.restart_stack().await,
    }
    let sent = world.wait_sent_to(PHONE, 5, Duration::from_secs(30)).await;
    world.nothing_more_to(PHONE, 5, Duration::from_secs(2)).await;
    let bodies: Vec<&str> = sent.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["Queued 1.", "Queued 2.", "Queued 3.", "Queued 4.", "Queued 5."]
    );
    check_pace(&sent, 1.0);
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queued_sms_survive_a_restart_embedded() {
    the_queue_survives_a_restart(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn queued_sms_survive_kill_9_distributed() {
    the_queue_survives_a_restart(Mode::Distributed).await;
}
