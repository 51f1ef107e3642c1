//! STOPs waiting in the spool: until a spooled STOP is stored (and the person
//! opted out in the database), nothing but compliance replies is sent to
//! that phone.
//!
//! When the database is away, a STOP is spooled like any webhook, and the
//! database that records opt-outs cannot say it yet. So at spooling time the
//! phone is also marked in the shared cache (Redis in distributed mode, the
//! only mode with a spool), and the sender of every replica holds an SMS for
//! a marked phone instead of sending it. The drain clears the mark once the
//! STOP is stored: from then on the database's opt-out suppresses the SMS.
//!
//! The mark lasts at most [`MARK_LIFETIME`]: a STOP the spool gives up on (dead-lettered for an
//! operator) keeps that person's SMS held that long, the safe side.
//! With the cache away, marking fails (logged) and the sender sends as
//! before: the gap is then the drain's (STOP stored within about a second of
//! the database's return).

use std::time::Duration;

use nudge_cache::{Cache, CacheError};

use crate::compliance::{self, Keyword};
use crate::store::phone_hash;

/// How long a mark can outlive a STOP the spool never stores.
const MARK_LIFETIME: Duration = Duration::from_secs(24 * 3600);

fn key(phone: &str) -> String {
    format!("sms:spooled-stop:{}", phone_hash(phone))
}

/// Whether `body` is an opt-out keyword ("STOP", "arrêt", ...).
pub(crate) fn is_opt_out(body: &str) -> bool {
    compliance::classify(body).is_some_and(|matched| matched.keyword == Keyword::OptOut)
}

/// Marks `phone` as having a STOP in the spool.
pub(crate) async fn mark(cache: &Cache, phone: &str) -> Result<(), CacheError> {
    cache.set(&key(phone), b"1", Some(MARK_LIFETIME)).await
}

/// Clears the mark of `phone` (its STOP is stored, or was never spooled).
pub(crate) async fn clear(cache: &Cache, phone: &str) -> Result<(), CacheError> {
    cache.delete(&key(phone)).await
}

/// Whether `phone` has a STOP waiting in the spool.
pub(crate) async fn waiting(cache: &Cache, phone: &str) -> Result<bool, CacheError> {
    Ok(cache.get(&key(phone)).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_opt_out_keywords_mark() {
        for body in ["STOP", " stop ", "Arrêt", "unsubscribe", "QUIT"] {
            assert!(is_opt_out(body), "{body}");
        }
        for body in [
            "START",
            "HELP",
            "stop reminding me about the dentist",
            "remind me to stop",
        ] {
            assert!(!is_opt_out(body), "{body}");
        }
    }

    #[tokio::test]
    async fn a_mark_is_seen_until_cleared() {
        let cache = Cache::connect(&nudge_config::CacheSettings::default()).expect("in-process cache");
        let phone = "+15145550111";
        assert!(!waiting(&cache, phone).await.expect("read"));
        mark(&cache, phone).await.expect("mark");
        assert!(waiting(&cache, phone).await.expect("read"));
        assert!(!waiting(&cache, "+15145550112").await.expect("read"), "another phone");
        clear(&cache, phone).await.expect("clear");
        assert!(!waiting(&cache, phone).await.expect("read"));
    }
}
