//! Outbound SMS: `SendSms` stores the message and the paced sender sends it.
//!
//! `sms_outbound` **is** the queue. `SendSms` stores the row(s) of a text
//! (several when it is over the segment budget) once per idempotency key,
//! each with a `send_after` reserved on the sending number's schedule, which
//! every replica shares through the cache: the number's
//! `sms.segments_per_second` holds however many replicas queue at once, and
//! a burst is spread out, never dropped.
//!
//! Each replica runs a sender: it claims due rows with a short lease
//! (`sms.send_lease_seconds`, renewed while the send goes on, so only a
//! dead sender's claim runs out; PostgreSQL: `FOR UPDATE SKIP LOCKED`), only a number's oldest pending row and only
//! when none of that number's rows is being sent, so a number's SMS leave in
//! order, one at a time, and a row waiting for a retry holds back the later
//! ones. Before each send the sender also takes the number's next slot on a
//! second schedule, moved forward to "accepted by Twilio + the SMS's
//! duration" after the answer: whatever the lateness of the queue, two SMS
//! of one number are accepted by Twilio at least their duration apart.
//!
//! Temporary failures (429, 5xx, Twilio 20429, network errors) go back to the
//! queue after a backoff with full jitter; permanent ones fail the row and
//! are never retried (21610 also opts the person out). A row whose attempt
//! may have reached Twilio without an answer (a timeout, a sender that died)
//! is reconciled first: if Twilio has a message from the number to the
//! person with that body since the attempt, and no other row holds its sid
//! (two SMS may carry the same words), the row is marked sent with that sid
//! instead of being sent again.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use nudge_core::UserId;
use nudge_secure::PersonCipher;
use nudge_store::diesel;
use store::{NewOutbound, OutboundRow};

use crate::compliance::store::opted_out;
use crate::error::RouterError;
use crate::metrics;
use crate::numbers::store::number_by_user;
use crate::split::split;
use crate::state::{Core, OUTBOUND_BODY};
use crate::store::{outbound_status, phone_hash, phones};

#[cfg(test)]
mod claim_tests;
pub(crate) mod delivery;
pub(crate) mod sender;
pub(crate) mod store;

/// Twilio's limit for one message body.
const MAX_BODY_CHARS: usize = 1600;
/// How long a number's schedules are kept after their last slot.
const SCHEDULE_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutboundKind {
    Reply,
    Reminder,
    System,
    /// sms-router's own answers to START and HELP: the only kind that goes
    /// to an opted-out person (a help text they asked for).
    Compliance,
}

impl OutboundKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OutboundKind::Reply => "reply",
            OutboundKind::Reminder => "reminder",
            OutboundKind::System => "system",
            OutboundKind::Compliance => "compliance",
        }
    }
}

/// What `SendSms` answers.
pub(crate) struct Queued {
    pub(crate) ids: Vec<String>,
    pub(crate) duplicate: bool,
    pub(crate) status: String,
    pub(crate) segments: i32,
}

impl Queued {
    fn of(rows: &[OutboundRow], duplicate: bool) -> Queued {
        Queued {
            ids: rows.iter().map(|r| r.id.clone()).collect(),
            duplicate,
            status: rows.first().map(|r| r.status.clone()).unwrap_or_default(),
            segments: rows.iter().map(|r| r.segments).sum(),
        }
    }
}

/// A one-part SMS ready to be stored (sms-router's own replies).
pub(crate) struct PendingReply {
    id: String,
    key: String,
    user_id: String,
    from: String,
    to_index: String,
    to_sealed: Vec<u8>,
    body: Vec<u8>,
    segments: i32,
    encoding: &'static str,
    send_after: NaiveDateTime,
    created_at: NaiveDateTime,
}

impl PendingReply {
    pub(crate) fn row(&self) -> NewOutbound<'_> {
        NewOutbound {
            id: self.id.clone(),
            idempotency_key: self.key.clone(),
            user_id: &self.user_id,
            kind: OutboundKind::Compliance.as_str(),
            from_number: &self.from,
            to_index: self.to_index.clone(),
            to_sealed: self.to_sealed.clone(),
            body: self.body.clone(),
            status: outbound_status::QUEUED,
            segments: self.segments,
            encoding: self.encoding,
            part: 1,
            parts: 1,
            send_after: self.send_after,
            created_at: self.created_at,
        }
    }
}

fn encoding_name(encoding: nudge_core::sms::SmsEncoding) -> &'static str {
    match encoding {
        nudge_core::sms::SmsEncoding::Gsm7 => "gsm7",
        nudge_core::sms::SmsEncoding::Ucs2 => "ucs2",
    }
}

