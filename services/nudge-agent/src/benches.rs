//! Benchmarks of the local engine and of recall (ignored; run in release):
//! `cargo test -p nudge-agent --release --lib benches -- --ignored --nocapture --test-threads 1`.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
use std::time::{Duration, Instant};

use chrono::TimeZone as _;
use nudge_core::Language;
use nudge_store::diesel;

use crate::engine::{Context, understand};

/// Times `$body` 50 times and prints the median, labelled `$what`.
macro_rules! time {
    ($what:expr, $body:expr) => {{
        let mut times = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            std::hint::black_box($body);
            times.push(started.elapsed());
        }
        times.sort();
        println!("  {:<60} median {:?}", $what, times[25]);
    }};
}

const MESSAGES: &[&str] = &[
    "remind me in 20 minutes to stretch",
    "rappelle-moi demain à 8h de prendre mes médicaments",
    "done",
    "c'est fait",
    "snooze 20",
    "plus tard",
    "list",
    "mes rappels",
    "cancel 2",
    "add buy milk",
    "ajoute appeler le garage demain à 10h",
    "tasks",
    "done 1",
    "remember my sister is Léa",
    "what do you know about me?",
    "qu'est-ce que tu sais sur moi",
    "forget my sister",
    "timezone Europe/Paris",
    "every weekday at 9am stand-up",
    "blue elephants dance",
];

#[test]
#[ignore = "benchmark: run in release with --nocapture"]
fn local_engine_throughput_on_one_core() {
    let now = chrono_tz::Europe::Paris
        .with_ymd_and_hms(2026, 3, 4, 10, 0, 0)
        .single()
        .expect("valid");
    let context = Context {
        now,
        language: Language::En,
        last_listing: None,
    };
    let mut read = 0usize;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        for message in MESSAGES {
            std::hint::black_box(understand(std::hint::black_box(message), &context));
            read += 1;
        }
    }
    let rate = read as f64 / started.elapsed().as_secs_f64();
    println!("local engine: {rate:.0} messages per second on one thread ({read} messages)");
}

/// Subjects of the benchmark's memories (an eighth of them each).
const SUBJECTS: [&str; 8] = [
    "sister",
    "brother",
    "dentist",
    "doctor",
    "friend",
    "boss",
    "cat",
    "neighbour",
];

const USER: &str = "0190a000-0000-7000-8000-000000000001";

/// A core over `database` holding 10,000 memories of [`USER`]: each names a
/// subject (1 in 8), a liking (1 in 5: "jazz" is one) and a town (1 in 97),
/// and all hold "likes".
async fn ten_thousand_memories(database: &nudge_testkit::TestDatabase) -> crate::Core {
    ten_thousand_memories_with(database, nudge_config::Settings::default(), None).await
}

/// 10,000 memories of [`USER`]; with `embedding` (a model and a size), each
/// with its vector (the fake provider's vector of its text, stored as
/// `keep_fact` does).
async fn ten_thousand_memories_with(
    database: &nudge_testkit::TestDatabase,
    mut settings: nudge_config::Settings,
    embedding: Option<(&str, usize)>,
) -> crate::Core {
    settings.database.url = database.url.clone();
    let db = nudge_store::Db::connect(&settings.database).expect("db");
    db.migrate().await.expect("migrate");
    let keys =
        nudge_secure::KeyRing::new("k1", [("k1".to_owned(), nudge_secure::KeyRing::generate_key())]).expect("keys");
    let core = crate::Core::for_tests(&db, keys.clone(), &settings);
    let mut conn = db.conn().await.expect("conn");
    for i in 0..10_000 {
        let fact = format!(
            "my {} number {i} likes {} and lives in town {}",
            SUBJECTS[i % SUBJECTS.len()],
            ["tea", "coffee", "chess", "running", "jazz"][i % 5],
            i % 97
        );
        let body = keys.encrypt_str(&fact, crate::memory::MEMORY_BODY);
        let terms = crate::memory::term_hashes(&keys, USER, &fact);
        let memory = crate::memory::NewMemory {
            body: &body,
            terms: &terms,
            terms_key: keys.active_key_id().as_str(),
        };
        let id = crate::memory::insert(&mut conn, USER, memory, &format!("bench:{i}"), None, nudge_store::now())
            .await
            .expect("insert");
        if let Some((model, dimensions)) = embedding {
            let vector = nudge_fake_openai::embedding(&fact, dimensions);
            let sealed = keys.encrypt(&crate::semantic::to_bytes(&vector), crate::semantic::MEMORY_EMBEDDING);
            crate::semantic::save(&mut conn, USER, &id, model, &sealed, nudge_store::now())
                .await
                .expect("vector");
        }
    }
    core
}

