//! The workers' tables: `reminders`, `reminder_occurrences`, `workers_people`,
//! their queries by what uses them.
//!
//! Every transaction starts with a write, so that on SQLite it takes the
//! write lock first (waiting for it under `busy_timeout`) instead of failing
//! when it upgrades a read snapshot.

mod answers;
mod occurrences;
mod people;
mod reminders;
mod rows;

#[cfg(test)]
mod claim_tests;
#[cfg(test)]
mod tests;

pub(crate) use answers::{acknowledge_latest, latest_awaiting_answer, reminder_by_snooze_key, snooze};
pub(crate) use occurrences::{
    Completion, Outcome, cancel_occurrence, claim_due, complete_occurrence, earliest_scheduled, expire_all_claims,
    hold_occurrence, occurrence_with_reminder, release_claim,
};
pub(crate) use people::{latest_timezone, person, save_person};
pub(crate) use reminders::{
    NewReminder, ReminderUpdate, cancel_reminder, create_reminder, reminder_of, reminders_of, shown_due_times,
    update_reminder,
};
pub(crate) use rows::{
    NewOccurrence, OccurrenceRow, PersonRow, ReminderRow, occurrence_kind, occurrence_state, reminder_status,
};
