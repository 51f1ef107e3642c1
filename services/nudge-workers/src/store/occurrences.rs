//! The scheduler's queries: occurrences claimed when due, held, cancelled, completed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection as _};
use nudge_store::schema::{reminder_occurrences, reminders};
use nudge_store::{Backend, DbConn, Transact as _, diesel, diesel_async, with_conn};

use super::rows::{
    ALL_KINDS, NewOccurrence, OccurrenceRow, ReminderRow, cancel_pending, occurrence_kind, occurrence_state,
    reminder_status,
};

#[derive(QueryableByName)]
pub(super) struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The claim on PostgreSQL. Each source of work is read in its index's
/// order and stops after `$3` rows: occurrences falling due (`state_due`)
/// and claims whose lease ran out (`state_lease`). One `OR` over both would
/// read every due row and sort them (the index order is lost), which after
/// an outage costs the whole backlog at every claim. The rows are picked
/// once, in materialised CTEs: written as `WHERE id IN (SELECT ... LIMIT ..
/// FOR UPDATE SKIP LOCKED)`, PostgreSQL may evaluate the subquery more than
/// once and claim more than the limit. Run after [`PLANNER_SETTINGS`].
pub(super) const CLAIM_POSTGRES: &str = "WITH falling_due AS MATERIALIZED ( \
        SELECT id, due_at FROM reminder_occurrences \
        WHERE state = 'scheduled' AND due_at <= $2 \
        ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED), \
    lease_over AS MATERIALIZED ( \
        SELECT id, due_at FROM reminder_occurrences \
        WHERE state = 'queued' AND lease_until <= $2 \
        ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED), \
    due AS ( \
        SELECT id FROM (SELECT id, due_at FROM falling_due UNION ALL SELECT id, due_at FROM lease_over) AS both_kinds \
        ORDER BY due_at LIMIT $3) \
    UPDATE reminder_occurrences \
    SET state = 'queued', lease_until = $1, attempts = attempts + 1 \
    FROM due WHERE reminder_occurrences.id = due.id \
    RETURNING reminder_occurrences.id";

/// The claim's planner settings on PostgreSQL, for its transaction only.
/// With statistics taken on an empty table (steady state: nothing due), the
/// planner would read the due rows through a bitmap and sort them all,
/// whatever their number; the claim must cost the rows it claims, so it
/// walks the indexes in order whatever the statistics say.
///
/// `jit = off` too: a plan node turned off is costed at 10^10, far above
/// `jit_above_cost`, so PostgreSQL would compile the claim to machine code
/// at every round, about 200 ms each on this project's machines for a claim
/// that runs in 2 ms (measured: reminder lateness p50 1 to 13 s with two
/// workers processes, docs/benchmarks.md).
///
/// Hash and merge joins off: the claimed rows are found again by primary
/// key, one probe each. With the statistics of a small table, the planner
/// would rather hash them against a walk of the whole primary key, and
/// keep doing so as the history of sent occurrences grows.
pub(super) const PLANNER_SETTINGS: &str = "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; \
    SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; \
    SET LOCAL jit = off";

/// SQLite has one writer at a time, so the statement alone is enough; each
/// source is read through its index (`INDEXED BY`), as on PostgreSQL.
pub(super) const CLAIM_SQLITE: &str = "UPDATE reminder_occurrences \
    SET state = 'queued', lease_until = ?1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM ( \
        SELECT id, due_at FROM (SELECT id, due_at FROM reminder_occurrences \
            INDEXED BY reminder_occurrences_state_due \
            WHERE state = 'scheduled' AND due_at <= ?2 ORDER BY due_at LIMIT ?3) \
        UNION ALL \
        SELECT id, due_at FROM (SELECT id, due_at FROM reminder_occurrences \
            INDEXED BY reminder_occurrences_state_lease \
            WHERE state = 'queued' AND lease_until <= ?2 ORDER BY lease_until LIMIT ?3)) \
        ORDER BY due_at LIMIT ?3) \
    RETURNING id";

/// Claims up to `limit` occurrences that are due (or whose earlier claim
/// expired) until `lease_until`, the earliest first. Several workers
/// replicas never claim the same one: rows locked by another claim are
/// skipped (PostgreSQL), or claims run one after the other (SQLite).
pub(crate) async fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let claimed: Vec<Claimed> = match conn.backend() {
        Backend::Postgres => with_conn!(conn, c => {
            c.write_transaction(async |c| {
                c.batch_execute(PLANNER_SETTINGS).await?;
                diesel::sql_query(CLAIM_POSTGRES)
                    .bind::<Timestamp, _>(lease_until)
                    .bind::<Timestamp, _>(now)
                    .bind::<BigInt, _>(limit)
                    .load(c)
                    .await
            })
            .await
        })?,
        Backend::Sqlite => with_conn!(conn, c => {
            diesel::sql_query(CLAIM_SQLITE)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(limit)
                .load(c)
                .await
        })?,
    };
    Ok(claimed.into_iter().map(|row| row.id).collect())
}

/// When the earliest scheduled occurrence is due (the scheduler sleeps until then).
pub(crate) async fn earliest_scheduled(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => {
        reminder_occurrences::table
            .filter(reminder_occurrences::state.eq(occurrence_state::SCHEDULED))
            .select(diesel::dsl::min(reminder_occurrences::due_at))
            .first(c)
            .await
    })
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

/// Drops a claimed occurrence that must not go out (its reminder is finished).
pub(crate) async fn cancel_occurrence(conn: &mut DbConn, occurrence_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(
            reminder_occurrences::table
                .find(occurrence_id)
                .filter(reminder_occurrences::state.eq_any(occurrence_state::PENDING)),
        )
        .set(reminder_occurrences::state.eq(occurrence_state::CANCELLED))
        .execute(c)
        .await
    })?;
    Ok(())
}

