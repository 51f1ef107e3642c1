//! Reminders as a person manages them: created, read, listed, updated, cancelled.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{reminder_occurrences, reminders};
use nudge_store::{DbConn, Transact as _, diesel, diesel_async, with_conn};

use super::rows::{
    ALL_KINDS, FIRING_KINDS, NewOccurrence, ReminderRow, cancel_pending, occurrence_state, reminder_status,
};

pub(crate) struct NewReminder<'a> {
    pub(crate) id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) body: &'a [u8],
    pub(crate) timezone: &'a str,
    pub(crate) language: &'a str,
    pub(crate) idempotency_key: &'a str,
    pub(crate) rrule: Option<&'a str>,
    /// The first occurrence as asked (the rule's DTSTART).
    pub(crate) dtstart: NaiveDateTime,
    pub(crate) urgent: bool,
    /// The first occurrence as it will be sent (held by quiet hours or not).
    pub(crate) first: NewOccurrence,
    pub(crate) now: NaiveDateTime,
}

/// Stores a reminder and its first occurrence, in one transaction. Returns
/// the reminder stored under the idempotency key and whether this call created it.
pub(crate) async fn create_reminder(conn: &mut DbConn, new: &NewReminder<'_>) -> QueryResult<(ReminderRow, bool)> {
    let created = with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let inserted = diesel::insert_into(reminders::table)
                .values((
                    reminders::id.eq(new.id),
                    reminders::user_id.eq(new.user_id),
                    reminders::body.eq(new.body),
                    reminders::timezone.eq(new.timezone),
                    reminders::language.eq(new.language),
                    reminders::status.eq(reminder_status::SCHEDULED),
                    reminders::idempotency_key.eq(new.idempotency_key),
                    reminders::created_at.eq(new.now),
                    reminders::updated_at.eq(new.now),
                    reminders::rrule.eq(new.rrule),
                    reminders::dtstart.eq(new.dtstart),
                    reminders::urgent.eq(new.urgent),
                ))
                .on_conflict(reminders::idempotency_key)
                .do_nothing()
                .execute(c)
                .await?;
            if inserted == 1 {
                diesel::insert_into(reminder_occurrences::table)
                    .values(new.first.values(new.id, new.user_id, None, new.now))
                    .execute(c)
                    .await?;
            }
            QueryResult::Ok(inserted == 1)
        })
        .await
    })?;
    let row = with_conn!(conn, c => {
        reminders::table
            .filter(reminders::idempotency_key.eq(new.idempotency_key))
            .select(ReminderRow::as_select())
            .first(c)
            .await
    })?;
    Ok((row, created))
}

