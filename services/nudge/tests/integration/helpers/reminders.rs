//! Helpers for the reminder lifecycle tests: the workers gRPC API, the dev
//! outbox with user ids and kinds, people and their delivery settings.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
pub(crate) use nudge_harness::reminders::{Workers, create, millis, reminder, sms_router, ts, workers};
pub(crate) use nudge_proto::sms::AssignNumberRequest;
pub(crate) use nudge_proto::time::from_timestamp;
pub(crate) use nudge_proto::workers::*;
pub(crate) use prost_types::Timestamp;

/// The instant of a timestamp field that must be there.
pub(crate) fn instant(at: &Option<Timestamp>) -> DateTime<Utc> {
    from_timestamp(at.as_ref(), "timestamp").expect("a timestamp")
}

pub(crate) fn random_user() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Checks the nags of a reminder against what the workers recorded: each nag
/// is due `interval_ms` after the send before it (the workers' own record of
/// that send), and `arrivals[i]` (when the i-th SMS of the reminder reached
/// the outbox or Twilio) is no earlier than its occurrence's due time.
/// Cancelled occurrences are left out; at least one nag must be there.
///
/// Two arrivals may be a little closer than the interval: the interval runs
/// from the send as the workers recorded it, and an SMS then waits its turn
/// in sms-router's sender for a few milliseconds that vary with load.
pub(crate) async fn assert_nags_follow_their_sends(
    database: &nudge_config::DatabaseSettings,
    reminder_id: &str,
    arrivals: &[DateTime<Utc>],
    interval_ms: i64,
) {
    use nudge_store::schema::reminder_occurrences as occurrences;
    let db = nudge_store::Db::connect(database).expect("database");
    let mut conn = db.conn().await.expect("connection");
    let rows: Vec<(String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
        nudge_store::with_conn!(&mut conn, c => {
            occurrences::table
                .filter(occurrences::reminder_id.eq(reminder_id))
                .filter(occurrences::state.ne("cancelled"))
                .order(occurrences::due_at.asc())
                .select((occurrences::kind, occurrences::due_at, occurrences::sent_at))
                .load(c)
                .await
        })
        .expect("occurrences");
    assert!(
        rows.len() >= arrivals.len(),
        "{} occurrences for {} SMS",
        rows.len(),
        arrivals.len()
    );
    let mut nags = 0;
    for (i, pair) in rows.windows(2).take(arrivals.len() - 1).enumerate() {
        let (_, _, previous_sent) = &pair[0];
        let (kind, nag_due, _) = &pair[1];
        if kind != "nag" {
            continue;
        }
        nags += 1;
        let previous_sent = previous_sent.expect("the send before a nag is recorded").and_utc();
        let nag_due = nag_due.and_utc();
        let scheduled = (nag_due - previous_sent).num_milliseconds();
        assert!(
            (interval_ms..=interval_ms + 100).contains(&scheduled),
            "nag {}: due {scheduled} ms after the send before it, not {interval_ms} ms",
            i + 1
        );
        let early = (nag_due - arrivals[i + 1]).num_milliseconds();
        assert!(early <= 5, "nag {}: arrived {early} ms before its due time", i + 1);
    }
    assert!(nags > 0, "no nag among the occurrences {rows:?}");
}

/// An embedded stack with the demo person, and a workers client.
pub(crate) struct Fixture {
    pub(crate) stack: nudge::embedded::Stack,
    pub(crate) workers: Workers,
    /// The demo person's user id.
    pub(crate) user_id: String,
    _dir: tempfile::TempDir,
}

/// Starts an embedded stack in a temporary data directory.
pub(crate) async fn start() -> Fixture {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = nudge::embedded::Stack::start(
        super::dev_settings(dir.path(), super::embedded_environment()),
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .expect("stack starts");
    let workers = workers(stack.ports.workers).await;
    let user_id = user_id_of(&stack.settings, super::PHONE).await;
    Fixture {
        stack,
        workers,
        user_id,
        _dir: dir,
    }
}

/// The user id of the person whose phone is `phone` (the api's `users`
/// table, found by the phone's blind index).
pub(crate) async fn user_id_of(settings: &nudge_config::Settings, phone: &str) -> String {
    use nudge_store::schema::users;
    let index = settings
        .key_ring()
        .expect("key ring")
        .blind_index(b"api.phone", phone.as_bytes());
    let db = nudge_store::Db::connect(&settings.database).expect("database");
    let mut conn = db.conn().await.expect("connection");
    let id: String = nudge_store::with_conn!(&mut conn, c => {
        users::table
            .filter(users::phone_index.eq(&index))
            .select(users::id)
            .first(c)
            .await
    })
    .expect("the person exists");
    id
}

/// An SMS in the dev outbox, with who it was for and what kind it is.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) user_id: String,
    pub(crate) kind: String,
    pub(crate) to: String,
    pub(crate) body: String,
    pub(crate) time: DateTime<Utc>,
}

/// The dev outbox of an embedded stack, oldest first.
pub(crate) async fn sent(sms_router_port: u16) -> Vec<Sent> {
    super::outbox_entries(sms_router_port)
        .await
        .into_iter()
        .map(|m| Sent {
            user_id: m["user_id"].as_str().unwrap_or_default().to_owned(),
            kind: m["kind"].as_str().unwrap_or_default().to_owned(),
            to: m["to"].as_str().unwrap_or_default().to_owned(),
            body: m["body"].as_str().unwrap_or_default().to_owned(),
            time: m["time"].as_str().and_then(|t| t.parse().ok()).expect("time"),
        })
        .collect()
}

/// The reminder SMS (firsts, nags, snoozes) whose body mentions `text`.
pub(crate) async fn reminders_about(sms_router_port: u16, text: &str) -> Vec<Sent> {
    sent(sms_router_port)
        .await
        .into_iter()
        .filter(|sms| sms.kind == "reminder" && sms.body.contains(text))
        .collect()
}

/// Waits until `count` reminder SMS mention `text`, and returns them.
pub(crate) async fn wait_for_reminders(sms_router_port: u16, text: &str, count: usize, timeout: Duration) -> Vec<Sent> {
    super::eventually(
        &format!("{count} reminder SMS about {text:?}"),
        timeout,
        || reminders_about(sms_router_port, text),
        |sent| sent.len() >= count,
    )
    .await
}

pub(crate) fn english(text: &str) -> String {
    format!("Reminder: {text}. Reply DONE when it's done.")
}

pub(crate) fn english_nag(text: &str) -> String {
    format!("Still on your list: {text}. Reply DONE when it's done, or SNOOZE.")
}

pub(crate) fn french_nag(text: &str) -> String {
    format!("Toujours sur ta liste : {text}. Réponds FAIT quand c'est fait, ou PLUS TARD.")
}

pub(crate) async fn get(workers: &mut Workers, user_id: &str, reminder_id: &str) -> Reminder {
    workers
        .get_reminder(GetReminderRequest {
            user_id: user_id.to_owned(),
            reminder_id: reminder_id.to_owned(),
        })
        .await
        .expect("get")
        .into_inner()
        .reminder
        .expect("a reminder")
}

/// Waits until workers recorded the reminder as sent (the outbox has the
/// SMS a moment before workers marks it sent), and returns it.
pub(crate) async fn wait_until_sent(workers: &Workers, user_id: &str, reminder_id: &str) -> Reminder {
    super::eventually(
        "the reminder recorded as sent",
        Duration::from_secs(10),
        || {
            let mut workers = workers.clone();
            let (user_id, reminder_id) = (user_id.to_owned(), reminder_id.to_owned());
            async move { get(&mut workers, &user_id, &reminder_id).await }
        },
        |r| r.status == i32::from(ReminderStatus::Sent),
    )
    .await
}

pub(crate) async fn done(workers: &mut Workers, user_id: &str, key: &str) -> Option<Reminder> {
    workers
        .acknowledge_latest(AcknowledgeLatestRequest {
            user_id: user_id.to_owned(),
            idempotency_key: key.to_owned(),
        })
        .await
        .expect("acknowledge")
        .into_inner()
        .reminder
}

pub(crate) async fn snooze(workers: &mut Workers, user_id: &str, until: DateTime<Utc>, key: &str) -> Option<Reminder> {
    workers
        .snooze_latest(SnoozeLatestRequest {
            user_id: user_id.to_owned(),
            until: ts(until),
            idempotency_key: key.to_owned(),
        })
        .await
        .expect("snooze")
        .into_inner()
        .reminder
}

/// Delivery settings in Montreal: nagging, no quiet hours, late reminders sent.
pub(crate) fn delivery(user_id: &str, nag_interval_seconds: u32, nag_limit: u32) -> DeliverySettings {
    DeliverySettings {
        user_id: user_id.to_owned(),
        timezone: "America/Montreal".to_owned(),
        quiet_hours: None,
        nag_interval_seconds,
        nag_limit,
        missed_policy: MissedPolicy::SendLate.into(),
    }
}

pub(crate) async fn set_delivery(workers: &mut Workers, settings: DeliverySettings) -> DeliverySettings {
    workers
        .set_delivery_settings(SetDeliverySettingsRequest {
            settings: Some(settings),
        })
        .await
        .expect("settings accepted")
        .into_inner()
        .settings
        .expect("settings")
}

/// Quiet hours from the current minute (Montreal time) to the next one: they
/// end at the next whole minute. Waits first if that is less than `margin` away.
pub(crate) async fn quiet_until_next_minute(margin: Duration) -> (QuietHours, DateTime<Utc>) {
    let margin = TimeDelta::from_std(margin).expect("margin");
    let mut now = Utc::now();
    let next_minute = |now: DateTime<Utc>| {
        now.with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .expect("whole minute")
            + TimeDelta::minutes(1)
    };
    if next_minute(now) - now < margin {
        tokio::time::sleep((next_minute(now) - now).to_std().expect("positive") + Duration::from_millis(50)).await;
        now = Utc::now();
    }
    let local = now.with_timezone(&chrono_tz::America::Montreal);
    let start = local.hour() * 60 + local.minute();
    (
        QuietHours {
            start_minute: start,
            end_minute: (start + 1) % 1440,
        },
        next_minute(now),
    )
}

/// The gRPC code of a failed call.
pub(crate) fn code<T: std::fmt::Debug>(result: Result<T, tonic::Status>) -> (tonic::Code, String) {
    let status = result.expect_err("the call must fail");
    (status.code(), status.message().to_owned())
}
