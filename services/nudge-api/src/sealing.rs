//! What the api runs once at start-up, in the background, so that every
//! email and phone it holds is sealed and indexed under the active key
//! (issue 13, finding 2; see [`crate::store`]):
//!
//! - rows written before identifiers were sealed (a plain email in
//!   `api_accounts.email_index`, a plain phone in `api_accounts.phone`,
//!   `users.phone_index` or `api_codes.phone`) are sealed and indexed;
//! - rows indexed by an older key of the ring (after a rotation) are
//!   indexed again under the active one, so the old key can leave the ring
//!   once every api replica has logged this job's end.
//!
//! Tables are read 500 rows at a time in id order, never all at once; a row
//! changes only if it is still as read, so replicas doing it at once agree.
//! Retried every 30 s while the database is away.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{api_accounts, api_codes, users};
use nudge_store::{Db, DbConn, PersonKeyError, PersonKeys, diesel, diesel_async, with_conn};
use tokio_util::sync::CancellationToken;

use crate::store::{EMAIL_INDEX, PHONE_INDEX, sealed_context};

/// How many rows a page reads.
const PAGE: i64 = 500;

/// What one run changed, per table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub accounts: usize,
    pub users: usize,
    pub codes: usize,
}

/// Runs [`seal_and_reindex`] until it completes or `shutdown`, logging what
/// it changed.
pub(crate) async fn seal_until_done(db: Db, keys: std::sync::Arc<PersonKeys>, shutdown: CancellationToken) {
    let (db, keys) = (&db, &keys);
    let job = move || async move {
        let mut conn = db.conn().await.map_err(|e| e.to_string())?;
        seal_and_reindex(&mut conn, keys).await.map_err(|e| e.to_string())
    };
    if let Some(sealed) = nudge_runtime::retry_until_done(&shutdown, "cannot seal emails and phones yet", job).await {
        tracing::info!(
            accounts = sealed.accounts,
            users = sealed.users,
            codes = sealed.codes,
            "emails and phones sealed and indexed under the active key"
        );
    }
}

/// Seals the api's plain identifiers and indexes them under the active key
/// (see the module docs). Returns how many rows of each table changed.
pub async fn seal_and_reindex(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<Sealed> {
    Ok(Sealed {
        accounts: accounts(conn, keys).await?,
        users: people(conn, keys).await?,
        codes: codes(conn, keys).await?,
    })
}

type AccountIds = (
    String,
    String,
    Option<Vec<u8>>,
    Option<String>,
    Option<Vec<u8>>,
    NaiveDateTime,
);

async fn accounts(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<usize> {
    let ring = keys.ring();
    let mut after = String::new();
    let mut changed = 0;
    loop {
        let rows: Vec<AccountIds> = with_conn!(conn, c => api_accounts::table
            .filter(api_accounts::id.gt(&after))
            .order(api_accounts::id)
            .select((
                api_accounts::id,
                api_accounts::email_index,
                api_accounts::email_sealed,
                api_accounts::phone,
                api_accounts::phone_sealed,
                api_accounts::updated_at,
            ))
            .limit(PAGE)
            .load(c)
            .await)?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = last.0.clone();
        for (id, index, email_sealed, phone, phone_sealed, updated_at) in rows {
            if email_sealed.is_some() && ring.is_current_blind_index(&index) && phone.is_none() {
                continue;
            }
            let cipher = keys.for_writing(conn, &id).await?;
            let email_context = sealed_context("api_accounts.email", &id);
            let (email, email_sealed) = cipher
                .open_or_seal(email_sealed, &index, &email_context)
                .map_err(PersonKeyError::Unwrap)?;
            let phone_sealed = match &phone {
                Some(phone) => Some(cipher.encrypt_str(phone, &sealed_context("api_accounts.phone", &id))),
                None => phone_sealed,
            };
            let fresh = ring.blind_index(EMAIL_INDEX, email.as_bytes());
            changed += with_conn!(conn, c => diesel::update(
                    api_accounts::table
                        .filter(api_accounts::id.eq(&id))
                        .filter(api_accounts::email_index.eq(&index))
                        .filter(api_accounts::updated_at.eq(updated_at)),
                )
                .set((
                    api_accounts::email_index.eq(&fresh),
                    api_accounts::email_sealed.eq(&email_sealed),
                    api_accounts::phone.eq(None::<String>),
                    api_accounts::phone_sealed.eq(&phone_sealed),
                ))
                .execute(c)
                .await)?;
        }
    }
}

async fn people(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<usize> {
    let ring = keys.ring();
    let mut after = String::new();
    let mut changed = 0;
    loop {
        let rows: Vec<(String, String, Option<Vec<u8>>)> = with_conn!(conn, c => users::table
            .filter(users::id.gt(&after))
            .order(users::id)
            .select((users::id, users::phone_index, users::phone_sealed))
            .limit(PAGE)
            .load(c)
            .await)?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = last.0.clone();
        for (id, index, sealed) in rows {
            if sealed.is_some() && ring.is_current_blind_index(&index) {
                continue;
            }
            let cipher = keys.for_writing(conn, &id).await?;
            let (phone, sealed) = cipher
                .open_or_seal(sealed, &index, &sealed_context("users.phone", &id))
                .map_err(PersonKeyError::Unwrap)?;
            let fresh = ring.blind_index(PHONE_INDEX, phone.as_bytes());
            changed += with_conn!(conn, c => diesel::update(
                    users::table.filter(users::id.eq(&id)).filter(users::phone_index.eq(&index)),
                )
                .set((users::phone_index.eq(&fresh), users::phone_sealed.eq(&sealed)))
                .execute(c)
                .await)?;
        }
    }
}

async fn codes(conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<usize> {
    let mut after = String::new();
    let mut changed = 0;
    loop {
        let rows: Vec<(String, String, String)> = with_conn!(conn, c => api_codes::table
            .filter(api_codes::id.gt(&after))
            .filter(api_codes::phone.is_not_null())
            .order(api_codes::id)
            .select((api_codes::id, api_codes::user_id, api_codes::phone.assume_not_null()))
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
                .encrypt_str(&phone, &sealed_context("api_codes.phone", &id));
            changed += with_conn!(conn, c => diesel::update(
                    api_codes::table.filter(api_codes::id.eq(&id)).filter(api_codes::phone.eq(&phone)),
                )
                .set((api_codes::phone.eq(None::<String>), api_codes::phone_sealed.eq(&sealed)))
                .execute(c)
                .await)?;
        }
    }
}