/// A person's reminder; `None` for an unknown id or someone else's.
pub(crate) async fn reminder_of(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<Option<ReminderRow>> {
    with_conn!(conn, c => {
        reminders::table
            .filter(reminders::id.eq(id))
            .filter(reminders::user_id.eq(user_id))
            .select(ReminderRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// A person's open reminders and, with `finished_since`, those finished
/// (done, cancelled, missed) since then.
pub(crate) async fn reminders_of(
    conn: &mut DbConn,
    user_id: &str,
    finished_since: Option<NaiveDateTime>,
) -> QueryResult<Vec<ReminderRow>> {
    match finished_since {
        None => with_conn!(conn, c => {
            reminders::table
                .filter(reminders::user_id.eq(user_id))
                .filter(reminders::status.eq_any(reminder_status::OPEN))
                .order((reminders::created_at.asc(), reminders::id.asc()))
                .select(ReminderRow::as_select())
                .load(c)
                .await
        }),
        Some(since) => with_conn!(conn, c => {
            reminders::table
                .filter(reminders::user_id.eq(user_id))
                .filter(
                    reminders::status.eq_any(reminder_status::OPEN).or(reminders::status
                        .eq_any(reminder_status::FINISHED)
                        .and(reminders::updated_at.ge(since))),
                )
                .order((reminders::created_at.asc(), reminders::id.asc()))
                .select(ReminderRow::as_select())
                .load(c)
                .await
        }),
    }
}

/// The time a reminder shows (`Reminder.due_at`): its next pending
/// occurrence; for one waiting for an answer, when the occurrence sent was
/// due; for a finished one, when it was last due.
pub(crate) async fn shown_due_times(
    conn: &mut DbConn,
    rows: &[ReminderRow],
) -> QueryResult<HashMap<String, NaiveDateTime>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let pending: Vec<(String, Option<NaiveDateTime>)> = if ids.is_empty() {
        Vec::new()
    } else {
        with_conn!(conn, c => {
            reminder_occurrences::table
                .filter(reminder_occurrences::reminder_id.eq_any(&ids))
                .filter(reminder_occurrences::state.eq_any(occurrence_state::PENDING))
                .filter(reminder_occurrences::kind.eq_any(FIRING_KINDS))
                .group_by(reminder_occurrences::reminder_id)
                .select((reminder_occurrences::reminder_id, diesel::dsl::min(reminder_occurrences::due_at)))
                .load(c)
                .await
        })?
    };
    let pending: HashMap<String, NaiveDateTime> = pending.into_iter().filter_map(|(id, at)| Some((id, at?))).collect();
    let mut shown = HashMap::with_capacity(rows.len());
    let mut unknown = Vec::new();
    for row in rows {
        let next = pending.get(&row.id).copied();
        let at = if row.status == reminder_status::SCHEDULED {
            next.or(row.last_due_at)
        } else {
            row.last_due_at.or(next)
        };
        match at {
            Some(at) => {
                shown.insert(row.id.clone(), at);
            }
            None => unknown.push(row.id.as_str()),
        }
    }
    if !unknown.is_empty() {
        // Reminders cancelled before any send: the latest time one was due.
        let latest: Vec<(String, Option<NaiveDateTime>)> = with_conn!(conn, c => {
            reminder_occurrences::table
                .filter(reminder_occurrences::reminder_id.eq_any(&unknown))
                .filter(reminder_occurrences::kind.eq_any(FIRING_KINDS))
                .group_by(reminder_occurrences::reminder_id)
                .select((reminder_occurrences::reminder_id, diesel::dsl::max(reminder_occurrences::due_at)))
                .load(c)
                .await
        })?;
        shown.extend(latest.into_iter().filter_map(|(id, at)| Some((id, at?))));
    }
    Ok(shown)
}

/// Cancels a person's reminder and everything it still had to send. A
/// finished reminder is left as it is. `None`: no such reminder for this person.
pub(crate) async fn cancel_reminder(
    conn: &mut DbConn,
    user_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ReminderRow>> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let updated = diesel::update(
                reminders::table
                    .filter(reminders::id.eq(id))
                    .filter(reminders::user_id.eq(user_id))
                    .filter(reminders::status.eq_any(reminder_status::OPEN)),
            )
            .set((
                reminders::status.eq(reminder_status::CANCELLED),
                reminders::updated_at.eq(now),
            ))
            .execute(c)
            .await?;
            if updated == 1 {
                cancel_pending(id, &ALL_KINDS).execute(c).await?;
            }
            QueryResult::Ok(())
        })
        .await
    })?;
    reminder_of(conn, user_id, id).await
}

#[derive(AsChangeset)]
#[diesel(table_name = reminders)]
pub(super) struct ReminderChanges<'a> {
    body: Option<&'a [u8]>,
    rrule: Option<Option<&'a str>>,
    dtstart: Option<NaiveDateTime>,
    urgent: Option<bool>,
    status: Option<&'a str>,
    nags_sent: Option<i32>,
    updated_at: NaiveDateTime,
}

pub(crate) struct ReminderUpdate<'a> {
    pub(crate) body: Option<&'a [u8]>,
    /// `Some(None)`: a one-off from now on.
    pub(crate) rrule: Option<Option<&'a str>>,
    pub(crate) dtstart: Option<NaiveDateTime>,
    pub(crate) urgent: Option<bool>,
    /// Replaces every pending occurrence (the reminder is scheduled again).
    pub(crate) replace_with: Option<NewOccurrence>,
    pub(crate) now: NaiveDateTime,
}

/// Changes an open reminder of the person. Returns false when there is no
/// such open reminder (unknown, someone else's, or finished).
pub(crate) async fn update_reminder(
    conn: &mut DbConn,
    user_id: &str,
    id: &str,
    update: &ReminderUpdate<'_>,
) -> QueryResult<bool> {
    let replacing = update.replace_with.is_some();
    let changes = ReminderChanges {
        body: update.body,
        rrule: update.rrule,
        dtstart: update.dtstart,
        urgent: update.urgent,
        status: replacing.then_some(reminder_status::SCHEDULED),
        nags_sent: replacing.then_some(0),
        updated_at: update.now,
    };
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let updated = diesel::update(
                reminders::table
                    .filter(reminders::id.eq(id))
                    .filter(reminders::user_id.eq(user_id))
                    .filter(reminders::status.eq_any(reminder_status::OPEN)),
            )
            .set(&changes)
            .execute(c)
            .await?;
            if updated == 0 {
                return QueryResult::Ok(false);
            }
            if let Some(occurrence) = &update.replace_with {
                cancel_pending(id, &ALL_KINDS).execute(c).await?;
                diesel::insert_into(reminder_occurrences::table)
                    .values(occurrence.values(id, user_id, None, update.now))
                    .execute(c)
                    .await?;
            }
            QueryResult::Ok(true)
        })
        .await
    })
}
