//! The api's table: `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::users;
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

/// The id of the person with this verified phone, created if new.
pub(crate) async fn ensure_user(
    conn: &mut DbConn,
    phone: &str,
    timezone: &str,
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = nudge_core::UserId::generate();
    with_conn!(conn, c => {
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id.as_str()),
                users::phone.eq(phone),
                users::timezone.eq(timezone),
                users::language.eq(language),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .on_conflict(users::phone)
            .do_nothing()
            .execute(c)
            .await
    })?;
    with_conn!(conn, c => users::table.filter(users::phone.eq(phone)).select(users::id).first(c).await)
}
