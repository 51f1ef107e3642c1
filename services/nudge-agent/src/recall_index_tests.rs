//! The term index of recall, on SQLite and (ignored unless asked) PostgreSQL:
//! it ranks as a full scan does, follows supersede / forget / key rotation, and stores no plaintext term.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_secure::{KeyRing, SecretString};
use nudge_store::schema::agent_memory_terms;
use nudge_store::{Db, diesel, diesel_async, with_conn};
use nudge_testkit::TestDatabase;

use crate::Core;
use crate::memory;

const USER: &str = "0190a000-0000-7000-8000-0000000000a1";
const OTHER: &str = "0190a000-0000-7000-8000-0000000000a2";

fn core(db: &Db, keys: KeyRing) -> Core {
    Core::for_tests(db, keys, &nudge_config::Settings::default())
}

fn ring(active: &str, keys: &[(&str, &SecretString)]) -> KeyRing {
    KeyRing::new(
        active,
        keys.iter()
            .map(|(id, key)| ((*id).to_owned(), SecretString::from(key.expose_secret()))),
    )
    .expect("keys")
}

fn fact(i: usize) -> String {
    let subjects = ["sister", "brother", "dentist", "doctor", "friend", "cat"];
    let likes = ["tea", "coffee", "chess", "running", "jazz", "médicaments"];
    format!(
        "my {} number {i} likes {} in town {}",
        subjects[i % subjects.len()],
        likes[(i / 2) % likes.len()],
        i % 7
    )
}

const QUERIES: &[&str] = &[
    "who is my sister who likes jazz",
    "dentist",
    "town 3 chess",
    "mes medicament",
    "cat coffee number 17",
    "the bicycle",
    "who",
];

/// What a full scan (decrypt everything, [`memory::rank`]) returns.
async fn full_scan(core: &Core, user: &str, query: &str) -> Vec<String> {
    let active = core.memories(user, true).await.expect("memories");
    let texts: Vec<String> = active.iter().map(|m| m.text.clone()).collect();
    memory::rank(query, &texts)
        .into_iter()
        .take(5)
        .map(|i| active[i].text.clone())
        .collect()
}

async fn indexed(core: &Core, user: &str, query: &str) -> Vec<String> {
    core.search_memories(user, query, 5)
        .await
        .expect("search")
        .into_iter()
        .map(|m| m.text)
        .collect()
}

async fn assert_same_ranking(core: &Core, user: &str) {
    for query in QUERIES {
        assert_eq!(
            indexed(core, user, query).await,
            full_scan(core, user, query).await,
            "{query}"
        );
    }
}

async fn term_rows(db: &Db, user: &str) -> Vec<Vec<u8>> {
    let mut conn = db.conn().await.expect("conn");
    with_conn!(&mut conn, c => {
        agent_memory_terms::table
            .filter(agent_memory_terms::user_id.eq(user))
            .select(agent_memory_terms::term)
            .load(c)
            .await
    })
    .expect("terms")
}

async fn unindexed_count(db: &Db, user: &str, terms_key: &str) -> usize {
    let mut conn = db.conn().await.expect("conn");
    memory::unindexed(&mut conn, user, terms_key)
        .await
        .expect("unindexed")
        .len()
}

async fn index_ranks_as_a_full_scan(database: TestDatabase) {
    let mut settings = nudge_config::Settings::default();
    settings.database.url = database.url.clone();
    let db = Db::connect(&settings.database).expect("db");
    db.migrate().await.expect("migrate");
    let k1 = KeyRing::generate_key();
    let k2 = KeyRing::generate_key();
    let keys = ring("k1", &[("k1", &k1)]);
    let core = core(&db, keys.clone());

    for i in 0..300 {
        core.keep_fact(USER, &fact(i), &format!("new:{i}")).await.expect("keep");
    }
    core.keep_fact(OTHER, "my sister likes jazz", "other:1")
        .await
        .expect("keep");
    assert_same_ranking(&core, USER).await;
    assert_eq!(unindexed_count(&db, USER, "k1").await, 0);
    assert_same_ranking(&core, USER).await;
    assert!(
        indexed(&core, USER, "sister jazz")
            .await
            .iter()
            .all(|t| t != "my sister likes jazz"),
        "another person's memory"
    );

    // No term is stored as text.
    let terms = term_rows(&db, USER).await;
    assert!(!terms.is_empty());
    for term in &terms {
        assert_eq!(term.len(), 16);
        assert!(!term.windows(4).any(|w| w == b"jazz" || w == b"sist"), "plaintext term");
    }

    // A superseded fact leaves the index; the new one is found.
    core.keep_fact(USER, "my dentist is Dr Martin", "new:dentist1")
        .await
        .expect("keep");
    core.keep_fact(USER, "my dentist is Dr Roux", "new:dentist2")
        .await
        .expect("keep");
    assert_eq!(
        indexed(&core, USER, "dentist roux martin").await[0],
        "my dentist is Dr Roux"
    );
    assert!(
        !indexed(&core, USER, "martin")
            .await
            .contains(&"my dentist is Dr Martin".to_owned())
    );
    assert_same_ranking(&core, USER).await;

    // Key rotation: memories are hashed again under the new key, lazily (all
    // at the first query).
    let rotated = core_with(&db, ring("k2", &[("k1", &k1), ("k2", &k2)]));
    let active = rotated.memories(USER, true).await.expect("memories").len();
    assert_eq!(unindexed_count(&db, USER, "k2").await, active);
    assert_same_ranking(&rotated, USER).await;
    assert_eq!(unindexed_count(&db, USER, "k2").await, 0);
    assert_same_ranking(&rotated, USER).await;

    // Forgetting takes the terms along.
    let mut conn = db.conn().await.expect("conn");
    memory::delete_all(&mut conn, USER).await.expect("forget");
    drop(conn);
    assert!(term_rows(&db, USER).await.is_empty());
    assert!(indexed(&rotated, USER, "sister").await.is_empty());
    assert_eq!(term_rows(&db, OTHER).await.len(), 3);
}

fn core_with(db: &Db, keys: KeyRing) -> Core {
    core(db, keys)
}

#[tokio::test(flavor = "multi_thread")]
async fn index_ranks_as_a_full_scan_on_sqlite() {
    index_ranks_as_a_full_scan(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn index_ranks_as_a_full_scan_on_postgres() {
    index_ranks_as_a_full_scan(TestDatabase::postgres().await).await;
}
