//! Recall by meaning: when a provider has an `embedding_model`, each memory
//! kept is embedded (its masked text, [`Masker`]) and the vector stored
//! encrypted in `agent_memory_embeddings` (context [`MEMORY_EMBEDDING`]); a
//! recall embeds the masked query once and ranks the person's active memories
//! by `0.5 * lexical / best lexical + 0.5 * max(cosine, 0)`
//! ([`combined_order`]).
//!
//! - Words always count: a memory sharing no word with the query is shown
//!   only if its cosine is at least [`MEANING_ONLY_MIN_COSINE`].
//! - A memory with no vector (kept before embeddings, or while the provider
//!   failed) keeps its lexical score (normalized).
//! - No `embedding_model`, a person who chose the local engine, over budget
//!   with no free embedding provider, a provider failure or an open breaker:
//!   recall is the lexical one ([`Core::search_memories`]), unchanged.
//! - A failed embedding never stops a memory from being kept; it is logged
//!   without any content.
//!
//! The meaning path reads and decrypts all of the person's active memories
//! and their vectors (a person's memories are counted in hundreds); the
//! lexical path, the one without a provider, reads only what it shows.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_proto::ServiceError;
use nudge_store::schema::agent_memory_embeddings;
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

use crate::llm::mask::Masker;
use crate::llm::provider::Provider;
use crate::llm::usage;
use crate::memory;
use crate::recall::Memory;
use crate::{Core, unavailable};

/// Encryption context of a memory's embedding.
pub(crate) const MEMORY_EMBEDDING: &[u8] = b"agent.memory.embedding";

/// The cosine similarity at or above which a memory sharing no word with the
/// query is still shown (by meaning alone).
pub(crate) const MEANING_ONLY_MIN_COSINE: f32 = 0.5;

/// Weight of the lexical score (normalized by the best one) in the combined score; the
/// cosine has the rest.
const LEXICAL_WEIGHT: f64 = 0.5;

/// Time given to one embeddings request (retries included), on top of each
/// provider's own `timeout_ms`.
const EMBEDDING_DEADLINE: Duration = Duration::from_secs(2);

/// A vector made by an embedding model.
#[derive(Debug, Clone)]
pub(crate) struct Embedded {
    pub(crate) model: String,
    pub(crate) vector: Vec<f32>,
}

/// Cosine similarity (0 when either vector is null or their lengths differ).
pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    (dot / (na.sqrt() * nb.sqrt())) as f32
}

