//! Second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, one step of drift;
//! a code works once) with ten one-time backup codes; and the administrators'
//! endpoints, which need the admin role and a session opened with MFA, and
//! are audited.

use actix_web::{HttpRequest, HttpResponse, web};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::auth::{Page, audit, failures_key, reserve_attempt, revoke, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, PageQuery, Validate, query};
use crate::me::account_of;
use crate::state::State;
use crate::store::{self, Account};
use crate::tokens::{self, unix_now};
use crate::views::account_changed;

type Data = web::Data<State>;

const BACKUP_CODES: usize = 10;

fn secret_context(user_id: &str) -> Vec<u8> {
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
async fn check_totp(state: &State, account: &Account, code: &str) -> ApiResult<()> {
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
    let refusal = if !verify_password(state, body.current_password, Some(account.password_hash.clone())).await? {
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TotpSetup {
    /// Base32, for the authenticator app.
    secret: String,
    otpauth_uri: String,
}

#[utoipa::path(post, path = "/v1/me/mfa/totp", tag = "mfa", security(("bearer" = [])), request_body = Reauth,
    responses((status = 200, body = TotpSetup), (status = 403, description = "re-authentication failed", body = crate::openapi::ErrorBody),
        (status = 409, description = "MFA is already on", body = crate::openapi::ErrorBody),
        (status = 401, body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
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
    responses((status = 200, body = BackupCodes), (status = 409, description = "no setup in progress, or MFA already on", body = crate::openapi::ErrorBody),
        (status = 401, body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
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
    responses((status = 204, description = "MFA is off"), (status = 403, description = "re-authentication failed, or an administrator", body = crate::openapi::ErrorBody),
        (status = 401, body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
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

// ---- administrators ----

/// The caller, if they are an administrator now (from the database, not the
/// token) in a session opened with MFA.
pub(crate) async fn administrator(state: &State, person: &Authenticated) -> ApiResult<Account> {
    let account = account_of(state, person).await?;
    if account.role != "admin" {
        return Err(ApiError::forbidden("role: administrators only"));
    }
    if !person.mfa || account.totp_enabled_at.is_none() {
        return Err(ApiError::forbidden("otp: administrators must log in with MFA"));
    }
    Ok(account)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PersonView {
    id: String,
    role: String,
    phone_verified: bool,
    mfa: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(get, path = "/v1/admin/people", tag = "admin", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Page<PersonView>), (status = 403, description = "not an administrator with MFA", body = crate::openapi::ErrorBody),
        (status = 401, body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
pub(crate) async fn list_people(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let admin = administrator(&state, &person).await?;
    let page: PageQuery = query(&req)?;
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let mut accounts = store::list_accounts(&mut conn, page.cursor()?, i64::try_from(limit + 1).unwrap_or(101)).await?;
    store::audit_by(
        &mut conn,
        None,
        &admin.id,
        "admin_read",
        Some("people"),
        nudge_store::now(),
    )
    .await?;
    drop(conn);
    let next_cursor = if accounts.len() > limit {
        accounts.truncate(limit);
        accounts.last().map(|a| a.id.clone())
    } else {
        None
    };
    let items = accounts
        .into_iter()
        .map(|a| PersonView {
            phone_verified: a.phone_verified_at.is_some(),
            mfa: a.totp_enabled_at.is_some(),
            id: a.id,
            role: a.role,
            created_at: a.created_at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleChange {
    /// user, premium or admin.
    #[schema(schema_with = crate::constraints::role)]
    role: String,
}

impl Validate for RoleChange {
    fn validate(&mut self) -> ApiResult<()> {
        if crate::constraints::ROLES.contains(&self.role.as_str()) {
            Ok(())
        } else {
            Err(ApiError::field("role", "must be user, premium or admin"))
        }
    }
}

#[utoipa::path(put, path = "/v1/admin/people/{id}/role", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = RoleChange,
    responses((status = 204, description = "changed; the person's sessions are revoked so the new role applies"),
        (status = 404, body = crate::openapi::ErrorBody), (status = 403, description = "not an administrator with MFA", body = crate::openapi::ErrorBody),
        (status = 401, body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
pub(crate) async fn change_role(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
    Body(body): Body<RoleChange>,
) -> ApiResult<HttpResponse> {
    let admin = administrator(&state, &person).await?;
    let id = path.into_inner();
    let mut conn = state.db.conn().await?;
    if !store::set_role(&mut conn, &id, &body.role, nudge_store::now()).await? {
        return Err(ApiError::not_found("person"));
    }
    drop(conn);
    account_changed(&state, &id).await?;
    let mut conn = state.db.conn().await?;
    // The agent applies the plan's model budget: premium for premium people
    // and administrators.
    let plan = if body.role == "user" { "user" } else { "premium" };
    state
        .clients
        .person_data
        .clone()
        .set_plan(nudge_proto::agent::SetPlanRequest {
            user_id: id.clone(),
            plan: plan.to_owned(),
        })
        .await?;
    store::audit_by(
        &mut conn,
        Some(&id),
        &admin.id,
        "role_changed",
        Some(&body.role),
        nudge_store::now(),
    )
    .await?;
    let sessions = if id == admin.id {
        Vec::new()
    } else {
        store::live_session_ids(&mut conn, &id).await?
    };
    drop(conn);
    revoke(&state, &sessions, "role").await?;
    Ok(HttpResponse::NoContent().finish())
}
