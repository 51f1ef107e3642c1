//! The workers' tables: `reminders`, `reminder_occurrences`, `workers_people`.
//!
//! Every transaction starts with a write, so that on SQLite it takes the
//! write lock first (waiting for it under `busy_timeout`) instead of failing
//! when it upgrades a read snapshot.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel_async::RunQueryDsl;
use nudge_store::schema::{reminder_occurrences, reminders, workers_people};
use nudge_store::{Backend, DbConn, Transact as _, diesel, diesel_async, with_conn};

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

pub(crate) mod reminder_status {
    pub(crate) const SCHEDULED: &str = "scheduled";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const DONE: &str = "done";
    pub(crate) const CANCELLED: &str = "cancelled";
    pub(crate) const MISSED: &str = "missed";
    /// Still to fire, or waiting for an answer.
    pub(crate) const OPEN: [&str; 2] = [SCHEDULED, SENT];
    pub(crate) const FINISHED: [&str; 3] = [DONE, CANCELLED, MISSED];
}

pub(crate) mod occurrence_state {
    pub(crate) const SCHEDULED: &str = "scheduled";
    pub(crate) const QUEUED: &str = "queued";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const CANCELLED: &str = "cancelled";
    /// Its time passed while Nudge was down and the person records such ones as missed.
    pub(crate) const MISSED: &str = "missed";
    /// Not sent yet: what a cancel, an update or an answer replaces.
    pub(crate) const PENDING: [&str; 2] = [SCHEDULED, QUEUED];
}

pub(crate) mod occurrence_kind {
    /// The reminder's own time (the first one, or the next of its rule).
    pub(crate) const DUE: &str = "due";
    /// "Still on your list": no answer since the last send.
    pub(crate) const NAG: &str = "nag";
    /// The person asked to be reminded again later.
    pub(crate) const SNOOZE: &str = "snooze";
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
    pub(crate) rrule: Option<String>,
    pub(crate) dtstart: Option<NaiveDateTime>,
    pub(crate) urgent: bool,
    pub(crate) nags_sent: i32,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) last_due_at: Option<NaiveDateTime>,
}

impl ReminderRow {
    /// The rule of a recurring reminder.
    pub(crate) fn recurrence(&self) -> Option<&str> {
        self.rrule.as_deref().filter(|rule| !rule.is_empty())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reminder_occurrences)]
pub(crate) struct OccurrenceRow {
    pub(crate) id: String,
    pub(crate) due_at: NaiveDateTime,
    pub(crate) state: String,
    pub(crate) kind: String,
    pub(crate) held_from: Option<NaiveDateTime>,
    pub(crate) late: bool,
}

impl OccurrenceRow {
    /// When it was meant to go out, before any quiet-hours hold.
    pub(crate) fn nominal_due_at(&self) -> NaiveDateTime {
        self.held_from.unwrap_or(self.due_at)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = workers_people)]
pub(crate) struct PersonRow {
    pub(crate) user_id: String,
    pub(crate) timezone: String,
    pub(crate) quiet_start_minute: Option<i32>,
    pub(crate) quiet_end_minute: Option<i32>,
    pub(crate) nag_interval_seconds: i32,
    pub(crate) nag_limit: i32,
    pub(crate) missed_policy: String,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
}

/// A new occurrence to insert.
#[derive(Debug, Clone)]
pub(crate) struct NewOccurrence {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    /// When the scheduler sends it.
    pub(crate) due_at: NaiveDateTime,
    /// When it was meant to go out, if quiet hours moved it to `due_at`.
    pub(crate) held_from: Option<NaiveDateTime>,
}

impl NewOccurrence {
    fn values<'a>(
        &'a self,
        reminder_id: &'a str,
        user_id: &'a str,
        snooze_key: Option<&'a str>,
        now: NaiveDateTime,
    ) -> NewOccurrenceValues<'a> {
        NewOccurrenceValues {
            id: &self.id,
            reminder_id,
            user_id,
            due_at: self.due_at,
            state: occurrence_state::SCHEDULED,
            kind: self.kind,
            held_from: self.held_from,
            snooze_key,
            created_at: now,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = reminder_occurrences)]
struct NewOccurrenceValues<'a> {
    id: &'a str,
    reminder_id: &'a str,
    user_id: &'a str,
    due_at: NaiveDateTime,
    state: &'a str,
    kind: &'a str,
    held_from: Option<NaiveDateTime>,
    snooze_key: Option<&'a str>,
    created_at: NaiveDateTime,
}

