//! The memory tools: remember, recall, forget, and the memories a query
//! shows, ranked by words ([`super::search`]) or by words and meaning
//! ([`super::semantic`]). The person is always the turn's person (from the
//! verified phone pair).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use nudge_core::Language;

use super::search::{Memory, TermIndex, lexical_candidates, term_index};
use super::store;
use super::{Context, MEMORY_BODY, lexical, semantic};
use crate::engine::{ForgetTarget, ListingKind};
use crate::error::AgentError;
use crate::replies;
use crate::turn::Turn;
use nudge_store::DbConn;

/// The most memories a recall lists.
const RECALL_LIMIT: usize = 5;

/// What `remember` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Remembered {
    New(String),
    /// Told before: merged.
    Again(String),
    /// Replaced an older fact (kept as history): the new text and the old.
    Updated(String, String),
}

/// How a recall ranks the memories it may show ([`shown`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ranking<'a> {
    /// By words, from the term index ([`lexical_candidates`]).
    Words,
    /// By words and meaning ([`semantic::blended_candidates`]): the query's
    /// vector made by `model`, the `first` best of each side taken first.
    Meaning {
        model: &'a str,
        query: &'a [f32],
        first: usize,
    },
}

/// The person's memories, decrypted, oldest first.
pub(crate) async fn memories(
    context: &Context<'_>,
    user_id: &str,
    active_only: bool,
) -> Result<Vec<Memory>, AgentError> {
    let mut conn = context.storage.db.conn().await?;
    let rows = store::list(&mut conn, user_id, active_only).await?;
    let reader = context.storage.keys.for_reading(&mut conn, user_id).await?;
    drop(conn);
    rows.iter().map(|row| Memory::open(&reader, row)).collect()
}

/// Keeps a fact: merged with the same fact, or superseding one it contradicts.
pub(crate) async fn keep_fact(
    context: &Context<'_>,
    user_id: &str,
    fact: &str,
    idempotency_key: &str,
) -> Result<Remembered, AgentError> {
    let existing = memories(context, user_id, true).await?;
    let mut conn = context.storage.db.conn().await?;
    if let Some(id) = store::by_key(&mut conn, user_id, idempotency_key).await? {
        // A retry of a message already handled.
        let text = existing.iter().find(|m| m.id == id).map_or(fact, |m| m.text.as_str());
        return Ok(Remembered::New(text.to_owned()));
    }
    let wanted = lexical::normalized(fact);
    if let Some(same) = existing.iter().find(|m| lexical::normalized(&m.text) == wanted) {
        store::mention(&mut conn, user_id, &same.id, nudge_store::now()).await?;
        return Ok(Remembered::Again(same.text.clone()));
    }
    let subject = lexical::subject(fact);
    let contradicted = subject.as_ref().and_then(|subject| {
        existing
            .iter()
            .rev()
            .find(|m| lexical::subject(&m.text).as_ref() == Some(subject))
    });
    let body = context
        .storage
        .keys
        .for_writing(&mut conn, user_id)
        .await?
        .encrypt_str(fact, MEMORY_BODY);
    let terms = lexical::term_hashes(context.storage.keys.ring(), user_id, fact);
    let id = store::insert(
        &mut conn,
        user_id,
        store::NewMemory {
            body: &body,
            terms: &terms,
            terms_key: context.storage.keys.ring().active_key_id().as_str(),
        },
        idempotency_key,
        contradicted.map(|m| m.id.as_str()),
        nudge_store::now(),
    )
    .await?;
    drop(conn);
    semantic::embed_kept(context, user_id, &id, fact).await;
    Ok(match contradicted {
        Some(old) => Remembered::Updated(fact.to_owned(), old.text.clone()),
        None => Remembered::New(fact.to_owned()),
    })
}

pub(crate) async fn remember(
    context: &Context<'_>,
    turn: &Turn<'_>,
    fact: &str,
    lang: Language,
) -> Result<String, AgentError> {
    let fact = lexical::absolute(fact, turn.now(), lang);
    let key = format!("sms:{}", turn.message_id);
    Ok(match keep_fact(context, &turn.user(), &fact, &key).await? {
        Remembered::New(text) => replies::remembered(lang, &text),
        Remembered::Again(text) => replies::remembered_again(lang, &text),
        Remembered::Updated(text, old) => replies::remembered_updated(lang, &text, &old),
    })
}

/// Active memories best matching `query`, at most `limit`, ranked as
/// [`lexical::rank`] does but from the term index ([`lexical_candidates`]),
/// and only the memories shown are read and decrypted.
pub(crate) async fn search_memories(
    context: &Context<'_>,
    user_id: &str,
    query: &str,
    limit: usize,
) -> Result<Vec<Memory>, AgentError> {
    let wanted = lexical::term_hashes(context.storage.keys.ring(), user_id, query);
    if wanted.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut conn = context.storage.db.conn().await?;
    let index = term_index(context, &mut conn, user_id, wanted).await?;
    shown(context, &mut conn, user_id, &index, limit, Ranking::Words).await
}

