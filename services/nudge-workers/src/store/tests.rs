//! The store's lifecycle queries on both backends (PostgreSQL ones need a
//! server: `--include-ignored`).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::America::Montreal;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_config::DatabaseSettings;
use nudge_store::schema::{reminder_occurrences, reminders};
use nudge_store::{Db, DbConn, diesel, diesel_async, with_conn};
use nudge_testkit::TestDatabase;

use super::answers::*;
use super::occurrences::*;
use super::people::*;
use super::reminders::*;
use super::rows::*;
use crate::scheduler::next_of_rule;

fn at(text: &str) -> NaiveDateTime {
    text.parse::<DateTime<Utc>>().expect("an RFC 3339 instant").naive_utc()
}

pub(super) async fn connect(url: &str) -> Db {
    let db = Db::connect(&DatabaseSettings {
        url: url.to_owned(),
        ..DatabaseSettings::default()
    })
    .expect("pool");
    db.migrate().await.expect("migrations");
    db
}

fn new_occ(kind: &'static str, due_at: NaiveDateTime) -> NewOccurrence {
    NewOccurrence {
        id: nudge_core::new_id(),
        kind,
        due_at,
        held_from: None,
    }
}

async fn new_reminder(conn: &mut DbConn, user_id: &str, rrule: Option<&str>, dtstart: NaiveDateTime) -> ReminderRow {
    let id = nudge_core::new_id();
    let key = nudge_core::new_id();
    let (row, created) = create_reminder(
        conn,
        &NewReminder {
            id: &id,
            user_id,
            body: b"ciphertext",
            timezone: "America/Montreal",
            language: "en",
            idempotency_key: &key,
            rrule,
            dtstart,
            urgent: false,
            first: new_occ(occurrence_kind::DUE, dtstart),
            now: dtstart - TimeDelta::days(1),
        },
    )
    .await
    .expect("create");
    assert!(created);
    row
}

async fn pending(conn: &mut DbConn, reminder_id: &str) -> Vec<(String, NaiveDateTime)> {
    with_conn!(conn, c => {
        reminder_occurrences::table
            .filter(reminder_occurrences::reminder_id.eq(reminder_id))
            .filter(reminder_occurrences::state.eq_any(occurrence_state::PENDING))
            .order(reminder_occurrences::due_at.asc())
            .select((reminder_occurrences::kind, reminder_occurrences::due_at))
            .load(c)
            .await
    })
    .expect("pending")
}

async fn claim_one(conn: &mut DbConn, now: NaiveDateTime) -> (OccurrenceRow, ReminderRow) {
    let claimed = claim_due(conn, now, now + TimeDelta::seconds(60), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "one occurrence due at {now}");
    let (occurrence, reminder) = occurrence_with_reminder(conn, &claimed[0])
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(occurrence.state, occurrence_state::QUEUED);
    (occurrence, reminder)
}

