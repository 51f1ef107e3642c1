//! Twilio's webhooks: inbound SMS (`POST /twilio/sms`) and delivery status
//! callbacks (`POST /twilio/status`).
//!
//! Every request must carry a valid `X-Twilio-Signature`, computed over the
//! public URL Twilio called: `twilio.public_base_url` + the path and query
//! received (Nudge runs behind proxies and TLS termination, so the URL the
//! service sees is not it). The port variants Twilio produces (with and
//! without `:443`/`:80`) are accepted, every parameter received is signed
//! (including ones Twilio adds later), and the comparison is constant-time
//! (`nudge_secure::twilio`).
//!
//! - `application/x-www-form-urlencoded` (the default, what Twilio sends for
//!   SMS): the signature covers the URL and every parameter.
//! - `application/json`: the signature covers the URL, whose `bodySHA256`
//!   query parameter must be the hex SHA-256 of the raw body.
//!
//! Twilio gets an empty TwiML `<Response/>` once the message and everything
//! it causes are durably stored; the agent handles it afterwards. When the
//! database cannot store it, a verified webhook is kept in the spool
//! ([`crate::spool`]) and acknowledged all the same; only when the spool
//! fails too (or there is none, in embedded mode) does Twilio get 503, and
//! the log says which failed. A database too slow to store it within
//! `sms.webhook_store_deadline_ms` (overloaded) is treated the same way: the
//! webhook is spooled while its store goes on in its own task (never
//! cancelled halfway), and Twilio is answered as soon as either keeps it;
//! whichever copy comes second finds its MessageSid stored (a status moves
//! forward only), so it is kept once.

use std::sync::Arc;
use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use nudge_core::PhoneNumber;
use nudge_core::sms::count_segments;

use crate::error::RouterError;
use crate::inbound::sms::InboundSms;
use crate::metrics;
use crate::spool::{SpoolError, SpooledWebhook, opt_outs};
use crate::state::Core;

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
#[derive(Debug)]
enum Rejection {
    BadRequest(String),
    Forbidden,
    UnsupportedMediaType,
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
            Rejection::UnsupportedMediaType => {
                metrics::inbound("bad_request");
                HttpResponse::UnsupportedMediaType().json(serde_json::json!({
                    "error": {
                        "code": "invalid_argument",
                        "message": "Content-Type must be application/x-www-form-urlencoded or application/json"
                    }
                }))
            }
        }
    }
}

fn bad_request(problem: &str) -> Rejection {
    Rejection::BadRequest(problem.to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
}

fn body_kind(request: &HttpRequest) -> Result<BodyKind, Rejection> {
    let content_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        // Form is the default: Twilio's SMS webhooks are always forms.
        "" | "application/x-www-form-urlencoded" => Ok(BodyKind::Form),
        "application/json" => Ok(BodyKind::Json),
        _ => Err(Rejection::UnsupportedMediaType),
    }
}

/// Checks Twilio's signature, then reads the body's parameters.
///
/// A JSON body is signed as raw bytes (`bodySHA256`), so its signature is
/// checked before the body is parsed: an unsigned request never learns how
/// its body was read. A form's signature covers its decoded parameters, so a
/// form is decoded first, by a reader whose errors name a position, never a
/// value. No error repeats a value received.
fn verified_params(request: &HttpRequest, body: &[u8], core: &Core) -> Result<Vec<(String, String)>, Rejection> {
    let kind = body_kind(request)?;
    let signature = request
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path_and_query = request.uri().path_and_query().map_or(request.path(), |pq| pq.as_str());
    let url = format!("{}{path_and_query}", core.public_base_url);
    let token = core.auth_token.expose_secret();
    let malformed = |e: crate::form::FormError| bad_request(&format!("malformed body: {e}"));
    let refused = || {
        tracing::warn!(
            path = request.path(),
            "webhook refused: missing or invalid Twilio signature"
        );
        Rejection::Forbidden
    };
    match kind {
        BodyKind::Form => {
            let params = crate::form::parse(body).map_err(malformed)?;
            if signature.is_empty() || !nudge_secure::twilio::validate_form(token, &url, &params, signature) {
                return Err(refused());
            }
            Ok(params)
        }
        BodyKind::Json => {
            if signature.is_empty() || !nudge_secure::twilio::validate_json(token, &url, body, signature) {
                return Err(refused());
            }
            crate::form::parse_json(body).map_err(malformed)
        }
    }
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

/// A parameter that may be absent, but not repeated.
fn optional<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, Rejection> {
    let mut values = params.iter().filter(|(key, _)| key == name);
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some((_, value)), None) => Ok(Some(value)),
        (Some(_), Some(_)) => Err(bad_request(&format!("parameter {name} appears more than once"))),
    }
}

