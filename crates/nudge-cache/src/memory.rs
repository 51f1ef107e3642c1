//! The in-process cache of embedded mode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct MemoryCache {
    prefix: String,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

struct Entry {
    value: Vec<u8>,
    expires_at: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

/// Entries beyond which expired ones are swept on write.
const SWEEP_THRESHOLD: usize = 10_000;

impl MemoryCache {
    pub(crate) fn new(prefix: &str) -> Self {
        MemoryCache {
            prefix: prefix.to_owned(),
            entries: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() > SWEEP_THRESHOLD {
            let now = Instant::now();
            entries.retain(|_, entry| entry.live(now));
        }
        entries
    }

    pub(crate) fn get(&self, key: &str) -> Option<Vec<u8>> {
        let now = Instant::now();
        self.entries()
            .get(&self.key(key))
            .filter(|e| e.live(now))
            .map(|e| e.value.clone())
    }

    pub(crate) fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) {
        let expires_at = ttl.map(|ttl| Instant::now() + ttl);
        self.entries().insert(
            self.key(key),
            Entry {
                value: value.to_vec(),
                expires_at,
            },
        );
    }

    pub(crate) fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> bool {
        let now = Instant::now();
        let mut entries = self.entries();
        let key = self.key(key);
        if entries.get(&key).is_some_and(|e| e.live(now)) {
            return false;
        }
        entries.insert(
            key,
            Entry {
                value: value.to_vec(),
                expires_at: Some(now + ttl),
            },
        );
        true
    }

    pub(crate) fn delete(&self, key: &str) {
        self.entries().remove(&self.key(key));
    }

    pub(crate) fn delete_if_equals(&self, key: &str, value: &[u8]) {
        let mut entries = self.entries();
        let key = self.key(key);
        if entries.get(&key).is_some_and(|e| e.value == value) {
            entries.remove(&key);
        }
    }

    pub(crate) fn entries_with_prefix(&self, key_prefix: &str) -> Vec<(String, Vec<u8>)> {
        let now = Instant::now();
        let full = self.key(key_prefix);
        let strip = self.prefix.len() + 1;
        let mut found: Vec<(String, Vec<u8>)> = self
            .entries()
            .iter()
            .filter(|(key, entry)| key.starts_with(&full) && entry.live(now))
            .map(|(key, entry)| (key[strip..].to_owned(), entry.value.clone()))
            .collect();
        found.sort();
        found
    }

    pub(crate) fn delete_prefixed(&self, key_prefix: &str) -> u64 {
        let full = self.key(key_prefix);
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|key, _| !key.starts_with(&full));
        u64::try_from(before - entries.len()).unwrap_or(u64::MAX)
    }

    pub(crate) fn increment(&self, key: &str, window: Duration) -> i64 {
        let key = self.key(key);
        increment_in(&mut self.entries(), key, window, Instant::now())
    }

    pub(crate) fn decrement(&self, key: &str) -> i64 {
        let now = Instant::now();
        let mut entries = self.entries();
        match entries.get_mut(&self.key(key)).filter(|e| e.live(now)) {
            Some(entry) => {
                let count = std::str::from_utf8(&entry.value)
                    .ok()
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0)
                    - 1;
                entry.value = count.to_string().into_bytes();
                count
            }
            None => 0,
        }
    }

    pub(crate) fn admit(&self, admission: &crate::Admission<'_>, fresh_stamp: &str) -> crate::Admitted {
        let now = Instant::now();
        let mut entries = self.entries();
        if entries
            .get(&self.key(admission.refused_if_present))
            .is_some_and(|e| e.live(now))
        {
            return crate::Admitted::Refused;
        }
        let count = increment_in(&mut entries, self.key(admission.counter), admission.window, now);
        let stamp = entries
            .entry(self.key(admission.stamp))
            .and_modify(|e| {
                if !e.live(now) {
                    *e = Entry {
                        value: fresh_stamp.as_bytes().to_vec(),
                        expires_at: Some(now + admission.stamp_ttl),
                    };
                }
            })
            .or_insert_with(|| Entry {
                value: fresh_stamp.as_bytes().to_vec(),
                expires_at: Some(now + admission.stamp_ttl),
            });
        let stamp = String::from_utf8_lossy(&stamp.value).into_owned();
        let known = entries
            .get(&self.key(admission.known_if_present))
            .is_some_and(|e| e.live(now));
        crate::Admitted::Counted { count, stamp, known }
    }

    pub(crate) fn reserve_slot(&self, key: &str, not_before: i64, cost: i64, ttl: Duration) -> i64 {
        let now = Instant::now();
        let mut entries = self.entries();
        let key = self.key(key);
        let free_from = entries
            .get(&key)
            .filter(|e| e.live(now))
            .and_then(|e| std::str::from_utf8(&e.value).ok()?.parse::<i64>().ok())
            .unwrap_or(i64::MIN);
        let start = free_from.max(not_before);
        let end = start.saturating_add(cost);
        let lives = Duration::from_micros(u64::try_from(end.saturating_sub(not_before)).unwrap_or(0)) + ttl;
        entries.insert(
            key,
            Entry {
                value: end.to_string().into_bytes(),
                expires_at: Some(now + lives),
            },
        );
        start
    }
}

/// Adds one to the counter `key` (full key), starting a window of `window` if it is new.
fn increment_in(entries: &mut HashMap<String, Entry>, key: String, window: Duration, now: Instant) -> i64 {
    let entry = entries
        .entry(key)
        .and_modify(|e| {
            if !e.live(now) {
                *e = Entry {
                    value: b"0".to_vec(),
                    expires_at: Some(now + window),
                };
            }
        })
        .or_insert_with(|| Entry {
            value: b"0".to_vec(),
            expires_at: Some(now + window),
        });
    let count = std::str::from_utf8(&entry.value)
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        + 1;
    entry.value = count.to_string().into_bytes();
    count
}
