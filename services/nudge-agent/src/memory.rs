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
//! Pure functions here; the queries at the bottom; `act.rs` ties them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use nudge_core::Language;
use nudge_store::schema::{agent_memories, agent_memory_terms, agent_pending_actions};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

use crate::engine::fold;

/// Encryption context of a memory's text.
pub(crate) const MEMORY_BODY: &[u8] = b"agent.memory.body";

/// Keyed-hash context of a memory's indexed terms.
pub(crate) const MEMORY_TERM: &[u8] = b"agent.memory.term";

/// Bytes kept of a term's keyed hash (128 bits: collisions are out of reach).
const TERM_HASH_LEN: usize = 16;

/// The keyed hash under which a term of the person's memories is indexed:
/// the person is part of the hashed data, so the same word of two people
/// gives two hashes.
pub(crate) fn term_hash(keys: &nudge_secure::KeyRing, user_id: &str, term: &str) -> Vec<u8> {
    let data = [user_id.as_bytes(), &[0], term.as_bytes()].concat();
    keys.keyed_hash(MEMORY_TERM, &data)[..TERM_HASH_LEN].to_vec()
}

/// The distinct keyed hashes of a text's terms.
pub(crate) fn term_hashes(keys: &nudge_secure::KeyRing, user_id: &str, text: &str) -> Vec<Vec<u8>> {
    let distinct: HashSet<String> = terms(text).into_iter().collect();
    let mut hashes: Vec<Vec<u8>> = distinct.iter().map(|t| term_hash(keys, user_id, t)).collect();
    hashes.sort();
    hashes.dedup();
    hashes
}

/// A memory holding one of the query's terms, from the index.
#[derive(Debug, Clone)]
pub(crate) struct Posting {
    pub(crate) memory_id: String,
    pub(crate) term: Vec<u8>,
}

/// The memories that can be among the best `limit` for a query, from the
/// index alone, with their scores (the same as [`rank`]'s: `wanted` are the
/// query's term hashes, `total` the person's active memories), best first:
/// every memory scoring at least as much as the `limit`-th, so ties at the
/// cut can be broken by age ([`best`]).
pub(crate) fn candidates(wanted: &[Vec<u8>], postings: &[Posting], total: usize, limit: usize) -> Vec<(i64, String)> {
    let mut frequency: HashMap<&[u8], usize> = HashMap::new();
    for posting in postings {
        *frequency.entry(posting.term.as_slice()).or_default() += 1;
    }
    let weight = |term: &[u8]| {
        let n = frequency.get(term).copied().unwrap_or(1) as f64;
        (1.0 + total as f64 / n).ln()
    };
    // Which of the wanted terms each memory holds (a bit per term; a query
    // has far fewer than 64), so the weights are summed in one order.
    let mut held: HashMap<&str, u64> = HashMap::new();
    for posting in postings {
        if let Some(bit) = wanted.iter().take(64).position(|t| *t == posting.term) {
            *held.entry(posting.memory_id.as_str()).or_default() |= 1 << bit;
        }
    }
    let mut scored: Vec<(i64, String)> = held
        .into_iter()
        .map(|(id, bits)| {
            let score: f64 = wanted
                .iter()
                .take(64)
                .enumerate()
                .filter(|(bit, _)| bits & (1 << bit) != 0)
                .map(|(_, term)| weight(term))
                .sum();
            (score, id)
        })
        .filter(|(score, _)| *score > 0.0)
        .map(|(score, id)| (quantized(score), id.to_owned()))
        .collect();
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    if limit == 0 {
        return Vec::new();
    }
    if let Some(cut) = scored.get(limit - 1).map(|(score, _)| *score) {
        scored.retain(|(score, _)| *score >= cut);
    }
    scored
}

/// The best `limit` of [`candidates`], given when each was created
/// (`created`: id -> creation; a candidate missing from it is left out):
/// higher score first, then the later one, as [`rank`] orders.
pub(crate) fn best(
    candidates: &[(i64, String)],
    created: &HashMap<String, NaiveDateTime>,
    limit: usize,
) -> Vec<String> {
    let mut ordered: Vec<(i64, NaiveDateTime, &str)> = candidates
        .iter()
        .filter_map(|(score, id)| created.get(id).map(|at| (*score, *at, id.as_str())))
        .collect();
    ordered.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(a.2)));
    ordered
        .into_iter()
        .take(limit)
        .map(|(_, _, id)| id.to_owned())
        .collect()
}

