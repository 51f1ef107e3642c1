//! The workers' tables: `reminders`, `reminder_occurrences`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel_async::{AsyncConnection, RunQueryDsl};
use nudge_store::schema::{reminder_occurrences, reminders};
use nudge_store::{Backend, DbConn, diesel, diesel_async, with_conn};

pub(crate) mod reminder_status {
    pub(crate) const SCHEDULED: &str = "scheduled";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const DONE: &str = "done";
    pub(crate) const CANCELLED: &str = "cancelled";
}

pub(crate) mod occurrence_state {
    pub(crate) const SCHEDULED: &str = "scheduled";
    pub(crate) const QUEUED: &str = "queued";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const CANCELLED: &str = "cancelled";
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reminders)]
pub(crate) struct ReminderRow {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) body: Vec<u8>,
    pub(crate) timezone: String,
    pub(crate) language: String,
    pub(crate) status: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reminder_occurrences)]
pub(crate) struct OccurrenceRow {
    pub(crate) id: String,
    pub(crate) due_at: NaiveDateTime,
    pub(crate) state: String,
}

pub(crate) struct NewReminder<'a> {
    pub(crate) id: &'a str,
    pub(crate) occurrence_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) body: &'a [u8],
    pub(crate) timezone: &'a str,
    pub(crate) language: &'a str,
    pub(crate) idempotency_key: &'a str,
    pub(crate) due_at: NaiveDateTime,
    pub(crate) now: NaiveDateTime,
}

/// Stores a reminder and its first occurrence, in one transaction. Returns
/// the reminder stored under the idempotency key and whether this call created it.
pub(crate) async fn create_reminder(conn: &mut DbConn, new: &NewReminder<'_>) -> QueryResult<(ReminderRow, bool)> {
    let created = with_conn!(conn, c => {
        c.transaction(async |c| {
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
                ))
                .on_conflict(reminders::idempotency_key)
                .do_nothing()
                .execute(c)
                .await?;
            if inserted == 1 {
                diesel::insert_into(reminder_occurrences::table)
                    .values((
                        reminder_occurrences::id.eq(new.occurrence_id),
                        reminder_occurrences::reminder_id.eq(new.id),
                        reminder_occurrences::user_id.eq(new.user_id),
                        reminder_occurrences::due_at.eq(new.due_at),
                        reminder_occurrences::state.eq(occurrence_state::SCHEDULED),
                        reminder_occurrences::created_at.eq(new.now),
                    ))
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

/// The due time of a reminder's latest occurrence.
pub(crate) async fn latest_due_at(conn: &mut DbConn, reminder_id: &str) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => {
        reminder_occurrences::table
            .filter(reminder_occurrences::reminder_id.eq(reminder_id))
            .select(diesel::dsl::max(reminder_occurrences::due_at))
            .first(c)
            .await
    })
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

const CLAIM_POSTGRES: &str = "UPDATE reminder_occurrences \
    SET state = 'queued', lease_until = $1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM reminder_occurrences \
        WHERE (state = 'scheduled' AND due_at <= $2) OR (state = 'queued' AND lease_until <= $2) \
        ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
    RETURNING id";

/// SQLite has one writer at a time, so the statement alone is enough.
const CLAIM_SQLITE: &str = "UPDATE reminder_occurrences \
    SET state = 'queued', lease_until = ?1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM reminder_occurrences \
        WHERE (state = 'scheduled' AND due_at <= ?2) OR (state = 'queued' AND lease_until <= ?2) \
        ORDER BY due_at LIMIT ?3) \
    RETURNING id";

/// Claims up to `limit` occurrences that are due (or whose earlier claim
/// expired) until `lease_until`. Several workers replicas never claim the
/// same one: rows locked by another claim are skipped (PostgreSQL), or
/// claims run one after the other (SQLite).
pub(crate) async fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let sql = match conn.backend() {
        Backend::Postgres => CLAIM_POSTGRES,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let claimed: Vec<Claimed> = with_conn!(conn, c => {
        diesel::sql_query(sql)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(c)
            .await
    })?;
    Ok(claimed.into_iter().map(|row| row.id).collect())
}

/// Ends every claim at once: at start-up with an in-process queue, the
/// messages of earlier claims died with the previous process.
pub(crate) async fn expire_all_claims(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, c => {
        diesel::update(reminder_occurrences::table.filter(reminder_occurrences::state.eq(occurrence_state::QUEUED)))
            .set(reminder_occurrences::lease_until.eq(now))
            .execute(c)
            .await
    })
}

/// Gives a claimed occurrence back (publishing it failed), for the next round.
pub(crate) async fn release_claim(conn: &mut DbConn, occurrence_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(
            reminder_occurrences::table
                .find(occurrence_id)
                .filter(reminder_occurrences::state.eq(occurrence_state::QUEUED)),
        )
        .set(reminder_occurrences::state.eq(occurrence_state::SCHEDULED))
        .execute(c)
        .await
    })?;
    Ok(())
}

