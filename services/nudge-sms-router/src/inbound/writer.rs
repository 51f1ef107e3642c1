//! Group commit for the common inbound message: many webhooks, one commit.
//!
//! Each webhook's row must be committed before Twilio gets its 200, and a
//! commit waits for the disk to flush. One commit per webhook makes the
//! disk, not the CPU, the limit of the acknowledgement path (see
//! docs/benchmarks.md, "2,500 webhooks/s"). So a webhook puts its row in
//! the waiting list and, if a writer is free, becomes that writer: it takes
//! every row waiting (at most [`MAX_BATCH`]) and inserts them in one
//! transaction. The rows that arrive meanwhile wait for the next writer. A
//! webhook answers only once the transaction holding its row committed, so
//! nothing changes for Twilio: acknowledged means stored, and a MessageSid
//! seen before is still found by the unique index (`ON CONFLICT DO NOTHING`
//! for each row, so a retry and its original in one batch keep one row).
//!
//! Alone, a row is inserted as before (one statement, no transaction): under
//! light load nothing waits for anyone. A batch that fails as a whole is
//! written again row by row, so one bad row fails only its own webhook.

use std::sync::Mutex;

use chrono::NaiveDateTime;
use nudge_store::Db;
use tokio::sync::{Semaphore, oneshot};

use super::store::{self, NewInbound};
use crate::error::RouterError;

/// The most rows one transaction carries.
const MAX_BATCH: usize = 128;

/// An inbound row to store, owned (it waits for a writer).
#[derive(Debug, Clone)]
pub(crate) struct InboundToStore {
    pub(crate) id: String,
    pub(crate) message_sid: String,
    pub(crate) user_id: String,
    pub(crate) status: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) num_segments: i32,
    pub(crate) received_at: NaiveDateTime,
}

impl InboundToStore {
    fn row(&self) -> NewInbound<'_> {
        NewInbound {
            id: &self.id,
            message_sid: &self.message_sid,
            user_id: &self.user_id,
            status: self.status,
            body: &self.body,
            num_segments: self.num_segments,
            received_at: self.received_at,
            next_attempt_at: self.received_at,
            sender_hash: None,
            keyword: None,
        }
    }
}

/// Whether the row was stored (`false`: its MessageSid was seen before).
type Stored<T = bool> = Result<T, RouterError>;

struct Waiting {
    row: InboundToStore,
    done: oneshot::Sender<Stored>,
}

/// The rows waiting for a commit, and the writers that may commit at once.
pub(crate) struct InboundWriter {
    waiting: Mutex<Vec<Waiting>>,
    writers: Semaphore,
}

impl InboundWriter {
    /// `writers` transactions at most at once (each holds one connection).
    pub(crate) fn new(writers: usize) -> Self {
        InboundWriter {
            waiting: Mutex::new(Vec::new()),
            writers: Semaphore::new(writers.max(1)),
        }
    }

