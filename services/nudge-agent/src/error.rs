//! The agent's one error type. Domain code returns `Result<_, AgentError>`
//! and uses `?`; the gRPC façades turn it into a `ServiceError` (and so a
//! `tonic::Status`) once, here, where storage errors are logged.

use nudge_proto::{ErrorCode, ServiceError};
use nudge_store::{PersonKeyError, StoreError, diesel};

#[derive(Debug, thiserror::Error)]
pub(crate) enum AgentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    PersonKey(#[from] PersonKeyError),
    /// Another service (workers, sms-router) answered with an error: its
    /// code passes through unchanged.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A request field that is wrong; the message starts with its name.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be served in the current state (retry later or
    /// change the state first).
    #[error("{0}")]
    FailedPrecondition(String),
    /// Something the agent holds cannot be read (a value that does not
    /// decrypt, an answer missing a field).
    #[error("{0}")]
    Internal(String),
}

impl AgentError {
    /// A wrong request field: "field: problem".
    pub(crate) fn field(field: &str, error: impl std::fmt::Display) -> AgentError {
        AgentError::Invalid(format!("{field}: {error}"))
    }
}

impl From<tonic::Status> for AgentError {
    fn from(status: tonic::Status) -> Self {
        AgentError::Service(ServiceError::from(status))
    }
}

impl From<AgentError> for ServiceError {
    fn from(error: AgentError) -> Self {
        match error {
            AgentError::Store(_) | AgentError::Database(_) | AgentError::PersonKey(_) => ServiceError::storage(&error),
            AgentError::Service(error) => error,
            AgentError::Invalid(message) => ServiceError::invalid_argument(message),
            AgentError::NotFound(message) => ServiceError::not_found(message),
            AgentError::FailedPrecondition(message) => ServiceError::new(ErrorCode::FailedPrecondition, message),
            AgentError::Internal(message) => ServiceError::internal(message),
        }
    }
}

impl From<AgentError> for tonic::Status {
    fn from(error: AgentError) -> Self {
        ServiceError::from(error).into()
    }
}
