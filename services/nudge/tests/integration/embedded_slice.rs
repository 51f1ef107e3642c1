//! The first reminder, end to end, in embedded mode: signed webhooks into
//! sms-router, the agent, workers and the scheduler, and the SMS out through
//! the console transport (read back from the dev outbox).

use std::time::Duration;

use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use nudge::embedded::Stack;
use nudge_core::Language;
use tokio_util::sync::CancellationToken;

async fn start(dir: &std::path::Path) -> Stack {
    nudge_telemetry::init_for_tests();
    Stack::start(dev_settings(dir, embedded_environment()), CancellationToken::new())
        .await
        .expect("stack starts")
}

#[track_caller]
fn assert_one_of(actual: &str, expected: &[String]) {
    assert!(
        expected.iter().any(|e| e == actual),
        "{actual:?} is none of {expected:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn english_and_french_reminders_fire_two_minutes_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let port = stack.ports.sms_router;
    let sender = sender(&stack.settings, port);

    let before = Utc::now();
    let english = text(&sender, "remind me in 2 minutes to drink water").await;
    let french = text(&sender, "rappelle-moi dans 2 minutes de boire de l'eau").await;
    let after = Utc::now();

    let confirmations = eventually(
        "two confirmations",
        Duration::from_secs(10),
        || outbox(port),
        |o| o.len() >= 2,
    )
    .await;
    for sms in &confirmations {
        assert_eq!((sms.to.as_str(), sms.from.as_str()), (PHONE, NUDGE_NUMBER));
    }
    let due = |language| [before, after].map(|t| montreal_clock(t + TimeDelta::minutes(2), language));
    assert_one_of(
        &confirmations[0].body,
        &due(Language::En).map(|time| format!("Got it. I'll remind you at {time}: drink water.")),
    );
    assert_one_of(
        &confirmations[1].body,
        &due(Language::Fr).map(|time| format!("C'est noté. Je te le rappelle à {time} : boire de l'eau.")),
    );

    // Twilio retries both webhooks: acknowledged, nothing done again.
    resend(&sender, &english, "remind me in 2 minutes to drink water").await;
    resend(&sender, &french, "rappelle-moi dans 2 minutes de boire de l'eau").await;

    let all = eventually(
        "two reminders",
        Duration::from_secs(150),
        || outbox(port),
        |o| o.len() >= 4,
    )
    .await;
    // Both fall due in the same instant: they may go out in either order.
    let reminder = |body: &str| all[2..].iter().find(|sms| sms.body == body).cloned();
    let english_reminder = reminder("Reminder: drink water. Reply DONE when it's done.").expect("English reminder");
    let french_reminder = reminder("Rappel : boire de l'eau. Réponds FAIT quand c'est fait.").expect("French reminder");
    for reminder in [&english_reminder, &french_reminder] {
        assert_eq!((reminder.to.as_str(), reminder.from.as_str()), (PHONE, NUDGE_NUMBER));
        // Measured from the webhooks; times are read to the second ("in 2 minutes"
        // said at 10:00:07.6 is 10:02:07), and the scheduler fires within a second or two.
        assert!(
            reminder.time >= before + TimeDelta::seconds(119) && reminder.time <= after + TimeDelta::seconds(122),
            "the reminder went out at {}, not two minutes after {before}",
            reminder.time
        );
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        outbox(port).await.len(),
        4,
        "no second reply and no second reminder for the retried webhooks"
    );

    // "fait" acknowledges the reminder sent last, "done" the other one. Both
    // went out in the same instant, so either may count as the last.
    text(&sender, "fait").await;
    let replies = eventually(
        "an acknowledgement",
        Duration::from_secs(10),
        || outbox(port),
        |o| o.len() >= 5,
    )
    .await;
    let first = replies[4]
        .body
        .strip_prefix("Bravo ! C'est noté comme fait : ")
        .expect("a French acknowledgement");
    let (first, other) = match first {
        "boire de l'eau." => ("boire de l'eau", "drink water"),
        "drink water." => ("drink water", "boire de l'eau"),
        unexpected => panic!("acknowledged {unexpected:?}"),
    };
    assert_ne!(first, other);
    text(&sender, "done").await;
    let replies = eventually(
        "an acknowledgement",
        Duration::from_secs(10),
        || outbox(port),
        |o| o.len() >= 6,
    )
    .await;
    assert_eq!(replies[5].body, format!("Nice work! Marked as done: {other}."));
    text(&sender, "done").await;
    let replies = eventually("an answer", Duration::from_secs(10), || outbox(port), |o| o.len() >= 7).await;
    assert_eq!(
        replies[6].body,
        "Nothing is waiting for an answer right now. Text me what to remind you of."
    );

    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_retries_of_one_webhook_are_handled_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let port = stack.ports.sms_router;
    let sender = sender(&stack.settings, port);

    let sid = nudge::webhook::new_message_sid();
    let sent_at = Utc::now();
    let body = "remind me in 3 seconds to stretch";
    let retries: Vec<_> = (0..8).map(|_| resend(&sender, &sid, body)).collect();
    futures::future::join_all(retries).await;

    let all = eventually(
        "the reminder",
        Duration::from_secs(15),
        || outbox(port),
        |o| o.len() >= 2,
    )
    .await;
    assert!(
        all[0].body.starts_with("Got it. I'll remind you at "),
        "{}",
        all[0].body
    );
    assert_eq!(all[1].body, "Reminder: stretch. Reply DONE when it's done.");
    // Measured from the webhook; times are read to the second ("in 3 seconds"
    // said at 10:00:07.6 is 10:00:10).
    let delay = all[1].time - sent_at;
    assert!(
        delay >= TimeDelta::seconds(2) && delay <= TimeDelta::seconds(5),
        "fired {delay} later"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        outbox(port).await.len(),
        2,
        "eight deliveries of one MessageSid: one reply, one reminder"
    );
    stack.stop().await.expect("clean stop");
}
