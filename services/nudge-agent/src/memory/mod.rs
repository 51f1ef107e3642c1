//! Long-term memory: facts a person told Nudge or asked it to keep, stored
//! encrypted in `agent_memories` (context [`MEMORY_BODY`]).
//!
//! - The same fact told twice is one memory (its `mentions` grow).
//! - A newer fact about the same subject ("my sister is Léa", then "my
//!   sister is Zoé"; "je prends mes médicaments à 8h", then "... à 9h")
//!   supersedes the older, which stays as history (`status = superseded`).
//! - Relative dates ("tomorrow", "demain") are written as absolute ones
//!   before the fact is stored.
//! - Recall ranks memories lexically (folded words, light stemming,
//!   rarer words weigh more), newest first on a tie.
//!
//! - Recall by meaning, when a provider embeds ([`semantic`]).
//!
//! [`lexical`], [`blend`] and [`vectors`] are pure; [`store`] holds the
//! queries; [`search`] finds the candidates by words, [`semantic`] embeds
//! and ranks by meaning, and [`recall`] ties them (keep, recall, forget). Each is a set of functions taking a [`Context`], what the
//! feature needs of the agent, rather than methods of [`Core`](crate::state::Core).

pub(crate) mod blend;
pub(crate) mod lexical;
pub(crate) mod recall;
pub(crate) mod search;
pub(crate) mod semantic;
pub(crate) mod store;
#[cfg(test)]
mod tests;
pub(crate) mod vectors;

use crate::llm::Chain;
use crate::storage::Storage;
use vectors::VectorCache;

/// What the memory feature reads and writes, built by
/// [`Core::memory`](crate::state::Core::memory): a feature function states what it
/// needs rather than reaching into the whole agent.
pub(crate) struct Context<'a> {
    /// The person's sealed memories, terms and vectors, and the keys that
    /// open them; also where embedding usage is recorded.
    pub(crate) storage: Storage<'a>,
    /// The providers that may embed (with their breakers and prices) and the
    /// monthly budgets that decide whether a paid one may.
    pub(crate) chain: &'a Chain,
    /// This replica's decrypted vectors of the people served recently.
    pub(crate) vectors: &'a VectorCache,
}

pub(crate) use recall::{forget, keep_fact, memories, recall, relevant_memories, remember};

/// Encryption context of memory texts.
pub(crate) const MEMORY_BODY: &[u8] = b"agent.memory.body";