/// Words that carry no meaning for recall.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "my",
    "me",
    "i",
    "is",
    "are",
    "am",
    "to",
    "of",
    "at",
    "in",
    "on",
    "and",
    "or",
    "for",
    "do",
    "you",
    "what",
    "whats",
    "what's",
    "about",
    "know",
    "that",
    "it",
    "be",
    "with",
    "le",
    "la",
    "les",
    "l",
    "un",
    "une",
    "des",
    "de",
    "du",
    "d",
    "mon",
    "ma",
    "mes",
    "je",
    "j",
    "tu",
    "est",
    "c",
    "c'est",
    "que",
    "qu",
    "quoi",
    "sur",
    "moi",
    "et",
    "ou",
    "en",
    "au",
    "aux",
    "pour",
    "avec",
    "sais",
    "sait",
    "quel",
    "quelle",
    "qui",
    "who",
    "where",
    "when",
    "ce",
    "cest",
    "s'appelle",
    "sappelle",
    "named",
    "called",
];

/// Folded words of a text, without punctuation, lightly stemmed.
pub(crate) fn terms(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .flat_map(|word| word.split('\''))
        .filter(|word| !word.is_empty() && !STOPWORDS.contains(word))
        .map(stem)
        .collect()
}

/// Plural and common endings off, so "médicaments" finds "médicament".
fn stem(word: &str) -> String {
    let word = word.trim_end_matches(['s', 'x']);
    let word = if word.len() > 5 {
        word.trim_end_matches("ing")
    } else {
        word
    };
    word.to_owned()
}

