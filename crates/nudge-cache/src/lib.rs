//! Cache, counters and locks: Redis in distributed mode (shared by every
//! replica), a map in process memory in embedded mode.
//!
//! Keys are prefixed with `cache.prefix`. Values are bytes; callers never
//! store a phone number, a message body or a token in clear.

mod memory;
mod redis;

use std::time::Duration;

use nudge_config::CacheSettings;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache.url is not a memory:// or redis:// URL")]
    UnsupportedUrl,
    #[error("cannot reach Redis: {0}")]
    Redis(String),
}

/// A stamp never given before, by any process: a random prefix drawn once
/// per process, then a counter (cheaper than a random draw per request).
fn new_stamp() -> String {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string());
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}{n:x}")
}

/// A held lock. Release it with [`Cache::unlock`]; if its holder dies, it
/// expires after the TTL it was taken with.
#[derive(Debug)]
#[must_use = "a lock must be released with Cache::unlock"]
pub struct Lock {
    key: String,
    token: String,
}

/// What an authenticated request checks in the cache, all at once (one
/// round trip with Redis): see [`Cache::admit`].
#[derive(Debug, Clone, Copy)]
pub struct Admission<'a> {
    /// The request is refused if this key holds anything (a revocation entry).
    pub refused_if_present: &'a str,
    /// Otherwise one is added to this counter; a new counter expires after `window`.
    pub counter: &'a str,
    pub window: Duration,
    /// A stamp that changes whenever what it stamps changes (see
    /// [`Cache::restamp`]); created, random, if it holds nothing, and then
    /// kept for `stamp_ttl`.
    pub stamp: &'a str,
    pub stamp_ttl: Duration,
    /// A key whose presence is reported back ([`Admitted::Counted::known`]):
    /// what the caller confirmed from its durable store earlier (a session
    /// known to be live), so that a cache that lost its entries (a restart)
    /// is filled again from that store rather than trusted when empty.
    pub known_if_present: &'a str,
}

/// The answer to [`Cache::admit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// `refused_if_present` holds something; nothing was counted.
    Refused,
    /// The counter's new value, the stamp's current value, and whether
    /// `known_if_present` holds something.
    Counted { count: i64, stamp: String, known: bool },
}

#[derive(Clone)]
pub enum Cache {
    Memory(memory::MemoryCache),
    Redis(redis::RedisCache),
}

impl Cache {
    pub fn connect(settings: &CacheSettings) -> Result<Cache, CacheError> {
        if settings.url.starts_with("memory://") {
            Ok(Cache::Memory(memory::MemoryCache::new(&settings.prefix)))
        } else if settings.url.starts_with("redis://") || settings.url.starts_with("rediss://") {
            Ok(Cache::Redis(redis::RedisCache::connect(
                &settings.url,
                &settings.prefix,
            )?))
        } else {
            Err(CacheError::UnsupportedUrl)
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        match self {
            Cache::Memory(cache) => Ok(cache.get(key)),
            Cache::Redis(cache) => cache.get(key).await,
        }
    }

    pub async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), CacheError> {
        match self {
            Cache::Memory(cache) => {
                cache.set(key, value, ttl);
                Ok(())
            }
            Cache::Redis(cache) => cache.set(key, value, ttl).await,
        }
    }

    /// Sets `key` only if it holds nothing; returns whether it was set.
    pub async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        match self {
            Cache::Memory(cache) => Ok(cache.set_if_absent(key, value, ttl)),
            Cache::Redis(cache) => cache.set_if_absent(key, value, ttl).await,
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), CacheError> {
        match self {
            Cache::Memory(cache) => {
                cache.delete(key);
                Ok(())
            }
            Cache::Redis(cache) => cache.delete(key).await,
        }
    }

    /// Adds one to the counter `key` and returns the new value. A new counter
    /// expires after `window` (fixed-window rate limits).
    pub async fn increment(&self, key: &str, window: Duration) -> Result<i64, CacheError> {
        match self {
            Cache::Memory(cache) => Ok(cache.increment(key, window)),
            Cache::Redis(cache) => cache.increment(key, window).await,
        }
    }

