//! The second factor (TOTP, RFC 6238: SHA-1, 6 digits, 30 s, one step of
//! drift; a code works once; or a one-time backup code) and the
//! re-authentication that sensitive changes ask for.

use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use crate::account::audit;
use crate::error::{ApiError, ApiResult};
use crate::http::Validate;
use crate::lockout::{failures_key, reserve_attempt};
use crate::state::State;
use crate::store::{self, Account};
use crate::tokens::{self, unix_now};

pub(crate) fn secret_context(user_id: &str) -> Vec<u8> {
    format!("api_accounts.totp_secret:{user_id}").into_bytes()
}

fn otp_required() -> ApiError {
    ApiError::unauthenticated("otp: a code from your authenticator app (or a backup code) is required")
}

fn otp_refused() -> ApiError {
    ApiError::unauthenticated("otp: wrong, expired or already used")
}

/// Checks the second factor of `account`: Ok(false) when it has none,
/// Ok(true) when `otp` is a fresh TOTP code or an unused backup code.
pub(crate) async fn second_factor(state: &State, account: &Account, otp: Option<&str>) -> ApiResult<bool> {
    if account.totp_enabled_at.is_none() {
        return Ok(false);
    }
    let otp = otp.map(str::trim).filter(|o| !o.is_empty()).ok_or_else(otp_required)?;
    if otp.len() == 6 && otp.bytes().all(|b| b.is_ascii_digit()) {
        check_totp(state, account, otp).await?;
        return Ok(true);
    }
    let normalized: String = otp
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let mut conn = state.db.conn().await?;
    for (id, hash) in store::unused_backup_codes(&mut conn, &account.id).await? {
        let expected = state.keys.code_hash(&normalized, &format!("backup:{}", account.id));
        if bool::from(expected.as_bytes().ct_eq(hash.as_bytes())) {
            if store::use_backup_code(&mut conn, &id, nudge_store::now()).await? {
                drop(conn);
                audit(state, Some(&account.id), "backup_code_used", Some(&id)).await?;
                return Ok(true);
            }
            break;
        }
    }
    Err(otp_refused())
}

/// A TOTP code of the account's secret, within one step, never a step used before.
pub(crate) async fn check_totp(state: &State, account: &Account, code: &str) -> ApiResult<()> {
    let sealed = account.totp_secret.as_deref().ok_or_else(otp_refused)?;
    let mut conn = state.db.conn().await?;
    let secret = state
        .crypto
        .for_reading(&mut conn, &account.id)
        .await?
        .decrypt(sealed, &secret_context(&account.id))
        .map_err(|e| ApiError::internal("totp secret", e))?;
    let totp = tokens::totp(&secret).map_err(|e| ApiError::internal("totp", e))?;
    let step = totp.check(code, unix_now()).ok_or_else(otp_refused)?;
    let step = i32::try_from(step).map_err(|e| ApiError::internal("totp step", e))?;
    if store::take_totp_step(&mut conn, &account.id, step).await? {
        Ok(())
    } else {
        Err(otp_refused())
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reauth {
    #[schema(schema_with = crate::constraints::password)]
    pub(crate) current_password: String,
    /// Required when MFA is on.
    pub(crate) otp: Option<String>,
}

impl Validate for Reauth {
    fn validate(&mut self) -> ApiResult<()> {
        if self.current_password.is_empty() {
            return Err(ApiError::field("current_password", "is required"));
        }
        Ok(())
    }
}
/// Re-authentication before a sensitive change: the password, and the second
/// factor if on. Its failures count with the login's, on the same counter of
/// the account: the same slow-down, and the same lock (429) after
/// `api.login_max_failures`, so a stolen access token does not give more
/// guesses at the password or the code than the login page does.
pub(crate) async fn reauthenticate(state: &State, account: &Account, body: Reauth, what: &str) -> ApiResult<()> {
    let key = failures_key(Some(&account.id), &account.email);
    let attempt = match reserve_attempt(state, key).await {
        Ok(attempt) => attempt,
        Err(locked) => {
            audit(state, Some(&account.id), "reauth_locked", Some(what)).await?;
            return Err(locked);
        }
    };
    let refusal = if !state
        .hasher
        .verify_in_background(body.current_password, Some(account.password_hash.clone()))
        .await?
    {
        ApiError::forbidden("current_password: is wrong")
    } else {
        match second_factor(state, account, body.otp.as_deref()).await {
            Ok(_) => {
                attempt.succeeded(state).await?;
                return Ok(());
            }
            // A missing code is not a guess: the app asks for it next.
            Err(error) if body.otp.as_deref().is_none_or(|o| o.trim().is_empty()) => {
                attempt.withdrawn(state).await?;
                return Err(ApiError::forbidden(error.message));
            }
            Err(error) => ApiError::forbidden(error.message),
        }
    };
    audit(state, Some(&account.id), "reauth_failed", Some(what)).await?;
    metrics::counter!("nudge_api_reauth_failures_total").increment(1);
    attempt.failed().await;
    Err(refusal)
}