/// A query parameter of the request URL (ours, in the callback URLs we give Twilio).
fn query_param<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .query_string()
        .split('&')
        .find_map(|pair| pair.split_once('=').filter(|(key, _)| *key == name))
        .map(|(_, value)| value)
        .filter(|value| value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn valid_sid(sid: &str) -> bool {
    !sid.is_empty() && sid.len() <= 64 && sid.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn inbound_from_params(params: &[(String, String)]) -> Result<InboundSms, Rejection> {
    let message_sid = single(params, "MessageSid")?;
    if !valid_sid(message_sid) {
        return Err(bad_request("MessageSid must be 1 to 64 letters and digits"));
    }
    let from = PhoneNumber::parse(single(params, "From")?).map_err(|e| bad_request(&format!("From: {e}")))?;
    let to = PhoneNumber::parse(single(params, "To")?).map_err(|e| bad_request(&format!("To: {e}")))?;
    let body = single(params, "Body")?;
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(bad_request("Body is longer than 1600 characters"));
    }
    let segments = match optional(params, "NumSegments")? {
        Some(n) => n
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=24).contains(n))
            .ok_or_else(|| bad_request("NumSegments must be a number from 1 to 24"))?,
        None => count_segments(body).segments,
    };
    Ok(InboundSms {
        message_sid: message_sid.to_owned(),
        from,
        to,
        body: body.to_owned(),
        segments,
        received_at: nudge_store::now(),
    })
}

/// Why a verified webhook goes to the spool.
enum Cause {
    /// The database failed to store it.
    Failed(RouterError),
    /// The database had not stored it by `sms.webhook_store_deadline_ms`;
    /// the store goes on in its own task.
    Late,
}

/// A verified webhook the database did not store: kept in the spool, or
/// refused. Returns whether it was spooled; the log names what failed
/// (never a phone number or a body).
async fn spool_or_refuse(core: &Core, path: &'static str, webhook: &SpooledWebhook, cause: &Cause) -> bool {
    match (core.spool.put(webhook).await, cause) {
        (Ok(()), cause) => {
            if core.spool.warning_due() {
                match cause {
                    // Not the database: that person's webhooks are spooled
                    // until the ring opens their key again.
                    Cause::Failed(error) if error.is_key_ring() => tracing::error!(
                        kind = webhook.kind(),
                        %error,
                        "a stored person key does not open with the key ring (crypto.keys): webhooks are spooled"
                    ),
                    Cause::Failed(error) => {
                        tracing::warn!(kind = webhook.kind(), %error, "the database is unavailable: webhooks are spooled");
                    }
                    Cause::Late => tracing::warn!(
                        kind = webhook.kind(),
                        deadline = ?core.webhook_store_deadline,
                        "the database is slow to store webhooks (sms.webhook_store_deadline_ms): they are spooled"
                    ),
                }
            }
            true
        }
        // Late, and no spool to put it in: the caller waits for the database after all.
        (Err(spool_error), Cause::Late) => {
            tracing::warn!(
                kind = webhook.kind(),
                %spool_error,
                "the database is slow to store a webhook and the spool is unavailable: waiting for the database"
            );
            false
        }
        (Err(SpoolError::Off), Cause::Failed(error)) => {
            metrics::webhook_refused(path, "database_no_spool");
            let what = if error.is_key_ring() {
                "a stored person key does not open with the key ring (crypto.keys)"
            } else {
                "the database is unavailable"
            };
            tracing::error!(kind = webhook.kind(), %error, "webhook not stored: {what} (no spool in this mode)");
            false
        }
        (Err(spool_error), Cause::Failed(error)) => {
            metrics::webhook_refused(path, "database_and_spool");
            tracing::error!(
                kind = webhook.kind(),
                database_error = %error,
                %spool_error,
                "webhook not stored: the database and the spool are both unavailable"
            );
            false
        }
    }
}

/// What became of a verified webhook.
enum Kept<T> {
    /// The database stored it.
    Stored(T),
    /// The spool holds it.
    Spooled,
    /// Neither: with the error to log (`None`: `spool_or_refuse` logged it).
    Not(Option<RouterError>),
}

