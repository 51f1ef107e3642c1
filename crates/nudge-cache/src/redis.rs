//! Redis through deadpool-redis.
//!
//! The api's per-request check (`admit`) goes through one multiplexed
//! connection per thread, opened by that thread (its reader runs on that
//! thread's runtime) and kept: requests share it (Redis answers in order)
//! without the `UNWATCH` + `PING` round trip the pool makes each time it
//! hands a connection out. A connection that fails is dropped, and the next
//! call opens a new one. Every other command uses the pool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::{self, AsyncCommands as _, FromRedisValue};
use deadpool_redis::{Pool, Runtime};

use crate::CacheError;

/// Deletes a key only if it still holds the caller's value (lock release).
const DELETE_IF_EQUALS: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Increments a counter and starts its window when it is new.
const INCREMENT_IN_WINDOW: &str =
    "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";

/// Takes one back from a counter that still exists (see `Cache::decrement`).
const DECREMENT_IF_EXISTS: &str =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) else return 0 end";

/// The checks of an authenticated request (see `Cache::admit`).
/// KEYS[1] refused if present, KEYS[2] counter, KEYS[3] stamp, KEYS[4]
/// known if present; ARGV[1] window (ms), ARGV[2] a fresh stamp, ARGV[3]
/// the stamp's ttl (ms). Answers {-1} when refused, else {count, stamp, known}.
const ADMIT: &str = "if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end \
     local n = redis.call('INCR', KEYS[2]) \
     if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end \
     local stamp = redis.call('GET', KEYS[3]) \
     if not stamp then stamp = ARGV[2] redis.call('SET', KEYS[3], stamp, 'PX', ARGV[3]) end \
     return {n, stamp, redis.call('EXISTS', KEYS[4])}";

/// Reserves the next slot of a schedule (see `Cache::reserve_slot`). The
/// key holds the instant the schedule is free from, in microseconds; Lua
/// numbers are doubles, exact for these values (below 2^53).
/// KEYS[1] schedule; ARGV[1] not before, ARGV[2] cost, ARGV[3] ttl (ms).
const RESERVE_SLOT: &str = "local free = tonumber(redis.call('GET', KEYS[1])) \
     local start = tonumber(ARGV[1]) \
     if free and free > start then start = free end \
     local finish = start + tonumber(ARGV[2]) \
     local lives = math.floor((finish - tonumber(ARGV[1])) / 1000) + tonumber(ARGV[3]) \
     redis.call('SET', KEYS[1], string.format('%d', finish), 'PX', lives) \
     return string.format('%d', start)";

/// Threads with a kept connection at most (actix workers, runtime threads);
/// beyond, commands go through the pool.
const MAX_KEPT: usize = 64;

#[derive(Clone)]
pub struct RedisCache {
    pool: Pool,
    prefix: String,
    client: redis::Client,
    /// The kept connection of each thread (see the module's documentation).
    kept: Arc<Mutex<HashMap<ThreadId, MultiplexedConnection>>>,
}

impl From<redis::RedisError> for CacheError {
    fn from(error: redis::RedisError) -> Self {
        CacheError::Redis(error.to_string())
    }
}

