//! One behaviour, two implementations: process memory and Redis.

use std::time::Duration;

use nudge_cache::Cache;
use nudge_config::CacheSettings;

fn cache(url: &str) -> Cache {
    Cache::connect(&CacheSettings {
        url: url.to_owned(),
        prefix: nudge_testkit::unique_name("nudge-test-"),
    })
    .expect("cache")
}

async fn behaves(cache: Cache) {
    cache.ping().await.expect("ping");
    assert_eq!(cache.get("missing").await.expect("get"), None);

    cache.set("k", b"v1", None).await.expect("set");
    assert_eq!(cache.get("k").await.expect("get"), Some(b"v1".to_vec()));
    cache.delete("k").await.expect("delete");
    assert_eq!(cache.get("k").await.expect("get"), None);

    cache
        .set("short", b"v", Some(Duration::from_millis(100)))
        .await
        .expect("set");
    assert!(cache.get("short").await.expect("get").is_some());
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(cache.get("short").await.expect("get"), None, "expired");

    assert!(
        cache
            .set_if_absent("once", b"a", Duration::from_secs(5))
            .await
            .expect("nx")
    );
    assert!(
        !cache
            .set_if_absent("once", b"b", Duration::from_secs(5))
            .await
            .expect("nx")
    );
    assert_eq!(cache.get("once").await.expect("get"), Some(b"a".to_vec()));
    cache.delete("once").await.expect("delete");

    let window = Duration::from_millis(300);
    assert_eq!(cache.increment("count", window).await.expect("incr"), 1);
    assert_eq!(cache.increment("count", window).await.expect("incr"), 2);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        cache.increment("count", window).await.expect("incr"),
        1,
        "a new window starts at one"
    );

    let lock = cache
        .try_lock("lock", Duration::from_secs(5))
        .await
        .expect("lock")
        .expect("free");
    assert!(
        cache
            .try_lock("lock", Duration::from_secs(5))
            .await
            .expect("lock")
            .is_none(),
        "held"
    );
    cache.unlock(lock).await.expect("unlock");
    let again = cache
        .try_lock("lock", Duration::from_millis(100))
        .await
        .expect("lock")
        .expect("free again");
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The first holder's lock expired and someone else took it: releasing the stale one leaves theirs.
    let other = cache
        .try_lock("lock", Duration::from_secs(5))
        .await
        .expect("lock")
        .expect("expired");
    cache.unlock(again).await.expect("stale unlock");
    assert!(
        cache
            .try_lock("lock", Duration::from_secs(5))
            .await
            .expect("lock")
            .is_none(),
        "still held by the other"
    );
    cache.unlock(other).await.expect("unlock");
    cache.delete("count").await.expect("cleanup");
}

#[tokio::test]
async fn memory_cache_behaves() {
    behaves(cache("memory://")).await;
}

#[tokio::test]
#[ignore = "needs Redis"]
async fn redis_cache_behaves() {
    behaves(cache(&nudge_testkit::redis_url())).await;
}

#[tokio::test]
#[ignore = "needs Redis"]
async fn redis_is_shared_between_clients() {
    let url = nudge_testkit::redis_url();
    let settings = CacheSettings {
        url,
        prefix: nudge_testkit::unique_name("nudge-test-"),
    };
    let (a, b) = (
        Cache::connect(&settings).expect("a"),
        Cache::connect(&settings).expect("b"),
    );
    let lock = a
        .try_lock("shared", Duration::from_secs(5))
        .await
        .expect("lock")
        .expect("free");
    assert!(
        b.try_lock("shared", Duration::from_secs(5))
            .await
            .expect("lock")
            .is_none()
    );
    a.unlock(lock).await.expect("unlock");
}

#[tokio::test]
async fn unreachable_redis_fails_the_ping() {
    let cache = cache("redis://127.0.0.1:1/0");
    assert!(cache.ping().await.is_err());
}
