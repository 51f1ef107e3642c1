//! The memory feature's queries: `agent_memories`, its term index
//! `agent_memory_terms`, and the stamp of a person's vectors.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{agent_memories, agent_memory_embeddings, agent_memory_terms};
use nudge_store::{DbConn, Statement, Transact as _, diesel, diesel_async, with_conn};

use super::lexical::Posting;

/// The statement giving the person's vectors a new stamp, run after every
/// change to them (in the same transaction where there is one), so a
/// replica holding them decrypted knows they changed.
pub(crate) fn restamp(user_id: &str) -> impl Statement + '_ {
    use nudge_store::schema::agent_embedding_stamps as stamps;
    let stamp = fresh_stamp();
    diesel::insert_into(stamps::table)
        .values((stamps::user_id.eq(user_id), stamps::stamp.eq(stamp)))
        .on_conflict(stamps::user_id)
        .do_update()
        .set(stamps::stamp.eq(stamp))
}

/// A random stamp (never a counter: a stamp erased with the person and made
/// again must not repeat one a replica still holds).
pub(crate) fn fresh_stamp() -> i64 {
    use std::hash::{BuildHasher, Hasher};

    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(nudge_core::new_id().as_bytes());
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
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
        c.write_transaction(async |c| {
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
                // Only active memories have a vector (recall by meaning counts on it).
                let vectors = diesel::delete(
                    agent_memory_embeddings::table
                        .filter(agent_memory_embeddings::memory_id.eq(old))
                        .filter(agent_memory_embeddings::user_id.eq(&user_id)),
                )
                .execute(c)
                .await?;
                if vectors > 0 {
                    restamp(&user_id).execute(c).await?;
                }
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
/// (hashed under a key since rotated out of the active slot): id, encrypted
/// text, creation.
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
        c.write_transaction(async |c| {
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

/// How many active memories the person has (recall uses [`index_state`]).
#[cfg(any(test, feature = "testing"))]
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

/// The person's active memories: how many there are, and whether some are
/// not indexed under `terms_key` ([`unindexed`] lists them). One scan of the
/// `(user_id, status, terms_key)` index instead of two.
pub(crate) async fn index_state(conn: &mut DbConn, user_id: &str, terms_key: &str) -> QueryResult<(usize, bool)> {
    let rows: Vec<(Option<String>, i64)> = with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::status.eq("active"))
            .group_by(agent_memories::terms_key)
            .select((agent_memories::terms_key, diesel::dsl::count_star()))
            .load(c)
            .await
    })?;
    let total = rows.iter().map(|(_, n)| usize::try_from(*n).unwrap_or(0)).sum();
    let stale = rows.iter().any(|(key, n)| *n > 0 && key.as_deref() != Some(terms_key));
    Ok((total, stale))
}

/// Index rows read in one statement by [`holders_of`] (the postings of the
/// next rarest terms): about what the rarest terms of a query hold.
pub(crate) const POSTINGS_PER_STATEMENT: usize = 4_000;

/// The person's memories whose index holds one of `terms` (keyed hashes):
/// (term, memory id) pairs, for several terms in one round trip.
pub(crate) async fn holders_of(
    conn: &mut DbConn,
    user_id: &str,
    terms: &[Vec<u8>],
) -> QueryResult<Vec<(Vec<u8>, String)>> {
    with_conn!(conn, c => {
        agent_memory_terms::table
            .filter(agent_memory_terms::user_id.eq(user_id))
            .filter(agent_memory_terms::term.eq_any(terms))
            .select((agent_memory_terms::term, agent_memory_terms::memory_id))
            .load(c)
            .await
    })
}

/// How many of the person's index rows hold each of `terms` (keyed hashes):
/// the memories holding it (only active memories have rows).
pub(crate) async fn frequencies(
    conn: &mut DbConn,
    user_id: &str,
    terms: &[Vec<u8>],
) -> QueryResult<HashMap<Vec<u8>, usize>> {
    let rows: Vec<(Vec<u8>, i64)> = with_conn!(conn, c => {
        agent_memory_terms::table
            .filter(agent_memory_terms::user_id.eq(user_id))
            .filter(agent_memory_terms::term.eq_any(terms))
            .group_by(agent_memory_terms::term)
            .select((agent_memory_terms::term, diesel::dsl::count_star()))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(term, n)| (term, usize::try_from(n).unwrap_or(0)))
        .collect())
}

/// The person's memories whose index holds `term` (a keyed hash); recall
/// reads several terms at once ([`holders_of`]).
#[cfg(any(test, feature = "testing"))]
pub(crate) async fn holders(conn: &mut DbConn, user_id: &str, term: &[u8]) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => {
        agent_memory_terms::table
            .filter(agent_memory_terms::user_id.eq(user_id))
            .filter(agent_memory_terms::term.eq(term))
            .select(agent_memory_terms::memory_id)
            .load(c)
            .await
    })
}