async fn sent(
    conn: &mut DbConn,
    occurrence: &OccurrenceRow,
    reminder: &ReminderRow,
    next_nag: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> bool {
    complete_occurrence(
        conn,
        &Completion {
            occurrence,
            reminder,
            outcome: Outcome::Sent {
                outbound_id: "out-1",
                late: false,
            },
            next_due: next_of_rule(reminder, occurrence, Montreal).map(occurrence_due),
            next_nag: next_nag.map(|at| new_occ(occurrence_kind::NAG, at)),
            now,
        },
    )
    .await
    .expect("complete")
}

fn occurrence_due(at: DateTime<Utc>) -> NewOccurrence {
    new_occ(occurrence_kind::DUE, nudge_store::to_utc(at))
}

async fn lifecycle(db: Db) {
    let mut conn = db.conn().await.expect("connection");
    let conn = &mut conn;
    let user = nudge_core::new_id();
    // Every day at 08:00 in Montreal, from Saturday 2026-03-07 (EST); DST starts on Sunday.
    let dtstart = at("2026-03-07T13:00:00Z");
    let daily = new_reminder(conn, &user, Some("FREQ=DAILY;BYHOUR=8;BYMINUTE=0"), dtstart).await;
    assert!(
        claim_due(conn, dtstart - TimeDelta::seconds(1), dtstart, 10)
            .await
            .expect("claim")
            .is_empty()
    );

    let now = dtstart + TimeDelta::milliseconds(20);
    let (first, row) = claim_one(conn, now).await;
    assert!(
        claim_due(conn, now, now, 10).await.expect("claim").is_empty(),
        "claimed once"
    );
    assert!(sent(conn, &first, &row, Some(now + TimeDelta::minutes(10)), now).await);
    // The same job delivered again records nothing more.
    assert!(!sent(conn, &first, &row, Some(now + TimeDelta::minutes(10)), now).await);
    // Sunday 08:00 is EDT: 12:00 UTC.
    let sunday = at("2026-03-08T12:00:00Z");
    assert_eq!(
        pending(conn, &daily.id).await,
        vec![
            (occurrence_kind::NAG.to_owned(), now + TimeDelta::minutes(10)),
            (occurrence_kind::DUE.to_owned(), sunday)
        ]
    );
    let row = reminder_of(conn, &user, &daily.id).await.expect("get").expect("row");
    assert_eq!(row.status, reminder_status::SENT);
    assert_eq!(row.last_due_at, Some(dtstart));
    assert_eq!(
        shown_due_times(conn, std::slice::from_ref(&row)).await.expect("due")[&row.id],
        dtstart
    );
    assert_eq!(
        earliest_scheduled(conn).await.expect("earliest"),
        Some(now + TimeDelta::minutes(10))
    );

    // The nag goes out; the next one is scheduled.
    let nag_time = now + TimeDelta::minutes(10);
    let (nag, row) = claim_one(conn, nag_time).await;
    assert_eq!(nag.kind, occurrence_kind::NAG);
    assert!(sent(conn, &nag, &row, Some(nag_time + TimeDelta::minutes(10)), nag_time).await);
    let row = reminder_of(conn, &user, &daily.id).await.expect("get").expect("row");
    assert_eq!(row.nags_sent, 1);

    // "done": back to scheduled, nags cancelled, Sunday's occurrence kept; once per key.
    let done_at = nag_time + TimeDelta::minutes(1);
    let acknowledged = acknowledge_latest(conn, &user, "done:1", done_at)
        .await
        .expect("ack")
        .expect("a reminder");
    assert_eq!(acknowledged.status, reminder_status::SCHEDULED);
    assert_eq!(
        pending(conn, &daily.id).await,
        vec![(occurrence_kind::DUE.to_owned(), sunday)]
    );
    let again = acknowledge_latest(conn, &user, "done:1", done_at).await.expect("ack");
    assert_eq!(again.map(|r| r.id), Some(daily.id.clone()));
    assert!(
        acknowledge_latest(conn, &user, "done:2", done_at)
            .await
            .expect("ack")
            .is_none()
    );
    assert_eq!(
        shown_due_times(conn, std::slice::from_ref(&acknowledged))
            .await
            .expect("due")[&daily.id],
        sunday
    );

    // Sunday's is missed (downtime); Monday's follows.
    let (sunday_occurrence, row) = claim_one(conn, sunday + TimeDelta::hours(2)).await;
    let next = next_of_rule(&row, &sunday_occurrence, Montreal).expect("a next one");
    assert_eq!(nudge_store::to_utc(next), at("2026-03-09T12:00:00Z"));
    let recorded = complete_occurrence(
        conn,
        &Completion {
            occurrence: &sunday_occurrence,
            reminder: &row,
            outcome: Outcome::Missed,
            next_due: Some(occurrence_due(next)),
            next_nag: None,
            now: sunday + TimeDelta::hours(2),
        },
    )
    .await
    .expect("missed");
    assert!(recorded);
    let row = reminder_of(conn, &user, &daily.id).await.expect("get").expect("row");
    assert_eq!(row.status, reminder_status::SCHEDULED, "a recurring reminder goes on");

    // Monday's is sent, then snoozed: once per key (the unique index holds on this backend).
    let monday = at("2026-03-09T12:00:00Z");
    let (monday_occurrence, row) = claim_one(conn, monday).await;
    assert!(sent(conn, &monday_occurrence, &row, None, monday).await);
    let awaiting = latest_awaiting_answer(conn, &user)
        .await
        .expect("latest")
        .expect("awaiting");
    let snooze_until = monday + TimeDelta::minutes(30);
    let snoozed = new_occ(occurrence_kind::SNOOZE, snooze_until);
    assert!(
        snooze(conn, &awaiting, "snooze:1", &snoozed, monday)
            .await
            .expect("snooze")
    );
    assert_eq!(
        reminder_by_snooze_key(conn, "snooze:1")
            .await
            .expect("by key")
            .map(|r| r.id),
        Some(daily.id.clone())
    );
    assert!(
        !snooze(conn, &awaiting, "snooze:1", &snoozed, monday)
            .await
            .expect("no longer sent")
    );
    let row = reminder_of(conn, &user, &daily.id).await.expect("get").expect("row");
    assert_eq!(row.status, reminder_status::SCHEDULED);
    let mut row_sent = row.clone();
    row_sent.status = reminder_status::SENT.to_owned();
    with_conn!(conn, c => {
        diesel::update(reminders::table.find(&daily.id))
            .set(reminders::status.eq(reminder_status::SENT))
            .execute(c)
            .await
    })
    .expect("pretend it was sent again");
    let duplicate = snooze(
        conn,
        &row_sent,
        "snooze:1",
        &new_occ(occurrence_kind::SNOOZE, snooze_until),
        monday,
    )
    .await;
    assert!(
        matches!(&duplicate, Err(error) if nudge_store::is_unique_violation(error)),
        "{duplicate:?}"
    );
    assert_eq!(
        shown_due_times(conn, std::slice::from_ref(&row)).await.expect("due")[&daily.id],
        snooze_until,
        "scheduled again: the snooze is next"
    );

    // Cancelled: nothing pending, nothing claimed.
    let cancelled = cancel_reminder(conn, &user, &daily.id, monday)
        .await
        .expect("cancel")
        .expect("row");
    assert_eq!(cancelled.status, reminder_status::CANCELLED);
    assert!(pending(conn, &daily.id).await.is_empty());
    assert!(
        claim_due(conn, monday + TimeDelta::days(30), monday + TimeDelta::days(31), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert!(
        cancel_reminder(conn, "someone-else", &daily.id, monday)
            .await
            .expect("cancel")
            .is_none()
    );

    // A one-off missed is MISSED and finished.
    let one_off = new_reminder(conn, &user, None, monday).await;
    let (occurrence_row, row) = claim_one(conn, monday + TimeDelta::hours(1)).await;
    assert_eq!(row.id, one_off.id);
    let recorded = complete_occurrence(
        conn,
        &Completion {
            occurrence: &occurrence_row,
            reminder: &row,
            outcome: Outcome::Missed,
            next_due: None,
            next_nag: None,
            now: monday + TimeDelta::hours(1),
        },
    )
    .await
    .expect("missed");
    assert!(recorded);
    let row = reminder_of(conn, &user, &one_off.id).await.expect("get").expect("row");
    assert_eq!(
        (row.status.as_str(), row.last_due_at),
        (reminder_status::MISSED, Some(monday))
    );
    let open = reminders_of(conn, &user, None).await.expect("open");
    assert!(open.is_empty());
    let all = reminders_of(conn, &user, Some(monday - TimeDelta::days(7)))
        .await
        .expect("all");
    assert_eq!(all.len(), 2);

    // Settings: stored, then replaced.
    let mut person_row = PersonRow {
        user_id: user.clone(),
        timezone: "Europe/Paris".to_owned(),
        quiet_start_minute: Some(22 * 60),
        quiet_end_minute: Some(7 * 60),
        nag_interval_seconds: 120,
        nag_limit: 2,
        missed_policy: "record_missed".to_owned(),
        created_at: monday,
        updated_at: monday,
    };
    save_person(conn, &person_row).await.expect("save");
    person_row.quiet_start_minute = None;
    person_row.quiet_end_minute = None;
    person_row.nag_limit = 5;
    save_person(conn, &person_row).await.expect("save again");
    let stored = person(conn, &user).await.expect("read").expect("stored");
    assert_eq!((stored.quiet_start_minute, stored.nag_limit), (None, 5));
    assert_eq!(
        latest_timezone(conn, &user).await.expect("zone").as_deref(),
        Some("America/Montreal")
    );
}

/// Four claimers at once over 200 due occurrences: each claimed exactly once.
async fn concurrent_claims(db: Db) {
    let due = at("2026-05-01T12:00:00Z");
    {
        let mut conn = db.conn().await.expect("connection");
        for i in 0..200 {
            new_reminder(&mut conn, &format!("user-{}", i % 7), None, due).await;
        }
    }
    let mut claimers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let db = db.clone();
        claimers.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let mut conn = db.conn().await.expect("connection");
                let now = due + TimeDelta::seconds(1);
                let claimed = claim_due(&mut conn, now, now + TimeDelta::seconds(60), 20)
                    .await
                    .expect("claim");
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed);
            }
        });
    }
    let mut all = Vec::new();
    while let Some(claimed) = claimers.join_next().await {
        all.extend(claimed.expect("claimer"));
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 200, "every occurrence claimed");
    assert_eq!(unique.len(), 200, "none claimed twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_lifecycle() {
    let database = TestDatabase::sqlite();
    lifecycle(connect(&database.url).await).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn postgres_lifecycle() {
    let database = TestDatabase::postgres().await;
    lifecycle(connect(&database.url).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_claims_never_overlap() {
    let database = TestDatabase::sqlite();
    concurrent_claims(connect(&database.url).await).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn postgres_claims_never_overlap() {
    let database = TestDatabase::postgres().await;
    concurrent_claims(connect(&database.url).await).await;
}
