//! Fixtures of the benchmarks under `benches/` (feature `testing`): the
//! local engine alone, a core over 10,000 memories of one person, and the
//! step-by-step profiles of a recall, which time crate-private steps and so
//! live here.

#![expect(clippy::print_stdout, reason = "the profiles report on stdout")]
#![expect(clippy::expect_used, reason = "benchmark fixtures stop at the first failure")]

use std::sync::Arc;
use std::time::Instant;

use chrono::DateTime;
use nudge_core::Language;
use nudge_fake_openai::FakeOpenAi;
use nudge_store::diesel;
use nudge_testkit::TestDatabase;

use crate::engine::{Context, understand};
use crate::memory;

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

/// The local engine alone, reading at one instant in one language.
pub struct LocalEngine {
    context: Context,
}

impl LocalEngine {
    pub fn new(now: DateTime<chrono_tz::Tz>, language: Language) -> LocalEngine {
        LocalEngine {
            context: Context {
                now,
                language,
                last_listing: None,
            },
        }
    }

    /// What the engine understands of `message`: the intent's name.
    pub fn understand(&self, message: &str) -> &'static str {
        understand(message, &self.context).intent.name()
    }
}

/// Subjects of the benchmark's memories (an eighth of them each).
pub const SUBJECTS: [&str; 8] = [
    "sister",
    "brother",
    "dentist",
    "doctor",
    "friend",
    "boss",
    "cat",
    "neighbour",
];

pub const USER: &str = "0190a000-0000-7000-8000-000000000001";

/// The vector size of the fake provider, and a real model's
/// (`text-embedding-3-small`).
pub const FAKE_DIMENSIONS: usize = nudge_fake_openai::EMBEDDING_DIMENSIONS;
pub const LARGE_DIMENSIONS: usize = 1_536;

/// A core over a database holding 10,000 memories of [`USER`]: each names a
/// subject (1 in 8), a liking (1 in 5: "jazz" is one) and a town (1 in 97),
/// and all hold "likes".
pub struct Memories {
    core: crate::state::Core,
    /// The provider embedding queries, when the memories have vectors.
    provider: Option<FakeOpenAi>,
}

impl Memories {
    /// The memories, without vectors (recall by words).
    pub async fn new(database: &TestDatabase) -> Memories {
        Memories {
            core: ten_thousand_memories_with(database, nudge_config::Settings::default(), None).await,
            provider: None,
        }
    }

    /// The memories, each with its vector of `dimensions` (the fake
    /// provider's vector of its text), and a fake provider on loopback
    /// embedding the queries.
    pub async fn with_vectors(database: &TestDatabase, dimensions: usize) -> Memories {
        let provider = FakeOpenAi::start(Vec::new(), None).await.expect("fake provider");
        provider.set_embedding_dimensions(dimensions);
        let settings = crate::memory::semantic::fake_embedding_settings(&provider);
        Memories {
            core: ten_thousand_memories_with(database, settings, Some(("text-embedding-3-small", dimensions))).await,
            provider: Some(provider),
        }
    }

    /// Recall by words: the texts of the best `limit`.
    pub async fn search(&self, query: &str, limit: usize) -> Vec<String> {
        let found = memory::recall::search_memories(&self.core.memory(), USER, query, limit)
            .await
            .expect("recall");
        found.into_iter().map(|memory| memory.text).collect()
    }

    /// Recall by words and meaning: the texts of the best `limit`.
    pub async fn relevant(&self, query: &str, limit: usize) -> Vec<String> {
        let found = memory::relevant_memories(&self.core.memory(), USER, query, limit)
            .await
            .expect("recall");
        found.into_iter().map(|memory| memory.text).collect()
    }

    /// How many embedding requests the provider answered.
    pub fn embedding_requests(&self) -> usize {
        self.provider
            .as_ref()
            .map_or(0, |provider| provider.embedding_requests().len())
    }

    /// What autovacuum does soon after a bulk insert (PostgreSQL >= 13
    /// vacuums on inserts): planner statistics, and the visibility map that
    /// lets index-only scans skip the table. Nothing on SQLite.
    pub async fn vacuum(&self) {
        vacuum(&self.core).await;
    }

    /// Where a recall's time goes: each step of a recall by words timed alone
    /// (median of 50), printed; on PostgreSQL with the plans of the index
    /// queries.
    pub async fn where_recall_time_goes(&self, label: &str) {
        where_time_goes(&self.core, label).await;
    }

    /// Where a recall by meaning's time goes, each step timed alone (median
    /// of 50), printed. Needs [`Memories::with_vectors`].
    pub async fn where_meaning_time_goes(&self) {
        where_meaning_time_goes(&self.core).await;
    }
}

