//! Authentication and encryption shared by every Nudge service.
//!
//! - [`SecretString`]: a secret that never shows up in logs or serialized output.
//! - [`crypto`]: AES-256-GCM encryption at rest with key ids and key rotation
//!   ([`KeyRing`]).
//! - [`person`]: per-person data keys wrapped by the ring, destroyed at
//!   erasure ([`PersonCipher`]).
//! - [`twilio`]: checking the `X-Twilio-Signature` of Twilio webhooks.

pub mod crypto;
pub mod person;
mod secret;
pub mod twilio;

pub use crypto::{CryptoError, KeyId, KeyRing, KeyRingError, key_id_of};
pub use person::{PersonCipher, PersonKey, PersonReader, is_person_envelope};
pub use secret::SecretString;
