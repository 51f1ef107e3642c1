//! Recall by meaning: when a provider has an `embedding_model`, each memory
//! kept is embedded (its masked text, [`Masker`]) and the vector stored
//! encrypted in `agent_memory_embeddings` (context [`MEMORY_EMBEDDING`]); a
//! recall embeds the masked query once and ranks the person's active memories
//! by their [`blend`] of words and meaning ([`super::blend`], pure).
//!
//! - No `embedding_model`, a person who chose the local engine, over budget
//!   with no free embedding provider, a provider failure or an open breaker:
//!   recall is the lexical one ([`super::recall::search_memories`]), unchanged.
//! - A failed embedding never stops a memory from being kept; it is logged
//!   without any content.
//!
//! How a recall stays quick with thousands of memories
//! ([`relevant_memories`]): only active memories have a vector (a
//! vector goes in the same transaction as its memory's deletion or
//! supersession), and every change to a person's vectors gives them a new
//! random stamp (`agent_embedding_stamps`). Each agent replica keeps the
//! decrypted vectors of the people it served recently ([`VectorCache`](super::vectors::VectorCache),
//! bounded, dropped after [`VECTORS_IDLE`](super::vectors::VECTORS_IDLE) unused) and checks the stamp with
//! one read. A recall then takes the best memories by words from the term
//! index ([`super::search::lexical_candidates`], as the lexical path does) and the
//! best by cosine from the vectors, blends them, and stops once no memory
//! left out of both lists can reach the cut ([`fused`]); otherwise it widens
//! both lists. Only the memories shown are read and decrypted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{agent_embedding_stamps, agent_memory_embeddings};
use nudge_store::{DbConn, Transact as _, diesel, diesel_async, with_conn};

use super::blend::{LeftOut, closest, fused};
use super::search::{TermIndex, lexical_candidates};
use super::store::{self, restamp};
use super::vectors::{PersonVectors, Ranked};
use super::{Context, lexical};
use crate::error::AgentError;
use crate::llm::mask::Masker;
use crate::llm::provider::Provider;
use crate::llm::usage;

/// Encryption context of a memory's embedding.
pub(crate) const MEMORY_EMBEDDING: &[u8] = b"agent.memory.embedding";

/// Time given to one embeddings request (retries included), on top of each
/// provider's own `timeout_ms`.
const EMBEDDING_DEADLINE: Duration = Duration::from_secs(2);

/// A vector made by an embedding model.
#[derive(Debug, Clone)]
pub(crate) struct Embedded {
    pub(crate) model: String,
    pub(crate) vector: Vec<f32>,
}

pub(crate) fn to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect(),
    )
}

/// Stores (or replaces) a memory's vector, encrypted.
pub(crate) async fn save(
    conn: &mut DbConn,
    user_id: &str,
    memory_id: &str,
    model: &str,
    vector: &[u8],
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            diesel::insert_into(agent_memory_embeddings::table)
                .values((
                    agent_memory_embeddings::memory_id.eq(memory_id),
                    agent_memory_embeddings::user_id.eq(user_id),
                    agent_memory_embeddings::model.eq(model),
                    agent_memory_embeddings::vector.eq(vector),
                    agent_memory_embeddings::created_at.eq(now),
                ))
                .on_conflict(agent_memory_embeddings::memory_id)
                .do_update()
                .set((
                    agent_memory_embeddings::model.eq(model),
                    agent_memory_embeddings::vector.eq(vector),
                    agent_memory_embeddings::created_at.eq(now),
                ))
                .execute(c)
                .await?;
            // With the vector: a replica reading the new stamp finds it.
            restamp(user_id).execute(c).await
        })
        .await
    })?;
    Ok(())
}

/// The person's vectors made by `model`: memory id, encrypted vector.
pub(crate) async fn load(conn: &mut DbConn, user_id: &str, model: &str) -> QueryResult<Vec<(String, Vec<u8>)>> {
    with_conn!(conn, c => {
        agent_memory_embeddings::table
            .filter(agent_memory_embeddings::user_id.eq(user_id))
            .filter(agent_memory_embeddings::model.eq(model))
            .select((agent_memory_embeddings::memory_id, agent_memory_embeddings::vector))
            .load(c)
            .await
    })
}

