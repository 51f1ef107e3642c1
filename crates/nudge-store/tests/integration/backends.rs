//! The same migrations and queries on SQLite and on PostgreSQL.

use chrono::TimeDelta;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_config::DatabaseSettings;
use nudge_store::schema::reminder_occurrences;
use nudge_store::{Backend, Db, is_unique_violation, with_conn};
use nudge_testkit::TestDatabase;

fn settings(url: &str) -> DatabaseSettings {
    DatabaseSettings {
        url: url.to_owned(),
        ..DatabaseSettings::default()
    }
}

async fn migrations_and_queries(db: Db) {
    assert!(
        db.migrate().await.expect("migrate") >= 4,
        "a new database gets every migration"
    );
    assert_eq!(
        db.migrate().await.expect("migrate again"),
        0,
        "migrating twice applies nothing"
    );
    db.ping().await.expect("ping");

    let now = nudge_store::now();
    let row_of = |reminder: &str, id: &str, due_in: i64| {
        (
            reminder_occurrences::id.eq(id.to_owned()),
            reminder_occurrences::reminder_id.eq(reminder.to_owned()),
            reminder_occurrences::user_id.eq("u1"),
            reminder_occurrences::due_at.eq(now + TimeDelta::milliseconds(due_in)),
            reminder_occurrences::state.eq("scheduled"),
            reminder_occurrences::created_at.eq(now),
        )
    };
    let row = |id: &str, due_in: i64| row_of("r1", id, due_in);
    let mut conn = db.conn().await.expect("connection");
    with_conn!(&mut conn, c => {
        // The foreign key needs its reminder.
        diesel::insert_into(nudge_store::schema::reminders::table)
            .values((
                nudge_store::schema::reminders::id.eq("r1"),
                nudge_store::schema::reminders::user_id.eq("u1"),
                nudge_store::schema::reminders::body.eq(vec![1_u8, 2, 3]),
                nudge_store::schema::reminders::timezone.eq("America/Montreal"),
                nudge_store::schema::reminders::language.eq("en"),
                nudge_store::schema::reminders::status.eq("scheduled"),
                nudge_store::schema::reminders::idempotency_key.eq("k1"),
                nudge_store::schema::reminders::created_at.eq(now),
                nudge_store::schema::reminders::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })
    .expect("insert reminder");
    for (id, due_in) in [("a", 1500), ("b", 500), ("c", -250)] {
        with_conn!(&mut conn, c => {
            diesel::insert_into(reminder_occurrences::table).values(row(id, due_in)).execute(c).await
        })
        .expect("insert occurrence");
    }

    // Instants keep their millisecond and compare in time order on both backends.
    let due: Vec<(String, chrono::NaiveDateTime)> = with_conn!(&mut conn, c => {
        reminder_occurrences::table
            .filter(reminder_occurrences::due_at.le(now + TimeDelta::milliseconds(500)))
            .order(reminder_occurrences::due_at.asc())
            .select((reminder_occurrences::id, reminder_occurrences::due_at))
            .load(c)
            .await
    })
    .expect("select");
    assert_eq!(
        due,
        vec![
            ("c".to_owned(), now - TimeDelta::milliseconds(250)),
            ("b".to_owned(), now + TimeDelta::milliseconds(500)),
        ]
    );

    let duplicate = with_conn!(&mut conn, c => {
        diesel::insert_into(reminder_occurrences::table).values(row("a", 0)).execute(c).await
    })
    .expect_err("duplicate id");
    assert!(is_unique_violation(&duplicate), "{duplicate:?}");

    // A dangling reference is refused (SQLite enforces foreign keys too).
    let orphan = with_conn!(&mut conn, c => {
        diesel::insert_into(reminder_occurrences::table)
            .values(row_of("missing", "d", 0))
            .execute(c)
            .await
    });
    assert!(
        matches!(
            orphan,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        ),
        "foreign keys are enforced: {orphan:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_runs_the_migrations_and_queries() {
    let database = TestDatabase::sqlite();
    let db = Db::connect(&settings(&database.url)).expect("pool");
    assert_eq!(db.backend(), Backend::Sqlite);
    migrations_and_queries(db).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn postgres_runs_the_migrations_and_queries() {
    let database = TestDatabase::postgres().await;
    let db = Db::connect(&settings(&database.url)).expect("pool");
    assert_eq!(db.backend(), Backend::Postgres);
    migrations_and_queries(db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_postgres_fails_the_ping() {
    let mut settings = settings("postgres://nobody@127.0.0.1:1/none");
    settings.connect_timeout_seconds = 2;
    let db = Db::connect(&settings).expect("the pool itself is lazy");
    assert!(db.ping().await.is_err());
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    jit: String,
}

/// Every pooled PostgreSQL connection has JIT off: a claim whose planner
/// settings cost it at 10^10 would otherwise be compiled at every round.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn postgres_connections_never_compile_queries() {
    let database = TestDatabase::postgres().await;
    let db = Db::connect(&settings(&database.url)).expect("pool");
    let mut conn = db.conn().await.expect("a connection");
    let setting: Setting =
        with_conn!(&mut conn, c => diesel::sql_query("SHOW jit").get_result(c).await).expect("show jit");
    assert_eq!(setting.jit, "off");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Transactions committed in this database so far, this backend's flushed first.
async fn commits(db: &Db) -> i64 {
    let mut conn = db.conn().await.expect("a connection");
    with_conn!(&mut conn, c => diesel::sql_query("SELECT pg_stat_force_next_flush()").execute(c).await)
        .expect("flush the statistics");
    with_conn!(&mut conn, c => {
        diesel::sql_query("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()")
            .get_result::<Count>(c)
            .await
    })
    .expect("statistics")
    .n
}

/// Handing a pooled connection out again costs no round trip to the
/// server (the pool's default ran `SELECT 1` at each checkout: about 18
/// per message, 2,700 a second at 200 messages a second, docs/benchmarks.md).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn a_pooled_connection_is_handed_out_without_a_round_trip_postgres() {
    let database = TestDatabase::postgres().await;
    let mut settings = settings(&database.url);
    settings.max_connections = 1;
    let db = Db::connect(&settings).expect("pool");
    let before = commits(&db).await;
    for _ in 0..50 {
        drop(db.conn().await.expect("a connection"));
    }
    let after = commits(&db).await;
    // Reading the count itself is two statements.
    assert!(after - before <= 4, "{} transactions for 50 checkouts", after - before);
}

/// A connection the server closed (a restart, an administrator's
/// `pg_terminate_backend`) is not handed out again: the next checkout
/// opens a new one, and its query succeeds.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn a_connection_the_server_closed_is_not_handed_out_postgres() {
    let database = TestDatabase::postgres().await;
    let mut settings = settings(&database.url);
    settings.max_connections = 1;
    let db = Db::connect(&settings).expect("pool");
    let pid_of = async |db: &Db| {
        let mut conn = db.conn().await.expect("a connection");
        with_conn!(&mut conn, c => {
            diesel::sql_query("SELECT pg_backend_pid()::BIGINT AS n").get_result::<Count>(c).await
        })
        .expect("a query on a pooled connection")
        .n
    };
    let first = pid_of(&db).await;
    let admin = Db::connect(&self::settings(&database.url)).expect("another pool");
    let mut conn = admin.conn().await.expect("a connection");
    with_conn!(&mut conn, c => {
        diesel::sql_query(format!("SELECT pg_terminate_backend({first})")).execute(c).await
    })
    .expect("terminate the pooled connection's backend");
    // The server's end of the socket reaches the client at once on loopback.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let second = pid_of(&db).await;
    assert_ne!(first, second, "a new connection");
}
