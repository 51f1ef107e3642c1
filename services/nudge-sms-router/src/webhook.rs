//! Twilio's webhooks: inbound SMS (`POST /twilio/sms`) and delivery status
//! callbacks (`POST /twilio/status`).
//!
//! Every request must carry a valid `X-Twilio-Signature` computed over the
//! public URL Twilio called (`twilio.public_base_url` + path and query).
//! Twilio gets an empty TwiML `<Response/>` once the message is durably
//! stored; the agent handles it afterwards.

use actix_web::{HttpRequest, HttpResponse, web};
use nudge_core::PhoneNumber;
use nudge_core::sms::count_segments;

use crate::{Core, metrics};

pub(crate) const SMS_PATH: &str = "/twilio/sms";
pub(crate) const STATUS_PATH: &str = "/twilio/status";
const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
/// Twilio's own limit for a message body.
const MAX_BODY_CHARS: usize = 1600;

pub(crate) struct WebState {
    pub(crate) core: std::sync::Arc<Core>,
    pub(crate) runtime: tokio::runtime::Handle,
}

fn twiml() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(EMPTY_TWIML)
}

/// Why a webhook request was turned away.
enum Rejection {
    BadRequest(String),
    Forbidden,
}

impl Rejection {
    fn into_response(self) -> HttpResponse {
        match self {
            Rejection::BadRequest(problem) => {
                metrics::inbound("bad_request");
                HttpResponse::BadRequest()
                    .json(serde_json::json!({ "error": { "code": "invalid_argument", "message": problem } }))
            }
            Rejection::Forbidden => {
                metrics::inbound("forbidden");
                HttpResponse::Forbidden().json(serde_json::json!({
                    "error": { "code": "permission_denied", "message": "missing or invalid X-Twilio-Signature" }
                }))
            }
        }
    }
}

fn bad_request(problem: &str) -> Rejection {
    Rejection::BadRequest(problem.to_owned())
}

/// Parses a form body and checks Twilio's signature over it.
fn verified_params(request: &HttpRequest, body: &[u8], core: &Core) -> Result<Vec<(String, String)>, Rejection> {
    let params = crate::form::parse(body).map_err(|e| bad_request(&format!("malformed form body: {e}")))?;
    let signature = request
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path_and_query = request.uri().path_and_query().map_or(request.path(), |pq| pq.as_str());
    let url = format!("{}{path_and_query}", core.public_base_url);
    if signature.is_empty()
        || !nudge_secure::twilio::validate_form(core.auth_token.expose_secret(), &url, &params, signature)
    {
        tracing::warn!(
            path = request.path(),
            "webhook refused: missing or invalid Twilio signature"
        );
        return Err(Rejection::Forbidden);
    }
    Ok(params)
}

/// The one value of a parameter that must appear exactly once.
fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<&'a str, Rejection> {
    let mut values = params.iter().filter(|(key, _)| key == name);
    match (values.next(), values.next()) {
        (Some((_, value)), None) => Ok(value),
        (None, _) => Err(bad_request(&format!("missing parameter {name}"))),
        (Some(_), Some(_)) => Err(bad_request(&format!("parameter {name} appears more than once"))),
    }
}

fn optional<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// An inbound SMS as validated at the edge.
pub(crate) struct InboundSms {
    pub(crate) message_sid: String,
    pub(crate) from: PhoneNumber,
    pub(crate) to: PhoneNumber,
    pub(crate) body: String,
    pub(crate) segments: u32,
}

fn inbound_from_params(params: &[(String, String)]) -> Result<InboundSms, Rejection> {
    let message_sid = single(params, "MessageSid")?;
    if message_sid.is_empty() || message_sid.len() > 64 || !message_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad_request("MessageSid must be 1 to 64 letters and digits"));
    }
    let from = PhoneNumber::parse(single(params, "From")?).map_err(|e| bad_request(&format!("From: {e}")))?;
    let to = PhoneNumber::parse(single(params, "To")?).map_err(|e| bad_request(&format!("To: {e}")))?;
    let body = single(params, "Body")?;
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(bad_request("Body is longer than 1600 characters"));
    }
    let segments = optional(params, "NumSegments")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| count_segments(body).segments);
    Ok(InboundSms {
        message_sid: message_sid.to_owned(),
        from,
        to,
        body: body.to_owned(),
        segments,
    })
}

pub(crate) async fn inbound_sms(request: HttpRequest, body: web::Bytes, state: web::Data<WebState>) -> HttpResponse {
    let sms = match verified_params(&request, &body, &state.core).and_then(|params| inbound_from_params(&params)) {
        Ok(sms) => sms,
        Err(rejection) => return rejection.into_response(),
    };
    let core = state.core.clone();
    match nudge_runtime::http::on_main(&state.runtime, async move { core.receive_inbound(sms).await }).await {
        Ok(Ok(outcome)) => {
            metrics::inbound(outcome.as_str());
            twiml()
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "inbound SMS not stored");
            // Not stored, so not acknowledged: Twilio records the failure (error 11200).
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(error) => {
            tracing::error!(%error, "inbound SMS task failed");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}

pub(crate) async fn status_callback(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<WebState>,
) -> HttpResponse {
    let params = match verified_params(&request, &body, &state.core) {
        Ok(params) => params,
        Err(rejection) => return rejection.into_response(),
    };
    let (sid, status) = match (single(&params, "MessageSid"), single(&params, "MessageStatus")) {
        (Ok(sid), Ok(status)) => (sid.to_owned(), status.to_ascii_lowercase()),
        (Err(rejection), _) | (_, Err(rejection)) => return rejection.into_response(),
    };
    let error_code = optional(&params, "ErrorCode").and_then(|code| code.parse::<i32>().ok());
    metrics::status_callback(&status);
    let core = state.core.clone();
    match nudge_runtime::http::on_main(&state.runtime, async move {
        core.apply_delivery_status(&sid, &status, error_code).await
    })
    .await
    {
        Ok(Ok(())) => HttpResponse::NoContent().finish(),
        Ok(Err(error)) => {
            tracing::error!(%error, "delivery status not recorded");
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(error) => {
            tracing::error!(%error, "delivery status task failed");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}
