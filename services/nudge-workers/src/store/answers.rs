//! A person's answer to the reminder sent last: acknowledged or snoozed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{reminder_occurrences, reminders};
use nudge_store::{DbConn, Transact as _, diesel, diesel_async, with_conn};

use super::reminders::reminder_of;
use super::rows::{
    ALL_KINDS, NewOccurrence, ReminderRow, cancel_pending, occurrence_kind, occurrence_state, reminder_status,
};

/// The reminder a "done" with this key acknowledged, if any.
async fn reminder_by_ack_key(conn: &mut DbConn, ack_key: &str) -> QueryResult<Option<ReminderRow>> {
    let by_occurrence = with_conn!(conn, c => {
        reminder_occurrences::table
            .inner_join(reminders::table)
            .filter(reminder_occurrences::ack_key.eq(ack_key))
            .select(ReminderRow::as_select())
            .first(c)
            .await
            .optional()
    })?;
    if by_occurrence.is_some() {
        return Ok(by_occurrence);
    }
    // Acknowledged before occurrences carried the key.
    with_conn!(conn, c => {
        reminders::table
            .filter(reminders::ack_key.eq(ack_key))
            .select(ReminderRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The reminder a snooze with this key moved, if any.
pub(crate) async fn reminder_by_snooze_key(conn: &mut DbConn, snooze_key: &str) -> QueryResult<Option<ReminderRow>> {
    with_conn!(conn, c => {
        reminder_occurrences::table
            .inner_join(reminders::table)
            .filter(reminder_occurrences::snooze_key.eq(snooze_key))
            .select(ReminderRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The person's reminder sent most recently (a nag counts) and not answered yet.
pub(crate) async fn latest_awaiting_answer(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<ReminderRow>> {
    with_conn!(conn, c => {
        reminders::table
            .filter(reminders::user_id.eq(user_id))
            .filter(reminders::status.eq(reminder_status::SENT))
            .filter(reminders::last_sent_at.is_not_null())
            .order((reminders::last_sent_at.desc(), reminders::id.desc()))
            .select(ReminderRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The occurrence of a reminder that went out last.
pub(super) async fn last_sent_occurrence(conn: &mut DbConn, reminder_id: &str) -> QueryResult<Option<String>> {
    with_conn!(conn, c => {
        reminder_occurrences::table
            .filter(reminder_occurrences::reminder_id.eq(reminder_id))
            .filter(reminder_occurrences::state.eq(occurrence_state::SENT))
            .filter(reminder_occurrences::sent_at.is_not_null())
            .order((reminder_occurrences::sent_at.desc(), reminder_occurrences::id.desc()))
            .select(reminder_occurrences::id)
            .first(c)
            .await
            .optional()
    })
}

/// "done": acknowledges the person's reminder sent most recently, once per
/// `ack_key` (kept on the occurrence acknowledged). Its pending nags are
/// cancelled; a one-off reminder is then done, a recurring one scheduled
/// again (its next occurrence is already there). Returns the reminder
/// acknowledged, `None` when nothing waits for an answer.
pub(crate) async fn acknowledge_latest(
    conn: &mut DbConn,
    user_id: &str,
    ack_key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ReminderRow>> {
    if let Some(row) = reminder_by_ack_key(conn, ack_key).await? {
        return Ok(Some(row));
    }
    // A concurrent answer may take the reminder found: look again (a few times).
    for _ in 0..3 {
        let Some(reminder) = latest_awaiting_answer(conn, user_id).await? else {
            return Ok(None);
        };
        let occurrence = last_sent_occurrence(conn, &reminder.id).await?;
        let one_off = reminder.recurrence().is_none();
        let acknowledged = with_conn!(conn, c => {
            c.write_transaction(async |c| {
                let awaiting = reminders::table
                    .find(&reminder.id)
                    .filter(reminders::status.eq(reminder_status::SENT));
                let updated = if one_off {
                    diesel::update(awaiting)
                        .set((
                            reminders::status.eq(reminder_status::DONE),
                            reminders::ack_key.eq(ack_key),
                            reminders::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?
                } else {
                    diesel::update(awaiting)
                        .set((
                            reminders::status.eq(reminder_status::SCHEDULED),
                            reminders::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?
                };
                if updated == 0 {
                    return QueryResult::Ok(false);
                }
                if let Some(occurrence) = &occurrence {
                    diesel::update(reminder_occurrences::table.find(occurrence))
                        .set((
                            reminder_occurrences::ack_key.eq(ack_key),
                            reminder_occurrences::acked_at.eq(now),
                        ))
                        .execute(c)
                        .await?;
                }
                if one_off {
                    cancel_pending(&reminder.id, &ALL_KINDS).execute(c).await?;
                } else {
                    // The next occurrence of the rule stays.
                    cancel_pending(&reminder.id, &[occurrence_kind::NAG, occurrence_kind::SNOOZE]).execute(c).await?;
                }
                QueryResult::Ok(true)
            })
            .await
        });
        match acknowledged {
            Ok(true) => return reminder_of(conn, user_id, &reminder.id).await,
            Ok(false) => continue,
            // A concurrent retry of the same "done" got there first: same answer.
            Err(error) if nudge_store::is_unique_violation(&error) => return reminder_by_ack_key(conn, ack_key).await,
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

/// "snooze": the reminder waiting for an answer gets `occurrence` (kind
/// snooze, carrying `snooze_key`) and its pending nags and snoozes are
/// cancelled; it is scheduled again. Returns false when the reminder was
/// answered meanwhile.
pub(crate) async fn snooze(
    conn: &mut DbConn,
    reminder: &ReminderRow,
    snooze_key: &str,
    occurrence: &NewOccurrence,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let updated = diesel::update(
                reminders::table
                    .find(&reminder.id)
                    .filter(reminders::status.eq(reminder_status::SENT)),
            )
            .set((
                reminders::status.eq(reminder_status::SCHEDULED),
                reminders::updated_at.eq(now),
            ))
            .execute(c)
            .await?;
            if updated == 0 {
                return QueryResult::Ok(false);
            }
            cancel_pending(&reminder.id, &[occurrence_kind::NAG, occurrence_kind::SNOOZE]).execute(c).await?;
            diesel::insert_into(reminder_occurrences::table)
                .values(occurrence.values(&reminder.id, &reminder.user_id, Some(snooze_key), now))
                .execute(c)
                .await?;
            QueryResult::Ok(true)
        })
        .await
    })
}
