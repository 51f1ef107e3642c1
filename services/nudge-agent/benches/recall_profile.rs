//! Where a recall's time goes, step by step: `cargo bench -p nudge-agent --bench recall_profile`
//! (add `NUDGE_BENCH_POSTGRES=1` for the PostgreSQL profile, with the plans of
//! the index queries). Each step of a recall over 10,000 memories of one
//! person is timed alone, median of 50; the steps are crate-private, so the
//! profiles live in `nudge_agent::testing`.

#![expect(clippy::expect_used, reason = "a benchmark stops at the first failure")]

use nudge_agent::testing::{FAKE_DIMENSIONS, Memories};
use nudge_testkit::TestDatabase;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let database = TestDatabase::sqlite();
        Memories::new(&database).await.where_recall_time_goes("SQLite").await;
        if std::env::var_os("NUDGE_BENCH_POSTGRES").is_some() {
            let database = TestDatabase::postgres().await;
            Memories::new(&database)
                .await
                .where_recall_time_goes("PostgreSQL")
                .await;
        }
        let database = TestDatabase::sqlite();
        Memories::with_vectors(&database, FAKE_DIMENSIONS)
            .await
            .where_meaning_time_goes()
            .await;
    });
}
