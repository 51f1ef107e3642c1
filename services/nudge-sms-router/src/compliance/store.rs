//! The queries of consent: `sms_consent` and its audit trail `sms_consent_events`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::sms_consent;
use nudge_store::{DbConn, Transact as _, diesel, diesel_async, with_conn};

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

pub(crate) const UPSERT_CONSENT_SQL: &str = "INSERT INTO sms_consent (user_id, opted_out, language, updated_at) \
    VALUES ($1, $2, $3, $4) \
    ON CONFLICT (user_id) DO UPDATE SET opted_out = excluded.opted_out, language = excluded.language, \
    updated_at = excluded.updated_at";

pub(crate) const INSERT_CONSENT_EVENT_SQL: &str = "INSERT INTO sms_consent_events \
    (id, user_id, event, source, keyword, inbound_id, outbound_id, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const SUPPRESS_QUEUED_SQL: &str =
    "UPDATE sms_outbound SET status = 'suppressed', updated_at = $2 WHERE user_id = $1 AND status = 'queued'";

/// Records a consent change inside the caller's transaction (its consent,
/// its audit event, and opting out, the queued SMS suppressed); evaluates to
/// how many were suppressed.
/// A macro, not a function: it runs inside the caller's transaction, where
/// the connection is `with_conn!`'s concrete one of either backend, and a
/// generic function running borrowed raw-SQL statements there is refused by
/// the compiler (its future is not `Send` for every lifetime,
/// rust-lang/rust#100013). Items are named by full path so it expands anywhere.
macro_rules! consent_statements {
    ($c:ident, $backend:expr, $change:expr) => {{
        let change: &$crate::compliance::store::ConsentChange<'_> = $change;
        let event_id = nudge_core::new_id();
        let event = if change.opted_out {
            $crate::store::consent_event::OPT_OUT
        } else {
            $crate::store::consent_event::OPT_IN
        };
        nudge_store::diesel::sql_query($crate::store::sql(
            $backend,
            $crate::compliance::store::UPSERT_CONSENT_SQL,
        ))
        .bind::<nudge_store::diesel::sql_types::Text, _>(change.user_id)
        .bind::<nudge_store::diesel::sql_types::Bool, _>(change.opted_out)
        .bind::<nudge_store::diesel::sql_types::Text, _>(change.language)
        .bind::<nudge_store::diesel::sql_types::Timestamp, _>(change.now)
        .execute($c)
        .await?;
        nudge_store::diesel::sql_query($crate::store::sql(
            $backend,
            $crate::compliance::store::INSERT_CONSENT_EVENT_SQL,
        ))
        .bind::<nudge_store::diesel::sql_types::Text, _>(&event_id)
        .bind::<nudge_store::diesel::sql_types::Text, _>(change.user_id)
        .bind::<nudge_store::diesel::sql_types::Text, _>(event)
        .bind::<nudge_store::diesel::sql_types::Text, _>(change.source)
        .bind::<nudge_store::diesel::sql_types::Nullable<nudge_store::diesel::sql_types::Text>, _>(change.keyword)
        .bind::<nudge_store::diesel::sql_types::Nullable<nudge_store::diesel::sql_types::Text>, _>(change.inbound_id)
        .bind::<nudge_store::diesel::sql_types::Nullable<nudge_store::diesel::sql_types::Text>, _>(change.outbound_id)
        .bind::<nudge_store::diesel::sql_types::Timestamp, _>(change.now)
        .execute($c)
        .await?;
        if change.opted_out {
            nudge_store::diesel::sql_query($crate::store::sql(
                $backend,
                $crate::compliance::store::SUPPRESS_QUEUED_SQL,
            ))
            .bind::<nudge_store::diesel::sql_types::Text, _>(change.user_id)
            .bind::<nudge_store::diesel::sql_types::Timestamp, _>(change.now)
            .execute($c)
            .await?
        } else {
            0
        }
    }};
}
pub(crate) use consent_statements;

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