impl From<deadpool_redis::PoolError> for CacheError {
    fn from(error: deadpool_redis::PoolError) -> Self {
        CacheError::Redis(error.to_string())
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisCache {
    pub(crate) fn connect(url: &str, prefix: &str) -> Result<Self, CacheError> {
        let pool = deadpool_redis::Config::from_url(url)
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| CacheError::Redis(e.to_string()))?;
        Ok(RedisCache {
            pool,
            prefix: prefix.to_owned(),
            client: redis::Client::open(url)?,
            kept: Arc::default(),
        })
    }

    fn kept(&self) -> MutexGuard<'_, HashMap<ThreadId, MultiplexedConnection>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// This thread's kept connection, opened if it has none.
    async fn connection(&self) -> Result<MultiplexedConnection, CacheError> {
        let thread = std::thread::current().id();
        if let Some(conn) = self.kept().get(&thread) {
            return Ok(conn.clone());
        }
        let conn = self.client.get_multiplexed_async_connection().await?;
        let mut kept = self.kept();
        if kept.len() < MAX_KEPT {
            kept.insert(thread, conn.clone());
        }
        Ok(conn)
    }

    /// Runs `cmd` on this thread's kept connection; one that failed (not a
    /// refusal by the server) is dropped so that the next command reconnects.
    /// Only the api's hot path (`admit`) uses it: every other command goes
    /// through the pool ([`RedisCache::query`]).
    async fn query_kept<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, CacheError> {
        let thread = std::thread::current().id();
        let mut conn = self.connection().await?;
        match cmd.query_async(&mut conn).await {
            Ok(value) => Ok(value),
            Err(error) => {
                if error.is_io_error()
                    || error.is_connection_dropped()
                    || error.is_unrecoverable_error()
                    || error.is_timeout()
                {
                    // The thread it was kept for, wherever this task runs now.
                    self.kept().remove(&thread);
                }
                Err(error.into())
            }
        }
    }

    /// Runs `cmd` on a connection from the pool.
    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, CacheError> {
        let mut conn = self.pool.get().await?;
        Ok(cmd.query_async(&mut conn).await?)
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        self.query(redis::cmd("GET").arg(self.key(key))).await
    }

    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(millis(ttl));
        }
        self.query::<()>(&cmd).await
    }

    pub(crate) async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        let reply: Option<String> = self
            .query(
                redis::cmd("SET")
                    .arg(self.key(key))
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(reply.is_some())
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.query::<()>(redis::cmd("DEL").arg(self.key(key))).await
    }

    pub(crate) async fn delete_if_equals(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        self.query::<i64>(
            redis::cmd("EVAL")
                .arg(DELETE_IF_EQUALS)
                .arg(1)
                .arg(self.key(key))
                .arg(value),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn increment(&self, key: &str, window: Duration) -> Result<i64, CacheError> {
        self.query(
            redis::cmd("EVAL")
                .arg(INCREMENT_IN_WINDOW)
                .arg(1)
                .arg(self.key(key))
                .arg(millis(window)),
        )
        .await
    }

    pub(crate) async fn decrement(&self, key: &str) -> Result<i64, CacheError> {
        self.query(redis::cmd("EVAL").arg(DECREMENT_IF_EXISTS).arg(1).arg(self.key(key)))
            .await
    }

    pub(crate) async fn admit(
        &self,
        admission: &crate::Admission<'_>,
        fresh_stamp: &str,
    ) -> Result<crate::Admitted, CacheError> {
        let reply: Vec<redis::Value> = self
            .query_kept(
                redis::cmd("EVAL")
                    .arg(ADMIT)
                    .arg(4)
                    .arg(self.key(admission.refused_if_present))
                    .arg(self.key(admission.counter))
                    .arg(self.key(admission.stamp))
                    .arg(self.key(admission.known_if_present))
                    .arg(millis(admission.window))
                    .arg(fresh_stamp)
                    .arg(millis(admission.stamp_ttl)),
            )
            .await?;
        match reply.as_slice() {
            [redis::Value::Int(-1)] => Ok(crate::Admitted::Refused),
            [redis::Value::Int(count), stamp, redis::Value::Int(known)] => Ok(crate::Admitted::Counted {
                count: *count,
                stamp: redis::from_redis_value_ref(stamp).map_err(|e| CacheError::Redis(e.to_string()))?,
                known: *known == 1,
            }),
            _ => Err(CacheError::Redis(format!("admit answered {} values", reply.len()))),
        }
    }

    pub(crate) async fn reserve_slot(
        &self,
        key: &str,
        not_before: i64,
        cost: i64,
        ttl: Duration,
    ) -> Result<i64, CacheError> {
        let start: String = self
            .query(
                redis::cmd("EVAL")
                    .arg(RESERVE_SLOT)
                    .arg(1)
                    .arg(self.key(key))
                    .arg(not_before)
                    .arg(cost)
                    .arg(millis(ttl)),
            )
            .await?;
        start
            .parse()
            .map_err(|_| CacheError::Redis(format!("reserve_slot returned {start:?}")))
    }

    /// The full keys (with the cache's prefix) starting with `key_prefix`.
    async fn scan(&self, key_prefix: &str) -> Result<Vec<String>, CacheError> {
        let mut conn = self.pool.get().await?;
        let pattern = format!("{}*", glob_escape(&self.key(key_prefix)));
        let mut cursor: u64 = 0;
        let mut keys = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    pub(crate) async fn entries(&self, key_prefix: &str) -> Result<Vec<(String, Vec<u8>)>, CacheError> {
        let keys = self.scan(key_prefix).await?;
        let mut conn = self.pool.get().await?;
        let strip = self.prefix.len() + 1;
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            // Every value Nudge writes is a string; one that expired since the scan is skipped.
            let value: Option<Vec<u8>> = conn.get(&key).await?;
            if let Some(value) = value {
                found.push((key[strip..].to_owned(), value));
            }
        }
        Ok(found)
    }

    pub(crate) async fn delete_prefixed(&self, key_prefix: &str) -> Result<u64, CacheError> {
        let keys = self.scan(key_prefix).await?;
        if keys.is_empty() {
            return Ok(0);
        }
        let mut conn = self.pool.get().await?;
        let mut deleted = 0;
        for chunk in keys.chunks(500) {
            deleted += conn.del::<_, u64>(chunk).await?;
        }
        Ok(deleted)
    }

    /// Through the pool: a new connection is checked, not a kept one.
    pub(crate) async fn ping(&self) -> Result<(), CacheError> {
        let mut conn = self.pool.get().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await?;
        Ok(())
    }
}

/// Escapes the glob characters of a Redis `MATCH` pattern.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