/// A fact's text compared for duplicates: folded, punctuation and spacing ignored.
pub(crate) fn normalized(text: &str) -> String {
    fold(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a fact is about, to find the one it contradicts: the words before
/// "is" / "est" / "c'est" / "s'appelle" ... ("my sister"), or else, for a fact
/// holding numbers ("je prends mes médicaments à 8h"), its words without them.
pub(crate) fn subject(text: &str) -> Option<String> {
    let words = normalized(text);
    let padded = format!(" {words} ");
    for copula in [
        " is ",
        " are ",
        " was ",
        " est ",
        " sont ",
        " c'est ",
        " s'appelle ",
        " se nomme ",
        " vit ",
        " lives ",
        " habite ",
        " works ",
        " travaille ",
    ] {
        if let Some(at) = padded.find(copula) {
            let before = padded[..at].trim();
            let count = before.split(' ').count();
            if !before.is_empty() && count <= 5 {
                return Some(format!("{before}{}", copula.trim_end()));
            }
        }
    }
    if words.chars().any(|c| c.is_ascii_digit()) {
        let rest: Vec<&str> = words
            .split(' ')
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .collect();
        if rest.len() >= 2 {
            return Some(rest.join(" "));
        }
    }
    None
}

/// Words that make a date in a fact relative to when it was said.
const RELATIVE: &[&str] = &[
    "today",
    "tonight",
    "tomorrow",
    "next",
    "this",
    "in",
    "aujourd'hui",
    "aujourdhui",
    "ce",
    "cette",
    "demain",
    "apres-demain",
    "prochain",
    "prochaine",
    "dans",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

/// The fact with a relative date written as an absolute one:
/// "my exam is tomorrow" said on 2026-03-04 -> "my exam is on 2026-03-05".
/// Facts without a relative date, or whose date cannot be read, are kept as written.
pub(crate) fn absolute(text: &str, now: DateTime<chrono_tz::Tz>, language: Language) -> String {
    let folded = fold(text);
    let relative = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .any(|w| RELATIVE.contains(&w));
    if !relative {
        return text.to_owned();
    }
    let mut context = nudge_when::Context::new(now);
    context.lang = match language {
        Language::Fr => nudge_when::LangHint::Fr,
        Language::En => nudge_when::LangHint::En,
    };
    let Ok(when) = nudge_when::parse(text, &context) else {
        return text.to_owned();
    };
    if when.rrule.is_some() || when.text.is_empty() {
        return text.to_owned();
    }
    let at = when.at.with_timezone(&now.timezone());
    let with_time = when.grain <= nudge_when::Grain::Hour;
    let date = match (language, with_time) {
        (Language::En, false) => format!("on {}", at.format("%Y-%m-%d")),
        (Language::En, true) => format!(
            "on {} at {}",
            at.format("%Y-%m-%d"),
            nudge_core::clock_time(&at, language)
        ),
        (Language::Fr, false) => format!("le {}", at.format("%d/%m/%Y")),
        (Language::Fr, true) => format!(
            "le {} à {}",
            at.format("%d/%m/%Y"),
            nudge_core::clock_time(&at, language)
        ),
    };
    format!("{} {date}", when.text.trim_end_matches([',', ' ']))
}

/// A score compared at a precision that the order its weights were summed in
/// cannot change: equal scores tie (and the later memory wins).
fn quantized(score: f64) -> i64 {
    (score * 1e9).round() as i64
}

/// Memories ranked for `query`: the indexes of `texts` that share words
/// with it, best first (rarer words weigh more; a tie goes to the later one).
pub(crate) fn rank(query: &str, texts: &[String]) -> Vec<usize> {
    let wanted: HashSet<String> = terms(query).into_iter().collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let docs: Vec<HashSet<String>> = texts.iter().map(|t| terms(t).into_iter().collect()).collect();
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    for doc in &docs {
        for term in doc {
            if wanted.contains(term) {
                *frequency.entry(term.as_str()).or_default() += 1;
            }
        }
    }
    let total = docs.len() as f64;
    let mut scored: Vec<(i64, usize)> = docs
        .iter()
        .enumerate()
        .filter_map(|(index, doc)| {
            let score: f64 = wanted
                .iter()
                .filter(|term| doc.contains(*term))
                .map(|term| {
                    let n = frequency.get(term.as_str()).copied().unwrap_or(1) as f64;
                    (1.0 + total / n).ln()
                })
                .sum();
            (score > 0.0).then_some((quantized(score), index))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().map(|(_, index)| index).collect()
}

/// A memory row.
#[derive(Debug, Clone, Queryable)]
pub(crate) struct MemoryRow {
    pub(crate) id: String,
    pub(crate) body: Vec<u8>,
    pub(crate) status: String,
    pub(crate) superseded_by: Option<String>,
}

/// The person's memories, oldest first; `active_only` leaves out the history.
pub(crate) async fn list(conn: &mut DbConn, user_id: &str, active_only: bool) -> QueryResult<Vec<MemoryRow>> {
    with_conn!(conn, c => {
        let mut query = agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .select((
                agent_memories::id,
                agent_memories::body,
                agent_memories::status,
                agent_memories::superseded_by,
            ))
            .order((agent_memories::created_at.asc(), agent_memories::id.asc()))
            .into_boxed();
        if active_only {
            query = query.filter(agent_memories::status.eq("active"));
        }
        query.load(c).await
    })
}

/// The memory a message created, if it was handled before (a retry).
pub(crate) async fn by_key(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<Option<String>> {
    with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::idempotency_key.eq(key))
            .select(agent_memories::id)
            .first(c)
            .await
            .optional()
    })
}

/// A new memory: its encrypted text and its indexed terms.
#[derive(Debug, Clone)]
pub(crate) struct NewMemory<'a> {
    pub(crate) body: &'a [u8],
    /// Keyed hashes of its terms ([`term_hashes`]) ...
    pub(crate) terms: &'a [Vec<u8>],
    /// ... under this key id.
    pub(crate) terms_key: &'a str,
}

/// Stores a new active memory and its terms; `supersedes` is the older one it
/// replaces (its terms leave the index: only active memories are searched).
pub(crate) async fn insert(
    conn: &mut DbConn,
    user_id: &str,
    memory: NewMemory<'_>,
    key: &str,
    supersedes: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = nudge_core::new_id();
    let supersedes = supersedes.map(str::to_owned);
    let user_id = user_id.to_owned();
    let body = memory.body.to_vec();
    let terms_key = memory.terms_key.to_owned();
    let term_rows = term_rows(&id, &user_id, memory.terms);
    let key = key.to_owned();
    let new_id = id.clone();
    with_conn!(conn, c => {
        c.transaction(async |c| {
            diesel::insert_into(agent_memories::table)
                .values((
                    agent_memories::id.eq(&new_id),
                    agent_memories::user_id.eq(&user_id),
                    agent_memories::body.eq(&body),
                    agent_memories::status.eq("active"),
                    agent_memories::mentions.eq(1),
                    agent_memories::idempotency_key.eq(&key),
                    agent_memories::created_at.eq(now),
                    agent_memories::updated_at.eq(now),
                    agent_memories::terms_key.eq(&terms_key),
                ))
                .execute(c)
                .await?;
            for row in &term_rows {
                diesel::insert_into(agent_memory_terms::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
            }
            if let Some(old) = &supersedes {
                diesel::update(
                    agent_memories::table
                        .filter(agent_memories::id.eq(old))
                        .filter(agent_memories::user_id.eq(&user_id)),
                )
                .set((
                    agent_memories::status.eq("superseded"),
                    agent_memories::superseded_by.eq(&new_id),
                    agent_memories::updated_at.eq(now),
                ))
                .execute(c)
                .await?;
                diesel::delete(
                    agent_memory_terms::table
                        .filter(agent_memory_terms::memory_id.eq(old))
                        .filter(agent_memory_terms::user_id.eq(&user_id)),
                )
                .execute(c)
                .await?;
            }
            QueryResult::Ok(())
        })
        .await
    })?;
    Ok(id)
}

/// Ids per `IN (...)` list (far below SQLite's limit of bound values).
const IDS_PER_STATEMENT: usize = 500;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = agent_memory_terms)]
struct TermRow {
    memory_id: String,
    user_id: String,
    term: Vec<u8>,
}

fn term_rows(memory_id: &str, user_id: &str, terms: &[Vec<u8>]) -> Vec<TermRow> {
    terms
        .iter()
        .map(|term| TermRow {
            memory_id: memory_id.to_owned(),
            user_id: user_id.to_owned(),
            term: term.clone(),
        })
        .collect()
}

/// The person's active memories whose terms are not indexed under `terms_key`
/// (written before the index existed, by an older agent, or hashed under a
/// key since rotated out of the active slot): id, encrypted text, creation.
pub(crate) async fn unindexed(
    conn: &mut DbConn,
    user_id: &str,
    terms_key: &str,
) -> QueryResult<Vec<(String, Vec<u8>, NaiveDateTime)>> {
    with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::status.eq("active"))
            .filter(
                agent_memories::terms_key
                    .is_null()
                    .or(agent_memories::terms_key.ne(terms_key)),
            )
            .select((agent_memories::id, agent_memories::body, agent_memories::created_at))
            .load(c)
            .await
    })
}

