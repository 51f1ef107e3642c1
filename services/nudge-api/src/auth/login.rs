//! Login (with the lock-out and the second factor), refresh (rotation with
//! reuse detection) and logout.

use actix_web::{HttpResponse, web};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::account::{account_changed, audit, revoke};
use crate::auth::email::normalize_email;
use crate::error::{ApiError, ApiResult};
use crate::http::{Anonymous, Authenticated, Body, Validate, no_store};
use crate::lockout::{failures_key, reserve_attempt};
use crate::second_factor::second_factor;
use crate::state::State;
use crate::store::{self, RefreshUse, Session};
use crate::tokens::{self, unix_now};

type Data = web::Data<State>;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Tokens {
    user_id: String,
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
    session_id: String,
}

/// A new session (refresh-token family) and its first tokens.
async fn open_session(
    state: &State,
    account: &store::Account,
    user_agent: Option<String>,
    mfa: bool,
) -> ApiResult<Tokens> {
    let now = nudge_store::now();
    let session = Session {
        id: nudge_core::new_id(),
        user_id: account.id.clone(),
        user_agent,
        created_at: now,
        last_used_at: now,
        expires_at: now + refresh_lifetime(state),
        revoked_at: None,
        mfa,
    };
    let (refresh_token, hash) = tokens::new_refresh_token(&session.id);
    let mut conn = state.db.conn().await?;
    store::create_session(&mut conn, &session, &nudge_core::new_id(), &hash).await?;
    tokens_for(state, &account.id, &session.id, &account.role, mfa, refresh_token)
}

fn refresh_lifetime(state: &State) -> TimeDelta {
    TimeDelta::days(i64::try_from(state.settings.refresh_token_days).unwrap_or(30))
}

