//! The webhook spool: where a verified webhook goes when the database cannot
//! store it, or not within `sms.webhook_store_deadline_ms`, so Twilio still
//! gets its 200 in time and nothing is lost.
//!
//! Distributed mode keeps spooled webhooks in a durable RabbitMQ queue
//! (`<prefix>.sms.spool`, persistent messages, publisher confirms): Twilio is
//! answered only once the broker confirmed the message. Each message is one
//! webhook, sealed with the key ring (a body and phones never sit in the
//! broker in the clear). [`drain`] stores them when the database returns,
//! through the same functions as a live webhook: a MessageSid is still
//! stored once, STOP still opts the person out, a status still moves forward
//! only.
//!
//! Embedded mode has no spool ([`Spool::Off`]): its database is a SQLite
//! file on the same disk, in the same process, so a spool file would fail
//! with it (disk full, I/O error), and a locked database is waited for
//! (`busy_timeout`) rather than failing. An in-memory spool would answer 200
//! for a message that a crash then loses. There, a message that cannot be
//! stored is answered 503, as before.

pub(crate) mod drain;
pub(crate) mod opt_outs;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use nudge_core::PhoneNumber;
use nudge_queue::{Queue, QueueError};
use nudge_secure::KeyRing;
use serde::{Deserialize, Serialize};

use crate::inbound::sms::InboundSms;
use crate::metrics;

/// The spool's queue (under `queue.prefix`).
pub(crate) const QUEUE: &str = "sms.spool";
/// Encryption context of a spooled webhook (see `nudge_secure::crypto`).
const SPOOL_CONTEXT: &[u8] = b"sms.spool.webhook";
/// At most one "spooling" warning in this long: an outage under load would
/// otherwise write one line per webhook.
const WARNING_INTERVAL: Duration = Duration::from_secs(5);

/// A verified webhook, as kept in the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SpooledWebhook {
    Inbound {
        message_sid: String,
        from: String,
        to: String,
        body: String,
        segments: u32,
        /// When the webhook came: the stored message keeps its place in the person's order.
        received_at: NaiveDateTime,
    },
    Status {
        message_sid: String,
        status: String,
        error_code: Option<i32>,
        outbound_id: Option<String>,
        stranger_id: Option<String>,
    },
}

impl SpooledWebhook {
    pub(crate) fn inbound(sms: &InboundSms) -> SpooledWebhook {
        SpooledWebhook::Inbound {
            message_sid: sms.message_sid.clone(),
            from: sms.from.as_str().to_owned(),
            to: sms.to.as_str().to_owned(),
            body: sms.body.clone(),
            segments: sms.segments,
            received_at: sms.received_at,
        }
    }

