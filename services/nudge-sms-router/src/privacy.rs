//! `nudge.privacy.v1.PrivacyService` for sms-router's tables (GDPR articles
//! 15, 17 and 20): the person's Nudge number, their SMS both ways
//! (decrypted), consent state and its trail, as JSON; and their erasure:
//! the number released (at Twilio when Nudge bought it), every row of the
//! person deleted (queued SMS included, so the paced sender has nothing of
//! theirs left to send), the person's locks removed from the cache.
//! Idempotent: a retry finds no number and deletes what is left.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_core::UserId;
use nudge_proto::privacy::ErasedTable;
use nudge_runtime::privacy::{self, Erasure, PersonalData, counted};
use nudge_store::schema::{
    sms_consent, sms_consent_events, sms_inbound, sms_number_periods, sms_numbers, sms_outbound, sms_stranger_replies,
};
use nudge_store::{Db, DbConn, diesel, diesel_async, with_conn};
use serde_json::{Value, json};

use crate::error::RouterError;
use crate::numbers;
use crate::outbound::{pace_key, plan_key};
use crate::state::{Core, INBOUND_BODY, OUTBOUND_BODY};
use crate::store::{phone_hash, phones};

/// What sms-router holds about a person: its tables, its number, its cache entries.
impl PersonalData for Core {
    const SERVICE: &'static str = "sms";
    /// Billing history (`sms_number_periods`) goes too.
    const ERASED_TABLES: &'static [&'static str] = &[
        "sms_person_keys",
        "sms_outbound",
        "sms_inbound",
        "sms_consent_events",
        "sms_consent",
        "sms_stranger_replies",
        "sms_number_periods",
        "sms_numbers",
    ];
    type Error = RouterError;

    fn database(&self) -> &Db {
        &self.db
    }

    async fn export(&self, user_id: &UserId) -> Result<Value, RouterError> {
        export(self, user_id.as_str()).await
    }

    async fn erase(&self, user_id: &UserId) -> Result<Erasure, RouterError> {
        erase_person(self, user_id.as_str()).await
    }
}

/// Releases the person's number, deletes every row of theirs and their
/// cache entries; returns the rows deleted per table and whether a number
/// was released.
async fn erase_person(core: &Core, user_id: &str) -> Result<Erasure, RouterError> {
    // The phone and number, read before the release forgets them: the
    // person may also have texted another person's Nudge number as a
    // stranger (kept as the SHA-256 of their phone), and the number's
    // send schedules live in the cache under a hash of it.
    let mut conn = core.db.conn().await?;
    let number = match numbers::store::number_by_user(&mut conn, user_id).await? {
        Some(row) => {
            let reader = core.keys.for_reading(&mut conn, user_id).await?;
            // A retry after the key was erased cannot read the phone any more:
            // the stranger records it names were then erased the first time.
            let phone = row.phone(&reader).ok();
            if phone.is_none() {
                tracing::warn!(user.id = %user_id, "erasure: the phone no longer opens; stranger records left as they are");
            }
            Some((phone, row.nudge_number))
        }
        None => None,
    };
    drop(conn);
    let number_released = match numbers::release(core, user_id).await {
        Ok(_) => true,
        Err(RouterError::NotFound(_)) => false,
        Err(error) => return Err(error),
    };
    let mut conn = core.db.conn().await?;
    // Their phone as a stranger's rows may name it: its blind index under
    // each key of the ring, or its SHA-256 (rows of earlier versions).
    let as_stranger: Vec<String> = match number.as_ref().and_then(|(phone, _)| phone.as_deref()) {
        Some(phone) => phones::indexes(core.keys.ring(), phone)
            .into_iter()
            .chain([phone_hash(phone)])
            .collect(),
        None => Vec::new(),
    };
    let tables = erase(core, &mut conn, user_id, &as_stranger).await?;
    drop(conn);
    let mut keys = vec![format!("sms:inbound:{user_id}"), format!("sms:provision:{user_id}")];
    if let Some((_, nudge_number)) = &number {
        keys.push(pace_key(nudge_number));
        keys.push(plan_key(nudge_number));
    }
    for key in keys {
        core.cache.delete(&key).await?;
    }
    Ok(Erasure {
        tables,
        number_released: Some(number_released),
    })
}

