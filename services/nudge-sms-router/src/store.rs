//! sms-router's tables: `sms_numbers`, `sms_inbound`, `sms_outbound` (the
//! paced queue), `sms_consent` and its audit trail `sms_consent_events`,
//! `sms_stranger_replies`, `sms_number_periods`.
//!
//! Every transaction starts with a write, so that on SQLite it takes the
//! write lock first instead of failing when it upgrades a read snapshot.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Bool, Integer, Nullable, Text, Timestamp};
use diesel_async::RunQueryDsl;
use nudge_store::schema::{
    sms_consent, sms_inbound, sms_number_periods, sms_numbers, sms_outbound, sms_outbound_queue, sms_stranger_replies,
};
use nudge_store::{Backend, DbConn, Transact as _, diesel, diesel_async, with_conn};

/// SQL written with PostgreSQL placeholders (`$1`), for either backend
/// (SQLite takes `?1`).
fn sql(backend: Backend, text: &str) -> String {
    match backend {
        Backend::Postgres => text.to_owned(),
        Backend::Sqlite => text.replace('$', "?"),
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_numbers)]
pub(crate) struct NumberRow {
    pub(crate) user_id: String,
    pub(crate) nudge_number: String,
    pub(crate) phone: String,
    pub(crate) provider_sid: Option<String>,
}

/// Where an inbound `To` leads: the number's owner and whether they opted out.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct Route {
    #[diesel(sql_type = Text)]
    pub(crate) user_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) phone: String,
    #[diesel(sql_type = Bool)]
    pub(crate) opted_out: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_outbound)]
pub(crate) struct OutboundRow {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) kind: String,
    pub(crate) from_number: String,
    pub(crate) to_number: String,
    pub(crate) body: Vec<u8>,
    pub(crate) status: String,
    pub(crate) provider_sid: Option<String>,
    pub(crate) segments: i32,
    pub(crate) created_at: NaiveDateTime,
}

/// One SMS to store in the queue (a part of a text over the budget).
#[derive(Debug)]
pub(crate) struct NewOutbound<'a> {
    pub(crate) id: String,
    pub(crate) idempotency_key: String,
    pub(crate) user_id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) from_number: &'a str,
    pub(crate) to_number: &'a str,
    pub(crate) body: Vec<u8>,
    pub(crate) status: &'a str,
    pub(crate) segments: i32,
    pub(crate) encoding: &'a str,
    pub(crate) part: i32,
    pub(crate) parts: i32,
    pub(crate) send_after: NaiveDateTime,
    pub(crate) created_at: NaiveDateTime,
}

/// A row the sender claimed.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct Claimed {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) user_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) kind: String,
    #[diesel(sql_type = Text)]
    pub(crate) from_number: String,
    #[diesel(sql_type = Text)]
    pub(crate) to_number: String,
    #[diesel(sql_type = Binary)]
    pub(crate) body: Vec<u8>,
    #[diesel(sql_type = Integer)]
    pub(crate) segments: i32,
    #[diesel(sql_type = Integer)]
    pub(crate) attempts: i32,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub(crate) reconcile_since: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub(crate) claimed_at: Option<NaiveDateTime>,
}

pub(crate) mod inbound_status {
    /// Stored, not yet handed to the agent.
    pub(crate) const PENDING: &str = "pending";
    /// The agent has it.
    pub(crate) const DISPATCHED: &str = "dispatched";
    /// The agent refused it for good (a malformed request); kept for inspection.
    pub(crate) const FAILED: &str = "failed";
    /// A compliance keyword (STOP, START, HELP ...), handled by sms-router.
    pub(crate) const COMPLIANCE: &str = "compliance";
    /// From a person who opted out: recorded, never shown to the agent.
    pub(crate) const HELD: &str = "held";
    /// From a phone that is not the number's owner's: recorded without its body.
    pub(crate) const REJECTED_SENDER: &str = "rejected_sender";
}

pub(crate) mod outbound_status {
    pub(crate) const QUEUED: &str = "queued";
    pub(crate) const SENDING: &str = "sending";
    pub(crate) const FAILED: &str = "failed";
    /// Never sent: the person opted out.
    pub(crate) const SUPPRESSED: &str = "suppressed";
    /// Never sent: the number was released before it went.
    pub(crate) const CANCELED: &str = "canceled";

    /// Statuses only move forward: a late "sent" callback never undoes
    /// "delivered". Twilio's statuses, in the order a message goes through them.
    pub(crate) fn rank(status: &str) -> u8 {
        match status {
            "queued" | "accepted" | "scheduled" => 0,
            "sending" => 1,
            "sent" => 2,
            "delivered" | "undelivered" | "failed" | "canceled" | "partially_delivered" => 3,
            "read" => 4,
            // Ours: final, never reached by a callback.
            "suppressed" => 5,
            _ => 0,
        }
    }
}