fn micros_now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// A stored instant from microseconds since the epoch (truncated to milliseconds, as stored).
fn instant(micros: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(micros)
        .map(nudge_store::to_utc)
        .unwrap_or_else(nudge_store::now)
}

/// As [`instant`], rounded up to the next stored millisecond: never before `micros`.
fn instant_not_before(micros: i64) -> NaiveDateTime {
    instant(micros.saturating_add(999))
}

/// Cache keys of a number's schedules; the number itself is not in the key.
pub(crate) fn plan_key(number: &str) -> String {
    format!("sms:plan:{}", &phone_hash(number)[..24])
}

pub(crate) fn pace_key(number: &str) -> String {
    format!("sms:pace:{}", &phone_hash(number)[..24])
}

fn segment_micros(core: &Core, segments: i64) -> i64 {
    segments.saturating_mul(core.sms.micros_per_segment())
}

/// Reserves room for `segments` on the number's send plan; returns when
/// they may start. With the cache away, now (the sender's pacing still holds).
async fn reserve_plan(core: &Core, number: &str, segments: i64) -> NaiveDateTime {
    let now = micros_now();
    match core
        .cache
        .reserve_slot(&plan_key(number), now, segment_micros(core, segments), SCHEDULE_TTL)
        .await
    {
        Ok(start) => instant(start),
        Err(error) => {
            tracing::warn!(%error, "cannot reserve a send slot; the sender will pace it");
            instant(now)
        }
    }
}

/// Waits for the number's next slot for `segments` (a stranger's reply).
pub(crate) async fn wait_for_pace(core: &Core, number: &str, segments: u32) -> Result<(), nudge_cache::CacheError> {
    let now = micros_now();
    let start = core
        .cache
        .reserve_slot(
            &pace_key(number),
            now,
            segment_micros(core, i64::from(segments)),
            SCHEDULE_TTL,
        )
        .await?;
    if start > now {
        tokio::time::sleep(Duration::from_micros(u64::try_from(start - now).unwrap_or(0))).await;
    }
    Ok(())
}

/// After Twilio answered: the number's next SMS starts no sooner than
/// `segments` from now. Returns that instant.
pub(crate) async fn paced(core: &Core, number: &str, segments: u32) -> NaiveDateTime {
    let until = micros_now().saturating_add(segment_micros(core, i64::from(segments)));
    if let Err(error) = core.cache.reserve_slot(&pace_key(number), until, 0, SCHEDULE_TTL).await {
        tracing::warn!(%error, "cannot record a send on the number's schedule");
    }
    instant_not_before(until)
}

/// A one-part reply from sms-router itself (START, HELP), to store with
/// the message that asked for it.
pub(crate) async fn prepare_reply(
    core: &Core,
    cipher: &PersonCipher,
    user_id: &str,
    from: &str,
    to: &str,
    text: &str,
    key: &str,
) -> PendingReply {
    let count = nudge_core::sms::count_segments(text);
    let send_after = reserve_plan(core, from, i64::from(count.segments)).await;
    let id = nudge_core::new_id();
    PendingReply {
        key: key.to_owned(),
        user_id: user_id.to_owned(),
        from: from.to_owned(),
        to_index: phones::index(core.keys.ring(), to),
        to_sealed: cipher.encrypt_str(to, &phones::outbound_context(&id)),
        id,
        // A fixed text of sms-router's own (START, HELP): under the ring.
        body: core.keys.ring().encrypt_str(text, OUTBOUND_BODY),
        segments: i32::try_from(count.segments).unwrap_or(1),
        encoding: encoding_name(count.encoding),
        send_after,
        created_at: nudge_store::now(),
    }
}

/// `SendSms`: stores the text (split if over the budget) for the person's
/// own phone, paced on their number.
pub(crate) async fn queue(
    core: &Core,
    user_id: &UserId,
    body: &str,
    idempotency_key: &str,
    kind: OutboundKind,
) -> Result<Queued, RouterError> {
    queue_to(core, user_id, body, idempotency_key, kind, None).await
}

