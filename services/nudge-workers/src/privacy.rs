//! `nudge.privacy.v1.PrivacyService` for the workers' tables (GDPR articles
//! 15, 17 and 20): the person's reminders (decrypted), their occurrences and
//! delivery settings as JSON; and their erasure, idempotent.
//!
//! Queue leftovers: a `reminders.due` message carries only an occurrence id;
//! once the occurrence is erased, its consumer finds nothing and sends
//! nothing (`send_occurrence` rejects "no such occurrence").

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_core::UserId;
use nudge_runtime::privacy::{self, Erasure, PersonalData, counted};
use nudge_store::schema::{reminder_occurrences, reminders, workers_people};
use nudge_store::{Db, diesel, diesel_async, with_conn};
use serde_json::{Value, json};

use crate::error::WorkersError;
use crate::state::{Core, REMINDER_BODY};

/// What workers hold about a person: their reminders, occurrences and delivery settings.
impl PersonalData for Core {
    const SERVICE: &'static str = "workers";
    const ERASED_TABLES: &'static [&'static str] = &[
        "workers_person_keys",
        "reminder_occurrences",
        "reminders",
        "workers_people",
    ];
    type Error = WorkersError;

    fn database(&self) -> &Db {
        &self.db
    }

    async fn export(&self, user_id: &UserId) -> Result<Value, WorkersError> {
        export(self, user_id.as_str()).await
    }

    async fn erase(&self, user_id: &UserId) -> Result<Erasure, WorkersError> {
        erase(self, user_id.as_str()).await
    }

    fn forget(&self, user_id: &UserId) {
        self.reachable.forget(user_id.as_str());
    }
}

async fn export(core: &Core, user_id: &str) -> Result<Value, WorkersError> {
    let mut conn = core.db.conn().await?;
    let conn = &mut conn;
    type PersonRow = (String, Option<i32>, Option<i32>, i32, i32, String, NaiveDateTime);
    let person: Option<PersonRow> = with_conn!(conn, c => {
        workers_people::table
            .find(user_id)
            .select((
                workers_people::timezone,
                workers_people::quiet_start_minute,
                workers_people::quiet_end_minute,
                workers_people::nag_interval_seconds,
                workers_people::nag_limit,
                workers_people::missed_policy,
                workers_people::updated_at,
            ))
            .first(c)
            .await
            .optional()
    })?;
    type ReminderRow = (
        String,
        Vec<u8>,
        String,
        String,
        String,
        Option<String>,
        Option<NaiveDateTime>,
        bool,
        i32,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let reminder_rows: Vec<ReminderRow> = with_conn!(conn, c => {
        reminders::table
            .filter(reminders::user_id.eq(user_id))
            .order((reminders::created_at, reminders::id))
            .select((
                reminders::id,
                reminders::body,
                reminders::timezone,
                reminders::language,
                reminders::status,
                reminders::rrule,
                reminders::dtstart,
                reminders::urgent,
                reminders::nags_sent,
                reminders::created_at,
                reminders::last_sent_at,
            ))
            .load(c)
            .await
    })?;
    type OccurrenceRow = (
        String,
        String,
        String,
        String,
        NaiveDateTime,
        bool,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let occurrences: Vec<OccurrenceRow> = with_conn!(conn, c => {
        reminder_occurrences::table
            .filter(reminder_occurrences::user_id.eq(user_id))
            .order((reminder_occurrences::due_at, reminder_occurrences::id))
            .select((
                reminder_occurrences::id,
                reminder_occurrences::reminder_id,
                reminder_occurrences::kind,
                reminder_occurrences::state,
                reminder_occurrences::due_at,
                reminder_occurrences::late,
                reminder_occurrences::sent_at,
                reminder_occurrences::acked_at,
            ))
            .load(c)
            .await
    })?;
    let keys = core.keys.for_reading(conn, user_id).await?;
    Ok(json!({
        "delivery_settings": person.map(|(timezone, quiet_start, quiet_end, nag_interval_seconds, nag_limit, missed_policy, updated_at)| json!({
            "timezone": timezone,
            "quiet_start_minute": quiet_start,
            "quiet_end_minute": quiet_end,
            "nag_interval_seconds": nag_interval_seconds,
            "nag_limit": nag_limit,
            "missed_policy": missed_policy,
            "updated_at": privacy::instant(updated_at),
        })),
        "reminders": reminder_rows.into_iter().map(|(id, body, timezone, language, status, rrule, dtstart, urgent, nags_sent, created_at, last_sent_at)| json!({
            "id": id,
            "text": keys.decrypt_to_string(&body, REMINDER_BODY).ok(),
            "timezone": timezone,
            "language": language,
            "status": status,
            "rrule": rrule,
            "dtstart": privacy::instant_opt(dtstart),
            "urgent": urgent,
            "nags_sent": nags_sent,
            "created_at": privacy::instant(created_at),
            "last_sent_at": privacy::instant_opt(last_sent_at),
        })).collect::<Vec<_>>(),
        "occurrences": occurrences.into_iter().map(|(id, reminder_id, kind, state, due_at, late, sent_at, acked_at)| json!({
            "id": id,
            "reminder_id": reminder_id,
            "kind": kind,
            "state": state,
            "due_at": privacy::instant(due_at),
            "late": late,
            "sent_at": privacy::instant_opt(sent_at),
            "acked_at": privacy::instant_opt(acked_at),
        })).collect::<Vec<_>>(),
    }))
}

/// Deletes the person's key first (from then on nothing of theirs can be
/// decrypted, wherever a copy lies), then their occurrences (so the
/// scheduler claims none of them any more), reminders and settings; keyed on
/// the person alone, so a retry finishes the work.
async fn erase(core: &Core, user_id: &str) -> Result<Erasure, WorkersError> {
    let mut conn = core.db.conn().await?;
    let conn = &mut conn;
    let key = core.keys.erase(conn, user_id).await?;
    let occurrences = with_conn!(conn, c => {
        diesel::delete(reminder_occurrences::table.filter(reminder_occurrences::user_id.eq(user_id))).execute(c).await
    })?;
    let reminder_rows = with_conn!(conn, c => {
        diesel::delete(reminders::table.filter(reminders::user_id.eq(user_id))).execute(c).await
    })?;
    let people = with_conn!(conn, c => {
        diesel::delete(workers_people::table.filter(workers_people::user_id.eq(user_id))).execute(c).await
    })?;
    Ok(Erasure::from(vec![
        counted("workers_person_keys", key),
        counted("reminder_occurrences", occurrences),
        counted("reminders", reminder_rows),
        counted("workers_people", people),
    ]))
}