/// Holds a claimed occurrence until `until` (the end of quiet hours): it is
/// scheduled again, remembering when it was first due and whether it was
/// already late. Returns false if it was no longer claimed.
pub(crate) async fn hold_occurrence(
    conn: &mut DbConn,
    occurrence: &OccurrenceRow,
    until: NaiveDateTime,
    late: bool,
) -> QueryResult<bool> {
    let updated = with_conn!(conn, c => {
        diesel::update(
            reminder_occurrences::table
                .find(&occurrence.id)
                .filter(reminder_occurrences::state.eq(occurrence_state::QUEUED)),
        )
        .set((
            reminder_occurrences::state.eq(occurrence_state::SCHEDULED),
            reminder_occurrences::due_at.eq(until),
            reminder_occurrences::held_from.eq(occurrence.nominal_due_at()),
            reminder_occurrences::late.eq(late),
            reminder_occurrences::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)
        .await
    })?;
    Ok(updated == 1)
}

/// How a claimed occurrence ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'a> {
    Sent {
        outbound_id: &'a str,
        late: bool,
    },
    /// Not sent: recorded as missed (after downtime, or superseded by a later one).
    Missed,
}

pub(crate) struct Completion<'a> {
    pub(crate) occurrence: &'a OccurrenceRow,
    pub(crate) reminder: &'a ReminderRow,
    pub(crate) outcome: Outcome<'a>,
    /// A recurring reminder's next occurrence, when this one was its own time.
    pub(crate) next_due: Option<NewOccurrence>,
    /// The next nag, when this was sent and nagging goes on.
    pub(crate) next_nag: Option<NewOccurrence>,
    pub(crate) now: NaiveDateTime,
}

impl Completion<'_> {
    /// When the soonest occurrence it adds is due.
    pub(crate) fn earliest_next(&self) -> Option<NaiveDateTime> {
        [&self.next_due, &self.next_nag]
            .into_iter()
            .flatten()
            .map(|next| next.due_at)
            .min()
    }
}

/// Records how a claimed occurrence ended and what follows it, in one
/// transaction: the reminder's status, its nag count, the next nag and the
/// next occurrence of its rule. Returns false (and changes nothing) when the
/// occurrence was no longer claimed: another delivery of the same job
/// recorded it first.
pub(crate) async fn complete_occurrence(conn: &mut DbConn, done: &Completion<'_>) -> QueryResult<bool> {
    let occurrence = done.occurrence;
    let reminder = done.reminder;
    let now = done.now;
    let (state, sent_at, late, outbound_id) = match done.outcome {
        Outcome::Sent { outbound_id, late } => (occurrence_state::SENT, Some(now), late, Some(outbound_id)),
        Outcome::Missed => (occurrence_state::MISSED, None, occurrence.late, None),
    };
    let firing = occurrence.kind != occurrence_kind::NAG;
    let one_off = reminder.recurrence().is_none();
    let open = reminder_status::OPEN;
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let claimed = diesel::update(
                reminder_occurrences::table
                    .find(&occurrence.id)
                    .filter(reminder_occurrences::state.eq(occurrence_state::QUEUED)),
            )
            .set((
                reminder_occurrences::state.eq(state),
                reminder_occurrences::sent_at.eq(sent_at),
                reminder_occurrences::late.eq(late),
                reminder_occurrences::outbound_id.eq(outbound_id),
                reminder_occurrences::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c)
            .await?;
            if claimed == 0 {
                return QueryResult::Ok(false);
            }
            let reminder_row = reminders::table.find(&reminder.id);
            let goes_on = match (done.outcome, firing) {
                (Outcome::Sent { .. }, true) => {
                    let updated = diesel::update(reminder_row.filter(reminders::status.eq_any(open)))
                        .set((
                            reminders::status.eq(reminder_status::SENT),
                            reminders::last_sent_at.eq(now),
                            reminders::last_due_at.eq(occurrence.nominal_due_at()),
                            reminders::nags_sent.eq(0),
                            reminders::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?;
                    if updated == 1 {
                        // A new send starts a new round of nags.
                        cancel_pending(&reminder.id, &[occurrence_kind::NAG]).execute(c).await?;
                    }
                    updated == 1
                }
                (Outcome::Sent { .. }, false) => {
                    diesel::update(reminder_row.filter(reminders::status.eq(reminder_status::SENT)))
                        .set((
                            reminders::nags_sent.eq(reminders::nags_sent + 1),
                            reminders::last_sent_at.eq(now),
                            reminders::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?
                        == 1
                }
                (Outcome::Missed, true) if one_off => {
                    let updated = diesel::update(reminder_row.filter(reminders::status.eq_any(open)))
                        .set((
                            reminders::status.eq(reminder_status::MISSED),
                            reminders::last_due_at.eq(occurrence.nominal_due_at()),
                            reminders::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?;
                    if updated == 1 {
                        cancel_pending(&reminder.id, &ALL_KINDS).execute(c).await?;
                    }
                    false
                }
                (Outcome::Missed, true) => {
                    diesel::update(reminder_row.filter(reminders::status.eq_any(open)))
                        .set(reminders::updated_at.eq(now))
                        .execute(c)
                        .await?
                        == 1
                }
                // A nag whose time passed during downtime: nagging ends there.
                (Outcome::Missed, false) => false,
            };
            if goes_on {
                for next in [&done.next_due, &done.next_nag].into_iter().flatten() {
                    diesel::insert_into(reminder_occurrences::table)
                        .values(next.values(&reminder.id, &reminder.user_id, None, now))
                        .execute(c)
                        .await?;
                }
            }
            QueryResult::Ok(true)
        })
        .await
    })
}