/// The person's current stamp (`None`: no vector was ever stored, or erased).
async fn stamp(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<i64>> {
    with_conn!(conn, c => {
        agent_embedding_stamps::table
            .find(user_id)
            .select(agent_embedding_stamps::stamp)
            .first(c)
            .await
            .optional()
    })
}

/// The providers that may embed for the person now, in order (none: words only).
async fn embedders<'a>(context: &Context<'a>, user_id: &str) -> Result<Vec<&'a Provider>, AgentError> {
    let usable: Vec<&'a Provider> = context
        .chain
        .providers
        .iter()
        .filter(|provider| provider.embeddings_allowed())
        .collect();
    if usable.is_empty() {
        // No database read: the lexical path stays exactly as it was.
        return Ok(usable);
    }
    let mut conn = context.storage.db.conn().await?;
    let preferences = usage::preferences(&mut conn, user_id).await?;
    if preferences.local_only {
        return Ok(Vec::new());
    }
    let month = nudge_store::now().format("%Y-%m").to_string();
    let spent = usage::month_cost(&mut conn, user_id, &month).await?;
    let over_budget = spent >= context.chain.budget(&preferences.plan);
    Ok(usable
        .into_iter()
        .filter(|provider| !over_budget || provider.free)
        .collect())
}

/// The vector of `text`, masked as the chat masks it, from the first
/// provider that embeds it; `None` when none may or none did (logged,
/// without the text).
pub(crate) async fn embed(context: &Context<'_>, user_id: &str, text: &str) -> Result<Option<Embedded>, AgentError> {
    let providers = embedders(context, user_id).await?;
    if providers.is_empty() {
        return Ok(None);
    }
    let masked = Masker::default().mask(text);
    for provider in providers {
        let Some(model) = provider.embedding_model() else {
            continue;
        };
        let deadline = Instant::now() + EMBEDDING_DEADLINE;
        match provider.embed(std::slice::from_ref(&masked), deadline).await {
            Ok((mut vectors, prompt_tokens)) => {
                let Some(vector) = vectors.pop() else {
                    continue;
                };
                record_embedding_usage(context, user_id, provider, prompt_tokens).await;
                return Ok(Some(Embedded {
                    model: model.to_owned(),
                    vector,
                }));
            }
            Err(error) => {
                tracing::warn!(provider = %provider.name, reason = error.label(), "embedding failed");
            }
        }
    }
    Ok(None)
}

