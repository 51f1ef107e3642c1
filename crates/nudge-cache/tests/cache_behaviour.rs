//! One behaviour, two implementations: process memory and Redis.

use std::time::Duration;

use nudge_cache::{Admitted, Cache};
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

/// The pacing schedule: slots follow each other, a caller never gets a slot
/// before `not_before`, a zero cost only moves the schedule forward, and
/// concurrent callers never share a slot.
async fn reserves_slots(cache: Cache) {
    let ttl = Duration::from_secs(5);
    let second = 1_000_000;
    let t0 = 1_800_000_000_000_000_i64; // 2027, in microseconds
    assert_eq!(cache.reserve_slot("pace", t0, second, ttl).await.expect("reserve"), t0);
    assert_eq!(
        cache.reserve_slot("pace", t0, 2 * second, ttl).await.expect("reserve"),
        t0 + second,
        "the next slot starts where the first ends"
    );
    assert_eq!(
        cache
            .reserve_slot("pace", t0 + 10 * second, second, ttl)
            .await
            .expect("reserve"),
        t0 + 10 * second,
        "an idle schedule starts at not_before"
    );
    // Cost zero: moves the schedule to not_before, never back.
    assert_eq!(
        cache
            .reserve_slot("pace", t0 + 20 * second, 0, ttl)
            .await
            .expect("raise"),
        t0 + 20 * second
    );
    assert_eq!(
        cache.reserve_slot("pace", t0, 0, ttl).await.expect("raise"),
        t0 + 20 * second
    );
    assert_eq!(
        cache.reserve_slot("pace", t0, second, ttl).await.expect("reserve"),
        t0 + 20 * second
    );
    // Other keys are other schedules.
    assert_eq!(cache.reserve_slot("other", t0, second, ttl).await.expect("reserve"), t0);

    // Many callers at once: every slot distinct and back to back.
    let calls = (0..50).map(|_| {
        let cache = cache.clone();
        async move { cache.reserve_slot("busy", t0, second, ttl).await.expect("reserve") }
    });
    let mut starts = futures_join_all(calls).await;
    starts.sort_unstable();
    let expected: Vec<i64> = (0..50).map(|i| t0 + i * second).collect();
    assert_eq!(starts, expected);

    // The schedule expires `ttl` after its end.
    let now = 1_800_000_100_000_000_i64;
    cache
        .reserve_slot("short", now, 100_000, Duration::from_millis(100))
        .await
        .expect("reserve");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        cache.reserve_slot("short", now, 100_000, ttl).await.expect("reserve"),
        now,
        "forgotten after its end plus ttl"
    );
    for key in ["pace", "other", "busy", "short"] {
        cache.delete(key).await.expect("cleanup");
    }
}

async fn futures_join_all<F: std::future::Future<Output = i64> + Send + 'static>(
    calls: impl Iterator<Item = F>,
) -> Vec<i64> {
    let tasks: Vec<_> = calls.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("join"));
    }
    out
}

