//! Nudge's configuration: defaults, then an optional TOML file, then
//! environment variables `NUDGE__SECTION__KEY` (double underscores between
//! levels, e.g. `NUDGE__TWILIO__AUTH_TOKEN` sets `twilio.auth_token`).
//!
//! Loading fails with a message naming the key when a value has the wrong
//! type, an unknown key is set, or a value required by the mode is missing.
//! Every setting and its default is documented in `docs/configuration.md`.

mod agent;
mod api;
mod crypto;
mod demo;
mod error;
mod infrastructure;
mod loader;
mod proxies;
mod scheduler;
mod services;
mod settings;
mod sms;
mod telemetry;

pub use agent::{AgentSettings, ProviderSettings};
pub use api::ApiSettings;
pub use crypto::CryptoSettings;
pub use demo::DemoSettings;
pub use error::ConfigError;
pub use infrastructure::{CacheSettings, DatabaseSettings, QueueSettings};
pub use loader::{CONFIG_FILE_ENV, ENV_PREFIX, ENV_SEPARATOR, Sources};
pub use proxies::{ClientAddressHeader, IpBlock, TrustedProxies};
pub use scheduler::SchedulerSettings;
pub use services::{ServiceSettings, ServicesSettings};
pub use settings::{Mode, Settings};
pub use sms::{CONSOLE_VERIFICATION_NUMBER, SmsSettings, SmsTransport, TwilioSettings};
pub use telemetry::{LogFormat, TelemetrySettings};

#[cfg(test)]
mod tests;
