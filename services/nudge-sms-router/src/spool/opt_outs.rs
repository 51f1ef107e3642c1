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
//! The mark names the phone by its blind index ([`phones`]), under every key
//! of the ring, so replicas amid a key rotation (some with the new active
//! key, some not restarted yet) still see each other's marks; a mark an
//! earlier version wrote (the phone's SHA-256) is read and cleared too.
//!
//! The mark lasts at most [`MARK_LIFETIME`]: a STOP the spool gives up on (dead-lettered for an
//! operator) keeps that person's SMS held that long, the safe side.
//! With the cache away, marking fails (logged) and the sender sends as
//! before: the gap is then the drain's (STOP stored within about a second of
//! the database's return).

use std::time::Duration;

use nudge_cache::{Cache, CacheError};
use nudge_secure::KeyRing;

use crate::compliance::{self, Keyword};
use crate::store::{phone_hash, phones};

/// How long a mark can outlive a STOP the spool never stores.
const MARK_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The mark's keys: the phone's blind index under each key of the ring.
fn keys(ring: &KeyRing, phone: &str) -> Vec<String> {
    phones::indexes(ring, phone)
        .into_iter()
        .map(|index| format!("sms:spooled-stop:{index}"))
        .collect()
}

/// The key an earlier version marked the phone under (its SHA-256).
fn legacy_key(phone: &str) -> String {
    format!("sms:spooled-stop:{}", phone_hash(phone))
}

/// Whether `body` is an opt-out keyword ("STOP", "arrêt", ...).
pub(crate) fn is_opt_out(body: &str) -> bool {
    compliance::classify(body).is_some_and(|matched| matched.keyword == Keyword::OptOut)
}

/// Marks `phone` as having a STOP in the spool.
pub(crate) async fn mark(cache: &Cache, ring: &KeyRing, phone: &str) -> Result<(), CacheError> {
    for key in keys(ring, phone) {
        cache.set(&key, b"1", Some(MARK_LIFETIME)).await?;
    }
    Ok(())
}

/// Clears the mark of `phone` (its STOP is stored, or was never spooled).
pub(crate) async fn clear(cache: &Cache, ring: &KeyRing, phone: &str) -> Result<(), CacheError> {
    for key in keys(ring, phone).into_iter().chain([legacy_key(phone)]) {
        cache.delete(&key).await?;
    }
    Ok(())
}

/// Whether `phone` has a STOP waiting in the spool.
pub(crate) async fn waiting(cache: &Cache, ring: &KeyRing, phone: &str) -> Result<bool, CacheError> {
    for key in keys(ring, phone).into_iter().chain([legacy_key(phone)]) {
        if cache.get(&key).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
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

    fn ring(active: &str, keys: &[(&str, &nudge_secure::SecretString)]) -> KeyRing {
        KeyRing::new(active, keys.iter().map(|(id, key)| ((*id).to_owned(), (*key).clone()))).expect("ring")
    }

    #[tokio::test]
    async fn a_mark_is_seen_until_cleared() {
        let cache = Cache::connect(&nudge_config::CacheSettings::default()).expect("in-process cache");
        let ring = ring("k1", &[("k1", &KeyRing::generate_key())]);
        let phone = "+15145550111";
        assert!(!waiting(&cache, &ring, phone).await.expect("read"));
        mark(&cache, &ring, phone).await.expect("mark");
        assert!(waiting(&cache, &ring, phone).await.expect("read"));
        assert!(
            !waiting(&cache, &ring, "+15145550112").await.expect("read"),
            "another phone"
        );
        clear(&cache, &ring, phone).await.expect("clear");
        assert!(!waiting(&cache, &ring, phone).await.expect("read"));
    }

    #[tokio::test]
    async fn replicas_amid_a_rotation_see_each_others_marks() {
        let cache = Cache::connect(&nudge_config::CacheSettings::default()).expect("in-process cache");
        let (k1, k2) = (KeyRing::generate_key(), KeyRing::generate_key());
        let old = ring("k1", &[("k1", &k1)]);
        let new = ring("k2", &[("k1", &k1), ("k2", &k2)]);
        let phone = "+15145550111";
        // Marked by a replica not restarted yet, seen and cleared by a new one.
        mark(&cache, &old, phone).await.expect("mark");
        assert!(waiting(&cache, &new, phone).await.expect("read"));
        clear(&cache, &new, phone).await.expect("clear");
        assert!(!waiting(&cache, &old, phone).await.expect("read"));
        // Marked by a new replica, seen by an old one.
        mark(&cache, &new, phone).await.expect("mark");
        assert!(waiting(&cache, &old, phone).await.expect("read"));
        clear(&cache, &new, phone).await.expect("clear");
        // A mark an earlier version wrote (the phone's SHA-256) counts, and clears.
        cache.set(&legacy_key(phone), b"1", None).await.expect("legacy mark");
        assert!(waiting(&cache, &new, phone).await.expect("read"));
        clear(&cache, &new, phone).await.expect("clear");
        assert!(!waiting(&cache, &new, phone).await.expect("read"));
        // The keys name neither the phone nor its plain hash.
        for key in keys(&new, phone) {
            assert!(
                !key.contains("5145550111") && !key.contains(&phone_hash(phone)),
                "{key}"
            );
        }
    }
}
