//! The email address as the account's identifier.

use crate::error::{ApiError, ApiResult};

/// Lowercased, trimmed, a plausible address; never echoed in errors or logs.
pub(crate) fn normalize_email(field: &str, email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = (3..=254).contains(&email.len())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::field(field, "must be an email address"))
    }
}
