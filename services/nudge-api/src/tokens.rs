//! Access tokens (JWT), refresh tokens and one-time codes.
//!
//! An access token is a JWT signed with HS256 (the only algorithm accepted:
//! `none`, RS256/ES256 "confusion" and every other `alg` are refused), with
//! header `typ` `at+jwt` (RFC 9068) and claims `iss`, `aud`, `sub` (the user
//! id), `sid` (the session), `role`, `iat`, `exp`, `jti`, all required and
//! checked. A refresh token is opaque: `<session id>.<32 random bytes,
//! base64url>`; only its SHA-256 is stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit as _, Mac as _};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use nudge_config::Settings;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub sid: String,
    pub role: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    /// The session began with a second factor (TOTP or a backup code).
    #[serde(default)]
    pub mfa: bool,
    /// Not before; we never set it, but one that is there is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

/// Why a token was refused. The caller only ever sees "invalid token".
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token refused: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("token refused: typ is not at+jwt")]
    WrongType,
    #[error("token refused: issued in the future, not valid yet, or living longer than an access token does")]
    BadLifetime,
}

/// Seconds of clock difference tolerated between replicas.
const LEEWAY: u64 = 5;

/// Signs and checks tokens, and hashes one-time codes, under the api's secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    code_mac: hmac::Hmac<sha2::Sha256>,
    issuer: String,
    audience: String,
    pub access_seconds: u64,
}

