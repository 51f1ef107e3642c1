//! Reminders whose time passed while Nudge was down (simulated: created
//! already due, with a catch-up window of 2 s), end to end in embedded mode:
//! sent saying they are late, or recorded as missed, as the person chose.

use std::time::Duration;

use crate::helpers::reminders::*;
use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use nudge::embedded::Stack;
use nudge_core::Language;
use tokio_util::sync::CancellationToken;

async fn start(dir: &std::path::Path) -> Stack {
    nudge_telemetry::init_for_tests();
    let mut environment = embedded_environment();
    environment.insert("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS".to_owned(), "2".to_owned());
    Stack::start(dev_settings(dir, environment), CancellationToken::new())
        .await
        .expect("stack starts")
}

#[tokio::test(flavor = "multi_thread")]
async fn late_reminders_are_sent_saying_so_by_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let port = stack.ports.sms_router;
    let mut workers = workers(stack.ports.workers).await;
    let user_id = user_id_of(&stack.settings, PHONE).await;
    let settings = workers
        .get_delivery_settings(GetDeliverySettingsRequest {
            user_id: user_id.clone(),
        })
        .await
        .expect("settings")
        .into_inner()
        .settings
        .expect("settings");
    assert_eq!(settings.missed_policy, i32::from(MissedPolicy::SendLate));

    let due = Utc::now() - TimeDelta::seconds(60);
    let created = create(&mut workers, reminder(&user_id, "water the plants", due)).await;
    let sent = wait_for_reminders(port, "water the plants", 1, Duration::from_secs(10)).await;
    assert_eq!(
        sent[0].body,
        format!(
            "Sorry, this reminder is late (it was for {}): water the plants. Reply DONE when it's done.",
            montreal_clock(due, Language::En)
        )
    );
    // Within the window: on time, not late.
    let due = Utc::now() - TimeDelta::seconds(1);
    create(&mut workers, reminder(&user_id, "feed the cat", due)).await;
    let sent = wait_for_reminders(port, "feed the cat", 1, Duration::from_secs(10)).await;
    assert_eq!(sent[0].body, english("feed the cat"));
    let reminder = wait_until_sent(&workers, &user_id, &created.reminder.expect("reminder").id).await;
    assert_eq!(reminder.text, "water the plants");
    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn missed_reminders_are_recorded_when_the_person_prefers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let port = stack.ports.sms_router;
    let mut workers = workers(stack.ports.workers).await;
    let user_id = user_id_of(&stack.settings, PHONE).await;
    let mut settings = delivery(&user_id, 600, 3);
    settings.missed_policy = MissedPolicy::RecordMissed.into();
    set_delivery(&mut workers, settings).await;

    // A one-off: MISSED, never sent, listed among the finished ones.
    let due = millis(Utc::now() - TimeDelta::seconds(60));
    let one_off = create(&mut workers, reminder(&user_id, "pay rent", due))
        .await
        .reminder
        .expect("reminder");
    let missed = eventually(
        "the one-off recorded as missed",
        Duration::from_secs(10),
        || {
            let mut workers = workers.clone();
            let (user_id, id) = (user_id.clone(), one_off.id.clone());
            async move { get(&mut workers, &user_id, &id).await }
        },
        |r| r.status == i32::from(ReminderStatus::Missed),
    )
    .await;
    assert_eq!(instant(&missed.due_at), due, "shows when it was due");

    // A recurring one: this occurrence missed, the next one scheduled.
    let due = millis(Utc::now() - TimeDelta::seconds(90));
    let mut hourly = reminder(&user_id, "stand up", due);
    hourly.rrule = "FREQ=HOURLY".to_owned();
    let hourly = create(&mut workers, hourly).await.reminder.expect("reminder");
    let next = eventually(
        "the recurring one moved to its next occurrence",
        Duration::from_secs(10),
        || {
            let mut workers = workers.clone();
            let (user_id, id) = (user_id.clone(), hourly.id.clone());
            async move { get(&mut workers, &user_id, &id).await }
        },
        |r| r.due_at.is_some() && instant(&r.due_at) != due,
    )
    .await;
    assert_eq!(instant(&next.due_at), due + TimeDelta::hours(1));
    assert_eq!(next.status, i32::from(ReminderStatus::Scheduled));

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(reminders_about(port, "pay rent").await.is_empty(), "never sent");
    assert!(reminders_about(port, "stand up").await.is_empty(), "never sent");

    let list = |include_finished| {
        let mut workers = workers.clone();
        let user_id = user_id.clone();
        async move {
            workers
                .list_reminders(ListRemindersRequest {
                    user_id,
                    include_finished,
                })
                .await
                .expect("list")
                .into_inner()
                .reminders
        }
    };
    let open = list(false).await;
    assert_eq!(
        open.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec![hourly.id.as_str()]
    );
    let all = list(true).await;
    let listed = all
        .iter()
        .find(|r| r.id == one_off.id)
        .expect("the missed one is listed");
    assert_eq!(listed.status, i32::from(ReminderStatus::Missed));
    assert_eq!(all.len(), 2);
    stack.stop().await.expect("clean stop");
}
