//! The queries of inbound SMS: `sms_inbound`, and the replies owed to
//! strangers (`sms_stranger_replies`) stored with their message.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::RunQueryDsl;
use nudge_store::schema::{sms_inbound, sms_stranger_replies};
use nudge_store::{DbConn, Transact as _, diesel, diesel_async, with_conn};

use crate::compliance::store::{ConsentChange, insert_consent_event, suppress_queued, upsert_consent};
use crate::outbound::store::{NewOutbound, insert_outbound_row};
use crate::store::{inbound_status, sql, stranger_status};

/// Where an inbound `To` leads: the number's owner and whether they opted out.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct Route {
    #[diesel(sql_type = Text)]
    pub(crate) user_id: String,
    /// The owner's phone, as its blind index (see [`crate::store::phones`]).
    #[diesel(sql_type = Text)]
    pub(crate) phone_index: String,
    #[diesel(sql_type = Bool)]
    pub(crate) opted_out: bool,
}

#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = sms_inbound)]
pub(crate) struct InboundRow {
    pub(crate) id: String,
    pub(crate) body: Vec<u8>,
    pub(crate) received_at: NaiveDateTime,
    pub(crate) attempts: i32,
    pub(crate) next_attempt_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sms_inbound)]
pub(crate) struct NewInbound<'a> {
    pub(crate) id: &'a str,
    pub(crate) message_sid: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) status: &'a str,
    pub(crate) body: &'a [u8],
    pub(crate) num_segments: i32,
    pub(crate) received_at: NaiveDateTime,
    pub(crate) next_attempt_at: NaiveDateTime,
    pub(crate) sender_hash: Option<&'a str>,
    pub(crate) keyword: Option<&'a str>,
}

const ROUTE_SQL: &str = "SELECT n.user_id, n.phone_index, COALESCE(c.opted_out, FALSE) AS opted_out \
    FROM sms_numbers n LEFT JOIN sms_consent c ON c.user_id = n.user_id WHERE n.nudge_number = $1";

/// The owner of `nudge_number` and their consent, in one query.
pub(crate) async fn route(conn: &mut DbConn, nudge_number: &str) -> QueryResult<Option<Route>> {
    let query = sql(conn.backend(), ROUTE_SQL);
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(nudge_number)
            .get_result::<Route>(c)
            .await
            .optional()
    })
}

/// Stores an inbound message; `false` when its MessageSid was seen before.
pub(crate) async fn insert_inbound(conn: &mut DbConn, row: &NewInbound<'_>) -> QueryResult<bool> {
    let inserted = with_conn!(conn, c => {
        diesel::insert_into(sms_inbound::table)
            .values(row)
            .on_conflict(sms_inbound::message_sid)
            .do_nothing()
            .execute(c)
            .await
    })?;
    Ok(inserted == 1)
}

/// Stores several inbound messages in one transaction (group commit); for
/// each, `false` when its MessageSid was seen before (in an earlier
/// transaction or earlier in this one).
pub(crate) async fn insert_inbound_batch(conn: &mut DbConn, rows: &[NewInbound<'_>]) -> QueryResult<Vec<bool>> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let mut stored = Vec::with_capacity(rows.len());
            for row in rows {
                let inserted = diesel::insert_into(sms_inbound::table)
                    .values(row)
                    .on_conflict(sms_inbound::message_sid)
                    .do_nothing()
                    .execute(c)
                    .await?;
                stored.push(inserted == 1);
            }
            QueryResult::Ok(stored)
        })
        .await
    })
}

/// What a compliance keyword does, stored with its message in one transaction.
pub(crate) struct KeywordEffects<'a> {
    pub(crate) inbound: NewInbound<'a>,
    /// A consent change to record (the inbound id is filled in).
    pub(crate) consent: Option<ConsentChange<'a>>,
    /// A reply to queue.
    pub(crate) reply: Option<NewOutbound<'a>>,
}

/// Stores a keyword message with its effects; `false` (and nothing done)
/// when its MessageSid was seen before.
pub(crate) async fn store_keyword(conn: &mut DbConn, effects: &KeywordEffects<'_>) -> QueryResult<bool> {
    let backend = conn.backend();
    let event_id = nudge_core::new_id();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let inserted = diesel::insert_into(sms_inbound::table)
                .values(&effects.inbound)
                .on_conflict(sms_inbound::message_sid)
                .do_nothing()
                .execute(c)
                .await?;
            if inserted == 0 {
                return QueryResult::Ok(false);
            }
            if let Some(change) = &effects.consent {
                let change = ConsentChange {
                    inbound_id: Some(effects.inbound.id),
                    ..*change
                };
                upsert_consent(backend, &change).execute(c).await?;
                insert_consent_event(backend, &change, &event_id).execute(c).await?;
                if change.opted_out {
                    suppress_queued(backend, &change).execute(c).await?;
                }
            }
            if let Some(reply) = &effects.reply {
                insert_outbound_row(backend, reply).execute(c).await?;
            }
            QueryResult::Ok(true)
        })
        .await
    })
}