pub(crate) mod consent_event {
    pub(crate) const OPT_OUT: &str = "opt_out";
    pub(crate) const OPT_IN: &str = "opt_in";
    pub(crate) const SOURCE_SMS: &str = "sms";
    pub(crate) const SOURCE_TWILIO_21610: &str = "twilio_21610";
}

pub(crate) mod stranger_status {
    pub(crate) const PENDING: &str = "pending";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const FAILED: &str = "failed";
    pub(crate) const SKIPPED: &str = "skipped";
}

// ------------------------------------------------------------------ numbers

const ROUTE_SQL: &str = "SELECT n.user_id, n.phone, COALESCE(c.opted_out, FALSE) AS opted_out \
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

pub(crate) async fn number_by_nudge_number(conn: &mut DbConn, nudge_number: &str) -> QueryResult<Option<NumberRow>> {
    with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::nudge_number.eq(nudge_number))
            .select(NumberRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn number_by_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<NumberRow>> {
    with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::user_id.eq(user_id))
            .select(NumberRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// A number to give a person.
pub(crate) struct Assignment<'a> {
    pub(crate) user_id: &'a str,
    pub(crate) nudge_number: &'a str,
    pub(crate) phone: &'a str,
    pub(crate) provider_sid: Option<&'a str>,
    pub(crate) monthly_price_micros: i32,
    pub(crate) now: NaiveDateTime,
}

/// Gives a person a number (replacing any other they had) and records their
/// verified phone. A new number opens a cost period (closing the previous
/// number's); the same number again only updates the phone.
pub(crate) async fn assign_number(conn: &mut DbConn, a: &Assignment<'_>) -> QueryResult<()> {
    let id = nudge_core::new_id();
    let period_id = nudge_core::new_id();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let previous: Option<String> = sms_numbers::table
                .filter(sms_numbers::user_id.eq(a.user_id))
                .select(sms_numbers::nudge_number)
                .first(c)
                .await
                .optional()?;
            diesel::insert_into(sms_numbers::table)
                .values((
                    sms_numbers::id.eq(&id),
                    sms_numbers::user_id.eq(a.user_id),
                    sms_numbers::nudge_number.eq(a.nudge_number),
                    sms_numbers::phone.eq(a.phone),
                    sms_numbers::provider_sid.eq(a.provider_sid),
                    sms_numbers::created_at.eq(a.now),
                    sms_numbers::updated_at.eq(a.now),
                ))
                .on_conflict(sms_numbers::user_id)
                .do_update()
                .set((
                    sms_numbers::nudge_number.eq(a.nudge_number),
                    sms_numbers::phone.eq(a.phone),
                    sms_numbers::provider_sid.eq(a.provider_sid),
                    sms_numbers::updated_at.eq(a.now),
                ))
                .execute(c)
                .await?;
            let open: i64 = sms_number_periods::table
                .filter(sms_number_periods::user_id.eq(a.user_id))
                .filter(sms_number_periods::nudge_number.eq(a.nudge_number))
                .filter(sms_number_periods::released_at.is_null())
                .count()
                .get_result(c)
                .await?;
            if previous.as_deref() != Some(a.nudge_number) || open == 0 {
                diesel::update(
                    sms_number_periods::table
                        .filter(sms_number_periods::user_id.eq(a.user_id))
                        .filter(sms_number_periods::released_at.is_null()),
                )
                .set(sms_number_periods::released_at.eq(a.now))
                .execute(c)
                .await?;
                diesel::insert_into(sms_number_periods::table)
                    .values((
                        sms_number_periods::id.eq(&period_id),
                        sms_number_periods::user_id.eq(a.user_id),
                        sms_number_periods::nudge_number.eq(a.nudge_number),
                        sms_number_periods::provider_sid.eq(a.provider_sid),
                        sms_number_periods::monthly_price_micros.eq(a.monthly_price_micros),
                        sms_number_periods::assigned_at.eq(a.now),
                    ))
                    .execute(c)
                    .await?;
            }
            QueryResult::Ok(())
        })
        .await
    })
}

/// Forgets a person's number: closes its cost period and cancels what was
/// still queued from it. Returns whether there was one.
pub(crate) async fn release_number(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let deleted = diesel::delete(sms_numbers::table.filter(sms_numbers::user_id.eq(user_id)))
                .execute(c)
                .await?;
            diesel::update(
                sms_number_periods::table
                    .filter(sms_number_periods::user_id.eq(user_id))
                    .filter(sms_number_periods::released_at.is_null()),
            )
            .set(sms_number_periods::released_at.eq(now))
            .execute(c)
            .await?;
            diesel::update(
                sms_outbound::table
                    .filter(sms_outbound::user_id.eq(user_id))
                    .filter(sms_outbound::status.eq(outbound_status::QUEUED)),
            )
            .set((sms_outbound::status.eq(outbound_status::CANCELED), sms_outbound::updated_at.eq(now)))
            .execute(c)
            .await?;
            QueryResult::Ok(deleted == 1)
        })
        .await
    })
}

