//! Second factor: setting up TOTP (with ten one-time backup codes) and
//! turning it off. Checking a code, and re-authentication, are in
//! `second_factor`.

use actix_web::{HttpResponse, web};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::account::{account_changed, account_of, audit};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate};
use crate::second_factor::{Reauth, check_totp, reauthenticate, secret_context};
use crate::state::State;
use crate::store;
use crate::tokens;

type Data = web::Data<State>;

const BACKUP_CODES: usize = 10;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TotpSetup {
    /// Base32, for the authenticator app.
    secret: String,
    otpauth_uri: String,
}

#[utoipa::path(post, path = "/v1/me/mfa/totp", tag = "mfa", security(("bearer" = [])), request_body = Reauth,
    responses((status = 200, body = TotpSetup), (status = 403, description = "re-authentication failed", body = crate::error::ErrorBody),
        (status = 409, description = "MFA is already on", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn start_totp(
    state: Data,
    person: Authenticated,
    Body(body): Body<Reauth>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.totp_enabled_at.is_some() {
        return Err(ApiError::precondition("otp: MFA is already on; turn it off first"));
    }
    reauthenticate(&state, &account, body, "totp_setup").await?;
    let (secret, base32) = tokens::new_totp_secret();
    let mut conn = state.db.conn().await?;
    let sealed = state
        .crypto
        .for_writing(&mut conn, &account.id)
        .await?
        .encrypt(&secret, &secret_context(&account.id));
    store::set_totp_secret(&mut conn, &account.id, &sealed, nudge_store::now()).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    let otpauth_uri = format!(
        "otpauth://totp/Nudge:{}?secret={base32}&issuer=Nudge&digits=6&period=30",
        account.id
    );
    Ok(HttpResponse::Ok().json(TotpSetup {
        secret: base32,
        otpauth_uri,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TotpConfirm {
    #[schema(schema_with = crate::constraints::code)]
    code: String,
}

impl Validate for TotpConfirm {
    fn validate(&mut self) -> ApiResult<()> {
        if self.code.len() == 6 && self.code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(ApiError::field("code", "must be the 6 digits of the authenticator app"))
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BackupCodes {
    /// Shown once; each works once.
    backup_codes: Vec<String>,
}

#[utoipa::path(post, path = "/v1/me/mfa/totp/confirm", tag = "mfa", security(("bearer" = [])), request_body = TotpConfirm,
    responses((status = 200, body = BackupCodes), (status = 409, description = "no setup in progress, or MFA already on", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn confirm_totp(
    state: Data,
    person: Authenticated,
    Body(body): Body<TotpConfirm>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.totp_enabled_at.is_some() || account.totp_secret.is_none() {
        return Err(ApiError::precondition(
            "otp: start the setup first (POST /v1/me/mfa/totp)",
        ));
    }
    check_totp(&state, &account, &body.code)
        .await
        .map_err(|_| ApiError::field("code", "is wrong; check the app's clock and try the next code"))?;
    let codes: Vec<String> = (0..BACKUP_CODES).map(|_| backup_code()).collect();
    let hashes: Vec<(String, String)> = codes
        .iter()
        .map(|code| {
            let normalized = code.replace('-', "");
            (
                nudge_core::new_id(),
                state.keys.code_hash(&normalized, &format!("backup:{}", account.id)),
            )
        })
        .collect();
    let now = nudge_store::now();
    let mut conn = state.db.conn().await?;
    store::replace_backup_codes(&mut conn, &account.id, &hashes, now).await?;
    store::enable_totp(&mut conn, &account.id, now).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    audit(&state, Some(&account.id), "mfa_enabled", None).await?;
    Ok(HttpResponse::Ok().json(BackupCodes { backup_codes: codes }))
}

/// `xxxx-xxxx`, lowercase letters and digits (about 41 bits).
fn backup_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0_u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

#[utoipa::path(delete, path = "/v1/me/mfa/totp", tag = "mfa", security(("bearer" = [])), request_body = Reauth,
    responses((status = 204, description = "MFA is off"), (status = 403, description = "re-authentication failed, or an administrator", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn disable_totp(
    state: Data,
    person: Authenticated,
    Body(body): Body<Reauth>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.role == "admin" {
        return Err(ApiError::forbidden("role: administrators must keep MFA on"));
    }
    reauthenticate(&state, &account, body, "totp_disable").await?;
    let mut conn = state.db.conn().await?;
    store::disable_totp(&mut conn, &account.id, nudge_store::now()).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    audit(&state, Some(&account.id), "mfa_disabled", None).await?;
    Ok(HttpResponse::NoContent().finish())
}
