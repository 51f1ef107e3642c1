//! The rows of the workers' tables and the values of their status columns.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
use nudge_store::diesel;
use nudge_store::schema::{reminder_occurrences, reminders, workers_people};

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
    pub(super) fn values<'a>(
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
pub(super) struct NewOccurrenceValues<'a> {
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

/// The update cancelling a reminder's pending occurrences of the given
/// kinds, to run with `.execute(c)` inside the caller's transaction.
pub(super) fn cancel_pending<'a>(
    reminder_id: &'a str,
    kinds: &'a [&'a str],
) -> impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId + Send + 'a {
    diesel::update(
        reminder_occurrences::table
            .filter(reminder_occurrences::reminder_id.eq(reminder_id))
            .filter(reminder_occurrences::state.eq_any(occurrence_state::PENDING))
            .filter(reminder_occurrences::kind.eq_any(kinds)),
    )
    .set((
        reminder_occurrences::state.eq(occurrence_state::CANCELLED),
        reminder_occurrences::lease_until.eq(None::<NaiveDateTime>),
    ))
}

pub(super) const ALL_KINDS: [&str; 3] = [occurrence_kind::DUE, occurrence_kind::NAG, occurrence_kind::SNOOZE];
/// The kinds that are the reminder's own time (not a nag).
pub(super) const FIRING_KINDS: [&str; 2] = [occurrence_kind::DUE, occurrence_kind::SNOOZE];
