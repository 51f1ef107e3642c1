use std::collections::HashMap;

use nudge_core::{Language, PhoneNumber, Timezone};
use nudge_secure::{KeyRing, SecretString};
use serde::Deserialize;

use crate::ConfigError;

/// How Nudge runs: everything in one process on a laptop, or one container
/// per service on PostgreSQL, RabbitMQ and Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `nudge dev`: SQLite, in-process queue and cache, console SMS, dev outbox.
    #[default]
    Embedded,
    /// Compose or Kubernetes: PostgreSQL, RabbitMQ, Redis, Twilio.
    Distributed,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub mode: Mode,
    pub database: DatabaseSettings,
    pub queue: QueueSettings,
    pub cache: CacheSettings,
    pub services: ServicesSettings,
    pub twilio: TwilioSettings,
    pub sms: SmsSettings,
    pub crypto: CryptoSettings,
    pub demo: DemoSettings,
    pub telemetry: TelemetrySettings,
    pub scheduler: SchedulerSettings,
    pub api: ApiSettings,
    pub agent: crate::AgentSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_seconds: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "sqlite://.nudge/nudge.db".to_owned(),
            max_connections: 8,
            connect_timeout_seconds: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// `memory://` (in-process) or `amqp://user:pass@host:5672/vhost`.
    pub url: String,
    /// Prefix of every queue and exchange name, so several deployments can share a broker.
    pub prefix: String,
    /// Deliveries of one message before it goes to the dead-letter queue.
    pub max_attempts: u32,
    /// Messages a consumer holds unacknowledged at once.
    pub prefetch: u16,
    /// Delay before a failed message is delivered again (doubled each attempt).
    pub retry_delay_ms: u64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            url: "memory://".to_owned(),
            prefix: "nudge".to_owned(),
            max_attempts: 5,
            prefetch: 16,
            retry_delay_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// `memory://` (in-process) or `redis://host:6379/0`.
    pub url: String,
    /// Prefix of every key.
    pub prefix: String,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            url: "memory://".to_owned(),
            prefix: "nudge".to_owned(),
        }
    }
}

/// Where a service listens and where the others reach it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    pub host: String,
    /// The main port: HTTP for api and sms-router, gRPC (plus HTTP/1.1 health
    /// and metrics) for agent and workers. 0 picks a free port.
    pub port: u16,
    /// sms-router only: its internal gRPC port, kept off the public webhook port.
    #[serde(default)]
    pub grpc_port: Option<u16>,
    /// The URL other services call it on (its gRPC endpoint).
    pub url: String,
}

impl ServiceSettings {
    fn local(port: u16, grpc_port: Option<u16>) -> Self {
        ServiceSettings {
            host: "127.0.0.1".to_owned(),
            port,
            grpc_port,
            url: format!("http://127.0.0.1:{}", grpc_port.unwrap_or(port)),
        }
    }
}

