//! The api's tables: `users`, `api_accounts`, sessions, codes, audit.
//!
//! Emails and phones are never stored as text (issue 13, finding 2): each is
//! sealed under the person's key (`api_person_keys`), so erasure leaves no
//! copy that opens, and found by a blind index under the key ring
//! ([`KeyRing::blind_index`]). The functions here take the [`PersonKeys`]
//! and hand out the values opened.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use nudge_secure::{KeyRing, PersonReader};
use nudge_store::schema::{api_person_keys, users};
use nudge_store::{DbConn, PersonKeyError, PersonKeys, Transact as _, diesel, diesel_async, with_conn};

/// What an email's blind index is keyed with (`api_accounts.email_index`).
pub(crate) const EMAIL_INDEX: &[u8] = b"api.email";
/// What a phone's blind index is keyed with (`users.phone_index`).
pub(crate) const PHONE_INDEX: &[u8] = b"api.phone";

/// What a sealed identifier is bound to: its column and its row, so a
/// value copied to another row or column does not open.
pub(crate) fn sealed_context(column: &str, row: &str) -> Vec<u8> {
    format!("{column}:{row}").into_bytes()
}

/// The values a row with `value` may hold in an index column: its blind
/// index under each key of the ring (a rotation in progress), and the value
/// itself (a row written before identifiers were sealed, until the start-up
/// job seals it: [`crate::sealing`]).
fn lookups(ring: &KeyRing, context: &[u8], value: &str) -> Vec<String> {
    let mut all = ring.blind_indexes(context, value.as_bytes());
    all.push(value.to_owned());
    all
}

/// Opens a sealed identifier; a failure is the key ring's, kept
/// recognisable as such (see [`PersonKeyError::within`]).
pub(crate) fn open(reader: &PersonReader, sealed: &[u8], context: &[u8]) -> QueryResult<String> {
    reader
        .decrypt_to_string(sealed, context)
        .map_err(|error| PersonKeyError::Unwrap(error).into())
}

/// The refusal of a value another row holds, as the unique index would
/// give it (callers already handle that one).
fn taken(what: &str) -> DieselError {
    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, Box::new(format!("{what} is taken")))
}

/// The person with this phone, found by its blind index.
async fn user_by_phone(conn: &mut DbConn, ring: &KeyRing, phone: &str) -> QueryResult<Option<String>> {
    let lookups = lookups(ring, PHONE_INDEX, phone);
    with_conn!(conn, c => users::table
        .filter(users::phone_index.eq_any(&lookups))
        .select(users::id)
        .first(c)
        .await
        .optional())
}

/// The id of the person with this verified phone, created if new.
pub(crate) async fn ensure_user(
    conn: &mut DbConn,
    keys: &PersonKeys,
    phone: &str,
    timezone: &str,
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    if let Some(id) = user_by_phone(conn, keys.ring(), phone).await? {
        return Ok(id);
    }
    let id = nudge_core::UserId::generate();
    let id = id.as_str();
    let sealed = keys
        .for_writing(conn, id)
        .await?
        .encrypt_str(phone, &sealed_context("users.phone", id));
    let index = keys.ring().blind_index(PHONE_INDEX, phone.as_bytes());
    with_conn!(conn, c => {
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id),
                users::phone_index.eq(&index),
                users::phone_sealed.eq(&sealed),
                users::timezone.eq(timezone),
                users::language.eq(language),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .on_conflict(users::phone_index)
            .do_nothing()
            .execute(c)
            .await
    })?;
    let owner = user_by_phone(conn, keys.ring(), phone)
        .await?
        .ok_or(DieselError::NotFound)?;
    if owner != id {
        // Another replica made the person first: the key made here seals nothing.
        keys.erase(conn, id).await?;
    }
    Ok(owner)
}

