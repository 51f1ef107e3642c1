//! Domain types shared by every Nudge service.
//!
//! Each type proves its own validity at construction (`parse`), so code that
//! receives one does not check again.

mod language;
pub mod limits;
mod phone;
pub mod sms;
mod timezone;
mod user;

pub use language::{Language, clock_time};
pub use phone::PhoneNumber;
pub use timezone::Timezone;
pub use user::UserId;

/// A new unique, time-ordered identifier (UUID v7) for a stored row.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Why a value was refused; the message names the field and never echoes a
/// phone number or a message body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);
