//! sms-router's tables: `sms_numbers`, `sms_inbound`, `sms_outbound`.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{sms_inbound, sms_numbers, sms_outbound};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_numbers)]
pub(crate) struct NumberRow {
    pub(crate) user_id: String,
    pub(crate) nudge_number: String,
    pub(crate) phone: String,
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

#[derive(Debug, Insertable)]
#[diesel(table_name = sms_outbound)]
pub(crate) struct NewOutbound<'a> {
    pub(crate) id: &'a str,
    pub(crate) idempotency_key: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) from_number: &'a str,
    pub(crate) to_number: &'a str,
    pub(crate) body: &'a [u8],
    pub(crate) status: &'a str,
    pub(crate) segments: i32,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
}

pub(crate) mod inbound_status {
    /// Stored, not yet handed to the agent.
    pub(crate) const PENDING: &str = "pending";
    /// The agent has it.
    pub(crate) const DISPATCHED: &str = "dispatched";
    /// The agent refused it for good (a malformed request); kept for inspection.
    pub(crate) const FAILED: &str = "failed";
}

pub(crate) mod outbound_status {
    pub(crate) const QUEUED: &str = "queued";
    pub(crate) const SENDING: &str = "sending";
    pub(crate) const SENT: &str = "sent";
    pub(crate) const FAILED: &str = "failed";

    /// Statuses only move forward: a late "sent" callback never undoes "delivered".
    pub(crate) fn rank(status: &str) -> u8 {
        match status {
            "queued" | "accepted" | "scheduled" => 0,
            "sending" => 1,
            "sent" => 2,
            "delivered" | "undelivered" | "failed" | "read" | "canceled" => 3,
            _ => 0,
        }
    }
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

/// Gives `user_id` the number `nudge_number` and records their verified phone.
pub(crate) async fn assign_number(
    conn: &mut DbConn,
    user_id: &str,
    nudge_number: &str,
    phone: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let id = nudge_core::new_id();
    with_conn!(conn, c => {
        diesel::insert_into(sms_numbers::table)
            .values((
                sms_numbers::id.eq(&id),
                sms_numbers::user_id.eq(user_id),
                sms_numbers::nudge_number.eq(nudge_number),
                sms_numbers::phone.eq(phone),
                sms_numbers::created_at.eq(now),
                sms_numbers::updated_at.eq(now),
            ))
            .on_conflict(sms_numbers::user_id)
            .do_update()
            .set((
                sms_numbers::nudge_number.eq(nudge_number),
                sms_numbers::phone.eq(phone),
                sms_numbers::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
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

/// People with a message waiting for the agent, oldest waiting first.
pub(crate) async fn users_with_pending_inbound(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => {
        sms_inbound::table
            .filter(sms_inbound::status.eq(inbound_status::PENDING))
            .filter(sms_inbound::next_attempt_at.le(now))
            .group_by(sms_inbound::user_id)
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

/// Stores an outbound message; `false` when its idempotency key was used before.
pub(crate) async fn insert_outbound(conn: &mut DbConn, row: &NewOutbound<'_>) -> QueryResult<bool> {
    let inserted = with_conn!(conn, c => {
        diesel::insert_into(sms_outbound::table)
            .values(row)
            .on_conflict(sms_outbound::idempotency_key)
            .do_nothing()
            .execute(c)
            .await
    })?;
    Ok(inserted == 1)
}

pub(crate) async fn outbound_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<OutboundRow>> {
    with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::idempotency_key.eq(key))
            .select(OutboundRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn outbound_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboundRow>> {
    with_conn!(conn, c => {
        sms_outbound::table.find(id).select(OutboundRow::as_select()).first(c).await.optional()
    })
}

/// Moves a queued message to `sending`; `false` if someone else already did.
pub(crate) async fn claim_outbound(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let claimed = with_conn!(conn, c => {
        diesel::update(
            sms_outbound::table
                .find(id)
                .filter(sms_outbound::status.eq(outbound_status::QUEUED)),
        )
        .set((
            sms_outbound::status.eq(outbound_status::SENDING),
            sms_outbound::attempts.eq(sms_outbound::attempts + 1),
            sms_outbound::updated_at.eq(now),
        ))
        .execute(c)
        .await
    })?;
    Ok(claimed == 1)
}

pub(crate) async fn mark_outbound_sent(
    conn: &mut DbConn,
    id: &str,
    provider_sid: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_outbound::table.find(id))
            .set((
                sms_outbound::status.eq(outbound_status::SENT),
                sms_outbound::provider_sid.eq(provider_sid),
                sms_outbound::sent_at.eq(now),
                sms_outbound::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(crate) async fn mark_outbound(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    error_code: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_outbound::table.find(id))
            .set((
                sms_outbound::status.eq(status),
                sms_outbound::error_code.eq(error_code),
                sms_outbound::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Applies a delivery status from Twilio if it moves the message forward.
/// Returns `None` for an unknown MessageSid, else whether it changed anything.
pub(crate) async fn apply_delivery_status(
    conn: &mut DbConn,
    provider_sid: &str,
    status: &str,
    error_code: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<Option<bool>> {
    let current: Option<(String, String)> = with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::provider_sid.eq(provider_sid))
            .select((sms_outbound::id, sms_outbound::status))
            .first(c)
            .await
            .optional()
    })?;
    let Some((id, current)) = current else { return Ok(None) };
    if outbound_status::rank(status) <= outbound_status::rank(&current) {
        return Ok(Some(false));
    }
    // Conditional on the status read, so two racing callbacks cannot move it backwards.
    let changed = with_conn!(conn, c => {
        diesel::update(sms_outbound::table.find(&id).filter(sms_outbound::status.eq(&current)))
            .set((
                sms_outbound::status.eq(status),
                sms_outbound::error_code.eq(error_code),
                sms_outbound::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(Some(changed == 1))
}

/// Messages to publish again: queued ones nobody picked up in `stale`, and
/// `sending` ones whose sender died (older than `stuck`), which go back to queued.
pub(crate) async fn recover_outbound(
    conn: &mut DbConn,
    now: NaiveDateTime,
    stale: TimeDelta,
    stuck: TimeDelta,
) -> QueryResult<Vec<String>> {
    with_conn!(conn, c => {
        diesel::update(
            sms_outbound::table
                .filter(sms_outbound::status.eq(outbound_status::SENDING))
                .filter(sms_outbound::updated_at.lt(now - stuck)),
        )
        // Dated `now - stale` so the query below picks them up at once.
        .set((sms_outbound::status.eq(outbound_status::QUEUED), sms_outbound::updated_at.eq(now - stale)))
        .execute(c)
        .await
    })?;
    with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::status.eq(outbound_status::QUEUED))
            .filter(sms_outbound::updated_at.le(now - stale))
            .order(sms_outbound::created_at.asc())
            .select(sms_outbound::id)
            .limit(500)
            .load(c)
            .await
    })
}

/// Marks messages as published again so the next sweep leaves them alone for a while.
pub(crate) async fn touch_outbound(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(sms_outbound::table.find(id).filter(sms_outbound::status.eq(outbound_status::QUEUED)))
            .set(sms_outbound::updated_at.eq(now))
            .execute(c)
            .await
    })?;
    Ok(())
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