/// Gives the phone, just verified, to the person `id`: their `users` row
/// (made if missing, its phone updated otherwise). False when the phone is
/// another person's.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn claim_phone(
    conn: &mut DbConn,
    keys: &PersonKeys,
    id: &str,
    phone: &str,
    timezone: &str,
    language: &str,
    role: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let lookups = lookups(keys.ring(), PHONE_INDEX, phone);
    let index = keys.ring().blind_index(PHONE_INDEX, phone.as_bytes());
    let sealed = keys
        .for_writing(conn, id)
        .await?
        .encrypt_str(phone, &sealed_context("users.phone", id));
    let claimed = with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let owner: Option<String> = users::table
                .filter(users::phone_index.eq_any(&lookups))
                .select(users::id)
                .first(c)
                .await
                .optional()?;
            if owner.is_some_and(|owner| owner != id) {
                return Ok(false);
            }
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(id),
                    users::phone_index.eq(&index),
                    users::phone_sealed.eq(&sealed),
                    users::timezone.eq(timezone),
                    users::language.eq(language),
                    users::role.eq(role),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .on_conflict(users::id)
                .do_update()
                .set((
                    users::phone_index.eq(&index),
                    users::phone_sealed.eq(&sealed),
                    users::updated_at.eq(now),
                ))
                .execute(c)
                .await?;
            Ok(true)
        })
        .await
    });
    match claimed {
        Err(error) if nudge_store::is_unique_violation(&error) => Ok(false),
        other => other,
    }
}

// ---- api: identity (issue 6) ----

use nudge_store::schema::{
    api_accounts, api_audit_events, api_backup_codes, api_codes, api_refresh_tokens, api_sessions,
};

/// An account, its email and phone opened.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) password_hash: String,
    pub(crate) role: String,
    pub(crate) phone: Option<String>,
    pub(crate) phone_verified_at: Option<NaiveDateTime>,
    pub(crate) timezone: String,
    pub(crate) language: String,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) totp_secret: Option<Vec<u8>>,
    pub(crate) totp_enabled_at: Option<NaiveDateTime>,
}

/// An account as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_accounts)]
struct AccountRow {
    id: String,
    email_index: String,
    email_sealed: Option<Vec<u8>>,
    password_hash: String,
    role: String,
    /// Plain, only in rows written before identifiers were sealed.
    phone: Option<String>,
    phone_sealed: Option<Vec<u8>>,
    phone_verified_at: Option<NaiveDateTime>,
    timezone: String,
    language: String,
    created_at: NaiveDateTime,
    totp_secret: Option<Vec<u8>>,
    totp_enabled_at: Option<NaiveDateTime>,
}

impl AccountRow {
    async fn open(self, conn: &mut DbConn, keys: &PersonKeys) -> QueryResult<Account> {
        let reader = keys.for_reading(conn, &self.id).await?;
        let email = match &self.email_sealed {
            Some(sealed) => open(&reader, sealed, &sealed_context("api_accounts.email", &self.id))?,
            // Written before identifiers were sealed: the index column holds the email.
            None => self.email_index,
        };
        let phone = match &self.phone_sealed {
            Some(sealed) => Some(open(&reader, sealed, &sealed_context("api_accounts.phone", &self.id))?),
            None => self.phone,
        };
        Ok(Account {
            id: self.id,
            email,
            password_hash: self.password_hash,
            role: self.role,
            phone,
            phone_verified_at: self.phone_verified_at,
            timezone: self.timezone,
            language: self.language,
            created_at: self.created_at,
            totp_secret: self.totp_secret,
            totp_enabled_at: self.totp_enabled_at,
        })
    }
}

async fn open_account(conn: &mut DbConn, keys: &PersonKeys, row: Option<AccountRow>) -> QueryResult<Option<Account>> {
    match row {
        Some(row) => row.open(conn, keys).await.map(Some),
        None => Ok(None),
    }
}

pub(crate) struct NewAccount<'a> {
    pub(crate) id: &'a str,
    pub(crate) email: &'a str,
    pub(crate) password_hash: &'a str,
    pub(crate) timezone: &'a str,
    pub(crate) language: &'a str,
}