/// The best `limit` memories for a query (`index`) as `ranking` ranks
/// them, read and decrypted: a higher score first, then the later memory.
/// Candidates whose memory is no longer active (superseded or forgotten
/// while the ranking read the index) are left out and the ranking redone
/// (three times at most).
pub(crate) async fn shown(
    context: &Context<'_>,
    conn: &mut DbConn,
    user_id: &str,
    index: &TermIndex,
    limit: usize,
    ranking: Ranking<'_>,
) -> Result<Vec<Memory>, AgentError> {
    let mut best = Vec::new();
    let mut rows = Vec::new();
    for _ in 0..3 {
        let candidates = match ranking {
            Ranking::Words => lexical_candidates(conn, user_id, index, limit).await?.1,
            Ranking::Meaning { model, query, first } => {
                let vectors = semantic::person_vectors(context, conn, user_id, model).await?;
                semantic::blended_candidates(conn, user_id, index, vectors, query.to_vec(), (limit, first)).await?
            }
        };
        let ids: Vec<String> = candidates.iter().map(|(_, id)| id.clone()).collect();
        // The candidates' rows, bodies included: the shown ones are among
        // them (one query rather than two).
        rows = store::rows_with_creation(conn, user_id, &ids).await?;
        let created: HashMap<String, NaiveDateTime> = rows
            .iter()
            .filter(|(row, _)| row.status == "active")
            .map(|(row, at)| (row.id.clone(), *at))
            .collect();
        best = lexical::best(&candidates, &created, limit);
        if ids.iter().all(|id| created.contains_key(id)) {
            break;
        }
    }
    let mut found = Vec::with_capacity(best.len());
    let reader = context.storage.reader(user_id).await?;
    for id in &best {
        if let Some((row, _)) = rows.iter().find(|(row, _)| &row.id == id && row.status == "active") {
            found.push(Memory::open(&reader, row)?);
        }
    }
    Ok(found)
}

/// Active memories most relevant to `query`, at most `limit`: by words and
/// meaning when a provider embeds for the person, else by words only
/// ([`search_memories`]).
///
/// By words and meaning: the `n` best memories by words (the term index,
/// ties included) and the `n` best by cosine (the vectors, ties
/// included), each blended with its exact score on the other side; once
/// no memory left out of both can reach the `limit`-th blend ([`fused`])
/// the order is the one a blend of every memory gives, else `n` grows
/// fourfold, up to every memory. Only the memories shown are decrypted.
pub(crate) async fn relevant_memories(
    context: &Context<'_>,
    user_id: &str,
    query: &str,
    limit: usize,
) -> Result<Vec<Memory>, AgentError> {
    relevant_memories_from(context, user_id, query, limit, FIRST_CANDIDATES).await
}

/// [`relevant_memories`], taking the `first` best from each side
/// first (tests take few, to widen often).
pub(crate) async fn relevant_memories_from(
    context: &Context<'_>,
    user_id: &str,
    query: &str,
    limit: usize,
    first: usize,
) -> Result<Vec<Memory>, AgentError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let Some(embedded) = semantic::embed(context, user_id, query).await? else {
        return search_memories(context, user_id, query, limit).await;
    };
    let wanted = lexical::term_hashes(context.storage.keys.ring(), user_id, query);
    let mut conn = context.storage.db.conn().await?;
    let index = term_index(context, &mut conn, user_id, wanted).await?;
    let ranking = Ranking::Meaning {
        model: &embedded.model,
        query: &embedded.vector,
        first,
    };
    shown(context, &mut conn, user_id, &index, limit, ranking).await
}

/// How many memories a recall by meaning takes first from each side.
const FIRST_CANDIDATES: usize = 50;

pub(crate) async fn recall(
    context: &Context<'_>,
    turn: &Turn<'_>,
    about: Option<&str>,
    lang: Language,
) -> Result<String, AgentError> {
    let user = turn.user();
    let shown = match about {
        None => {
            let mut all = memories(context, &user, true).await?;
            all.reverse();
            if all.is_empty() {
                return Ok(replies::no_memories(lang));
            }
            all
        }
        Some(query) => {
            let found = relevant_memories(context, &user, query, RECALL_LIMIT).await?;
            if found.is_empty() {
                return Ok(replies::nothing_about(lang));
            }
            found
        }
    };
    let ids: Vec<String> = shown.iter().map(|m| m.id.clone()).collect();
    crate::listing::save(&context.storage, turn, ListingKind::Memories, &ids).await?;
    let lines: Vec<String> = shown.iter().map(|m| m.text.clone()).collect();
    Ok(replies::numbered(
        lang,
        &replies::memories_title(lang),
        &lines,
        &replies::memories_footer(lang),
    ))
}

pub(crate) async fn forget(
    context: &Context<'_>,
    turn: &Turn<'_>,
    target: &ForgetTarget,
    lang: Language,
) -> Result<String, AgentError> {
    let user = turn.user();
    let all = memories(context, &user, false).await?;
    let chosen = match target {
        ForgetTarget::Item(n) => match turn.item(*n) {
            Some((ListingKind::Memories, id)) => all.iter().find(|m| m.id == id && m.active),
            _ => return Ok(replies::no_such_item(lang, *n)),
        },
        ForgetTarget::Matching(words) => {
            let active: Vec<&Memory> = all.iter().filter(|m| m.active).collect();
            let texts: Vec<String> = active.iter().map(|m| m.text.clone()).collect();
            lexical::rank(words, &texts)
                .first()
                .and_then(|index| active.get(*index).copied())
        }
    };
    let Some(chosen) = chosen else {
        return Ok(replies::forget_not_found(lang));
    };
    // The fact and the history it replaced go together.
    let mut ids = vec![chosen.id.clone()];
    let mut frontier = vec![chosen.id.clone()];
    while let Some(newer) = frontier.pop() {
        for older in all
            .iter()
            .filter(|m| m.superseded_by.as_deref() == Some(newer.as_str()))
        {
            if !ids.contains(&older.id) {
                ids.push(older.id.clone());
                frontier.push(older.id.clone());
            }
        }
    }
    let mut conn = context.storage.db.conn().await?;
    store::delete(&mut conn, &user, &ids).await?;
    Ok(replies::forgotten(lang, &chosen.text))
}
