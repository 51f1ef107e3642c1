//! The queries of numbers: `sms_numbers` and its cost periods `sms_number_periods`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};
use diesel_async::RunQueryDsl;
use nudge_secure::{CryptoError, KeyRing, PersonReader};
use nudge_store::schema::{sms_number_periods, sms_numbers, sms_outbound};
use nudge_store::{DbConn, PersonKeyError, PersonKeys, Transact as _, diesel, diesel_async, with_conn};

use crate::store::{outbound_status, phones, sql};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_numbers)]
pub(crate) struct NumberRow {
    pub(crate) user_id: String,
    pub(crate) nudge_number: String,
    /// The phone's blind index (see [`phones`]).
    pub(crate) phone_index: String,
    pub(crate) phone_sealed: Option<Vec<u8>>,
    pub(crate) provider_sid: Option<String>,
}

impl NumberRow {
    /// The person's verified phone, opened with their key.
    pub(crate) fn phone(&self, reader: &PersonReader) -> Result<String, CryptoError> {
        phones::open(
            reader,
            self.phone_sealed.as_deref(),
            &self.phone_index,
            &phones::number_context(&self.user_id),
        )
    }
}

/// A phone to store on a person's number: its blind index, and the phone
/// sealed under their key.
pub(crate) struct StoredPhone {
    pub(crate) index: String,
    pub(crate) sealed: Vec<u8>,
}

impl StoredPhone {
    pub(crate) async fn seal(
        conn: &mut DbConn,
        keys: &PersonKeys,
        user_id: &str,
        phone: &str,
    ) -> Result<StoredPhone, PersonKeyError> {
        let sealed = keys
            .for_writing(conn, user_id)
            .await?
            .encrypt_str(phone, &phones::number_context(user_id));
        Ok(StoredPhone {
            index: phones::index(keys.ring(), phone),
            sealed,
        })
    }
}

pub(crate) async fn number_by_nudge_number(conn: &mut DbConn, nudge_number: &str) -> QueryResult<Option<NumberRow>> {
    with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::nudge_number.eq(nudge_number))
            .select(NumberRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn number_by_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<NumberRow>> {
    with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::user_id.eq(user_id))
            .select(NumberRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// A number to give a person.
pub(crate) struct Assignment<'a> {
    pub(crate) user_id: &'a str,
    pub(crate) nudge_number: &'a str,
    pub(crate) phone: &'a StoredPhone,
    pub(crate) provider_sid: Option<&'a str>,
    pub(crate) monthly_price_micros: i32,
    pub(crate) now: NaiveDateTime,
}

/// Gives a person a number (replacing any other they had) and records their
/// verified phone. A new number opens a cost period (closing the previous
/// number's); the same number again only updates the phone.
pub(crate) async fn assign_number(conn: &mut DbConn, a: &Assignment<'_>) -> QueryResult<()> {
    let id = nudge_core::new_id();
    let period_id = nudge_core::new_id();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let previous: Option<String> = sms_numbers::table
                .filter(sms_numbers::user_id.eq(a.user_id))
                .select(sms_numbers::nudge_number)
                .first(c)
                .await
                .optional()?;
            diesel::insert_into(sms_numbers::table)
                .values((
                    sms_numbers::id.eq(&id),
                    sms_numbers::user_id.eq(a.user_id),
                    sms_numbers::nudge_number.eq(a.nudge_number),
                    sms_numbers::phone_index.eq(&a.phone.index),
                    sms_numbers::phone_sealed.eq(&a.phone.sealed),
                    sms_numbers::provider_sid.eq(a.provider_sid),
                    sms_numbers::created_at.eq(a.now),
                    sms_numbers::updated_at.eq(a.now),
                ))
                .on_conflict(sms_numbers::user_id)
                .do_update()
                .set((
                    sms_numbers::nudge_number.eq(a.nudge_number),
                    sms_numbers::phone_index.eq(&a.phone.index),
                    sms_numbers::phone_sealed.eq(&a.phone.sealed),
                    sms_numbers::provider_sid.eq(a.provider_sid),
                    sms_numbers::updated_at.eq(a.now),
                ))
                .execute(c)
                .await?;
            let open: i64 = sms_number_periods::table
                .filter(sms_number_periods::user_id.eq(a.user_id))
                .filter(sms_number_periods::nudge_number.eq(a.nudge_number))
                .filter(sms_number_periods::released_at.is_null())
                .count()
                .get_result(c)
                .await?;
            if previous.as_deref() != Some(a.nudge_number) || open == 0 {
                diesel::update(
                    sms_number_periods::table
                        .filter(sms_number_periods::user_id.eq(a.user_id))
                        .filter(sms_number_periods::released_at.is_null()),
                )
                .set(sms_number_periods::released_at.eq(a.now))
                .execute(c)
                .await?;
                diesel::insert_into(sms_number_periods::table)
                    .values((
                        sms_number_periods::id.eq(&period_id),
                        sms_number_periods::user_id.eq(a.user_id),
                        sms_number_periods::nudge_number.eq(a.nudge_number),
                        sms_number_periods::provider_sid.eq(a.provider_sid),
                        sms_number_periods::monthly_price_micros.eq(a.monthly_price_micros),
                        sms_number_periods::assigned_at.eq(a.now),
                    ))
                    .execute(c)
                    .await?;
            }
            QueryResult::Ok(())
        })
        .await
    })
}

