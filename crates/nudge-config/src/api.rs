//! `api.*`: the api service's tokens, passwords, rate limits and codes.

use nudge_secure::SecretString;
use serde::Deserialize;

use crate::error::{ConfigError, problem};
use crate::proxies::{ClientAddressHeader, TrustedProxies};

/// The api service: tokens, passwords, rate limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Signs access tokens (HS256) and the hashes of one-time codes; at least
    /// 32 bytes. When absent, derived from the active `crypto.keys` key.
    pub jwt_secret: Option<SecretString>,
    /// `iss` of the access tokens.
    pub jwt_issuer: String,
    /// `aud` of the access tokens.
    pub jwt_audience: String,
    /// Lifetime of an access token.
    pub access_token_seconds: u64,
    /// Lifetime of a session (a refresh-token family) without use.
    pub refresh_token_days: u64,
    /// argon2id memory cost, in KiB.
    pub argon2_memory_kib: u32,
    /// argon2id passes.
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
    /// Requests per minute from one IP address without a token.
    pub anonymous_per_minute: u32,
    /// Requests per minute from one person (with a token).
    pub authenticated_per_minute: u32,
    /// Requests per minute from one premium person (or administrator).
    pub premium_per_minute: u32,
    /// Largest JSON body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Failed logins of one account before it is locked.
    pub login_max_failures: u32,
    /// How long failed logins are counted, and how long a locked account stays locked.
    pub login_lockout_seconds: u64,
    /// Lifetime of an SMS code (phone verification, password reset).
    pub code_ttl_seconds: u64,
    /// Codes texted to phones that are not verified yet (a phone being
    /// verified or changed), across all accounts, in one clock hour: the
    /// brake on SMS pumping. Past it, such codes are refused with 429.
    pub phone_codes_per_hour: u32,
    /// Codes texted to one phone that is not verified yet, in one clock hour.
    pub phone_codes_per_phone_per_hour: u32,
    /// Codes texted to phones sharing a prefix (the first six characters of
    /// the E.164 number: the country code and the next digits, e.g. `+44790`)
    /// that are not verified yet, in one clock hour.
    pub phone_codes_per_prefix_per_hour: u32,
    /// Reverse proxies (addresses or CIDR blocks) whose
    /// `api.client_address_header` is believed to name the client, for the
    /// limits without a token. Empty (the default): the peer address counts.
    pub trusted_proxies: TrustedProxies,
    /// The header those proxies name the client in: `x-forwarded-for` or
    /// `forwarded` (RFC 7239).
    pub client_address_header: ClientAddressHeader,
    /// A refresh token spent this many seconds ago or less is honoured again
    /// (two tabs refreshing at once) instead of revoking its session as a
    /// reuse; 0 turns the grace off.
    pub refresh_reuse_grace_seconds: u64,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            jwt_secret: None,
            jwt_issuer: "nudge".to_owned(),
            jwt_audience: "nudge-api".to_owned(),
            access_token_seconds: 900,
            refresh_token_days: 30,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            anonymous_per_minute: 10,
            authenticated_per_minute: 100,
            premium_per_minute: 300,
            max_body_bytes: 16 * 1024,
            login_max_failures: 5,
            login_lockout_seconds: 900,
            code_ttl_seconds: 600,
            phone_codes_per_hour: 100,
            phone_codes_per_phone_per_hour: 3,
            phone_codes_per_prefix_per_hour: 20,
            trusted_proxies: TrustedProxies::default(),
            client_address_header: ClientAddressHeader::default(),
            refresh_reuse_grace_seconds: 10,
        }
    }
}

impl ApiSettings {
    /// Checks the api keys; each refusal names its key.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_secret
            && secret.expose_secret().len() < 32
        {
            return Err(problem("api.jwt_secret", "must be at least 32 bytes"));
        }
        if self.jwt_issuer.is_empty() {
            return Err(problem("api.jwt_issuer", "must not be empty"));
        }
        if self.jwt_audience.is_empty() {
            return Err(problem("api.jwt_audience", "must not be empty"));
        }
        if !(30..=3600).contains(&self.access_token_seconds) {
            return Err(problem("api.access_token_seconds", "must be between 30 and 3600"));
        }
        if !(1..=365).contains(&self.refresh_token_days) {
            return Err(problem("api.refresh_token_days", "must be between 1 and 365"));
        }
        if !(8..=4_194_304).contains(&self.argon2_memory_kib) {
            return Err(problem("api.argon2_memory_kib", "must be between 8 and 4194304"));
        }
        if !(1..=64).contains(&self.argon2_iterations) {
            return Err(problem("api.argon2_iterations", "must be between 1 and 64"));
        }
        if !(1..=16).contains(&self.argon2_parallelism) {
            return Err(problem("api.argon2_parallelism", "must be between 1 and 16"));
        }
        if self.anonymous_per_minute == 0 {
            return Err(problem("api.anonymous_per_minute", "must be at least 1"));
        }
        if self.authenticated_per_minute == 0 {
            return Err(problem("api.authenticated_per_minute", "must be at least 1"));
        }
        if self.premium_per_minute < self.authenticated_per_minute {
            return Err(problem(
                "api.premium_per_minute",
                "must be at least api.authenticated_per_minute",
            ));
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err(problem("api.max_body_bytes", "must be between 1024 and 16777216"));
        }
        if self.login_max_failures == 0 {
            return Err(problem("api.login_max_failures", "must be at least 1"));
        }
        if self.login_lockout_seconds == 0 {
            return Err(problem("api.login_lockout_seconds", "must be at least 1"));
        }
        if !(60..=86_400).contains(&self.code_ttl_seconds) {
            return Err(problem("api.code_ttl_seconds", "must be between 60 and 86400"));
        }
        if self.phone_codes_per_hour == 0 {
            return Err(problem("api.phone_codes_per_hour", "must be at least 1"));
        }
        if self.phone_codes_per_phone_per_hour == 0 {
            return Err(problem("api.phone_codes_per_phone_per_hour", "must be at least 1"));
        }
        if self.phone_codes_per_prefix_per_hour < self.phone_codes_per_phone_per_hour {
            return Err(problem(
                "api.phone_codes_per_prefix_per_hour",
                "must be at least api.phone_codes_per_phone_per_hour",
            ));
        }
        if let Some(n) = self.trusted_proxies.first_invalid() {
            return Err(problem(
                "api.trusted_proxies",
                format!("entry {n} must be an IP address or a CIDR block such as 10.0.0.0/8"),
            ));
        }
        if self.refresh_reuse_grace_seconds > 60 {
            return Err(problem("api.refresh_reuse_grace_seconds", "must be at most 60"));
        }
        Ok(())
    }
}
