//! `database.*`, `queue.*`, `cache.*`: the servers (or their in-process
//! stand-ins) that the services share.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_seconds: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "sqlite://.nudge/nudge.db".to_owned(),
            max_connections: 8,
            connect_timeout_seconds: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// `memory://` (in-process) or `amqp://user:pass@host:5672/vhost`.
    pub url: String,
    /// Prefix of every queue and exchange name, so several deployments can share a broker.
    pub prefix: String,
    /// Deliveries of one message before it goes to the dead-letter queue.
    pub max_attempts: u32,
    /// Messages a consumer holds unacknowledged at once.
    pub prefetch: u16,
    /// Delay before a failed message is delivered again (doubled each attempt).
    pub retry_delay_ms: u64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            url: "memory://".to_owned(),
            prefix: "nudge".to_owned(),
            max_attempts: 5,
            prefetch: 16,
            retry_delay_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// `memory://` (in-process) or `redis://host:6379/0`.
    pub url: String,
    /// Prefix of every key.
    pub prefix: String,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            url: "memory://".to_owned(),
            prefix: "nudge".to_owned(),
        }
    }
}
