//! The one JSON error envelope of the api (see `docs/api-design.md`):
//! `{"error": {"code": "...", "message": "..."}}`, with `Retry-After` on 429.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use nudge_proto::{ErrorCode, ServiceError};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answered to an HTTP caller. Its message names the problem (the
/// field, the parameter) and never holds an email, a phone, a token or a code.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    /// Seconds, for 429 (and 503 when known).
    pub(crate) retry_after: Option<u64>,
    /// An HTTP status other than the kind's own (413, 415, 405).
    pub(crate) status: Option<u16>,
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The error envelope of every 4xx and 5xx answer.
// `ApiError::error_response` writes it; this type states it in the OpenAPI document.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// One of invalid_argument, not_found, already_exists, failed_precondition,
    /// unauthenticated, permission_denied, resource_exhausted, unavailable,
    /// deadline_exceeded, internal.
    code: String,
    /// Names the field or parameter at fault; never holds a secret.
    message: String,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
            status: None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        Self::new(ErrorCode::InvalidArgument, message)
    }

    /// A field of the request that is wrong: the message starts with its name.
    pub(crate) fn field(field: &str, problem: &str) -> ApiError {
        Self::invalid(format!("{field}: {problem}"))
    }

    pub(crate) fn not_found(what: &str) -> ApiError {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub(crate) fn unauthenticated(message: impl Into<String>) -> ApiError {
        Self::new(ErrorCode::Unauthenticated, message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> ApiError {
        Self::new(ErrorCode::PermissionDenied, message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> ApiError {
        Self::new(ErrorCode::AlreadyExists, message)
    }

    pub(crate) fn precondition(message: impl Into<String>) -> ApiError {
        Self::new(ErrorCode::FailedPrecondition, message)
    }

    pub(crate) fn too_many(message: impl Into<String>, retry_after_seconds: u64) -> ApiError {
        ApiError {
            code: ErrorCode::ResourceExhausted,
            message: message.into(),
            retry_after: Some(retry_after_seconds.max(1)),
            status: None,
        }
    }

    /// A failure of ours: logged once here, with its cause, and answered
    /// without details.
    pub(crate) fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %error, "{context}");
        Self::new(ErrorCode::Internal, "internal error")
    }

    pub(crate) fn unavailable(context: &str, error: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %error, "{context}");
        Self::new(ErrorCode::Unavailable, format!("{context}: unavailable, try again"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        if let Some(status) = self.status.and_then(|s| StatusCode::from_u16(s).ok()) {
            return status;
        }
        StatusCode::from_u16(self.code.http_status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(serde_json::json!({
            "error": { "code": self.code.as_str(), "message": self.message }
        }))
    }
}

/// A status from another service, answered with its kind kept. Internal and
/// transport errors are logged and answered without their text.
impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> ApiError {
        let error = ServiceError::from(status);
        match error.code {
            ErrorCode::Internal => ApiError::internal("a service failed", error.message),
            ErrorCode::Unavailable | ErrorCode::DeadlineExceeded => {
                tracing::warn!(error = %error.message, "a service is unavailable");
                ApiError::new(error.code, "a service is unavailable, try again")
            }
            code => ApiError::new(code, error.message),
        }
    }
}

impl From<nudge_store::StoreError> for ApiError {
    fn from(error: nudge_store::StoreError) -> ApiError {
        match error {
            nudge_store::StoreError::PoolTimeout | nudge_store::StoreError::Connect(_) => {
                ApiError::unavailable("database", error)
            }
            other => ApiError::internal("database error", other),
        }
    }
}

impl From<nudge_store::PersonKeyError> for ApiError {
    fn from(error: nudge_store::PersonKeyError) -> ApiError {
        nudge_store::StoreError::from(error).into()
    }
}

impl From<nudge_store::diesel::result::Error> for ApiError {
    fn from(error: nudge_store::diesel::result::Error) -> ApiError {
        ApiError::internal("database error", error)
    }
}

impl From<nudge_cache::CacheError> for ApiError {
    fn from(error: nudge_cache::CacheError) -> ApiError {
        ApiError::unavailable("cache", error)
    }
}

/// Answers actix's own refusals (bad path, query or JSON) in the envelope.
pub(crate) fn default_error(error: actix_web::Error) -> ApiError {
    let status = error.as_response_error().status_code();
    let code = match status.as_u16() {
        404 => ErrorCode::NotFound,
        400..=499 => ErrorCode::InvalidArgument,
        _ => ErrorCode::Internal,
    };
    let mut answer = ApiError::new(code, error.to_string());
    if !matches!(status.as_u16(), 400 | 404 | 500) {
        answer.status = Some(status.as_u16());
    }
    answer
}