#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct ListedNumber {
    #[diesel(sql_type = Text)]
    pub(crate) user_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) nudge_number: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) provider_sid: Option<String>,
    #[diesel(sql_type = Timestamp)]
    pub(crate) created_at: NaiveDateTime,
    #[diesel(sql_type = Bool)]
    pub(crate) opted_out: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    pub(crate) monthly_price_micros: Option<i32>,
}

const LIST_NUMBERS_SQL: &str = "SELECT n.user_id, n.nudge_number, n.provider_sid, n.created_at, \
    COALESCE(c.opted_out, FALSE) AS opted_out, \
    (SELECT MAX(p.monthly_price_micros) FROM sms_number_periods p \
        WHERE p.user_id = n.user_id AND p.nudge_number = n.nudge_number AND p.released_at IS NULL) AS monthly_price_micros \
    FROM sms_numbers n LEFT JOIN sms_consent c ON c.user_id = n.user_id \
    WHERE n.user_id > $1 ORDER BY n.user_id LIMIT $2";

/// Numbers assigned now, by user id, after `after`.
pub(crate) async fn list_numbers(conn: &mut DbConn, after: &str, limit: i64) -> QueryResult<Vec<ListedNumber>> {
    let query = sql(conn.backend(), LIST_NUMBERS_SQL);
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(after)
            .bind::<BigInt, _>(limit)
            .load::<ListedNumber>(c)
            .await
    })
}

const NUMBER_OF_SQL: &str = "SELECT n.user_id, n.nudge_number, n.provider_sid, n.created_at, \
    COALESCE(c.opted_out, FALSE) AS opted_out, \
    (SELECT MAX(p.monthly_price_micros) FROM sms_number_periods p \
        WHERE p.user_id = n.user_id AND p.nudge_number = n.nudge_number AND p.released_at IS NULL) AS monthly_price_micros \
    FROM sms_numbers n LEFT JOIN sms_consent c ON c.user_id = n.user_id \
    WHERE n.user_id = $1";

/// The number assigned to `user_id` now, as [`list_numbers`] shows it.
pub(crate) async fn number_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<ListedNumber>> {
    let query = sql(conn.backend(), NUMBER_OF_SQL);
    let mut rows = with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(user_id)
            .load::<ListedNumber>(c)
            .await
    })?;
    Ok(rows.pop())
}

/// Whether `phone` is the verified phone of another person's number.
pub(crate) async fn phone_of_another(conn: &mut DbConn, user_id: &str, phone: &str) -> QueryResult<bool> {
    let n: i64 = with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::phone.eq(phone))
            .filter(sms_numbers::user_id.ne(user_id))
            .count()
            .get_result(c)
            .await
    })?;
    Ok(n > 0)
}

/// Records the person's new verified phone; false when they have no number.
pub(crate) async fn change_phone(conn: &mut DbConn, user_id: &str, phone: &str) -> QueryResult<bool> {
    let n = with_conn!(conn, c => {
        diesel::update(sms_numbers::table.filter(sms_numbers::user_id.eq(user_id)))
            .set(sms_numbers::phone.eq(phone))
            .execute(c)
            .await
    })?;
    Ok(n > 0)
}

// ------------------------------------------------------------------ consent

const INSERT_OUTBOUND_SQL: &str = "INSERT INTO sms_outbound \
    (id, idempotency_key, user_id, kind, from_number, to_number, body, status, segments, \
     created_at, updated_at, send_after, part, parts, encoding) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14) \
    ON CONFLICT (idempotency_key) DO NOTHING";

/// Inserts one outbound row inside a transaction; evaluates to the rows inserted.
macro_rules! insert_outbound_row {
    ($c:ident, $backend:expr, $row:expr) => {{
        let row: &NewOutbound<'_> = $row;
        diesel::sql_query(sql($backend, INSERT_OUTBOUND_SQL))
            .bind::<Text, _>(&row.id)
            .bind::<Text, _>(&row.idempotency_key)
            .bind::<Text, _>(row.user_id)
            .bind::<Text, _>(row.kind)
            .bind::<Text, _>(row.from_number)
            .bind::<Text, _>(row.to_number)
            .bind::<Binary, _>(&row.body)
            .bind::<Text, _>(row.status)
            .bind::<Integer, _>(row.segments)
            .bind::<Timestamp, _>(row.created_at)
            .bind::<Timestamp, _>(row.send_after)
            .bind::<Integer, _>(row.part)
            .bind::<Integer, _>(row.parts)
            .bind::<Text, _>(row.encoding)
            .execute($c)
            .await?
    }};
}