/// Forgets a person's number: closes its cost period and cancels what was
/// still queued from it. Returns whether there was one.
pub(crate) async fn release_number(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let deleted = diesel::delete(sms_numbers::table.filter(sms_numbers::user_id.eq(user_id)))
                .execute(c)
                .await?;
            diesel::update(
                sms_number_periods::table
                    .filter(sms_number_periods::user_id.eq(user_id))
                    .filter(sms_number_periods::released_at.is_null()),
            )
            .set(sms_number_periods::released_at.eq(now))
            .execute(c)
            .await?;
            diesel::update(
                sms_outbound::table
                    .filter(sms_outbound::user_id.eq(user_id))
                    .filter(sms_outbound::status.eq(outbound_status::QUEUED)),
            )
            .set((sms_outbound::status.eq(outbound_status::CANCELED), sms_outbound::updated_at.eq(now)))
            .execute(c)
            .await?;
            QueryResult::Ok(deleted == 1)
        })
        .await
    })
}

#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct ListedNumber {
    #[diesel(sql_type = Text)]
    pub(crate) user_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) nudge_number: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) provider_sid: Option<String>,
    #[diesel(sql_type = Timestamp)]
    pub(crate) created_at: NaiveDateTime,
    #[diesel(sql_type = Bool)]
    pub(crate) opted_out: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    pub(crate) monthly_price_micros: Option<i32>,
}

const LIST_NUMBERS_SQL: &str = "SELECT n.user_id, n.nudge_number, n.provider_sid, n.created_at, \
    COALESCE(c.opted_out, FALSE) AS opted_out, \
    (SELECT MAX(p.monthly_price_micros) FROM sms_number_periods p \
        WHERE p.user_id = n.user_id AND p.nudge_number = n.nudge_number AND p.released_at IS NULL) AS monthly_price_micros \
    FROM sms_numbers n LEFT JOIN sms_consent c ON c.user_id = n.user_id \
    WHERE n.user_id > $1 ORDER BY n.user_id LIMIT $2";

/// Numbers assigned now, by user id, after `after`.
pub(crate) async fn list_numbers(conn: &mut DbConn, after: &str, limit: i64) -> QueryResult<Vec<ListedNumber>> {
    let query = sql(conn.backend(), LIST_NUMBERS_SQL);
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(after)
            .bind::<BigInt, _>(limit)
            .load::<ListedNumber>(c)
            .await
    })
}

const NUMBER_OF_SQL: &str = "SELECT n.user_id, n.nudge_number, n.provider_sid, n.created_at, \
    COALESCE(c.opted_out, FALSE) AS opted_out, \
    (SELECT MAX(p.monthly_price_micros) FROM sms_number_periods p \
        WHERE p.user_id = n.user_id AND p.nudge_number = n.nudge_number AND p.released_at IS NULL) AS monthly_price_micros \
    FROM sms_numbers n LEFT JOIN sms_consent c ON c.user_id = n.user_id \
    WHERE n.user_id = $1";

/// The number assigned to `user_id` now, as [`list_numbers`] shows it.
pub(crate) async fn number_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<ListedNumber>> {
    let query = sql(conn.backend(), NUMBER_OF_SQL);
    let mut rows = with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(user_id)
            .load::<ListedNumber>(c)
            .await
    })?;
    Ok(rows.pop())
}

/// Whether `phone` is the verified phone of another person's number.
pub(crate) async fn phone_of_another(
    conn: &mut DbConn,
    ring: &KeyRing,
    user_id: &str,
    phone: &str,
) -> QueryResult<bool> {
    let lookups = phones::lookups(ring, phone);
    let n: i64 = with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::phone_index.eq_any(&lookups))
            .filter(sms_numbers::user_id.ne(user_id))
            .count()
            .get_result(c)
            .await
    })?;
    Ok(n > 0)
}

/// Records the person's new verified phone; false when they have no number.
pub(crate) async fn change_phone(conn: &mut DbConn, user_id: &str, phone: &StoredPhone) -> QueryResult<bool> {
    let n = with_conn!(conn, c => {
        diesel::update(sms_numbers::table.filter(sms_numbers::user_id.eq(user_id)))
            .set((sms_numbers::phone_index.eq(&phone.index), sms_numbers::phone_sealed.eq(&phone.sealed)))
            .execute(c)
            .await
    })?;
    Ok(n > 0)
}