async fn record_embedding_usage(context: &Context<'_>, user_id: &str, provider: &Provider, prompt_tokens: u32) {
    let month = nudge_store::now().format("%Y-%m").to_string();
    let this = usage::Usage {
        month: &month,
        provider: &provider.name,
        prompt_tokens,
        completion_tokens: 0,
        cost_micros: provider.cost_micros(prompt_tokens, 0),
    };
    let recorded = match context.storage.db.conn().await {
        Ok(mut conn) => usage::record(&mut conn, user_id, &this, nudge_store::now())
            .await
            .map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    if let Err(error) = recorded {
        tracing::error!(%error, "embedding usage not recorded");
    }
    metrics::counter!("nudge_agent_model_tokens_total", "provider" => provider.name.clone())
        .increment(u64::from(prompt_tokens));
}

/// After a memory is kept: its vector stored, when a provider embeds for
/// the person (the vector of a memory it superseded went with it,
/// [`store::insert`]). Never fails the keeping: an error is logged,
/// without content.
pub(crate) async fn embed_kept(context: &Context<'_>, user_id: &str, memory_id: &str, text: &str) {
    if let Err(error) = try_embed_kept(context, user_id, memory_id, text).await {
        let error = nudge_proto::ServiceError::from(error);
        tracing::warn!(memory.id = %memory_id, error = %error.message, "memory kept without its embedding");
    }
}

async fn try_embed_kept(context: &Context<'_>, user_id: &str, memory_id: &str, text: &str) -> Result<(), AgentError> {
    let Some(embedded) = embed(context, user_id, text).await? else {
        return Ok(());
    };
    let mut conn = context.storage.db.conn().await?;
    let vector = context
        .storage
        .keys
        .for_writing(&mut conn, user_id)
        .await?
        .encrypt(&to_bytes(&embedded.vector), MEMORY_EMBEDDING);
    Ok(save(
        &mut conn,
        user_id,
        memory_id,
        &embedded.model,
        &vector,
        nudge_store::now(),
    )
    .await?)
}

/// The person's vectors of `model`, decrypted: from this replica's
/// memory while the person's stamp is unchanged, else read again.
pub(crate) async fn person_vectors(
    context: &Context<'_>,
    conn: &mut DbConn,
    user_id: &str,
    model: &str,
) -> Result<Arc<PersonVectors>, AgentError> {
    // The stamp before the vectors: a change in between makes the next
    // recall read them again, never the other way round.
    let stamp = stamp(conn, user_id).await?;
    if let Some(held) = context.vectors.get(user_id, model, stamp) {
        return Ok(held);
    }
    let rows = load(conn, user_id, model).await?;
    let reader = context.storage.keys.for_reading(conn, user_id).await?;
    let vectors = rows
        .into_iter()
        .filter_map(|(id, sealed)| {
            // A vector that cannot be read counts as absent (the lexical score stays).
            let vector = from_bytes(&reader.decrypt(&sealed, MEMORY_EMBEDDING).ok()?)?;
            Some((id, vector))
        })
        .collect();
    let vectors = Arc::new(PersonVectors::new(model, stamp, vectors));
    context.vectors.put(user_id, Arc::clone(&vectors));
    Ok(vectors)
}

/// The candidates of a recall by words and meaning with their blend
/// (quantized), every one scoring at least the `limit`-th ([`fused`]),
/// taking the `first` best of each side first.
pub(crate) async fn blended_candidates(
    conn: &mut DbConn,
    user_id: &str,
    index: &TermIndex,
    vectors: Arc<PersonVectors>,
    query: Vec<f32>,
    (limit, first): (usize, usize),
) -> Result<Vec<(i64, String)>, AgentError> {
    // The cosines on another thread while the index is read (a few ms
    // each with 10,000 memories).
    let mut ranking = Some(tokio::task::spawn_blocking(move || vectors.ranked(&query)));
    let mut by_meaning: Option<Ranked> = None;
    let mut n = limit.max(first).max(1);
    loop {
        let (terms, by_words) = if index.wanted.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            lexical_candidates(conn, user_id, index, n).await?
        };
        if let Some(ranking) = ranking.take() {
            let ranked = ranking
                .await
                .map_err(|e| AgentError::Internal(format!("ranking by meaning: {e}")))?;
            by_meaning = Some(ranked);
        }
        let Some(by_meaning) = by_meaning.as_ref() else {
            return Err(AgentError::Internal("ranking by meaning missing".to_owned()));
        };
        // Only active memories have a vector: the others have none.
        let some_without_vector = index.total > by_meaning.len();
        let total_weight: f64 = terms.iter().map(|term| term.weight).sum();
        // Fewer than `n` by words: they are all the memories sharing a word.
        let words_all = by_words.len() < n;
        let lexical_below = if words_all {
            0.0
        } else {
            by_words.last().map_or(0.0, |(score, _)| lexical::unquantized(*score))
        };
        let (close, cosine_at_most) = closest(&by_meaning.order, n);
        let meaning_all = cosine_at_most.is_none();
        let mut lexical: HashMap<&str, f64> = by_words
            .iter()
            .map(|(score, id)| (id.as_str(), lexical::unquantized(*score)))
            .collect();
        // The words of the memories close in meaning but not among the best by words.
        let unscored: Vec<String> = close
            .iter()
            .map(|(_, position)| by_meaning.id(*position))
            .filter(|id| !lexical.contains_key(id))
            .map(str::to_owned)
            .collect();
        let mut held_words: HashMap<String, f64> = HashMap::new();
        if !words_all && !unscored.is_empty() {
            let all: Vec<Vec<u8>> = terms.iter().map(|term| term.term.clone()).collect();
            let held = store::held(conn, user_id, &all, &unscored).await?;
            let holds: HashSet<(&str, &[u8])> = held
                .iter()
                .map(|posting| (posting.memory_id.as_str(), posting.term.as_slice()))
                .collect();
            for id in &unscored {
                // Summed in the index's order, as the lexical path sums.
                let score = terms
                    .iter()
                    .filter(|term| holds.contains(&(id.as_str(), term.term.as_slice())))
                    .fold(0.0, |sum, term| sum + term.weight);
                held_words.insert(id.clone(), lexical::unquantized(lexical::quantized(score)));
            }
        }
        for id in &unscored {
            lexical.insert(id, held_words.get(id.as_str()).copied().unwrap_or(0.0));
        }
        let candidates: Vec<(String, f64, Option<f32>)> = lexical
            .iter()
            .map(|(id, score)| ((*id).to_owned(), *score, by_meaning.cosine(id)))
            .collect();
        let left_out = LeftOut {
            lexical_below,
            cosine_at_most,
            some_without_vector,
        };
        if let Some(found) = fused(&candidates, total_weight, left_out, limit) {
            return Ok(found);
        }
        if words_all && meaning_all {
            // Nothing is left out: `fused` has answered above.
            return Ok(Vec::new());
        }
        // How often the first candidates do not settle a recall.
        metrics::counter!("nudge_agent_recall_widened_total").increment(1);
        n = n.saturating_mul(4);
    }
}

