//! What the plan tests of the queue queries share (`outbound/claim_tests.rs`,
//! `inbound/waiting_tests.rs`): a migrated database, a statement run as is,
//! and the rows `EXPLAIN` answers on each database.

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use nudge_store::{Db, DbConn, diesel, diesel_async, with_conn};
use nudge_testkit::TestDatabase;

pub(crate) async fn database(test_db: &TestDatabase) -> Db {
    let db = Db::connect(&nudge_config::DatabaseSettings {
        url: test_db.url.clone(),
        ..Default::default()
    })
    .expect("a pool");
    db.migrate().await.expect("migrations");
    db
}

pub(crate) async fn run(conn: &mut DbConn, text: &str) {
    with_conn!(conn, c => diesel::sql_query(text).execute(c).await).unwrap_or_else(|e| panic!("{text}: {e}"));
}

/// A row of SQLite's `EXPLAIN QUERY PLAN`.
#[derive(diesel::QueryableByName)]
pub(crate) struct PlanLine {
    #[diesel(sql_type = Text)]
    pub(crate) detail: String,
}

/// A row of PostgreSQL's `EXPLAIN`.
#[derive(diesel::QueryableByName)]
pub(crate) struct PgPlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    pub(crate) line: String,
}
