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
//! [`lexical`] and [`vectors`] are pure; [`store`] holds the queries;
//! [`recall`] ties them (keep, recall, forget).

pub(crate) mod lexical;
pub(crate) mod recall;
pub(crate) mod semantic;
pub(crate) mod store;
#[cfg(test)]
mod tests;
pub(crate) mod vectors;

/// Encryption context of memory texts.
pub(crate) const MEMORY_BODY: &[u8] = b"agent.memory.body";