/// Creates the account and the person's key in one transaction; an email
/// already taken is refused as a unique violation, leaving nothing behind.
/// A new and a taken email cost the same statements (no account enumeration
/// by timing), except while a rotation or the sealing of old rows is under
/// way.
pub(crate) async fn insert_account(
    conn: &mut DbConn,
    keys: &PersonKeys,
    a: &NewAccount<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let ring = keys.ring();
    let index = ring.blind_index(EMAIL_INDEX, a.email.as_bytes());
    // The active key's index is the unique one; the others are looked up first.
    let others: Vec<String> = lookups(ring, EMAIL_INDEX, a.email)
        .into_iter()
        .filter(|other| *other != index)
        .collect();
    let (cipher, wrapped) = keys.generate(a.id);
    let sealed = cipher.encrypt_str(a.email, &sealed_context("api_accounts.email", a.id));
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let elsewhere: i64 = api_accounts::table
                .filter(api_accounts::email_index.eq_any(&others))
                .count()
                .get_result(c)
                .await?;
            if elsewhere > 0 {
                return Err(taken("api_accounts.email_index"));
            }
            diesel::insert_into(api_person_keys::table)
                .values((
                    api_person_keys::user_id.eq(a.id),
                    api_person_keys::wrapped_key.eq(&wrapped),
                    api_person_keys::created_at.eq(now),
                ))
                .execute(c)
                .await?;
            diesel::insert_into(api_accounts::table)
                .values((
                    api_accounts::id.eq(a.id),
                    api_accounts::email_index.eq(&index),
                    api_accounts::email_sealed.eq(&sealed),
                    api_accounts::password_hash.eq(a.password_hash),
                    api_accounts::role.eq("user"),
                    api_accounts::timezone.eq(a.timezone),
                    api_accounts::language.eq(a.language),
                    api_accounts::created_at.eq(now),
                    api_accounts::updated_at.eq(now),
                ))
                .execute(c)
                .await?;
            Ok(())
        })
        .await
    })
}

pub(crate) async fn account_by_email(
    conn: &mut DbConn,
    keys: &PersonKeys,
    email: &str,
) -> QueryResult<Option<Account>> {
    let lookups = lookups(keys.ring(), EMAIL_INDEX, email);
    let row = with_conn!(conn, c => api_accounts::table
        .filter(api_accounts::email_index.eq_any(&lookups))
        .select(AccountRow::as_select())
        .first(c)
        .await
        .optional())?;
    open_account(conn, keys, row).await
}

pub(crate) async fn account(conn: &mut DbConn, keys: &PersonKeys, id: &str) -> QueryResult<Option<Account>> {
    let row = with_conn!(conn, c => api_accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(c)
        .await
        .optional())?;
    open_account(conn, keys, row).await
}

pub(crate) async fn set_password(conn: &mut DbConn, id: &str, hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_accounts::table.find(id))
        .set((api_accounts::password_hash.eq(hash), api_accounts::updated_at.eq(now)))
        .execute(c)
        .await)?;
    Ok(())
}

pub(crate) async fn set_verified_phone(
    conn: &mut DbConn,
    keys: &PersonKeys,
    id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let sealed = keys
        .for_writing(conn, id)
        .await?
        .encrypt_str(phone, &sealed_context("api_accounts.phone", id));
    with_conn!(conn, c => diesel::update(api_accounts::table.find(id))
        .set((
            api_accounts::phone.eq(None::<String>),
            api_accounts::phone_sealed.eq(&sealed),
            api_accounts::phone_verified_at.eq(now),
            api_accounts::updated_at.eq(now),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// A verified phone change: the account's and `users`' phone. False when
/// another person has the phone.
pub(crate) async fn change_phone(
    conn: &mut DbConn,
    keys: &PersonKeys,
    id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let lookups = lookups(keys.ring(), PHONE_INDEX, phone);
    let index = keys.ring().blind_index(PHONE_INDEX, phone.as_bytes());
    let cipher = keys.for_writing(conn, id).await?;
    let for_users = cipher.encrypt_str(phone, &sealed_context("users.phone", id));
    let for_account = cipher.encrypt_str(phone, &sealed_context("api_accounts.phone", id));
    let changed = with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let others: i64 = users::table
                .filter(users::phone_index.eq_any(&lookups))
                .filter(users::id.ne(id))
                .count()
                .get_result(c)
                .await?;
            if others > 0 {
                return Err(taken("users.phone_index"));
            }
            diesel::update(users::table.find(id))
                .set((
                    users::phone_index.eq(&index),
                    users::phone_sealed.eq(&for_users),
                    users::updated_at.eq(now),
                ))
                .execute(c)
                .await?;
            diesel::update(api_accounts::table.find(id))
                .set((
                    api_accounts::phone.eq(None::<String>),
                    api_accounts::phone_sealed.eq(&for_account),
                    api_accounts::phone_verified_at.eq(now),
                    api_accounts::updated_at.eq(now),
                ))
                .execute(c)
                .await
        })
        .await
    });
    match changed {
        Ok(_) => Ok(true),
        Err(error) if nudge_store::is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_sessions)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) user_agent: Option<String>,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) last_used_at: NaiveDateTime,
    pub(crate) expires_at: NaiveDateTime,
    pub(crate) revoked_at: Option<NaiveDateTime>,
    pub(crate) mfa: bool,
}

