//! Per-person data keys in each service's own table (`agent_person_keys`,
//! `sms_person_keys`, `workers_person_keys`, `api_person_keys`): the store
//! side of nudge-secure's [`person`](nudge_secure::person) module.
//!
//! [`PersonKeys::for_writing`] makes a person's key the first time it is
//! needed (insert if absent, then read: two replicas racing agree on one
//! key); [`PersonKeys::for_reading`] never makes one; [`PersonKeys::erase`]
//! deletes it, which is what makes an erasure cryptographic: every envelope
//! of the person left anywhere (free pages, WAL, dead tuples, a backup of
//! the data) can no longer be opened.
//!
//! Unwrapped keys are kept in process for reading only, a few minutes at
//! most and at most [`CACHE_CAPACITY`] people, and dropped at erasure;
//! writing always reads the key row again, so a replica never writes with a
//! key another replica erased.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_secure::{CryptoError, KeyRing, PersonCipher, PersonKey, PersonReader, key_id_of};

use crate::{DbConn, schema, with_conn};

/// How many people's unwrapped keys a process keeps at most.
pub const CACHE_CAPACITY: usize = 4096;
/// How long an unwrapped key is kept for reading.
pub const CACHE_TTL: Duration = Duration::from_secs(300);
/// How long [`PersonKeys::rewrap_after_rotation`] waits before trying again.
const REWRAP_RETRY: Duration = Duration::from_secs(30);
/// How many key rows a re-wrap reads at a time.
const REWRAP_PAGE: i64 = 500;
/// How many stored keys the start-up check of the ring tries.
const RING_CHECK_SAMPLE: i64 = 16;

/// Which service's key table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonKeyTable {
    Agent,
    Sms,
    Workers,
    Api,
}

impl PersonKeyTable {
    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            PersonKeyTable::Agent => "agent_person_keys",
            PersonKeyTable::Sms => "sms_person_keys",
            PersonKeyTable::Workers => "workers_person_keys",
            PersonKeyTable::Api => "api_person_keys",
        }
    }

    /// What a wrapped key of `user_id` is sealed under: the table and the
    /// person, so a wrapped key copied to another row or table is refused.
    pub fn wrap_context(self, user_id: &str) -> Vec<u8> {
        format!("{}:{user_id}", self.name()).into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PersonKeyError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("cannot unwrap a person key: {0}")]
    Unwrap(#[from] CryptoError),
}

impl PersonKeyError {
    /// The key failure a query's error carries, when the query stopped on
    /// a person key (see the `From` below).
    pub fn within(error: &diesel::result::Error) -> Option<&PersonKeyError> {
        match error {
            diesel::result::Error::QueryBuilderError(inner) => inner.downcast_ref::<PersonKeyError>(),
            _ => None,
        }
    }

    /// A stored key the ring does not open: a wrong or missing
    /// `crypto.keys` entry, not the database.
    pub fn is_unwrap(&self) -> bool {
        matches!(self, PersonKeyError::Unwrap(_))
    }

    /// [`Self::is_unwrap`] of the key failure a query's error carries, if any.
    pub fn is_unwrap_within(error: &diesel::result::Error) -> bool {
        Self::within(error).is_some_and(PersonKeyError::is_unwrap)
    }
}

/// In code that returns `QueryResult`: a key that does not unwrap is as
/// unusable as an unreachable database (the work is kept and retried), and
/// stays recognisable through [`PersonKeyError::within`] so that logs name
/// the key ring, not the database.
impl From<PersonKeyError> for diesel::result::Error {
    fn from(error: PersonKeyError) -> Self {
        match error {
            PersonKeyError::Query(error) => error,
            other => diesel::result::Error::QueryBuilderError(Box::new(other)),
        }
    }
}

/// Runs `$body` with `$t` naming the schema module of `$which`'s table.
macro_rules! for_table {
    ($which:expr, $t:ident => $body:expr) => {
        match $which {
            PersonKeyTable::Agent => {
                use schema::agent_person_keys as $t;
                $body
            }
            PersonKeyTable::Sms => {
                use schema::sms_person_keys as $t;
                $body
            }
            PersonKeyTable::Workers => {
                use schema::workers_person_keys as $t;
                $body
            }
            PersonKeyTable::Api => {
                use schema::api_person_keys as $t;
                $body
            }
        }
    };
}

struct Cached {
    key: Arc<PersonKey>,
    at: Instant,
}