async fn export(core: &Core, user_id: &str) -> Result<Value, RouterError> {
    let mut conn = core.db.conn().await?;
    let conn = &mut conn;
    let number: Option<(String, String, Option<Vec<u8>>, NaiveDateTime)> = with_conn!(conn, c => {
        sms_numbers::table
            .filter(sms_numbers::user_id.eq(user_id))
            .select((
                sms_numbers::nudge_number,
                sms_numbers::phone_index,
                sms_numbers::phone_sealed,
                sms_numbers::created_at,
            ))
            .first(c)
            .await
            .optional()
    })?;
    let periods: Vec<(String, i32, NaiveDateTime, Option<NaiveDateTime>)> = with_conn!(conn, c => {
        sms_number_periods::table
            .filter(sms_number_periods::user_id.eq(user_id))
            .order(sms_number_periods::assigned_at)
            .select((
                sms_number_periods::nudge_number,
                sms_number_periods::monthly_price_micros,
                sms_number_periods::assigned_at,
                sms_number_periods::released_at,
            ))
            .load(c)
            .await
    })?;
    type InboundRow = (String, String, Vec<u8>, i32, Option<String>, NaiveDateTime);
    let inbound: Vec<InboundRow> = with_conn!(conn, c => {
        sms_inbound::table
            .filter(sms_inbound::user_id.eq(user_id))
            .order((sms_inbound::received_at, sms_inbound::id))
            .select((
                sms_inbound::id,
                sms_inbound::status,
                sms_inbound::body,
                sms_inbound::num_segments,
                sms_inbound::keyword,
                sms_inbound::received_at,
            ))
            .load(c)
            .await
    })?;
    type OutboundRow = (
        String,
        String,
        String,
        (String, Option<Vec<u8>>),
        Vec<u8>,
        String,
        i32,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let outbound: Vec<OutboundRow> = with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::user_id.eq(user_id))
            .order((sms_outbound::created_at, sms_outbound::id))
            .select((
                sms_outbound::id,
                sms_outbound::kind,
                sms_outbound::from_number,
                (sms_outbound::to_index, sms_outbound::to_sealed),
                sms_outbound::body,
                sms_outbound::status,
                sms_outbound::segments,
                sms_outbound::created_at,
                sms_outbound::sent_at,
            ))
            .load(c)
            .await
    })?;
    let consent: Option<(bool, String, NaiveDateTime)> = with_conn!(conn, c => {
        sms_consent::table
            .find(user_id)
            .select((sms_consent::opted_out, sms_consent::language, sms_consent::updated_at))
            .first(c)
            .await
            .optional()
    })?;
    let consent_events: Vec<(String, String, Option<String>, NaiveDateTime)> = with_conn!(conn, c => {
        sms_consent_events::table
            .filter(sms_consent_events::user_id.eq(user_id))
            .order((sms_consent_events::created_at, sms_consent_events::id))
            .select((
                sms_consent_events::event,
                sms_consent_events::source,
                sms_consent_events::keyword,
                sms_consent_events::created_at,
            ))
            .load(c)
            .await
    })?;
    let keys = core.keys.for_reading(conn, user_id).await?;
    Ok(json!({
        "number": number.map(|(nudge_number, index, sealed, created_at)| json!({
            "nudge_number": nudge_number,
            "phone": phones::open(&keys, sealed.as_deref(), &index, &phones::number_context(user_id)).ok(),
            "assigned_at": privacy::instant(created_at),
        })),
        "number_periods": periods.into_iter().map(|(nudge_number, price, assigned_at, released_at)| json!({
            "nudge_number": nudge_number,
            "monthly_price_micros": price,
            "assigned_at": privacy::instant(assigned_at),
            "released_at": privacy::instant_opt(released_at),
        })).collect::<Vec<_>>(),
        "inbound": inbound.into_iter().map(|(id, status, body, segments, keyword, received_at)| json!({
            "id": id,
            "status": status,
            "body": if body.is_empty() { None } else { keys.decrypt_to_string(&body, INBOUND_BODY).ok() },
            "segments": segments,
            "keyword": keyword,
            "received_at": privacy::instant(received_at),
        })).collect::<Vec<_>>(),
        "outbound": outbound.into_iter().map(|(id, kind, from, (to_index, to_sealed), body, status, segments, created_at, sent_at)| json!({
            "to": phones::open(&keys, to_sealed.as_deref(), &to_index, &phones::outbound_context(&id)).ok(),
            "id": id,
            "kind": kind,
            "from": from,
            "body": keys.decrypt_to_string(&body, OUTBOUND_BODY).ok(),
            "status": status,
            "segments": segments,
            "created_at": privacy::instant(created_at),
            "sent_at": privacy::instant_opt(sent_at),
        })).collect::<Vec<_>>(),
        "consent": consent.map(|(opted_out, language, updated_at)| json!({
            "opted_out": opted_out, "language": language, "updated_at": privacy::instant(updated_at),
        })),
        "consent_events": consent_events.into_iter().map(|(event, source, keyword, created_at)| json!({
            "event": event, "source": source, "keyword": keyword, "created_at": privacy::instant(created_at),
        })).collect::<Vec<_>>(),
    }))
}