/// Creates a session and its first refresh token.
pub(crate) async fn create_session(
    conn: &mut DbConn,
    session: &Session,
    refresh_id: &str,
    refresh_hash: &str,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::insert_into(api_sessions::table)
            .values((
                api_sessions::id.eq(&session.id),
                api_sessions::user_id.eq(&session.user_id),
                api_sessions::user_agent.eq(session.user_agent.as_deref()),
                api_sessions::created_at.eq(session.created_at),
                api_sessions::last_used_at.eq(session.last_used_at),
                api_sessions::expires_at.eq(session.expires_at),
                api_sessions::mfa.eq(session.mfa),
            ))
            .execute(c)
            .await
    })?;
    insert_refresh(conn, refresh_id, &session.id, refresh_hash, session.created_at).await
}

pub(crate) async fn insert_refresh(
    conn: &mut DbConn,
    id: &str,
    session_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => diesel::insert_into(api_refresh_tokens::table)
        .values((
            api_refresh_tokens::id.eq(id),
            api_refresh_tokens::session_id.eq(session_id),
            api_refresh_tokens::token_hash.eq(hash),
            api_refresh_tokens::created_at.eq(now),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

pub(crate) async fn session(conn: &mut DbConn, id: &str) -> QueryResult<Option<Session>> {
    with_conn!(conn, c => api_sessions::table
        .find(id)
        .select(Session::as_select())
        .first(c)
        .await
        .optional())
}

/// What presenting a refresh token found.
pub(crate) enum RefreshUse {
    /// Never issued (or its session was erased).
    Unknown,
    /// First use: it is now spent.
    Fresh { session_id: String },
    /// Already spent (at `used_at`): two tabs refreshing at once, or someone
    /// replaying an old token.
    Reused { session_id: String, used_at: NaiveDateTime },
}

/// Spends a refresh token, atomically (two concurrent uses: one is a reuse).
pub(crate) async fn use_refresh(conn: &mut DbConn, hash: &str, now: NaiveDateTime) -> QueryResult<RefreshUse> {
    let found: Option<(String, String, Option<NaiveDateTime>)> = with_conn!(conn, c => api_refresh_tokens::table
        .filter(api_refresh_tokens::token_hash.eq(hash))
        .select((api_refresh_tokens::id, api_refresh_tokens::session_id, api_refresh_tokens::used_at))
        .first(c)
        .await
        .optional())?;
    let Some((id, session_id, used_at)) = found else {
        return Ok(RefreshUse::Unknown);
    };
    if let Some(used_at) = used_at {
        return Ok(RefreshUse::Reused { session_id, used_at });
    }
    let spent = with_conn!(conn, c => diesel::update(
            api_refresh_tokens::table
                .filter(api_refresh_tokens::id.eq(&id))
                .filter(api_refresh_tokens::used_at.is_null()),
        )
        .set(api_refresh_tokens::used_at.eq(now))
        .execute(c)
        .await)?;
    Ok(if spent == 1 {
        RefreshUse::Fresh { session_id }
    } else {
        // Spent by a concurrent use a moment ago.
        RefreshUse::Reused {
            session_id,
            used_at: now,
        }
    })
}

pub(crate) async fn touch_session(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_sessions::table.find(id))
        .set((api_sessions::last_used_at.eq(now), api_sessions::expires_at.eq(expires_at)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Revokes one session; false if it was already revoked.
pub(crate) async fn revoke_session(conn: &mut DbConn, id: &str, reason: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = with_conn!(conn, c => diesel::update(
            api_sessions::table.filter(api_sessions::id.eq(id)).filter(api_sessions::revoked_at.is_null()),
        )
        .set((api_sessions::revoked_at.eq(now), api_sessions::revoked_reason.eq(reason)))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// The ids of a person's sessions not revoked yet (all of them, or all but `except`).
pub(crate) async fn live_session_ids(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => api_sessions::table
        .filter(api_sessions::user_id.eq(user_id))
        .filter(api_sessions::revoked_at.is_null())
        .select(api_sessions::id)
        .load(c)
        .await)
}

/// A person's live sessions, newest first, after `after` (an id, for pages).
pub(crate) async fn list_sessions(
    conn: &mut DbConn,
    user_id: &str,
    now: NaiveDateTime,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    with_conn!(conn, c => {
        let mut query = api_sessions::table
            .filter(api_sessions::user_id.eq(user_id))
            .filter(api_sessions::revoked_at.is_null())
            .filter(api_sessions::expires_at.gt(now))
            .select(Session::as_select())
            .order(api_sessions::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(api_sessions::id.lt(after.to_owned()));
        }
        query.load(c).await
    })
}

/// A code, the phone it checks opened.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    pub(crate) id: String,
    pub(crate) phone: Option<String>,
    pub(crate) code_hash: String,
    pub(crate) attempts: i32,
    pub(crate) expires_at: NaiveDateTime,
    pub(crate) used_at: Option<NaiveDateTime>,
}

/// A code as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_codes)]
struct CodeRow {
    id: String,
    /// Plain, only in rows written before identifiers were sealed.
    phone: Option<String>,
    phone_sealed: Option<Vec<u8>>,
    code_hash: String,
    attempts: i32,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
}

pub(crate) struct NewCode<'a> {
    pub(crate) id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) purpose: &'a str,
    pub(crate) phone: Option<&'a str>,
    pub(crate) code_hash: &'a str,
    pub(crate) expires_at: NaiveDateTime,
}

pub(crate) async fn insert_code(
    conn: &mut DbConn,
    keys: &PersonKeys,
    code: &NewCode<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let phone_sealed = match code.phone {
        Some(phone) => Some(
            keys.for_writing(conn, code.user_id)
                .await?
                .encrypt_str(phone, &sealed_context("api_codes.phone", code.id)),
        ),
        None => None,
    };
    with_conn!(conn, c => diesel::insert_into(api_codes::table)
        .values((
            api_codes::id.eq(code.id),
            api_codes::user_id.eq(code.user_id),
            api_codes::purpose.eq(code.purpose),
            api_codes::phone_sealed.eq(&phone_sealed),
            api_codes::code_hash.eq(code.code_hash),
            api_codes::attempts.eq(0),
            api_codes::created_at.eq(now),
            api_codes::expires_at.eq(code.expires_at),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// The person's latest code for `purpose`, if any.
pub(crate) async fn latest_code(
    conn: &mut DbConn,
    keys: &PersonKeys,
    user_id: &str,
    purpose: &str,
) -> QueryResult<Option<Code>> {
    let row: Option<CodeRow> = with_conn!(conn, c => api_codes::table
        .filter(api_codes::user_id.eq(user_id))
        .filter(api_codes::purpose.eq(purpose))
        .order((api_codes::created_at.desc(), api_codes::id.desc()))
        .select(CodeRow::as_select())
        .first(c)
        .await
        .optional())?;
    let Some(row) = row else { return Ok(None) };
    let phone = match &row.phone_sealed {
        Some(sealed) => {
            let reader = keys.for_reading(conn, user_id).await?;
            Some(open(&reader, sealed, &sealed_context("api_codes.phone", &row.id))?)
        }
        None => row.phone,
    };
    Ok(Some(Code {
        id: row.id,
        phone,
        code_hash: row.code_hash,
        attempts: row.attempts,
        expires_at: row.expires_at,
        used_at: row.used_at,
    }))
}

/// Counts one attempt; returns the attempts so far.
pub(crate) async fn count_code_attempt(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_codes::table.find(id))
        .set(api_codes::attempts.eq(api_codes::attempts + 1))
        .execute(c)
        .await)?;
    Ok(())
}

/// Spends a code; false if it was spent meanwhile.
pub(crate) async fn use_code(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = with_conn!(conn, c => diesel::update(
            api_codes::table.filter(api_codes::id.eq(id)).filter(api_codes::used_at.is_null()),
        )
        .set(api_codes::used_at.eq(now))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Records a security event. `detail` never holds an email, phone, token or code.
pub(crate) async fn audit(
    conn: &mut DbConn,
    user_id: Option<&str>,
    actor_id: Option<&str>,
    kind: &str,
    detail: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let id = nudge_core::new_id();
    with_conn!(conn, c => diesel::insert_into(api_audit_events::table)
        .values((
            api_audit_events::id.eq(&id),
            api_audit_events::user_id.eq(user_id),
            api_audit_events::actor_id.eq(actor_id),
            api_audit_events::kind.eq(kind),
            api_audit_events::detail.eq(detail),
            api_audit_events::created_at.eq(now),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub(crate) struct AuditEvent {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) detail: Option<String>,
    pub(crate) created_at: NaiveDateTime,
}

/// A person's security events, newest first.
pub(crate) async fn audit_events(
    conn: &mut DbConn,
    user_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    with_conn!(conn, c => {
        let mut query = api_audit_events::table
            .filter(api_audit_events::user_id.eq(user_id))
            .select((api_audit_events::id, api_audit_events::kind, api_audit_events::detail, api_audit_events::created_at))
            .order(api_audit_events::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(api_audit_events::id.lt(after.to_owned()));
        }
        query.load(c).await
    })
}

/// Stores a TOTP secret being set up (not enabled yet).
pub(crate) async fn set_totp_secret(conn: &mut DbConn, id: &str, secret: &[u8], now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_accounts::table.find(id))
        .set((
            api_accounts::totp_secret.eq(secret),
            api_accounts::totp_enabled_at.eq(None::<NaiveDateTime>),
            api_accounts::totp_last_step.eq(0),
            api_accounts::updated_at.eq(now),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

pub(crate) async fn enable_totp(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_accounts::table.find(id))
        .set((api_accounts::totp_enabled_at.eq(now), api_accounts::updated_at.eq(now)))
        .execute(c)
        .await)?;
    Ok(())
}

pub(crate) async fn disable_totp(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => diesel::update(api_accounts::table.find(id))
        .set((
            api_accounts::totp_secret.eq(None::<Vec<u8>>),
            api_accounts::totp_enabled_at.eq(None::<NaiveDateTime>),
            api_accounts::totp_last_step.eq(0),
            api_accounts::updated_at.eq(now),
        ))
        .execute(c)
        .await)?;
    with_conn!(conn, c => diesel::delete(api_backup_codes::table.filter(api_backup_codes::user_id.eq(id)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Accepts TOTP time step `step` once: false if it (or a later one) was used.
pub(crate) async fn take_totp_step(conn: &mut DbConn, id: &str, step: i32) -> QueryResult<bool> {
    let n = with_conn!(conn, c => diesel::update(
            api_accounts::table.filter(api_accounts::id.eq(id)).filter(api_accounts::totp_last_step.lt(step)),
        )
        .set(api_accounts::totp_last_step.eq(step))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Replaces the person's backup codes.
pub(crate) async fn replace_backup_codes(
    conn: &mut DbConn,
    user_id: &str,
    hashes: &[(String, String)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => diesel::delete(api_backup_codes::table.filter(api_backup_codes::user_id.eq(user_id)))
        .execute(c)
        .await)?;
    for (id, hash) in hashes {
        with_conn!(conn, c => diesel::insert_into(api_backup_codes::table)
            .values((
                api_backup_codes::id.eq(id),
                api_backup_codes::user_id.eq(user_id),
                api_backup_codes::code_hash.eq(hash),
                api_backup_codes::created_at.eq(now),
            ))
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// The person's unused backup codes: (id, hash).
pub(crate) async fn unused_backup_codes(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<(String, String)>> {
    with_conn!(conn, c => api_backup_codes::table
        .filter(api_backup_codes::user_id.eq(user_id))
        .filter(api_backup_codes::used_at.is_null())
        .select((api_backup_codes::id, api_backup_codes::code_hash))
        .load(c)
        .await)
}

pub(crate) async fn use_backup_code(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = with_conn!(conn, c => diesel::update(
            api_backup_codes::table.filter(api_backup_codes::id.eq(id)).filter(api_backup_codes::used_at.is_null()),
        )
        .set(api_backup_codes::used_at.eq(now))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

pub(crate) async fn set_role(conn: &mut DbConn, id: &str, role: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = with_conn!(conn, c => diesel::update(api_accounts::table.find(id))
        .set((api_accounts::role.eq(role), api_accounts::updated_at.eq(now)))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Accounts by id, for administrators.
pub(crate) async fn list_accounts(
    conn: &mut DbConn,
    keys: &PersonKeys,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Account>> {
    let rows: Vec<AccountRow> = with_conn!(conn, c => {
        let mut query = api_accounts::table
            .select(AccountRow::as_select())
            .order(api_accounts::id.asc())
            .limit(limit)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(api_accounts::id.gt(after.to_owned()));
        }
        query.load(c).await
    })?;
    let mut accounts = Vec::with_capacity(rows.len());
    for row in rows {
        accounts.push(row.open(conn, keys).await?);
    }
    Ok(accounts)
}

pub(crate) async fn audit_by(
    conn: &mut DbConn,
    user_id: Option<&str>,
    actor_id: &str,
    kind: &str,
    detail: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audit(conn, user_id, Some(actor_id), kind, detail, now).await
}