#[tokio::test]
async fn memory_cache_behaves() {
    behaves(cache("memory://")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_cache_reserves_slots() {
    reserves_slots(cache("memory://")).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Redis"]
async fn redis_cache_reserves_slots() {
    reserves_slots(cache(&nudge_testkit::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Redis"]
async fn redis_slots_are_shared_between_clients() {
    let settings = CacheSettings {
        url: nudge_testkit::redis_url(),
        prefix: nudge_testkit::unique_name("nudge-test-"),
    };
    let (a, b) = (
        Cache::connect(&settings).expect("a"),
        Cache::connect(&settings).expect("b"),
    );
    let t0 = 1_800_000_000_000_000_i64;
    let ttl = Duration::from_secs(5);
    assert_eq!(a.reserve_slot("shared", t0, 500_000, ttl).await.expect("a"), t0);
    assert_eq!(
        b.reserve_slot("shared", t0, 500_000, ttl).await.expect("b"),
        t0 + 500_000
    );
    assert_eq!(
        a.reserve_slot("shared", t0, 500_000, ttl).await.expect("a"),
        t0 + 1_000_000
    );
    a.delete("shared").await.expect("cleanup");
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

/// `entries` and `delete_prefixed` see exactly the keys under a prefix (GDPR
/// erasure and its scan), glob characters included, nothing of another prefix.
async fn finds_and_deletes_by_prefix(cache: Cache) {
    let ttl = Some(Duration::from_secs(60));
    cache.set("person:a*1:x", b"one", ttl).await.expect("set");
    cache.set("person:a*1:y", b"two", ttl).await.expect("set");
    cache.set("person:a21:x", b"other", ttl).await.expect("set");
    cache.set("person:b:x", b"other", ttl).await.expect("set");
    let found = cache.entries("person:a*1:").await.expect("entries");
    assert_eq!(
        found,
        vec![
            ("person:a*1:x".to_owned(), b"one".to_vec()),
            ("person:a*1:y".to_owned(), b"two".to_vec())
        ]
    );
    assert_eq!(cache.entries("").await.expect("entries").len(), 4);
    assert_eq!(cache.delete_prefixed("person:a*1:").await.expect("delete"), 2);
    assert_eq!(cache.delete_prefixed("person:a*1:").await.expect("delete"), 0);
    let left: Vec<String> = cache
        .entries("")
        .await
        .expect("entries")
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&"person:a21:x".to_owned()) && left.contains(&"person:b:x".to_owned()));
}

#[tokio::test]
async fn memory_cache_finds_and_deletes_by_prefix() {
    finds_and_deletes_by_prefix(cache("memory://")).await;
}

#[tokio::test]
#[ignore = "needs Redis"]
async fn redis_cache_finds_and_deletes_by_prefix() {
    finds_and_deletes_by_prefix(cache(&nudge_testkit::redis_url())).await;
}

/// `admit`: refused (and nothing counted) while the refusal key holds
/// something; otherwise counts in a fixed window and answers the stamp,
/// created once and then stable until `restamp` gives a new one.
async fn admits(cache: Cache) {
    let admission = nudge_cache::Admission {
        refused_if_present: "revoked:s1",
        counter: "rate:u1",
        window: Duration::from_secs(60),
        stamp: "stamp:u1",
        stamp_ttl: Duration::from_secs(60),
        known_if_present: "live:s1",
    };
    let stamp_of = |admitted: Admitted, expected_count: i64| match admitted {
        Admitted::Counted {
            count,
            stamp,
            known: false,
        } => {
            assert_eq!(count, expected_count);
            assert!(!stamp.is_empty());
            stamp
        }
        Admitted::Counted { known: true, .. } => panic!("known before it was set"),
        Admitted::Refused => panic!("refused"),
    };
    let first = stamp_of(cache.admit(&admission).await.expect("admit"), 1);
    let second = stamp_of(cache.admit(&admission).await.expect("admit"), 2);
    assert_eq!(first, second, "the stamp stays while nothing changes");
    assert_eq!(
        cache.get("stamp:u1").await.expect("get"),
        Some(first.clone().into_bytes())
    );

    cache
        .restamp("stamp:u1", Duration::from_secs(60))
        .await
        .expect("restamp");
    let third = stamp_of(cache.admit(&admission).await.expect("admit"), 3);
    assert_ne!(third, first, "a change gives a new stamp");

    cache.delete("stamp:u1").await.expect("delete");
    let fourth = stamp_of(cache.admit(&admission).await.expect("admit"), 4);
    assert!(
        fourth != first && fourth != third,
        "a lost stamp comes back as a new one"
    );

    cache.set("revoked:s1", b"1", None).await.expect("revoke");
    assert_eq!(cache.admit(&admission).await.expect("admit"), Admitted::Refused);
    assert_eq!(
        cache.get("rate:u1").await.expect("get"),
        Some(b"4".to_vec()),
        "a refused request is not counted"
    );

    let short = nudge_cache::Admission {
        refused_if_present: "revoked:s2",
        counter: "rate:u2",
        window: Duration::from_millis(300),
        stamp: "stamp:u2",
        stamp_ttl: Duration::from_millis(300),
        known_if_present: "live:s2",
    };
    let before = stamp_of(cache.admit(&short).await.expect("admit"), 1);
    tokio::time::sleep(Duration::from_millis(450)).await;
    let after = stamp_of(cache.admit(&short).await.expect("admit"), 1);
    assert_ne!(before, after, "an expired stamp comes back as a new one");
    for key in ["revoked:s1", "rate:u1", "stamp:u1", "rate:u2", "stamp:u2"] {
        cache.delete(key).await.expect("cleanup");
    }
}

#[tokio::test]
async fn memory_cache_admits() {
    admits(cache("memory://")).await;
}

#[tokio::test]
#[ignore = "needs Redis"]
async fn redis_cache_admits() {
    admits(cache(&nudge_testkit::redis_url())).await;
}

/// Two replicas: a revocation or a new stamp written by one is seen by the
/// other's next `admit`, and they count in the same window.
#[tokio::test]
#[ignore = "needs Redis"]
async fn redis_admission_is_shared_between_clients() {
    let settings = CacheSettings {
        url: nudge_testkit::redis_url(),
        prefix: nudge_testkit::unique_name("nudge-test-"),
    };
    let (a, b) = (
        Cache::connect(&settings).expect("a"),
        Cache::connect(&settings).expect("b"),
    );
    let admission = nudge_cache::Admission {
        refused_if_present: "revoked:s",
        counter: "rate:u",
        window: Duration::from_secs(60),
        stamp: "stamp:u",
        stamp_ttl: Duration::from_secs(60),
        known_if_present: "live:s",
    };
    let Admitted::Counted {
        count: 1, stamp: on_a, ..
    } = a.admit(&admission).await.expect("a")
    else {
        panic!("a: not the first count");
    };
    let Admitted::Counted {
        count: 2, stamp: on_b, ..
    } = b.admit(&admission).await.expect("b")
    else {
        panic!("b: not the second count");
    };
    assert_eq!(on_a, on_b, "one stamp for every replica");
    b.restamp("stamp:u", Duration::from_secs(60)).await.expect("restamp");
    let Admitted::Counted {
        count: 3,
        stamp: changed,
        ..
    } = a.admit(&admission).await.expect("a")
    else {
        panic!("a: not the third count");
    };
    assert_ne!(changed, on_a, "a sees b's change at once");
    b.set("revoked:s", b"1", None).await.expect("revoke");
    assert_eq!(a.admit(&admission).await.expect("a"), Admitted::Refused);
    for key in ["revoked:s", "rate:u", "stamp:u"] {
        a.delete(key).await.expect("cleanup");
    }
}

/// `known_if_present` is reported back, and only while it holds something;
/// `decrement` takes back one attempt and never revives an expired counter.
async fn reports_known_and_decrements(cache: Cache) {
    let admission = nudge_cache::Admission {
        refused_if_present: "revoked:k",
        counter: "rate:k",
        window: Duration::from_secs(60),
        stamp: "stamp:k",
        stamp_ttl: Duration::from_secs(60),
        known_if_present: "live:k",
    };
    let known = |admitted: Admitted| match admitted {
        Admitted::Counted { known, .. } => known,
        Admitted::Refused => panic!("refused"),
    };
    assert!(!known(cache.admit(&admission).await.expect("admit")));
    cache.set("live:k", b"1", None).await.expect("set");
    assert!(known(cache.admit(&admission).await.expect("admit")));
    cache.set("revoked:k", b"1", None).await.expect("revoke");
    assert_eq!(
        cache.admit(&admission).await.expect("admit"),
        Admitted::Refused,
        "a revocation wins over a live mark"
    );

    assert_eq!(
        cache.increment("attempts", Duration::from_secs(60)).await.expect("inc"),
        1
    );
    assert_eq!(
        cache.increment("attempts", Duration::from_secs(60)).await.expect("inc"),
        2
    );
    assert_eq!(cache.decrement("attempts").await.expect("dec"), 1);
    assert_eq!(
        cache.increment("attempts", Duration::from_secs(60)).await.expect("inc"),
        2
    );
    assert_eq!(cache.decrement("never").await.expect("dec"), 0);
    assert_eq!(cache.get("never").await.expect("get"), None, "not created");
    for key in ["revoked:k", "rate:k", "stamp:k", "live:k", "attempts"] {
        cache.delete(key).await.expect("cleanup");
    }
}

#[tokio::test]
async fn memory_cache_reports_known_and_decrements() {
    reports_known_and_decrements(cache("memory://")).await;
}

#[tokio::test]
#[ignore = "needs Redis"]
async fn redis_cache_reports_known_and_decrements() {
    reports_known_and_decrements(cache(&nudge_testkit::redis_url())).await;
}
