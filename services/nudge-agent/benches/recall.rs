//! Recall over 10,000 memories of one person: `cargo bench -p nudge-agent --bench recall`
//! (add `NUDGE_BENCH_POSTGRES=1` to run the PostgreSQL rows too, against the
//! server of `nudge_testkit::TestDatabase::postgres`).
//!
//! Each part prints p50, p95 and max of 100 recalls ("who is my <subject>
//! who likes jazz"), as docs/benchmarks.md reports them, then Criterion
//! measures the same recall. By words: the term index, then the shown
//! memories decrypted. By words and meaning: a provider with an embedding
//! model (the fake, on loopback), every memory with its vector; the first
//! recall (the vectors read and decrypted) is reported apart.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(clippy::expect_used, reason = "a benchmark stops at the first failure")]

use std::time::{Duration, Instant};

use criterion::Criterion;
use nudge_agent::testing::{FAKE_DIMENSIONS, LARGE_DIMENSIONS, Memories, SUBJECTS};
use nudge_testkit::TestDatabase;
use tokio::runtime::Runtime;

fn query(i: usize) -> String {
    format!("who is my {} who likes jazz", SUBJECTS[i % SUBJECTS.len()])
}

/// p50, p95 and max of 100 recalls by words.
async fn recall_percentiles(memories: &Memories) -> (Duration, Duration, Duration) {
    let mut times = Vec::new();
    for i in 0..100 {
        let started = Instant::now();
        let found = memories.search(&query(i), 5).await;
        times.push(started.elapsed());
        assert_eq!(found.len(), 5);
    }
    times.sort();
    (times[50], times[95], times[99])
}

/// Recall by words, its percentiles printed, then measured by Criterion.
fn by_words(criterion: &mut Criterion, runtime: &Runtime, database: &TestDatabase, label: &str) {
    let memories = runtime.block_on(Memories::new(database));
    let (p50, p95, max) = runtime.block_on(recall_percentiles(&memories));
    if label == "SQLite" {
        println!(
            "recall over 10,000 memories of one person (SQLite, term index + decrypt the shown): p50 {p50:?} p95 {p95:?} max {max:?}"
        );
    } else {
        println!(
            "recall over 10,000 memories of one person ({label}, term index + decrypt the shown), \
             right after the bulk insert: p50 {p50:?} p95 {p95:?} max {max:?}"
        );
        runtime.block_on(memories.vacuum());
        let (p50, p95, max) = runtime.block_on(recall_percentiles(&memories));
        println!(
            "recall over 10,000 memories of one person ({label}, term index + decrypt the shown), \
             after VACUUM ANALYZE: p50 {p50:?} p95 {p95:?} max {max:?}"
        );
    }
    let mut i = 0;
    criterion.bench_function(&format!("recall by words over 10,000 memories ({label})"), |bencher| {
        bencher.iter(|| {
            i += 1;
            runtime.block_on(memories.search(&query(i), 5))
        });
    });
}

/// Recall by words and meaning over memories with vectors of `dimensions`:
/// the first recall, then p50, p95 and max of the next 100, printed; then
/// measured by Criterion.
fn by_meaning(criterion: &mut Criterion, runtime: &Runtime, database: &TestDatabase, dimensions: usize, label: &str) {
    let memories = runtime.block_on(Memories::with_vectors(database, dimensions));
    runtime.block_on(memories.vacuum());
    let started = Instant::now();
    let found = runtime.block_on(memories.relevant("who is my cat who likes jazz", 5));
    let first = started.elapsed();
    assert_eq!(found.len(), 5);
    let mut times = Vec::new();
    for i in 0..100 {
        let query = query(i);
        let started = Instant::now();
        let found = runtime.block_on(memories.relevant(&query, 5));
        times.push(started.elapsed());
        assert_eq!(found.len(), 5);
        assert!(found[0].contains(SUBJECTS[i % SUBJECTS.len()]), "{query}: {}", found[0]);
    }
    assert_eq!(memories.embedding_requests(), 101, "each recall embedded its query");
    times.sort();
    println!(
        "recall by words and meaning over 10,000 memories with vectors of {dimensions} ({label}, fake provider on loopback): \
         first (vectors read) {first:?}, then p50 {:?} p95 {:?} max {:?}",
        times[50], times[95], times[99]
    );
    let mut i = 0;
    let name = format!("recall by words and meaning over 10,000 memories with vectors of {dimensions} ({label})");
    criterion.bench_function(&name, |bencher| {
        bencher.iter(|| {
            i += 1;
            runtime.block_on(memories.relevant(&query(i), 5))
        });
    });
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut criterion = Criterion::default().configure_from_args();
    let sqlite = || TestDatabase::sqlite();
    by_words(&mut criterion, &runtime, &sqlite(), "SQLite");
    by_meaning(&mut criterion, &runtime, &sqlite(), FAKE_DIMENSIONS, "SQLite");
    // The same with vectors the size of text-embedding-3-small's.
    by_meaning(&mut criterion, &runtime, &sqlite(), LARGE_DIMENSIONS, "SQLite");
    if std::env::var_os("NUDGE_BENCH_POSTGRES").is_some() {
        let postgres = || runtime.block_on(TestDatabase::postgres());
        by_words(&mut criterion, &runtime, &postgres(), "PostgreSQL");
        by_meaning(
            &mut criterion,
            &runtime,
            &postgres(),
            FAKE_DIMENSIONS,
            "PostgreSQL, vacuumed",
        );
        by_meaning(
            &mut criterion,
            &runtime,
            &postgres(),
            LARGE_DIMENSIONS,
            "PostgreSQL, vacuumed",
        );
    }
    criterion.final_summary();
}