/// Which of `terms` the index holds for which of the memories `ids`.
pub(crate) async fn held(
    conn: &mut DbConn,
    user_id: &str,
    terms: &[Vec<u8>],
    ids: &[String],
) -> QueryResult<Vec<Posting>> {
    let mut postings = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let rows: Vec<(String, Vec<u8>)> = with_conn!(conn, c => {
            agent_memory_terms::table
                .filter(agent_memory_terms::user_id.eq(user_id))
                .filter(agent_memory_terms::term.eq_any(terms))
                .filter(agent_memory_terms::memory_id.eq_any(chunk))
                .select((agent_memory_terms::memory_id, agent_memory_terms::term))
                .load(c)
                .await
        })?;
        postings.extend(rows.into_iter().map(|(memory_id, term)| Posting { memory_id, term }));
    }
    Ok(postings)
}

/// The person's memories with these ids, each with its creation (in no
/// particular order; a memory deleted meanwhile is missing).
pub(crate) async fn rows_with_creation(
    conn: &mut DbConn,
    user_id: &str,
    ids: &[String],
) -> QueryResult<Vec<(MemoryRow, NaiveDateTime)>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let rows: Vec<(MemoryRow, NaiveDateTime)> = with_conn!(conn, c => {
            agent_memories::table
                .filter(agent_memories::user_id.eq(user_id))
                .filter(agent_memories::id.eq_any(chunk))
                .select((
                    (
                        agent_memories::id,
                        agent_memories::body,
                        agent_memories::status,
                        agent_memories::superseded_by,
                    ),
                    agent_memories::created_at,
                ))
                .load(c)
                .await
        })?;
        found.extend(rows);
    }
    Ok(found)
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

/// Deletes memories of the person, with their terms and embeddings (for good:
/// forgetting is not archiving).
pub(crate) async fn delete(conn: &mut DbConn, user_id: &str, ids: &[String]) -> QueryResult<usize> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            diesel::delete(
                agent_memory_terms::table
                    .filter(agent_memory_terms::user_id.eq(user_id))
                    .filter(agent_memory_terms::memory_id.eq_any(ids)),
            )
            .execute(c)
            .await?;
            let vectors = diesel::delete(
                agent_memory_embeddings::table
                    .filter(agent_memory_embeddings::user_id.eq(user_id))
                    .filter(agent_memory_embeddings::memory_id.eq_any(ids)),
            )
            .execute(c)
            .await?;
            if vectors > 0 {
                restamp(user_id).execute(c).await?;
            }
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
        c.write_transaction(async |c| {
            diesel::delete(agent_memory_terms::table.filter(agent_memory_terms::user_id.eq(user_id)))
                .execute(c)
                .await?;
            let vectors =
                diesel::delete(agent_memory_embeddings::table.filter(agent_memory_embeddings::user_id.eq(user_id)))
                    .execute(c)
                    .await?;
            if vectors > 0 {
                restamp(user_id).execute(c).await?;
            }
            diesel::delete(agent_memories::table.filter(agent_memories::user_id.eq(user_id)))
                .execute(c)
                .await
        })
        .await
    })
}

#[derive(Debug, Clone, Queryable)]
/// A memory as the public API shows it (its text still sealed).
pub(crate) struct MemoryItem {
    pub(crate) id: String,
    pub(crate) body: Vec<u8>,
    pub(crate) mentions: i32,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
}

/// A page of the person's active memories, newest first, after the memory `after`.
pub(crate) async fn memory_page(
    conn: &mut DbConn,
    user_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<MemoryItem>> {
    with_conn!(conn, c => {
        let mut query = agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::status.eq("active"))
            .select((
                agent_memories::id,
                agent_memories::body,
                agent_memories::mentions,
                agent_memories::created_at,
                agent_memories::updated_at,
            ))
            .order((agent_memories::created_at.desc(), agent_memories::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some((at, id)) = after.clone() {
            query = query.filter(
                agent_memories::created_at
                    .lt(at)
                    .or(agent_memories::created_at.eq(at).and(agent_memories::id.lt(id))),
            );
        }
        query.load(c).await
    })
}

/// The person's active memory `id`, if any.
pub(crate) async fn active_memory(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<Option<MemoryItem>> {
    with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .filter(agent_memories::id.eq(id))
            .filter(agent_memories::status.eq("active"))
            .select((
                agent_memories::id,
                agent_memories::body,
                agent_memories::mentions,
                agent_memories::created_at,
                agent_memories::updated_at,
            ))
            .first(c)
            .await
            .optional()
    })
}