/// p50, p95 and max of 100 recalls ("who is my <subject> who likes jazz").
async fn recall_percentiles(core: &crate::Core) -> (Duration, Duration, Duration) {
    let mut times = Vec::new();
    for i in 0..100 {
        let query = format!("who is my {} who likes jazz", SUBJECTS[i % SUBJECTS.len()]);
        let started = Instant::now();
        let found = core.search_memories(USER, &query, 5).await.expect("recall");
        times.push(started.elapsed());
        assert_eq!(found.len(), 5);
    }
    times.sort();
    (times[50], times[95], times[99])
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn recall_over_ten_thousand_memories() {
    let database = nudge_testkit::TestDatabase::sqlite();
    let core = ten_thousand_memories(&database).await;
    let (p50, p95, max) = recall_percentiles(&core).await;
    println!(
        "recall over 10,000 memories of one person (SQLite, term index + decrypt the shown): p50 {p50:?} p95 {p95:?} max {max:?}"
    );
}

/// Recall by words and meaning (a provider with an `embedding_model`: the
/// fake, on loopback) over the same 10,000 memories, each with its vector of
/// `dimensions`: the first recall (the vectors read and decrypted), then
/// p50, p95 and max of the next 100 ("who is my <subject> who likes jazz").
async fn recall_by_meaning(database: nudge_testkit::TestDatabase, dimensions: usize, label: &str) {
    let fake = nudge_fake_openai::FakeOpenAi::start(Vec::new(), None)
        .await
        .expect("fake provider");
    fake.set_embedding_dimensions(dimensions);
    let core = ten_thousand_memories_with(
        &database,
        crate::semantic::fake_embedding_settings(&fake),
        Some(("text-embedding-3-small", dimensions)),
    )
    .await;
    vacuum(&core).await;
    let started = Instant::now();
    let found = core
        .relevant_memories(USER, "who is my cat who likes jazz", 5)
        .await
        .expect("recall");
    let first = started.elapsed();
    assert_eq!(found.len(), 5);
    let mut times = Vec::new();
    for i in 0..100 {
        let query = format!("who is my {} who likes jazz", SUBJECTS[i % SUBJECTS.len()]);
        let started = Instant::now();
        let found = core.relevant_memories(USER, &query, 5).await.expect("recall");
        times.push(started.elapsed());
        assert_eq!(found.len(), 5);
        assert!(
            found[0].text.contains(SUBJECTS[i % SUBJECTS.len()]),
            "{query}: {}",
            found[0].text
        );
    }
    assert_eq!(fake.embedding_requests().len(), 101, "each recall embedded its query");
    times.sort();
    println!(
        "recall by words and meaning over 10,000 memories with vectors of {dimensions} ({label}, fake provider on loopback): \
         first (vectors read) {first:?}, then p50 {:?} p95 {:?} max {:?}",
        times[50], times[95], times[99]
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn recall_by_meaning_over_ten_thousand_memories() {
    recall_by_meaning(nudge_testkit::TestDatabase::sqlite(), FAKE_DIMENSIONS, "SQLite").await;
}

/// The same with vectors the size of `text-embedding-3-small`'s.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn recall_by_meaning_over_ten_thousand_memories_with_large_vectors() {
    recall_by_meaning(nudge_testkit::TestDatabase::sqlite(), LARGE_DIMENSIONS, "SQLite").await;
}

/// The fake provider's own vector size, and a real model's.
const FAKE_DIMENSIONS: usize = nudge_fake_openai::EMBEDDING_DIMENSIONS;
const LARGE_DIMENSIONS: usize = 1_536;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: needs PostgreSQL, run in release with --nocapture"]
async fn recall_by_meaning_over_ten_thousand_memories_on_postgres() {
    recall_by_meaning(
        nudge_testkit::TestDatabase::postgres().await,
        FAKE_DIMENSIONS,
        "PostgreSQL, vacuumed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: needs PostgreSQL, run in release with --nocapture"]
async fn recall_by_meaning_over_ten_thousand_memories_with_large_vectors_on_postgres() {
    recall_by_meaning(
        nudge_testkit::TestDatabase::postgres().await,
        LARGE_DIMENSIONS,
        "PostgreSQL, vacuumed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: needs PostgreSQL, run in release with --nocapture"]
async fn recall_over_ten_thousand_memories_on_postgres() {
    let database = nudge_testkit::TestDatabase::postgres().await;
    let core = ten_thousand_memories(&database).await;
    let (p50, p95, max) = recall_percentiles(&core).await;
    println!(
        "recall over 10,000 memories of one person (PostgreSQL, term index + decrypt the shown), \
         right after the bulk insert: p50 {p50:?} p95 {p95:?} max {max:?}"
    );
    vacuum(&core).await;
    let (p50, p95, max) = recall_percentiles(&core).await;
    println!(
        "recall over 10,000 memories of one person (PostgreSQL, term index + decrypt the shown), \
         after VACUUM ANALYZE: p50 {p50:?} p95 {p95:?} max {max:?}"
    );
}

/// What autovacuum does soon after a bulk insert (PostgreSQL >= 13 vacuums on
/// inserts): planner statistics, and the visibility map that lets index-only
/// scans skip the table.
async fn vacuum(core: &crate::Core) {
    use nudge_store::diesel_async::RunQueryDsl as _;

    let mut conn = core.db.conn().await.expect("conn");
    let nudge_store::DbConn::Postgres(c) = &mut conn else {
        return;
    };
    diesel::sql_query("VACUUM ANALYZE agent_memories, agent_memory_terms, agent_memory_embeddings")
        .execute(&mut **c)
        .await
        .expect("vacuum");
}

/// Where a recall's time goes: each step of [`crate::Core::search_memories`]
/// timed alone (median of 50), on the same 10,000 memories.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn where_recall_time_goes() {
    where_time_goes(nudge_testkit::TestDatabase::sqlite(), "SQLite").await;
}

/// The same on PostgreSQL, with the plans of the index queries.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: needs PostgreSQL, run in release with --nocapture"]
async fn where_recall_time_goes_on_postgres() {
    where_time_goes(nudge_testkit::TestDatabase::postgres().await, "PostgreSQL").await;
}

async fn where_time_goes(database: nudge_testkit::TestDatabase, label: &str) {
    use crate::memory;

    let core = ten_thousand_memories(&database).await;
    let keys = core.keys.ring();
    let key_id = keys.active_key_id().as_str().to_owned();
    let wanted = memory::term_hashes(keys, USER, "who is my sister who likes jazz");
    let mut conn = core.db.conn().await.expect("conn");
    let sister = memory::term_hash(keys, USER, "sister");
    let like = memory::term_hash(keys, USER, "like");
    let ids = memory::holders(&mut conn, USER, &sister).await.expect("holders");
    let few: Vec<String> = ids.iter().take(5).cloned().collect();
    let some: Vec<String> = ids.iter().take(250).cloned().collect();
    println!("where a recall's time goes ({label}, 10,000 memories):");
    time!(
        "unindexed (none here)",
        memory::unindexed(&mut conn, USER, &key_id).await.expect("q")
    );
    time!("count_active", memory::count_active(&mut conn, USER).await.expect("q"));
    time!(
        "index_state (count + any unindexed, one query)",
        memory::index_state(&mut conn, USER, &key_id).await.expect("q")
    );
    let jazz = memory::term_hash(keys, USER, "jazz");
    time!(
        "holders_of sister and jazz (one query)",
        memory::holders_of(&mut conn, USER, &[sister.clone(), jazz.clone()])
            .await
            .expect("q")
    );
    time!(
        "frequencies of the 3 terms",
        memory::frequencies(&mut conn, USER, &wanted).await.expect("q")
    );
    for (name, term) in [("sister", "sister"), ("jazz", "jazz"), ("like (every memory)", "like")] {
        let hash = memory::term_hash(keys, USER, term);
        time!(
            format!("holders of {name}"),
            memory::holders(&mut conn, USER, &hash).await.expect("q")
        );
    }
    time!(
        "held: \"like\" among 250 ids",
        memory::held(&mut conn, USER, std::slice::from_ref(&like), &some)
            .await
            .expect("q")
    );
    time!(
        "rows of the 250 tied candidates (status, creation, body)",
        memory::rows_with_creation(&mut conn, USER, &some).await.expect("q")
    );
    let rows: Vec<memory::MemoryRow> = memory::rows_with_creation(&mut conn, USER, &few)
        .await
        .expect("q")
        .into_iter()
        .map(|(row, _)| row)
        .collect();
    time!(
        "rows of 5",
        memory::rows_with_creation(&mut conn, USER, &few).await.expect("q")
    );
    let reader = core.reader(USER).await.expect("reader");
    time!(
        "decrypt 5",
        rows.iter()
            .map(|r| core.open_memory(&reader, r).expect("open"))
            .collect::<Vec<_>>()
    );
    time!(
        "term hashes of the query",
        memory::term_hashes(keys, USER, "who is my sister who likes jazz")
    );
    if conn.backend() == nudge_store::Backend::Postgres {
        explain(
            &mut conn,
            &[sister.clone(), like.clone(), memory::term_hash(keys, USER, "jazz")],
        )
        .await;
        drop(conn);
        vacuum(&core).await;
        println!("  after VACUUM ANALYZE:");
        conn = core.db.conn().await.expect("conn");
        time!(
            "index_state (count + any unindexed)",
            memory::index_state(&mut conn, USER, &key_id).await.expect("q")
        );
        time!(
            "frequencies of the 3 terms",
            memory::frequencies(&mut conn, USER, &wanted).await.expect("q")
        );
        time!(
            "held: \"like\" among 250 ids",
            memory::held(&mut conn, USER, std::slice::from_ref(&like), &some)
                .await
                .expect("q")
        );
        explain(
            &mut conn,
            &[sister.clone(), like.clone(), memory::term_hash(keys, USER, "jazz")],
        )
        .await;
    }
    drop(conn);
    time!("pool: take a connection", drop(core.db.conn().await.expect("conn")));
    time!(
        "search_memories, whole",
        core.search_memories(USER, "who is my sister who likes jazz", 5)
            .await
            .expect("q")
    );
}

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plans (EXPLAIN ANALYZE) of the index queries, on PostgreSQL.
async fn explain(conn: &mut nudge_store::DbConn, terms: &[Vec<u8>]) {
    use nudge_store::diesel_async::RunQueryDsl as _;

    let bytea = |t: &Vec<u8>| {
        let hex: String = t.iter().map(|b| format!("{b:02x}")).collect();
        format!("'\\x{hex}'::bytea")
    };
    let list = terms.iter().map(bytea).collect::<Vec<_>>().join(", ");
    let statements = [
        format!("SELECT count(*) FROM agent_memories WHERE user_id = '{USER}' AND status = 'active'"),
        format!(
            "SELECT id FROM agent_memories WHERE user_id = '{USER}' AND status = 'active' \
             AND (terms_key IS NULL OR terms_key <> 'k1')"
        ),
        format!(
            "SELECT term, count(*) FROM agent_memory_terms WHERE user_id = '{USER}' \
             AND term IN ({list}) GROUP BY term"
        ),
        format!(
            "SELECT memory_id FROM agent_memory_terms WHERE user_id = '{USER}' AND term = {}",
            bytea(&terms[0])
        ),
    ];
    for statement in statements {
        println!("  EXPLAIN ANALYZE {statement}");
        let nudge_store::DbConn::Postgres(c) = conn else {
            return;
        };
        let plan: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {statement}"))
            .load(&mut **c)
            .await
            .expect("explain");
        for line in plan {
            println!("    {}", line.line);
        }
    }
}

/// Where a recall by meaning's time goes, each step timed alone (median of 50).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn where_meaning_time_goes() {
    use crate::memory;

    let fake = nudge_fake_openai::FakeOpenAi::start(Vec::new(), None)
        .await
        .expect("fake provider");
    let settings = crate::semantic::fake_embedding_settings(&fake);
    let database = nudge_testkit::TestDatabase::sqlite();
    let core = ten_thousand_memories_with(&database, settings, Some(("text-embedding-3-small", FAKE_DIMENSIONS))).await;
    let query = "who is my sister who likes jazz";
    println!("where a recall by meaning's time goes (SQLite, 10,000 memories with vectors):");
    time!(
        "embed the query (fake provider on loopback)",
        core.embed(USER, query).await.expect("q")
    );
    let embedded = core.embed(USER, query).await.expect("q").expect("embedded");
    let model = embedded.model.as_str();
    let mut conn = core.db.conn().await.expect("conn");
    time!("read and decrypt every vector (what the cache saves)", {
        core.vectors.forget(USER);
        core.person_vectors(&mut conn, USER, model).await.expect("q")
    });
    time!(
        "the vectors, held (stamp read)",
        core.person_vectors(&mut conn, USER, model).await.expect("q")
    );
    let vectors = core.person_vectors(&mut conn, USER, model).await.expect("q");
    time!(
        "cosine of 10,000 vectors, ranked",
        std::sync::Arc::clone(&vectors).ranked(&embedded.vector).len()
    );
    // Vectors the size of text-embedding-3-small's (1,536 dimensions).
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut component = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 2_001) as f32 / 1_000.0 - 1.0
    };
    let large: Vec<(String, Vec<f32>)> = (0..10_000)
        .map(|i| (format!("m{i}"), (0..1_536).map(|_| component()).collect()))
        .collect();
    let asked: Vec<f32> = (0..1_536).map(|_| component()).collect();
    let large = std::sync::Arc::new(crate::semantic::PersonVectors::new(model, None, large));
    time!(
        "cosine of 10,000 vectors of 1,536 dimensions, ranked",
        std::sync::Arc::clone(&large).ranked(&asked).len()
    );
    let wanted = memory::term_hashes(core.keys.ring(), USER, query);
    time!(
        "term index state",
        core.term_index(&mut conn, USER, wanted.clone()).await.expect("q")
    );
    let index = core.term_index(&mut conn, USER, wanted).await.expect("q");
    time!(
        "best 50 by words (term index)",
        core.lexical_candidates(&mut conn, USER, &index, 50).await.expect("q")
    );
    time!(
        "blended candidates, whole",
        core.blended_candidates(
            &mut conn,
            USER,
            &index,
            std::sync::Arc::clone(&vectors),
            embedded.vector.clone(),
            (5, 50)
        )
        .await
        .expect("q")
    );
    let candidates = core
        .blended_candidates(
            &mut conn,
            USER,
            &index,
            std::sync::Arc::clone(&vectors),
            embedded.vector.clone(),
            (5, 50),
        )
        .await
        .expect("q");
    println!("  ({} candidates at the cut)", candidates.len());
    let ids: Vec<String> = candidates.into_iter().map(|(_, id)| id).collect();
    time!(
        "the candidates' rows",
        memory::rows_with_creation(&mut conn, USER, &ids).await.expect("q")
    );
    drop(conn);
    time!(
        "the same recall by words alone (search_memories)",
        core.search_memories(USER, query, 5).await.expect("q")
    );
    time!(
        "relevant_memories, whole",
        core.relevant_memories(USER, query, 5).await.expect("q")
    );
}
