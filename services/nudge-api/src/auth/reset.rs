//! Password reset: a code texted to the verified phone, then a new password.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::account::{account_changed, audit, revoke};
use crate::auth::email::normalize_email;
use crate::cache_keys::resets_prefix;
use crate::codes::{check_code, check_code_format, send_code};
use crate::error::{ApiError, ApiResult};
use crate::http::{Anonymous, Body, Validate};
use crate::lockout::failures_key;
use crate::state::State;
use crate::store;
use crate::tokens::unix_now;

type Data = web::Data<State>;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetRequest {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
}

impl Validate for ResetRequest {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        Ok(())
    }
}

/// Reset requests of one email address an hour, whether or not it has an account.
const RESETS_PER_HOUR: i64 = 5;

/// Sends a reset code by SMS to the account's verified phone. The answer
/// is the same whether or not the account exists, in status, rate and time:
/// the limit counts per email address (hashed) for every address, and the
/// code is sent off the answer's path (its own limit's refusal is swallowed).
#[utoipa::path(post, path = "/v1/auth/password-reset", tag = "auth", request_body = ResetRequest, responses((status = 202, description = "a code was sent if the account has a verified phone", body = crate::http::Status), (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody), (status = 429, description = "more than 5 requests this hour for this email, whether or not it has an account", body = crate::error::ErrorBody)))]
pub(crate) async fn request_reset(
    state: Data,
    _client: Anonymous,
    Body(body): Body<ResetRequest>,
) -> ApiResult<HttpResponse> {
    let now_seconds = unix_now();
    let asked = state
        .cache
        .increment(
            &format!("{}{}", resets_prefix(&body.email), now_seconds / 3600),
            Duration::from_secs(3700),
        )
        .await?;
    if asked > RESETS_PER_HOUR {
        return Err(ApiError::too_many(
            "too many codes requested; wait before asking again",
            3600 - now_seconds % 3600,
        ));
    }
    let mut conn = state.db.conn().await?;
    let account = store::account_by_email(&mut conn, &state.crypto, &body.email).await?;
    drop(conn);
    if let Some(account) = account.filter(|a| a.phone_verified_at.is_some()) {
        let state = state.clone();
        // On the main runtime, so that it runs to its end.
        state.runtime.clone().spawn(async move {
            match send_code(&state, &account.id, "reset", None, "password reset").await {
                Ok(code) => {
                    if let Err(error) = audit(&state, Some(&account.id), "password_reset_requested", Some(&code)).await
                    {
                        tracing::warn!(user.id = %account.id, error = %error.message, "cannot audit a reset request");
                    }
                }
                Err(error) => {
                    tracing::warn!(user.id = %account.id, error = %error.message, "password reset code not sent");
                }
            }
        });
    }
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "if this account has a verified phone, a code was sent to it by SMS"
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetConfirm {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
    #[schema(schema_with = crate::constraints::code)]
    code: String,
    #[schema(schema_with = crate::constraints::new_password)]
    new_password: String,
}

impl Validate for ResetConfirm {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        check_code_format(&self.code)?;
        crate::password::check_new("new_password", &self.new_password, &self.email)
    }
}

/// Sets a new password with a reset code, and signs every session out.
#[utoipa::path(post, path = "/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm, responses((status = 204, description = "password set; every session revoked"), (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn confirm_reset(
    state: Data,
    _client: Anonymous,
    Body(body): Body<ResetConfirm>,
) -> ApiResult<HttpResponse> {
    let refused = || ApiError::field("code", "is wrong or expired; ask for a new one");
    let mut conn = state.db.conn().await?;
    let account = store::account_by_email(&mut conn, &state.crypto, &body.email)
        .await?
        .ok_or_else(refused)?;
    drop(conn);
    check_code(&state, &account.id, "reset", &body.code).await?;
    let hash = state.hasher.hash_in_background(body.new_password).await?;
    let mut conn = state.db.conn().await?;
    store::set_password(&mut conn, &account.id, &hash, nudge_store::now()).await?;
    let sessions = store::live_session_ids(&mut conn, &account.id).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    revoke(&state, &sessions, "reset").await?;
    state
        .cache
        .delete(&failures_key(Some(&account.id), &account.email))
        .await?;
    audit(&state, Some(&account.id), "password_reset", None).await?;
    Ok(HttpResponse::NoContent().finish())
}
