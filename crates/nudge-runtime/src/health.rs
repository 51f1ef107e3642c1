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
    /// The queue stands in for the database when it is away (sms-router's
    /// webhook spool): an unreachable database alone does not make the
    /// service unready.
    queue_covers_db: bool,
    /// Work the service must have finished before it is ready (for
    /// instance provisioning the demo person), each true once done.
    steps: Vec<(&'static str, tokio::sync::watch::Receiver<bool>)>,
}

/// The outcome of one readiness check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    pub checks: Vec<(&'static str, bool)>,
    /// Failed checks the service works around (the database, while the
    /// spool takes what it cannot store): reported, not blocking.
    pub covered: Vec<&'static str>,
    /// Start-up steps not finished yet.
    pub waiting_for: Vec<&'static str>,
}

impl ReadinessReport {
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|(name, ok)| *ok || self.covered.contains(name)) && self.waiting_for.is_empty()
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
        let mut report = serde_json::json!({
            "status": if self.ready() { "ready" } else { "not_ready" },
            "checks": checks,
        });
        if !self.waiting_for.is_empty() {
            report["waiting_for"] = serde_json::json!(self.waiting_for);
        }
        if !self.covered.is_empty() {
            report["degraded"] = serde_json::json!(self.covered);
        }
        report
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

    /// Ready while the database is unreachable as long as the queue answers:
    /// for a service that spools to the queue what it cannot store.
    pub fn with_queue_covering_db(mut self) -> Self {
        self.queue_covers_db = true;
        self
    }

    /// Not ready until `done` holds true: a start-up step named `name`.
    pub fn with_step(mut self, name: &'static str, done: tokio::sync::watch::Receiver<bool>) -> Self {
        self.steps.push((name, done));
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
        let waiting_for = self
            .steps
            .iter()
            .filter(|(_, done)| !*done.borrow())
            .map(|(name, _)| *name)
            .collect();
        let passed = |name| checks.iter().any(|(check, ok)| *check == name && *ok);
        let covered = if self.queue_covers_db && !passed("database") && passed("queue") {
            vec!["database"]
        } else {
            Vec::new()
        };
        ReadinessReport {
            checks,
            covered,
            waiting_for,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_start_up_step_holds_readiness_back_until_it_is_done() {
        let (done, step) = tokio::sync::watch::channel(false);
        let readiness = Readiness::new().with_step("demo_person", step);

        let report = readiness.check().await;
        assert!(!report.ready());
        assert_eq!(report.waiting_for, vec!["demo_person"]);
        assert_eq!(report.to_json()["waiting_for"], serde_json::json!(["demo_person"]));
        assert_eq!(report.to_json()["status"], "not_ready");

        done.send_replace(true);
        let report = readiness.check().await;
        assert!(report.ready(), "{report:?}");
        assert!(report.to_json().get("waiting_for").is_none());
    }

    #[test]
    fn a_database_the_queue_covers_is_reported_without_blocking() {
        let report = |covered: Vec<&'static str>| ReadinessReport {
            checks: vec![("database", false), ("queue", true), ("cache", true)],
            covered,
            waiting_for: Vec::new(),
        };
        assert!(!report(Vec::new()).ready());
        let covered = report(vec!["database"]);
        assert!(covered.ready());
        assert_eq!(covered.to_json()["status"], "ready");
        assert_eq!(covered.to_json()["checks"]["database"], "unreachable");
        assert_eq!(covered.to_json()["degraded"], serde_json::json!(["database"]));
    }
}
