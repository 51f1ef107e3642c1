//! The inbound dispatcher under a backlog: waiting costs the database
//! nothing while the agent is away, a fresh person is served while another's
//! thousands drain (in order), and a message the agent can never take is
//! set aside with a reason instead of being retried forever.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use nudge_store::diesel_async::RunQueryDsl;
use nudge_store::schema::{agent_people, sms_inbound};
use nudge_store::{PersonKeyTable, PersonKeys, Transact as _, with_conn};

use crate::helpers::eventually;
use crate::helpers::sms::{Mode, Options, World, assign};

/// What sms-router encrypts an inbound body with (its associated data).
const INBOUND_BODY: &[u8] = b"sms.inbound.body";

/// Stores `count` waiting messages for `user_id` as the webhook would
/// (encrypted with the person's key), received one millisecond apart
/// starting at `first`; returns their ids, oldest first.
async fn store_waiting(world: &World, user_id: &str, count: usize, first: NaiveDateTime) -> Vec<String> {
    let keys = PersonKeys::new(world.settings().key_ring().expect("key ring"), PersonKeyTable::Sms);
    let mut conn = world.db.conn().await.expect("db");
    let cipher = keys.for_writing(&mut conn, user_id).await.expect("person key");
    let mut ids = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|&index| {
                let id = uuid::Uuid::now_v7().to_string();
                ids.push(id.clone());
                let received_at = first + TimeDelta::milliseconds(i64::try_from(index).expect("index"));
                (
                    sms_inbound::id.eq(id),
                    sms_inbound::message_sid.eq(format!("SM{}", uuid::Uuid::new_v4().simple())),
                    sms_inbound::user_id.eq(user_id.to_owned()),
                    sms_inbound::status.eq("pending"),
                    sms_inbound::body.eq(cipher.encrypt_str(&format!("note {index}"), INBOUND_BODY)),
                    sms_inbound::num_segments.eq(1),
                    sms_inbound::received_at.eq(received_at),
                    sms_inbound::attempts.eq(0),
                    sms_inbound::next_attempt_at.eq(received_at),
                )
            })
            .collect();
        // One statement per row (SQLite has no multi-row insert in diesel), one transaction per chunk.
        with_conn!(&mut conn, c => {
            c.write_transaction(async |c| {
                for row in &rows {
                    diesel::insert_into(sms_inbound::table).values(row.clone()).execute(c).await?;
                }
                QueryResult::Ok(())
            })
            .await
        })
        .expect("insert waiting messages");
    }
    ids
}

/// A person the agent knows (as the api's provisioning would leave them).
async fn agent_knows(world: &World, user_id: &str) {
    let mut conn = world.db.conn().await.expect("db");
    with_conn!(&mut conn, c => {
        diesel::insert_into(agent_people::table)
            .values((
                agent_people::user_id.eq(user_id),
                agent_people::timezone.eq("America/Montreal"),
                agent_people::language.eq("en"),
                agent_people::updated_at.eq(nudge_store::now()),
            ))
            .execute(c)
            .await
    })
    .expect("agent person");
}

/// (status, attempts, dispatched_at, set_aside_reason) of a person's messages, oldest first.
type Waiting = Vec<(String, i32, Option<NaiveDateTime>, Option<String>)>;

async fn messages_of(world: &World, user_id: &str) -> Waiting {
    let mut conn = world.db.conn().await.expect("db");
    with_conn!(&mut conn, c => {
        sms_inbound::table
            .filter(sms_inbound::user_id.eq(user_id))
            .order((sms_inbound::received_at.asc(), sms_inbound::id.asc()))
            .select((
                sms_inbound::status,
                sms_inbound::attempts,
                sms_inbound::dispatched_at,
                sms_inbound::set_aside_reason,
            ))
            .load(c)
            .await
    })
    .expect("query")
}

async fn pending_of(world: &World, user_id: &str) -> i64 {
    let mut conn = world.db.conn().await.expect("db");
    with_conn!(&mut conn, c => {
        sms_inbound::table
            .filter(sms_inbound::user_id.eq(user_id))
            .filter(sms_inbound::status.eq("pending"))
            .count()
            .get_result(c)
            .await
    })
    .expect("query")
}

