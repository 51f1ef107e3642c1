//! The whole configuration: the mode, one section per part of Nudge, and
//! the checks that need more than one section.

use nudge_core::{Language, PhoneNumber, Timezone};
use nudge_secure::{KeyRing, SecretString};
use serde::Deserialize;

use crate::api::ApiSettings;
use crate::crypto::CryptoSettings;
use crate::demo::DemoSettings;
use crate::error::{ConfigError, problem};
use crate::infrastructure::{CacheSettings, DatabaseSettings, QueueSettings};
use crate::scheduler::SchedulerSettings;
use crate::services::ServicesSettings;
use crate::sms::{SmsSettings, SmsTransport, TwilioSettings};
use crate::telemetry::{LogFormat, TelemetrySettings};

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
    pub agent: crate::agent::AgentSettings,
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
