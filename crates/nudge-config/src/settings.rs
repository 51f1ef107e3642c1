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
}

impl Default for TwilioSettings {
    fn default() -> Self {
        TwilioSettings {
            account_sid: "AC00000000000000000000000000000000".to_owned(),
            auth_token: None,
            public_base_url: "http://127.0.0.1:8003".to_owned(),
            api_base_url: "https://api.twilio.com".to_owned(),
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
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            transport: None,
            max_request_bytes: 64 * 1024,
            dispatch_interval_ms: 1000,
            console_echo: true,
        }
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
