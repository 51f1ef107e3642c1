use std::time::Duration;

use nudge_cache::Cache;
use nudge_queue::Queue;
use nudge_store::Db;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The dependencies a service needs to do its work. `/readyz` answers 200
/// only when every one of them answers.
#[derive(Clone, Default)]
pub struct Readiness {
    db: Option<Db>,
    queue: Option<Queue>,
    cache: Option<Cache>,
}

/// The outcome of one readiness check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    pub checks: Vec<(&'static str, bool)>,
}

impl ReadinessReport {
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|(_, ok)| *ok)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let checks: serde_json::Map<String, serde_json::Value> = self
            .checks
            .iter()
            .map(|(name, ok)| {
                (
                    (*name).to_owned(),
                    serde_json::Value::from(if *ok { "ok" } else { "unreachable" }),
                )
            })
            .collect();
        serde_json::json!({
            "status": if self.ready() { "ready" } else { "not_ready" },
            "checks": checks,
        })
    }
}

impl Readiness {
    pub fn new() -> Self {
        Readiness::default()
    }

    pub fn with_db(mut self, db: Db) -> Self {
        self.db = Some(db);
        self
    }

    pub fn with_queue(mut self, queue: Queue) -> Self {
        self.queue = Some(queue);
        self
    }

    pub fn with_cache(mut self, cache: Cache) -> Self {
        self.cache = Some(cache);
        self
    }

    pub async fn check(&self) -> ReadinessReport {
        let ok = |result: Result<bool, tokio::time::error::Elapsed>| result.unwrap_or(false);
        let mut checks = Vec::new();
        if let Some(db) = &self.db {
            checks.push((
                "database",
                ok(tokio::time::timeout(CHECK_TIMEOUT, async { db.ping().await.is_ok() }).await),
            ));
        }
        if let Some(queue) = &self.queue {
            checks.push((
                "queue",
                ok(tokio::time::timeout(CHECK_TIMEOUT, async { queue.ping().await.is_ok() }).await),
            ));
        }
        if let Some(cache) = &self.cache {
            checks.push((
                "cache",
                ok(tokio::time::timeout(CHECK_TIMEOUT, async { cache.ping().await.is_ok() }).await),
            ));
        }
        ReadinessReport { checks }
    }
}