pub(crate) async fn opted_out(conn: &mut DbConn, user_id: &str) -> QueryResult<bool> {
    let found: Option<bool> = with_conn!(conn, c => {
        sms_consent::table
            .find(user_id)
            .select(sms_consent::opted_out)
            .first(c)
            .await
            .optional()
    })?;
    Ok(found.unwrap_or(false))
}

/// The language of the keyword that last changed a person's consent.
pub(crate) async fn consent_language(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<String>> {
    with_conn!(conn, c => {
        sms_consent::table
            .find(user_id)
            .select(sms_consent::language)
            .first(c)
            .await
            .optional()
    })
}

/// A consent change and where it came from.
pub(crate) struct ConsentChange<'a> {
    pub(crate) user_id: &'a str,
    pub(crate) opted_out: bool,
    pub(crate) language: &'a str,
    pub(crate) source: &'a str,
    pub(crate) keyword: Option<&'a str>,
    pub(crate) inbound_id: Option<&'a str>,
    pub(crate) outbound_id: Option<&'a str>,
    pub(crate) now: NaiveDateTime,
}

const UPSERT_CONSENT_SQL: &str = "INSERT INTO sms_consent (user_id, opted_out, language, updated_at) \
    VALUES ($1, $2, $3, $4) \
    ON CONFLICT (user_id) DO UPDATE SET opted_out = excluded.opted_out, language = excluded.language, \
    updated_at = excluded.updated_at";

const INSERT_CONSENT_EVENT_SQL: &str = "INSERT INTO sms_consent_events \
    (id, user_id, event, source, keyword, inbound_id, outbound_id, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const SUPPRESS_QUEUED_SQL: &str =
    "UPDATE sms_outbound SET status = 'suppressed', updated_at = $2 WHERE user_id = $1 AND status = 'queued'";

macro_rules! consent_statements {
    ($c:ident, $backend:expr, $change:expr) => {{
        let change: &ConsentChange<'_> = $change;
        let event_id = nudge_core::new_id();
        let event = if change.opted_out {
            consent_event::OPT_OUT
        } else {
            consent_event::OPT_IN
        };
        diesel::sql_query(sql($backend, UPSERT_CONSENT_SQL))
            .bind::<Text, _>(change.user_id)
            .bind::<Bool, _>(change.opted_out)
            .bind::<Text, _>(change.language)
            .bind::<Timestamp, _>(change.now)
            .execute($c)
            .await?;
        diesel::sql_query(sql($backend, INSERT_CONSENT_EVENT_SQL))
            .bind::<Text, _>(&event_id)
            .bind::<Text, _>(change.user_id)
            .bind::<Text, _>(event)
            .bind::<Text, _>(change.source)
            .bind::<Nullable<Text>, _>(change.keyword)
            .bind::<Nullable<Text>, _>(change.inbound_id)
            .bind::<Nullable<Text>, _>(change.outbound_id)
            .bind::<Timestamp, _>(change.now)
            .execute($c)
            .await?;
        if change.opted_out {
            diesel::sql_query(sql($backend, SUPPRESS_QUEUED_SQL))
                .bind::<Text, _>(change.user_id)
                .bind::<Timestamp, _>(change.now)
                .execute($c)
                .await?
        } else {
            0
        }
    }};
}

/// Records a consent change on its own (Twilio's error 21610).
pub(crate) async fn record_consent(conn: &mut DbConn, change: &ConsentChange<'_>) -> QueryResult<usize> {
    let backend = conn.backend();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let suppressed = consent_statements!(c, backend, change);
            QueryResult::Ok(suppressed)
        })
        .await
    })
}

// ------------------------------------------------------------------ inbound

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
                consent_statements!(c, backend, &change);
            }
            if let Some(reply) = &effects.reply {
                insert_outbound_row!(c, backend, reply);
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

/// How the one attempt at a stranger's reply ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrangerReplyOutcome<'a> {
    pub(crate) status: &'a str,
    pub(crate) provider_sid: Option<&'a str>,
    pub(crate) segments: i32,
    pub(crate) error_code: Option<i32>,
    pub(crate) now: NaiveDateTime,
}

