//! The signed-in person's account as the handlers share it: loading it
//! (any person, a verified one, an administrator), its view (`GET /v1/me`),
//! telling every replica that it changed, its security log and the
//! revocation of its sessions.

use std::time::Duration;

use nudge_store::DbConn;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, revoked_key};
use crate::state::State;
use crate::store;
use crate::views::{STAMP_TTL, stamp_key};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    id: String,
    email: String,
    role: String,
    phone: Option<String>,
    phone_verified: bool,
    timezone: String,
    language: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

pub(crate) async fn account_of(state: &State, person: &Authenticated) -> ApiResult<store::Account> {
    let mut conn = state.db.conn().await?;
    store::account(&mut conn, &state.crypto, &person.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("authorization: this account no longer exists"))
}

/// The person's account, refused unless their phone is verified: what
/// reaches a phone (reminders, tasks with their nudges) is for verified
/// people only.
pub(crate) async fn verified_account(state: &State, person: &Authenticated) -> ApiResult<store::Account> {
    let account = account_of(state, person).await?;
    if account.phone_verified_at.is_none() {
        return Err(ApiError::precondition(
            "phone: not verified yet; verify it first (POST /v1/me/phone, then POST /v1/me/phone/verify)",
        ));
    }
    Ok(account)
}

/// The caller, if they are an administrator now (from the database, not the
/// token) in a session opened with MFA.
pub(crate) async fn administrator(state: &State, person: &Authenticated) -> ApiResult<store::Account> {
    let account = account_of(state, person).await?;
    if account.role != "admin" {
        return Err(ApiError::forbidden("role: administrators only"));
    }
    if !person.mfa || account.totp_enabled_at.is_none() {
        return Err(ApiError::forbidden("otp: administrators must log in with MFA"));
    }
    Ok(account)
}

pub(crate) fn account_view(account: store::Account) -> Me {
    Me {
        phone_verified: account.phone_verified_at.is_some(),
        id: account.id,
        email: account.email,
        role: account.role,
        phone: account.phone,
        timezone: account.timezone,
        language: account.language,
        created_at: account.created_at.and_utc(),
    }
}

/// Tells every replica that the account changed: its remembered answers are
/// out of date. Call it after the change is committed.
pub(crate) async fn account_changed(state: &State, user_id: &str) -> ApiResult<()> {
    state.views.forget(user_id);
    state.cache.restamp(&stamp_key(user_id), STAMP_TTL).await?;
    Ok(())
}

/// Revokes sessions in the database and tells every replica through the
/// cache, for as long as an access token of theirs can live.
pub(crate) async fn revoke(state: &State, session_ids: &[String], reason: &str) -> ApiResult<()> {
    let now = nudge_store::now();
    let mut conn = state.db.conn().await?;
    for id in session_ids {
        store::revoke_session(&mut conn, id, reason, now).await?;
    }
    drop(conn);
    let ttl = Duration::from_secs(state.keys.access_seconds + 10);
    for id in session_ids {
        state.cache.set(&revoked_key(id), b"1", Some(ttl)).await?;
    }
    Ok(())
}

pub(crate) async fn audit(state: &State, user_id: Option<&str>, kind: &str, detail: Option<&str>) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    store::audit(&mut conn, user_id, None, kind, detail, nudge_store::now()).await?;
    metrics::counter!("nudge_api_security_events_total", "kind" => kind.to_owned()).increment(1);
    Ok(())
}

/// The account's live sessions but `current`: those a change made from
/// `current` signs out.
pub(crate) async fn other_sessions(conn: &mut DbConn, user_id: &str, current: &str) -> ApiResult<Vec<String>> {
    Ok(store::live_session_ids(conn, user_id)
        .await?
        .into_iter()
        .filter(|id| id != current)
        .collect())
}
