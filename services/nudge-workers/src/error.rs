//! workers' one error type. Domain code returns [`WorkersError`] and uses
//! `?`; the gRPC façades turn it into a [`ServiceError`] once, here, which is
//! also the one place a storage error is logged.

use nudge_proto::{ErrorCode, ServiceError};

#[derive(Debug, thiserror::Error)]
pub(crate) enum WorkersError {
    #[error(transparent)]
    Store(#[from] nudge_store::StoreError),
    #[error(transparent)]
    Query(#[from] nudge_store::diesel::result::Error),
    #[error(transparent)]
    PersonKey(#[from] nudge_store::PersonKeyError),
    /// A request field is wrong; the message starts with the field's name.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be served in the present state (a finished reminder, a person without a number).
    #[error("{0}")]
    FailedPrecondition(String),
    /// A dependency other than storage (sms-router) is away: the caller may retry.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl WorkersError {
    /// A wrong request field, named first in the message.
    pub(crate) fn field(field: &str, problem: impl std::fmt::Display) -> WorkersError {
        WorkersError::Invalid(format!("{field}: {problem}"))
    }
}

impl From<WorkersError> for ServiceError {
    fn from(error: WorkersError) -> Self {
        match error {
            WorkersError::Store(_) | WorkersError::Query(_) | WorkersError::PersonKey(_) => {
                ServiceError::storage(&error)
            }
            WorkersError::Invalid(message) => ServiceError::invalid_argument(message),
            WorkersError::NotFound(message) => ServiceError::not_found(message),
            WorkersError::FailedPrecondition(message) => ServiceError::new(ErrorCode::FailedPrecondition, message),
            WorkersError::Unavailable(message) => ServiceError::unavailable(message),
            WorkersError::Internal(message) => ServiceError::internal(message),
        }
    }
}

impl From<WorkersError> for tonic::Status {
    fn from(error: WorkersError) -> Self {
        ServiceError::from(error).into()
    }
}