/// Per-key defaults of the service addresses. They differ per service, so
/// they are given to the loader key by key (a serde default would replace a
/// whole `services.X` table as soon as one of its keys is set).
pub(crate) fn service_defaults() -> Vec<(String, ServiceSettings)> {
    let services = ServicesSettings::default();
    vec![
        ("api".to_owned(), services.api),
        ("agent".to_owned(), services.agent),
        ("workers".to_owned(), services.workers),
        ("sms_router".to_owned(), services.sms_router),
    ]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServicesSettings {
    pub api: ServiceSettings,
    pub agent: ServiceSettings,
    pub workers: ServiceSettings,
    pub sms_router: ServiceSettings,
    /// How long a stopping service waits for in-flight work.
    pub shutdown_grace_seconds: u64,
    /// Timeout of one service-to-service call.
    pub rpc_timeout_ms: u64,
}

impl Default for ServicesSettings {
    fn default() -> Self {
        ServicesSettings {
            api: ServiceSettings::local(8000, None),
            agent: ServiceSettings::local(8001, None),
            workers: ServiceSettings::local(8002, None),
            sms_router: ServiceSettings::local(8003, Some(9003)),
            shutdown_grace_seconds: 25,
            rpc_timeout_ms: 10_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioSettings {
    pub account_sid: String,
    /// Signs Twilio's webhooks and authenticates our REST calls. Required.
    pub auth_token: Option<SecretString>,
    /// The public base URL Twilio calls (and signs), before any proxy or TLS
    /// termination, e.g. `https://sms.example.com`. The webhook is this plus `/twilio/sms`.
    pub public_base_url: String,
    /// Twilio's REST API; tests point it at the fake Twilio.
    pub api_base_url: String,
    /// Timeout of one call to Twilio's REST API. A send that times out may
    /// have reached Twilio: it is reconciled before it is sent again.
    pub request_timeout_ms: u64,
    /// ISO country whose local numbers `ProvisionNumber` buys when the request names neither an area code nor a country.
    pub number_country: String,
}

impl Default for TwilioSettings {
    fn default() -> Self {
        TwilioSettings {
            account_sid: "AC00000000000000000000000000000000".to_owned(),
            auth_token: None,
            public_base_url: "http://127.0.0.1:8003".to_owned(),
            api_base_url: "https://api.twilio.com".to_owned(),
            request_timeout_ms: 15_000,
            number_country: "US".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsTransport {
    /// Print outbound SMS and keep them in the dev outbox.
    Console,
    /// Send through Twilio's Messages API.
    Twilio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsSettings {
    /// Defaults to `console` in embedded mode and `twilio` in distributed mode.
    pub transport: Option<SmsTransport>,
    /// Largest webhook request accepted, in bytes.
    pub max_request_bytes: usize,
    /// How often pending inbound messages are handed to the agent when nothing wakes the dispatcher.
    pub dispatch_interval_ms: u64,
    /// Console transport: also print each SMS on standard output (off in tests).
    pub console_echo: bool,
    /// Outbound pace of one Nudge number, in segments per second (a US long code: 1).
    pub segments_per_second: f64,
    /// Most segments one outbound SMS may take; a longer text goes out as
    /// several SMS, split at sentence (then word) boundaries.
    pub segment_budget: u32,
    /// Answer START (confirmation) and HELP (help text). STOP is never answered.
    pub compliance_replies: bool,
    /// Answer a phone that is not the number's owner once, with a generic notice.
    pub stranger_reply: bool,
    /// Outbound SMS sent at once by one replica (across numbers; one number sends one at a time).
    pub sender_concurrency: u32,
    /// Attempts of one outbound SMS before it is marked failed (temporary errors only;
    /// permanent ones are never retried).
    pub send_max_attempts: u32,
    /// First retry delay of a temporary send failure; it doubles each attempt
    /// (full jitter), up to `retry_max_ms`.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// A row in `sending` for longer than this lost its sender: it is reconciled with Twilio, then sent again.
    pub send_lease_seconds: u64,
    /// Price of one segment, in and out, in millionths of `currency`.
    pub price_per_segment_micros: u64,
    /// Monthly price of one Nudge number, in millionths of `currency`.
    pub number_monthly_price_micros: u64,
    /// ISO 4217 code of the prices.
    pub currency: String,
    /// The number that texts verification codes to a phone that has no
    /// Nudge number yet (E.164; with Twilio, a number of the account,
    /// required: sms-router refuses to start without it). A person's own
    /// Nudge number is given only once their phone is verified. With the
    /// console transport, `CONSOLE_VERIFICATION_NUMBER` when unset.
    pub verification_number: Option<String>,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            transport: None,
            max_request_bytes: 64 * 1024,
            dispatch_interval_ms: 1000,
            console_echo: true,
            segments_per_second: 1.0,
            segment_budget: 2,
            compliance_replies: true,
            stranger_reply: true,
            sender_concurrency: 16,
            send_max_attempts: 10,
            retry_base_ms: 1000,
            retry_max_ms: 300_000,
            send_lease_seconds: 60,
            price_per_segment_micros: 8_300,
            number_monthly_price_micros: 1_150_000,
            currency: "USD".to_owned(),
            verification_number: None,
        }
    }
}

/// What texts verification codes with the console transport when
/// `sms.verification_number` is not set.
pub const CONSOLE_VERIFICATION_NUMBER: &str = "+15145550198";

impl SmsSettings {
    /// Checks the SMS keys; each refusal names its key.
    fn validate(&self) -> Result<(), ConfigError> {
        if !(self.segments_per_second.is_finite()
            && self.segments_per_second > 0.0
            && self.segments_per_second <= 1000.0)
        {
            return Err(problem(
                "sms.segments_per_second",
                "must be a number above 0 and at most 1000",
            ));
        }
        if !(1..=24).contains(&self.segment_budget) {
            return Err(problem("sms.segment_budget", "must be between 1 and 24"));
        }
        if self.sender_concurrency == 0 || self.sender_concurrency > 1024 {
            return Err(problem("sms.sender_concurrency", "must be between 1 and 1024"));
        }
        if self.send_max_attempts == 0 {
            return Err(problem("sms.send_max_attempts", "must be at least 1"));
        }
        if self.retry_base_ms == 0 {
            return Err(problem("sms.retry_base_ms", "must be at least 1"));
        }
        if self.retry_max_ms < self.retry_base_ms {
            return Err(problem("sms.retry_max_ms", "must be at least sms.retry_base_ms"));
        }
        if self.send_lease_seconds < 5 {
            return Err(problem("sms.send_lease_seconds", "must be at least 5"));
        }
        if self.max_request_bytes < 1024 {
            return Err(problem("sms.max_request_bytes", "must be at least 1024"));
        }
        if self.price_per_segment_micros > 1_000_000_000 {
            return Err(problem("sms.price_per_segment_micros", "must be at most 1000000000"));
        }
        if self.number_monthly_price_micros > 1_000_000_000 {
            return Err(problem("sms.number_monthly_price_micros", "must be at most 1000000000"));
        }
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(problem("sms.currency", "must be an ISO 4217 code such as USD or CAD"));
        }
        self.verification_number()?;
        Ok(())
    }

    /// `sms.verification_number`, checked.
    pub fn verification_number(&self) -> Result<Option<PhoneNumber>, ConfigError> {
        self.verification_number
            .as_deref()
            .map(|number| PhoneNumber::parse(number).map_err(|e| problem("sms.verification_number", e.0)))
            .transpose()
    }

    /// How long one segment occupies a number, in microseconds.
    pub fn micros_per_segment(&self) -> i64 {
        // Validated: 0 < segments_per_second <= 1000, so this is 1000..=1e6 and finite.
        (1_000_000.0 / self.segments_per_second).round() as i64
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoSettings {
    /// The key id new ciphertexts are made with.
    pub active_key: Option<String>,
    /// Key id -> base64 of 32 random bytes. Old keys stay here until rotated out.
    pub keys: HashMap<String, SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Create the demo person at start-up (on in `nudge dev`).
    pub enabled: bool,
    pub phone: String,
    pub nudge_number: String,
    pub timezone: String,
    pub language: String,
}

impl Default for DemoSettings {
    fn default() -> Self {
        DemoSettings {
            enabled: false,
            phone: "+15145550100".to_owned(),
            nudge_number: "+15145550199".to_owned(),
            timezone: "America/Montreal".to_owned(),
            language: "en".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// Defaults to `pretty` in embedded mode and `json` in distributed mode.
    pub format: Option<LogFormat>,
    /// A tracing env-filter directive, e.g. `info,nudge_workers=debug`.
    pub filter: String,
    /// OTLP/gRPC collector endpoint, e.g. `http://otel-collector:4317`. Off when absent.
    pub otlp_endpoint: Option<String>,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            format: None,
            filter: "info".to_owned(),
            otlp_endpoint: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// How often due occurrences are looked for when nothing wakes the scheduler.
    pub poll_interval_ms: u64,
    /// Occurrences claimed per round.
    pub batch_size: u32,
    /// A claimed occurrence not confirmed sent within this time is claimed again.
    pub lease_seconds: u64,
    /// A reminder firing later than this after its due time (after downtime) is marked late.
    pub catch_up_window_seconds: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        SchedulerSettings {
            poll_interval_ms: 250,
            batch_size: 100,
            lease_seconds: 60,
            catch_up_window_seconds: 15 * 60,
        }
    }
}

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
    pub trusted_proxies: crate::TrustedProxies,
    /// The header those proxies name the client in: `x-forwarded-for` or
    /// `forwarded` (RFC 7239).
    pub client_address_header: crate::ClientAddressHeader,
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
            trusted_proxies: crate::TrustedProxies::default(),
            client_address_header: crate::ClientAddressHeader::default(),
            refresh_reuse_grace_seconds: 10,
        }
    }
}

impl ApiSettings {
    /// Checks the api keys; each refusal names its key.
    fn validate(&self) -> Result<(), ConfigError> {
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

fn problem(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Key {
        key,
        problem: problem.into(),
    }
}

impl Settings {
    pub fn sms_transport(&self) -> SmsTransport {
        self.sms.transport.unwrap_or(match self.mode {
            Mode::Embedded => SmsTransport::Console,
            Mode::Distributed => SmsTransport::Twilio,
        })
    }

    pub fn log_format(&self) -> LogFormat {
        self.telemetry.format.unwrap_or(match self.mode {
            Mode::Embedded => LogFormat::Pretty,
            Mode::Distributed => LogFormat::Json,
        })
    }

    /// The encryption keys, validated.
    pub fn key_ring(&self) -> Result<KeyRing, ConfigError> {
        let active = self
            .crypto
            .active_key
            .as_deref()
            .ok_or_else(|| problem("crypto.active_key", "is required"))?;
        if self.crypto.keys.is_empty() {
            return Err(problem(
                "crypto.keys",
                "needs at least one key (id = base64 of 32 bytes)",
            ));
        }
        KeyRing::new(
            active,
            self.crypto.keys.iter().map(|(id, key)| (id.clone(), key.clone())),
        )
        .map_err(|e| problem("crypto.keys", e.to_string()))
    }

    pub fn twilio_auth_token(&self) -> Result<&SecretString, ConfigError> {
        self.twilio
            .auth_token
            .as_ref()
            .filter(|token| !token.expose_secret().is_empty())
            .ok_or_else(|| problem("twilio.auth_token", "is required"))
    }

    pub fn demo_phone(&self) -> Result<PhoneNumber, ConfigError> {
        PhoneNumber::parse(&self.demo.phone).map_err(|e| problem("demo.phone", e.0))
    }

    pub fn demo_nudge_number(&self) -> Result<PhoneNumber, ConfigError> {
        PhoneNumber::parse(&self.demo.nudge_number).map_err(|e| problem("demo.nudge_number", e.0))
    }

    pub fn demo_timezone(&self) -> Result<Timezone, ConfigError> {
        self.demo
            .timezone
            .parse()
            .map_err(|e: nudge_core::InvalidValue| problem("demo.timezone", e.0))
    }

    pub fn demo_language(&self) -> Result<Language, ConfigError> {
        self.demo
            .language
            .parse()
            .map_err(|e: nudge_core::InvalidValue| problem("demo.language", e.0))
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.key_ring()?;
        self.twilio_auth_token()?;
        if !has_scheme(&self.twilio.public_base_url, &["http", "https"]) {
            return Err(problem("twilio.public_base_url", "must be an http:// or https:// URL"));
        }
        if !has_scheme(&self.twilio.api_base_url, &["http", "https"]) {
            return Err(problem("twilio.api_base_url", "must be an http:// or https:// URL"));
        }
        if !(100..=120_000).contains(&self.twilio.request_timeout_ms) {
            return Err(problem("twilio.request_timeout_ms", "must be between 100 and 120000"));
        }
        if !(self.twilio.number_country.len() == 2
            && self.twilio.number_country.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(problem(
                "twilio.number_country",
                "must be an ISO 3166 country code such as US or CA",
            ));
        }
        self.sms.validate()?;
        self.api.validate()?;
        self.agent.validate()?;
        if self.services.sms_router.grpc_port.is_none() {
            return Err(problem("services.sms_router.grpc_port", "is required"));
        }
        if !has_scheme(&self.database.url, &["sqlite", "postgres", "postgresql"]) {
            return Err(problem(
                "database.url",
                "must start with sqlite://, postgres:// or postgresql://",
            ));
        }
        if !has_scheme(&self.queue.url, &["memory", "amqp", "amqps"]) {
            return Err(problem("queue.url", "must start with memory://, amqp:// or amqps://"));
        }
        if !has_scheme(&self.cache.url, &["memory", "redis", "rediss"]) {
            return Err(problem("cache.url", "must start with memory://, redis:// or rediss://"));
        }
        if self.queue.max_attempts == 0 {
            return Err(problem("queue.max_attempts", "must be at least 1"));
        }
        if self.database.max_connections == 0 {
            return Err(problem("database.max_connections", "must be at least 1"));
        }
        if self.mode == Mode::Distributed {
            if !has_scheme(&self.database.url, &["postgres", "postgresql"]) {
                return Err(problem("database.url", "must be a postgres:// URL in distributed mode"));
            }
            if !has_scheme(&self.queue.url, &["amqp", "amqps"]) {
                return Err(problem("queue.url", "must be an amqp:// URL in distributed mode"));
            }
            if !has_scheme(&self.cache.url, &["redis", "rediss"]) {
                return Err(problem("cache.url", "must be a redis:// URL in distributed mode"));
            }
        }
        if self.demo.enabled {
            self.demo_phone()?;
            self.demo_nudge_number()?;
            self.demo_timezone()?;
            self.demo_language()?;
        }
        Ok(())
    }
}

fn has_scheme(url: &str, schemes: &[&str]) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| schemes.contains(&scheme))
}

#[cfg(test)]
mod sms_settings_tests {
    use std::collections::HashMap;

    use crate::{Settings, Sources};

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, crate::ConfigError> {
        let mut environment: HashMap<String, String> = [
            ("NUDGE__CRYPTO__ACTIVE_KEY", "k1"),
            (
                "NUDGE__CRYPTO__KEYS__K1",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("NUDGE__TWILIO__AUTH_TOKEN", "test-token"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        environment.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Settings::load(Sources {
            environment: Some(environment),
            ..Sources::default()
        })
    }

    #[track_caller]
    fn refused(pairs: &[(&str, &str)], key: &str) {
        let error = load(pairs).expect_err("refused").to_string();
        assert!(error.contains(key), "{error:?} should name {key}");
    }

    #[test]
    fn sms_defaults() {
        let settings = load(&[]).expect("loads");
        assert!((settings.sms.segments_per_second - 1.0).abs() < f64::EPSILON);
        assert_eq!(settings.sms.micros_per_segment(), 1_000_000);
        assert_eq!(settings.sms.segment_budget, 2);
        assert!(settings.sms.compliance_replies);
        assert!(settings.sms.stranger_reply);
        assert_eq!(settings.sms.currency, "USD");
        assert_eq!(settings.twilio.number_country, "US");
        assert_eq!(settings.twilio.request_timeout_ms, 15_000);
    }

    #[test]
    fn sms_values_from_the_environment() {
        let settings = load(&[
            ("NUDGE__SMS__SEGMENTS_PER_SECOND", "2.5"),
            ("NUDGE__SMS__SEGMENT_BUDGET", "3"),
            ("NUDGE__SMS__COMPLIANCE_REPLIES", "false"),
            ("NUDGE__SMS__PRICE_PER_SEGMENT_MICROS", "7900"),
            ("NUDGE__SMS__CURRENCY", "CAD"),
        ])
        .expect("loads");
        assert_eq!(settings.sms.micros_per_segment(), 400_000);
        assert_eq!(settings.sms.segment_budget, 3);
        assert!(!settings.sms.compliance_replies);
        assert_eq!(settings.sms.price_per_segment_micros, 7900);
        assert_eq!(settings.sms.currency, "CAD");
    }

    #[test]
    fn bad_sms_values_are_refused_naming_the_key() {
        refused(&[("NUDGE__SMS__SEGMENTS_PER_SECOND", "0")], "sms.segments_per_second");
        refused(&[("NUDGE__SMS__SEGMENTS_PER_SECOND", "-1")], "sms.segments_per_second");
        refused(
            &[("NUDGE__SMS__SEGMENTS_PER_SECOND", "fast")],
            "sms.segments_per_second",
        );
        refused(&[("NUDGE__SMS__SEGMENT_BUDGET", "0")], "sms.segment_budget");
        refused(&[("NUDGE__SMS__SEGMENT_BUDGET", "25")], "sms.segment_budget");
        refused(&[("NUDGE__SMS__SENDER_CONCURRENCY", "0")], "sms.sender_concurrency");
        refused(&[("NUDGE__SMS__SEND_MAX_ATTEMPTS", "0")], "sms.send_max_attempts");
        refused(
            &[
                ("NUDGE__SMS__RETRY_BASE_MS", "5000"),
                ("NUDGE__SMS__RETRY_MAX_MS", "100"),
            ],
            "sms.retry_max_ms",
        );
        refused(&[("NUDGE__SMS__SEND_LEASE_SECONDS", "1")], "sms.send_lease_seconds");
        refused(&[("NUDGE__SMS__CURRENCY", "dollars")], "sms.currency");
        refused(
            &[("NUDGE__SMS__PRICE_PER_SEGMENT_MICROS", "-5")],
            "sms.price_per_segment_micros",
        );
        refused(&[("NUDGE__TWILIO__NUMBER_COUNTRY", "usa")], "twilio.number_country");
        refused(
            &[("NUDGE__TWILIO__REQUEST_TIMEOUT_MS", "5")],
            "twilio.request_timeout_ms",
        );
    }

    #[test]
    fn api_defaults_and_refusals_name_the_key() {
        let settings = load(&[]).expect("loads");
        assert_eq!(settings.api.anonymous_per_minute, 10);
        assert_eq!(settings.api.authenticated_per_minute, 100);
        assert_eq!(settings.api.argon2_memory_kib, 19_456);
        assert!(settings.api.jwt_secret.is_none());
        let settings = load(&[("NUDGE__API__AUTHENTICATED_PER_MINUTE", "250")]).expect("loads");
        assert_eq!(settings.api.authenticated_per_minute, 250);
        refused(&[("NUDGE__API__JWT_SECRET", "short")], "api.jwt_secret");
        refused(&[("NUDGE__API__ACCESS_TOKEN_SECONDS", "5")], "api.access_token_seconds");
        refused(&[("NUDGE__API__ANONYMOUS_PER_MINUTE", "0")], "api.anonymous_per_minute");
        refused(&[("NUDGE__API__PREMIUM_PER_MINUTE", "50")], "api.premium_per_minute");
        refused(&[("NUDGE__API__ARGON2_MEMORY_KIB", "lots")], "api.argon2_memory_kib");
        refused(&[("NUDGE__API__MAX_BODY_BYTES", "10")], "api.max_body_bytes");
        refused(&[("NUDGE__API__LOGIN_MAX_FAILURES", "0")], "api.login_max_failures");
        refused(&[("NUDGE__API__CODE_TTL_SECONDS", "1")], "api.code_ttl_seconds");
    }
}