/// The order of memories (indexes, oldest memory first) for a query, given
/// each one's lexical score ([`memory::lexical_scores`]) and cosine with the
/// query (`None`: no vector): best first, a tie to the later memory; memories
/// neither sharing a word nor close enough in meaning are left out.
pub(crate) fn combined_order(lexical: &[f64], cosines: &[Option<f32>]) -> Vec<usize> {
    let best = lexical.iter().copied().fold(0.0, f64::max);
    let mut scored: Vec<(f64, usize)> = lexical
        .iter()
        .zip(cosines)
        .enumerate()
        .filter_map(|(index, (lexical, cosine))| {
            let words = if best > 0.0 { lexical / best } else { 0.0 };
            let score = match cosine {
                None if words > 0.0 => words,
                None => return None,
                Some(cosine) if words > 0.0 => {
                    LEXICAL_WEIGHT * words + (1.0 - LEXICAL_WEIGHT) * f64::from(cosine.max(0.0))
                }
                Some(cosine) if *cosine >= MEANING_ONLY_MIN_COSINE => (1.0 - LEXICAL_WEIGHT) * f64::from(*cosine),
                Some(_) => return None,
            };
            Some((score, index))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().map(|(_, index)| index).collect()
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

/// Deletes the vectors of these memories of the person.
pub(crate) async fn delete(conn: &mut DbConn, user_id: &str, ids: &[String]) -> QueryResult<usize> {
    with_conn!(conn, c => {
        diesel::delete(
            agent_memory_embeddings::table
                .filter(agent_memory_embeddings::user_id.eq(user_id))
                .filter(agent_memory_embeddings::memory_id.eq_any(ids)),
        )
        .execute(c)
        .await
    })
}

impl Core {
    /// The providers that may embed for the person now, in order (none: words only).
    async fn embedders(&self, user_id: &str) -> Result<Vec<&Provider>, ServiceError> {
        let usable: Vec<&Provider> = self
            .chain
            .providers
            .iter()
            .filter(|provider| provider.embeddings_allowed())
            .collect();
        if usable.is_empty() {
            // No database read: the lexical path stays exactly as it was.
            return Ok(usable);
        }
        let mut conn = self.db.conn().await.map_err(unavailable)?;
        let preferences = usage::preferences(&mut conn, user_id).await.map_err(unavailable)?;
        if preferences.local_only {
            return Ok(Vec::new());
        }
        let month = nudge_store::now().format("%Y-%m").to_string();
        let spent = usage::month_cost(&mut conn, user_id, &month)
            .await
            .map_err(unavailable)?;
        let over_budget = spent >= self.chain.budget(&preferences.plan);
        Ok(usable
            .into_iter()
            .filter(|provider| !over_budget || provider.free)
            .collect())
    }

    /// The vector of `text`, masked as the chat masks it, from the first
    /// provider that embeds it; `None` when none may or none did (logged,
    /// without the text).
    pub(crate) async fn embed(&self, user_id: &str, text: &str) -> Result<Option<Embedded>, ServiceError> {
        let providers = self.embedders(user_id).await?;
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
                    self.record_embedding_usage(user_id, provider, prompt_tokens).await;
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

    async fn record_embedding_usage(&self, user_id: &str, provider: &Provider, prompt_tokens: u32) {
        let month = nudge_store::now().format("%Y-%m").to_string();
        let this = usage::Usage {
            month: &month,
            provider: &provider.name,
            prompt_tokens,
            completion_tokens: 0,
            cost_micros: provider.cost_micros(prompt_tokens, 0),
        };
        let recorded = match self.db.conn().await {
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

    /// After a memory is kept: its vector stored (when a provider embeds for
    /// the person) and the vector of the memory it superseded dropped, as its
    /// terms were. Never fails the keeping: an error is logged, without content.
    pub(crate) async fn embed_kept(&self, user_id: &str, memory_id: &str, text: &str, superseded: Option<&str>) {
        if let Err(error) = self.try_embed_kept(user_id, memory_id, text, superseded).await {
            tracing::warn!(memory.id = %memory_id, error = %error.message, "memory kept without its embedding");
        }
    }

    async fn try_embed_kept(
        &self,
        user_id: &str,
        memory_id: &str,
        text: &str,
        superseded: Option<&str>,
    ) -> Result<(), ServiceError> {
        if let Some(old) = superseded {
            let mut conn = self.db.conn().await.map_err(unavailable)?;
            delete(&mut conn, user_id, &[old.to_owned()])
                .await
                .map_err(unavailable)?;
        }
        let Some(embedded) = self.embed(user_id, text).await? else {
            return Ok(());
        };
        let vector = self.keys.encrypt(&to_bytes(&embedded.vector), MEMORY_EMBEDDING);
        let mut conn = self.db.conn().await.map_err(unavailable)?;
        save(
            &mut conn,
            user_id,
            memory_id,
            &embedded.model,
            &vector,
            nudge_store::now(),
        )
        .await
        .map_err(unavailable)
    }

    /// Active memories most relevant to `query`, at most `limit`: by words and
    /// meaning when a provider embeds for the person, else by words only
    /// ([`Core::search_memories`]).
    pub(crate) async fn relevant_memories(
        &self,
        user_id: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Memory>, ServiceError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let Some(embedded) = self.embed(user_id, query).await? else {
            return self.search_memories(user_id, query, limit).await;
        };
        let memories = self.memories(user_id, true).await?;
        let mut conn = self.db.conn().await.map_err(unavailable)?;
        let rows = load(&mut conn, user_id, &embedded.model).await.map_err(unavailable)?;
        drop(conn);
        let mut vectors: HashMap<String, Vec<f32>> = HashMap::with_capacity(rows.len());
        for (id, sealed) in rows {
            // A vector that cannot be read counts as absent (the lexical score stays).
            if let Some(vector) = self
                .keys
                .decrypt(&sealed, MEMORY_EMBEDDING)
                .ok()
                .and_then(|bytes| from_bytes(&bytes))
            {
                vectors.insert(id, vector);
            }
        }
        let texts: Vec<String> = memories.iter().map(|m| m.text.clone()).collect();
        let lexical = memory::lexical_scores(query, &texts);
        let cosines: Vec<Option<f32>> = memories
            .iter()
            .map(|m| vectors.get(&m.id).map(|v| cosine(&embedded.vector, v)))
            .collect();
        let order = combined_order(&lexical, &cosines);
        Ok(order
            .into_iter()
            .take(limit)
            .filter_map(|index| memories.get(index).cloned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(lexical: &[f64], cosines: &[Option<f32>], expected: &[usize]) {
        assert_eq!(combined_order(lexical, cosines), expected);
    }

    #[test]
    fn words_and_meaning_combine() {
        // Words only when no vector: the lexical order, a tie to the later memory.
        check(&[1.0, 2.0, 0.0], &[None, None, None], &[1, 0]);
        check(&[1.0, 1.0], &[None, None], &[1, 0]);
        // Meaning alone: at the threshold, in; below, out.
        check(&[0.0, 0.0], &[Some(0.5), Some(0.49)], &[0]);
        // Meaning lifts a weaker lexical match: 0.5 * 0.5 + 0.5 * 0.9 = 0.7 > 0.5 * 1 + 0.5 * 0.1 = 0.55.
        check(&[1.0, 2.0], &[Some(0.9), Some(0.1)], &[0, 1]);
        // A negative cosine counts as 0 (a tie, to the later memory), never below the words.
        check(&[2.0, 2.0], &[Some(0.0), Some(-0.9)], &[1, 0]);
        // A memory with no vector keeps its (normalized) lexical score: 1.0 > 0.5 + 0.5 * 0.8.
        check(&[2.0, 2.0, 0.0], &[None, Some(0.8), Some(0.9)], &[0, 1, 2]);
    }

    #[test]
    fn vectors_round_trip_and_cosine() {
        let vector = vec![0.25f32, -1.5, 3.0];
        assert_eq!(from_bytes(&to_bytes(&vector)), Some(vector.clone()));
        assert_eq!(from_bytes(&[0, 1, 2]), None);
        assert!((cosine(&vector, &vector) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
        assert!((cosine(&[1.0, 0.0], &[0.0, 1.0])).abs() < 1e-6);
    }

    /// A memory's vector is counted (not exported) in the GDPR export and erased with the person.
    async fn exported_as_a_count_and_erased(database: nudge_testkit::TestDatabase) {
        const USER: &str = "0190a000-0000-7000-8000-0000000000e1";
        let fake = nudge_fake_openai::FakeOpenAi::start(Vec::new(), None)
            .await
            .expect("fake");
        let mut settings = nudge_config::Settings::default();
        settings.database.url = database.url.clone();
        settings.agent.providers = vec![nudge_config::ProviderSettings {
            name: "primary".to_owned(),
            base_url: fake.base_url(),
            model: "chat".to_owned(),
            embedding_model: Some("text-embedding-3-small".to_owned()),
            api_key_env: None,
            api_key_file: None,
            timeout_ms: 1_000,
            retries: 0,
            breaker_failures: 5,
            breaker_cooldown_seconds: 60,
            input_micros_per_million: 0,
            output_micros_per_million: 0,
        }];
        let db = nudge_store::Db::connect(&settings.database).expect("db");
        db.migrate().await.expect("migrate");
        let channel =
            nudge_runtime::grpc_channel("http://127.0.0.1:9", std::time::Duration::from_secs(1)).expect("channel");
        let core = Core {
            db: db.clone(),
            keys: nudge_secure::KeyRing::new("k1", [("k1".to_owned(), nudge_secure::KeyRing::generate_key())])
                .expect("keys"),
            workers: nudge_proto::workers::reminder_service_client::ReminderServiceClient::new(channel.clone()),
            sms: nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient::new(channel),
            chain: crate::llm::Chain::new(&settings.agent).expect("chain"),
        };
        core.keep_fact(USER, "my sister is Léa", "k:1").await.expect("kept");
        let mut conn = db.conn().await.expect("conn");
        let stored = load(&mut conn, USER, "text-embedding-3-small").await.expect("load");
        assert_eq!(stored.len(), 1);
        let export = crate::privacy::export(&core, &mut conn, USER).await.expect("export");
        assert_eq!(export["memory_embeddings"], 1, "{export}");
        let erased = crate::privacy::erase(&mut conn, USER).await.expect("erase");
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