/// 10,000 memories of [`USER`]; with `embedding` (a model and a size), each
/// with its vector (the fake provider's vector of its text, stored as
/// `keep_fact` does).
async fn ten_thousand_memories_with(
    database: &nudge_testkit::TestDatabase,
    mut settings: nudge_config::Settings,
    embedding: Option<(&str, usize)>,
) -> crate::state::Core {
    settings.database.url = database.url.clone();
    let db = nudge_store::Db::connect(&settings.database).expect("db");
    db.migrate().await.expect("migrate");
    let keys =
        nudge_secure::KeyRing::new("k1", [("k1".to_owned(), nudge_secure::KeyRing::generate_key())]).expect("keys");
    let core = crate::state::Core::for_tests(&db, keys.clone(), &settings);
    let mut conn = db.conn().await.expect("conn");
    for i in 0..10_000 {
        let fact = format!(
            "my {} number {i} likes {} and lives in town {}",
            SUBJECTS[i % SUBJECTS.len()],
            ["tea", "coffee", "chess", "running", "jazz"][i % 5],
            i % 97
        );
        let body = keys.encrypt_str(&fact, memory::MEMORY_BODY);
        let terms = memory::lexical::term_hashes(&keys, USER, &fact);
        let memory = memory::store::NewMemory {
            body: &body,
            terms: &terms,
            terms_key: keys.active_key_id().as_str(),
        };
        let id = memory::store::insert(&mut conn, USER, memory, &format!("bench:{i}"), None, nudge_store::now())
            .await
            .expect("insert");
        if let Some((model, dimensions)) = embedding {
            let vector = nudge_fake_openai::embedding(&fact, dimensions);
            let sealed = keys.encrypt(
                &crate::memory::semantic::to_bytes(&vector),
                crate::memory::semantic::MEMORY_EMBEDDING,
            );
            crate::memory::semantic::save(&mut conn, USER, &id, model, &sealed, nudge_store::now())
                .await
                .expect("vector");
        }
    }
    core
}