/// (Re)indexes memories: their old term rows go, these come, and each is
/// marked as indexed under `terms_key`. Safe to run twice at once (a term
/// row already there is left as is).
pub(crate) async fn index(
    conn: &mut DbConn,
    user_id: &str,
    memories: &[(String, Vec<Vec<u8>>)],
    terms_key: &str,
) -> QueryResult<()> {
    let ids: Vec<String> = memories.iter().map(|(id, _)| id.clone()).collect();
    let rows: Vec<TermRow> = memories
        .iter()
        .flat_map(|(id, terms)| term_rows(id, user_id, terms))
        .collect();
    let user_id = user_id.to_owned();
    let terms_key = terms_key.to_owned();
    with_conn!(conn, c => {
        c.transaction(async |c| {
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                diesel::delete(
                    agent_memory_terms::table
                        .filter(agent_memory_terms::user_id.eq(&user_id))
                        .filter(agent_memory_terms::memory_id.eq_any(chunk)),
                )
                .execute(c)
                .await?;
            }
            for row in &rows {
                diesel::insert_into(agent_memory_terms::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
            }
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                diesel::update(
                    agent_memories::table
                        .filter(agent_memories::user_id.eq(&user_id))
                        .filter(agent_memories::id.eq_any(chunk)),
                )
                .set(agent_memories::terms_key.eq(&terms_key))
                .execute(c)
                .await?;
            }
            QueryResult::Ok(())
        })
        .await
    })
}