    /// Stores `row`, in a batch with whatever else waits; returns once it
    /// is committed: `true` if stored, `false` if its MessageSid was already.
    pub(crate) async fn insert(&self, db: &Db, row: InboundToStore) -> Stored {
        let (done, mut result) = oneshot::channel();
        self.lock().push(Waiting { row: row.clone(), done });
        tokio::select! {
            biased;
            // Another writer took the row and answers for it.
            stored = &mut result => return answer(db, &row, stored).await,
            permit = self.writers.acquire() => {
                if let Ok(_permit) = permit {
                    let batch = self.take();
                    if !batch.is_empty() {
                        // In a task of its own: a webhook whose client hung
                        // up does not abandon the others' rows in mid-commit.
                        let db = db.clone();
                        if let Err(error) = tokio::spawn(async move { write(&db, batch).await }).await {
                            tracing::error!(%error, "an inbound batch failed");
                        }
                    }
                }
            }
        }
        let stored = result.await;
        answer(db, &row, stored).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The oldest waiting rows, at most [`MAX_BATCH`].
    fn take(&self) -> Vec<Waiting> {
        let mut waiting = self.lock();
        let count = waiting.len().min(MAX_BATCH);
        waiting.drain(..count).collect()
    }
}

/// The row's outcome; if its batch was lost (a writer that failed), the
/// row is stored on its own (its MessageSid keeps it from doubling).
async fn answer(db: &Db, row: &InboundToStore, stored: Result<Stored, oneshot::error::RecvError>) -> Stored {
    match stored {
        Ok(stored) => stored,
        Err(_) => insert_one(db, row).await,
    }
}

/// Commits `batch` and tells each webhook its outcome.
async fn write(db: &Db, batch: Vec<Waiting>) {
    if let [_] = batch.as_slice() {
        let Some(only) = batch.into_iter().next() else { return };
        let stored = insert_one(db, &only.row).await;
        let _ = only.done.send(stored);
        return;
    }
    match insert_all(db, &batch).await {
        Ok(stored) => {
            for (waiting, stored) in batch.into_iter().zip(stored) {
                let _ = waiting.done.send(Ok(stored));
            }
        }
        Err(error) => {
            tracing::debug!(%error, rows = batch.len(), "an inbound batch failed; storing its rows one by one");
            for waiting in batch {
                let stored = insert_one(db, &waiting.row).await;
                let _ = waiting.done.send(stored);
            }
        }
    }
}

async fn insert_one(db: &Db, row: &InboundToStore) -> Stored {
    let mut conn = db.conn().await?;
    Ok(store::insert_inbound(&mut conn, &row.row()).await?)
}

async fn insert_all(db: &Db, batch: &[Waiting]) -> Stored<Vec<bool>> {
    let mut conn = db.conn().await?;
    let rows: Vec<NewInbound<'_>> = batch.iter().map(|waiting| waiting.row.row()).collect();
    Ok(store::insert_inbound_batch(&mut conn, &rows).await?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use diesel::QueryDsl as _;
    use diesel::dsl::count_star;
    use diesel_async::RunQueryDsl as _;
    use nudge_store::schema::sms_inbound;
    use nudge_store::{diesel, diesel_async, with_conn};
    use nudge_testkit::TestDatabase;

    use super::*;

    async fn database(test_db: &TestDatabase) -> Db {
        let db = Db::connect(&nudge_config::DatabaseSettings {
            url: test_db.url.clone(),
            ..Default::default()
        })
        .expect("a pool");
        db.migrate().await.expect("migrations");
        db
    }

    fn row(n: usize, copy: usize) -> InboundToStore {
        InboundToStore {
            id: format!("inbound-{n}-{copy}"),
            message_sid: format!("SM{n:032}"),
            user_id: "person".to_owned(),
            status: crate::store::inbound_status::PENDING,
            body: vec![1, 2, 3],
            num_segments: 1,
            received_at: nudge_store::now(),
        }
    }

    /// While the writer is busy, 60 webhooks (20 messages, each delivered
    /// three times) wait, then go in one transaction: each message stored
    /// once, each delivery told whether it was the one stored.
    async fn waiting_rows_commit_together(test_db: TestDatabase) {
        let db = database(&test_db).await;
        let writer = Arc::new(InboundWriter::new(1));
        let busy = writer.writers.acquire().await.expect("the permit");
        let mut deliveries = Vec::new();
        for n in 0..20 {
            for copy in 0..3 {
                let (writer, db) = (writer.clone(), db.clone());
                deliveries.push(tokio::spawn(async move { (n, writer.insert(&db, row(n, copy)).await) }));
            }
        }
        for _ in 0..200 {
            if writer.lock().len() == 60 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(writer.lock().len(), 60, "every delivery waits for the busy writer");
        drop(busy);
        let mut stored = [0; 20];
        for delivery in deliveries {
            let (n, outcome) = delivery.await.expect("the delivery");
            if outcome.expect("stored or seen") {
                stored[n] += 1;
            }
        }
        assert_eq!(stored, [1; 20], "one delivery of each message is the one stored");
        assert!(writer.lock().is_empty());
        let mut conn = db.conn().await.expect("a connection");
        let rows: i64 =
            with_conn!(&mut conn, c => sms_inbound::table.select(count_star()).first(c).await).expect("count");
        assert_eq!(rows, 20);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn waiting_rows_commit_together_sqlite() {
        waiting_rows_commit_together(TestDatabase::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL"]
    async fn waiting_rows_commit_together_postgres() {
        waiting_rows_commit_together(TestDatabase::postgres().await).await;
    }
}
