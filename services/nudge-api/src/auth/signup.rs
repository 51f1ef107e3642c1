//! Sign-up: an account for an email address, with no account enumeration.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use nudge_proto::sms::{SendSmsRequest, SmsKind};
use serde::Deserialize;

use crate::account::audit;
use crate::auth::email::normalize_email;
use crate::cache_keys::signup_notice_key;
use crate::error::{ApiError, ApiResult};
use crate::http::{Anonymous, Body, Validate, no_store};
use crate::state::State;
use crate::store;

type Data = web::Data<State>;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignUp {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
    #[schema(schema_with = crate::constraints::new_password)]
    password: String,
    #[schema(schema_with = crate::constraints::optional_timezone)]
    timezone: Option<String>,
    #[schema(schema_with = crate::constraints::optional_language)]
    language: Option<String>,
}

impl Validate for SignUp {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        crate::password::check_new("password", &self.password, &self.email)?;
        if let Some(zone) = &self.timezone {
            zone.parse::<nudge_core::Timezone>()
                .map_err(|_| ApiError::field("timezone", "must be an IANA time zone such as America/Montreal"))?;
        }
        if let Some(language) = &self.language {
            language
                .parse::<nudge_core::Language>()
                .map_err(|_| ApiError::field("language", "must be en or fr"))?;
        }
        Ok(())
    }
}

/// The same answer whether or not the email has an account (no account
/// enumeration): 202 and no tokens; the person then logs in. For a taken
/// email nothing is created, and the owner, if their phone is verified, is
/// told by SMS (at most once an hour). Both paths hash the password, write
/// to the database once and start no wait on another service.
#[utoipa::path(post, path = "/v1/auth/signup", tag = "auth", request_body = SignUp, responses((status = 202, description = "the account is created, unless the email had one (the same answer either way); log in next", body = crate::http::Status), (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn sign_up(state: Data, _client: Anonymous, Body(body): Body<SignUp>) -> ApiResult<HttpResponse> {
    let hash = state.hasher.hash_in_background(body.password).await?;
    let id = nudge_core::UserId::generate().as_str().to_owned();
    let account = store::NewAccount {
        id: &id,
        email: &body.email,
        password_hash: &hash,
        timezone: body.timezone.as_deref().unwrap_or("UTC"),
        language: body.language.as_deref().unwrap_or("en"),
    };
    let mut conn = state.db.conn().await?;
    match store::insert_account(&mut conn, &state.crypto, &account, nudge_store::now()).await {
        Ok(()) => {
            drop(conn);
            audit(&state, Some(&id), "signup", None).await?;
            tracing::info!(user.id = %id, "account created");
        }
        Err(error) if nudge_store::is_unique_violation(&error) => {
            let owner = store::account_by_email(&mut conn, &state.crypto, &body.email).await?;
            drop(conn);
            if let Some(owner) = owner {
                audit(&state, Some(&owner.id), "signup_existing", None).await?;
                let state = state.clone();
                // Off the answer's path, so that it takes no longer than a
                // creation; on the main runtime, so that it runs to its end.
                state.runtime.clone().spawn(async move {
                    if let Err(error) = tell_owner_of_sign_up(&state, &owner).await {
                        tracing::warn!(user.id = %owner.id, error = %error.message, "cannot tell the owner of a sign-up attempt");
                    }
                });
            }
        }
        Err(error) => return Err(error.into()),
    }
    Ok(no_store(HttpResponse::Accepted()).json(serde_json::json!({
        "status": "if this email had no account, it has one now: log in with it"
    })))
}

/// Texts the owner of an email that someone tried to sign up with, at most
/// once an hour, when their phone is verified.
async fn tell_owner_of_sign_up(state: &State, owner: &store::Account) -> ApiResult<()> {
    if owner.phone_verified_at.is_none() {
        return Ok(());
    }
    let key = signup_notice_key(&owner.id);
    if !state.cache.set_if_absent(&key, b"1", Duration::from_secs(3600)).await? {
        return Ok(());
    }
    let body = "Nudge: someone tried to create an account with your email. If it was you, log in instead \
                (or reset your password). If not, you can ignore this."
        .to_owned();
    state
        .clients
        .sms
        .clone()
        .send_sms(SendSmsRequest {
            user_id: owner.id.clone(),
            body,
            idempotency_key: format!("signup-notice:{}", nudge_core::new_id()),
            kind: SmsKind::System.into(),
        })
        .await?;
    Ok(())
}
