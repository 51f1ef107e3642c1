//! Shared state of a running fake.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{DeliveryOutcome, FakeTwilioConfig};

/// A message accepted by `POST .../Messages.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeMessage {
    /// `SM` + 32 hex digits.
    pub sid: String,
    /// Empty when sent with only `MessagingServiceSid` (Twilio reports `from: null`).
    pub from: String,
    pub to: String,
    pub body: String,
    /// `queued` (or `accepted` with a Messaging Service), then `sent`, `delivered`,
    /// `undelivered` or `failed` as the simulated delivery progresses.
    pub status: String,
    pub status_callback: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub num_segments: u32,
    /// Set when the status is `undelivered` or `failed`.
    pub error_code: Option<u32>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    pub date_sent: Option<DateTime<Utc>>,
}

/// An IncomingPhoneNumber owned by the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeNumber {
    /// `PN` + 32 hex digits.
    pub sid: String,
    /// E.164, e.g. `+14155550100`.
    pub phone_number: String,
    pub friendly_name: String,
    pub sms_url: Option<String>,
    /// `POST` (default) or `GET`.
    pub sms_method: String,
    pub status_callback: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
}

impl FakeNumber {
    pub(crate) fn new(phone_number: &str) -> Self {
        let now = Utc::now();
        FakeNumber {
            sid: new_sid("PN"),
            phone_number: phone_number.to_owned(),
            friendly_name: friendly_name(phone_number),
            sms_url: None,
            sms_method: "POST".to_owned(),
            status_callback: None,
            date_created: now,
            date_updated: now,
        }
    }
}

pub(crate) struct InjectedFailure {
    pub(crate) remaining: usize,
    pub(crate) http_status: u16,
    pub(crate) twilio_code: u32,
    /// Sent as `Retry-After` (whole seconds), when set.
    pub(crate) retry_after: Option<Duration>,
}

pub(crate) struct Inner {
    pub(crate) messages: Vec<FakeMessage>,
    pub(crate) numbers: Vec<FakeNumber>,
    pub(crate) unsubscribed: HashSet<String>,
    pub(crate) injected: Option<InjectedFailure>,
    /// Creates answered with an injected failure since it was set.
    pub(crate) failures_answered: usize,
    /// Accepted message creates still to answer late: (count, delay).
    pub(crate) slow_responses: Option<(usize, Duration)>,
    pub(crate) delivery: DeliveryOutcome,
    pub(crate) lifecycles: JoinSet<()>,
}

impl Inner {
    /// Consumes one injected failure, if any is pending.
    pub(crate) fn take_injected(&mut self) -> Option<(u16, u32, Option<Duration>)> {
        let injected = self.injected.as_mut()?;
        let failure = (injected.http_status, injected.twilio_code, injected.retry_after);
        injected.remaining = injected.remaining.saturating_sub(1);
        self.failures_answered += 1;
        if injected.remaining == 0 {
            self.injected = None;
        }
        Some(failure)
    }

    /// Consumes one slow response, if any is pending.
    pub(crate) fn take_slow_response(&mut self) -> Option<Duration> {
        let (remaining, delay) = self.slow_responses.as_mut()?;
        let delay = *delay;
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            self.slow_responses = None;
        }
        Some(delay)
    }

    pub(crate) fn owns(&self, phone_number: &str) -> bool {
        self.numbers.iter().any(|n| n.phone_number == phone_number)
    }
}

pub(crate) struct AppState {
    pub(crate) account_sid: String,
    pub(crate) auth_token: String,
    pub(crate) require_owned_from: bool,
    pub(crate) status_step_delay: Duration,
    pub(crate) max_request_bytes: usize,
    pub(crate) http: reqwest::Client,
    /// The runtime the fake was started from: deliveries and their callbacks
    /// run there, not on the HTTP worker that accepted the message (its
    /// runtime ends with the server).
    pub(crate) runtime: tokio::runtime::Handle,
    accepted: watch::Sender<usize>,
    inner: Mutex<Inner>,
}

impl AppState {
    pub(crate) fn new(config: FakeTwilioConfig) -> Arc<Self> {
        let numbers = config.owned_numbers.iter().map(|n| FakeNumber::new(n)).collect();
        Arc::new(AppState {
            account_sid: config.account_sid,
            auth_token: config.auth_token,
            require_owned_from: config.require_owned_from,
            status_step_delay: config.status_step_delay,
            max_request_bytes: config.max_request_bytes,
            http: reqwest::Client::new(),
            runtime: tokio::runtime::Handle::current(),
            accepted: watch::Sender::new(0),
            inner: Mutex::new(Inner {
                messages: Vec::new(),
                numbers,
                unsubscribed: HashSet::new(),
                injected: None,
                failures_answered: 0,
                slow_responses: None,
                delivery: config.delivery,
                lifecycles: JoinSet::new(),
            }),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock; if it ever did, the data is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn subscribe_accepted(&self) -> watch::Receiver<usize> {
        self.accepted.subscribe()
    }

    /// Stores an accepted message and tells those waiting for messages.
    pub(crate) fn store_accepted(&self, inner: &mut Inner, message: FakeMessage) {
        inner.messages.push(message);
        self.accepted.send_replace(inner.messages.len());
    }

    /// Moves a message to `status`; returns its new state.
    pub(crate) fn advance(&self, sid: &str, status: &str, error_code: Option<u32>) -> Option<FakeMessage> {
        let mut inner = self.lock();
        let message = inner.messages.iter_mut().find(|m| m.sid == sid)?;
        let now = Utc::now();
        message.status = status.to_owned();
        message.date_updated = now;
        if status == "sent" {
            message.date_sent = Some(now);
        }
        message.error_code = error_code;
        Some(message.clone())
    }

    pub(crate) fn abort_lifecycles(&self) {
        self.lock().lifecycles.abort_all();
    }
}

/// `prefix` + 32 lowercase hex digits, like Twilio SIDs.
pub(crate) fn new_sid(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// Twilio's default friendly name: `(415) 555-0100` for NANP numbers, else E.164.
pub(crate) fn friendly_name(phone_number: &str) -> String {
    match phone_number.strip_prefix("+1") {
        Some(n) if n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..])
        }
        _ => phone_number.to_owned(),
    }
}

/// `+` then 2 to 15 digits, the first not 0 (E.164).
pub(crate) fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
    })
}