pub(crate) async fn finish_stranger_reply(
    conn: &mut DbConn,
    id: &str,
    outcome: &StrangerReplyOutcome<'_>,
) -> QueryResult<()> {
    let StrangerReplyOutcome {
        status,
        provider_sid,
        segments,
        error_code,
        now,
    } = *outcome;
    let sent_at = (status == stranger_status::SENT).then_some(now);
    with_conn!(conn, c => {
        diesel::update(sms_stranger_replies::table.find(id))
            .set((
                sms_stranger_replies::status.eq(status),
                sms_stranger_replies::provider_sid.eq(provider_sid),
                sms_stranger_replies::segments.eq(segments),
                sms_stranger_replies::error_code.eq(error_code),
                sms_stranger_replies::updated_at.eq(now),
                sms_stranger_replies::sent_at.eq(sent_at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Applies a delivery status to a stranger reply, forward only.
pub(crate) async fn stranger_reply_status(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    error_code: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let current: Option<String> = with_conn!(conn, c => {
        sms_stranger_replies::table.find(id).select(sms_stranger_replies::status).first(c).await.optional()
    })?;
    let Some(current) = current else { return Ok(false) };
    if outbound_status::rank(status) <= outbound_status::rank(&current) || current == stranger_status::SKIPPED {
        return Ok(true);
    }
    with_conn!(conn, c => {
        diesel::update(
            sms_stranger_replies::table
                .find(id)
                .filter(sms_stranger_replies::status.eq(&current)),
        )
        .set((
            sms_stranger_replies::status.eq(status),
            sms_stranger_replies::error_code.eq(error_code),
            sms_stranger_replies::updated_at.eq(now),
        ))
        .execute(c)
        .await
    })?;
    Ok(true)
}

/// People whose oldest waiting message is due (none of theirs waits for a
/// retry), oldest waiting first.
pub(crate) async fn users_with_pending_inbound(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => {
        sms_inbound::table
            .filter(sms_inbound::status.eq(inbound_status::PENDING))
            .group_by(sms_inbound::user_id)
            .having(diesel::dsl::max(sms_inbound::next_attempt_at).le(now))
            .select(sms_inbound::user_id)
            .order(diesel::dsl::min(sms_inbound::received_at).asc())
            .limit(limit)
            .load(c)
            .await
    })
}

/// The person's oldest message not yet handed to the agent.
pub(crate) async fn oldest_pending_inbound(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<InboundRow>> {
    with_conn!(conn, c => {
        sms_inbound::table
            .filter(sms_inbound::status.eq(inbound_status::PENDING))
            .filter(sms_inbound::user_id.eq(user_id))
            .order((sms_inbound::received_at.asc(), sms_inbound::id.asc()))
            .select(InboundRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn finish_inbound(conn: &mut DbConn, id: &str, status: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_inbound::table.find(id))
            .set((sms_inbound::status.eq(status), sms_inbound::dispatched_at.eq(now)))
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

// ------------------------------------------------------------------ outbound

/// Stores the parts of one send; `false` (nothing stored) when the first
/// part's idempotency key was used before.
pub(crate) async fn insert_outbound(conn: &mut DbConn, rows: &[NewOutbound<'_>]) -> QueryResult<bool> {
    let backend = conn.backend();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            for (index, row) in rows.iter().enumerate() {
                let inserted = insert_outbound_row!(c, backend, row);
                if inserted == 0 {
                    if index == 0 {
                        return QueryResult::Ok(false);
                    }
                    // A later part's key is taken by something else: refuse the whole send.
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            QueryResult::Ok(true)
        })
        .await
    })
}

/// The rows of one send, in order: the row of `key`, then `key#2`, `key#3` ...
pub(crate) async fn outbound_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Vec<OutboundRow>> {
    let first: Option<OutboundRow> = with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::idempotency_key.eq(key))
            .select(OutboundRow::as_select())
            .first(c)
            .await
            .optional()
    })?;
    let Some(first) = first else { return Ok(Vec::new()) };
    let parts: i32 = with_conn!(conn, c => {
        sms_outbound_queue::table.find(&first.id).select(sms_outbound_queue::parts).first(c).await
    })?;
    if parts <= 1 {
        return Ok(vec![first]);
    }
    let keys: Vec<String> = std::iter::once(key.to_owned())
        .chain((2..=parts).map(|part| part_key(key, part)))
        .collect();
    let rows: Vec<(OutboundRow, String)> = with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::idempotency_key.eq_any(&keys))
            .select((OutboundRow::as_select(), sms_outbound::idempotency_key))
            .load(c)
            .await
    })?;
    let mut ordered: Vec<(usize, OutboundRow)> = rows
        .into_iter()
        .filter_map(|(row, row_key)| keys.iter().position(|k| *k == row_key).map(|index| (index, row)))
        .collect();
    ordered.sort_by_key(|(index, _)| *index);
    Ok(ordered.into_iter().map(|(_, row)| row).collect())
}

/// The idempotency key of part `part` (2 and up) of the send `key`.
pub(crate) fn part_key(key: &str, part: i32) -> String {
    format!("{key}#{part}")
}

/// The rows to claim: due, queued, and their number's oldest pending row
/// (no older row of that number queued or sending, and none sending at all).
const CLAIMABLE: &str = "SELECT o.id FROM sms_outbound o \
    WHERE o.status = 'queued' AND (o.send_after IS NULL OR o.send_after <= $1) \
    AND NOT EXISTS (SELECT 1 FROM sms_outbound p \
        WHERE p.from_number = o.from_number AND p.id <> o.id AND p.status IN ('queued', 'sending') \
        AND (p.status = 'sending' OR p.created_at < o.created_at \
            OR (p.created_at = o.created_at AND (p.part < o.part OR (p.part = o.part AND p.id < o.id))))) \
    ORDER BY o.send_after, o.created_at, o.part LIMIT $3";

const CLAIM_SET: &str = "SET status = 'sending', claimed_at = $1, lease_until = $2, attempts = attempts + 1, \
    updated_at = $1";

const CLAIM_RETURNING: &str =
    "RETURNING id, user_id, kind, from_number, to_number, body, segments, attempts, reconcile_since, claimed_at";

/// PostgreSQL: the rows are picked (and locked, skipping rows another claim
/// holds) once, in a materialised CTE. With `WHERE id IN (SELECT ... LIMIT n
/// FOR UPDATE SKIP LOCKED)` the planner may run the subquery more than once
/// and update more than `n` rows.
fn claim_postgres() -> String {
    format!(
        "WITH picked AS MATERIALIZED ({CLAIMABLE} FOR UPDATE SKIP LOCKED) \
         UPDATE sms_outbound {CLAIM_SET} FROM picked WHERE sms_outbound.id = picked.id \
         AND sms_outbound.status = 'queued' {}",
        CLAIM_RETURNING
            .replace("RETURNING ", "RETURNING sms_outbound.")
            .replace(", ", ", sms_outbound.")
    )
}

/// SQLite: one writer at a time, so the statement alone is enough.
fn claim_sqlite() -> String {
    sql(
        Backend::Sqlite,
        &format!("UPDATE sms_outbound {CLAIM_SET} WHERE id IN ({CLAIMABLE}) AND status = 'queued' {CLAIM_RETURNING}"),
    )
}

/// Claims up to `limit` due rows, at most one per sending number and only
/// that number's oldest pending row (queued or sending): a number's SMS go
/// out one at a time, in order, and a row waiting for a retry holds back the
/// later ones. Several replicas never claim the same row: rows locked by
/// another claim are skipped (PostgreSQL), or claims run one after the
/// other (SQLite, one writer).
///
/// Two replicas claiming at once on PostgreSQL could each pick a different
/// row of one number only if both rows were that number's oldest, which
/// cannot be: the older one excludes the younger in both snapshots.
pub(crate) async fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let query = match conn.backend() {
        Backend::Postgres => claim_postgres(),
        Backend::Sqlite => claim_sqlite(),
    };
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .bind::<BigInt, _>(limit)
            .load::<Claimed>(c)
            .await
    })
}

