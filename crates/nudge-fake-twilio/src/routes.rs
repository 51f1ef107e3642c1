//! The routes and the authentication every request goes through.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::TwilioError;
use crate::resource::API_VERSION;
use crate::state::AppState;
use crate::{messages, numbers};

pub(crate) fn configure(config: &mut web::ServiceConfig) {
    let account = format!("/{API_VERSION}/Accounts/{{account_sid}}");
    config
        .service(
            web::resource(format!("{account}/Messages.json"))
                .route(web::get().to(messages::list))
                .route(web::post().to(messages::create))
                .default_service(web::to(method_not_allowed)),
        )
        // The `{sid}` segment holds `.json`; handlers strip the suffix.
        .service(
            web::resource(format!("{account}/Messages/{{sid}}"))
                .route(web::get().to(messages::fetch))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource(format!("{account}/AvailablePhoneNumbers/{{country}}/Local.json"))
                .route(web::get().to(numbers::available))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource(format!("{account}/IncomingPhoneNumbers.json"))
                .route(web::get().to(numbers::list))
                .route(web::post().to(numbers::buy))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource(format!("{account}/IncomingPhoneNumbers/{{sid}}"))
                .route(web::get().to(numbers::fetch))
                .route(web::post().to(numbers::update))
                .route(web::delete().to(numbers::release))
                .default_service(web::to(method_not_allowed)),
        )
        .default_service(web::to(not_found));
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    TwilioError::not_found(request.path()).error_response()
}

async fn method_not_allowed() -> HttpResponse {
    TwilioError::new(405, 20004, "Method not allowed").error_response()
}

/// HTTP Basic auth as the configured account (401/20003), then the account in
/// the path must be that account (404/20404).
pub(crate) async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let unauthorized = |message: &str| {
        let mut response = TwilioError::new(401, 20003, message).error_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
        response
    };
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return Ok(request.into_response(TwilioError::new(500, 20500, "Internal Server Error").error_response()));
    };
    let refusal = match basic_credentials(request.headers()) {
        None => Some(unauthorized("Authentication Error - No credentials provided")),
        Some((user, password)) if user != state.account_sid || password != state.auth_token => {
            Some(unauthorized("Authentication Error - invalid username"))
        }
        Some(_) => {
            let path = request.path();
            let account = path
                .strip_prefix(&format!("/{API_VERSION}/Accounts/"))
                .and_then(|rest| rest.split('/').next());
            account
                .is_some_and(|a| a.trim_end_matches(".json") != state.account_sid)
                .then(|| TwilioError::not_found(path).error_response())
        }
    };
    match refusal {
        Some(response) => Ok(request.into_response(response)),
        None => next.call(request).await.map(ServiceResponse::map_into_boxed_body),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