/// Settings with one provider, `fake` (on loopback), embedding with
/// `text-embedding-3-small`.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn fake_embedding_settings(fake: &nudge_fake_openai::FakeOpenAi) -> nudge_config::Settings {
    let mut settings = nudge_config::Settings::default();
    settings.agent.providers = vec![nudge_config::ProviderSettings {
        name: "fake".to_owned(),
        base_url: fake.base_url(),
        model: "fake-chat".to_owned(),
        embedding_model: Some("text-embedding-3-small".to_owned()),
        api_key_env: None,
        api_key_file: None,
        timeout_ms: 2_000,
        retries: 0,
        breaker_failures: 5,
        breaker_cooldown_seconds: 60,
        input_micros_per_million: 0,
        output_micros_per_million: 0,
    }];
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::vectors::{cosine, norm};
    use crate::state::Core;

    #[test]
    fn vectors_round_trip_and_cosine() {
        let vector = vec![0.25f32, -1.5, 3.0];
        assert_eq!(from_bytes(&to_bytes(&vector)), Some(vector.clone()));
        assert_eq!(from_bytes(&[0, 1, 2]), None);
        let cos = |a: &[f32], b: &[f32]| cosine(a, norm(a), b, norm(b));
        assert!((cos(&vector, &vector) - 1.0).abs() < 1e-6);
        assert_eq!(cos(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cos(&[1.0], &[1.0, 0.0]), 0.0);
        assert!((cos(&[1.0, 0.0], &[0.0, 1.0])).abs() < 1e-6);
    }

    /// A memory's vector is counted (not exported) in the GDPR export and erased with the person.
    async fn exported_as_a_count_and_erased(database: nudge_testkit::TestDatabase) {
        const USER: &str = "0190a000-0000-7000-8000-0000000000e1";
        let fake = nudge_fake_openai::FakeOpenAi::start(Vec::new(), None)
            .await
            .expect("fake");
        let mut settings = fake_embedding_settings(&fake);
        settings.database.url = database.url.clone();
        let db = nudge_store::Db::connect(&settings.database).expect("db");
        db.migrate().await.expect("migrate");
        let keys =
            nudge_secure::KeyRing::new("k1", [("k1".to_owned(), nudge_secure::KeyRing::generate_key())]).expect("keys");
        let core = Core::for_tests(&db, keys, &settings);
        crate::memory::keep_fact(&core.memory(), USER, "my sister is Léa", "k:1")
            .await
            .expect("kept");
        let mut conn = db.conn().await.expect("conn");
        let stored = load(&mut conn, USER, "text-embedding-3-small").await.expect("load");
        assert_eq!(stored.len(), 1);
        let export = crate::privacy::export(&core, &mut conn, USER).await.expect("export");
        assert_eq!(export["memory_embeddings"], 1, "{export}");
        let erased = crate::privacy::erase(&core, &mut conn, USER).await.expect("erase");
        assert!(
            erased
                .iter()
                .any(|t| t.table == "agent_memory_embeddings" && t.rows == 1),
            "{erased:?}"
        );
        let left = load(&mut conn, USER, "text-embedding-3-small").await.expect("load");
        assert!(left.is_empty());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn exported_as_a_count_and_erased_on_sqlite() {
        exported_as_a_count_and_erased(nudge_testkit::TestDatabase::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL"]
    async fn exported_as_a_count_and_erased_on_postgres() {
        exported_as_a_count_and_erased(nudge_testkit::TestDatabase::postgres().await).await;
    }
}
