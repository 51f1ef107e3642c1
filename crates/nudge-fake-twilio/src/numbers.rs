//! `AvailablePhoneNumbers/{Country}/Local` search and `IncomingPhoneNumbers`
//! buy, fetch, update, release and list.
//!
//! The fake's inventory per area code is the fictional range `+1 NPA 555-0100`
//! to `555-0199`, minus numbers the account owns.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::TwilioError;
use crate::resource::{API_VERSION, Paging, page_envelope, strip_json};
use crate::state::{AppState, FakeNumber, friendly_name, is_e164};

#[derive(Debug, Deserialize)]
pub(crate) struct CountryPath {
    country: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AvailableQuery {
    #[serde(rename = "AreaCode")]
    area_code: Option<String>,
    #[serde(rename = "Contains")]
    contains: Option<String>,
    #[serde(rename = "SmsEnabled")]
    sms_enabled: Option<bool>,
    #[serde(rename = "MmsEnabled")]
    mms_enabled: Option<bool>,
    #[serde(rename = "VoiceEnabled")]
    voice_enabled: Option<bool>,
    #[serde(rename = "PageSize")]
    page_size: Option<usize>,
}

/// Every fake number is SMS, MMS and voice capable, so asking for a capability to
/// be absent finds nothing.
pub(crate) async fn available(
    state: web::Data<AppState>,
    path: web::Path<CountryPath>,
    query: web::Query<AvailableQuery>,
    request: HttpRequest,
) -> Result<web::Json<Value>, TwilioError> {
    let uri = request.uri();
    let default_area_code = match path.country.as_str() {
        "US" => "415",
        "CA" => "416",
        _ => return Err(TwilioError::not_found(uri.path())),
    };
    let area_code = match &query.area_code {
        Some(area_code) => valid_area_code(area_code)?,
        None => default_area_code,
    };
    let capable = [query.sms_enabled, query.mms_enabled, query.voice_enabled]
        .iter()
        .all(|wanted| *wanted != Some(false));
    let inner = state.lock();
    let found: Vec<Value> = inventory(area_code)
        .filter(|_| capable)
        .filter(|n| !inner.owns(n))
        .filter(|n| query.contains.as_deref().is_none_or(|p| contains(p, n)))
        .take(query.page_size.unwrap_or(50).clamp(1, 1000))
        .map(|n| {
            json!({
                "address_requirements": "none",
                "beta": false,
                "capabilities": { "mms": true, "sms": true, "voice": true },
                "friendly_name": friendly_name(&n),
                "iso_country": path.country,
                "lata": null,
                "latitude": null,
                "locality": null,
                "longitude": null,
                "phone_number": n,
                "postal_code": null,
                "rate_center": null,
                "region": null,
            })
        })
        .collect();
    Ok(web::Json(
        json!({ "available_phone_numbers": found, "uri": uri.path() }),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NumberParams {
    #[serde(rename = "PhoneNumber")]
    phone_number: Option<String>,
    #[serde(rename = "AreaCode")]
    area_code: Option<String>,
    #[serde(rename = "FriendlyName")]
    friendly_name: Option<String>,
    #[serde(rename = "SmsUrl")]
    sms_url: Option<String>,
    #[serde(rename = "SmsMethod")]
    sms_method: Option<String>,
    #[serde(rename = "StatusCallback")]
    status_callback: Option<String>,
}

impl NumberParams {
    /// Settable fields; an empty URL clears it.
    fn apply(self, number: &mut FakeNumber) {
        let url = |value: String| (!value.is_empty()).then_some(value);
        if let Some(sms_url) = self.sms_url {
            number.sms_url = url(sms_url);
        }
        if let Some(status_callback) = self.status_callback {
            number.status_callback = url(status_callback);
        }
        if let Some(method) = self.sms_method {
            number.sms_method = method.to_ascii_uppercase();
        }
        if let Some(friendly_name) = self.friendly_name {
            number.friendly_name = friendly_name;
        }
        number.date_updated = Utc::now();
    }
}

/// Buys `PhoneNumber`, or the first free number in `AreaCode`. Buying a number
/// the account already owns succeeds and acts as an update, as on Twilio.
pub(crate) async fn buy(
    state: web::Data<AppState>,
    web::Form(params): web::Form<NumberParams>,
) -> Result<HttpResponse, TwilioError> {
    let mut inner = state.lock();
    let wanted = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let phone_number = match (wanted(&params.phone_number), wanted(&params.area_code)) {
        (Some(number), _) if is_e164(&number) => number,
        (Some(_), _) => return Err(TwilioError::bad_request(21421, "PhoneNumber is invalid")),
        (None, Some(area_code)) => {
            let area_code = valid_area_code(&area_code)?;
            inventory(area_code)
                .find(|n| !inner.owns(n))
                .ok_or_else(|| TwilioError::bad_request(21452, "No phone numbers found in area code"))?
        }
        (None, None) => {
            return Err(TwilioError::bad_request(400, "did or area_code is required"));
        }
    };
    let index = match inner.numbers.iter().position(|n| n.phone_number == phone_number) {
        Some(index) => index,
        None => {
            inner.numbers.push(FakeNumber::new(&phone_number));
            inner.numbers.len() - 1
        }
    };
    let number = &mut inner.numbers[index];
    params.apply(number);
    Ok(HttpResponse::Created().json(number_json(&state.account_sid, number)))
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
    let number = inner
        .numbers
        .iter()
        .find(|n| n.sid == sid)
        .ok_or_else(|| TwilioError::not_found(uri.path()))?;
    Ok(web::Json(number_json(&state.account_sid, number)))
}

pub(crate) async fn update(
    state: web::Data<AppState>,
    path: web::Path<SidPath>,
    request: HttpRequest,
    web::Form(params): web::Form<NumberParams>,
) -> Result<web::Json<Value>, TwilioError> {
    let uri = request.uri();
    let sid = strip_json(&path.sid, uri)?;
    let mut inner = state.lock();
    let number = inner
        .numbers
        .iter_mut()
        .find(|n| n.sid == sid)
        .ok_or_else(|| TwilioError::not_found(uri.path()))?;
    params.apply(number);
    Ok(web::Json(number_json(&state.account_sid, number)))
}

pub(crate) async fn release(
    state: web::Data<AppState>,
    path: web::Path<SidPath>,
    request: HttpRequest,
) -> Result<HttpResponse, TwilioError> {
    let uri = request.uri();
    let sid = strip_json(&path.sid, uri)?;
    let mut inner = state.lock();
    let index = inner
        .numbers
        .iter()
        .position(|n| n.sid == sid)
        .ok_or_else(|| TwilioError::not_found(uri.path()))?;
    inner.numbers.remove(index);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListFilters {
    #[serde(rename = "PhoneNumber")]
    phone_number: Option<String>,
    /// Exact match, as Twilio's `FriendlyName` filter.
    #[serde(rename = "FriendlyName")]
    friendly_name: Option<String>,
}

pub(crate) async fn list(
    state: web::Data<AppState>,
    filters: web::Query<ListFilters>,
    paging: web::Query<Paging>,
    request: HttpRequest,
) -> web::Json<Value> {
    let uri = request.uri();
    let items = state
        .lock()
        .numbers
        .iter()
        .filter(|n| {
            filters
                .phone_number
                .as_deref()
                .is_none_or(|wanted| n.phone_number.contains(wanted))
        })
        .filter(|n| {
            filters
                .friendly_name
                .as_deref()
                .is_none_or(|wanted| n.friendly_name == wanted)
        })
        .map(|n| number_json(&state.account_sid, n))
        .collect();
    let echoed: Vec<(&str, &str)> = [
        ("PhoneNumber", &filters.phone_number),
        ("FriendlyName", &filters.friendly_name),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
    .collect();
    web::Json(page_envelope(
        "incoming_phone_numbers",
        uri.path(),
        &echoed,
        &paging,
        items,
    ))
}

/// Three digits, the first 2-9 (a NANP area code), else 400/21451.
fn valid_area_code(area_code: &str) -> Result<&str, TwilioError> {
    let valid =
        area_code.len() == 3 && area_code.bytes().all(|b| b.is_ascii_digit()) && !area_code.starts_with(['0', '1']);
    if valid {
        Ok(area_code)
    } else {
        Err(TwilioError::bad_request(21451, "Invalid area code"))
    }
}

fn inventory(area_code: &str) -> impl Iterator<Item = String> + '_ {
    (100..200).map(move |line| format!("+1{area_code}555{line:04}"))
}

/// Twilio's `Contains` pattern: letters stand for their keypad digits, `*`
/// matches one character, `%` any run; `+` anchors at the start and `$` at the
/// end, otherwise the pattern may match anywhere in the E.164 digits.
fn contains(pattern: &str, phone_number: &str) -> bool {
    let digits: Vec<u8> = phone_number.bytes().filter(u8::is_ascii_digit).collect();
    let mut pattern: Vec<u8> = pattern.bytes().map(keypad_digit).collect();
    match pattern.first() {
        Some(b'+') => {
            pattern.remove(0);
        }
        _ => pattern.insert(0, b'%'),
    }
    match pattern.last() {
        Some(b'$') => {
            pattern.pop();
        }
        _ => pattern.push(b'%'),
    }
    glob(&pattern, &digits)
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'%', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((&wanted, rest)) => text
            .split_first()
            .is_some_and(|(&got, text)| (wanted == b'*' || wanted == got) && glob(rest, text)),
    }
}

fn keypad_digit(c: u8) -> u8 {
    match c.to_ascii_lowercase() {
        b'a'..=b'c' => b'2',
        b'd'..=b'f' => b'3',
        b'g'..=b'i' => b'4',
        b'j'..=b'l' => b'5',
        b'm'..=b'o' => b'6',
        b'p'..=b's' => b'7',
        b't'..=b'v' => b'8',
        b'w'..=b'z' => b'9',
        other => other,
    }
}

/// The IncomingPhoneNumber resource (fields per `api.v2010.account.incoming_phone_number`;
/// unset URLs are `""` as in Twilio's examples).
fn number_json(account_sid: &str, n: &FakeNumber) -> Value {
    json!({
        "account_sid": account_sid,
        "address_requirements": "none",
        "address_sid": null,
        "api_version": API_VERSION,
        "beta": false,
        "bundle_sid": null,
        "capabilities": { "fax": false, "mms": true, "sms": true, "voice": true },
        "date_created": n.date_created.to_rfc2822(),
        "date_updated": n.date_updated.to_rfc2822(),
        "emergency_address_sid": null,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": n.friendly_name,
        "identity_sid": null,
        "origin": "twilio",
        "phone_number": n.phone_number,
        "sid": n.sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": n.sms_method,
        "sms_url": n.sms_url.as_deref().unwrap_or_default(),
        "status": "in-use",
        "status_callback": n.status_callback.as_deref().unwrap_or_default(),
        "status_callback_method": "POST",
        "trunk_sid": null,
        "type": "local",
        "uri": format!("/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{}.json", n.sid),
        "voice_application_sid": "",
        "voice_caller_id_lookup": false,
        "voice_fallback_method": "POST",
        "voice_fallback_url": "",
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": "",
    })
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn contains_patterns() {
        assert!(contains("555", "+14155550100"));
        assert!(contains("0*00", "+14155550100"));
        assert!(contains("+1415", "+14155550100"));
        assert!(!contains("+415", "+14155550100"));
        assert!(contains("0100$", "+14155550100"));
        assert!(!contains("0101$", "+14155550100"));
        assert!(contains("JJJ", "+14155550100")); // J = 5 on the keypad
    }
}
