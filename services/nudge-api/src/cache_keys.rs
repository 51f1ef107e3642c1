//! Cache keys that hold something of one person and that more than one
//! feature names: the feature that writes them and the erasure
//! (`privacy`), which must delete them.

use crate::tokens;

pub(crate) fn signup_notice_key(user_id: &str) -> String {
    format!("api:signup-notice:{user_id}")
}

/// The reset-request counters of an email address (its hash, never the address).
pub(crate) fn resets_prefix(email: &str) -> String {
    use sha2::Digest as _;
    format!(
        "api:resets:{}:",
        tokens::hex(&sha2::Sha256::digest(email.as_bytes())[..12])
    )
}
