//! Managing reminders through the workers gRPC API, end to end in embedded
//! mode: list, get, update, cancel, recurrence, delivery settings, and
//! another person's reminders staying out of reach.

use std::time::Duration;

use crate::helpers::reminders::*;
use chrono::{TimeDelta, TimeZone as _, Timelike as _, Utc};
use chrono_tz::America::Montreal;

/// A change that makes delivery settings invalid.
type Change = fn(&mut DeliverySettings);

async fn list(workers: &mut Workers, user_id: &str, include_finished: bool) -> Vec<Reminder> {
    workers
        .list_reminders(ListRemindersRequest {
            user_id: user_id.to_owned(),
            include_finished,
        })
        .await
        .expect("list")
        .into_inner()
        .reminders
}

fn update(user_id: &str, reminder_id: &str) -> UpdateReminderRequest {
    UpdateReminderRequest {
        user_id: user_id.to_owned(),
        reminder_id: reminder_id.to_owned(),
        text: None,
        due_at: None,
        rrule: None,
        urgent: None,
    }
}

async fn updated(workers: &mut Workers, request: UpdateReminderRequest) -> Reminder {
    workers
        .update_reminder(request)
        .await
        .expect("updated")
        .into_inner()
        .reminder
        .expect("reminder")
}

fn cancel(user_id: &str, reminder_id: &str) -> CancelReminderRequest {
    CancelReminderRequest {
        user_id: user_id.to_owned(),
        reminder_id: reminder_id.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_get_update_and_cancel() {
    let mut f = start().await;
    let (w, user) = (&mut f.workers, f.user_id.clone());
    let now = Utc::now();
    let alpha_due = millis(now + TimeDelta::hours(1));
    let alpha = create(w, reminder(&user, "alpha", alpha_due))
        .await
        .reminder
        .expect("alpha");
    let bravo_due = millis(now + TimeDelta::minutes(30));
    let mut request = reminder(&user, "bravo", bravo_due);
    request.urgent = true;
    request.language = "fr".to_owned();
    let key = request.idempotency_key.clone();
    let bravo = create(w, request.clone()).await.reminder.expect("bravo");
    // Created again with the same key: the same reminder.
    let again = create(w, request).await;
    assert!(!again.created);
    assert_eq!(again.reminder.expect("bravo").id, bravo.id);
    assert!(!key.is_empty());
    let charlie_due = millis(now + TimeDelta::hours(2));
    let mut request = reminder(&user, "charlie", charlie_due);
    request.rrule = "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0".to_owned();
    let charlie = create(w, request).await.reminder.expect("charlie");

    // Every field, soonest first.
    let listed = list(w, &user, false).await;
    let ids: Vec<&str> = listed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec![bravo.id.as_str(), alpha.id.as_str(), charlie.id.as_str()]);
    let b = &listed[0];
    assert_eq!(
        (b.text.as_str(), b.language.as_str(), b.timezone.as_str()),
        ("bravo", "fr", "America/Montreal")
    );
    assert_eq!(b.user_id, user);
    assert!(b.urgent);
    assert_eq!(b.status, i32::from(ReminderStatus::Scheduled));
    assert_eq!(instant(&b.due_at), bravo_due);
    assert_eq!(b.nags_sent, 0);
    assert!(instant(&b.created_at) >= millis(now) - TimeDelta::seconds(1));
    assert_eq!(listed[2].rrule, "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0");
    assert!(!listed[1].urgent && listed[1].rrule.is_empty());
    assert_eq!(get(w, &user, &alpha.id).await, listed[1]);

    // Update: text alone keeps the time; a time replaces what was pending.
    let mut request = update(&user, &alpha.id);
    request.text = Some("alpha two".to_owned());
    let a = updated(w, request).await;
    assert_eq!((a.text.as_str(), instant(&a.due_at)), ("alpha two", alpha_due));
    let new_due = millis(now + TimeDelta::hours(3));
    let mut request = update(&user, &alpha.id);
    request.due_at = ts(new_due);
    request.urgent = Some(true);
    let a = updated(w, request).await;
    assert_eq!(instant(&a.due_at), new_due);
    assert!(a.urgent);
    // Only the rule: the next occurrence of the new rule (09:00 local).
    let mut request = update(&user, &alpha.id);
    request.rrule = Some("FREQ=DAILY;BYHOUR=9;BYMINUTE=0".to_owned());
    let a = updated(w, request).await;
    assert_eq!(a.rrule, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0");
    let next = instant(&a.due_at).with_timezone(&Montreal);
    assert_eq!((next.hour(), next.minute()), (9, 0));
    assert!(instant(&a.due_at) >= new_due, "not before its start");
    assert!(instant(&a.due_at) <= new_due + TimeDelta::days(1));
    // "" makes it a one-off again.
    let mut request = update(&user, &alpha.id);
    request.rrule = Some(String::new());
    assert!(updated(w, request).await.rrule.is_empty());
    let mut request = update(&user, &alpha.id);
    request.rrule = Some("FREQ=SECONDLY".to_owned());
    let (status, message) = code(w.update_reminder(request).await);
    assert_eq!(status, tonic::Code::InvalidArgument);
    assert!(message.contains("rrule"), "{message}");
    let mut request = update(&user, &alpha.id);
    request.text = Some("  ".to_owned());
    let (status, message) = code(w.update_reminder(request).await);
    assert_eq!(status, tonic::Code::InvalidArgument);
    assert!(message.contains("text"), "{message}");

    // Cancel, twice: not an error. Gone from the list, among the finished ones.
    let cancelled = w
        .cancel_reminder(cancel(&user, &bravo.id))
        .await
        .expect("cancel")
        .into_inner();
    assert_eq!(
        cancelled.reminder.expect("reminder").status,
        i32::from(ReminderStatus::Cancelled)
    );
    let again = w
        .cancel_reminder(cancel(&user, &bravo.id))
        .await
        .expect("cancel again")
        .into_inner();
    let again = again.reminder.expect("reminder");
    assert_eq!(again.status, i32::from(ReminderStatus::Cancelled));
    assert_eq!(instant(&again.due_at), bravo_due, "when it was last due");
    let open: Vec<String> = list(w, &user, false).await.into_iter().map(|r| r.id).collect();
    // Charlie (in 2 h) now comes before alpha (moved to 09:00, at least 3 h away).
    assert_eq!(open, vec![charlie.id.clone(), alpha.id.clone()]);
    let all: Vec<String> = list(w, &user, true).await.into_iter().map(|r| r.id).collect();
    assert_eq!(all.len(), 3);
    assert!(all.contains(&bravo.id));
    let mut request = update(&user, &bravo.id);
    request.text = Some("too late".to_owned());
    let (status, _) = code(w.update_reminder(request).await);
    assert_eq!(status, tonic::Code::FailedPrecondition);
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_persons_reminder_is_not_found() {
    let mut f = start().await;
    let (w, user) = (&mut f.workers, f.user_id.clone());
    // Another person with a number of their own.
    let other = random_user();
    sms_router(f.stack.ports.sms_router_grpc)
        .await
        .assign_number(AssignNumberRequest {
            user_id: other.clone(),
            phone: "+15145550142".to_owned(),
            nudge_number: "+15145550143".to_owned(),
            timezone: String::new(),
            language: String::new(),
            number_only: true,
        })
        .await
        .expect("a number for the other person");
    let theirs = create(w, reminder(&other, "their secret", Utc::now() + TimeDelta::days(1)))
        .await
        .reminder
        .expect("theirs");
    let mine = create(w, reminder(&user, "mine", Utc::now() + TimeDelta::days(1)))
        .await
        .reminder
        .expect("mine");
    let unknown = random_user();
    for id in [&theirs.id, &unknown] {
        let (status, message) = code(
            w.get_reminder(GetReminderRequest {
                user_id: user.clone(),
                reminder_id: id.clone(),
            })
            .await,
        );
        assert_eq!(status, tonic::Code::NotFound, "{message}");
        let mut request = update(&user, id);
        request.text = Some("hijacked".to_owned());
        assert_eq!(code(w.update_reminder(request).await).0, tonic::Code::NotFound);
        assert_eq!(
            code(w.cancel_reminder(cancel(&user, id)).await).0,
            tonic::Code::NotFound
        );
    }
    // Same answer whichever way round, and nothing changed.
    assert_eq!(
        code(w.cancel_reminder(cancel(&other, &mine.id)).await).0,
        tonic::Code::NotFound
    );
    let theirs_now = get(w, &other, &theirs.id).await;
    assert_eq!(
        (theirs_now.text.as_str(), theirs_now.status),
        ("their secret", i32::from(ReminderStatus::Scheduled))
    );
    let listed: Vec<String> = list(w, &user, true).await.into_iter().map(|r| r.id).collect();
    assert_eq!(listed, vec![mine.id.clone()]);
    // Someone else's idempotency key does not reveal their reminder.
    let mut request = reminder(&other, "first", Utc::now() + TimeDelta::days(1));
    request.idempotency_key = "sms:shared".to_owned();
    create(w, request).await;
    let mut request = reminder(&user, "second", Utc::now() + TimeDelta::days(1));
    request.idempotency_key = "sms:shared".to_owned();
    assert_eq!(code(w.create_reminder(request).await).0, tonic::Code::InvalidArgument);
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recurring_reminder_gets_its_next_occurrence_after_each_send() {
    let mut f = start().await;
    let port = f.stack.ports.sms_router;
    let (w, user) = (&mut f.workers, f.user_id.clone());
    for (rrule, why) in [
        ("FREQ=SECONDLY", "not supported"),
        ("FREQ=DAILY;COUNT=3", "COUNT is not supported"),
        ("every day", "not a rule"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never occurs"),
    ] {
        let mut request = reminder(&user, "nope", Utc::now() + TimeDelta::hours(1));
        request.rrule = rrule.to_owned();
        let (status, message) = code(w.create_reminder(request).await);
        assert_eq!(status, tonic::Code::InvalidArgument, "{rrule}: {why}");
        assert!(message.starts_with("rrule"), "{rrule}: {message}");
    }

    // A daily rule at 08:00 Montreal time: the first occurrence is due_at (DTSTART).
    let tomorrow = Utc::now().with_timezone(&Montreal).date_naive() + TimeDelta::days(1);
    let eight = Montreal
        .from_local_datetime(&tomorrow.and_hms_opt(8, 0, 0).expect("08:00"))
        .earliest()
        .expect("08:00 exists")
        .with_timezone(&Utc);
    let mut request = reminder(&user, "vitamins", eight);
    request.rrule = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0".to_owned();
    let daily = create(w, request).await.reminder.expect("daily");
    assert_eq!(instant(&daily.due_at), eight);
    assert_eq!(daily.rrule, "FREQ=DAILY;BYHOUR=8;BYMINUTE=0");

    // Every minute from 2 s from now: after the first send, the next one is a minute after DTSTART.
    let dtstart = millis(Utc::now() + TimeDelta::seconds(2));
    let mut request = reminder(&user, "drink water", dtstart);
    request.rrule = "FREQ=MINUTELY".to_owned();
    let minutely = create(w, request).await.reminder.expect("minutely");
    let sent = wait_for_reminders(port, "drink water", 1, Duration::from_secs(10)).await;
    assert_eq!(sent[0].body, english("drink water"));
    let waiting = wait_until_sent(w, &user, &minutely.id).await;
    assert_eq!(instant(&waiting.due_at), dtstart, "sent: shows when it was due");
    // "done" on a recurring reminder: back to SCHEDULED, at its next occurrence.
    let acknowledged = done(w, &user, "done:minutely").await.expect("acknowledged");
    assert_eq!(acknowledged.id, minutely.id);
    assert_eq!(acknowledged.status, i32::from(ReminderStatus::Scheduled));
    assert_eq!(instant(&acknowledged.due_at), dtstart + TimeDelta::minutes(1));
    let listed = list(w, &user, false).await;
    assert_eq!(listed[0].id, minutely.id, "the next occurrence is the soonest");
    // The same "done" again: the same reminder, not the next one.
    assert_eq!(done(w, &user, "done:minutely").await.expect("same").id, minutely.id);
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_replaces_what_was_pending() {
    let mut f = start().await;
    let port = f.stack.ports.sms_router;
    let (w, user) = (&mut f.workers, f.user_id.clone());
    set_delivery(w, delivery(&user, 2, 3)).await;
    // Due in an hour, moved to 2 s from now: it fires then.
    let later = create(w, reminder(&user, "book flights", Utc::now() + TimeDelta::hours(1)))
        .await
        .reminder
        .expect("reminder");
    let soon = millis(Utc::now() + TimeDelta::seconds(2));
    let mut request = update(&user, &later.id);
    request.due_at = ts(soon);
    assert_eq!(instant(&updated(w, request).await.due_at), soon);
    let sent = wait_for_reminders(port, "book flights", 1, Duration::from_secs(10)).await;
    assert!(sent[0].time >= soon - TimeDelta::milliseconds(5) && sent[0].time - soon < TimeDelta::seconds(1));
    wait_until_sent(w, &user, &later.id).await;

    // Sent and nagging: moved 3 s later, the pending nag goes and the reminder comes again.
    let again = millis(Utc::now() + TimeDelta::seconds(3));
    let mut request = update(&user, &later.id);
    request.due_at = ts(again);
    let moved = updated(w, request).await;
    assert_eq!(moved.status, i32::from(ReminderStatus::Scheduled));
    let sent = wait_for_reminders(port, "book flights", 2, Duration::from_secs(10)).await;
    assert_eq!(sent[1].body, english("book flights"), "the reminder again, not a nag");
    assert!(sent[1].time >= again - TimeDelta::milliseconds(5));
    // Cancelled: its nags stop too.
    w.cancel_reminder(cancel(&user, &later.id)).await.expect("cancel");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(reminders_about(port, "book flights").await.len(), 2);
    f.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn delivery_settings_have_defaults_and_are_checked() {
    let mut f = start().await;
    let (w, user) = (&mut f.workers, f.user_id.clone());
    let client = w.clone();
    let get_settings = |user_id: String| {
        let mut w = client.clone();
        async move {
            w.get_delivery_settings(GetDeliverySettingsRequest { user_id })
                .await
                .expect("settings")
                .into_inner()
                .settings
                .expect("settings")
        }
    };
    // Never set: nag every 10 minutes, 3 times, no quiet hours, late ones sent.
    let defaults = get_settings(random_user()).await;
    assert_eq!(
        (
            defaults.nag_interval_seconds,
            defaults.nag_limit,
            defaults.quiet_hours,
            defaults.missed_policy
        ),
        (600, 3, None, i32::from(MissedPolicy::SendLate))
    );
    assert_eq!(defaults.timezone, "UTC", "no reminder to take a zone from");
    create(w, reminder(&user, "zone", Utc::now() + TimeDelta::days(1))).await;
    assert_eq!(get_settings(user.clone()).await.timezone, "America/Montreal");

    let mut settings = delivery(&user, 1, 20);
    settings.timezone = "Europe/Paris".to_owned();
    settings.quiet_hours = Some(QuietHours {
        start_minute: 22 * 60,
        end_minute: 7 * 60,
    });
    settings.missed_policy = MissedPolicy::RecordMissed.into();
    let stored = set_delivery(w, settings.clone()).await;
    assert_eq!(stored, settings);
    assert_eq!(get_settings(user.clone()).await, settings);

    let refusals: [(&str, Change); 7] = [
        ("user_id", |s| s.user_id = "alice".to_owned()),
        ("timezone", |s| s.timezone = "Mars/Olympus".to_owned()),
        ("quiet_hours", |s| {
            s.quiet_hours = Some(QuietHours {
                start_minute: 1440,
                end_minute: 60,
            })
        }),
        ("quiet_hours", |s| {
            s.quiet_hours = Some(QuietHours {
                start_minute: 60,
                end_minute: 60,
            })
        }),
        ("nag_limit", |s| s.nag_limit = 21),
        ("nag_interval_seconds", |s| s.nag_interval_seconds = 90_000),
        ("missed_policy", |s| s.missed_policy = MissedPolicy::Unspecified.into()),
    ];
    for (field, change) in refusals {
        let mut bad = settings.clone();
        change(&mut bad);
        let (status, message) = code(
            w.set_delivery_settings(SetDeliverySettingsRequest { settings: Some(bad) })
                .await,
        );
        assert_eq!(status, tonic::Code::InvalidArgument, "{field}: {message}");
        assert!(message.starts_with(field), "{field}: {message}");
    }
    let (status, message) = code(
        w.set_delivery_settings(SetDeliverySettingsRequest { settings: None })
            .await,
    );
    assert_eq!(status, tonic::Code::InvalidArgument);
    assert!(message.starts_with("settings"), "{message}");
    assert_eq!(get_settings(user.clone()).await, settings, "refusals changed nothing");
    f.stack.stop().await.expect("clean stop");
}
