//! The answer of `GET /v1/me`, remembered in process memory so that a person
//! asking again does not cost a database query.
//!
//! Correct across replicas through a stamp in the shared cache: every change
//! to an account gives it a new random stamp (`account::account_changed`, called after
//! the change is committed), the authenticated check reads the current stamp
//! in the same round trip as the revocation entry and the rate-limit counter,
//! and a remembered answer is used only under the stamp it was read with. A
//! reader that read the stamp before a change can only file its answer under
//! the old stamp, so no replica serves an answer older than the last
//! committed change. An answer is also forgotten after `MAX_AGE` (a change
//! made directly in the database, without the api, is seen within that
//! time), and the whole memory is bounded.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

/// How long a remembered answer may be served.
const MAX_AGE: Duration = Duration::from_secs(30);
/// People remembered at most; beyond, the memory starts over.
const MAX_PEOPLE: usize = 10_000;
/// How long a stamp lives in the shared cache without a change (a missing
/// stamp is created again, random, by the next authenticated request).
pub(crate) const STAMP_TTL: Duration = Duration::from_secs(24 * 3600);

pub(crate) fn stamp_key(user_id: &str) -> String {
    format!("api:account-stamp:{user_id}")
}

struct View {
    stamp: String,
    read_at: Instant,
    body: Bytes,
}

#[derive(Default)]
pub(crate) struct AccountViews {
    views: Mutex<HashMap<String, View>>,
    /// When answers older than `MAX_AGE` were last dropped.
    swept_at: Mutex<Option<Instant>>,
}

impl AccountViews {
    fn views(&self) -> MutexGuard<'_, HashMap<String, View>> {
        self.views.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer remembered for `user_id` under `stamp`, if still fresh.
    pub(crate) fn get(&self, user_id: &str, stamp: &str) -> Option<Bytes> {
        let views = self.views();
        let view = views.get(user_id)?;
        (view.stamp == stamp && view.read_at.elapsed() < MAX_AGE).then(|| view.body.clone())
    }

    /// Remembers `body`, read from the database after `stamp` was read.
    pub(crate) fn remember(&self, user_id: &str, stamp: &str, read_at: Instant, body: Bytes) {
        let mut views = self.views();
        // Old answers do not stay in memory (an erased person's included).
        let mut swept_at = self.swept_at.lock().unwrap_or_else(PoisonError::into_inner);
        if swept_at.is_none_or(|at| at.elapsed() >= MAX_AGE) {
            views.retain(|_, view| view.read_at.elapsed() < MAX_AGE);
            *swept_at = Some(Instant::now());
        }
        drop(swept_at);
        if views.len() >= MAX_PEOPLE && !views.contains_key(user_id) {
            views.clear();
        }
        views.insert(
            user_id.to_owned(),
            View {
                stamp: stamp.to_owned(),
                read_at,
                body,
            },
        );
    }

    pub(crate) fn forget(&self, user_id: &str) {
        self.views().remove(user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_only_under_the_same_stamp_and_while_fresh() {
        let views = AccountViews::default();
        assert_eq!(views.get("u1", "s1"), None);
        views.remember("u1", "s1", Instant::now(), Bytes::from_static(b"one"));
        assert_eq!(views.get("u1", "s1"), Some(Bytes::from_static(b"one")));
        assert_eq!(views.get("u1", "s2"), None, "another stamp: the account changed");
        assert_eq!(views.get("u2", "s1"), None, "another person");
        views.forget("u1");
        assert_eq!(views.get("u1", "s1"), None);
        let long_ago = Instant::now()
            .checked_sub(MAX_AGE + Duration::from_secs(1))
            .expect("the machine has been up for more than MAX_AGE");
        views.remember("u1", "s1", long_ago, Bytes::from_static(b"old"));
        assert_eq!(views.get("u1", "s1"), None, "too old");
    }

    #[test]
    fn stays_bounded() {
        let views = AccountViews::default();
        for i in 0..MAX_PEOPLE + 5 {
            views.remember(&format!("u{i}"), "s", Instant::now(), Bytes::from_static(b"x"));
        }
        assert!(views.views().len() <= MAX_PEOPLE);
        assert!(views.get(&format!("u{}", MAX_PEOPLE + 4), "s").is_some());
    }
}