/// Deletes every row of the person, their key first (from then on nothing
/// sealed for them can be decrypted, wherever a copy lies); keyed on the
/// person alone, so a retry finishes the work.
async fn erase(
    core: &Core,
    conn: &mut DbConn,
    user_id: &str,
    sender_hashes: &[String],
) -> QueryResult<Vec<ErasedTable>> {
    let key = core.keys.erase(conn, user_id).await?;
    let outbound = with_conn!(conn, c => {
        diesel::delete(sms_outbound::table.filter(sms_outbound::user_id.eq(user_id))).execute(c).await
    })?;
    let inbound = with_conn!(conn, c => {
        diesel::delete(sms_inbound::table.filter(sms_inbound::user_id.eq(user_id))).execute(c).await
    })?;
    let consent_events = with_conn!(conn, c => {
        diesel::delete(sms_consent_events::table.filter(sms_consent_events::user_id.eq(user_id))).execute(c).await
    })?;
    let consent = with_conn!(conn, c => {
        diesel::delete(sms_consent::table.filter(sms_consent::user_id.eq(user_id))).execute(c).await
    })?;
    let strangers = with_conn!(conn, c => {
        diesel::delete(sms_stranger_replies::table.filter(sms_stranger_replies::user_id.eq(user_id))).execute(c).await
    })?;
    // What the person texted to other people's Nudge numbers, as a stranger.
    let mut as_stranger = 0;
    if !sender_hashes.is_empty() {
        as_stranger += with_conn!(conn, c => {
            diesel::delete(sms_inbound::table.filter(sms_inbound::sender_hash.eq_any(sender_hashes))).execute(c).await
        })?;
        as_stranger += with_conn!(conn, c => {
            diesel::delete(sms_stranger_replies::table.filter(sms_stranger_replies::sender_hash.eq_any(sender_hashes)))
                .execute(c)
                .await
        })?;
    }
    let periods = with_conn!(conn, c => {
        diesel::delete(sms_number_periods::table.filter(sms_number_periods::user_id.eq(user_id))).execute(c).await
    })?;
    let numbers = with_conn!(conn, c => {
        diesel::delete(sms_numbers::table.filter(sms_numbers::user_id.eq(user_id))).execute(c).await
    })?;
    Ok(vec![
        counted("sms_person_keys", key),
        counted("sms_outbound", outbound),
        counted("sms_inbound", inbound),
        counted("sms_consent_events", consent_events),
        counted("sms_consent", consent),
        counted("sms_stranger_replies", strangers),
        counted("sms_as_stranger", as_stranger),
        counted("sms_number_periods", periods),
        counted("sms_numbers", numbers),
    ])
}
