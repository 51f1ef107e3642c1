//! How the fake is set up, and what happens to the messages it accepts.

use std::time::Duration;

/// What happens to an accepted message after it is `queued`.
///
/// Drives both the stored status and the status callbacks Twilio would POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryOutcome {
    /// `sent`, then `delivered`.
    #[default]
    Delivered,
    /// `sent`, then `undelivered` with `ErrorCode` (e.g. 30003 unreachable handset).
    Undelivered { error_code: u32 },
    /// `failed` with `ErrorCode` (Twilio could not send it at all).
    Failed { error_code: u32 },
}

/// Configuration of the fake.
#[derive(Debug, Clone)]
pub struct FakeTwilioConfig {
    /// The only account the fake knows; requests must authenticate as it.
    pub account_sid: String,
    /// Basic-auth password, and the key for `X-Twilio-Signature` on callbacks.
    pub auth_token: String,
    /// IncomingPhoneNumbers the account owns at start (E.164).
    pub owned_numbers: Vec<String>,
    /// When true, `From` must be an owned IncomingPhoneNumber, else 400/21606.
    /// Off by default so simple tests can send from any number.
    pub require_owned_from: bool,
    /// Outcome of messages accepted from now on (see also [`FakeTwilio::set_delivery_outcome`]).
    pub delivery: DeliveryOutcome,
    /// Pause before each status change after `queued`.
    pub status_step_delay: Duration,
    /// Request bodies larger than this get 413.
    pub max_request_bytes: usize,
}

impl Default for FakeTwilioConfig {
    fn default() -> Self {
        Self {
            account_sid: format!("AC{}", "0".repeat(32)),
            auth_token: "fake-twilio-auth-token".to_owned(),
            owned_numbers: Vec::new(),
            require_owned_from: false,
            delivery: DeliveryOutcome::Delivered,
            status_step_delay: Duration::from_millis(10),
            max_request_bytes: 64 * 1024,
        }
    }
}
