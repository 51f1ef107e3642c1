//! Nagging, "done" and "snooze", end to end in embedded mode: reminders
//! created through the workers gRPC API, SMS read back from the dev outbox.

use std::time::Duration;

use crate::helpers::reminders::*;
use crate::helpers::*;
use chrono::{TimeDelta, Utc};

#[track_caller]
fn assert_between(what: &str, delay: TimeDelta, min_ms: i64, max_ms: i64) {
    assert!(
        delay >= TimeDelta::milliseconds(min_ms) && delay <= TimeDelta::milliseconds(max_ms),
        "{what}: {delay} is not within [{min_ms} ms, {max_ms} ms]"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nags_go_out_up_to_the_limit_then_stop() {
    let mut f = start().await;
    let port = f.stack.ports.sms_router;
    let settings = set_delivery(&mut f.workers, delivery(&f.user_id, 2, 2)).await;
    assert_eq!((settings.nag_interval_seconds, settings.nag_limit), (2, 2));

    let due = millis(Utc::now() + TimeDelta::seconds(2));
    let created = create(&mut f.workers, reminder(&f.user_id, "stretch", due)).await;
    assert!(created.created);
    assert_eq!(instant(&created.first_send_at), due, "no quiet hours: sent when due");
    let id = created.reminder.expect("reminder").id;

    let sent = wait_for_reminders(port, "stretch", 3, Duration::from_secs(15)).await;
    assert_eq!(sent[0].body, english("stretch"));
    assert_eq!(sent[1].body, english_nag("stretch"));
    assert_eq!(sent[2].body, english_nag("stretch"));
    for sms in &sent {
        assert_eq!((sms.to.as_str(), sms.user_id.as_str()), (PHONE, f.user_id.as_str()));
    }
    assert_between("first send after due", sent[0].time - due, -5, 1_000);
    assert_between("first nag", sent[1].time - sent[0].time, 0, 3_000);
    assert_between("second nag", sent[2].time - sent[1].time, 0, 3_000);
    let arrivals: Vec<_> = sent.iter().map(|sms| sms.time).collect();
    assert_nags_follow_their_sends(&f.stack.settings.database, &id, &arrivals, 2_000).await;

    // The limit is reached: silence.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(reminders_about(port, "stretch").await.len(), 3, "no third nag");
    let reminder = get(&mut f.workers, &f.user_id, &id).await;
    assert_eq!(reminder.status, i32::from(ReminderStatus::Sent));
    assert_eq!(reminder.nags_sent, 2);
    assert_eq!(instant(&reminder.due_at), due, "a sent reminder shows when it was due");
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn french_nags() {
    let mut f = start().await;
    let port = f.stack.ports.sms_router;
    set_delivery(&mut f.workers, delivery(&f.user_id, 1, 1)).await;
    let mut request = reminder(&f.user_id, "boire de l'eau", Utc::now() + TimeDelta::seconds(1));
    request.language = "fr".to_owned();
    create(&mut f.workers, request).await;
    let sent = wait_for_reminders(port, "boire de l'eau", 2, Duration::from_secs(10)).await;
    assert_eq!(sent[0].body, "Rappel : boire de l'eau. Réponds FAIT quand c'est fait.");
    assert_eq!(sent[1].body, french_nag("boire de l'eau"));
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn done_stops_the_nagging_once_per_key() {
    let mut f = start().await;
    let port = f.stack.ports.sms_router;
    set_delivery(&mut f.workers, delivery(&f.user_id, 2, 3)).await;
    assert_eq!(done(&mut f.workers, &f.user_id, "done:early").await.map(|r| r.id), None);

    let due = Utc::now() + TimeDelta::seconds(2);
    let id = create(&mut f.workers, reminder(&f.user_id, "take meds", due))
        .await
        .reminder
        .expect("reminder")
        .id;
    wait_for_reminders(port, "take meds", 1, Duration::from_secs(10)).await;
    wait_until_sent(&f.workers, &f.user_id, &id).await;

    let acknowledged = done(&mut f.workers, &f.user_id, "done:1").await.expect("acknowledged");
    assert_eq!(acknowledged.id, id);
    assert_eq!(acknowledged.text, "take meds");
    assert_eq!(acknowledged.status, i32::from(ReminderStatus::Done));
    // A retry of the same "done" gives the same answer; a new one finds nothing.
    let again = done(&mut f.workers, &f.user_id, "done:1").await.expect("same answer");
    assert_eq!(again.id, id);
    assert_eq!(done(&mut f.workers, &f.user_id, "done:2").await.map(|r| r.id), None);

    tokio::time::sleep(Duration::from_secs(5)).await;
    let sent = reminders_about(port, "take meds").await;
    assert_eq!(sent.len(), 1, "no nag after done: {sent:#?}");
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn snooze_sends_again_later_and_nagging_restarts() {
    let mut f = start().await;
    let port = f.stack.ports.sms_router;
    set_delivery(&mut f.workers, delivery(&f.user_id, 2, 1)).await;
    assert_eq!(
        snooze(
            &mut f.workers,
            &f.user_id,
            Utc::now() + TimeDelta::seconds(5),
            "snooze:early"
        )
        .await
        .map(|r| r.id),
        None,
        "nothing waits for an answer yet"
    );

    let id = create(
        &mut f.workers,
        reminder(&f.user_id, "call mom", Utc::now() + TimeDelta::seconds(2)),
    )
    .await
    .reminder
    .expect("reminder")
    .id;
    wait_for_reminders(port, "call mom", 1, Duration::from_secs(10)).await;
    wait_until_sent(&f.workers, &f.user_id, &id).await;

    let past = f
        .workers
        .snooze_latest(SnoozeLatestRequest {
            user_id: f.user_id.clone(),
            until: ts(Utc::now() - TimeDelta::seconds(1)),
            idempotency_key: "snooze:past".to_owned(),
        })
        .await;
    let (status, message) = code(past);
    assert_eq!(status, tonic::Code::InvalidArgument);
    assert!(message.contains("until"), "{message}");

    let until = millis(Utc::now() + TimeDelta::seconds(3));
    let snoozed = snooze(&mut f.workers, &f.user_id, until, "snooze:1")
        .await
        .expect("snoozed");
    assert_eq!(snoozed.id, id);
    assert_eq!(snoozed.status, i32::from(ReminderStatus::Scheduled));
    assert_eq!(instant(&snoozed.due_at), until);
    // The same snooze again (a retry): same answer, nothing more scheduled.
    let again = snooze(&mut f.workers, &f.user_id, until + TimeDelta::seconds(5), "snooze:1")
        .await
        .expect("same answer");
    assert_eq!((again.id.as_str(), instant(&again.due_at)), (id.as_str(), until));

    // The nag due 2 s after the first send was cancelled: next comes the
    // reminder again at `until`, then one nag 2 s later, then silence.
    let sent = wait_for_reminders(port, "call mom", 3, Duration::from_secs(15)).await;
    assert_eq!(sent[1].body, english("call mom"));
    assert_eq!(sent[2].body, english_nag("call mom"));
    assert_between("snoozed send", sent[1].time - until, -5, 1_000);
    assert_between("nag after the snooze", sent[2].time - sent[1].time, 0, 3_000);
    let arrivals: Vec<_> = sent.iter().map(|sms| sms.time).collect();
    assert_nags_follow_their_sends(&f.stack.settings.database, &id, &arrivals, 2_000).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(reminders_about(port, "call mom").await.len(), 3, "one snooze, one nag");
    let reminder = get(&mut f.workers, &f.user_id, &id).await;
    assert_eq!(reminder.status, i32::from(ReminderStatus::Sent));
    assert_eq!(reminder.nags_sent, 1);
    assert_eq!(instant(&reminder.due_at), until);
    f.stack.stop().await.expect("clean stop");
}
