//! `twilio.*` and `sms.*`: the Twilio account, and how sms-router sends
//! and receives (pace, budgets, retries, costs, compliance replies).

use nudge_core::PhoneNumber;
use nudge_secure::SecretString;
use serde::Deserialize;

use crate::error::{ConfigError, problem};

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
    /// People whose inbound messages one replica hands to the agent at once
    /// (each person's own messages go one at a time, in order).
    pub dispatch_concurrency: u32,
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
    /// Spooled webhooks (kept in RabbitMQ while the database was away) stored
    /// at once by one replica when it returns.
    pub spool_drain_concurrency: u16,
    /// Distributed mode: a verified webhook the database has not stored
    /// within this many milliseconds is also put in the spool, and answered
    /// as soon as either keeps it (the store goes on; the MessageSid keeps
    /// one copy). `0`: wait for the database however long it takes (Twilio
    /// gives up after 15 s).
    pub webhook_store_deadline_ms: u64,
    /// Outbound SMS sent at once by one replica (across numbers; one number sends one at a time).
    pub sender_concurrency: u32,
    /// Attempts of one outbound SMS before it is marked failed (temporary errors only;
    /// permanent ones are never retried).
    pub send_max_attempts: u32,
    /// First retry delay of a temporary send failure; it doubles each attempt
    /// (full jitter), up to `retry_max_ms`.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// A claim lasts this long unless its sender renews it (four times per
    /// lease, while the send goes on): a row whose claim ran out lost its
    /// sender (a killed replica) and is reconciled with Twilio, then sent again.
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
            dispatch_concurrency: 8,
            console_echo: true,
            segments_per_second: 1.0,
            segment_budget: 2,
            compliance_replies: true,
            stranger_reply: true,
            spool_drain_concurrency: 32,
            webhook_store_deadline_ms: 5000,
            sender_concurrency: 16,
            send_max_attempts: 10,
            retry_base_ms: 1000,
            retry_max_ms: 300_000,
            send_lease_seconds: 10,
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
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
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
        if self.dispatch_concurrency == 0 || self.dispatch_concurrency > 1024 {
            return Err(problem("sms.dispatch_concurrency", "must be between 1 and 1024"));
        }
        if self.sender_concurrency == 0 || self.sender_concurrency > 1024 {
            return Err(problem("sms.sender_concurrency", "must be between 1 and 1024"));
        }
        if self.spool_drain_concurrency == 0 || self.spool_drain_concurrency > 1024 {
            return Err(problem("sms.spool_drain_concurrency", "must be between 1 and 1024"));
        }
        if self.webhook_store_deadline_ms > 10_000 {
            return Err(problem(
                "sms.webhook_store_deadline_ms",
                "must be at most 10000 (Twilio gives up on a webhook after 15 s)",
            ));
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
