//! Long-term memory by SMS, on SQLite and (ignored unless asked) PostgreSQL:
//! remember, merge duplicates, supersede a contradicted fact (kept as
//! history), recall by relevance, forget one, forget everything after "yes";
//! recall by meaning when a provider embeds (and by words when it cannot).

use crate::helpers::{Backend, Harness, OTHER_USER, USER, provider};
use nudge_fake_openai::{FakeOpenAi, Step};

async fn remember_recall_forget(backend: Backend) {
    let mut h = Harness::start(backend, "en").await;
    let (intent, reply) = h.say("remember my sister is Léa").await;
    assert_eq!(intent, "remember");
    assert_eq!(reply, "Got it, I'll remember: my sister is Léa");
    // The same fact again: merged, not stored twice.
    let (_, reply) = h.say("Remember: my sister is Léa.").await;
    assert_eq!(reply, "I already knew that: my sister is Léa");
    assert_eq!(
        h.memories(USER).await,
        vec![("my sister is Léa".to_owned(), "active".to_owned())]
    );
    // A newer contradicting fact wins; the older stays as history.
    let (_, reply) = h.say("my sister is Zoé").await;
    assert_eq!(reply, "Updated: my sister is Zoé (before: my sister is Léa)");
    let (_, reply) = h.say("retiens que je prends mes médicaments à 8h").await;
    assert_eq!(reply, "C'est noté, je retiens : je prends mes médicaments à 8h");
    let (_, reply) = h.say("souviens-toi que je prends mes médicaments à 9h").await;
    assert_eq!(
        reply,
        "Mis à jour : je prends mes médicaments à 9h (avant : je prends mes médicaments à 8h)"
    );
    assert_eq!(
        h.memories(USER).await,
        vec![
            ("my sister is Léa".to_owned(), "superseded".to_owned()),
            ("my sister is Zoé".to_owned(), "active".to_owned()),
            ("je prends mes médicaments à 8h".to_owned(), "superseded".to_owned()),
            ("je prends mes médicaments à 9h".to_owned(), "active".to_owned()),
        ]
    );
    // Relative dates are stored as absolute ones.
    let (_, reply) = h.say("remember my exam is tomorrow").await;
    let tomorrow = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris) + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(reply, format!("Got it, I'll remember: my exam is on {tomorrow}"));
    // Recall: everything (newest first), or by relevance.
    let (intent, reply) = h.say("what do you know about me?").await;
    assert_eq!(intent, "recall");
    assert!(reply.starts_with("What I know about you:\n1. my exam is on"), "{reply}");
    assert!(reply.contains("my sister is Zoé") && !reply.contains("Léa"), "{reply}");
    let (_, reply) = h.say("who is my sister?").await;
    assert_eq!(
        reply,
        "What I know about you:\n1. my sister is Zoé\nText FORGET 1 to remove one."
    );
    let (_, reply) = h.say("qu'est-ce que tu sais sur moi").await;
    assert!(reply.starts_with("Ce que je sais sur toi :\n1. "), "{reply}");
    // Another person sees none of it.
    let (_, reply) = h.say_as(OTHER_USER, "what do you know about me").await;
    assert!(reply.starts_with("I don't know anything about you yet."), "{reply}");
    // Forget one (with its history).
    let (intent, reply) = h.say("forget my sister").await;
    assert_eq!(intent, "forget");
    assert_eq!(reply, "Forgotten: my sister is Zoé");
    assert!(h.memories(USER).await.iter().all(|(text, _)| !text.contains("sister")));
    let (_, reply) = h.say("forget the bicycle").await;
    assert!(reply.starts_with("I couldn't find that"), "{reply}");
    // Forget everything waits for a yes; anything else in between cancels it.
    let (intent, reply) = h.say("forget everything").await;
    assert_eq!(intent, "forget_all");
    assert!(reply.contains("Reply YES"), "{reply}");
    h.say("list").await;
    let (_, reply) = h.say("yes").await;
    assert!(reply.starts_with("Nothing is waiting for a yes"), "{reply}");
    assert_eq!(h.memories(USER).await.len(), 3);
    h.say("oublie tout").await;
    let (_, reply) = h.say("non").await;
    assert_eq!(reply, "D'accord, je ne change rien.");
    assert_eq!(h.memories(USER).await.len(), 3);
    h.say("oublie tout").await;
    let (_, reply) = h.say("oui").await;
    assert_eq!(reply, "C'est fait, j'ai oublié tout ce que je savais sur toi.");
    assert!(h.memories(USER).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_by_sms_on_sqlite() {
    remember_recall_forget(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn memory_by_sms_on_postgres() {
    remember_recall_forget(Backend::Postgres).await;
}

// Recall by meaning: a provider with an `embedding_model` (the fake, whose
// vectors put "sister" and "brother" in one concept). Its chat has no script
// (every chat request fails), so the local engine answers each message and
// only the embeddings endpoint works: what is tested is the recall, not a model.

const EMBEDDING_MODEL: &str = "text-embedding-3-small";

async fn with_embeddings(backend: Backend, fake: &FakeOpenAi) -> Harness {
    with_embeddings_tweaked(backend, fake, |_| {}).await
}

async fn with_embeddings_tweaked(
    backend: Backend,
    fake: &FakeOpenAi,
    tweak: impl FnOnce(&mut nudge_config::ProviderSettings),
) -> Harness {
    let mut settings = provider("primary", &fake.base_url());
    settings.embedding_model = Some(EMBEDDING_MODEL.to_owned());
    tweak(&mut settings);
    Harness::start_with(backend, "en", move |s| s.agent.providers = vec![settings]).await
}

/// The person's stored vectors: (memory id, model, decrypted vector).
async fn vectors(h: &Harness, user: &str) -> Vec<(String, String, Vec<f32>)> {
    use nudge_store::diesel::prelude::*;
    use nudge_store::diesel_async::RunQueryDsl;
    use nudge_store::schema::agent_memory_embeddings as e;
    let mut conn = h.db.conn().await.expect("conn");
    let rows: Vec<(String, String, Vec<u8>)> = nudge_store::with_conn!(&mut conn, c => {
        e::table
            .filter(e::user_id.eq(user))
            .order(e::memory_id.asc())
            .select((e::memory_id, e::model, e::vector))
            .load(c)
            .await
    })
    .expect("query");
    let reader = h.reader(user).await;
    rows.into_iter()
        .map(|(id, model, sealed)| {
            let bytes = reader
                .decrypt(&sealed, b"agent.memory.embedding")
                .expect("encrypted vector");
            let vector = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (id, model, vector)
        })
        .collect()
}

/// The id of the person's active memory with this text.
async fn active_id(h: &Harness, text: &str) -> String {
    use nudge_store::diesel::prelude::*;
    use nudge_store::diesel_async::RunQueryDsl;
    use nudge_store::schema::agent_memories as m;
    let mut conn = h.db.conn().await.expect("conn");
    let rows: Vec<(String, Vec<u8>)> = nudge_store::with_conn!(&mut conn, c => {
        m::table
            .filter(m::user_id.eq(USER))
            .filter(m::status.eq("active"))
            .select((m::id, m::body))
            .load(c)
            .await
    })
    .expect("query");
    let reader = h.reader(USER).await;
    rows.into_iter()
        .find(|(_, body)| reader.decrypt_to_string(body, b"agent.memory.body").expect("decrypt") == text)
        .map(|(id, _)| id)
        .expect("the memory")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Every input of every embeddings request the fake received.
fn embedded_inputs(fake: &FakeOpenAi) -> Vec<String> {
    fake.embedding_requests()
        .iter()
        .flat_map(|request| match &request["input"] {
            serde_json::Value::Array(items) => items.iter().map(|i| i.as_str().unwrap_or("").to_owned()).collect(),
            other => vec![other.as_str().unwrap_or("").to_owned()],
        })
        .collect()
}

async fn found_by_meaning_and_forgotten_with_its_vector(backend: Backend) {
    // The premise, from the fake's own vectors: no word shared, the concept is.
    let kept = nudge_fake_openai::embedding("my sister is Léa", 64);
    let asked = nudge_fake_openai::embedding("who is my brother?", 64);
    assert!(cosine(&kept, &asked) >= 0.5, "{}", cosine(&kept, &asked));
    let fake = FakeOpenAi::start(Vec::new(), None).await.expect("fake");
    let mut h = with_embeddings(backend, &fake).await;
    let (_, reply) = h.say("remember my sister is Léa").await;
    assert_eq!(reply, "Got it, I'll remember: my sister is Léa");
    h.say("remember my dentist is Dr Martin").await;
    let stored = vectors(&h, USER).await;
    assert_eq!(stored.len(), 2, "one vector per memory");
    let sister = active_id(&h, "my sister is Léa").await;
    let (_, model, vector) = stored.iter().find(|(id, _, _)| *id == sister).expect("its vector");
    assert_eq!(model, EMBEDDING_MODEL);
    assert_eq!(vector, &kept, "the vector of the memory's text, decrypted");
    // Found through its meaning only (words alone find nothing: see the failing provider test).
    let (intent, reply) = h.say("who is my brother?").await;
    assert_eq!(intent, "recall");
    assert_eq!(
        reply,
        "What I know about you:\n1. my sister is Léa\nText FORGET 1 to remove one."
    );
    // Words still count: the dentist is found by its word, the sister not shown for it.
    let (_, reply) = h.say("who is my dentist?").await;
    assert_eq!(
        reply,
        "What I know about you:\n1. my dentist is Dr Martin\nText FORGET 1 to remove one."
    );
    // Embedding tokens are the person's usage.
    let usage = h.usage(USER).await;
    assert_eq!(usage.len(), 1, "{usage:?}");
    assert!(usage[0].2 > 0, "{usage:?}");
    // A contradicting fact: the superseded memory's vector goes, as its terms do.
    h.say("my sister is Zoé").await;
    let zoe = active_id(&h, "my sister is Zoé").await;
    let ids: Vec<String> = vectors(&h, USER).await.into_iter().map(|(id, _, _)| id).collect();
    assert!(ids.contains(&zoe) && !ids.contains(&sister), "{ids:?}");
    // Forget removes the vector with its memory.
    let (_, reply) = h.say("forget my sister").await;
    assert_eq!(reply, "Forgotten: my sister is Zoé");
    let left = vectors(&h, USER).await;
    assert_eq!(left.len(), 1);
    assert!(left.iter().all(|(id, _, _)| *id != zoe));
    // Forget everything removes them all.
    h.say("forget everything").await;
    h.say("yes").await;
    assert!(h.memories(USER).await.is_empty());
    assert!(vectors(&h, USER).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn recall_by_meaning_on_sqlite() {
    found_by_meaning_and_forgotten_with_its_vector(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn recall_by_meaning_on_postgres() {
    found_by_meaning_and_forgotten_with_its_vector(Backend::Postgres).await;
}

async fn failing_embeddings_leave_lexical_recall(backend: Backend) {
    let fake = FakeOpenAi::start(Vec::new(), None).await.expect("fake");
    fake.fail_embeddings(Some(Step::Error(503)));
    let mut h = with_embeddings_tweaked(backend, &fake, |p| {
        p.breaker_failures = 2;
        p.breaker_cooldown_seconds = 1;
    })
    .await;
    // Two embeddings fail (the message as context, then the memory kept): the breaker opens.
    let (_, reply) = h.say("remember my sister is Léa").await;
    assert_eq!(reply, "Got it, I'll remember: my sister is Léa");
    assert_eq!(fake.embedding_requests().len(), 2);
    assert_eq!(
        h.memories(USER).await,
        vec![("my sister is Léa".to_owned(), "active".to_owned())],
        "kept, nothing lost"
    );
    assert!(vectors(&h, USER).await.is_empty());
    // The breaker open, recall is the lexical one, and no embeddings request goes.
    let (_, reply) = h.say("who is my sister?").await;
    assert_eq!(
        reply,
        "What I know about you:\n1. my sister is Léa\nText FORGET 1 to remove one."
    );
    let (_, reply) = h.say("who is my brother?").await;
    assert_eq!(
        reply, "I don't have anything about that yet. Text REMEMBER and the fact to keep it.",
        "no word shared: words alone find nothing"
    );
    assert_eq!(fake.embedding_requests().len(), 2, "skipped while the breaker is open");
    // Failing while half-open (one trial, after the cool-down): still words only.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (_, reply) = h.say("who is my brother?").await;
    assert!(reply.starts_with("I don't have anything about that yet."), "{reply}");
    assert_eq!(fake.embedding_requests().len(), 3, "one trial");
    // Healed: the trial after the next cool-down closes the breaker; a new memory gets
    // its vector, the one kept meanwhile keeps its words.
    fake.fail_embeddings(None);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    h.say("remember my dentist is Dr Martin").await;
    assert_eq!(vectors(&h, USER).await.len(), 1);
    let (_, reply) = h.say("who is my sister?").await;
    assert_eq!(
        reply,
        "What I know about you:\n1. my sister is Léa\nText FORGET 1 to remove one."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_embeddings_on_sqlite() {
    failing_embeddings_leave_lexical_recall(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn failing_embeddings_on_postgres() {
    failing_embeddings_leave_lexical_recall(Backend::Postgres).await;
}

async fn local_only_sends_no_embeddings(backend: Backend) {
    let fake = FakeOpenAi::start(Vec::new(), None).await.expect("fake");
    let mut h = with_embeddings(backend, &fake).await;
    h.say("local only").await;
    let (_, reply) = h.say("remember my sister is Léa").await;
    assert_eq!(reply, "Got it, I'll remember: my sister is Léa");
    let (_, reply) = h.say("who is my sister?").await;
    assert_eq!(
        reply,
        "What I know about you:\n1. my sister is Léa\nText FORGET 1 to remove one."
    );
    let (_, reply) = h.say("who is my brother?").await;
    assert!(reply.starts_with("I don't have anything about that yet."), "{reply}");
    assert!(fake.embedding_requests().is_empty(), "{:?}", fake.embedding_requests());
    assert_eq!(fake.calls(), 0, "no chat request either");
    assert!(vectors(&h, USER).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn local_only_sends_no_embeddings_on_sqlite() {
    local_only_sends_no_embeddings(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn local_only_sends_no_embeddings_on_postgres() {
    local_only_sends_no_embeddings(Backend::Postgres).await;
}

async fn embedded_text_is_masked(backend: Backend) {
    let fake = FakeOpenAi::start(Vec::new(), None).await.expect("fake");
    let mut h = with_embeddings(backend, &fake).await;
    let (_, reply) = h.say("remember my email is lea.martin@example.com").await;
    assert_eq!(reply, "Got it, I'll remember: my email is lea.martin@example.com");
    let inputs = embedded_inputs(&fake);
    assert!(
        inputs.iter().any(|input| input == "my email is [EMAIL_1]"),
        "the memory, masked: {inputs:?}"
    );
    let bodies = serde_json::Value::from(fake.embedding_requests()).to_string();
    assert!(
        !bodies.contains("lea.martin") && !bodies.contains("example.com"),
        "{bodies}"
    );
    assert_eq!(vectors(&h, USER).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn embedded_text_is_masked_on_sqlite() {
    embedded_text_is_masked(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn embedded_text_is_masked_on_postgres() {
    embedded_text_is_masked(Backend::Postgres).await;
}
