//! Authentication and encryption shared by every Nudge service.
//!
//! - [`SecretString`]: a secret that never shows up in logs or serialized output.
//! - [`crypto`]: AES-256-GCM encryption at rest with key ids and key rotation
//!   ([`KeyRing`]).
//! - [`twilio`]: checking the `X-Twilio-Signature` of Twilio webhooks.

pub mod crypto;
mod secret;
pub mod twilio;

pub use crypto::{CryptoError, KeyId, KeyRing, KeyRingError, key_id_of};
pub use secret::SecretString;