pub(crate) async fn occurrence_with_reminder(
    conn: &mut DbConn,
    occurrence_id: &str,
) -> QueryResult<Option<(OccurrenceRow, ReminderRow)>> {
    with_conn!(conn, c => {
        reminder_occurrences::table
            .inner_join(reminders::table)
            .filter(reminder_occurrences::id.eq(occurrence_id))
            .select((OccurrenceRow::as_select(), ReminderRow::as_select()))
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn cancel_occurrence(conn: &mut DbConn, occurrence_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(reminder_occurrences::table.find(occurrence_id))
            .set(reminder_occurrences::state.eq(occurrence_state::CANCELLED))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Records that an occurrence went out; its reminder now waits for an answer.
pub(crate) async fn mark_sent(
    conn: &mut DbConn,
    occurrence: &OccurrenceRow,
    reminder_id: &str,
    outbound_id: &str,
    late: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        c.transaction(async |c| {
            diesel::update(
                reminder_occurrences::table
                    .find(&occurrence.id)
                    .filter(reminder_occurrences::state.eq(occurrence_state::QUEUED)),
            )
            .set((
                reminder_occurrences::state.eq(occurrence_state::SENT),
                reminder_occurrences::sent_at.eq(now),
                reminder_occurrences::late.eq(late),
                reminder_occurrences::outbound_id.eq(outbound_id),
            ))
            .execute(c)
            .await?;
            diesel::update(
                reminders::table.find(reminder_id).filter(reminders::status.eq(reminder_status::SCHEDULED)),
            )
            .set((reminders::status.eq(reminder_status::SENT), reminders::updated_at.eq(now)))
            .execute(c)
            .await?;
            QueryResult::Ok(())
        })
        .await
    })
}

async fn reminder_by_ack_key(conn: &mut DbConn, ack_key: &str) -> QueryResult<Option<ReminderRow>> {
    with_conn!(conn, c => {
        reminders::table
            .filter(reminders::ack_key.eq(ack_key))
            .select(ReminderRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Marks the person's most recently sent reminder as done, once per `ack_key`.
pub(crate) async fn acknowledge_latest(
    conn: &mut DbConn,
    user_id: &str,
    ack_key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ReminderRow>> {
    if let Some(row) = reminder_by_ack_key(conn, ack_key).await? {
        return Ok(Some(row));
    }
    let latest: Option<String> = with_conn!(conn, c => {
        reminders::table
            .filter(reminders::user_id.eq(user_id))
            .filter(reminders::status.eq(reminder_status::SENT))
            .order((reminders::updated_at.desc(), reminders::id.desc()))
            .select(reminders::id)
            .first(c)
            .await
            .optional()
    })?;
    let Some(id) = latest else { return Ok(None) };
    let updated = with_conn!(conn, c => {
        diesel::update(reminders::table.find(&id).filter(reminders::status.eq(reminder_status::SENT)))
            .set((
                reminders::status.eq(reminder_status::DONE),
                reminders::ack_key.eq(ack_key),
                reminders::updated_at.eq(now),
            ))
            .execute(c)
            .await
    });
    match updated {
        // A concurrent retry of the same "done" got there first: same answer.
        Err(error) if nudge_store::is_unique_violation(&error) => reminder_by_ack_key(conn, ack_key).await,
        Err(error) => Err(error),
        Ok(_) => {
            with_conn!(conn, c => {
                diesel::update(
                    reminder_occurrences::table
                        .filter(reminder_occurrences::reminder_id.eq(&id))
                        .filter(
                            reminder_occurrences::state
                                .eq_any([occurrence_state::SCHEDULED, occurrence_state::QUEUED]),
                        ),
                )
                .set(reminder_occurrences::state.eq(occurrence_state::CANCELLED))
                .execute(c)
                .await
            })?;
            reminder_by_ack_key(conn, ack_key).await
        }
    }
}

/// A person's reminders still to fire or waiting for an answer.
pub(crate) async fn open_reminders(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<ReminderRow>> {
    with_conn!(conn, c => {
        reminders::table
            .filter(reminders::user_id.eq(user_id))
            .filter(reminders::status.eq_any([reminder_status::SCHEDULED, reminder_status::SENT]))
            .order(reminders::created_at.asc())
            .select(ReminderRow::as_select())
            .load(c)
            .await
    })
}