async fn vacuum(core: &crate::state::Core) {
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

async fn where_time_goes(core: &crate::state::Core, label: &str) {
    let keys = core.keys.ring();
    let key_id = keys.active_key_id().as_str().to_owned();
    let wanted = memory::lexical::term_hashes(keys, USER, "who is my sister who likes jazz");
    let mut conn = core.db.conn().await.expect("conn");
    let sister = memory::lexical::term_hash(keys, USER, "sister");
    let like = memory::lexical::term_hash(keys, USER, "like");
    let ids = memory::store::holders(&mut conn, USER, &sister).await.expect("holders");
    let few: Vec<String> = ids.iter().take(5).cloned().collect();
    let some: Vec<String> = ids.iter().take(250).cloned().collect();
    println!("where a recall's time goes ({label}, 10,000 memories):");
    time!(
        "unindexed (none here)",
        memory::store::unindexed(&mut conn, USER, &key_id).await.expect("q")
    );
    time!(
        "count_active",
        memory::store::count_active(&mut conn, USER).await.expect("q")
    );
    time!(
        "index_state (count + any unindexed, one query)",
        memory::store::index_state(&mut conn, USER, &key_id).await.expect("q")
    );
    let jazz = memory::lexical::term_hash(keys, USER, "jazz");
    time!(
        "holders_of sister and jazz (one query)",
        memory::store::holders_of(&mut conn, USER, &[sister.clone(), jazz.clone()])
            .await
            .expect("q")
    );
    time!(
        "frequencies of the 3 terms",
        memory::store::frequencies(&mut conn, USER, &wanted).await.expect("q")
    );
    for (name, term) in [("sister", "sister"), ("jazz", "jazz"), ("like (every memory)", "like")] {
        let hash = memory::lexical::term_hash(keys, USER, term);
        time!(
            format!("holders of {name}"),
            memory::store::holders(&mut conn, USER, &hash).await.expect("q")
        );
    }
    time!(
        "held: \"like\" among 250 ids",
        memory::store::held(&mut conn, USER, std::slice::from_ref(&like), &some)
            .await
            .expect("q")
    );
    time!(
        "rows of the 250 tied candidates (status, creation, body)",
        memory::store::rows_with_creation(&mut conn, USER, &some)
            .await
            .expect("q")
    );
    let rows: Vec<memory::store::MemoryRow> = memory::store::rows_with_creation(&mut conn, USER, &few)
        .await
        .expect("q")
        .into_iter()
        .map(|(row, _)| row)
        .collect();
    time!(
        "rows of 5",
        memory::store::rows_with_creation(&mut conn, USER, &few)
            .await
            .expect("q")
    );
    let reader = core.storage().reader(USER).await.expect("reader");
    time!(
        "decrypt 5",
        rows.iter()
            .map(|r| crate::memory::search::Memory::open(&reader, r).expect("open"))
            .collect::<Vec<_>>()
    );
    time!(
        "term hashes of the query",
        memory::lexical::term_hashes(keys, USER, "who is my sister who likes jazz")
    );
    if conn.backend() == nudge_store::Backend::Postgres {
        explain(
            &mut conn,
            &[
                sister.clone(),
                like.clone(),
                memory::lexical::term_hash(keys, USER, "jazz"),
            ],
        )
        .await;
        drop(conn);
        vacuum(core).await;
        println!("  after VACUUM ANALYZE:");
        conn = core.db.conn().await.expect("conn");
        time!(
            "index_state (count + any unindexed)",
            memory::store::index_state(&mut conn, USER, &key_id).await.expect("q")
        );
        time!(
            "frequencies of the 3 terms",
            memory::store::frequencies(&mut conn, USER, &wanted).await.expect("q")
        );
        time!(
            "held: \"like\" among 250 ids",
            memory::store::held(&mut conn, USER, std::slice::from_ref(&like), &some)
                .await
                .expect("q")
        );
        explain(
            &mut conn,
            &[
                sister.clone(),
                like.clone(),
                memory::lexical::term_hash(keys, USER, "jazz"),
            ],
        )
        .await;
    }
    drop(conn);
    time!("pool: take a connection", drop(core.db.conn().await.expect("conn")));
    time!(
        "search_memories, whole",
        memory::recall::search_memories(&core.memory(), USER, "who is my sister who likes jazz", 5)
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

async fn where_meaning_time_goes(core: &crate::state::Core) {
    let query = "who is my sister who likes jazz";
    println!("where a recall by meaning's time goes (SQLite, 10,000 memories with vectors):");
    time!(
        "embed the query (fake provider on loopback)",
        memory::semantic::embed(&core.memory(), USER, query).await.expect("q")
    );
    let embedded = memory::semantic::embed(&core.memory(), USER, query)
        .await
        .expect("q")
        .expect("embedded");
    let model = embedded.model.as_str();
    let mut conn = core.db.conn().await.expect("conn");
    time!("read and decrypt every vector (what the cache saves)", {
        core.vectors.forget(USER);
        memory::semantic::person_vectors(&core.memory(), &mut conn, USER, model)
            .await
            .expect("q")
    });
    time!(
        "the vectors, held (stamp read)",
        memory::semantic::person_vectors(&core.memory(), &mut conn, USER, model)
            .await
            .expect("q")
    );
    let vectors = memory::semantic::person_vectors(&core.memory(), &mut conn, USER, model)
        .await
        .expect("q");
    time!(
        "cosine of 10,000 vectors, ranked",
        Arc::clone(&vectors).ranked(&embedded.vector).len()
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
    let large = Arc::new(crate::memory::vectors::PersonVectors::new(model, None, large));
    time!(
        "cosine of 10,000 vectors of 1,536 dimensions, ranked",
        Arc::clone(&large).ranked(&asked).len()
    );
    let wanted = memory::lexical::term_hashes(core.keys.ring(), USER, query);
    time!(
        "term index state",
        memory::search::term_index(&core.memory(), &mut conn, USER, wanted.clone())
            .await
            .expect("q")
    );
    let index = memory::search::term_index(&core.memory(), &mut conn, USER, wanted)
        .await
        .expect("q");
    time!(
        "best 50 by words (term index)",
        memory::search::lexical_candidates(&mut conn, USER, &index, 50)
            .await
            .expect("q")
    );
    time!(
        "blended candidates, whole",
        memory::semantic::blended_candidates(
            &mut conn,
            USER,
            &index,
            Arc::clone(&vectors),
            embedded.vector.clone(),
            (5, 50)
        )
        .await
        .expect("q")
    );
    let candidates = memory::semantic::blended_candidates(
        &mut conn,
        USER,
        &index,
        Arc::clone(&vectors),
        embedded.vector.clone(),
        (5, 50),
    )
    .await
    .expect("q");
    println!("  ({} candidates at the cut)", candidates.len());
    let ids: Vec<String> = candidates.into_iter().map(|(_, id)| id).collect();
    time!(
        "the candidates' rows",
        memory::store::rows_with_creation(&mut conn, USER, &ids)
            .await
            .expect("q")
    );
    drop(conn);
    time!(
        "the same recall by words alone (search_memories)",
        memory::recall::search_memories(&core.memory(), USER, query, 5)
            .await
            .expect("q")
    );
    time!(
        "relevant_memories, whole",
        memory::relevant_memories(&core.memory(), USER, query, 5)
            .await
            .expect("q")
    );
}
