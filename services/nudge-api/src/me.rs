//! The person's own account: `/v1/me` and phone verification.
//!
//! Verifying a phone: sms-router can only text a person through their own
//! Nudge number, so asking for a code first gives the person a number
//! (`ProvisionNumber`; in embedded mode, with the console transport, a
//! made-up one through `AssignNumber`, as for the demo person), then texts
//! the code with `SendSms`. Entering the code creates the person's `users`
//! row and tells the agent and workers about them.

use actix_web::{HttpResponse, web};
use nudge_core::PhoneNumber;
use nudge_proto::ErrorCode;
use nudge_proto::agent::{Person, UpsertPersonRequest};
use nudge_proto::sms::{AssignNumberRequest, ProvisionNumberRequest, ReleaseNumberRequest};
use nudge_proto::workers::{GetDeliverySettingsRequest, SetDeliverySettingsRequest};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::auth::{audit, check_code, check_code_format, send_code};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate};
use crate::state::State;
use crate::store;

type Data = web::Data<State>;

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
    store::account(&mut conn, &person.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("authorization: this account no longer exists"))
}

#[utoipa::path(get, path = "/v1/me", tag = "me", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody)))]
pub(crate) async fn me(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    let body = match state.views.get(&person.user_id, &person.account_stamp) {
        Some(body) => body,
        None => {
            let read_at = std::time::Instant::now();
            let account = account_of(&state, &person).await?;
            let body =
                web::Bytes::from(serde_json::to_vec(&view(account)).map_err(|e| ApiError::internal("GET /v1/me", e))?);
            state
                .views
                .remember(&person.user_id, &person.account_stamp, read_at, body.clone());
            body
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

pub(crate) fn view(account: store::Account) -> Me {
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneRequest {
    #[schema(schema_with = crate::constraints::phone)]
    phone: String,
}

impl Validate for PhoneRequest {
    fn validate(&mut self) -> ApiResult<()> {
        let phone = PhoneNumber::parse(self.phone.trim())
            .map_err(|_| ApiError::field("phone", "must be an E.164 number such as +15145550123"))?;
        self.phone = phone.as_str().to_owned();
        Ok(())
    }
}

/// Gives the person a Nudge number for `phone` (replacing one given for
/// another phone that was never verified).
async fn ensure_number(state: &State, user_id: &str, phone: &str) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    let previous = store::latest_code(&mut conn, user_id, "phone").await?;
    drop(conn);
    let mut sms = state.clients.sms.clone();
    if previous.is_some_and(|code| code.phone.as_deref() != Some(phone)) {
        match sms
            .release_number(ReleaseNumberRequest {
                user_id: user_id.to_owned(),
            })
            .await
        {
            Ok(_) => {}
            Err(status) if status.code() == tonic::Code::NotFound => {}
            Err(status) => return Err(status.into()),
        }
    }
    let provisioned = sms
        .provision_number(ProvisionNumberRequest {
            user_id: user_id.to_owned(),
            phone: phone.to_owned(),
            area_code: String::new(),
            country: String::new(),
        })
        .await;
    match provisioned {
        Ok(_) => Ok(()),
        Err(status) if status.code() == tonic::Code::FailedPrecondition && state.console_numbers => {
            for _ in 0..5 {
                let made_up = format!("+1555{:07}", rand::rng().next_u32() % 10_000_000);
                match sms
                    .assign_number(AssignNumberRequest {
                        user_id: user_id.to_owned(),
                        phone: phone.to_owned(),
                        nudge_number: made_up,
                    })
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(status) if status.code() == tonic::Code::AlreadyExists => {}
                    Err(status) => return Err(status.into()),
                }
            }
            Err(ApiError::new(
                ErrorCode::Unavailable,
                "no Nudge number is free; try again",
            ))
        }
        Err(status) => Err(status.into()),
    }
}

/// Texts a verification code to `phone`.
#[utoipa::path(post, path = "/v1/me/phone", tag = "me", security(("bearer" = [])), request_body = PhoneRequest, responses((status = 202, description = "a code was sent by SMS", body = crate::openapi::CodeSent), (status = 409, description = "already verified", body = crate::openapi::ErrorBody), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody)))]
pub(crate) async fn request_phone_code(
    state: Data,
    person: Authenticated,
    Body(body): Body<PhoneRequest>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.phone_verified_at.is_some() {
        return Err(ApiError::precondition(
            "phone: already verified; changing it is not supported yet",
        ));
    }
    ensure_number(&state, &account.id, &body.phone).await?;
    let code_id = send_code(&state, &account.id, "phone", Some(&body.phone), "verification").await?;
    audit(&state, Some(&account.id), "phone_code_sent", Some(&code_id)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "code sent by SMS",
        "expires_in": state.settings.code_ttl_seconds,
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneCode {
    #[schema(schema_with = crate::constraints::code)]
    code: String,
}

impl Validate for PhoneCode {
    fn validate(&mut self) -> ApiResult<()> {
        check_code_format(&self.code)
    }
}

/// Verifies the phone with the code it received, then provisions the
/// person: their `users` row, the agent (zone, language) and workers (zone).
#[utoipa::path(post, path = "/v1/me/phone/verify", tag = "me", security(("bearer" = [])), request_body = PhoneCode, responses((status = 200, body = Me), (status = 409, description = "already verified, or the phone belongs to another account", body = crate::openapi::ErrorBody), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody)))]
pub(crate) async fn verify_phone(
    state: Data,
    person: Authenticated,
    Body(body): Body<PhoneCode>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.phone_verified_at.is_some() {
        return Err(ApiError::precondition("phone: already verified"));
    }
    let code = check_code(&state, &account.id, "phone", &body.code).await?;
    let phone = code
        .phone
        .ok_or_else(|| ApiError::internal("phone code", "a phone code without a phone"))?;
    let now = nudge_store::now();
    let mut conn = state.db.conn().await?;
    match store::insert_user(
        &mut conn,
        &account.id,
        &phone,
        &account.timezone,
        &account.language,
        &account.role,
        now,
    )
    .await
    {
        Ok(()) => {}
        Err(error) if nudge_store::is_unique_violation(&error) => {
            return Err(ApiError::conflict("phone: already used by another account"));
        }
        Err(error) => return Err(error.into()),
    }
    store::set_verified_phone(&mut conn, &account.id, &phone, now).await?;
    drop(conn);
    crate::views::account_changed(&state, &account.id).await?;
    tell_services(&state, &account.id, &account.timezone, &account.language).await?;
    audit(&state, Some(&account.id), "phone_verified", None).await?;
    let account = account_of(&state, &person).await?;
    Ok(HttpResponse::Ok().json(view(account)))
}

/// Tells the agent and workers the person's zone and language.
async fn tell_services(state: &State, user_id: &str, timezone: &str, language: &str) -> ApiResult<()> {
    state
        .clients
        .agent
        .clone()
        .upsert_person(UpsertPersonRequest {
            person: Some(Person {
                user_id: user_id.to_owned(),
                timezone: timezone.to_owned(),
                language: language.to_owned(),
            }),
        })
        .await?;
    let mut workers = state.clients.workers.clone();
    let mut settings = workers
        .get_delivery_settings(GetDeliverySettingsRequest {
            user_id: user_id.to_owned(),
        })
        .await?
        .into_inner()
        .settings
        .ok_or_else(|| ApiError::internal("workers", "GetDeliverySettings answered without settings"))?;
    timezone.clone_into(&mut settings.timezone);
    workers
        .set_delivery_settings(SetDeliverySettingsRequest {
            settings: Some(settings),
        })
        .await?;
    Ok(())
}