#[derive(QueryableByName)]
struct RowsRead {
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// Rows of `sms_inbound` PostgreSQL has read so far: by sequential scans
/// and through its indexes (the statistics collector's counters).
async fn inbound_rows_read(world: &World) -> i64 {
    let mut conn = world.db.conn().await.expect("db");
    let read: RowsRead = with_conn!(&mut conn, c => {
        diesel::sql_query(
            "SELECT (COALESCE(t.seq_tup_read, 0) + COALESCE((SELECT SUM(i.idx_tup_read) \
             FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0))::BIGINT AS rows \
             FROM pg_stat_user_tables t WHERE t.relname = 'sms_inbound'",
        )
        .get_result(c)
        .await
    })
    .expect("statistics");
    read.rows
}

/// 20,000 messages of 200 people wait for an agent that cannot be reached:
/// the dispatcher (one round every 100 ms) reads fewer rows in 8 s than
/// one read of the backlog, and leaves the rows untouched (no per-person
/// retries: one probe now and then).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn waiting_for_an_absent_agent_reads_almost_nothing_on_postgres() {
    let world = World::start(
        Mode::Distributed,
        Options {
            sms_router_only: true,
            ..Options::default()
        }
        .with("NUDGE__SMS__DISPATCH_INTERVAL_MS", "100"),
    )
    .await;
    let first = nudge_store::now() - TimeDelta::minutes(5);
    let people: Vec<String> = (0..200).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for (index, user_id) in people.iter().enumerate() {
        let start = first + TimeDelta::seconds(i64::try_from(index).expect("index"));
        store_waiting(&world, user_id, 100, start).await;
    }
    // The dispatcher finds them, fails to reach the agent, and pauses.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = inbound_rows_read(&world).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    // The counters reach the view within a second of each statement.
    let read = inbound_rows_read(&world).await - before;
    assert!(
        read < 20_000,
        "the dispatcher read {read} rows of sms_inbound in 8 s with 20,000 waiting \
         (80 rounds): its cost grows with the backlog"
    );
    for user_id in &people {
        let messages = messages_of(&world, user_id).await;
        assert_eq!(messages.len(), 100);
        assert!(
            messages
                .iter()
                .all(|(status, attempts, _, _)| status == "pending" && *attempts == 0),
            "waiting messages are left untouched while the agent is away: {:?}",
            &messages[..3]
        );
    }
    world.stop().await;
}

/// Another person has 5,000 messages waiting and their drain has begun;
/// the demo person's new message is handed to the agent at once, not after
/// them; the other person's messages are handed over in order.
async fn a_fresh_person_is_served_while_a_backlog_drains(mode: Mode) {
    let world = World::start(mode, Options::default()).await;
    let busy = assign(&world, "+15145550142", "+15145550143").await;
    agent_knows(&world, &busy).await;
    store_waiting(&world, &busy, 5_000, nudge_store::now() - TimeDelta::minutes(10)).await;
    eventually(
        "the backlog to start draining",
        Duration::from_secs(30),
        || pending_of(&world, &busy),
        |pending| *pending < 5_000,
    )
    .await;

    let sid = world.text("hello").await;
    let waiting_then = eventually(
        "the fresh message handed to the agent",
        Duration::from_secs(40),
        || async {
            let status = world.inbound_by_sid(&sid).await.map(|r| r.status);
            (status, pending_of(&world, &busy).await)
        },
        |(status, _)| status.as_deref() == Some("dispatched"),
    )
    .await
    .1;
    assert!(
        waiting_then >= 1_000,
        "the fresh message waited behind the backlog: only {waiting_then} of 5,000 were still waiting"
    );

    // The backlog's order: handed over oldest first, with nothing skipped.
    let messages = messages_of(&world, &busy).await;
    let handed: Vec<_> = messages.iter().take_while(|m| m.0 == "dispatched").collect();
    assert!(
        messages[handed.len()..].iter().all(|m| m.0 == "pending"),
        "only a prefix of the backlog is handed over"
    );
    assert!(
        handed.windows(2).all(|pair| pair[0].2 <= pair[1].2),
        "the backlog is handed over in the order it was received"
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_person_is_served_while_a_backlog_drains_embedded() {
    a_fresh_person_is_served_while_a_backlog_drains(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_fresh_person_is_served_while_a_backlog_drains_on_postgres() {
    a_fresh_person_is_served_while_a_backlog_drains(Mode::Distributed).await;
}

/// A person given a number by `AssignNumber` alone is unknown to the agent:
/// their message that has waited longer than the agent's profile can take
/// to arrive is set aside with a reason and counted; a fresh one is retried.
async fn a_message_the_agent_can_never_take_is_set_aside(mode: Mode) {
    let world = World::start(mode, Options::default()).await;
    let phone = "+15145550152";
    let number = "+15145550153";
    let stranger_to_agent = assign(&world, phone, number).await;
    store_waiting(&world, &stranger_to_agent, 1, nudge_store::now() - TimeDelta::hours(1)).await;
    world.text_from(phone, number, "hello").await;

    let messages = eventually(
        "the old message set aside and the new one retried",
        Duration::from_secs(30),
        || messages_of(&world, &stranger_to_agent),
        |m| m.len() == 2 && m[0].0 == "failed" && m[1].1 >= 1,
    )
    .await;
    let reason = messages[0].3.clone().expect("a reason is stored");
    assert!(
        reason.starts_with("failed_precondition") && reason.contains("profile"),
        "the reason says what the agent answered: {reason}"
    );
    assert!(!reason.contains(phone) && !reason.contains("hello"));
    assert_eq!(messages[1].0, "pending", "a fresh message is retried, not set aside");
    assert_eq!(messages[1].3, None);
    let metrics = world.metrics().await;
    assert!(
        crate::helpers::counter(
            &metrics,
            "nudge_sms_inbound_set_aside_total",
            "reason=\"failed_precondition\""
        ) >= 1.0,
        "the set-aside message is counted"
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_the_agent_can_never_take_is_set_aside_embedded() {
    a_message_the_agent_can_never_take_is_set_aside(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_message_the_agent_can_never_take_is_set_aside_on_postgres() {
    a_message_the_agent_can_never_take_is_set_aside(Mode::Distributed).await;
}