impl<T> Kept<T> {
    fn from_store(joined: Result<Result<T, RouterError>, tokio::task::JoinError>) -> Kept<T> {
        match joined {
            Ok(Ok(value)) => Kept::Stored(value),
            Ok(Err(error)) => Kept::Not(Some(error)),
            Err(error) => Kept::Not(Some(RouterError::Internal(format!("the store's task failed: {error}")))),
        }
    }
}

/// Stores a webhook (`store`, on the main runtime), or has `spool` keep it
/// when the database fails, or has not stored it by
/// `sms.webhook_store_deadline_ms`. A late store goes on in its task
/// (never cancelled halfway through a transaction) and races the spool:
/// whichever keeps the webhook first answers Twilio, and the other copy
/// finds its MessageSid stored.
async fn keep<T, F>(
    state: &WebState,
    path: &'static str,
    store: impl std::future::Future<Output = Result<T, RouterError>> + Send + 'static,
    spool: impl FnOnce(Cause) -> F,
) -> Kept<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = bool> + Send + 'static,
{
    let mut task = state.runtime.spawn(store);
    let first = match state.core.webhook_store_deadline {
        Some(deadline) => tokio::time::timeout(deadline, &mut task).await.ok(),
        None => Some((&mut task).await),
    };
    let spooled = |kept: Result<bool, tokio::task::JoinError>| matches!(kept, Ok(true));
    match first {
        Some(Ok(Err(error))) if error.is_storage() => {
            if spooled(state.runtime.spawn(spool(Cause::Failed(error))).await) {
                Kept::Spooled
            } else {
                Kept::Not(None)
            }
        }
        Some(joined) => Kept::from_store(joined),
        None => {
            metrics::webhook_late(path);
            let mut spooling = state.runtime.spawn(spool(Cause::Late));
            tokio::select! {
                kept = &mut spooling => {
                    if spooled(kept) { Kept::Spooled } else { Kept::from_store(task.await) }
                }
                joined = &mut task => match joined {
                    Ok(Ok(value)) => Kept::Stored(value),
                    failed => if spooled(spooling.await) { Kept::Spooled } else { Kept::from_store(failed) },
                },
            }
        }
    }
}

/// Keeps an inbound SMS the database did not store in the spool; whether it was kept.
async fn spool_inbound(core: Arc<Core>, sms: Arc<InboundSms>, cause: Cause) -> bool {
    let spooled = SpooledWebhook::inbound(&sms);
    // A STOP is marked before it is spooled, so that no replica
    // sends to that phone until the drain has stored it.
    let stop = core.spool.is_on() && opt_outs::is_opt_out(&sms.body);
    if stop && let Err(cache_error) = opt_outs::mark(&core.cache, core.keys.ring(), sms.from.as_str()).await {
        tracing::warn!(%cache_error, "a spooled STOP could not be marked: sending is not held for it");
    }
    let kept = spool_or_refuse(&core, SMS_PATH, &spooled, &cause).await;
    if stop && !kept {
        // Not in the spool: no STOP waits there. (Refused, Twilio retries or
        // not; late, its store goes on, as any live STOP's.)
        let _ = opt_outs::clear(&core.cache, core.keys.ring(), sms.from.as_str()).await;
    }
    kept
}

pub(crate) async fn inbound_sms(request: HttpRequest, body: web::Bytes, state: web::Data<WebState>) -> HttpResponse {
    let started = Instant::now();
    let sms = match verified_params(&request, &body, &state.core).and_then(|params| inbound_from_params(&params)) {
        Ok(sms) => Arc::new(sms),
        Err(rejection) => return rejection.into_response(),
    };
    let store = {
        let (core, sms) = (state.core.clone(), sms.clone());
        async move { crate::inbound::receive(&core, &sms).await }
    };
    let core = state.core.clone();
    let response = match keep(&state, SMS_PATH, store, move |cause| spool_inbound(core, sms, cause)).await {
        Kept::Stored(outcome) => {
            metrics::inbound(outcome.as_str());
            twiml()
        }
        Kept::Spooled => {
            metrics::inbound("spooled");
            twiml()
        }
        // Not stored, so not acknowledged: Twilio records the failure (error 11200).
        Kept::Not(None) => HttpResponse::ServiceUnavailable().finish(),
        Kept::Not(Some(error)) => {
            tracing::error!(%error, "inbound SMS not stored");
            HttpResponse::ServiceUnavailable().finish()
        }
    };
    metrics::webhook_latency(SMS_PATH, started.elapsed().as_secs_f64());
    response
}