/// As [`queue`], to `new_phone` instead of the person's
/// verified phone when given (a code checking a phone): from the
/// person's number, or from the verification number when the person has
/// no number yet (one is given only once their phone is verified).
pub(crate) async fn queue_to(
    core: &Core,
    user_id: &UserId,
    body: &str,
    idempotency_key: &str,
    kind: OutboundKind,
    new_phone: Option<&str>,
) -> Result<Queued, RouterError> {
    if body.trim().is_empty() {
        return Err(RouterError::field("body", "must not be empty"));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(RouterError::field("body", "longer than 1600 characters"));
    }
    let mut conn = core.db.conn().await?;
    let existing = store::outbound_by_key(&mut conn, idempotency_key).await?;
    if !existing.is_empty() {
        return Ok(Queued::of(&existing, true));
    }
    let number = number_by_user(&mut conn, user_id.as_str()).await?;
    // The sender and the recipient: the person's number and verified
    // phone; a new phone from their number; a phone of someone who has
    // no number yet (being verified) from the verification number.
    if number.is_none() && new_phone.is_none() {
        return Err(RouterError::NotFound("this person has no Nudge number".to_owned()));
    }
    let cipher = core.keys.for_writing(&mut conn, user_id.as_str()).await?;
    let (from_number, to) = match (&number, new_phone) {
        (Some(number), None) => (number.nudge_number.as_str(), number.phone(&cipher)?),
        (Some(number), Some(phone)) => (number.nudge_number.as_str(), phone.to_owned()),
        (None, Some(phone)) => (core.verification_number.as_str(), phone.to_owned()),
        (None, None) => return Err(RouterError::NotFound("this person has no Nudge number".to_owned())),
    };
    let to_index = phones::index(core.keys.ring(), &to);
    let opted_out = opted_out(&mut conn, user_id.as_str()).await?;
    drop(conn);

    let parts = split(body, core.sms.segment_budget);
    let total: i64 = parts.iter().map(|p| i64::from(p.segments)).sum();
    let now = nudge_store::now();
    let (status, mut start) = if opted_out {
        (outbound_status::SUPPRESSED, now)
    } else {
        (outbound_status::QUEUED, reserve_plan(core, from_number, total).await)
    };
    let count = i32::try_from(parts.len()).unwrap_or(i32::MAX);
    let rows: Vec<NewOutbound<'_>> = parts
        .iter()
        .zip(1..)
        .map(|(part, index)| {
            let send_after = start;
            start += TimeDelta::microseconds(segment_micros(core, i64::from(part.segments)));
            let id = nudge_core::new_id();
            NewOutbound {
                to_sealed: cipher.encrypt_str(&to, &phones::outbound_context(&id)),
                id,
                idempotency_key: if index == 1 {
                    idempotency_key.to_owned()
                } else {
                    store::part_key(idempotency_key, index)
                },
                user_id: user_id.as_str(),
                kind: kind.as_str(),
                from_number,
                to_index: to_index.clone(),
                body: cipher.encrypt_str(&part.text, OUTBOUND_BODY),
                status,
                segments: i32::try_from(part.segments).unwrap_or(i32::MAX),
                encoding: encoding_name(part.encoding),
                part: index,
                parts: count,
                send_after: nudge_store::to_utc(send_after.and_utc()),
                created_at: now,
            }
        })
        .collect();
    let mut conn = core.db.conn().await?;
    let inserted = match store::insert_outbound(&mut conn, &rows).await {
        Ok(inserted) => inserted,
        Err(diesel::result::Error::RollbackTransaction) => {
            return Err(RouterError::field(
                "idempotency_key",
                "a key of this send's parts is already used",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    if !inserted {
        // Another call with this key won the race.
        let existing = store::outbound_by_key(&mut conn, idempotency_key).await?;
        return Ok(Queued::of(&existing, true));
    }
    drop(conn);
    let segments: i32 = rows.iter().map(|r| r.segments).sum();
    if opted_out {
        metrics::message("outbound", "suppressed");
        tracing::info!(user.id = %user_id, kind = kind.as_str(), "the person opted out: SMS suppressed");
    } else {
        metrics::outbound_queued(kind.as_str(), u32::try_from(segments).unwrap_or(0));
        core.outbound_stored.notify_one();
        tracing::info!(
            outbound.id = %rows[0].id,
            user.id = %user_id,
            kind = kind.as_str(),
            parts = count,
            segments,
            "outbound SMS queued"
        );
    }
    Ok(Queued {
        ids: rows.iter().map(|r| r.id.clone()).collect(),
        duplicate: false,
        status: status.to_owned(),
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_do_not_name_the_number() {
        let key = pace_key("+15145550199");
        assert!(!key.contains("5145550199"), "{key}");
        assert_ne!(pace_key("+15145550199"), plan_key("+15145550199"));
        assert_ne!(pace_key("+15145550199"), pace_key("+15145550198"));
    }
}
