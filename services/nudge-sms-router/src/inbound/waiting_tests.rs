//! The dispatcher's queries on both databases: finding who waits
//! ([`store::waiting_people`]) and a person's next messages
//! ([`store::waiting_messages`]) probe the waiting messages' partial index
//! after `ANALYZE` on an empty and on a full table, never reading the
//! backlog whole nor sorting it (the round it replaced grouped every
//! pending row, on every round, on each replica: issue 17).

use chrono::{NaiveDateTime, TimeDelta};
use diesel_async::RunQueryDsl;
use nudge_store::{Backend, DbConn, diesel, diesel_async, with_conn};
use nudge_testkit::TestDatabase;

use super::store::{self, NewInbound};
use crate::plan_testing::{PgPlanLine, PlanLine, database, run};

/// People and waiting messages each: 2,000 waiting, and as many handed over (history).
const PEOPLE: usize = 200;
const PER_PERSON: usize = 10;

async fn analyze(conn: &mut DbConn) {
    match conn.backend() {
        Backend::Postgres => run(conn, "ANALYZE sms_inbound").await,
        Backend::Sqlite => run(conn, "ANALYZE").await,
    }
}

fn person(n: usize) -> String {
    format!("u{n:04}")
}

/// `PEOPLE` × `PER_PERSON` waiting messages, and as many dispatched ones.
async fn fill(conn: &mut DbConn, now: NaiveDateTime) {
    let ids: Vec<(String, String, &str)> = (0..PEOPLE)
        .flat_map(|n| (0..2 * PER_PERSON).map(move |k| (n, k)))
        .map(|(n, k)| {
            let status = if k < PER_PERSON { "dispatched" } else { "pending" };
            (format!("{n:04}-{k:03}"), person(n), status)
        })
        .collect();
    let received = now - TimeDelta::minutes(10);
    let rows: Vec<NewInbound<'_>> = ids
        .iter()
        .map(|(id, user_id, status)| NewInbound {
            id,
            message_sid: id,
            user_id,
            status,
            body: &[0],
            num_segments: 1,
            received_at: received,
            next_attempt_at: received,
            sender_hash: None,
            keyword: None,
        })
        .collect();
    for chunk in rows.chunks(500) {
        let stored = store::insert_inbound_batch(conn, chunk).await.expect("insert");
        assert!(stored.iter().all(|s| *s), "every row stored");
    }
}

/// The plans of both statements, literal values for their parameters.
async fn plan(conn: &mut DbConn) -> Vec<String> {
    let backend = conn.backend();
    let mut lines = Vec::new();
    for text in [
        store::WAITING_PEOPLE_SQL.replace("$1", "'u0041'").replace("$2", "64"),
        store::WAITING_MESSAGES_SQL.replace("$1", "'u0042'").replace("$2", "8"),
    ] {
        let got: Vec<String> = match backend {
            Backend::Postgres => with_conn!(conn, c => {
                diesel::sql_query(format!("EXPLAIN (COSTS OFF) {text}"))
                    .load::<PgPlanLine>(c)
                    .await
                    .map(|rows| rows.into_iter().map(|r| r.line).collect())
            }),
            Backend::Sqlite => with_conn!(conn, c => {
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {text}"))
                    .load::<PlanLine>(c)
                    .await
                    .map(|rows| rows.into_iter().map(|r| r.detail).collect())
            }),
        }
        .expect("explain");
        lines.extend(got);
    }
    lines
}

/// Every access to `sms_inbound` goes through the waiting messages' index
/// (a search, not a scan); nothing is sorted.
#[track_caller]
fn check_plan(backend: Backend, lines: &[String], when: &str) {
    let text = lines.join("\n");
    eprintln!("{when}:\n{text}");
    assert!(text.contains("sms_inbound_dispatch_waiting"), "{when}: {text}");
    for line in lines {
        match backend {
            Backend::Postgres => {
                assert!(!line.contains("Seq Scan"), "{when}: a sequential scan\n{text}");
                assert!(
                    !line.contains("Bitmap Heap Scan") && !line.contains("Sort") && !line.contains("Aggregate"),
                    "{when}: a scan, a sort or a grouping over many rows\n{text}"
                );
            }
            Backend::Sqlite => {
                let mut words = line.split_whitespace();
                let (verb, table) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                if matches!(verb, "SCAN" | "SEARCH") && ["w", "sms_inbound"].contains(&table) {
                    assert!(
                        verb == "SEARCH" && line.contains("INDEX"),
                        "{when}: a scan of the table: {line}\n{text}"
                    );
                }
                assert!(!line.contains("TEMP B-TREE"), "{when}: a sort: {line}\n{text}");
            }
        }
    }
}

async fn plans_probe_the_waiting_index(test_db: TestDatabase) {
    let db = database(&test_db).await;
    let mut conn = db.conn().await.expect("a connection");
    let backend = conn.backend();
    if backend == Backend::Postgres {
        run(&mut conn, "ALTER TABLE sms_inbound SET (autovacuum_enabled = false)").await;
    }
    analyze(&mut conn).await;
    let now = nudge_store::now();
    fill(&mut conn, now).await;
    // The backlog is there, the statistics still say empty (the steady state's).
    check_plan(
        backend,
        &plan(&mut conn).await,
        "full table, statistics of an empty one",
    );
    analyze(&mut conn).await;
    check_plan(backend, &plan(&mut conn).await, "statistics of a full table");

    // What the plans serve: who waits, in order, a page at a time, and a
    // person's oldest messages first.
    let first = store::waiting_people(&mut conn, "", 64).await.expect("people");
    assert_eq!(first, (0..64).map(person).collect::<Vec<_>>());
    let rest = store::waiting_people(&mut conn, &person(63), 1_000)
        .await
        .expect("people");
    assert_eq!(rest, (64..PEOPLE).map(person).collect::<Vec<_>>());
    let messages = store::waiting_messages(&mut conn, &person(42), 4)
        .await
        .expect("messages");
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["0042-010", "0042-011", "0042-012", "0042-013"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dispatchers_queries_probe_the_waiting_index_whatever_the_statistics_sqlite() {
    plans_probe_the_waiting_index(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn the_dispatchers_queries_probe_the_waiting_index_whatever_the_statistics_postgres() {
    plans_probe_the_waiting_index(TestDatabase::postgres().await).await;
}