/// Stores a stranger's message (without its body) and, if they are owed
/// one, their reply; returns (stored, reply id when one is owed now).
pub(crate) async fn store_stranger(
    conn: &mut DbConn,
    inbound: &NewInbound<'_>,
    nudge_number: &str,
    reply_status: Option<&str>,
) -> QueryResult<(bool, Option<String>)> {
    let reply_id = nudge_core::new_id();
    let sender_hash = inbound.sender_hash.unwrap_or_default();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let inserted = diesel::insert_into(sms_inbound::table)
                .values(inbound)
                .on_conflict(sms_inbound::message_sid)
                .do_nothing()
                .execute(c)
                .await?;
            if inserted == 0 {
                return QueryResult::Ok((false, None));
            }
            let Some(status) = reply_status else {
                return QueryResult::Ok((true, None));
            };
            let owed = diesel::insert_into(sms_stranger_replies::table)
                .values((
                    sms_stranger_replies::id.eq(&reply_id),
                    sms_stranger_replies::nudge_number.eq(nudge_number),
                    sms_stranger_replies::sender_hash.eq(sender_hash),
                    sms_stranger_replies::user_id.eq(inbound.user_id),
                    sms_stranger_replies::status.eq(status),
                    sms_stranger_replies::created_at.eq(inbound.received_at),
                    sms_stranger_replies::updated_at.eq(inbound.received_at),
                ))
                .on_conflict((sms_stranger_replies::nudge_number, sms_stranger_replies::sender_hash))
                .do_nothing()
                .execute(c)
                .await?;
            let owed = owed == 1 && status == stranger_status::PENDING;
            QueryResult::Ok((true, owed.then(|| reply_id.clone())))
        })
        .await
    })
}

/// People with a message waiting, after `after` in user-id order (`""`:
/// from the first), at most `limit`: one step of the dispatcher's sweep.
///
/// A skip scan over the waiting messages' index: each person costs one
/// index descent, whatever how many messages they or others have waiting
/// (`GROUP BY` would read every waiting row). The count column stops the
/// recursion after `limit` people on both databases.
pub(super) const WAITING_PEOPLE_SQL: &str = "WITH RECURSIVE people(user_id, n) AS ( \
        SELECT (SELECT MIN(w.user_id) FROM sms_inbound w WHERE w.status = 'pending' AND w.user_id > $1), 1 \
        UNION ALL \
        SELECT (SELECT MIN(w.user_id) FROM sms_inbound w WHERE w.status = 'pending' AND w.user_id > p.user_id), \
            p.n + 1 \
        FROM people p WHERE p.user_id IS NOT NULL AND p.n < $2 \
    ) \
    SELECT user_id FROM people WHERE user_id IS NOT NULL";

#[derive(QueryableByName)]
struct Person {
    #[diesel(sql_type = Text)]
    user_id: String,
}

pub(crate) async fn waiting_people(conn: &mut DbConn, after: &str, limit: i64) -> QueryResult<Vec<String>> {
    let query = sql(conn.backend(), WAITING_PEOPLE_SQL);
    let people: Vec<Person> = with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(after)
            .bind::<BigInt, _>(limit)
            .load::<Person>(c)
            .await
    })?;
    Ok(people.into_iter().map(|p| p.user_id).collect())
}

/// The person's oldest messages not yet handed to the agent, in order, at
/// most `limit` (one turn), through the waiting messages' index.
pub(super) const WAITING_MESSAGES_SQL: &str = "SELECT id, body, received_at, attempts, next_attempt_at FROM sms_inbound \
    WHERE status = 'pending' AND user_id = $1 ORDER BY received_at, id LIMIT $2";

pub(crate) async fn waiting_messages(conn: &mut DbConn, user_id: &str, limit: i64) -> QueryResult<Vec<InboundRow>> {
    let query = sql(conn.backend(), WAITING_MESSAGES_SQL);
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(user_id)
            .bind::<BigInt, _>(limit)
            .load::<InboundRow>(c)
            .await
    })
}

/// Marks a message handed to the agent.
pub(crate) async fn finish_inbound(conn: &mut DbConn, id: &str, status: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_inbound::table.find(id))
            .set((sms_inbound::status.eq(status), sms_inbound::dispatched_at.eq(now)))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Sets a message aside for good (`failed`), with the reason an operator reads.
pub(crate) async fn set_aside_inbound(
    conn: &mut DbConn,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_inbound::table.find(id))
            .set((
                sms_inbound::status.eq(inbound_status::FAILED),
                sms_inbound::set_aside_reason.eq(reason),
                sms_inbound::dispatched_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(crate) async fn retry_inbound_later(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_inbound::table.find(id))
            .set((sms_inbound::attempts.eq(attempts), sms_inbound::next_attempt_at.eq(next_attempt_at)))
            .execute(c)
            .await
    })?;
    Ok(())
}