/// How many active memories the person has.
pub(crate) async fn count_active(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::status.eq("active"))
            .count()
            .get_result(c)
            .await
    })
}

/// The index rows of the person's memories holding any of `terms` (keyed
/// hashes), one per memory and term. Only active memories have rows (an
/// older agent may have left some behind: see [`states`]).
pub(crate) async fn postings(conn: &mut DbConn, user_id: &str, terms: &[Vec<u8>]) -> QueryResult<Vec<Posting>> {
    let rows: Vec<(String, Vec<u8>)> = with_conn!(conn, c => {
        agent_memory_terms::table
            .filter(agent_memory_terms::user_id.eq(user_id))
            .filter(agent_memory_terms::term.eq_any(terms))
            .select((agent_memory_terms::memory_id, agent_memory_terms::term))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(memory_id, term)| Posting { memory_id, term })
        .collect())
}

/// Status and creation of the person's memories with these ids (a memory
/// deleted meanwhile is missing).
pub(crate) async fn states(
    conn: &mut DbConn,
    user_id: &str,
    ids: &[String],
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    let mut states = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let rows: Vec<(String, String, NaiveDateTime)> = with_conn!(conn, c => {
            agent_memories::table
                .filter(agent_memories::user_id.eq(user_id))
                .filter(agent_memories::id.eq_any(chunk))
                .select((agent_memories::id, agent_memories::status, agent_memories::created_at))
                .load(c)
                .await
        })?;
        states.extend(rows);
    }
    Ok(states)
}

/// Removes index rows left for memories that are no longer active (written
/// by an older agent that superseded or deleted them).
pub(crate) async fn drop_terms(conn: &mut DbConn, user_id: &str, ids: &[String]) -> QueryResult<()> {
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        with_conn!(conn, c => {
            diesel::delete(
                agent_memory_terms::table
                    .filter(agent_memory_terms::user_id.eq(user_id))
                    .filter(agent_memory_terms::memory_id.eq_any(chunk)),
            )
            .execute(c)
            .await
        })?;
    }
    Ok(())
}

/// The person's memories with these ids (in no particular order).
pub(crate) async fn by_ids(conn: &mut DbConn, user_id: &str, ids: &[String]) -> QueryResult<Vec<MemoryRow>> {
    with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::id.eq_any(ids))
            .select((
                agent_memories::id,
                agent_memories::body,
                agent_memories::status,
                agent_memories::superseded_by,
            ))
            .load(c)
            .await
    })
}

/// The same fact told again: one more mention.
pub(crate) async fn mention(conn: &mut DbConn, user_id: &str, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(
            agent_memories::table
                .filter(agent_memories::id.eq(id))
                .filter(agent_memories::user_id.eq(user_id)),
        )
        .set((
            agent_memories::mentions.eq(agent_memories::mentions + 1),
            agent_memories::updated_at.eq(now),
        ))
        .execute(c)
        .await
    })?;
    Ok(())
}

/// Deletes memories of the person (for good: forgetting is not archiving).
pub(crate) async fn delete(conn: &mut DbConn, user_id: &str, ids: &[String]) -> QueryResult<usize> {
    with_conn!(conn, c => {
        c.transaction(async |c| {
            diesel::delete(
                agent_memory_terms::table
                    .filter(agent_memory_terms::user_id.eq(user_id))
                    .filter(agent_memory_terms::memory_id.eq_any(ids)),
            )
            .execute(c)
            .await?;
            diesel::delete(
                agent_memories::table
                    .filter(agent_memories::user_id.eq(user_id))
                    .filter(agent_memories::id.eq_any(ids)),
            )
            .execute(c)
            .await
        })
        .await
    })
}

/// Deletes everything the person's memory holds, history included.
pub(crate) async fn delete_all(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    with_conn!(conn, c => {
        c.transaction(async |c| {
            diesel::delete(agent_memory_terms::table.filter(agent_memory_terms::user_id.eq(user_id)))
                .execute(c)
                .await?;
            diesel::delete(agent_memories::table.filter(agent_memories::user_id.eq(user_id)))
                .execute(c)
                .await
        })
        .await
    })
}

/// A destructive action waiting for the person's "yes".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingAction {
    ForgetAll,
    CancelAllReminders,
}

