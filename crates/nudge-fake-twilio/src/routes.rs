//! The router and the authentication every request goes through.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::TwilioError;
use crate::resource::API_VERSION;
use crate::state::AppState;
use crate::{messages, numbers};

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
