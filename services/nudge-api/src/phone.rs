//! Changing a verified phone: re-authentication (the password, and the
//! second factor when MFA is on), a code texted to the new phone from the
//! person's Nudge number (sms-router `SendPhoneCheck`), then, once the code
//! comes back, the new phone everywhere: the api's `users` and account, and
//! sms-router (`ChangePhone`), which from then on accepts SMS only from it
//! and sends only to it. Every other session is revoked.

use actix_web::{HttpResponse, web};
use nudge_core::PhoneNumber;
use nudge_proto::ErrorCode;
use nudge_proto::sms::ChangePhoneRequest;
use serde::Deserialize;

use crate::account::{account_changed, account_of, account_view, audit, other_sessions, revoke};
use crate::codes::{check_code, check_code_format, send_code};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate};
use crate::second_factor::{Reauth, reauthenticate};
use crate::state::State;
use crate::store;

type Data = web::Data<State>;

/// The purpose of a code checking a new phone.
pub(crate) const PHONE_CHANGE: &str = "phone_change";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneChange {
    /// The new phone, E.164.
    #[schema(schema_with = crate::constraints::phone)]
    phone: String,
    #[schema(schema_with = crate::constraints::password)]
    current_password: String,
    /// Required when MFA is on.
    otp: Option<String>,
}

impl Validate for PhoneChange {
    fn validate(&mut self) -> ApiResult<()> {
        let phone = PhoneNumber::parse(self.phone.trim())
            .map_err(|_| ApiError::field("phone", "must be an E.164 number such as +15145550123"))?;
        self.phone = phone.as_str().to_owned();
        if self.current_password.is_empty() {
            return Err(ApiError::field("current_password", "is required"));
        }
        Ok(())
    }
}

#[utoipa::path(post, path = "/v1/me/phone/change", tag = "me", security(("bearer" = [])), request_body = PhoneChange,
    responses((status = 202, description = "a code was sent by SMS to the new phone", body = crate::codes::CodeSent),
        (status = 403, description = "re-authentication failed", body = crate::error::ErrorBody),
        (status = 409, description = "no verified phone yet (use POST /v1/me/phone)", body = crate::error::ErrorBody),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn request_change(
    state: Data,
    person: Authenticated,
    Body(body): Body<PhoneChange>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.phone_verified_at.is_none() {
        return Err(ApiError::precondition("phone: not verified yet; use POST /v1/me/phone"));
    }
    reauthenticate(
        &state,
        &account,
        Reauth {
            current_password: body.current_password,
            otp: body.otp,
        },
        "phone",
    )
    .await?;
    if account.phone.as_deref() == Some(body.phone.as_str()) {
        return Err(ApiError::field("phone", "is already this account's phone"));
    }
    let code_id = send_code(&state, &account.id, PHONE_CHANGE, Some(&body.phone), "verification").await?;
    audit(&state, Some(&account.id), "phone_change_code_sent", Some(&code_id)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "code sent by SMS to the new phone",
        "expires_in": state.settings.code_ttl_seconds,
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneChangeCode {
    #[schema(schema_with = crate::constraints::code)]
    code: String,
}

impl Validate for PhoneChangeCode {
    fn validate(&mut self) -> ApiResult<()> {
        check_code_format(&self.code)
    }
}

#[utoipa::path(post, path = "/v1/me/phone/change/confirm", tag = "me", security(("bearer" = [])), request_body = PhoneChangeCode,
    responses((status = 200, description = "the new phone is verified; every other session is revoked", body = crate::account::Me),
        (status = 409, description = "the phone belongs to another account", body = crate::error::ErrorBody),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn confirm_change(
    state: Data,
    person: Authenticated,
    Body(body): Body<PhoneChangeCode>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    let old_phone = account
        .phone
        .clone()
        .filter(|_| account.phone_verified_at.is_some())
        .ok_or_else(|| ApiError::precondition("phone: not verified yet; use POST /v1/me/phone"))?;
    let code = check_code(&state, &account.id, PHONE_CHANGE, &body.code).await?;
    let phone = code
        .phone
        .ok_or_else(|| ApiError::internal("phone code", "a phone change code without a phone"))?;
    let taken = || ApiError::conflict("phone: already used by another account");
    let mut conn = state.db.conn().await?;
    if !store::change_phone(&mut conn, &state.crypto, &account.id, &phone, nudge_store::now()).await? {
        return Err(taken());
    }
    drop(conn);
    account_changed(&state, &account.id).await?;
    let told = state
        .clients
        .sms
        .clone()
        .change_phone(ChangePhoneRequest {
            user_id: account.id.clone(),
            phone: phone.clone(),
        })
        .await;
    if let Err(status) = told {
        // sms-router still has the old phone: so does the account.
        let mut conn = state.db.conn().await?;
        store::change_phone(&mut conn, &state.crypto, &account.id, &old_phone, nudge_store::now()).await?;
        drop(conn);
        account_changed(&state, &account.id).await?;
        return Err(match ErrorCode::from_grpc(status.code()) {
            ErrorCode::AlreadyExists => taken(),
            _ => ApiError::from(status),
        });
    }
    let mut conn = state.db.conn().await?;
    let others = other_sessions(&mut conn, &account.id, &person.session_id).await?;
    drop(conn);
    revoke(&state, &others, "phone").await?;
    audit(&state, Some(&account.id), "phone_changed", None).await?;
    let account = account_of(&state, &person).await?;
    Ok(HttpResponse::Ok().json(account_view(account)))
}