/// Cancels a reminder's pending occurrences of the given kinds (inside a
/// `with_conn!` body, on its connection `$c`).
macro_rules! cancel_pending {
    ($c:expr, $reminder_id:expr, $kinds:expr) => {
        diesel::update(
            reminder_occurrences::table
                .filter(reminder_occurrences::reminder_id.eq($reminder_id))
                .filter(reminder_occurrences::state.eq_any(occurrence_state::PENDING))
                .filter(reminder_occurrences::kind.eq_any($kinds)),
        )
        .set((
            reminder_occurrences::state.eq(occurrence_state::CANCELLED),
            reminder_occurrences::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute($c)
        .await
    };
}

const ALL_KINDS: [&str; 3] = [occurrence_kind::DUE, occurrence_kind::NAG, occurrence_kind::SNOOZE];
/// The kinds that are the reminder's own time (not a nag).
const FIRING_KINDS: [&str; 2] = [occurrence_kind::DUE, occurrence_kind::SNOOZE];

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

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The claimed rows are picked once, in a materialised CTE: written as
/// `WHERE id IN (SELECT ... LIMIT .. FOR UPDATE SKIP LOCKED)`, PostgreSQL may
/// evaluate the subquery more than once and claim more than the limit.
const CLAIM_POSTGRES: &str = "WITH due AS MATERIALIZED ( \
        SELECT id FROM reminder_occurrences \
        WHERE (state = 'scheduled' AND due_at <= $2) OR (state = 'queued' AND lease_until <= $2) \
        ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
    UPDATE reminder_occurrences \
    SET state = 'queued', lease_until = $1, attempts = attempts + 1 \
    FROM due WHERE reminder_occurrences.id = due.id \
    RETURNING reminder_occurrences.id";

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
                        cancel_pending!(c, &reminder.id, [occurrence_kind::NAG])?;
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
                        cancel_pending!(c, &reminder.id, ALL_KINDS)?;
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

/// The reminder a "done" with this key acknowledged, if any.
pub(crate) async fn reminder_by_ack_key(conn: &mut DbConn, ack_key: &str) -> QueryResult<Option<ReminderRow>> {
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
async fn last_sent_occurrence(conn: &mut DbConn, reminder_id: &str) -> QueryResult<Option<String>> {
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
                    cancel_pending!(c, &reminder.id, ALL_KINDS)?;
                } else {
                    // The next occurrence of the rule stays.
                    cancel_pending!(c, &reminder.id, [occurrence_kind::NAG, occurrence_kind::SNOOZE])?;
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
            cancel_pending!(c, &reminder.id, [occurrence_kind::NAG, occurrence_kind::SNOOZE])?;
            diesel::insert_into(reminder_occurrences::table)
                .values(occurrence.values(&reminder.id, &reminder.user_id, Some(snooze_key), now))
                .execute(c)
                .await?;
            QueryResult::Ok(true)
        })
        .await
    })
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
                cancel_pending!(c, id, ALL_KINDS)?;
            }
            QueryResult::Ok(())
        })
        .await
    })?;
    reminder_of(conn, user_id, id).await
}

#[derive(AsChangeset)]
#[diesel(table_name = reminders)]
struct ReminderChanges<'a> {
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
                cancel_pending!(c, id, ALL_KINDS)?;
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

/// A person's delivery settings, if they ever set any.
pub(crate) async fn person(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<PersonRow>> {
    with_conn!(conn, c => {
        workers_people::table
            .find(user_id)
            .select(PersonRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Stores a person's delivery settings (replacing earlier ones).
pub(crate) async fn save_person(conn: &mut DbConn, row: &PersonRow) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::insert_into(workers_people::table)
            .values(row)
            .on_conflict(workers_people::user_id)
            .do_update()
            .set((
                workers_people::timezone.eq(&row.timezone),
                workers_people::quiet_start_minute.eq(row.quiet_start_minute),
                workers_people::quiet_end_minute.eq(row.quiet_end_minute),
                workers_people::nag_interval_seconds.eq(row.nag_interval_seconds),
                workers_people::nag_limit.eq(row.nag_limit),
                workers_people::missed_policy.eq(&row.missed_policy),
                workers_people::updated_at.eq(row.updated_at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The time zone of the person's most recent reminder (the default zone of their settings).
pub(crate) async fn latest_timezone(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<String>> {
    with_conn!(conn, c => {
        reminders::table
            .filter(reminders::user_id.eq(user_id))
            .order((reminders::created_at.desc(), reminders::id.desc()))
            .select(reminders::timezone)
            .first(c)
            .await
            .optional()
    })
}
