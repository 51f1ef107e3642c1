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

/// Hex SHA-256 of a phone number: how a Nudge number is named in cache
/// keys. A person's phone was kept so by earlier versions (a stranger's
/// `sender_hash`, a spooled STOP's mark), which are still found by it; it
/// is now kept as its blind index ([`phones`]), which needs the key ring.
pub(crate) fn phone_hash(phone: &str) -> String {
    Sha256::digest(phone.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A person's phone as sms-router stores it (issue 13, finding 2): a blind
/// index to find it by (`sms_numbers.phone_index`, `sms_outbound.to_index`),
/// and the phone sealed under the person's key to read it (`phone_sealed`,
/// `to_sealed`). A row written before phones were sealed holds the plain
/// phone in its index column and no sealed one, until the start-up job
/// ([`crate::sealing`]) seals it; these read both.
pub(crate) mod phones {
    use nudge_secure::{CryptoError, KeyRing, PersonReader};

    /// What a phone's blind index is keyed with.
    const INDEX: &[u8] = b"sms.phone";

    /// The blind index of `phone` under the active key, to store.
    pub(crate) fn index(ring: &KeyRing, phone: &str) -> String {
        ring.blind_index(INDEX, phone.as_bytes())
    }

    /// The blind index of `phone` under each key of the ring, the active
    /// key's first (for keys every replica must find amid a rotation).
    pub(crate) fn indexes(ring: &KeyRing, phone: &str) -> Vec<String> {
        ring.blind_indexes(INDEX, phone.as_bytes())
    }

    /// The values an index column holding `phone` may have: its index under
    /// each key of the ring, and the phone itself (a row not sealed yet).
    pub(crate) fn lookups(ring: &KeyRing, phone: &str) -> Vec<String> {
        let mut all = ring.blind_indexes(INDEX, phone.as_bytes());
        all.push(phone.to_owned());
        all
    }

    /// Whether the index column value `stored` is `phone`'s.
    pub(crate) fn is(ring: &KeyRing, stored: &str, phone: &str) -> bool {
        stored == phone || ring.blind_indexes(INDEX, phone.as_bytes()).iter().any(|i| i == stored)
    }

    /// Whether `stored` is an index under the active key (not a plain phone,
    /// nor an older key's index).
    pub(crate) fn is_current(ring: &KeyRing, stored: &str) -> bool {
        ring.is_current_blind_index(stored)
    }

    /// What the phone of a person's number is sealed under.
    pub(crate) fn number_context(user_id: &str) -> Vec<u8> {
        format!("sms_numbers.phone:{user_id}").into_bytes()
    }

    /// What the recipient of an outbound SMS is sealed under.
    pub(crate) fn outbound_context(id: &str) -> Vec<u8> {
        format!("sms_outbound.to:{id}").into_bytes()
    }

    /// The phone of a row: `sealed` opened, or (a row not sealed yet) the
    /// plain phone its index column still holds.
    pub(crate) fn open(
        reader: &PersonReader,
        sealed: Option<&[u8]>,
        stored: &str,
        context: &[u8],
    ) -> Result<String, CryptoError> {
        match sealed {
            Some(sealed) => reader.decrypt_to_string(sealed, context),
            None => Ok(stored.to_owned()),
        }
    }
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