    /// Takes one back from the counter `key` (an attempt reserved with
    /// [`Cache::increment`] that turned out not to count); a counter that
    /// expired meanwhile stays gone. Returns the new value (0 if none).
    pub async fn decrement(&self, key: &str) -> Result<i64, CacheError> {
        match self {
            Cache::Memory(cache) => Ok(cache.decrement(key)),
            Cache::Redis(cache) => cache.decrement(key).await,
        }
    }

    /// The checks of an authenticated request in one step, atomically: unless
    /// `refused_if_present` holds something, adds one to `counter` (fixed
    /// window) and reads `stamp`, creating it if absent. With Redis this is
    /// one round trip (a script) instead of three.
    pub async fn admit(&self, admission: &Admission<'_>) -> Result<Admitted, CacheError> {
        let fresh_stamp = new_stamp();
        match self {
            Cache::Memory(cache) => Ok(cache.admit(admission, &fresh_stamp)),
            Cache::Redis(cache) => cache.admit(admission, &fresh_stamp).await,
        }
    }

    /// Gives `key` a new random stamp (kept for `ttl`): whoever remembered
    /// something under the old stamp knows it is out of date.
    pub async fn restamp(&self, key: &str, ttl: Duration) -> Result<(), CacheError> {
        self.set(key, new_stamp().as_bytes(), Some(ttl)).await
    }

    /// Reserves the next free slot of the schedule `key`, atomically for
    /// every client of the cache (every replica with Redis).
    ///
    /// The schedule holds one instant, "free from". The slot starts at the
    /// later of that instant and `not_before`, lasts `cost`, and the schedule
    /// moves to the slot's end. Returns the slot's start. Instants are
    /// microseconds since the Unix epoch; a `cost` of zero only moves the
    /// schedule forward to `not_before` (it never moves back). The schedule
    /// is forgotten `ttl` after its end.
    ///
    /// Paces work shared by replicas: with `cost` = 1 s per item, slots are
    /// one second apart however many callers ask at once.
    pub async fn reserve_slot(
        &self,
        key: &str,
        not_before_micros: i64,
        cost_micros: i64,
        ttl: Duration,
    ) -> Result<i64, CacheError> {
        let cost = cost_micros.max(0);
        match self {
            Cache::Memory(cache) => Ok(cache.reserve_slot(key, not_before_micros, cost, ttl)),
            Cache::Redis(cache) => cache.reserve_slot(key, not_before_micros, cost, ttl).await,
        }
    }

    /// Takes the lock `key` if nobody holds it.
    pub async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<Lock>, CacheError> {
        let token = uuid::Uuid::new_v4().to_string();
        if self.set_if_absent(key, token.as_bytes(), ttl).await? {
            Ok(Some(Lock {
                key: key.to_owned(),
                token,
            }))
        } else {
            Ok(None)
        }
    }

    /// Releases a lock, unless it expired and someone else took it since.
    pub async fn unlock(&self, lock: Lock) -> Result<(), CacheError> {
        match self {
            Cache::Memory(cache) => {
                cache.delete_if_equals(&lock.key, lock.token.as_bytes());
                Ok(())
            }
            Cache::Redis(cache) => cache.delete_if_equals(&lock.key, lock.token.as_bytes()).await,
        }
    }

    /// Every live entry whose key starts with `key_prefix` (keys without the
    /// cache's own prefix), for erasure and the tests' erasure scan. Redis:
    /// `SCAN`, so it does not block the server; a key written meanwhile may
    /// or may not be seen.
    pub async fn entries(&self, key_prefix: &str) -> Result<Vec<(String, Vec<u8>)>, CacheError> {
        match self {
            Cache::Memory(cache) => Ok(cache.entries_with_prefix(key_prefix)),
            Cache::Redis(cache) => cache.entries(key_prefix).await,
        }
    }

    /// Deletes every entry whose key starts with `key_prefix`; returns how many.
    pub async fn delete_prefixed(&self, key_prefix: &str) -> Result<u64, CacheError> {
        match self {
            Cache::Memory(cache) => Ok(cache.delete_prefixed(key_prefix)),
            Cache::Redis(cache) => cache.delete_prefixed(key_prefix).await,
        }
    }

    /// Succeeds when the cache is reachable.
    pub async fn ping(&self) -> Result<(), CacheError> {
        match self {
            Cache::Memory(_) => Ok(()),
            Cache::Redis(cache) => cache.ping().await,
        }
    }
}