/// When the sender should look again: the earliest `send_after` of a queued row.
pub(crate) async fn next_send_after(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::status.eq(outbound_status::QUEUED))
            .select(diesel::dsl::min(sms_outbound_queue::send_after))
            .first(c)
            .await
    })
}

const MARK_SENT_SQL: &str = "UPDATE sms_outbound SET provider_sid = COALESCE(provider_sid, $2), sent_at = $3, \
    updated_at = $3, lease_until = NULL, reconcile_since = NULL, error_code = NULL, \
    status = CASE WHEN status IN ('queued', 'sending') THEN 'sent' ELSE status END \
    WHERE id = $1";

/// Records that Twilio accepted a row. Never moves a status backwards (a
/// delivery callback may have come first).
pub(crate) async fn mark_sent(conn: &mut DbConn, id: &str, provider_sid: &str, now: NaiveDateTime) -> QueryResult<()> {
    let query = sql(conn.backend(), MARK_SENT_SQL);
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(id)
            .bind::<Text, _>(provider_sid)
            .bind::<Timestamp, _>(now)
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Ends an attempt: the row leaves `sending` for `status` (failed, suppressed).
pub(crate) async fn finish_attempt(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    error_code: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = with_conn!(conn, c => {
        diesel::update(
            sms_outbound_queue::table
                .find(id)
                .filter(sms_outbound_queue::status.eq_any([outbound_status::SENDING, outbound_status::QUEUED])),
        )
        .set((
            sms_outbound_queue::status.eq(status),
            sms_outbound_queue::error_code.eq(error_code),
            sms_outbound_queue::updated_at.eq(now),
            sms_outbound_queue::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)
        .await
    })?;
    Ok(changed == 1)
}

/// How a claimed row goes back to the queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Requeue {
    /// When it may be claimed again.
    pub(crate) send_after: NaiveDateTime,
    pub(crate) error_code: Option<i32>,
    /// False gives the claim's attempt back (nothing was tried).
    pub(crate) count_attempt: bool,
    /// The attempt may have reached Twilio: reconcile before sending again.
    pub(crate) reconcile: bool,
    pub(crate) now: NaiveDateTime,
}

impl Requeue {
    /// Nothing was tried: the attempt is given back, nothing to reconcile.
    pub(crate) fn untried(send_after: NaiveDateTime, now: NaiveDateTime) -> Requeue {
        Requeue {
            send_after,
            error_code: None,
            count_attempt: false,
            reconcile: false,
            now,
        }
    }
}

/// Puts a claimed row back in the queue (see [`Requeue`]).
pub(crate) async fn requeue(conn: &mut DbConn, row: &Claimed, requeue: &Requeue) -> QueryResult<()> {
    let Requeue {
        send_after,
        error_code,
        count_attempt,
        reconcile,
        now,
    } = *requeue;
    let attempts = if count_attempt { row.attempts } else { row.attempts - 1 };
    let reconcile_since = if reconcile {
        row.reconcile_since.or(row.claimed_at)
    } else {
        row.reconcile_since
    };
    with_conn!(conn, c => {
        diesel::update(
            sms_outbound_queue::table
                .find(&row.id)
                .filter(sms_outbound_queue::status.eq(outbound_status::SENDING)),
        )
        .set((
            sms_outbound_queue::status.eq(outbound_status::QUEUED),
            sms_outbound_queue::send_after.eq(send_after),
            sms_outbound_queue::attempts.eq(attempts.max(0)),
            sms_outbound_queue::error_code.eq(error_code),
            sms_outbound_queue::reconcile_since.eq(reconcile_since),
            sms_outbound_queue::lease_until.eq(None::<NaiveDateTime>),
            sms_outbound_queue::updated_at.eq(now),
        ))
        .execute(c)
        .await
    })?;
    Ok(())
}

/// Rows whose sender died (their claim expired) go back to the queue, to be
/// reconciled with Twilio before they are sent again, and so do rows in
/// `sending` without a claim (moved there by a status callback) untouched
/// since `stale`. Returns how many.
pub(crate) async fn recover_expired(conn: &mut DbConn, now: NaiveDateTime, stale: NaiveDateTime) -> QueryResult<usize> {
    let query = sql(
        conn.backend(),
        "UPDATE sms_outbound SET status = 'queued', send_after = $1, lease_until = NULL, updated_at = $1, \
         reconcile_since = COALESCE(reconcile_since, claimed_at, updated_at) \
         WHERE status = 'sending' AND ((lease_until IS NOT NULL AND lease_until < $1) \
             OR (lease_until IS NULL AND updated_at < $2))",
    );
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(stale)
            .execute(c)
            .await
    })
}