    /// The metric label of its kind.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            SpooledWebhook::Inbound { .. } => "inbound",
            SpooledWebhook::Status { .. } => "status",
        }
    }

    /// The inbound SMS it carries, checked again (the payload came from outside this process).
    fn into_inbound(self) -> Result<Option<InboundSms>, SpoolError> {
        match self {
            SpooledWebhook::Inbound {
                message_sid,
                from,
                to,
                body,
                segments,
                received_at,
            } => Ok(Some(InboundSms {
                message_sid,
                from: PhoneNumber::parse(&from).map_err(|_| SpoolError::Unreadable("from"))?,
                to: PhoneNumber::parse(&to).map_err(|_| SpoolError::Unreadable("to"))?,
                body,
                segments,
                received_at,
            })),
            SpooledWebhook::Status { .. } => Ok(None),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SpoolError {
    #[error("there is no spool in embedded mode")]
    Off,
    #[error("the spool (message broker) is unavailable: {0}")]
    Broker(#[from] QueueError),
    #[error("a spooled webhook cannot be read: {0}")]
    Unreadable(&'static str),
}

/// Where webhooks wait while the database is away.
pub(crate) enum Spool {
    Off,
    Broker {
        /// A connection of its own, whose prefetch is `sms.spool_drain_concurrency`.
        queue: Queue,
        ring: KeyRing,
        last_warning: Mutex<Option<Instant>>,
    },
}

impl Spool {
    /// The broker spool when `queue` is durable (RabbitMQ), else none.
    pub(crate) async fn open(settings: &nudge_config::Settings, queue: &Queue) -> anyhow::Result<Spool> {
        if !queue.is_durable() {
            return Ok(Spool::Off);
        }
        let spool_settings = nudge_config::QueueSettings {
            prefetch: settings.sms.spool_drain_concurrency,
            ..settings.queue.clone()
        };
        let queue = Queue::connect(&spool_settings).await?;
        Ok(Spool::Broker {
            queue,
            ring: settings.key_ring()?,
            last_warning: Mutex::new(None),
        })
    }

    /// Keeps `webhook` durably (returns once the broker confirmed it).
    pub(crate) async fn put(&self, webhook: &SpooledWebhook) -> Result<(), SpoolError> {
        let Spool::Broker { queue, ring, .. } = self else {
            return Err(SpoolError::Off);
        };
        let sealed = seal(ring, webhook)?;
        queue.publish(QUEUE, &sealed, None).await?;
        metrics::spooled(webhook.kind());
        Ok(())
    }

    /// Whether webhooks can be spooled here (distributed mode).
    pub(crate) fn is_on(&self) -> bool {
        matches!(self, Spool::Broker { .. })
    }

    /// Opens a spooled message.
    fn open_payload(&self, payload: &[u8]) -> Result<SpooledWebhook, SpoolError> {
        let Spool::Broker { ring, .. } = self else {
            return Err(SpoolError::Off);
        };
        unseal(ring, payload)
    }

    /// Whether a "webhooks are being spooled" warning is due (at most one per [`WARNING_INTERVAL`]).
    pub(crate) fn warning_due(&self) -> bool {
        let Spool::Broker { last_warning, .. } = self else {
            return true;
        };
        let mut last = last_warning.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.is_none_or(|at| at.elapsed() >= WARNING_INTERVAL);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

/// A webhook sealed for the broker.
fn seal(ring: &KeyRing, webhook: &SpooledWebhook) -> Result<Vec<u8>, SpoolError> {
    let json = serde_json::to_vec(webhook).map_err(|_| SpoolError::Unreadable("payload"))?;
    Ok(ring.encrypt(&json, SPOOL_CONTEXT))
}

/// A webhook read back from the broker.
fn unseal(ring: &KeyRing, payload: &[u8]) -> Result<SpooledWebhook, SpoolError> {
    let json = ring
        .decrypt(payload, SPOOL_CONTEXT)
        .map_err(|_| SpoolError::Unreadable("sealed payload"))?;
    serde_json::from_slice(&json).map_err(|_| SpoolError::Unreadable("payload"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spooled_webhook_is_sealed_and_read_back() {
        let ring = KeyRing::new("k1", [("k1".to_owned(), KeyRing::generate_key())]).expect("ring");
        let webhook = SpooledWebhook::Inbound {
            message_sid: "SM1".to_owned(),
            from: "+15145550100".to_owned(),
            to: "+15145550199".to_owned(),
            body: "STOP".to_owned(),
            segments: 1,
            received_at: nudge_store::now(),
        };
        let sealed = seal(&ring, &webhook).expect("sealed");
        // Neither the body nor a phone is readable in what the broker keeps.
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("STOP") && !text.contains("5145550100"), "{text}");
        assert_eq!(unseal(&ring, &sealed).expect("opens"), webhook);
        assert!(matches!(unseal(&ring, b"not sealed"), Err(SpoolError::Unreadable(_))));
        let inbound = webhook.into_inbound().expect("valid").expect("an inbound SMS");
        assert_eq!(inbound.body, "STOP");
        let status = SpooledWebhook::Status {
            message_sid: "SM2".to_owned(),
            status: "delivered".to_owned(),
            error_code: None,
            outbound_id: Some("o1".to_owned()),
            stranger_id: None,
        };
        assert_eq!(
            unseal(&ring, &seal(&ring, &status).expect("sealed")).expect("opens"),
            status
        );
        assert!(status.into_inbound().expect("valid").is_none());
    }
}
