//! A MessageSid is processed once, in both modes: under concurrent retries,
//! across two sms-router replicas (distributed mode), by a unique constraint
//! in the database (not process memory).

use std::time::Duration;

use crate::helpers::sms::{Mode, Options, World};
use crate::helpers::*;
use diesel::ExpressionMethods as _;
use nudge::webhook::{InboundSms, new_message_sid};
use nudge_store::diesel_async::RunQueryDsl;
use nudge_store::schema::sms_inbound;
use nudge_store::with_conn;

async fn once_per_message_sid(mode: Mode) {
    let replicas = if mode == Mode::Distributed { 2 } else { 1 };
    let options = Options {
        replicas,
        ..Options::default()
    }
    .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "50");
    let world = World::start(mode, options).await;
    let senders: Vec<_> = (0..replicas).map(|r| world.sender_to(r)).collect();

    // One message, 24 deliveries at once, spread over the replicas.
    let sid = new_message_sid();
    let body = "remind me in 30 minutes to stretch";
    let deliveries = (0..24).map(|i| {
        let sender = &senders[i % replicas];
        let sid = sid.as_str();
        async move {
            sender
                .send(&InboundSms {
                    message_sid: sid,
                    from: PHONE,
                    to: NUDGE_NUMBER,
                    body,
                })
                .await
                .expect("post")
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(deliveries).await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every delivery acknowledged: {statuses:?}"
    );

    // Ten more messages, each delivered three times at once.
    let sids: Vec<String> = (0..10).map(|_| new_message_sid()).collect();
    let deliveries = sids.iter().enumerate().flat_map(|(n, sid)| {
        let senders = &senders;
        (0..3).map(move |copy| async move {
            let body = format!("remind me in {} minutes to call Sam", 40 + n);
            senders[(n + copy) % replicas]
                .send(&InboundSms {
                    message_sid: sid,
                    from: PHONE,
                    to: NUDGE_NUMBER,
                    body: &body,
                })
                .await
                .expect("post")
                .as_u16()
        })
    });
    let statuses = futures::future::join_all(deliveries).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    // One row per MessageSid; the agent answered each message once.
    let rows = world.inbound().await;
    assert_eq!(rows.len(), 11, "{rows:#?}");
    let mut stored: Vec<&str> = rows.iter().map(|r| r.message_sid.as_str()).collect();
    stored.sort_unstable();
    stored.dedup();
    assert_eq!(stored.len(), 11);
    let replies = world.wait_sent_to(PHONE, 11, Duration::from_secs(30)).await;
    world.nothing_more_to(PHONE, 11, Duration::from_secs(2)).await;
    assert!(replies.iter().all(|m| m.body.starts_with("Got it.")), "{replies:#?}");

    // The guarantee is the database's: a second row with a stored MessageSid is refused.
    let mut conn = world.db.conn().await.expect("db");
    let now = nudge_store::now();
    let duplicate = with_conn!(&mut conn, c => {
        diesel::insert_into(sms_inbound::table)
            .values((
                sms_inbound::id.eq(nudge_core::new_id()),
                sms_inbound::message_sid.eq(&sid),
                sms_inbound::user_id.eq("someone"),
                sms_inbound::status.eq("pending"),
                sms_inbound::body.eq(Vec::<u8>::new()),
                sms_inbound::num_segments.eq(1),
                sms_inbound::received_at.eq(now),
                sms_inbound::next_attempt_at.eq(now),
            ))
            .execute(c)
            .await
    });
    assert!(
        duplicate.as_ref().is_err_and(nudge_store::is_unique_violation),
        "{duplicate:?}"
    );
    drop(conn);
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sid_is_processed_once_embedded() {
    once_per_message_sid(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_message_sid_is_processed_once_across_two_replicas_distributed() {
    once_per_message_sid(Mode::Distributed).await;
}