impl TokenKeys {
    /// `api.jwt_secret`, or a key derived from the active encryption key.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<TokenKeys> {
        let secret: Vec<u8> = match &settings.api.jwt_secret {
            Some(secret) => secret.expose_secret().as_bytes().to_vec(),
            None => {
                let active = settings
                    .crypto
                    .active_key
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("api.jwt_secret or crypto.active_key is required"))?;
                let key = settings
                    .crypto
                    .keys
                    .get(active)
                    .ok_or_else(|| anyhow::anyhow!("crypto.keys has no key {active}"))?;
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.expose_secret().as_bytes())
                    .map_err(|e| anyhow::anyhow!("crypto key: {e}"))?;
                mac.update(b"nudge.api.jwt.v1");
                mac.finalize().into_bytes().to_vec()
            }
        };
        Self::new(
            &secret,
            &settings.api.jwt_issuer,
            &settings.api.jwt_audience,
            settings.api.access_token_seconds,
        )
    }

    pub fn new(secret: &[u8], issuer: &str, audience: &str, access_seconds: u64) -> anyhow::Result<TokenKeys> {
        let mut code_mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).map_err(|e| anyhow::anyhow!("api secret: {e}"))?;
        code_mac.update(b"nudge.api.codes.v1\0");
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            code_mac,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            access_seconds,
        })
    }

    /// A new access token for this person and session.
    pub fn issue_access(
        &self,
        user_id: &str,
        session_id: &str,
        role: &str,
        mfa: bool,
        now: u64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            role: role.to_owned(),
            iat: now,
            exp: now + self.access_seconds,
            jti: uuid::Uuid::new_v4().to_string(),
            mfa,
            nbf: None,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// The claims of a valid access token.
    pub fn verify_access(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_access_at(token, unix_now())
    }

    /// [`TokenKeys::verify_access`] at `now`: besides the signature, `typ`,
    /// `iss`, `aud` and `exp`, a token issued in the future (`iat`), not
    /// valid yet (`nbf`), or whose `exp` is further from its `iat` than
    /// `api.access_token_seconds` is refused (a token we never issued).
    pub fn verify_access_at(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)?;
        if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(TokenError::WrongType);
        }
        let claims = data.claims;
        let from_the_future = claims.iat > now + LEEWAY || claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY);
        let too_long = claims.exp.saturating_sub(claims.iat) > self.access_seconds
            || claims.exp > now + self.access_seconds + LEEWAY;
        if from_the_future || too_long {
            return Err(TokenError::BadLifetime);
        }
        Ok(claims)
    }

    /// HMAC-SHA256 of a one-time code, bound to what it is for (hex).
    pub fn code_hash(&self, code: &str, bound_to: &str) -> String {
        let mut mac = self.code_mac.clone();
        mac.update(bound_to.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// A new refresh token for `session_id`, and the hash to store.
pub fn new_refresh_token(session_id: &str) -> (String, String) {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{session_id}.{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = refresh_hash(&token);
    (token, hash)
}

pub fn refresh_hash(token: &str) -> String {
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// A six-digit code from the operating system's random source.
pub fn new_code() -> String {
    let n = rand::rng().next_u32() % 1_000_000;
    format!("{n:06}")
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of drift either way.
pub fn totp(secret: &[u8]) -> anyhow::Result<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_secret(secret.to_vec())
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .build()
        .map_err(|e| anyhow::anyhow!("totp: {e}"))
}

/// The code an authenticator app shows at `time` for a base32 secret (tests, tools).
pub fn totp_code(secret_base32: &str, time: u64) -> anyhow::Result<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).map_err(|e| anyhow::anyhow!("secret: {e}"))?;
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .with_digits(6)
        .with_step_duration(30)
        .build()
        .map_err(|e| anyhow::anyhow!("totp: {e}"))?;
    Ok(totp.generate(time).to_string())
}

/// A new TOTP secret: 20 random bytes (RFC 4226's recommended length), and its base32 form.
pub fn new_totp_secret() -> (Vec<u8>, String) {
    let mut bytes = vec![0_u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let base32 = totp_rs::Secret::from(bytes.clone()).to_base32();
    (bytes, base32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::new(SECRET, "nudge", "nudge-api", 900).expect("keys")
    }

    fn b64(value: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn claims(now: u64) -> serde_json::Value {
        serde_json::json!({"iss": "nudge", "aud": "nudge-api", "sub": "u1", "sid": "s1", "role": "admin",
            "iat": now, "exp": now + 600, "jti": "j"})
    }

    fn hs256(header: &serde_json::Value, claims: &serde_json::Value, secret: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(header), b64(claims));
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("key");
        mac.update(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn a_token_we_issue_is_accepted() {
        let now = unix_now();
        let token = keys().issue_access("u1", "s1", "user", false, now).expect("issue");
        let claims = keys().verify_access(&token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("u1", "s1"));
        assert_eq!(claims.exp, now + 900);
        // The same claims, hand-made, are accepted too: the attacks below differ by one thing.
        let header = serde_json::json!({"alg": "HS256", "typ": "at+jwt"});
        assert!(
            keys()
                .verify_access(&hs256(&header, &self::claims(now), SECRET))
                .is_ok()
        );
    }

    #[test]
    fn jwt_attacks_are_refused() {
        let now = unix_now();
        let good_header = serde_json::json!({"alg": "HS256", "typ": "at+jwt"});
        let good = claims(now);
        // alg none, with and without a signature.
        for alg in ["none", "None", "NONE"] {
            let header = serde_json::json!({"alg": alg, "typ": "at+jwt"});
            let token = format!("{}.{}.", b64(&header), b64(&good));
            assert!(keys().verify_access(&token).is_err(), "alg {alg}");
        }
        // Signed with another key.
        assert!(
            keys()
                .verify_access(&hs256(&good_header, &good, b"another key, 32 bytes long......"))
                .is_err()
        );
        // Algorithm confusion: claims to be RS256 / ES256 / HS512 but signed with HMAC of our secret.
        for alg in ["RS256", "ES256", "HS384", "HS512", "PS256", "EdDSA"] {
            let header = serde_json::json!({"alg": alg, "typ": "at+jwt"});
            assert!(
                keys().verify_access(&hs256(&header, &good, SECRET)).is_err(),
                "alg {alg}"
            );
        }
        // Wrong typ, or none (e.g. an ID token or a refresh JWT).
        for header in [
            serde_json::json!({"alg": "HS256", "typ": "JWT"}),
            serde_json::json!({"alg": "HS256"}),
            serde_json::json!({"alg": "HS256", "typ": "refresh+jwt"}),
        ] {
            assert!(
                keys().verify_access(&hs256(&header, &good, SECRET)).is_err(),
                "{header}"
            );
        }
        // Expired, wrong audience, wrong issuer, missing exp.
        let mut expired = good.clone();
        expired["exp"] = serde_json::json!(now - 60);
        let mut wrong_aud = good.clone();
        wrong_aud["aud"] = serde_json::json!("someone-else");
        let mut wrong_iss = good.clone();
        wrong_iss["iss"] = serde_json::json!("evil");
        let mut no_exp = good.clone();
        no_exp.as_object_mut().expect("object").remove("exp");
        for (what, claims) in [
            ("expired", expired),
            ("aud", wrong_aud),
            ("iss", wrong_iss),
            ("no exp", no_exp),
        ] {
            assert!(
                keys().verify_access(&hs256(&good_header, &claims, SECRET)).is_err(),
                "{what}"
            );
        }
        // Tampered payload with the original signature.
        let token = keys().issue_access("u1", "s1", "user", false, now).expect("issue");
        let parts: Vec<&str> = token.split('.').collect();
        let mut tampered = good.clone();
        tampered["role"] = serde_json::json!("admin");
        let forged = format!("{}.{}.{}", parts[0], b64(&tampered), parts[2]);
        assert!(keys().verify_access(&forged).is_err());
        assert!(keys().verify_access("not a token").is_err());
    }

    /// Issue 13, finding 11: a token is refused when it says it was issued in
    /// the future, is not valid yet, or lives longer than our access tokens.
    #[test]
    fn jwt_lifetimes_beyond_ours_are_refused() {
        let now = unix_now();
        let header = serde_json::json!({"alg": "HS256", "typ": "at+jwt"});
        let verify = |claims: &serde_json::Value| keys().verify_access(&hs256(&header, claims, SECRET));
        let mut exact = claims(now);
        exact["exp"] = serde_json::json!(now + 900);
        assert!(verify(&exact).is_ok(), "exactly the configured lifetime");
        let mut skewed = claims(now);
        skewed["iat"] = serde_json::json!(now + 3);
        skewed["nbf"] = serde_json::json!(now + 3);
        assert!(verify(&skewed).is_ok(), "within the leeway");
        let mut future_iat = claims(now);
        future_iat["iat"] = serde_json::json!(now + 120);
        let mut future_nbf = claims(now);
        future_nbf["nbf"] = serde_json::json!(now + 120);
        let mut long = claims(now);
        long["exp"] = serde_json::json!(now + 901);
        let mut year = claims(now);
        year["iat"] = serde_json::json!(now + 120);
        year["exp"] = serde_json::json!(now + 365 * 86_400);
        let mut old_iat_long_exp = claims(now);
        old_iat_long_exp["iat"] = serde_json::json!(now - 86_400);
        old_iat_long_exp["exp"] = serde_json::json!(now + 86_400);
        for (what, claims) in [
            ("future iat", future_iat),
            ("future nbf", future_nbf),
            ("exp beyond the lifetime", long),
            ("a year", year),
            ("iat a day ago, exp in a day", old_iat_long_exp),
        ] {
            assert!(
                matches!(verify(&claims), Err(TokenError::BadLifetime | TokenError::Jwt(_))),
                "{what}"
            );
        }
    }

    #[test]
    fn totp_accepts_one_step_of_drift_and_says_which_step() {
        let (secret, base32) = new_totp_secret();
        let totp = totp(&secret).expect("totp");
        let now = 1_800_000_000_u64;
        let step = now / 30;
        let code = totp_code(&base32, now).expect("code");
        assert_eq!(totp.check(&code, now), Some(step));
        assert_eq!(totp.check(&code, now + 30), Some(step), "one step late");
        assert_eq!(totp.check(&code, now - 30), Some(step), "one step early");
        assert_eq!(totp.check(&code, now + 60), None, "two steps late");
        assert_eq!(totp.check(&code, now - 60), None, "two steps early");
        // RFC 6238 appendix B, SHA-1, T = 59: 94287082 (8 digits), so 287082 with 6.
        let rfc = totp_rs::Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(totp_code(&rfc, 59).expect("code"), "287082");
    }

    #[test]
    fn refresh_tokens_and_codes() {
        let (token, hash) = new_refresh_token("s1");
        assert!(token.starts_with("s1."));
        assert_eq!(hash, refresh_hash(&token));
        assert_ne!(new_refresh_token("s1").0, token);
        let code = new_code();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let keys = keys();
        assert_eq!(keys.code_hash("123456", "c1"), keys.code_hash("123456", "c1"));
        assert_ne!(keys.code_hash("123456", "c1"), keys.code_hash("123456", "c2"));
        assert_ne!(keys.code_hash("123456", "c1"), keys.code_hash("123457", "c1"));
    }
}
