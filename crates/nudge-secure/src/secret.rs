use std::fmt;

use serde::Deserialize;

/// A secret (API token, encryption key) that keeps itself out of logs.
///
/// `Debug` and `Display` print `[redacted]`; the value is only reachable
/// through [`expose_secret`](Self::expose_secret), which makes every use easy
/// to find. It deserializes from a plain string (so config structs can hold
/// one) but deliberately does not implement `Serialize`:
///
/// ```compile_fail
/// fn serializable<T: serde::Serialize>() {}
/// serializable::<nudge_secure::SecretString>();
/// ```
///
/// On drop its buffer is overwritten with zeros. This is best effort: copies
/// made before it was wrapped (or by code that borrowed the exposed `&str`)
/// are out of its reach.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// The secret itself. Call it at the last moment, where the value is used.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl Clone for SecretString {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        Self(secret.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        // Cover the spare capacity too: it may hold bytes of an earlier value.
        bytes.resize(bytes.capacity(), 0);
        wipe(&mut bytes);
    }
}

/// Overwrites `bytes` with zeros, in a way the optimizer must assume is
/// observed (best effort: `black_box` is a hint, not a guarantee).
pub(crate) fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = SecretString::from("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose_secret(), "hunter2");
    }

    #[test]
    fn from_string() {
        assert_eq!(SecretString::from(String::from("s3")).expose_secret(), "s3");
    }

    #[test]
    fn deserializes_from_a_plain_string() {
        #[derive(Deserialize, Debug)]
        struct Config {
            auth_token: SecretString,
        }
        let config: Config = serde_json::from_str(r#"{"auth_token":"abc123"}"#).expect("valid config");
        assert_eq!(config.auth_token.expose_secret(), "abc123");
        assert!(!format!("{config:?}").contains("abc123"));
    }

    #[test]
    fn wipe_zeroes() {
        let mut bytes = *b"secret";
        wipe(&mut bytes);
        assert_eq!(bytes, [0; 6]);
    }
}
