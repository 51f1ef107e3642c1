//! Redis through deadpool-redis.

use std::time::Duration;

use deadpool_redis::redis::{self, AsyncCommands as _};
use deadpool_redis::{Pool, Runtime};

use crate::CacheError;

/// Deletes a key only if it still holds the caller's value (lock release).
const DELETE_IF_EQUALS: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Increments a counter and starts its window when it is new.
const INCREMENT_IN_WINDOW: &str =
    "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";

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

#[derive(Clone)]
pub struct RedisCache {
    pool: Pool,
    prefix: String,
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
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let mut conn = self.pool.get().await?;
        Ok(conn.get(self.key(key)).await?)
    }

    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), CacheError> {
        let mut conn = self.pool.get().await?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(millis(ttl));
        }
        cmd.query_async::<()>(&mut conn).await?;
        Ok(())
    }

    pub(crate) async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        let mut conn = self.pool.get().await?;
        let reply: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut conn)
            .await?;
        Ok(reply.is_some())
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<(), CacheError> {
        let mut conn = self.pool.get().await?;
        conn.del::<_, ()>(self.key(key)).await?;
        Ok(())
    }

    pub(crate) async fn delete_if_equals(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        let mut conn = self.pool.get().await?;
        redis::cmd("EVAL")
            .arg(DELETE_IF_EQUALS)
            .arg(1)
            .arg(self.key(key))
            .arg(value)
            .query_async::<i64>(&mut conn)
            .await?;
        Ok(())
    }

    pub(crate) async fn increment(&self, key: &str, window: Duration) -> Result<i64, CacheError> {
        let mut conn = self.pool.get().await?;
        Ok(redis::cmd("EVAL")
            .arg(INCREMENT_IN_WINDOW)
            .arg(1)
            .arg(self.key(key))
            .arg(millis(window))
            .query_async(&mut conn)
            .await?)
    }

    pub(crate) async fn reserve_slot(
        &self,
        key: &str,
        not_before: i64,
        cost: i64,
        ttl: Duration,
    ) -> Result<i64, CacheError> {
        let mut conn = self.pool.get().await?;
        let start: String = redis::cmd("EVAL")
            .arg(RESERVE_SLOT)
            .arg(1)
            .arg(self.key(key))
            .arg(not_before)
            .arg(cost)
            .arg(millis(ttl))
            .query_async(&mut conn)
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
