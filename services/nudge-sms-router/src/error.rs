//! sms-router's one error type. Domain code returns [`RouterError`] and uses
//! `?`; the gRPC façades turn it into a [`ServiceError`] once, here, which is
//! also the one place a storage error is logged.

use nudge_proto::{ErrorCode, ServiceError};

#[derive(Debug, thiserror::Error)]
pub(crate) enum RouterError {
    #[error(transparent)]
    Store(#[from] nudge_store::StoreError),
    #[error(transparent)]
    Query(#[from] nudge_store::diesel::result::Error),
    #[error(transparent)]
    PersonKey(#[from] nudge_store::PersonKeyError),
    #[error(transparent)]
    Cache(#[from] nudge_cache::CacheError),
    /// A request field is wrong; the message starts with the field's name.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// The request cannot be served in the present state (Twilio refused, no numbers API).
    #[error("{0}")]
    FailedPrecondition(String),
    /// A dependency other than storage (Twilio, a lock) is away: the caller may retry.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
    /// Another service (the agent) answered with an error: its kind and
    /// message pass through (the channel logged where it failed).
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// A sealed value the key ring or the person's key does not open (a phone,
/// a body): as a person key that does not unwrap, the key ring's failure.
impl From<nudge_secure::CryptoError> for RouterError {
    fn from(error: nudge_secure::CryptoError) -> Self {
        RouterError::PersonKey(nudge_store::PersonKeyError::Unwrap(error))
    }
}

impl From<tonic::Status> for RouterError {
    fn from(status: tonic::Status) -> Self {
        RouterError::Service(ServiceError::from(status))
    }
}

impl RouterError {
    /// The database (or what it holds, such as a person's key) could not be
    /// read or written: storing later may succeed.
    pub(crate) fn is_storage(&self) -> bool {
        matches!(
            self,
            RouterError::Store(_) | RouterError::Query(_) | RouterError::PersonKey(_)
        )
    }

    /// A storage failure that is the key ring's: a stored person key that
    /// `crypto.keys` does not open (a wrong key under an id, or an old key
    /// removed too early), not the database being away.
    pub(crate) fn is_key_ring(&self) -> bool {
        match self {
            RouterError::Store(error) => error.is_key_ring(),
            RouterError::PersonKey(error) => error.is_unwrap(),
            RouterError::Query(error) => nudge_store::PersonKeyError::is_unwrap_within(error),
            _ => false,
        }
    }

    /// A wrong request field, named first in the message.
    pub(crate) fn field(field: &str, problem: impl std::fmt::Display) -> RouterError {
        RouterError::Invalid(format!("{field}: {problem}"))
    }
}

impl From<RouterError> for ServiceError {
    fn from(error: RouterError) -> Self {
        match error {
            RouterError::Store(_) | RouterError::Query(_) | RouterError::PersonKey(_) | RouterError::Cache(_) => {
                ServiceError::storage(&error)
            }
            RouterError::Invalid(message) => ServiceError::invalid_argument(message),
            RouterError::NotFound(message) => ServiceError::not_found(message),
            RouterError::AlreadyExists(message) => ServiceError::new(ErrorCode::AlreadyExists, message),
            RouterError::FailedPrecondition(message) => ServiceError::new(ErrorCode::FailedPrecondition, message),
            RouterError::Unavailable(message) => ServiceError::unavailable(message),
            RouterError::Internal(message) => ServiceError::internal(message),
            RouterError::Service(error) => error,
        }
    }
}

impl From<RouterError> for tonic::Status {
    fn from(error: RouterError) -> Self {
        ServiceError::from(error).into()
    }
}