/// Every row in `sending` back to the queue, to be reconciled: at start-up
/// of a lone replica (in-process cache), whose earlier senders all died.
pub(crate) async fn recover_all_sending(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    recover_expired(
        conn,
        now + chrono::TimeDelta::days(36_500),
        now + chrono::TimeDelta::days(36_500),
    )
    .await
}

/// SMS sent since `since`: (number, when, segments), for restoring each number's pace.
pub(crate) async fn recent_sends(
    conn: &mut DbConn,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime, i32)>> {
    let rows: Vec<(String, Option<NaiveDateTime>, i32)> = with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::sent_at.ge(since))
            .select((sms_outbound_queue::from_number, sms_outbound_queue::sent_at, sms_outbound_queue::segments))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(number, sent_at, segments)| sent_at.map(|at| (number, at, segments)))
        .collect())
}

/// Rows waiting in the queue, by status (queued, sending).
pub(crate) async fn queue_depth(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::status.eq_any([outbound_status::QUEUED, outbound_status::SENDING]))
            .group_by(sms_outbound_queue::status)
            .select((sms_outbound_queue::status, diesel::dsl::count_star()))
            .load(c)
            .await
    })
}

/// What a status callback refers to.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) changed: bool,
}

/// A delivery status callback from Twilio.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeliveryReport<'a> {
    /// Our id of the SMS, carried in the StatusCallback URL (`o`).
    pub(crate) outbound_id: Option<&'a str>,
    /// Our id of a stranger's reply, carried in the StatusCallback URL (`s`).
    pub(crate) stranger_id: Option<&'a str>,
    pub(crate) provider_sid: &'a str,
    pub(crate) status: &'a str,
    pub(crate) error_code: Option<i32>,
}

