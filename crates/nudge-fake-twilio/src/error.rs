//! Twilio's REST error body: `{"code", "message", "more_info", "status"}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

#[derive(Debug)]
pub(crate) struct TwilioError {
    status: StatusCode,
    code: u32,
    message: String,
    /// `Retry-After`, in whole seconds.
    retry_after: Option<u64>,
}

impl TwilioError {
    pub(crate) fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        TwilioError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with a Twilio error code.
    pub(crate) fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 404/20404, worded like Twilio.
    pub(crate) fn not_found(path: &str) -> Self {
        Self::new(404, 20404, format!("The requested resource {path} was not found"))
    }

    /// An injected failure; the message is the HTTP reason phrase, which is also
    /// Twilio's title for the usual picks (20429 "Too Many Requests", 20500
    /// "Internal Server Error", 20503 "Service Unavailable").
    pub(crate) fn injected(status: u16, code: u32, retry_after: Option<std::time::Duration>) -> Self {
        let mut error = Self::new(status, code, "");
        error.message = error.status.canonical_reason().unwrap_or("Error").to_owned();
        error.retry_after = retry_after.map(|wait| wait.as_secs());
        error
    }
}

impl std::fmt::Display for TwilioError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} ({})", self.message, self.code)
    }
}

impl ResponseError for TwilioError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        });
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(body)
    }
}
