//! Transactions that may write, on either backend.
//!
//! SQLite's plain `BEGIN` is deferred: the transaction takes the write lock
//! only at its first write. When it has read first and another connection
//! wrote in between, that upgrade fails at once with "database is locked"
//! (`busy_timeout` is not consulted, since waiting could deadlock). So on
//! SQLite every transaction here begins with `BEGIN IMMEDIATE`, which takes
//! the write lock up front and waits for it under `busy_timeout`. On
//! PostgreSQL it is diesel-async's own transaction.
//!
//! `AsyncConnection::transaction` is a disallowed method (`clippy.toml`):
//! every transaction in the workspace goes through [`Transact::write_transaction`].

use std::future::Future;

use diesel::connection::{AnsiTransactionManager, TransactionManager as _};
use diesel::result::Error;
use diesel_async::{AsyncConnection, AsyncPgConnection, TransactionManager};

use crate::SqliteConn;

/// A transaction's body: an `async |c| { .. }` closure whose future is
/// nameable, so that it can be required to be `Send` (diesel-async has the
/// same trait, private).
pub trait Body<T, R>: AsyncFnOnce(T) -> R + FnOnce(T) -> <Self as Body<T, R>>::Fut {
    type Fut: Future<Output = R>;
}

impl<F, T, Fut, R> Body<T, R> for F
where
    F: AsyncFnOnce(T) -> R + FnOnce(T) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

/// Begins, runs and commits (or rolls back) a transaction that may write.
pub trait Transact: AsyncConnection {
    /// Runs `callback` in a transaction: committed when it returns `Ok`,
    /// rolled back when it returns `Err`. Nested calls use savepoints.
    fn write_transaction<'a, R, E, F>(&'a mut self, callback: F) -> impl Future<Output = Result<R, E>> + Send + 'a
    where
        for<'r> F: Body<&'r mut Self, Result<R, E>, Fut: Send> + Send + 'a,
        E: From<Error> + Send + 'a,
        R: Send + 'a;
}

impl Transact for AsyncPgConnection {
    async fn write_transaction<'a, R, E, F>(&'a mut self, callback: F) -> Result<R, E>
    where
        for<'r> F: Body<&'r mut Self, Result<R, E>, Fut: Send> + Send + 'a,
        E: From<Error> + Send + 'a,
        R: Send + 'a,
    {
        type Manager = <AsyncPgConnection as AsyncConnection>::TransactionManager;
        Manager::begin_transaction(self).await?;
        finish(self, callback).await
    }
}

impl Transact for SqliteConn {
    async fn write_transaction<'a, R, E, F>(&'a mut self, callback: F) -> Result<R, E>
    where
        for<'r> F: Body<&'r mut Self, Result<R, E>, Fut: Send> + Send + 'a,
        E: From<Error> + Send + 'a,
        R: Send + 'a,
    {
        self.spawn_blocking(|inner| {
            let depth = AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()?;
            if depth.is_some() {
                // Inside a transaction already: a savepoint, as diesel does.
                AnsiTransactionManager::begin_transaction(inner)
            } else {
                AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
            }
        })
        .await?;
        finish(self, callback).await
    }
}

/// Runs the callback of a begun transaction, then commits or rolls back, the
/// way diesel-async's own `transaction` does.
async fn finish<'a, C, R, E, F>(conn: &'a mut C, callback: F) -> Result<R, E>
where
    C: AsyncConnection,
    for<'r> F: Body<&'r mut C, Result<R, E>, Fut: Send> + Send + 'a,
    E: From<Error> + Send + 'a,
    R: Send + 'a,
{
    match callback(&mut *conn).await {
        Ok(value) => {
            C::TransactionManager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(error) => match C::TransactionManager::rollback_transaction(conn).await {
            Ok(()) | Err(Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}