/// Applies a delivery status from Twilio if it moves the message forward.
/// The row is found by our id (carried in the StatusCallback URL) or else
/// by Twilio's sid. `None` for an unknown message.
pub(crate) async fn apply_delivery_status(
    conn: &mut DbConn,
    report: &DeliveryReport<'_>,
    now: NaiveDateTime,
) -> QueryResult<Option<Delivery>> {
    let DeliveryReport {
        outbound_id,
        provider_sid,
        status,
        error_code,
        ..
    } = *report;
    let current: Option<(String, String, String, Option<String>)> = with_conn!(conn, c => {
        let query = sms_outbound::table
            .select((sms_outbound::id, sms_outbound::user_id, sms_outbound::status, sms_outbound::provider_sid))
            .into_boxed();
        let query = match outbound_id {
            Some(id) => query.filter(sms_outbound::id.eq(id)),
            None => query.filter(sms_outbound::provider_sid.eq(provider_sid)),
        };
        query.first(c).await.optional()
    })?;
    let Some((id, user_id, current, known_sid)) = current else {
        return Ok(None);
    };
    if known_sid.is_none() {
        with_conn!(conn, c => {
            diesel::update(sms_outbound::table.find(&id).filter(sms_outbound::provider_sid.is_null()))
                .set(sms_outbound::provider_sid.eq(provider_sid))
                .execute(c)
                .await
        })?;
    }
    if outbound_status::rank(status) <= outbound_status::rank(&current) {
        return Ok(Some(Delivery {
            id,
            user_id,
            changed: false,
        }));
    }
    // Conditional on the status read, so two racing callbacks cannot move it backwards.
    let changed = with_conn!(conn, c => {
        diesel::update(sms_outbound_queue::table.find(&id).filter(sms_outbound_queue::status.eq(&current)))
            .set((
                sms_outbound_queue::status.eq(status),
                sms_outbound_queue::error_code.eq(error_code),
                sms_outbound_queue::updated_at.eq(now),
                sms_outbound_queue::lease_until.eq(None::<NaiveDateTime>),
                sms_outbound_queue::reconcile_since.eq(None::<NaiveDateTime>),
            ))
            .execute(c)
            .await
    })?;
    Ok(Some(Delivery {
        id,
        user_id,
        changed: changed == 1,
    }))
}

pub(crate) async fn recent_outbound(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboundRow>> {
    let mut rows: Vec<OutboundRow> = with_conn!(conn, c => {
        sms_outbound::table
            .order((sms_outbound::created_at.desc(), sms_outbound::id.desc()))
            .limit(limit)
            .select(OutboundRow::as_select())
            .load(c)
            .await
    })?;
    rows.reverse();
    Ok(rows)
}

// ------------------------------------------------------------------ usage

/// A person's traffic in [from, until).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Traffic {
    pub(crate) messages_in: i64,
    pub(crate) segments_in: i64,
    pub(crate) messages_out: i64,
    pub(crate) segments_out: i64,
}

#[derive(QueryableByName)]
struct Sums {
    #[diesel(sql_type = BigInt)]
    messages: i64,
    #[diesel(sql_type = BigInt)]
    segments: i64,
}

pub(crate) async fn traffic(
    conn: &mut DbConn,
    user_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Traffic> {
    let backend = conn.backend();
    let inbound = sql(
        backend,
        "SELECT COUNT(*) AS messages, COALESCE(SUM(num_segments), 0) AS segments FROM sms_inbound \
         WHERE user_id = $1 AND received_at >= $2 AND received_at < $3",
    );
    // Accepted by Twilio: it has a sid, and Twilio did not fail it (failed messages are not charged).
    let outbound = sql(
        backend,
        "SELECT COUNT(*) AS messages, COALESCE(SUM(segments), 0) AS segments FROM sms_outbound \
         WHERE user_id = $1 AND sent_at >= $2 AND sent_at < $3 AND provider_sid IS NOT NULL AND status <> 'failed'",
    );
    let strangers = sql(
        backend,
        "SELECT COUNT(*) AS messages, COALESCE(SUM(segments), 0) AS segments FROM sms_stranger_replies \
         WHERE user_id = $1 AND sent_at >= $2 AND sent_at < $3 AND provider_sid IS NOT NULL AND status <> 'failed'",
    );
    let mut sums = Vec::new();
    for query in [inbound, outbound, strangers] {
        let row: Sums = with_conn!(conn, c => {
            diesel::sql_query(&query)
                .bind::<Text, _>(user_id)
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(until)
                .get_result(c)
                .await
        })?;
        sums.push(row);
    }
    Ok(Traffic {
        messages_in: sums[0].messages,
        segments_in: sums[0].segments,
        messages_out: sums[1].messages + sums[2].messages,
        segments_out: sums[1].segments + sums[2].segments,
    })
}

/// The monthly prices of the numbers a person held at some point in [from, until).
pub(crate) async fn number_prices(
    conn: &mut DbConn,
    user_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<i32>> {
    with_conn!(conn, c => {
        sms_number_periods::table
            .filter(sms_number_periods::user_id.eq(user_id))
            .filter(sms_number_periods::assigned_at.lt(until))
            .filter(
                sms_number_periods::released_at
                    .is_null()
                    .or(sms_number_periods::released_at.ge(from)),
            )
            .select(sms_number_periods::monthly_price_micros)
            .load(c)
            .await
    })
}