/// One service's person keys: the ring that wraps them, their table, and
/// the unwrapped keys read recently.
pub struct PersonKeys {
    ring: Arc<KeyRing>,
    table: PersonKeyTable,
    cache: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for PersonKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonKeys")
            .field("ring", &self.ring)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl PersonKeys {
    pub fn new(ring: KeyRing, table: PersonKeyTable) -> Self {
        PersonKeys {
            ring: Arc::new(ring),
            table,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The key ring (for values that belong to no one person).
    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// A new key for `user_id`, not stored: the cipher, and the key wrapped
    /// for this service's table. For writing the key in the same transaction
    /// as the person's first row, so a refused insert leaves no key behind;
    /// [`Self::for_writing`] otherwise.
    pub fn generate(&self, user_id: &str) -> (PersonCipher, Vec<u8>) {
        let (key, wrapped) = PersonKey::generate(&self.ring, &self.table.wrap_context(user_id));
        (PersonCipher::new(self.ring.clone(), Arc::new(key)), wrapped)
    }

    /// The person's cipher, making their key if they have none yet.
    pub async fn for_writing(&self, conn: &mut DbConn, user_id: &str) -> Result<PersonCipher, PersonKeyError> {
        let context = self.table.wrap_context(user_id);
        let wrapped = match self.wrapped(conn, user_id).await? {
            Some(wrapped) => wrapped,
            None => {
                let (_, wrapped) = PersonKey::generate(&self.ring, &context);
                let now = crate::now();
                for_table!(self.table, t => with_conn!(conn, c => {
                    diesel::insert_into(t::table)
                        .values((t::user_id.eq(user_id), t::wrapped_key.eq(&wrapped), t::created_at.eq(now)))
                        .on_conflict_do_nothing()
                        .execute(c)
                        .await
                }))?;
                // Whoever inserted first, this is the key.
                self.wrapped(conn, user_id)
                    .await?
                    .ok_or(diesel::result::Error::NotFound)?
            }
        };
        let key = Arc::new(PersonKey::unwrap(&self.ring, &wrapped, &context)?);
        self.remember(user_id, &key);
        Ok(PersonCipher::new(self.ring.clone(), key))
    }

    /// The person's reader: their key if they have one (from this process's
    /// cache when read recently), none otherwise (their person-key envelopes
    /// then fail as erased).
    pub async fn for_reading(&self, conn: &mut DbConn, user_id: &str) -> Result<PersonReader, PersonKeyError> {
        if let Some(key) = self.cached(user_id) {
            return Ok(PersonReader::new(self.ring.clone(), Some(key)));
        }
        let Some(wrapped) = self.wrapped(conn, user_id).await? else {
            return Ok(PersonReader::new(self.ring.clone(), None));
        };
        let key = Arc::new(PersonKey::unwrap(
            &self.ring,
            &wrapped,
            &self.table.wrap_context(user_id),
        )?);
        self.remember(user_id, &key);
        Ok(PersonReader::new(self.ring.clone(), Some(key)))
    }

    /// Deletes the person's key (and forgets it here): whatever was sealed
    /// with it can no longer be read, anywhere. Returns the rows deleted.
    pub async fn erase(&self, conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
        self.forget(user_id);
        let deleted = for_table!(self.table, t => with_conn!(conn, c => {
            diesel::delete(t::table.filter(t::user_id.eq(user_id))).execute(c).await
        }))?;
        self.forget(user_id);
        Ok(deleted)
    }

    /// Key rotation: re-wraps every person key not wrapped by the ring's
    /// active key (their envelopes stay as they are). Returns how many.
    pub async fn rewrap_all(&self, conn: &mut DbConn) -> Result<usize, PersonKeyError> {
        self.rewrap_in_pages(conn, REWRAP_PAGE).await
    }

    /// [`Self::rewrap_all`], reading the table `page` rows at a time in
    /// `user_id` order (the primary key), so a table of millions of people
    /// is never held in memory at once.
    pub async fn rewrap_in_pages(&self, conn: &mut DbConn, page: i64) -> Result<usize, PersonKeyError> {
        let mut after = String::new();
        let mut rewrapped = 0;
        loop {
            let rows = self.keys_after(conn, &after, page).await?;
            let Some((last, _)) = rows.last() else {
                return Ok(rewrapped);
            };
            after = last.clone();
            for (user_id, wrapped) in rows {
                if !self.ring.needs_rotation(&wrapped) {
                    continue;
                }
                let fresh = PersonKey::rewrap(&self.ring, &wrapped, &self.table.wrap_context(&user_id))?;
                rewrapped += for_table!(self.table, t => with_conn!(conn, c => {
                    diesel::update(t::table.filter(t::user_id.eq(&user_id)).filter(t::wrapped_key.eq(&wrapped)))
                        .set(t::wrapped_key.eq(&fresh))
                        .execute(c)
                        .await
                }))?;
            }
        }
    }

    /// Up to `limit` stored keys, `(user id, wrapped key)`, in user-id order
    /// after `after` (the primary key's order: a page of the table).
    async fn keys_after(&self, conn: &mut DbConn, after: &str, limit: i64) -> QueryResult<Vec<(String, Vec<u8>)>> {
        for_table!(self.table, t => with_conn!(conn, c => {
            t::table
                .filter(t::user_id.gt(after))
                .order(t::user_id)
                .select((t::user_id, t::wrapped_key))
                .limit(limit)
                .load(c)
                .await
        }))
    }

    /// Tries the ring on a few stored keys (the first in user-id order).
    /// `Some(problem)` names the `crypto.keys` entry that does not open
    /// them, as an operator would fix it: another key under the same id,
    /// or an id no longer in the ring.
    pub async fn ring_problem(&self, conn: &mut DbConn) -> QueryResult<Option<String>> {
        let rows = self.keys_after(conn, "", RING_CHECK_SAMPLE).await?;
        let table = self.table.name();
        for (user_id, wrapped) in rows {
            match PersonKey::unwrap(&self.ring, &wrapped, &self.table.wrap_context(&user_id)) {
                Ok(_) => {}
                Err(CryptoError::UnknownKey(kid)) => {
                    return Ok(Some(format!(
                        "crypto.keys has no key {kid}, which wraps person keys in {table}: \
                         put it back until they are re-wrapped under the active key"
                    )));
                }
                Err(_) => {
                    let kid = key_id_of(&wrapped).unwrap_or("(unreadable)");
                    return Ok(Some(format!(
                        "crypto.keys.{kid} does not open the person keys in {table}: \
                         is it the key they were wrapped with?"
                    )));
                }
            }
        }
        Ok(None)
    }

    /// What each service runs once at start-up, in the background: after a
    /// rotation (a new `crypto.active_key`, the old key still in
    /// `crypto.keys`), every person key still wrapped by an older key is
    /// re-wrapped by the active one, so the old key can then leave the ring.
    /// Retried every 30 s while the database is away; replicas
    /// doing it at once agree (each row changes only if it is still as read).
    /// First, the ring is tried on a few stored keys, and an error names the
    /// `crypto.keys` entry that does not open them ([`Self::ring_problem`]).
    /// Returns how many keys this call re-wrapped.
    pub async fn rewrap_after_rotation(&self, db: &crate::Db) -> usize {
        self.check_ring(db).await;
        loop {
            let attempt = async {
                let mut conn = db.conn().await.map_err(|e| e.to_string())?;
                self.rewrap_all(&mut conn).await.map_err(|e| e.to_string())
            };
            match attempt.await {
                Ok(rewrapped) => {
                    if rewrapped > 0 {
                        tracing::info!(
                            table = self.table.name(),
                            rewrapped,
                            "person keys re-wrapped under the active key"
                        );
                    }
                    return rewrapped;
                }
                Err(error) => {
                    tracing::warn!(
                        table = self.table.name(),
                        %error,
                        "cannot re-wrap person keys under the active key yet; retrying"
                    );
                    tokio::time::sleep(REWRAP_RETRY).await;
                }
            }
        }
    }

    /// [`Self::ring_problem`], logged: an error naming the key, or nothing
    /// (also when the database cannot be read yet: the re-wrap says so).
    async fn check_ring(&self, db: &crate::Db) {
        let Ok(mut conn) = db.conn().await else {
            return;
        };
        if let Ok(Some(problem)) = self.ring_problem(&mut conn).await {
            tracing::error!(table = self.table.name(), "{problem}");
        }
    }

    async fn wrapped(&self, conn: &mut DbConn, user_id: &str) -> QueryResult<Option<Vec<u8>>> {
        for_table!(self.table, t => with_conn!(conn, c => {
            t::table.find(user_id).select(t::wrapped_key).first(c).await.optional()
        }))
    }

    fn cached(&self, user_id: &str) -> Option<Arc<PersonKey>> {
        let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .get(user_id)
            .filter(|cached| cached.at.elapsed() < CACHE_TTL)
            .map(|cached| cached.key.clone())
    }

    fn remember(&self, user_id: &str, key: &Arc<PersonKey>) {
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() >= CACHE_CAPACITY && !cache.contains_key(user_id) {
            cache.retain(|_, cached| cached.at.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(
            user_id.to_owned(),
            Cached {
                key: key.clone(),
                at: Instant::now(),
            },
        );
    }

    fn forget(&self, user_id: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(user_id);
    }

    /// How many unwrapped keys this process holds (for tests).
    pub fn cached_len(&self) -> usize {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}