impl PendingAction {
    fn as_str(self) -> &'static str {
        match self {
            PendingAction::ForgetAll => "forget_all",
            PendingAction::CancelAllReminders => "cancel_all_reminders",
        }
    }

    fn parse(text: &str) -> Option<PendingAction> {
        match text {
            "forget_all" => Some(PendingAction::ForgetAll),
            "cancel_all_reminders" => Some(PendingAction::CancelAllReminders),
            _ => None,
        }
    }
}

pub(crate) async fn set_pending(
    conn: &mut DbConn,
    user_id: &str,
    action: PendingAction,
    inbound_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::insert_into(agent_pending_actions::table)
            .values((
                agent_pending_actions::user_id.eq(user_id),
                agent_pending_actions::action.eq(action.as_str()),
                agent_pending_actions::inbound_id.eq(inbound_id),
                agent_pending_actions::created_at.eq(now),
            ))
            .on_conflict(agent_pending_actions::user_id)
            .do_update()
            .set((
                agent_pending_actions::action.eq(action.as_str()),
                agent_pending_actions::inbound_id.eq(inbound_id),
                agent_pending_actions::created_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The action waiting for a "yes", with the message that asked for it and when.
pub(crate) async fn pending(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Option<(PendingAction, String, NaiveDateTime)>> {
    let row: Option<(String, String, NaiveDateTime)> = with_conn!(conn, c => {
        agent_pending_actions::table
            .find(user_id)
            .select((
                agent_pending_actions::action,
                agent_pending_actions::inbound_id,
                agent_pending_actions::created_at,
            ))
            .first(c)
            .await
            .optional()
    })?;
    Ok(row.and_then(|(action, inbound, at)| PendingAction::parse(&action).map(|a| (a, inbound, at))))
}

pub(crate) async fn clear_pending(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::delete(agent_pending_actions::table.find(user_id)).execute(c).await
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::Europe::Paris;

    use super::*;

    #[track_caller]
    fn check_subject(text: &str, expected: Option<&str>) {
        assert_eq!(subject(text).as_deref(), expected, "{text}");
    }

    #[test]
    fn subjects() {
        check_subject("my sister is Léa", Some("my sister is"));
        check_subject("My sister is Zoé!", Some("my sister is"));
        check_subject("ma sœur s'appelle Léa", Some("ma soeur s'appelle"));
        check_subject("je prends mes médicaments à 8h", Some("je prends mes medicaments a"));
        check_subject("je prends mes médicaments à 9h30", Some("je prends mes medicaments a"));
        check_subject("I love pizza", None);
    }

    #[test]
    fn duplicates_compare_folded() {
        assert_eq!(normalized("My sister is  Léa."), normalized("my SISTER is lea"));
        assert_ne!(normalized("my sister is Léa"), normalized("my sister is Zoé"));
    }

    #[test]
    fn relative_dates_become_absolute() {
        let now = Paris.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).single().expect("valid");
        assert_eq!(
            absolute("my exam is tomorrow", now, Language::En),
            "my exam is on 2026-03-05"
        );
        assert_eq!(
            absolute("mon rendez-vous chez le dentiste est demain à 15h", now, Language::Fr),
            "mon rendez-vous chez le dentiste est le 05/03/2026 à 15 h 00"
        );
        assert_eq!(absolute("my sister is Léa", now, Language::En), "my sister is Léa");
        assert_eq!(
            absolute("je prends mes médicaments à 8h", now, Language::Fr),
            "je prends mes médicaments à 8h"
        );
    }

    #[test]
    fn recall_ranks_by_shared_rare_words() {
        let texts: Vec<String> = [
            "my sister is Léa",
            "je prends mes médicaments à 8h",
            "my dentist is Dr Martin",
            "my sister lives in Lyon",
            "I like tea",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(rank("who is my sister?", &texts), vec![3, 0]);
        assert_eq!(rank("médicament", &texts), vec![1]);
        assert_eq!(rank("dentist", &texts), vec![2]);
        assert_eq!(rank("lea lyon", &texts).len(), 2);
        assert!(rank("what is my", &texts).is_empty());
        assert!(rank("bicycle", &texts).is_empty());
    }
}
