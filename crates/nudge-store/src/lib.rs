//! Storage: one schema, one set of migrations, two backends.
//!
//! Embedded mode uses a SQLite file, distributed mode PostgreSQL; both go
//! through diesel-async. Queries are written once with [`with_conn!`], which
//! compiles the same body for each backend. The few statements that must
//! differ (row locking) match on [`Backend`].
//!
//! This crate owns `schema.rs` and the migrations. Each table belongs to one
//! service, and services keep their queries in their own crates.

mod person_keys;
pub mod schema;
mod time;
mod transaction;

use std::time::Duration;

use deadpool::managed::{PoolError, Timeouts};
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use nudge_config::DatabaseSettings;

pub use diesel;
pub use diesel_async;
pub use person_keys::{CACHE_CAPACITY, CACHE_TTL, PersonKeyError, PersonKeyTable, PersonKeys};
pub use time::{now, to_utc};
pub use transaction::{Body, Transact};

/// A statement built once for either backend (the diesel DSL or raw SQL with
/// its binds), to run with `.execute(c)` on `with_conn!`'s connection, in a
/// transaction or not: how a query shared by several transactions is written
/// once, as a function, instead of a macro.
pub trait Statement:
    diesel::query_builder::QueryFragment<diesel::pg::Pg>
    + diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
    + diesel::query_builder::QueryId
    + Send
{
}

impl<T> Statement for T where
    T: diesel::query_builder::QueryFragment<diesel::pg::Pg>
        + diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
        + diesel::query_builder::QueryId
        + Send
{
}

pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applied on every new PostgreSQL connection. Nudge's queries are short
/// (a few rows by index), and PostgreSQL compiles a query to machine code
/// (JIT) once its estimated cost passes `jit_above_cost`: about 200 ms of
/// compilation for a 2 ms query, which an estimate on a large table or a
/// plan node turned off (costed at 10^10, the workers' claim) reaches. That
/// made reminders leave seconds late (docs/benchmarks.md); no query here
/// runs long enough to gain from JIT.
const POSTGRES_SETTINGS: &str = "SET jit = off";

