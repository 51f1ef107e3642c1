//! `/2010-04-01/Accounts/{AccountSid}/Messages`: create, fetch, list.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::callbacks;
use crate::error::TwilioError;
use crate::resource::{API_VERSION, Paging, page_envelope, strip_json};
use crate::segments::count_segments;
use crate::state::{AppState, FakeMessage, is_e164, new_sid};

/// Longest `Body` Twilio accepts, in characters.
const MAX_BODY_CHARS: usize = 1600;

#[derive(Debug, Deserialize)]
pub(crate) struct CreateParams {
    #[serde(rename = "To")]
    to: Option<String>,
    #[serde(rename = "From")]
    from: Option<String>,
    #[serde(rename = "MessagingServiceSid")]
    messaging_service_sid: Option<String>,
    #[serde(rename = "Body")]
    body: Option<String>,
    #[serde(rename = "StatusCallback")]
    status_callback: Option<String>,
}

pub(crate) async fn create(
    state: web::Data<AppState>,
    web::Form(params): web::Form<CreateParams>,
) -> Result<HttpResponse, TwilioError> {
    let (created, slow) = create_now(&state.into_inner(), params)?;
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    Ok(created)
}

type Created = HttpResponse;

fn create_now(
    state: &Arc<AppState>,
    params: CreateParams,
) -> Result<(Created, Option<std::time::Duration>), TwilioError> {
    let mut inner = state.lock();
    if let Some((status, code, retry_after)) = inner.take_injected() {
        return Err(TwilioError::injected(status, code, retry_after));
    }
    let non_empty = |value: Option<String>| value.filter(|v| !v.is_empty());
    let Some(to) = non_empty(params.to) else {
        return Err(TwilioError::bad_request(21604, "A 'To' phone number is required."));
    };
    if !is_e164(&to) {
        return Err(TwilioError::bad_request(
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        ));
    }
    let from = non_empty(params.from);
    let messaging_service_sid = non_empty(params.messaging_service_sid);
    if from.is_none() && messaging_service_sid.is_none() {
        return Err(TwilioError::bad_request(21603, "A 'From' phone number is required."));
    }
    if let Some(from) = &from
        && state.require_owned_from
        && !inner.owns(from)
    {
        return Err(TwilioError::bad_request(
            21606,
            "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account",
        ));
    }
    let body = params.body.unwrap_or_default();
    if body.is_empty() {
        return Err(TwilioError::bad_request(21602, "Message body is required."));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(TwilioError::bad_request(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    if inner.unsubscribed.contains(&to) {
        return Err(TwilioError::bad_request(
            21610,
            "Attempt to send to unsubscribed recipient",
        ));
    }
    let now = Utc::now();
    let message = FakeMessage {
        sid: new_sid("SM"),
        // With only a Messaging Service, Twilio starts at `accepted` and picks the sender later.
        status: if from.is_some() { "queued" } else { "accepted" }.to_owned(),
        from: from.unwrap_or_default(),
        to,
        num_segments: count_segments(&body),
        body,
        status_callback: non_empty(params.status_callback),
        messaging_service_sid,
        error_code: None,
        date_created: now,
        date_updated: now,
        date_sent: None,
    };
    let json = message_json(&state.account_sid, &message);
    callbacks::accept(state, &mut inner, message);
    let slow = inner.take_slow_response();
    Ok((HttpResponse::Created().json(json), slow))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SidPath {
    sid: String,
}

pub(crate) async fn fetch(
    state: web::Data<AppState>,
    path: web::Path<SidPath>,
    request: HttpRequest,
) -> Result<web::Json<Value>, TwilioError> {
    let uri = request.uri();
    let sid = strip_json(&path.sid, uri)?;
    let inner = state.lock();
    let message = inner
        .messages
        .iter()
        .find(|m| m.sid == sid)
        .ok_or_else(|| TwilioError::not_found(uri.path()))?;
    Ok(web::Json(message_json(&state.account_sid, message)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListFilters {
    #[serde(rename = "To")]
    to: Option<String>,
    #[serde(rename = "From")]
    from: Option<String>,
    /// `DateSent=`, `DateSent<=` and `DateSent>=` (the names are `DateSent`,
    /// `DateSent<` and `DateSent>`): a date `YYYY-MM-DD` (the whole UTC day) or an
    /// ISO 8601 instant. A message not sent yet has no `date_sent` and matches none.
    #[serde(rename = "DateSent")]
    date_sent: Option<String>,
    #[serde(rename = "DateSent<")]
    date_sent_before: Option<String>,
    #[serde(rename = "DateSent>")]
    date_sent_after: Option<String>,
}

/// A `DateSent` filter value as an instant range [start, end).
fn date_range(value: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), TwilioError> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = day.and_time(NaiveTime::MIN).and_utc();
        return Ok((start, start + TimeDelta::days(1)));
    }
    DateTime::parse_from_rfc3339(value)
        .map(|at| {
            let at = at.with_timezone(&Utc);
            (at, at + TimeDelta::microseconds(1))
        })
        .map_err(|_| TwilioError::bad_request(20001, format!("Invalid DateSent value: {value}")))
}

/// Newest first, like Twilio.
pub(crate) async fn list(
    state: web::Data<AppState>,
    filters: web::Query<ListFilters>,
    paging: web::Query<Paging>,
    request: HttpRequest,
) -> Result<web::Json<Value>, TwilioError> {
    let uri = request.uri();
    let on = filters.date_sent.as_deref().map(date_range).transpose()?;
    let until = filters.date_sent_before.as_deref().map(date_range).transpose()?;
    let since = filters.date_sent_after.as_deref().map(date_range).transpose()?;
    let sent_matches = |m: &FakeMessage| {
        if on.is_none() && until.is_none() && since.is_none() {
            return true;
        }
        let Some(sent) = m.date_sent else { return false };
        on.is_none_or(|(start, end)| start <= sent && sent < end)
            && until.is_none_or(|(_, end)| sent < end)
            && since.is_none_or(|(start, _)| sent >= start)
    };
    let items = state
        .lock()
        .messages
        .iter()
        .rev()
        .filter(|m| filters.to.as_ref().is_none_or(|to| &m.to == to))
        .filter(|m| filters.from.as_ref().is_none_or(|from| &m.from == from))
        .filter(|m| sent_matches(m))
        .map(|m| message_json(&state.account_sid, m))
        .collect();
    let echoed: Vec<(&str, &str)> = [
        ("To", &filters.to),
        ("From", &filters.from),
        ("DateSent", &filters.date_sent),
        ("DateSent<", &filters.date_sent_before),
        ("DateSent>", &filters.date_sent_after),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
    .collect();
    Ok(web::Json(page_envelope(
        "messages",
        uri.path(),
        &echoed,
        &paging,
        items,
    )))
}

/// The Message resource as Twilio renders it (fields per `api.v2010.account.message`).
fn message_json(account_sid: &str, m: &FakeMessage) -> Value {
    let uri = format!("/{API_VERSION}/Accounts/{account_sid}/Messages/{}", m.sid);
    json!({
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": m.body,
        "date_created": m.date_created.to_rfc2822(),
        "date_sent": m.date_sent.map(|d| d.to_rfc2822()),
        "date_updated": m.date_updated.to_rfc2822(),
        "direction": "outbound-api",
        "error_code": m.error_code,
        "error_message": null,
        "from": (!m.from.is_empty()).then_some(&m.from),
        "messaging_service_sid": m.messaging_service_sid,
        "num_media": "0",
        "num_segments": m.num_segments.to_string(),
        "price": null,
        "price_unit": null,
        "sid": m.sid,
        "status": m.status,
        "subresource_uris": { "media": format!("{uri}/Media.json") },
        "to": m.to,
        "uri": format!("{uri}.json"),
    })
}
