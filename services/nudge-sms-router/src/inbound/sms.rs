//! An inbound SMS as the webhook (or the spool) hands it on: a plain value,
//! so that what carries it needs nothing else of the inbound path.

use nudge_core::PhoneNumber;

/// An inbound SMS as validated at the edge (the webhook).
#[derive(Debug)]
pub(crate) struct InboundSms {
    pub(crate) message_sid: String,
    pub(crate) from: PhoneNumber,
    pub(crate) to: PhoneNumber,
    pub(crate) body: String,
    pub(crate) segments: u32,
    /// When its webhook came (earlier than now for one drained from the spool):
    /// a person's messages reach the agent in this order.
    pub(crate) received_at: chrono::NaiveDateTime,
}
