//! The reminders' claim costs the rows it claims, whatever the planner's
//! statistics say: checked on its plans after `ANALYZE` on an empty table
//! (the steady state, nothing due) and on a full one, on both backends
//! (PostgreSQL needs a server: `--include-ignored`).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection as _};
use nudge_store::schema::reminder_occurrences;
use nudge_store::{Backend, Db, DbConn, Transact as _, diesel, diesel_async, with_conn};
use nudge_testkit::TestDatabase;

use super::occurrences::{CLAIM_POSTGRES, CLAIM_SQLITE, PLANNER_SETTINGS, claim_due};
use super::reminders::{NewReminder, create_reminder};
use super::rows::{NewOccurrence, occurrence_kind};
use super::tests::connect;

/// Occurrences falling due, and claims whose lease ran out.
const DUE: usize = 3_000;
const LEASE_OVER: usize = 300;

#[derive(Insertable)]
#[diesel(table_name = reminder_occurrences)]
struct Occurrence<'a> {
    id: String,
    reminder_id: &'a str,
    user_id: &'a str,
    due_at: NaiveDateTime,
    state: &'a str,
    lease_until: Option<NaiveDateTime>,
    attempts: i32,
    late: bool,
    created_at: NaiveDateTime,
    kind: &'a str,
}

#[derive(QueryableByName)]
struct PostgresPlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = Integer)]
    #[expect(dead_code, reason = "EXPLAIN QUERY PLAN's columns, read by name")]
    id: i32,
    #[diesel(sql_type = Text)]
    detail: String,
}

async fn analyze(conn: &mut DbConn) {
    with_conn!(conn, c => c.batch_execute("ANALYZE").await).expect("analyze");
}

/// The claim's plan, as it runs (with its planner settings on PostgreSQL).
async fn plan(conn: &mut DbConn, now: NaiveDateTime) -> Vec<String> {
    match conn.backend() {
        Backend::Postgres => with_conn!(conn, c => {
            c.write_transaction(async |c| {
                c.batch_execute(PLANNER_SETTINGS).await?;
                // With its costs: PostgreSQL names the JIT compilation it plans only then.
                diesel::sql_query(format!("EXPLAIN {CLAIM_POSTGRES}"))
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(now)
                    .bind::<BigInt, _>(100_i64)
                    .load::<PostgresPlanLine>(c)
                    .await
            })
            .await
        })
        .expect("explain")
        .into_iter()
        .map(|row| row.line)
        .collect(),
        Backend::Sqlite => with_conn!(conn, c => {
            diesel::sql_query(format!("EXPLAIN QUERY PLAN {CLAIM_SQLITE}"))
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(100_i64)
                .load::<SqlitePlanLine>(c)
                .await
        })
        .expect("explain")
        .into_iter()
        .map(|row| row.detail)
        .collect(),
    }
}

/// Both sources are read through their index, in its order; nothing reads
/// the table whole or sorts every due row.
#[track_caller]
fn check_plan(backend: Backend, lines: &[String], when: &str) {
    let text = lines.join("\n");
    eprintln!("{when}:\n{text}");
    for index in ["reminder_occurrences_state_due", "reminder_occurrences_state_lease"] {
        assert!(text.contains(index), "{when}: {index} unused\n{text}");
    }
    match backend {
        Backend::Postgres => {
            assert!(text.contains("Nested Loop"), "{when}: no probe by primary key\n{text}");
            // The settings cost a turned-off node at 10^10: without `jit = off`
            // the claim would be compiled at every round (about 200 ms, for a 2 ms claim).
            assert!(
                !text.contains("JIT:"),
                "{when}: the claim would be compiled (JIT)\n{text}"
            );
            for line in lines {
                assert!(
                    !line.contains("Seq Scan") && !line.contains("Bitmap Heap Scan"),
                    "{when}: a scan of every due row\n{text}"
                );
                // The claimed rows are found again by primary key, one probe
                // each, never by walking it whole.
                assert!(
                    !line.contains("Hash Join") && !line.contains("Merge Join"),
                    "{when}: the table joined whole\n{text}"
                );
                // Only the merge of the two bounded sources (at most 2 × 100 rows) is sorted.
                if line.contains("Sort Key") {
                    assert!(line.contains("falling_due.due_at"), "{when}: {line}\n{text}");
                }
            }
        }
        Backend::Sqlite => {
            for line in lines {
                assert!(
                    !line.starts_with("SCAN reminder_occurrences"),
                    "{when}: a scan of the table: {line}\n{text}"
                );
            }
        }
    }
}

async fn claim_reads_what_it_claims(db: Db) {
    let mut conn = db.conn().await.expect("conn");
    let backend = conn.backend();
    if backend == Backend::Postgres {
        // Statistics stay those of the empty table until the second ANALYZE.
        with_conn!(&mut conn, c => {
            c.batch_execute("ALTER TABLE reminder_occurrences SET (autovacuum_enabled = false)").await
        })
        .expect("autovacuum off");
    }
    analyze(&mut conn).await;
    let now = nudge_store::now();
    let (id, key) = (nudge_core::new_id(), nudge_core::new_id());
    let reminder = NewReminder {
        id: &id,
        user_id: "plans",
        body: b"",
        timezone: "America/Montreal",
        language: "en",
        idempotency_key: &key,
        rrule: None,
        dtstart: now - TimeDelta::days(1),
        urgent: false,
        first: NewOccurrence {
            id: nudge_core::new_id(),
            kind: occurrence_kind::DUE,
            due_at: now + TimeDelta::days(365),
            held_from: None,
        },
        now: now - TimeDelta::days(1),
    };
    let (row, _) = create_reminder(&mut conn, &reminder).await.expect("a reminder");
    let rows: Vec<Occurrence<'_>> = (0..DUE + LEASE_OVER)
        .map(|i| {
            let lease_over = i >= DUE;
            Occurrence {
                id: format!("plan-{i:05}"),
                reminder_id: &row.id,
                user_id: "plans",
                due_at: now - TimeDelta::seconds(i64::try_from(DUE + LEASE_OVER - i).unwrap_or(0)),
                state: if lease_over { "queued" } else { "scheduled" },
                lease_until: lease_over.then(|| now - TimeDelta::seconds(5)),
                attempts: i32::from(lease_over),
                late: false,
                created_at: now - TimeDelta::days(1),
                kind: occurrence_kind::DUE,
            }
        })
        .collect();
    with_conn!(&mut conn, c => {
        c.write_transaction(async |c| {
            for row in &rows {
                diesel::insert_into(reminder_occurrences::table).values(row).execute(c).await?;
            }
            QueryResult::Ok(())
        })
        .await
    })
    .expect("occurrences");
    check_plan(backend, &plan(&mut conn, now).await, "statistics of an empty table");
    analyze(&mut conn).await;
    check_plan(backend, &plan(&mut conn, now).await, "statistics of a full table");

    // And it claims the earliest first, from both sources.
    let claimed = claim_due(&mut conn, now, now + TimeDelta::seconds(60), 100)
        .await
        .expect("claim");
    let expected: Vec<String> = (0..100).map(|i| format!("plan-{i:05}")).collect();
    let mut claimed_sorted = claimed.clone();
    claimed_sorted.sort();
    assert_eq!(claimed_sorted, expected, "the 100 earliest due");
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_claim_reads_what_it_claims() {
    let database = TestDatabase::sqlite();
    claim_reads_what_it_claims(connect(&database.url).await).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn postgres_claim_reads_what_it_claims() {
    let database = TestDatabase::postgres().await;
    claim_reads_what_it_claims(connect(&database.url).await).await;
}
