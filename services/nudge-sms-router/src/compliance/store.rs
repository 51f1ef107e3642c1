//! The queries of consent: `sms_consent` and its audit trail `sms_consent_events`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};
use diesel_async::RunQueryDsl;
use nudge_store::schema::sms_consent;
use nudge_store::{Backend, DbConn, Transact as _, diesel, diesel_async, with_conn};

use crate::store::{Statement, consent_event, sql};

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

// A consent change is three statements, run inside the caller's
// transaction (`.execute(c)`): the consent, its audit event and, opting
// out, the person's queued SMS suppressed.

/// The person's consent as the change leaves it.
pub(crate) fn upsert_consent<'a>(backend: Backend, change: &'a ConsentChange<'_>) -> impl Statement + 'a {
    diesel::sql_query(sql(backend, UPSERT_CONSENT_SQL))
        .bind::<Text, _>(change.user_id)
        .bind::<Bool, _>(change.opted_out)
        .bind::<Text, _>(change.language)
        .bind::<Timestamp, _>(change.now)
}

/// The change's audit event, under `event_id`.
pub(crate) fn insert_consent_event<'a>(
    backend: Backend,
    change: &'a ConsentChange<'_>,
    event_id: &'a str,
) -> impl Statement + 'a {
    let event = if change.opted_out {
        consent_event::OPT_OUT
    } else {
        consent_event::OPT_IN
    };
    diesel::sql_query(sql(backend, INSERT_CONSENT_EVENT_SQL))
        .bind::<Text, _>(event_id)
        .bind::<Text, _>(change.user_id)
        .bind::<Text, _>(event)
        .bind::<Text, _>(change.source)
        .bind::<Nullable<Text>, _>(change.keyword)
        .bind::<Nullable<Text>, _>(change.inbound_id)
        .bind::<Nullable<Text>, _>(change.outbound_id)
        .bind::<Timestamp, _>(change.now)
}

/// The person's queued SMS suppressed (run only when they opt out).
pub(crate) fn suppress_queued<'a>(backend: Backend, change: &'a ConsentChange<'_>) -> impl Statement + 'a {
    diesel::sql_query(sql(backend, SUPPRESS_QUEUED_SQL))
        .bind::<Text, _>(change.user_id)
        .bind::<Timestamp, _>(change.now)
}

/// Records a consent change on its own (Twilio's error 21610).
pub(crate) async fn record_consent(conn: &mut DbConn, change: &ConsentChange<'_>) -> QueryResult<usize> {
    let backend = conn.backend();
    let event_id = nudge_core::new_id();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            upsert_consent(backend, change).execute(c).await?;
            insert_consent_event(backend, change, &event_id).execute(c).await?;
            if !change.opted_out {
                return QueryResult::Ok(0);
            }
            suppress_queued(backend, change).execute(c).await
        })
        .await
    })
}
