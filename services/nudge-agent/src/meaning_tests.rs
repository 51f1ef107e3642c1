//! Recall by words and meaning ([`crate::semantic`]) on SQLite and (ignored
//! unless asked) PostgreSQL: it ranks as blending every memory does, and a
//! replica holding a person's vectors sees the changes another one makes.

use std::collections::HashSet;

use chrono::TimeDelta;
use nudge_fake_openai::FakeOpenAi;
use nudge_secure::KeyRing;
use nudge_store::Db;
use nudge_testkit::TestDatabase;

use crate::Core;
use crate::memory::{self, MEMORY_BODY};
use crate::semantic::{self, MEMORY_EMBEDDING};

const USER: &str = "0190a000-0000-7000-8000-0000000000c1";
const MODEL: &str = "text-embedding-3-small";

async fn start(database: &TestDatabase) -> (FakeOpenAi, Db, KeyRing) {
    let fake = FakeOpenAi::start(Vec::new(), None).await.expect("fake provider");
    let db = Db::connect(&nudge_config::DatabaseSettings {
        url: database.url.clone(),
        ..nudge_config::Settings::default().database
    })
    .expect("db");
    db.migrate().await.expect("migrate");
    let keys = KeyRing::new("k1", [("k1".to_owned(), KeyRing::generate_key())]).expect("keys");
    (fake, db, keys)
}

fn core(fake: &FakeOpenAi, db: &Db, keys: &KeyRing) -> Core {
    Core::for_tests(db, keys.clone(), &semantic::fake_embedding_settings(fake))
}

fn fact(i: usize) -> String {
    let subjects = ["sister", "brother", "dentist", "mother", "friend", "cat", "doctor"];
    let likes = ["tea", "coffee", "chess", "running", "jazz", "medication"];
    format!(
        "my {} number {i} likes {} in town {}",
        subjects[i % subjects.len()],
        likes[(i / 3) % likes.len()],
        i % 5
    )
}

/// The memories `texts`, one a millisecond apart; one in nine without a
/// vector (as when the provider failed).
async fn memories(db: &Db, keys: &KeyRing, texts: &[String]) -> Vec<(String, bool)> {
    let mut conn = db.conn().await.expect("conn");
    let start = nudge_store::now();
    let mut kept = Vec::new();
    for (i, text) in texts.iter().cloned().enumerate() {
        let body = keys.encrypt_str(&text, MEMORY_BODY);
        let terms = memory::term_hashes(keys, USER, &text);
        let new = memory::NewMemory {
            body: &body,
            terms: &terms,
            terms_key: keys.active_key_id().as_str(),
        };
        let at = start + TimeDelta::milliseconds(i64::try_from(i).expect("small"));
        let id = memory::insert(&mut conn, USER, new, &format!("t:{i}"), None, at)
            .await
            .expect("insert");
        let with_vector = i % 9 != 4;
        if with_vector {
            let vector = nudge_fake_openai::embedding(&text, nudge_fake_openai::EMBEDDING_DIMENSIONS);
            let sealed = keys.encrypt(&semantic::to_bytes(&vector), MEMORY_EMBEDDING);
            semantic::save(&mut conn, USER, &id, MODEL, &sealed, at)
                .await
                .expect("vector");
        }
        kept.push((text, with_vector));
    }
    kept
}

