//! Each person's delivery settings (`workers_people`).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{reminders, workers_people};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

use super::rows::PersonRow;

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