fn tokens_for(
    state: &State,
    user_id: &str,
    session_id: &str,
    role: &str,
    mfa: bool,
    refresh_token: String,
) -> ApiResult<Tokens> {
    let access_token = state
        .keys
        .issue_access(user_id, session_id, role, mfa, unix_now())
        .map_err(|e| ApiError::internal("cannot sign a token", e))?;
    Ok(Tokens {
        user_id: user_id.to_owned(),
        access_token,
        token_type: "Bearer",
        expires_in: state.keys.access_seconds,
        refresh_token,
        session_id: session_id.to_owned(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
    #[schema(schema_with = crate::constraints::password)]
    password: String,
    /// With MFA on: the authenticator app's 6 digits, or a backup code.
    otp: Option<String>,
}

impl Validate for Login {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        if self.password.is_empty() || self.password.chars().count() > crate::password::MAX_CHARS {
            return Err(ApiError::field("password", "must be 1 to 128 characters"));
        }
        Ok(())
    }
}

#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = Login, responses((status = 200, body = Tokens), (status = 401, description = "wrong email or password", body = crate::error::ErrorBody), (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody), (status = 429, description = "rate limited, or the account is locked after failed attempts", body = crate::error::ErrorBody)))]
pub(crate) async fn login(state: Data, client: Anonymous, Body(body): Body<Login>) -> ApiResult<HttpResponse> {
    let mut conn = state.db.conn().await?;
    let account = store::account_by_email(&mut conn, &state.crypto, &body.email).await?;
    drop(conn);
    let key = failures_key(account.as_ref().map(|a| a.id.as_str()), &body.email);
    let attempt = match reserve_attempt(&state, key).await {
        Ok(attempt) => attempt,
        Err(locked) => {
            if let Some(account) = &account {
                audit(&state, Some(&account.id), "login_locked", None).await?;
            }
            return Err(locked);
        }
    };
    let phc = account.as_ref().map(|a| a.password_hash.clone());
    let mut refusal = ApiError::unauthenticated("email or password is wrong");
    if state.hasher.verify_in_background(body.password, phc).await? {
        let account = account
            .clone()
            .ok_or_else(|| ApiError::internal("login", "verified without an account"))?;
        match second_factor(&state, &account, body.otp.as_deref()).await {
            Ok(mfa) => {
                attempt.succeeded(&state).await?;
                // A change made in the database without the api (the first
                // administrator's role) shows from the next login on.
                account_changed(&state, &account.id).await?;
                audit(&state, Some(&account.id), if mfa { "login_mfa" } else { "login" }, None).await?;
                let tokens = open_session(&state, &account, client.user_agent, mfa).await?;
                return Ok(no_store(HttpResponse::Ok()).json(tokens));
            }
            // A missing code is not a failure: the app asks for it next.
            Err(error) if body.otp.is_none() => {
                attempt.withdrawn(&state).await?;
                return Err(error);
            }
            Err(error) => refusal = error,
        }
    }
    if let Some(account) = &account {
        audit(&state, Some(&account.id), "login_failed", None).await?;
    }
    metrics::counter!("nudge_api_login_failures_total").increment(1);
    attempt.failed().await;
    Err(refusal)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Refresh {
    #[schema(schema_with = crate::constraints::refresh_token)]
    refresh_token: String,
}

impl Validate for Refresh {
    fn validate(&mut self) -> ApiResult<()> {
        if self.refresh_token.is_empty() || self.refresh_token.len() > crate::constraints::MAX_REFRESH_TOKEN_BYTES {
            return Err(ApiError::field("refresh_token", "is not a refresh token"));
        }
        Ok(())
    }
}

#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = Refresh, responses((status = 200, body = Tokens), (status = 401, description = "invalid, spent (the session is then revoked) or revoked", body = crate::error::ErrorBody), (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn refresh(state: Data, _client: Anonymous, Body(body): Body<Refresh>) -> ApiResult<HttpResponse> {
    let refused = || ApiError::unauthenticated("refresh_token: invalid, expired or revoked");
    let now = nudge_store::now();
    let mut conn = state.db.conn().await?;
    let grace = TimeDelta::seconds(i64::try_from(state.settings.refresh_reuse_grace_seconds).unwrap_or(0));
    let session_id = match store::use_refresh(&mut conn, &tokens::refresh_hash(&body.refresh_token), now).await? {
        RefreshUse::Unknown => return Err(refused()),
        // Spent within the grace window: two tabs (or a retry after a lost
        // answer) refreshing with the same token at once. Both get tokens of
        // the same session (Auth0's "reuse interval", Okta's grace period).
        RefreshUse::Reused { session_id, used_at } if now - used_at <= grace => session_id,
        RefreshUse::Reused { session_id, .. } => {
            // A spent token came back: it was stolen, or the person's copy was.
            // Either way the whole family goes.
            drop(conn);
            let owner = {
                let mut conn = state.db.conn().await?;
                store::session(&mut conn, &session_id).await?.map(|s| s.user_id)
            };
            revoke(&state, std::slice::from_ref(&session_id), "reuse").await?;
            audit(&state, owner.as_deref(), "refresh_reuse", Some(&session_id)).await?;
            tracing::warn!(session.id = %session_id, "refresh token reused: session revoked");
            return Err(refused());
        }
        RefreshUse::Fresh { session_id } => session_id,
    };
    let session = store::session(&mut conn, &session_id).await?.ok_or_else(refused)?;
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(refused());
    }
    let account = store::account(&mut conn, &state.crypto, &session.user_id)
        .await?
        .ok_or_else(refused)?;
    let (refresh_token, hash) = tokens::new_refresh_token(&session.id);
    store::insert_refresh(&mut conn, &nudge_core::new_id(), &session.id, &hash, now).await?;
    store::touch_session(&mut conn, &session.id, now, now + refresh_lifetime(&state)).await?;
    drop(conn);
    let tokens = tokens_for(
        &state,
        &account.id,
        &session.id,
        &account.role,
        session.mfa,
        refresh_token,
    )?;
    Ok(no_store(HttpResponse::Ok()).json(tokens))
}

#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204, description = "the session is revoked"), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn logout(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    revoke(&state, std::slice::from_ref(&person.session_id), "logout").await?;
    audit(&state, Some(&person.user_id), "logout", None).await?;
    Ok(HttpResponse::NoContent().finish())
}
