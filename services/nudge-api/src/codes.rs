//! One-time codes texted to a person (phone verification, phone change,
//! password reset): sending them within their limits, checking and
//! spending them.

use std::time::Duration;

use chrono::TimeDelta;
use nudge_proto::sms::{SendSmsRequest, SmsKind};
use serde::Serialize;
use subtle::ConstantTimeEq as _;

use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store;
use crate::tokens::{self, unix_now};

// The answer to a request for a code (its doc comment would enter the OpenAPI document).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CodeSent {
    status: String,
    /// Seconds the code stays valid.
    expires_in: u64,
}

/// Creates a one-time code, stores its hash, and texts it: to `phone`, a
/// phone not verified yet (being verified, or the new one of a change), or
/// else to the person's verified phone. Returns the code's id.
pub(crate) async fn send_code(
    state: &State,
    user_id: &str,
    purpose: &str,
    phone: Option<&str>,
    what: &str,
) -> ApiResult<String> {
    // At most five codes an hour per person and purpose.
    let hour = unix_now() / 3600;
    let wait = 3600 - unix_now() % 3600;
    let sent = state
        .cache
        .increment(&format!("api:codes:{purpose}:{user_id}:{hour}"), CODE_WINDOW)
        .await?;
    if sent > 5 {
        return Err(ApiError::too_many(
            "too many codes requested; wait before asking again",
            wait,
        ));
    }
    if let Some(phone) = phone {
        limit_codes_to_unverified(state, phone, hour, wait).await?;
    }
    let id = nudge_core::new_id();
    let code = tokens::new_code();
    let now = nudge_store::now();
    let ttl = i64::try_from(state.settings.code_ttl_seconds).unwrap_or(600);
    let mut conn = state.db.conn().await?;
    store::insert_code(
        &mut conn,
        &state.crypto,
        &store::NewCode {
            id: &id,
            user_id,
            purpose,
            phone,
            code_hash: &state.keys.code_hash(&code, &id),
            expires_at: now + TimeDelta::seconds(ttl),
        },
        now,
    )
    .await?;
    drop(conn);
    let minutes = ttl / 60;
    let body = format!("Nudge {what} code: {code}. It expires in {minutes} minutes. Never share it.");
    let mut sms = state.clients.sms.clone();
    match phone {
        // A phone being checked gets the code; the person's number (if any)
        // is not bound to it until the code comes back.
        Some(phone) => {
            sms.send_phone_check(nudge_proto::sms::SendPhoneCheckRequest {
                user_id: user_id.to_owned(),
                phone: phone.to_owned(),
                body,
                idempotency_key: format!("code:{id}"),
            })
            .await?;
        }
        None => {
            sms.send_sms(SendSmsRequest {
                user_id: user_id.to_owned(),
                body,
                idempotency_key: format!("code:{id}"),
                kind: SmsKind::System.into(),
            })
            .await?;
        }
    }
    Ok(id)
}

/// How long a code counter lives: its clock hour, and a little more.
const CODE_WINDOW: Duration = Duration::from_secs(3700);

/// The brake on SMS pumping: codes to phones that are not verified yet,
/// per phone, per prefix (premium-rate ranges share one) and in all, per
/// clock hour. Each counter is taken only once the narrower one allowed
/// the code, so a flood at one phone does not spend everyone's allowance.
async fn limit_codes_to_unverified(state: &State, phone: &str, hour: u64, wait: u64) -> ApiResult<()> {
    let settings = &state.settings;
    // Phones only as keyed hashes, even in keys that live an hour.
    let prefix: String = phone.chars().take(6).collect();
    let limits = [
        (
            "phone",
            format!("phone:{}", &state.keys.code_hash(phone, "code-limit:phone")[..24]),
            settings.phone_codes_per_phone_per_hour,
            "too many codes sent to this phone; wait before asking again",
        ),
        (
            "prefix",
            format!("prefix:{}", &state.keys.code_hash(&prefix, "code-limit:prefix")[..24]),
            settings.phone_codes_per_prefix_per_hour,
            "too many codes sent to numbers like this one; wait before asking again",
        ),
        (
            "all",
            "all".to_owned(),
            settings.phone_codes_per_hour,
            "too many codes are being sent; wait before asking again",
        ),
    ];
    for (name, scope, allowed, refusal) in limits {
        let sent = state
            .cache
            .increment(&format!("api:codes:unverified:{scope}:{hour}"), CODE_WINDOW)
            .await?;
        if sent > i64::from(allowed) {
            metrics::counter!("nudge_api_phone_codes_refused_total", "limit" => name).increment(1);
            return Err(ApiError::too_many(refusal, wait));
        }
    }
    Ok(())
}

/// Checks a code against the person's latest one for `purpose` and spends
/// it. Five wrong attempts burn the code.
pub(crate) async fn check_code(state: &State, user_id: &str, purpose: &str, code: &str) -> ApiResult<store::Code> {
    let found = matching_code(state, user_id, purpose, code).await?;
    spend_code(state, &found).await?;
    Ok(found)
}

fn refused_code() -> ApiError {
    ApiError::field("code", "is wrong or expired; ask for a new one")
}

/// The person's latest code for `purpose` if `code` is it, unspent (the
/// attempt is counted): for work that must succeed before the code is spent.
pub(crate) async fn matching_code(state: &State, user_id: &str, purpose: &str, code: &str) -> ApiResult<store::Code> {
    let mut conn = state.db.conn().await?;
    let found = store::latest_code(&mut conn, &state.crypto, user_id, purpose)
        .await?
        .ok_or_else(refused_code)?;
    if found.used_at.is_some() || found.expires_at <= nudge_store::now() || found.attempts >= 5 {
        return Err(refused_code());
    }
    store::count_code_attempt(&mut conn, &found.id).await?;
    let expected = state.keys.code_hash(code, &found.id);
    if !bool::from(expected.as_bytes().ct_eq(found.code_hash.as_bytes())) {
        return Err(refused_code());
    }
    Ok(found)
}

/// Spends a code found by [`matching_code`]; refused if it was spent meanwhile.
pub(crate) async fn spend_code(state: &State, code: &store::Code) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    if store::use_code(&mut conn, &code.id, nudge_store::now()).await? {
        Ok(())
    } else {
        Err(refused_code())
    }
}

pub(crate) fn check_code_format(code: &str) -> ApiResult<()> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::field("code", "must be the 6 digits received by SMS"))
    }
}