pub(crate) async fn status_callback(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<WebState>,
) -> HttpResponse {
    let started = Instant::now();
    let params = match verified_params(&request, &body, &state.core) {
        Ok(params) => params,
        Err(rejection) => return rejection.into_response(),
    };
    let parsed = (|| {
        let sid = single(&params, "MessageSid")?;
        if !valid_sid(sid) {
            return Err(bad_request("MessageSid must be 1 to 64 letters and digits"));
        }
        let status = single(&params, "MessageStatus")?.to_ascii_lowercase();
        let error_code = optional(&params, "ErrorCode")?.and_then(|code| code.parse::<i32>().ok());
        Ok((sid.to_owned(), status, error_code))
    })();
    let (message_sid, status, error_code) = match parsed {
        Ok(parsed) => parsed,
        Err(rejection) => return rejection.into_response(),
    };
    metrics::status_callback(&status);
    let outbound_id = query_param(&request, "o").map(str::to_owned);
    let stranger_id = query_param(&request, "s").map(str::to_owned);
    let store = {
        let core = state.core.clone();
        let (message_sid, status) = (message_sid.clone(), status.clone());
        let (outbound_id, stranger_id) = (outbound_id.clone(), stranger_id.clone());
        async move {
            let report = crate::outbound::store::DeliveryReport {
                outbound_id: outbound_id.as_deref(),
                stranger_id: stranger_id.as_deref(),
                provider_sid: &message_sid,
                status: &status,
                error_code,
            };
            crate::outbound::delivery::apply_delivery_status(&core, &report).await
        }
    };
    let webhook = SpooledWebhook::Status {
        message_sid,
        status,
        error_code,
        outbound_id,
        stranger_id,
    };
    let core = state.core.clone();
    let spool = move |cause: Cause| async move { spool_or_refuse(&core, STATUS_PATH, &webhook, &cause).await };
    let response = match keep(&state, STATUS_PATH, store, spool).await {
        Kept::Stored(()) | Kept::Spooled => HttpResponse::NoContent().finish(),
        // Logged by `spool_or_refuse`.
        Kept::Not(None) => HttpResponse::ServiceUnavailable().finish(),
        Kept::Not(Some(error)) => {
            tracing::error!(%error, "delivery status not recorded");
            HttpResponse::ServiceUnavailable().finish()
        }
    };
    metrics::webhook_latency(STATUS_PATH, started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn problem(result: Result<InboundSms, Rejection>) -> String {
        match result {
            Err(Rejection::BadRequest(problem)) => problem,
            Err(_) => "another rejection".to_owned(),
            Ok(_) => "accepted".to_owned(),
        }
    }

    #[test]
    fn inbound_parameters_are_checked() {
        let good = [
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("From", "+15145550100"),
            ("To", "+15145550199"),
            ("Body", "hello"),
            ("NumSegments", "1"),
            ("SomethingTwilioAddsLater", "x"),
        ];
        assert!(inbound_from_params(&params(&good)).is_ok());
        let without = |name: &str| params(&good.iter().copied().filter(|(k, _)| *k != name).collect::<Vec<_>>());
        for name in ["MessageSid", "From", "To", "Body"] {
            assert_eq!(
                problem(inbound_from_params(&without(name))),
                format!("missing parameter {name}")
            );
        }
        let mut twice = params(&good);
        twice.push(("NumSegments".into(), "2".into()));
        assert_eq!(
            problem(inbound_from_params(&twice)),
            "parameter NumSegments appears more than once"
        );
        let with = |name: &str, value: &str| {
            params(
                &good
                    .iter()
                    .map(|&(k, v)| if k == name { (k, value) } else { (k, v) })
                    .collect::<Vec<_>>(),
            )
        };
        assert!(problem(inbound_from_params(&with("From", "5145550100"))).starts_with("From:"));
        assert!(problem(inbound_from_params(&with("To", "+1 514 555 0199"))).starts_with("To:"));
        assert!(problem(inbound_from_params(&with("MessageSid", "SM-1"))).starts_with("MessageSid"));
        assert!(problem(inbound_from_params(&with("NumSegments", "0"))).starts_with("NumSegments"));
        assert!(problem(inbound_from_params(&with("Body", &"a".repeat(1601)))).contains("1600"));
        assert!(inbound_from_params(&with("Body", &"é".repeat(1600))).is_ok());
        // Without NumSegments, counted from the body.
        let counted = inbound_from_params(&without("NumSegments")).expect("valid");
        assert_eq!(counted.segments, 1);
    }
}