/// The best `limit` by blending every memory (`kept`, oldest first), a tie
/// to the later one; `sent` is the query as the provider received it.
fn blend_of_all(kept: &[(String, bool)], query: &str, sent: &str, limit: usize) -> Vec<String> {
    let texts: Vec<String> = kept.iter().map(|(text, _)| text.clone()).collect();
    let lexical = memory::lexical_scores(query, &texts);
    let documents: Vec<HashSet<String>> = texts.iter().map(|t| memory::terms(t).into_iter().collect()).collect();
    let wanted: HashSet<String> = memory::terms(query).into_iter().collect();
    let total_weight: f64 = wanted
        .iter()
        .map(|term| documents.iter().filter(|d| d.contains(term)).count())
        .filter(|n| *n > 0)
        .map(|n| (1.0 + texts.len() as f64 / n as f64).ln())
        .sum();
    let asked = nudge_fake_openai::embedding(sent, nudge_fake_openai::EMBEDDING_DIMENSIONS);
    let mut scored: Vec<(i64, usize)> = kept
        .iter()
        .enumerate()
        .filter_map(|(i, (text, with_vector))| {
            let cosine = with_vector.then(|| {
                let vector = nudge_fake_openai::embedding(text, nudge_fake_openai::EMBEDDING_DIMENSIONS);
                semantic::cosine(&asked, semantic::norm(&asked), &vector, semantic::norm(&vector))
            });
            semantic::blend(lexical[i], total_weight, cosine).map(|score| (memory::quantized(score), i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().take(limit).map(|(_, i)| texts[i].clone()).collect()
}

const QUERIES: &[&str] = &[
    "who is my brother who likes jazz",
    "dentist",
    "town 3 chess",
    "my sibling",
    "what about mum",
    "cat coffee number 17",
    "the bicycle",
    "who",
];

async fn ranks_as_blending_every_memory(database: TestDatabase) {
    let (fake, db, keys) = start(&database).await;
    let core = core(&fake, &db, &keys);
    let facts: Vec<String> = (0..300).map(fact).collect();
    let kept = memories(&db, &keys, &facts).await;
    let mut by_meaning_only = 0;
    for query in QUERIES {
        let mut found = Vec::new();
        // From the first candidate of each side (widening at almost every
        // step) up to what recall takes.
        for (limit, first) in [(1, 1), (2, 1), (1, 10), (5, 1), (5, 3), (5, 10), (5, 50)] {
            let sent;
            (found, sent) = recalled(&core, &fake, query, limit, first).await;
            assert_eq!(
                found,
                blend_of_all(&kept, query, &sent, limit),
                "{query}, best {limit}, {first} first"
            );
        }
        let by_words: Vec<String> = core
            .search_memories(USER, query, 5)
            .await
            .expect("search")
            .into_iter()
            .map(|m| m.text)
            .collect();
        if found != by_words {
            by_meaning_only += 1;
        }
    }
    assert!(
        by_meaning_only >= 3,
        "meaning changed {by_meaning_only} recalls of {}",
        QUERIES.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ranks_as_blending_every_memory_on_sqlite() {
    ranks_as_blending_every_memory(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn ranks_as_blending_every_memory_on_postgres() {
    ranks_as_blending_every_memory(TestDatabase::postgres().await).await;
}

/// A memory not among the best by words but the closest in meaning is
/// blended with the words it holds: "my sister likes jazz" (half of 2.64 /
/// 4.72 plus half of 1.0, about 0.78) beats the only memory holding all the
/// query's words, a long one (half of 1 plus half of 0.52, about 0.76), while
/// by meaning alone it would not (0.5).
async fn close_in_meaning_keeps_its_words(database: TestDatabase) {
    let (fake, db, keys) = start(&database).await;
    let core = core(&fake, &db, &keys);
    let mut texts: Vec<String> = (0..20).map(|i| format!("I like tea number {i}")).collect();
    texts.push("my brother likes jazz and tea and chess and running and coffee in town 4 with number 12".to_owned());
    texts.push("my sister likes jazz".to_owned());
    let kept = memories(&db, &keys, &texts).await;
    assert!(kept.iter().rev().take(2).all(|(_, with_vector)| *with_vector));
    for first in [1, 2, 50] {
        let (found, sent) = recalled(&core, &fake, "brother likes jazz", 1, first).await;
        assert_eq!(found, ["my sister likes jazz"], "{first} first");
        assert_eq!(found, blend_of_all(&kept, "brother likes jazz", &sent, 1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn close_in_meaning_keeps_its_words_on_sqlite() {
    close_in_meaning_keeps_its_words(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn close_in_meaning_keeps_its_words_on_postgres() {
    close_in_meaning_keeps_its_words(TestDatabase::postgres().await).await;
}

/// The texts a recall by words and meaning shows, the `first` best of each
/// side taken first, and the query as the provider received it.
async fn recalled(core: &Core, fake: &FakeOpenAi, query: &str, limit: usize, first: usize) -> (Vec<String>, String) {
    let found = core
        .relevant_memories_from(USER, query, limit, first)
        .await
        .expect("recall")
        .into_iter()
        .map(|m| m.text)
        .collect();
    let sent = fake
        .embedding_requests()
        .last()
        .and_then(|r| r["input"][0].as_str().map(str::to_owned))
        .expect("the query was embedded");
    (found, sent)
}

async fn texts(core: &Core, query: &str) -> Vec<String> {
    core.relevant_memories(USER, query, 5)
        .await
        .expect("recall")
        .into_iter()
        .map(|m| m.text)
        .collect()
}

/// Replica `a` holds the person's vectors; replica `b` keeps, forgets and
/// erases: `a` sees each change at its next recall.
async fn a_replica_sees_another_ones_changes(database: TestDatabase) {
    let (fake, db, keys) = start(&database).await;
    let a = core(&fake, &db, &keys);
    let b = core(&fake, &db, &keys);
    b.keep_fact(USER, "I play chess on Mondays", "k:1").await.expect("kept");
    assert!(texts(&a, "who is my brother?").await.is_empty(), "nothing close yet");
    // Shares no word with the query ("my" and "is" carry none): found by meaning alone.
    b.keep_fact(USER, "my sister is Léa", "k:2").await.expect("kept");
    assert_eq!(texts(&a, "who is my brother?").await, ["my sister is Léa"]);
    // Forgotten on `b`: `a` no longer holds its vector.
    let mut conn = db.conn().await.expect("conn");
    let sister = b.memories(USER, true).await.expect("memories");
    let sister: Vec<String> = sister
        .into_iter()
        .filter(|m| m.text.contains("Léa"))
        .map(|m| m.id)
        .collect();
    memory::delete(&mut conn, USER, &sister).await.expect("forget");
    assert!(texts(&a, "who is my brother?").await.is_empty());
    let held = a.person_vectors(&mut conn, USER, MODEL).await.expect("vectors");
    assert_eq!(held.count(), 1, "only the chess memory's vector is held");
    // Erased on `b`: the stamp goes with the person, and so do `a`'s vectors.
    b.keep_fact(USER, "my brother is Hugo", "k:3").await.expect("kept");
    assert_eq!(texts(&a, "who is my sister?").await, ["my brother is Hugo"]);
    crate::privacy::erase(&b, &mut conn, USER).await.expect("erase");
    let held = a.person_vectors(&mut conn, USER, MODEL).await.expect("vectors");
    assert_eq!(held.count(), 0);
    assert!(texts(&a, "who is my sister?").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_sees_another_ones_changes_on_sqlite() {
    a_replica_sees_another_ones_changes(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn a_replica_sees_another_ones_changes_on_postgres() {
    a_replica_sees_another_ones_changes(TestDatabase::postgres().await).await;
}