/// Applied on every new SQLite connection, `busy_timeout` first: the other
/// statements may need a lock, and before it is set a connection that meets
/// a writer fails at once with "database is locked" (a pool opening a
/// connection while another one writes). WAL lets readers run beside the
/// single writer, and writers wait for each other instead of failing;
/// `secure_delete` overwrites deleted rows and freed pages with zeros, so an
/// erased person's rows do not survive in free space (issue 13, finding 2).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database.url is not a sqlite:// or postgres:// URL")]
    UnsupportedUrl,
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("timed out waiting for a database connection")]
    PoolTimeout,
    #[error("migration failed: {0}")]
    Migration(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    PersonKey(#[from] PersonKeyError),
}

impl StoreError {
    /// The failure is a stored person key the key ring does not open (a
    /// wrong or missing `crypto.keys` entry), not the database.
    pub fn is_key_ring(&self) -> bool {
        match self {
            StoreError::PersonKey(error) => error.is_unwrap(),
            StoreError::Query(error) => PersonKeyError::is_unwrap_within(error),
            _ => false,
        }
    }
}

impl<E: std::fmt::Display> From<PoolError<E>> for StoreError {
    fn from(error: PoolError<E>) -> Self {
        match error {
            PoolError::Timeout(_) => StoreError::PoolTimeout,
            other => StoreError::Connect(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool of connections to one database.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    url: String,
}

#[derive(Clone)]
enum DbPool {
    Postgres(Pool<AsyncPgConnection>),
    Sqlite(Pool<SqliteConn>),
}

/// A connection taken from the pool; use it with [`with_conn!`].
#[expect(
    clippy::large_enum_variant,
    reason = "one per task, taken and dropped in place; boxing would cost an allocation per query"
)]
pub enum DbConn {
    Postgres(Object<AsyncPgConnection>),
    Sqlite(Object<SqliteConn>),
}

/// Runs `$body` with `$c` bound to the concrete connection of either
/// backend. The body is compiled once per backend, so it must be valid diesel
/// for both. `$conn` is a `&mut DbConn`.
///
/// ```ignore
/// let mut conn = db.conn().await?;
/// let n = with_conn!(&mut conn, c => users::table.count().get_result::<i64>(c).await)?;
/// ```
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match &mut *$conn {
            $crate::DbConn::Postgres(pooled) => {
                let $c: &mut $crate::diesel_async::AsyncPgConnection = &mut *pooled;
                $body
            }
            $crate::DbConn::Sqlite(pooled) => {
                let $c: &mut $crate::SqliteConn = &mut *pooled;
                $body
            }
        }
    };
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

impl Db {
    /// Creates the pool. Connections are opened lazily; call [`Db::ping`] to
    /// check the database is reachable.
    pub fn connect(settings: &DatabaseSettings) -> Result<Db, StoreError> {
        let timeouts = Timeouts {
            wait: Some(Duration::from_secs(settings.connect_timeout_seconds)),
            create: Some(Duration::from_secs(settings.connect_timeout_seconds)),
            recycle: Some(Duration::from_secs(settings.connect_timeout_seconds)),
        };
        let max = usize::try_from(settings.max_connections).unwrap_or(8);
        let pool = match parse_url(&settings.url)? {
            (Backend::Postgres, url) => {
                let mut config = ManagerConfig::<AsyncPgConnection>::default();
                // A pooled connection is handed out again without a `SELECT 1`
                // first (the default, `Verified`): that was one more round trip
                // per checkout, about 18 per message and 2,700 a second at 200
                // messages a second (docs/benchmarks.md). A connection the server
                // closed (a restart, a crash) is still refused at checkout: its
                // socket's end marks it broken (`is_broken`), and one that
                // breaks while in use is dropped by the pool after its error.
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(|url| {
                    Box::pin(async move {
                        let mut conn = AsyncPgConnection::establish(url).await?;
                        conn.batch_execute(POSTGRES_SETTINGS)
                            .await
                            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                        Ok(conn)
                    })
                });
                let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
                DbPool::Postgres(
                    Pool::builder(manager)
                        .max_size(max)
                        .timeouts(timeouts)
                        .runtime(deadpool::Runtime::Tokio1)
                        .build()
                        .map_err(|e| StoreError::Connect(e.to_string()))?,
                )
            }
            (Backend::Sqlite, path) => {
                create_parent_dir(path)?;
                let mut config = ManagerConfig::<SqliteConn>::default();
                // In-process: nothing to verify beyond an open transaction.
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(|url| {
                    Box::pin(async move {
                        let mut conn = SqliteConn::establish(url).await?;
                        conn.batch_execute(SQLITE_PRAGMAS)
                            .await
                            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                        Ok(conn)
                    })
                });
                let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(path, config);
                DbPool::Sqlite(
                    Pool::builder(manager)
                        .max_size(max)
                        .timeouts(timeouts)
                        .runtime(deadpool::Runtime::Tokio1)
                        .build()
                        .map_err(|e| StoreError::Connect(e.to_string()))?,
                )
            }
        };
        Ok(Db {
            pool,
            url: settings.url.clone(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            DbPool::Postgres(_) => Backend::Postgres,
            DbPool::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub async fn conn(&self) -> Result<DbConn, StoreError> {
        Ok(match &self.pool {
            DbPool::Postgres(pool) => DbConn::Postgres(pool.get().await?),
            DbPool::Sqlite(pool) => DbConn::Sqlite(pool.get().await?),
        })
    }

    /// Succeeds when a query reaches the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        with_conn!(&mut conn, c => diesel::sql_query("SELECT 1").execute(c).await)?;
        Ok(())
    }

    /// After an erasure's deletes: on SQLite, a `wal_checkpoint(TRUNCATE)`,
    /// so the WAL no longer holds the pages as they were before (the deleted
    /// rows were zeroed in place by `secure_delete`); on PostgreSQL, a
    /// `VACUUM` of `tables` (names written in the code, never from input),
    /// so their dead tuples are pruned where no older snapshot still needs
    /// them. Neither can be in a transaction. Returns whether it completed
    /// (SQLite: a reader in the way makes the checkpoint partial); a failure
    /// is logged here and the erasure stands.
    pub async fn scrub_after_erasure(&self, tables: &[&str]) -> bool {
        match self.try_scrub(tables).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!("erasure scrub incomplete: a reader held the WAL");
                false
            }
            Err(error) => {
                tracing::warn!(%error, "erasure scrub failed");
                false
            }
        }
    }

    async fn try_scrub(&self, tables: &[&str]) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        match &mut conn {
            DbConn::Sqlite(c) => {
                let outcome: Checkpoint = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .get_result(&mut **c)
                    .await?;
                Ok(outcome.busy == 0)
            }
            DbConn::Postgres(c) => {
                if !tables.is_empty() {
                    // VACUUM keeps every row a running transaction may still
                    // see: first let the transactions that began before the
                    // erasure end (they are short: claims, single writes),
                    // at most 5 s, or the erased rows would stay behind.
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
                    loop {
                        let older: Count = diesel::sql_query(
                            "SELECT COUNT(*) AS count FROM pg_stat_activity \
                             WHERE datname = current_database() AND pid <> pg_backend_pid() \
                             AND xact_start < statement_timestamp()",
                        )
                        .get_result(&mut **c)
                        .await?;
                        if older.count == 0 || tokio::time::Instant::now() > deadline {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    c.batch_execute(&format!("VACUUM {}", tables.join(", "))).await?;
                }
                Ok(true)
            }
        }
    }

    /// Applies every pending migration and returns how many ran.
    ///
    /// Runs on its own connection and needs a multi-threaded tokio runtime.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let migration_error = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
        let applied = match parse_url(&self.url)? {
            (Backend::Postgres, url) => {
                let conn = AsyncPgConnection::establish(url)
                    .await
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
                harness
                    .run_pending_migrations(MIGRATIONS)
                    .map_err(migration_error)?
                    .len()
            }
            (Backend::Sqlite, path) => {
                let mut conn = SqliteConn::establish(path)
                    .await
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                conn.batch_execute(SQLITE_PRAGMAS).await?;
                let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
                harness
                    .run_pending_migrations(MIGRATIONS)
                    .map_err(migration_error)?
                    .len()
            }
        };
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        Ok(applied)
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

#[derive(diesel::QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
}

fn parse_url(url: &str) -> Result<(Backend, &str), StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        Ok((Backend::Sqlite, path))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

fn create_parent_dir(path: &str) -> Result<(), StoreError> {
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Connect(format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

/// Whether an error is a unique-constraint violation (a duplicate insert).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
