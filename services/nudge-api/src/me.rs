//! The person's own account: `/v1/me` and phone verification.
//!
//! Verifying a phone: asking for a code binds nothing. The code is texted
//! to the phone from sms-router's verification number (`SendPhoneCheck`),
//! within the limits on codes to unverified phones (per account, per phone,
//! per prefix, in all). Only the right code makes the phone the person's:
//! their `users` row, their own Nudge number, answering only that phone
//! (`ProvisionNumber`; in embedded mode, with the console transport, a
//! made-up one through `AssignNumber`, as for the demo person), and the
//! agent and workers told about them. Until then sms-router has nothing
//! that would text that phone or take its SMS for the person.

use actix_web::{HttpResponse, web};
use nudge_core::PhoneNumber;
use nudge_proto::ErrorCode;
use nudge_proto::agent::{Person, UpsertPersonRequest};
use nudge_proto::sms::{AssignNumberRequest, ChangePhoneRequest, GetNumberRequest, ProvisionNumberRequest};
use nudge_proto::workers::{GetDeliverySettingsRequest, SetDeliverySettingsRequest};
use rand::RngCore as _;
use serde::Deserialize;

use crate::account::{account_changed, account_of, account_view, audit};
use crate::codes::{check_code_format, matching_code, send_code, spend_code};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate};
use crate::state::State;
use crate::store;

type Data = web::Data<State>;

#[utoipa::path(get, path = "/v1/me", tag = "me", security(("bearer" = [])), responses((status = 200, body = crate::account::Me), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn me(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    let body = match state.views.get(&person.user_id, &person.account_stamp) {
        Some(body) => body,
        None => {
            let read_at = std::time::Instant::now();
            let account = account_of(&state, &person).await?;
            let body = web::Bytes::from(
                serde_json::to_vec(&account_view(account)).map_err(|e| ApiError::internal("GET /v1/me", e))?,
            );
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

/// Gives the person, whose phone was just verified, a Nudge number that
/// answers only that phone: bought through Twilio (`ProvisionNumber`), or in
/// embedded mode, with the console transport, a made-up one
/// (`AssignNumber`), as for the demo person. Safe to call again: a person
/// who has a number keeps it, bound to `phone`.
async fn ensure_number(state: &State, user_id: &str, phone: &str, timezone: &str, language: &str) -> ApiResult<()> {
    let mut sms = state.clients.sms.clone();
    match sms
        .get_number(GetNumberRequest {
            user_id: user_id.to_owned(),
        })
        .await
    {
        // An earlier verification got this far: the number answers `phone`.
        Ok(_) => {
            sms.change_phone(ChangePhoneRequest {
                user_id: user_id.to_owned(),
                phone: phone.to_owned(),
            })
            .await?;
            return Ok(());
        }
        Err(status) if status.code() == tonic::Code::NotFound => {}
        Err(status) => return Err(status.into()),
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
                        timezone: timezone.to_owned(),
                        language: language.to_owned(),
                        number_only: false,
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
#[utoipa::path(post, path = "/v1/me/phone", tag = "me", security(("bearer" = [])), request_body = PhoneRequest, responses((status = 202, description = "a code was sent by SMS", body = crate::codes::CodeSent), (status = 409, description = "already verified", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
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
    // Nothing is bound to the phone yet: the code goes out from the
    // verification number, and the person's own number comes with the code.
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
/// person: their `users` row, their Nudge number (bound to this phone), the
/// agent (zone, language) and workers (zone). The code is spent only once
/// the phone is theirs everywhere: after a failure the same code can be
/// sent again (within its five attempts).
#[utoipa::path(post, path = "/v1/me/phone/verify", tag = "me", security(("bearer" = [])), request_body = PhoneCode, responses((status = 200, body = crate::account::Me), (status = 409, description = "already verified, or the phone belongs to another account", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn verify_phone(
    state: Data,
    person: Authenticated,
    Body(body): Body<PhoneCode>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    if account.phone_verified_at.is_some() {
        return Err(ApiError::precondition("phone: already verified"));
    }
    let code = matching_code(&state, &account.id, "phone", &body.code).await?;
    let phone = code
        .phone
        .clone()
        .ok_or_else(|| ApiError::internal("phone code", "a phone code without a phone"))?;
    let now = nudge_store::now();
    let mut conn = state.db.conn().await?;
    // The phone is claimed before any number is bought for it.
    let claimed = store::claim_phone(
        &mut conn,
        &state.crypto,
        &account.id,
        &phone,
        &account.timezone,
        &account.language,
        &account.role,
        now,
    )
    .await?;
    drop(conn);
    if !claimed {
        return Err(ApiError::conflict("phone: already used by another account"));
    }
    ensure_number(&state, &account.id, &phone, &account.timezone, &account.language).await?;
    spend_code(&state, &code).await?;
    let mut conn = state.db.conn().await?;
    store::set_verified_phone(&mut conn, &state.crypto, &account.id, &phone, now).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    tell_services(&state, &account.id, &account.timezone, &account.language).await?;
    audit(&state, Some(&account.id), "phone_verified", None).await?;
    let account = account_of(&state, &person).await?;
    Ok(HttpResponse::Ok().json(account_view(account)))
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
