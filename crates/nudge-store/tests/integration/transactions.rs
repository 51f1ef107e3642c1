//! `Transact::write_transaction` on both backends: transactions that read
//! before they write do not fail when they race (on SQLite a deferred
//! `BEGIN` would: "database is locked"), an error rolls back, and a nested
//! transaction is a savepoint.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_config::DatabaseSettings;
use nudge_store::schema::reminders;
use nudge_store::{Db, Transact as _, with_conn};
use nudge_testkit::TestDatabase;

async fn db_on(database: &TestDatabase) -> Db {
    let db = Db::connect(&DatabaseSettings {
        url: database.url.clone(),
        max_connections: 8,
        ..DatabaseSettings::default()
    })
    .expect("pool");
    db.migrate().await.expect("migrate");
    db
}

/// The values of a reminder row with this id (a macro: diesel's insertable
/// tuples are not nameable as one type for both backends).
macro_rules! reminder {
    ($id:expr) => {{
        let now = nudge_store::now();
        let id: String = $id.to_owned();
        (
            reminders::id.eq(id.clone()),
            reminders::user_id.eq("u1"),
            reminders::body.eq(vec![1_u8]),
            reminders::timezone.eq("America/Montreal"),
            reminders::language.eq("en"),
            reminders::status.eq("scheduled"),
            reminders::idempotency_key.eq(id),
            reminders::created_at.eq(now),
            reminders::updated_at.eq(now),
        )
    }};
}

/// Sixteen transactions, each reading, waiting, then writing, all at once
/// on eight connections: every one commits.
async fn racing_read_then_write_transactions_all_commit(database: TestDatabase) {
    let db = db_on(&database).await;
    let mut racers = Vec::new();
    for i in 0..16 {
        let db = db.clone();
        racers.push(tokio::spawn(async move {
            let mut conn = db.conn().await.expect("conn");
            with_conn!(&mut conn, c => {
                c.write_transaction(async |c| {
                    let seen: i64 = reminders::table.count().get_result(c).await?;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    diesel::insert_into(reminders::table).values(reminder!(format!("r{i}"))).execute(c).await?;
                    Ok::<_, diesel::result::Error>(seen)
                })
                .await
            })
        }));
    }
    for racer in racers {
        racer.await.expect("racer").expect("a racing transaction commits");
    }
    let mut conn = db.conn().await.expect("conn");
    let count: i64 = with_conn!(&mut conn, c => reminders::table.count().get_result(c).await).expect("count");
    assert_eq!(count, 16);
}

/// An error rolls the whole transaction back; a failed nested one only
/// its own savepoint.
async fn errors_roll_back_and_nesting_uses_savepoints(database: TestDatabase) {
    let db = db_on(&database).await;
    let mut conn = db.conn().await.expect("conn");
    let failed: Result<(), diesel::result::Error> = with_conn!(&mut conn, c => {
        c.write_transaction(async |c| {
            diesel::insert_into(reminders::table).values(reminder!("gone")).execute(c).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await
    });
    assert_eq!(failed, Err(diesel::result::Error::RollbackTransaction));
    let kept: Result<(), diesel::result::Error> = with_conn!(&mut conn, c => {
        c.write_transaction(async |c| {
            diesel::insert_into(reminders::table).values(reminder!("outer")).execute(c).await?;
            let inner: Result<(), diesel::result::Error> = c
                .write_transaction(async |c| {
                    diesel::insert_into(reminders::table).values(reminder!("inner")).execute(c).await?;
                    Err(diesel::result::Error::RollbackTransaction)
                })
                .await;
            assert!(inner.is_err());
            Ok(())
        })
        .await
    });
    kept.expect("the outer transaction commits");
    let ids: Vec<String> =
        with_conn!(&mut conn, c => reminders::table.select(reminders::id).order(reminders::id).load(c).await)
            .expect("ids");
    assert_eq!(ids, vec!["outer".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_read_then_write_transactions_all_commit_sqlite() {
    racing_read_then_write_transactions_all_commit(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn racing_read_then_write_transactions_all_commit_postgres() {
    racing_read_then_write_transactions_all_commit(TestDatabase::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_roll_back_and_nesting_uses_savepoints_sqlite() {
    errors_roll_back_and_nesting_uses_savepoints(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn errors_roll_back_and_nesting_uses_savepoints_postgres() {
    errors_roll_back_and_nesting_uses_savepoints(TestDatabase::postgres().await).await;
}
