//! Router, authentication and the list envelope shared by resources.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::TwilioError;
use crate::state::AppState;
use crate::{messages, numbers};

pub(crate) const API_VERSION: &str = "2010-04-01";

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let account = format!("/{API_VERSION}/Accounts/{{account_sid}}");
    Router::new()
        .route(
            &format!("{account}/Messages.json"),
            get(messages::list).post(messages::create),
        )
        // The router cannot match `{sid}.json`; handlers strip the suffix.
        .route(&format!("{account}/Messages/{{sid}}"), get(messages::fetch))
        .route(
            &format!("{account}/AvailablePhoneNumbers/{{country}}/Local.json"),
            get(numbers::available),
        )
        .route(
            &format!("{account}/IncomingPhoneNumbers.json"),
            get(numbers::list).post(numbers::buy),
        )
        .route(
            &format!("{account}/IncomingPhoneNumbers/{{sid}}"),
            get(numbers::fetch).post(numbers::update).delete(numbers::release),
        )
        .fallback(|uri: Uri| async move { TwilioError::not_found(uri.path()) })
        .method_not_allowed_fallback(|| async { TwilioError::new(405, 20004, "Method not allowed") })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), authenticate))
        .layer(DefaultBodyLimit::max(state.max_request_bytes))
        .with_state(state)
}

/// HTTP Basic auth as the configured account (401/20003), then the account in
/// the path must be that account (404/20404).
async fn authenticate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let unauthorized = |message: &str| {
        let mut response = TwilioError::new(401, 20003, message).into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
        response
    };
    match basic_credentials(request.headers()) {
        None => return unauthorized("Authentication Error - No credentials provided"),
        Some((user, password)) if user != state.account_sid || password != state.auth_token => {
            return unauthorized("Authentication Error - invalid username");
        }
        Some(_) => {}
    }
    let path = request.uri().path();
    let account = path
        .strip_prefix(&format!("/{API_VERSION}/Accounts/"))
        .and_then(|rest| rest.split('/').next());
    if account.is_some_and(|a| a.trim_end_matches(".json") != state.account_sid) {
        return TwilioError::not_found(path).into_response();
    }
    next.run(request).await
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `{sid}.json` path segment to `{sid}`; anything else is not found.
pub(crate) fn strip_json<'a>(segment: &'a str, uri: &Uri) -> Result<&'a str, TwilioError> {
    segment
        .strip_suffix(".json")
        .ok_or_else(|| TwilioError::not_found(uri.path()))
}

/// `PageSize` (1..=1000, default 50) and `Page` (from 0) query parameters.
#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    #[serde(rename = "PageSize")]
    page_size: Option<usize>,
    #[serde(rename = "Page")]
    page: Option<usize>,
}

impl Paging {
    pub(crate) fn size(&self) -> usize {
        self.page_size.unwrap_or(50).clamp(1, 1000)
    }
}

/// Twilio's list envelope around one page of `items` (all matches, in order):
/// `{key: [...], page, page_size, start, end, uri, first_page_uri, next_page_uri,
/// previous_page_uri}`. `filters` are echoed into the URIs as Twilio does.
pub(crate) fn page_envelope(
    key: &str,
    path: &str,
    filters: &[(&str, &str)],
    paging: &Paging,
    items: Vec<Value>,
) -> Value {
    let size = paging.size();
    let page = paging.page.unwrap_or(0);
    let start = page.saturating_mul(size);
    let total = items.len();
    let items: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    let sid_at = |i: Option<&Value>| i.and_then(|v| v["sid"].as_str()).unwrap_or_default().to_owned();
    let page_uri = |page: usize, token: Option<String>| {
        let mut query: Vec<(&str, String)> = filters.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        query.push(("PageSize", size.to_string()));
        query.push(("Page", page.to_string()));
        if let Some(token) = token {
            query.push(("PageToken", token));
        }
        // Pairs of strings always serialize.
        let query = serde_urlencoded::to_string(&query).unwrap_or_default();
        format!("{path}?{query}")
    };
    let next_page_uri =
        (start.saturating_add(size) < total).then(|| page_uri(page + 1, Some(format!("PA{}", sid_at(items.last())))));
    let previous_page_uri = (page > 0).then(|| page_uri(page - 1, Some(format!("PB{}", sid_at(items.first())))));
    json!({
        key: items,
        "end": start + items.len().saturating_sub(1),
        "first_page_uri": page_uri(0, None),
        "next_page_uri": next_page_uri,
        "page": page,
        "page_size": size,
        "previous_page_uri": previous_page_uri,
        "start": start,
        "uri": page_uri(page, None),
    })
}
