//! Passwords: NIST SP 800-63B rules, argon2id hashing.
//!
//! Rules (SP 800-63B 5.1.1.2): at least 8 characters, up to 128 accepted
//! (the standard asks for at least 64), any characters including spaces and
//! emoji, no composition rules, and a refusal of commonly used passwords
//! (`data/common-passwords.txt`) and of the account's own email.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use nudge_config::ApiSettings;

use crate::error::ApiError;

pub(crate) const MIN_CHARS: usize = 8;
pub(crate) const MAX_CHARS: usize = 128;

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

/// Checks a new password against the rules; the error names `field`.
pub(crate) fn check_new(field: &str, password: &str, email: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(ApiError::field(field, "must be at least 8 characters"));
    }
    if chars > MAX_CHARS {
        return Err(ApiError::field(field, "must be at most 128 characters"));
    }
    if password.trim().is_empty() {
        return Err(ApiError::field(field, "must not be only spaces"));
    }
    if password.chars().any(char::is_control) {
        return Err(ApiError::field(field, "must not contain control characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower) {
        return Err(ApiError::field(field, "is too common; choose another one"));
    }
    if !email.is_empty() && built_from_email(&lower, &email.to_lowercase()) {
        return Err(ApiError::field(field, "must not be made from your email address"));
    }
    Ok(())
}

/// Whether a (lowercased) password is the email, or its local part (digits
/// included) with only digits, punctuation or spaces around or between
/// copies of it: `ada1815`, `ada1815!`, `2024ada1815`, `ada1815ada1815`.
fn built_from_email(password: &str, email: &str) -> bool {
    if password == email {
        return true;
    }
    let local = email.split('@').next().unwrap_or_default();
    // Under three characters, a local part is in too many good passwords.
    if local.chars().count() < 3 || !password.contains(local) {
        return false;
    }
    password
        .replace(local, "")
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace())
}

/// Hashes and verifies passwords with argon2id and the configured cost.
#[derive(Clone)]
pub(crate) struct Hasher {
    params: Params,
}

impl Hasher {
    pub(crate) fn new(settings: &ApiSettings) -> anyhow::Result<Hasher> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("api.argon2_*: {e}"))?;
        Ok(Hasher { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`), salted at random.
    pub(crate) fn hash(&self, password: &str) -> anyhow::Result<String> {
        let hash = self
            .argon2()
            .hash_password(password.as_bytes())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        Ok(hash.to_string())
    }

    /// Whether `password` matches `phc` (with the parameters stored in `phc`).
    pub(crate) fn verify(&self, password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => self.argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// argon2 off the async threads: it is meant to be slow.
    pub(crate) async fn hash_in_background(&self, password: String) -> Result<String, ApiError> {
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| ApiError::internal("password hashing", e))?
            .map_err(|e| ApiError::internal("password hashing", e))
    }

    /// Whether `password` matches `phc`, off the async threads; without a
    /// `phc` (no such account), false after the time a verification takes.
    pub(crate) async fn verify_in_background(&self, password: String, phc: Option<String>) -> Result<bool, ApiError> {
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => hasher.verify(&password, &phc),
            None => {
                hasher.waste(&password);
                false
            }
        })
        .await
        .map_err(|e| ApiError::internal("password check", e))
    }

    /// Spends the time of a verification, for an unknown account (no timing oracle).
    pub(crate) fn waste(&self, password: &str) {
        static DUMMY: LazyLock<String> = LazyLock::new(|| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hq1XQ3Z0qHbW2s5v8b9l0cQx7CkA3m7cG2Qp1mZ3gkI"
                .to_owned()
        });
        let _ = self.verify(password, &DUMMY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(password: &str, expected: Result<(), &str>) {
        let got = check_new("password", password, "ada@example.com").map_err(|e| e.message);
        assert_eq!(got, expected.map_err(str::to_owned), "{password:?}");
    }

    #[test]
    fn nist_rules() {
        check("correct horse", Ok(()));
        check("ab cd ef gh", Ok(()));
        check("àéîõü😀çñ", Ok(()));
        check("aaaaaaaB", Ok(()));
        check("short", Err("password: must be at least 8 characters"));
        check("1234567", Err("password: must be at least 8 characters"));
        check(&"x".repeat(128), Ok(()));
        check(&"x".repeat(64), Ok(()));
        check(&"x".repeat(129), Err("password: must be at most 128 characters"));
        check("password", Err("password: is too common; choose another one"));
        check("Password1", Err("password: is too common; choose another one"));
        check("QWERTYUIOP", Err("password: is too common; choose another one"));
        check("12345678", Err("password: is too common; choose another one"));
        check(
            "ada@example.com",
            Err("password: must not be made from your email address"),
        );
    }

    /// Issue 13, finding 11: blank and control-character passwords, and
    /// passwords built from the email's local part (digits included), are refused.
    #[test]
    fn blank_control_and_email_built_passwords_are_refused() {
        check("        ", Err("password: must not be only spaces"));
        check(" \u{3000}\t  \u{a0}  ", Err("password: must not be only spaces"));
        check(
            "correct\u{0}horse",
            Err("password: must not contain control characters"),
        );
        check("correct horse\n", Err("password: must not contain control characters"));
        check(
            "correct\u{7f}horse",
            Err("password: must not contain control characters"),
        );
        let with = |password: &str, email: &str| check_new("password", password, email).map_err(|e| e.message);
        let refused = Err("password: must not be made from your email address".to_owned());
        for password in [
            "john1990",
            "JOHN1990",
            "john1990!",
            "2024john1990",
            "john1990john1990",
            "john1990 2024",
            "john1990@example.com",
        ] {
            assert_eq!(with(password, "john1990@example.com"), refused, "{password}");
        }
        assert_eq!(with("lovelace1815", "ada.lovelace@example.com"), Ok(()));
        assert_eq!(with("john1990 rides horses", "john1990@example.com"), Ok(()));
        assert_eq!(
            with("ada lovelace 1815", "ada@example.com"),
            Ok(()),
            "a short local part in a phrase"
        );
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let settings = ApiSettings {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            ..ApiSettings::default()
        };
        let hasher = Hasher::new(&settings).expect("params");
        let one = hasher.hash("correct horse").expect("hash");
        let two = hasher.hash("correct horse").expect("hash");
        assert!(one.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{one}");
        assert_ne!(one, two, "a random salt each time");
        assert!(hasher.verify("correct horse", &one));
        assert!(!hasher.verify("correct horsE", &one));
        assert!(!hasher.verify("correct horse", "not a hash"));
    }
}
