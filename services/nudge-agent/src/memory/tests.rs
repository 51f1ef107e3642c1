//! The memory feature over a real database: the term index, and recall by
//! words and meaning.

mod index {
    //! The term index of recall, on SQLite and (ignored unless asked) PostgreSQL:
    //! it ranks as a full scan does, follows supersede / forget / key rotation, and stores no plaintext term.
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use nudge_secure::{KeyRing, SecretString};
    use nudge_store::schema::agent_memory_terms;
    use nudge_store::{Db, diesel, diesel_async, with_conn};
    use nudge_testkit::TestDatabase;

    use crate::memory;
    use crate::state::Core;

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

    /// What a full scan (decrypt everything, [`memory::lexical::rank`]) returns.
    async fn full_scan(core: &Core, user: &str, query: &str) -> Vec<String> {
        let active = memory::memories(&core.memory(), user, true).await.expect("memories");
        let texts: Vec<String> = active.iter().map(|m| m.text.clone()).collect();
        memory::lexical::rank(query, &texts)
            .into_iter()
            .take(5)
            .map(|i| active[i].text.clone())
            .collect()
    }

    async fn indexed(core: &Core, user: &str, query: &str) -> Vec<String> {
        memory::recall::search_memories(&core.memory(), user, query, 5)
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
        memory::store::unindexed(&mut conn, user, terms_key)
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
            memory::keep_fact(&core.memory(), USER, &fact(i), &format!("new:{i}"))
                .await
                .expect("keep");
        }
        memory::keep_fact(&core.memory(), OTHER, "my sister likes jazz", "other:1")
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
        memory::keep_fact(&core.memory(), USER, "my dentist is Dr Martin", "new:dentist1")
            .await
            .expect("keep");
        memory::keep_fact(&core.memory(), USER, "my dentist is Dr Roux", "new:dentist2")
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
        let active = memory::memories(&rotated.memory(), USER, true)
            .await
            .expect("memories")
            .len();
        assert_eq!(unindexed_count(&db, USER, "k2").await, active);
        assert_same_ranking(&rotated, USER).await;
        assert_eq!(unindexed_count(&db, USER, "k2").await, 0);
        assert_same_ranking(&rotated, USER).await;

        // Forgetting takes the terms along.
        let mut conn = db.conn().await.expect("conn");
        memory::store::delete_all(&mut conn, USER).await.expect("forget");
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
}

mod meaning {
    //! Recall by words and meaning ([`crate::semantic`]) on SQLite and (ignored
    //! unless asked) PostgreSQL: it ranks as blending every memory does, and a
    //! replica holding a person's vectors sees the changes another one makes.
    use std::collections::HashSet;

    use chrono::TimeDelta;
    use nudge_fake_openai::FakeOpenAi;
    use nudge_secure::KeyRing;
    use nudge_store::Db;
    use nudge_testkit::TestDatabase;

    use crate::memory::semantic::{self, MEMORY_EMBEDDING};
    use crate::memory::{self, MEMORY_BODY};
    use crate::state::Core;

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
            let terms = memory::lexical::term_hashes(keys, USER, &text);
            let new = memory::store::NewMemory {
                body: &body,
                terms: &terms,
                terms_key: keys.active_key_id().as_str(),
            };
            let at = start + TimeDelta::milliseconds(i64::try_from(i).expect("small"));
            let id = memory::store::insert(&mut conn, USER, new, &format!("t:{i}"), None, at)
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
        let lexical = memory::lexical::lexical_scores(query, &texts);
        let documents: Vec<HashSet<String>> = texts
            .iter()
            .map(|t| memory::lexical::terms(t).into_iter().collect())
            .collect();
        let wanted: HashSet<String> = memory::lexical::terms(query).into_iter().collect();
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
                    crate::memory::vectors::cosine(
                        &asked,
                        crate::memory::vectors::norm(&asked),
                        &vector,
                        crate::memory::vectors::norm(&vector),
                    )
                });
                memory::blend::blend(lexical[i], total_weight, cosine)
                    .map(|score| (memory::lexical::quantized(score), i))
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
            let by_words: Vec<String> = memory::recall::search_memories(&core.memory(), USER, query, 5)
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
        texts
            .push("my brother likes jazz and tea and chess and running and coffee in town 4 with number 12".to_owned());
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
    async fn recalled(
        core: &Core,
        fake: &FakeOpenAi,
        query: &str,
        limit: usize,
        first: usize,
    ) -> (Vec<String>, String) {
        let found = memory::recall::relevant_memories_from(&core.memory(), USER, query, limit, first)
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
        memory::relevant_memories(&core.memory(), USER, query, 5)
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
        memory::keep_fact(&b.memory(), USER, "I play chess on Mondays", "k:1")
            .await
            .expect("kept");
        assert!(texts(&a, "who is my brother?").await.is_empty(), "nothing close yet");
        // Shares no word with the query ("my" and "is" carry none): found by meaning alone.
        memory::keep_fact(&b.memory(), USER, "my sister is Léa", "k:2")
            .await
            .expect("kept");
        assert_eq!(texts(&a, "who is my brother?").await, ["my sister is Léa"]);
        // Forgotten on `b`: `a` no longer holds its vector.
        let mut conn = db.conn().await.expect("conn");
        let sister = memory::memories(&b.memory(), USER, true).await.expect("memories");
        let sister: Vec<String> = sister
            .into_iter()
            .filter(|m| m.text.contains("Léa"))
            .map(|m| m.id)
            .collect();
        memory::store::delete(&mut conn, USER, &sister).await.expect("forget");
        assert!(texts(&a, "who is my brother?").await.is_empty());
        let held = memory::semantic::person_vectors(&a.memory(), &mut conn, USER, MODEL)
            .await
            .expect("vectors");
        assert_eq!(held.count(), 1, "only the chess memory's vector is held");
        // Erased on `b`: the stamp goes with the person, and so do `a`'s vectors.
        memory::keep_fact(&b.memory(), USER, "my brother is Hugo", "k:3")
            .await
            .expect("kept");
        assert_eq!(texts(&a, "who is my sister?").await, ["my brother is Hugo"]);
        crate::privacy::erase(&b, &mut conn, USER).await.expect("erase");
        let held = memory::semantic::person_vectors(&a.memory(), &mut conn, USER, MODEL)
            .await
            .expect("vectors");
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
}
