//! What sms-router runs once at start-up, in the background, so that every
//! phone it holds is sealed (issue 13, finding 2; see
//! [`crate::store::phones`]):
//!
//! - a number's phone written before phones were sealed (plain in
//!   `sms_numbers.phone_index`) is sealed and indexed; one indexed by an
//!   older key of the ring (after a rotation) is indexed again under the
//!   active key, so lookups still find it once the old key leaves the ring;
//! - an outbound SMS's recipient written in the clear (`to_index`, no
//!   `to_sealed`) is sealed and indexed (found through the partial index
//!   `sms_outbound_to_unsealed`, so a restart with nothing left to seal
//!   reads nothing). Nothing looks an SMS up by its recipient, so their
//!   indexes are not redone after a rotation.
//!
//! Rows are read 500 at a time in id order; a row changes only if it is
//! still as read, so replicas doing it at once agree. Retried every 30 s
//! while the database is away.

use std::sync::Arc;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_secure::{KeyRing, PersonCipher};
use nudge_store::schema::{sms_numbers, sms_outbound};
use nudge_store::{DbConn, PersonKeyError, PersonKeys, diesel, diesel_async, with_conn};
use tokio_util::sync::CancellationToken;

use crate::state::Core;
use crate::store::phones;

/// How many rows a page reads.
const PAGE: i64 = 500;

/// What one run changed, per table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub numbers: usize,
    pub outbound: usize,
}

/// The blind index sms-router finds and names a person's phone by (a
/// number's phone, a stranger's `sender_hash`), for tools and tests.
pub fn phone_index(ring: &KeyRing, phone: &str) -> String {
    phones::index(ring, phone)
}

/// A number's phone as sms-router stores it, for tools that write its rows
/// directly (benchmarks): `sms_numbers.phone_index`, and `phone_sealed`
/// sealed with the person's `cipher`.
pub fn number_phone(ring: &KeyRing, cipher: &PersonCipher, user_id: &str, phone: &str) -> (String, Vec<u8>) {
    (
        phone_index(ring, phone),
        cipher.encrypt_str(phone, &phones::number_context(user_id)),
    )
}

/// Runs [`seal_and_reindex`] until it completes or `shutdown`, logging what
/// it changed.
pub(crate) async fn seal_until_done(core: Arc<Core>, shutdown: CancellationToken) {
    let core = &core;
    let job = move || async move {
        let mut conn = core.db.conn().await.map_err(|e| e.to_string())?;
        seal_and_reindex(&mut conn, &core.keys).await.map_err(|e| e.to_string())
    };
    if let Some(sealed) = nudge_runtime::retry_until_done(&shutdown, "cannot seal phones yet", job).await {
        tracing::info!(
            numbers = sealed.numbers,
            outbound = sealed.outbound,
            "phones sealed and indexed under the active key"
        );
    }
}

/// Seals sms-router's plain phones and indexes numbers' phones under the
/// active key (see the module docs). Returns how many rows changed.
pub async fn seal_and_reindex(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<Sealed> {
    Ok(Sealed {
        numbers: numbers(conn, keys).await?,
        outbound: outbound(conn, keys).await?,
    })
}

async fn numbers(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<usize> {
    let ring = keys.ring();
    let mut after = String::new();
    let mut changed = 0;
    loop {
        let rows: Vec<(String, String, String, Option<Vec<u8>>)> = with_conn!(conn, c => sms_numbers::table
            .filter(sms_numbers::id.gt(&after))
            .order(sms_numbers::id)
            .select((sms_numbers::id, sms_numbers::user_id, sms_numbers::phone_index, sms_numbers::phone_sealed))
            .limit(PAGE)
            .load(c)
            .await)?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = last.0.clone();
        for (id, user_id, index, sealed) in rows {
            if sealed.is_some() && phones::is_current(ring, &index) {
                continue;
            }
            let cipher = keys.for_writing(conn, &user_id).await?;
            let context = phones::number_context(&user_id);
            let (phone, sealed) = cipher
                .open_or_seal(sealed, &index, &context)
                .map_err(PersonKeyError::Unwrap)?;
            changed += with_conn!(conn, c => diesel::update(
                    sms_numbers::table.filter(sms_numbers::id.eq(&id)).filter(sms_numbers::phone_index.eq(&index)),
                )
                .set((
                    sms_numbers::phone_index.eq(phones::index(ring, &phone)),
                    sms_numbers::phone_sealed.eq(&sealed),
                ))
                .execute(c)
                .await)?;
        }
    }
}

async fn outbound(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<usize> {
    let ring = keys.ring();
    let mut after = String::new();
    let mut changed = 0;
    loop {
        let rows: Vec<(String, String, String)> = with_conn!(conn, c => sms_outbound::table
            .filter(sms_outbound::to_sealed.is_null())
            .filter(sms_outbound::id.gt(&after))
            .order(sms_outbound::id)
            .select((sms_outbound::id, sms_outbound::user_id, sms_outbound::to_index))
            .limit(PAGE)
            .load(c)
            .await)?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = last.0.clone();
        for (id, user_id, phone) in rows {
            let sealed = keys
                .for_writing(conn, &user_id)
                .await?
                .encrypt_str(&phone, &phones::outbound_context(&id));
            changed += with_conn!(conn, c => diesel::update(
                    sms_outbound::table.filter(sms_outbound::id.eq(&id)).filter(sms_outbound::to_sealed.is_null()),
                )
                .set((
                    sms_outbound::to_index.eq(phones::index(ring, &phone)),
                    sms_outbound::to_sealed.eq(&sealed),
                ))
                .execute(c)
                .await)?;
        }
    }
}
