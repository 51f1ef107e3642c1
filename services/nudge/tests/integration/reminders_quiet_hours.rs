//! Quiet hours, end to end in embedded mode: a reminder due inside them is
//! held until they end (and says when it will really go out); an urgent one,
//! and its nags, go out anyway.

use std::time::Duration;

use crate::helpers::reminders::*;
use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use nudge::embedded::Stack;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread")]
async fn quiet_hours_hold_reminders_until_they_end_but_not_urgent_ones() {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = Stack::start(
        dev_settings(dir.path(), embedded_environment()),
        CancellationToken::new(),
    )
    .await
    .expect("stack starts");
    let port = stack.ports.sms_router;
    let mut workers = workers(stack.ports.workers).await;
    let user_id = user_id_of(&stack.settings, PHONE).await;

    // Quiet from this minute (Montreal time) to the next, at least 10 s away.
    let (quiet, end) = quiet_until_next_minute(Duration::from_secs(10)).await;
    let mut settings = delivery(&user_id, 2, 1);
    settings.quiet_hours = Some(quiet);
    let stored = set_delivery(&mut workers, settings).await;
    assert_eq!(stored.quiet_hours, Some(quiet));

    let due = millis(Utc::now() + TimeDelta::seconds(2));
    let held = create(&mut workers, reminder(&user_id, "water the plants", due)).await;
    assert_eq!(instant(&held.first_send_at), end, "held until quiet hours end");
    let held = held.reminder.expect("reminder");
    assert_eq!(instant(&held.due_at), end, "it fires when quiet hours end");
    assert_eq!(held.status, i32::from(ReminderStatus::Scheduled));

    let mut urgent = reminder(&user_id, "leave for the airport", due);
    urgent.urgent = true;
    let urgent = create(&mut workers, urgent).await;
    assert_eq!(instant(&urgent.first_send_at), due, "urgent: sent when due");
    assert!(urgent.reminder.expect("reminder").urgent);

    // The urgent one and its nag go out inside quiet hours.
    let sent = wait_for_reminders(port, "leave for the airport", 2, Duration::from_secs(10)).await;
    assert_eq!(sent[0].body, english("leave for the airport"));
    assert_eq!(sent[1].body, english_nag("leave for the airport"));
    assert!(sent[1].time < end, "the urgent nag went out during quiet hours");
    assert!(reminders_about(port, "water the plants").await.is_empty());

    // The other one goes out when the window ends, not before, and not "late".
    let sent = wait_for_reminders(port, "water the plants", 1, Duration::from_secs(75)).await;
    assert_eq!(sent[0].body, english("water the plants"));
    assert!(
        sent[0].time >= end && sent[0].time - end <= TimeDelta::seconds(1),
        "sent at {}, quiet hours ended at {end}",
        sent[0].time
    );
    // Its nag follows, quiet hours being over.
    let sent = wait_for_reminders(port, "water the plants", 2, Duration::from_secs(10)).await;
    assert_eq!(sent[1].body, english_nag("water the plants"));
    let reminder = get(&mut workers, &user_id, &held.id).await;
    assert_eq!(reminder.status, i32::from(ReminderStatus::Sent));
    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snooze_into_quiet_hours_is_held_too() {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = Stack::start(
        dev_settings(dir.path(), embedded_environment()),
        CancellationToken::new(),
    )
    .await
    .expect("stack starts");
    let port = stack.ports.sms_router;
    let mut workers = workers(stack.ports.workers).await;
    let user_id = user_id_of(&stack.settings, PHONE).await;

    let id = create(
        &mut workers,
        reminder(&user_id, "fold laundry", Utc::now() + TimeDelta::seconds(1)),
    )
    .await
    .reminder
    .expect("reminder")
    .id;
    wait_for_reminders(port, "fold laundry", 1, Duration::from_secs(10)).await;
    wait_until_sent(&workers, &user_id, &id).await;

    // Quiet hours start now; a snooze of 3 s lands inside them.
    let (quiet, end) = quiet_until_next_minute(Duration::from_secs(8)).await;
    let mut settings = delivery(&user_id, 0, 0);
    settings.quiet_hours = Some(quiet);
    set_delivery(&mut workers, settings).await;
    let snoozed = snooze(
        &mut workers,
        &user_id,
        Utc::now() + TimeDelta::seconds(3),
        "snooze:quiet",
    )
    .await
    .expect("snoozed");
    assert_eq!(
        instant(&snoozed.due_at),
        end,
        "the snooze waits for the end of quiet hours"
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        reminders_about(port, "fold laundry").await.len(),
        1,
        "nothing during quiet hours"
    );
    stack.stop().await.expect("clean stop");
}
