//! What sms-router stores, shared by its features: the values of the status
//! columns, the hash a phone is kept as, and SQL text for either backend.
//! Each feature's queries live with it (`numbers/store.rs`,
//! `inbound/store.rs`, `outbound/store.rs`, `compliance/store.rs`, `usage.rs`).
//!
//! Every transaction starts with a write, so that on SQLite it takes the
//! write lock first instead of failing when it upgrades a read snapshot.

use diesel::pg::Pg;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
use nudge_store::{Backend, diesel};
use sha2::{Digest, Sha256};

/// SQL written with PostgreSQL placeholders (`$1`), for either backend
/// (SQLite takes `?1`).
pub(crate) fn sql(backend: Backend, text: &str) -> String {
    match backend {
        Backend::Postgres => text.to_owned(),
        Backend::Sqlite => text.replace('$', "?"),
    }
}

/// A statement built once for either backend (raw SQL and its binds), to
/// run with `.execute(c)` on `with_conn!`'s connection, in a transaction or not.
pub(crate) trait Statement: QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId + Send {}

impl<T: QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId + Send> Statement for T {}

/// Hex SHA-256 of a phone number: how a stranger's phone is kept, and how a
/// number is named in cache keys.
pub(crate) fn phone_hash(phone: &str) -> String {
    Sha256::digest(phone.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub(crate) mod inbound_status {
    /// Stored, not yet handed to the agent.
    pub(crate) const PENDING: &str = "pending";
    /// The agent has it.
    pub(crate) const DISPATCHED: &str = "dispatched";
    /// The agent refused it for good (a malformed request); kept for inspection.
    pub(crate) const FAILED: &str = "failed";
    /// A compliance keyword (STOP, START, HELP ...), handled by sms-router.
    pub(crate) const COMPLIANCE: &str = "compliance";
    /// From a person who opted out: recorded, never shown to the agent.
    pub(crate) const HELD: &str = "held";
    /// From a phone that is not the number's owner's: recorded without its body.
    pub(crate) const REJECTED_SENDER: &str = "rejected_sender";
}

pub(crate) mod outbound_status {
    pub(crate) const QUEUED: &str = "queued";
    pub(crate) const SENDING: &str = "sending";
    pub(crate) const FAILED: &str = "failed";
    /// Never sent: the person opted out.
    pub(crate) const SUPPRESSED: &str = "suppressed";
    /// Never sent: the number was released before it went.
    pub(crate) const CANCELED: &str = "canceled";

    /// Statuses only move forward: a late "sent" callback never undoes
    /// "delivered". Twilio's statuses, in the order a message goes through them.
    pub(crate) fn rank(status: &str) -> u8 {
        match status {
            "queued" | "accepted" | "scheduled" => 0,
            "sending" => 1,
            "sent" => 2,
            "delivered" | "undelivered" | "failed" | "canceled" | "partially_delivered" => 3,
            "read" => 4,
            // Ours: final, never reached by a callback.
            "suppressed" => 5,
            _ => 0,
        }
    }
}

pub(crate) mod consent_event {
    pub(crate) const OPT_OUT: &str = "opt_out";
    pub(crate) const OPT_IN: &str = "opt_in";
    pub(crate) const SOURCE_SMS: &str = "sms";
    pub(crate) const SOURCE_TWILIO_21610: &str = "twilio_21610";
}

pub(crate) mod stranger_status {
    pub(crate) const PENDING: &str = "pending";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const FAILED: &str = "failed";
    pub(crate) const SKIPPED: &str = "skipped";
}
