//! The agent's tables: `agent_people`, `agent_messages`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{agent_listings, agent_messages, agent_people};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

/// Encryption context of conversation bodies.
pub(crate) const MESSAGE_BODY: &[u8] = b"agent.message.body";

pub(crate) struct Person {
    pub(crate) timezone: String,
    pub(crate) language: String,
}

pub(crate) async fn upsert_person(
    conn: &mut DbConn,
    user_id: &str,
    timezone: &str,
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::insert_into(agent_people::table)
            .values((
                agent_people::user_id.eq(user_id),
                agent_people::timezone.eq(timezone),
                agent_people::language.eq(language),
                agent_people::updated_at.eq(now),
            ))
            .on_conflict(agent_people::user_id)
            .do_update()
            .set((
                agent_people::timezone.eq(timezone),
                agent_people::language.eq(language),
                agent_people::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(crate) async fn person(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<Person>> {
    let row: Option<(String, String)> = with_conn!(conn, c => {
        agent_people::table
            .find(user_id)
            .select((agent_people::timezone, agent_people::language))
            .first(c)
            .await
            .optional()
    })?;
    Ok(row.map(|(timezone, language)| Person { timezone, language }))
}

/// Records an inbound message once; returns whether it was already handled.
pub(crate) async fn record_inbound(
    conn: &mut DbConn,
    user_id: &str,
    inbound_id: &str,
    body: &[u8],
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let id = nudge_core::new_id();
    with_conn!(conn, c => {
        diesel::insert_into(agent_messages::table)
            .values((
                agent_messages::id.eq(&id),
                agent_messages::user_id.eq(user_id),
                agent_messages::direction.eq("in"),
                agent_messages::inbound_id.eq(inbound_id),
                agent_messages::body.eq(body),
                agent_messages::created_at.eq(now),
            ))
            .on_conflict(agent_messages::inbound_id)
            .do_nothing()
            .execute(c)
            .await
    })?;
    let handled_at: Option<NaiveDateTime> = with_conn!(conn, c => {
        agent_messages::table
            .filter(agent_messages::inbound_id.eq(inbound_id))
            .select(agent_messages::handled_at)
            .first(c)
            .await
    })?;
    Ok(handled_at.is_some())
}

pub(crate) async fn mark_handled(
    conn: &mut DbConn,
    inbound_id: &str,
    intent: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(agent_messages::table.filter(agent_messages::inbound_id.eq(inbound_id)))
            .set((agent_messages::intent.eq(intent), agent_messages::handled_at.eq(now)))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(crate) async fn record_reply(conn: &mut DbConn, user_id: &str, body: &[u8], now: NaiveDateTime) -> QueryResult<()> {
    let id = nudge_core::new_id();
    with_conn!(conn, c => {
        diesel::insert_into(agent_messages::table)
            .values((
                agent_messages::id.eq(&id),
                agent_messages::user_id.eq(user_id),
                agent_messages::direction.eq("out"),
                agent_messages::body.eq(body),
                agent_messages::created_at.eq(now),
                agent_messages::handled_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Remembers the numbered list just shown, so "cancel 2" can be resolved.
pub(crate) async fn save_listing(
    conn: &mut DbConn,
    user_id: &str,
    kind: &str,
    ids: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let item_ids = ids.join(",");
    with_conn!(conn, c => {
        diesel::insert_into(agent_listings::table)
            .values((
                agent_listings::user_id.eq(user_id),
                agent_listings::kind.eq(kind),
                agent_listings::item_ids.eq(&item_ids),
                agent_listings::created_at.eq(now),
            ))
            .on_conflict(agent_listings::user_id)
            .do_update()
            .set((
                agent_listings::kind.eq(kind),
                agent_listings::item_ids.eq(&item_ids),
                agent_listings::created_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The last list shown to the person: its kind and ids in order.
pub(crate) async fn listing(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<(String, Vec<String>)>> {
    let row: Option<(String, String)> = with_conn!(conn, c => {
        agent_listings::table
            .find(user_id)
            .select((agent_listings::kind, agent_listings::item_ids))
            .first(c)
            .await
            .optional()
    })?;
    Ok(row.map(|(kind, ids)| {
        (
            kind,
            ids.split(',').filter(|id| !id.is_empty()).map(str::to_owned).collect(),
        )
    }))
}

pub(crate) async fn set_timezone(
    conn: &mut DbConn,
    user_id: &str,
    timezone: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(agent_people::table.find(user_id))
            .set((agent_people::timezone.eq(timezone), agent_people::updated_at.eq(now)))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(crate) async fn set_language(
    conn: &mut DbConn,
    user_id: &str,
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(agent_people::table.find(user_id))
            .set((agent_people::language.eq(language), agent_people::updated_at.eq(now)))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The person's last `limit` messages before `inbound_id` (oldest first): (direction, encrypted body).
pub(crate) async fn recent_messages(
    conn: &mut DbConn,
    user_id: &str,
    inbound_id: &str,
    limit: i64,
) -> QueryResult<Vec<(String, Vec<u8>)>> {
    let mut rows: Vec<(String, Vec<u8>)> = with_conn!(conn, c => {
        agent_messages::table
            .filter(agent_messages::user_id.eq(user_id))
            .filter(agent_messages::inbound_id.ne(inbound_id).or(agent_messages::inbound_id.is_null()))
            .order((agent_messages::created_at.desc(), agent_messages::id.desc()))
            .select((agent_messages::direction, agent_messages::body))
            .limit(limit)
            .load(c)
            .await
    })?;
    rows.reverse();
    Ok(rows)
}

/// The encrypted body of the person's inbound message `inbound_id`.
pub(crate) async fn inbound_body(conn: &mut DbConn, user_id: &str, inbound_id: &str) -> QueryResult<Option<Vec<u8>>> {
    with_conn!(conn, c => {
        agent_messages::table
            .filter(agent_messages::user_id.eq(user_id))
            .filter(agent_messages::inbound_id.eq(inbound_id))
            .select(agent_messages::body)
            .first(c)
            .await
            .optional()
    })
}
