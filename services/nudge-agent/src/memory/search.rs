//! The memories a query may show, by words: the term index as one query
//! sees it, the candidates it ranks, and a memory row opened. The recall
//! tools ([`super::recall`]) and the ranking by meaning ([`super::semantic`])
//! both build on it.

use std::collections::HashMap;

use nudge_secure::PersonReader;
use nudge_store::DbConn;

use super::store::{self, MemoryRow};
use super::{Context, MEMORY_BODY, lexical};
use crate::error::AgentError;

/// A decrypted memory.
#[derive(Debug, Clone)]
pub(crate) struct Memory {
    pub(crate) id: String,
    pub(crate) text: String,
    pub(crate) active: bool,
    pub(crate) superseded_by: Option<String>,
}

impl Memory {
    /// A memory row, its text decrypted.
    pub(crate) fn open(reader: &PersonReader, row: &MemoryRow) -> Result<Memory, AgentError> {
        let text = reader
            .decrypt_to_string(&row.body, MEMORY_BODY)
            .map_err(|e| AgentError::Internal(format!("memory text: {e}")))?;
        Ok(Memory {
            id: row.id.clone(),
            text,
            active: row.status == "active",
            superseded_by: row.superseded_by.clone(),
        })
    }
}

/// The term index as one query sees it ([`term_index`]).
#[derive(Debug)]
pub(crate) struct TermIndex {
    /// The query's terms (keyed hashes).
    pub(crate) wanted: Vec<Vec<u8>>,
    /// How many active memories the person has.
    pub(crate) total: usize,
}

/// The term index ready for a query's terms (`wanted`, keyed hashes):
/// how many active memories there are, after indexing the memories whose
/// terms were hashed under a key since rotated out of the active slot.
pub(crate) async fn term_index(
    context: &Context<'_>,
    conn: &mut DbConn,
    user_id: &str,
    wanted: Vec<Vec<u8>>,
) -> Result<TermIndex, AgentError> {
    let terms_key = context.storage.keys.ring().active_key_id().as_str();
    let (total, stale) = store::index_state(conn, user_id, terms_key).await?;
    let unindexed = if stale {
        store::unindexed(conn, user_id, terms_key).await?
    } else {
        Vec::new()
    };
    let mut to_index = Vec::new();
    let reader = if unindexed.is_empty() {
        None
    } else {
        Some(context.storage.keys.for_reading(conn, user_id).await?)
    };
    for (id, body, _) in unindexed {
        let text = reader
            .as_ref()
            .ok_or_else(|| AgentError::Internal("no reader".to_owned()))?
            .decrypt_to_string(&body, MEMORY_BODY)
            .map_err(|e| AgentError::Internal(format!("memory text: {e}")))?;
        to_index.push((id, lexical::term_hashes(context.storage.keys.ring(), user_id, &text)));
    }
    if !to_index.is_empty() {
        store::index(conn, user_id, &to_index, terms_key).await?;
    }
    Ok(TermIndex { wanted, total })
}

/// The query's weighted terms and, from the index, every active memory
/// scoring at least as much as the `limit`-th by words, with its exact
/// [`lexical::rank`] score (quantized), best first ([`lexical::Scores`]):
/// the rarest terms' index rows are read first (several terms per round
/// trip to PostgreSQL, up to [`store::POSTINGS_PER_STATEMENT`] rows), the
/// common terms' only for the memories that can still reach the cut.
/// Fewer than `limit` candidates: they are all the memories sharing a word.
pub(crate) async fn lexical_candidates(
    conn: &mut DbConn,
    user_id: &str,
    index: &TermIndex,
    limit: usize,
) -> Result<(Vec<lexical::Weighted>, Vec<(i64, String)>), AgentError> {
    let frequency = store::frequencies(conn, user_id, &index.wanted).await?;
    let terms = lexical::weigh(&index.wanted, &frequency, index.total);
    let mut scores = lexical::Scores::new(&terms, limit);
    // SQLite has no round trip: one term a statement.
    let batch_rows = match conn.backend() {
        nudge_store::Backend::Postgres => store::POSTINGS_PER_STATEMENT,
        nudge_store::Backend::Sqlite => 0,
    };
    loop {
        let batch = scores.next_batch(&frequency, batch_rows);
        if batch.is_empty() {
            break;
        }
        let asked: Vec<Vec<u8>> = batch.iter().map(|term| term.to_vec()).collect();
        let mut by_term: HashMap<Vec<u8>, Vec<String>> = HashMap::new();
        for (term, id) in store::holders_of(conn, user_id, &asked).await? {
            by_term.entry(term).or_default().push(id);
        }
        for term in batch {
            scores.read(by_term.remove(term).unwrap_or_default());
        }
    }
    let (unread, to_check) = scores.to_complete();
    let mut held = Vec::new();
    if !unread.is_empty() && !to_check.is_empty() {
        held = store::held(conn, user_id, &unread, &to_check).await?;
    }
    let candidates = scores.complete(&held, &to_check);
    Ok((terms, candidates))
}
