//! Outbound SMS: `SendSms` stores the message and the paced sender sends it.
//!
//! `sms_outbound` **is** the queue. `SendSms` stores the row(s) of a text
//! (several when it is over the segment budget) once per idempotency key,
//! each with a `send_after` reserved on the sending number's schedule, which
//! every replica shares through the cache: the number's
//! `sms.segments_per_second` holds however many replicas queue at once, and
//! a burst is spread out, never dropped.
//!
//! Each replica runs a sender: it claims due rows with a lease (PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`), only a number's oldest pending row and only
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
//! person with that body since the attempt, the row is marked sent with its
//! sid instead of being sent again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use nudge_core::UserId;
use nudge_store::diesel;
use rand::Rng as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::RouterError;
use crate::inbound::phone_hash;
use crate::split::split;
use crate::store::{self, Claimed, ConsentChange, NewOutbound, OutboundRow, Requeue, consent_event, outbound_status};
use crate::transport::{Outgoing, SendError};
use crate::{Core, OUTBOUND_BODY, metrics};

/// Twilio's limit for one message body.
const MAX_BODY_CHARS: usize = 1600;
/// How long a number's schedules are kept after their last slot.
const SCHEDULE_TTL: Duration = Duration::from_secs(3600);
/// The sender looks at the queue at least this often.
const IDLE: Duration = Duration::from_secs(5);
/// Rows are due but none could be claimed (their number is busy): look again after this.
const BUSY_POLL: Duration = Duration::from_millis(250);
/// How often claims are checked for senders that died, and the queue depth measured.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// A row in `sending` without a lease was put there by Twilio's status
/// callback ("sending") while it waited in the queue to be reconciled, not by
/// a claim: no sender has it, and it holds its number's later rows back.
/// Untouched for this long, it goes back to the queue to be reconciled.
const SENDING_WITHOUT_LEASE: TimeDelta = TimeDelta::minutes(2);

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
    to: String,
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
            to_number: &self.to,
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

/// Cache keys of a number's schedules; the number itself is not in the key.
pub(crate) fn plan_key(number: &str) -> String {
    format!("sms:plan:{}", &phone_hash(number)[..24])
}

pub(crate) fn pace_key(number: &str) -> String {
    format!("sms:pace:{}", &phone_hash(number)[..24])
}

/// The delay before attempt `attempts + 1`: full jitter, uniform in
/// [0, min(max, base * 2^(attempts - 1))].
pub(crate) fn backoff(attempts: i32, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let ceiling = base.saturating_mul(2_u32.saturating_pow(exponent)).min(max);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

impl Core {
    fn segment_micros(&self, segments: i64) -> i64 {
        segments.saturating_mul(self.sms.micros_per_segment())
    }

    /// Reserves room for `segments` on the number's send plan; returns when
    /// they may start. With the cache away, now (the sender's pacing still holds).
    async fn reserve_plan(&self, number: &str, segments: i64) -> NaiveDateTime {
        let now = micros_now();
        match self
            .cache
            .reserve_slot(&plan_key(number), now, self.segment_micros(segments), SCHEDULE_TTL)
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
    pub(crate) async fn wait_for_pace(&self, number: &str, segments: u32) -> Result<(), nudge_cache::CacheError> {
        let now = micros_now();
        let start = self
            .cache
            .reserve_slot(
                &pace_key(number),
                now,
                self.segment_micros(i64::from(segments)),
                SCHEDULE_TTL,
            )
            .await?;
        if start > now {
            tokio::time::sleep(Duration::from_micros(u64::try_from(start - now).unwrap_or(0))).await;
        }
        Ok(())
    }

    /// After Twilio answered: the number's next SMS starts no sooner than
    /// `segments` from now.
    pub(crate) async fn paced(&self, number: &str, segments: u32) {
        let until = micros_now().saturating_add(self.segment_micros(i64::from(segments)));
        if let Err(error) = self.cache.reserve_slot(&pace_key(number), until, 0, SCHEDULE_TTL).await {
            tracing::warn!(%error, "cannot record a send on the number's schedule");
        }
    }

    /// A one-part reply from sms-router itself (START, HELP), to store with
    /// the message that asked for it.
    pub(crate) async fn prepare_reply(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
        text: &str,
        key: &str,
    ) -> PendingReply {
        let count = nudge_core::sms::count_segments(text);
        let send_after = self.reserve_plan(from, i64::from(count.segments)).await;
        PendingReply {
            id: nudge_core::new_id(),
            key: key.to_owned(),
            user_id: user_id.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            // A fixed text of sms-router's own (START, HELP): under the ring.
            body: self.keys.ring().encrypt_str(text, OUTBOUND_BODY),
            segments: i32::try_from(count.segments).unwrap_or(1),
            encoding: encoding_name(count.encoding),
            send_after,
            created_at: nudge_store::now(),
        }
    }

    /// `SendSms`: stores the text (split if over the budget) for the person's
    /// own phone, paced on their number.
    pub(crate) async fn queue_outbound(
        &self,
        user_id: &UserId,
        body: &str,
        idempotency_key: &str,
        kind: OutboundKind,
    ) -> Result<Queued, RouterError> {
        self.queue_outbound_to(user_id, body, idempotency_key, kind, None).await
    }

    /// As [`Core::queue_outbound`], to `new_phone` instead of the person's
    /// verified phone when given (a code checking a phone): from the
    /// person's number, or from the verification number when the person has
    /// no number yet (one is given only once their phone is verified).
    pub(crate) async fn queue_outbound_to(
        &self,
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
        let mut conn = self.db.conn().await?;
        let existing = store::outbound_by_key(&mut conn, idempotency_key).await?;
        if !existing.is_empty() {
            return Ok(Queued::of(&existing, true));
        }
        let number = store::number_by_user(&mut conn, user_id.as_str()).await?;
        // The sender and the recipient: the person's number and verified
        // phone; a new phone from their number; a phone of someone who has
        // no number yet (being verified) from the verification number.
        let (from_number, to_number) = match (&number, new_phone) {
            (Some(number), None) => (number.nudge_number.as_str(), number.phone.as_str()),
            (Some(number), Some(phone)) => (number.nudge_number.as_str(), phone),
            (None, Some(phone)) => (self.verification_number.as_str(), phone),
            (None, None) => return Err(RouterError::NotFound("this person has no Nudge number".to_owned())),
        };
        let opted_out = store::opted_out(&mut conn, user_id.as_str()).await?;
        let cipher = self.keys.for_writing(&mut conn, user_id.as_str()).await?;
        drop(conn);

        let parts = split(body, self.sms.segment_budget);
        let total: i64 = parts.iter().map(|p| i64::from(p.segments)).sum();
        let now = nudge_store::now();
        let (status, mut start) = if opted_out {
            (outbound_status::SUPPRESSED, now)
        } else {
            (outbound_status::QUEUED, self.reserve_plan(from_number, total).await)
        };
        let count = i32::try_from(parts.len()).unwrap_or(i32::MAX);
        let rows: Vec<NewOutbound<'_>> = parts
            .iter()
            .zip(1..)
            .map(|(part, index)| {
                let send_after = start;
                start += TimeDelta::microseconds(self.segment_micros(i64::from(part.segments)));
                NewOutbound {
                    id: nudge_core::new_id(),
                    idempotency_key: if index == 1 {
                        idempotency_key.to_owned()
                    } else {
                        store::part_key(idempotency_key, index)
                    },
                    user_id: user_id.as_str(),
                    kind: kind.as_str(),
                    from_number,
                    to_number,
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
        let mut conn = self.db.conn().await?;
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
            self.outbound_stored.notify_one();
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

    /// Claims what is due, as many rows as there are free senders.
    async fn claim(&self, limit: usize) -> Result<Vec<Claimed>, nudge_store::StoreError> {
        let now = nudge_store::now();
        let lease = now + TimeDelta::seconds(i64::try_from(self.sms.send_lease_seconds).unwrap_or(60));
        let mut conn = self.db.conn().await?;
        Ok(store::claim_due(&mut conn, now, lease, i64::try_from(limit).unwrap_or(1)).await?)
    }

    /// How long the sender may sleep: until the earliest queued row is due.
    async fn idle_for(&self) -> Result<Duration, nudge_store::StoreError> {
        let mut conn = self.db.conn().await?;
        let next = store::next_send_after(&mut conn).await?;
        let now = nudge_store::now();
        Ok(match next {
            None => IDLE,
            Some(at) if at > now => (at - now).to_std().unwrap_or(IDLE).min(IDLE),
            // Due but not claimable: their number is busy, or every sender is.
            Some(_) => BUSY_POLL,
        })
    }

    async fn send_claimed(self: Arc<Self>, row: Claimed, _permit: OwnedSemaphorePermit) {
        if let Err(error) = self.attempt(&row).await {
            // The SMS may or may not have gone: back to the queue, to be reconciled first.
            tracing::warn!(outbound.id = %row.id, %error, "an SMS attempt could not be recorded");
            tokio::time::sleep(Duration::from_millis(500)).await;
            let requeued = match self.db.conn().await {
                Ok(mut conn) => {
                    let now = nudge_store::now();
                    let later = now + self.retry_delay(row.attempts);
                    store::requeue(
                        &mut conn,
                        &row,
                        &Requeue {
                            send_after: later,
                            error_code: None,
                            count_attempt: true,
                            reconcile: true,
                            now,
                        },
                    )
                    .await
                    .map_err(nudge_store::StoreError::from)
                }
                Err(error) => Err(error),
            };
            if let Err(error) = requeued {
                tracing::warn!(outbound.id = %row.id, %error, "cannot requeue an SMS; its claim will expire");
            }
        }
        self.outbound_done.notify_one();
    }

    /// One attempt at one claimed row.
    async fn attempt(&self, row: &Claimed) -> Result<(), nudge_store::StoreError> {
        let mut conn = self.db.conn().await?;
        let reader = self.keys.for_reading(&mut conn, &row.user_id).await?;
        let body = match reader.decrypt_to_string(&row.body, OUTBOUND_BODY) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(outbound.id = %row.id, %error, "cannot decrypt an outbound SMS");
                store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, None, nudge_store::now()).await?;
                metrics::message("outbound", "failed");
                return Ok(());
            }
        };
        if row.kind != OutboundKind::Compliance.as_str() && store::opted_out(&mut conn, &row.user_id).await? {
            store::finish_attempt(
                &mut conn,
                &row.id,
                outbound_status::SUPPRESSED,
                None,
                nudge_store::now(),
            )
            .await?;
            metrics::message("outbound", "suppressed");
            tracing::info!(outbound.id = %row.id, user.id = %row.user_id, "the person opted out: SMS suppressed");
            return Ok(());
        }
        drop(conn);
        let max_attempts = i32::try_from(self.sms.send_max_attempts).unwrap_or(i32::MAX);
        if let Some(since) = row.reconcile_since {
            match self
                .transport
                .find_sent(&row.from_number, &row.to_number, &body, since)
                .await
            {
                Ok(Some(sid)) => {
                    let mut conn = self.db.conn().await?;
                    store::mark_sent(&mut conn, &row.id, &sid, nudge_store::now()).await?;
                    metrics::message("outbound", "sent");
                    tracing::info!(outbound.id = %row.id, "reconciled: Twilio had the SMS already; not sent again");
                    return Ok(());
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(outbound.id = %row.id, %error, "cannot check Twilio's messages; will retry");
                    let later = nudge_store::now() + self.retry_delay(row.attempts);
                    let mut conn = self.db.conn().await?;
                    let requeue = Requeue {
                        send_after: later,
                        error_code: error.code(),
                        count_attempt: true,
                        reconcile: true,
                        now: nudge_store::now(),
                    };
                    store::requeue(&mut conn, row, &requeue).await?;
                    return Ok(());
                }
            }
        }
        if row.attempts > max_attempts {
            let mut conn = self.db.conn().await?;
            store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, None, nudge_store::now()).await?;
            metrics::message("outbound", "failed");
            tracing::warn!(outbound.id = %row.id, attempts = row.attempts, "SMS given up after its last attempt");
            return Ok(());
        }

        // The number's pace, measured at Twilio.
        let segments = u32::try_from(row.segments.max(1)).unwrap_or(1);
        let now = micros_now();
        let start = match self
            .cache
            .reserve_slot(
                &pace_key(&row.from_number),
                now,
                self.segment_micros(i64::from(segments)),
                SCHEDULE_TTL,
            )
            .await
        {
            Ok(start) => start,
            Err(error) => {
                tracing::warn!(outbound.id = %row.id, %error, "cannot pace the number; will try again");
                let mut conn = self.db.conn().await?;
                let later = nudge_store::now() + TimeDelta::seconds(1);
                store::requeue(&mut conn, row, &Requeue::untried(later, nudge_store::now())).await?;
                return Ok(());
            }
        };
        let wait = Duration::from_micros(u64::try_from(start - now).unwrap_or(0));
        let max_wait = Duration::from_secs(self.sms.send_lease_seconds / 3).min(Duration::from_secs(15));
        if wait > max_wait {
            let mut conn = self.db.conn().await?;
            store::requeue(&mut conn, row, &Requeue::untried(instant(start), nudge_store::now())).await?;
            return Ok(());
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }

        let callback = format!("{}?o={}", self.status_callback_url, row.id);
        let started = Instant::now();
        let sent = self
            .transport
            .send(Outgoing {
                from: &row.from_number,
                to: &row.to_number,
                body: &body,
                status_callback: &callback,
            })
            .await;
        metrics::send_latency(started.elapsed().as_secs_f64());
        self.paced(&row.from_number, segments).await;

        let mut conn = self.db.conn().await?;
        let now = nudge_store::now();
        match sent {
            Ok(sid) => {
                store::mark_sent(&mut conn, &row.id, &sid, now).await?;
                metrics::outbound_result("sent");
                metrics::message("outbound", "sent");
                tracing::info!(outbound.id = %row.id, user.id = %row.user_id, attempts = row.attempts, "SMS sent");
            }
            Err(SendError::Temporary {
                http_status,
                code,
                message,
                ambiguous,
            }) => {
                if row.attempts >= max_attempts && !ambiguous {
                    store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, code, now).await?;
                    metrics::outbound_result("failed");
                    metrics::message("outbound", "failed");
                    tracing::warn!(outbound.id = %row.id, http_status, ?code, %message, "SMS given up after its last attempt");
                } else {
                    let later = now + self.retry_delay(row.attempts);
                    let requeue = Requeue {
                        send_after: later,
                        error_code: code,
                        count_attempt: true,
                        reconcile: ambiguous,
                        now,
                    };
                    store::requeue(&mut conn, row, &requeue).await?;
                    metrics::outbound_result("retry");
                    tracing::warn!(
                        outbound.id = %row.id,
                        http_status,
                        ?code,
                        %message,
                        ambiguous,
                        attempts = row.attempts,
                        "temporary send failure; will retry"
                    );
                }
            }
            Err(SendError::Refused {
                http_status,
                code,
                message,
            }) => {
                store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, code, now).await?;
                metrics::outbound_result("failed");
                metrics::message("outbound", "failed");
                tracing::warn!(outbound.id = %row.id, http_status, ?code, %message, "SMS refused by the provider");
                if code == Some(21610) {
                    self.unsubscribed_at_twilio(&row.user_id, &row.id).await?;
                }
            }
        }
        Ok(())
    }

    /// Gives a claim back untried.
    async fn release(&self, row: &Claimed) {
        let released = match self.db.conn().await {
            Ok(mut conn) => {
                let now = nudge_store::now();
                store::requeue(&mut conn, row, &Requeue::untried(now, now))
                    .await
                    .map_err(nudge_store::StoreError::from)
            }
            Err(error) => Err(error),
        };
        if let Err(error) = released {
            tracing::warn!(outbound.id = %row.id, %error, "cannot give a claim back; it will expire");
        }
    }

    fn retry_delay(&self, attempts: i32) -> TimeDelta {
        let delay = backoff(
            attempts,
            Duration::from_millis(self.sms.retry_base_ms),
            Duration::from_millis(self.sms.retry_max_ms),
        );
        TimeDelta::from_std(delay).unwrap_or(TimeDelta::seconds(1))
    }

    /// Twilio says the person is unsubscribed (error 21610): they are opted
    /// out here too, and nothing queued for them goes.
    pub(crate) async fn unsubscribed_at_twilio(
        &self,
        user_id: &str,
        outbound_id: &str,
    ) -> Result<(), nudge_store::StoreError> {
        let mut conn = self.db.conn().await?;
        if store::opted_out(&mut conn, user_id).await? {
            return Ok(());
        }
        let language = store::consent_language(&mut conn, user_id)
            .await?
            .unwrap_or_else(|| "en".to_owned());
        let suppressed = store::record_consent(
            &mut conn,
            &ConsentChange {
                user_id,
                opted_out: true,
                language: &language,
                source: consent_event::SOURCE_TWILIO_21610,
                keyword: None,
                inbound_id: None,
                outbound_id: Some(outbound_id),
                now: nudge_store::now(),
            },
        )
        .await?;
        metrics::consent_change(consent_event::OPT_OUT, consent_event::SOURCE_TWILIO_21610);
        tracing::info!(user.id = %user_id, suppressed, "Twilio reports the person unsubscribed (21610): opted out");
        Ok(())
    }
}

/// The paced sender: claims due rows and sends them, `sms.sender_concurrency` at a time.
pub(crate) async fn run_sender(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // No other replica shares an in-process cache, so no one else is sending:
    // every row left in `sending` lost its sender with the last process.
    let mut stale_claims = core.lone_replica;
    let concurrency = usize::try_from(core.sms.sender_concurrency).unwrap_or(16);
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.try_join_next().is_some() {}
        if stale_claims {
            match recover_stale_claims(&core).await {
                Ok(recovered) => {
                    stale_claims = false;
                    if recovered > 0 {
                        tracing::info!(
                            recovered,
                            "outbound SMS left sending by the last run will be reconciled"
                        );
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot look for SMS left sending yet; will try again"),
            }
        }
        let free = permits.available_permits();
        let mut wait = IDLE;
        if free > 0 && !stale_claims {
            match core.claim(free).await {
                Ok(claimed) => {
                    for row in claimed {
                        match permits.clone().try_acquire_owned() {
                            Ok(permit) => {
                                in_flight.spawn(core.clone().send_claimed(row, permit));
                            }
                            // More than asked for: never leave a claim without a sender.
                            Err(_) => core.release(&row).await,
                        }
                    }
                    wait = match core.idle_for().await {
                        Ok(wait) => wait,
                        Err(_) => Duration::from_secs(1),
                    };
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot claim outbound SMS; will try again");
                    wait = Duration::from_secs(1);
                }
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = core.outbound_stored.notified() => {}
            () = core.outbound_done.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    // Let the SMS being sent finish (the service's grace period bounds this).
    while in_flight.join_next().await.is_some() {}
    Ok(())
}

/// At start-up of a lone replica: claims of the last run go back to the
/// queue (to be reconciled), and each number's pace picks up from its last
/// sends (the in-process cache that held it is gone).
async fn recover_stale_claims(core: &Core) -> Result<usize, nudge_store::StoreError> {
    let mut conn = core.db.conn().await?;
    let now = nudge_store::now();
    let recovered = store::recover_all_sending(&mut conn, now).await?;
    let recent = store::recent_sends(&mut conn, now - TimeDelta::minutes(5)).await?;
    drop(conn);
    for (number, sent_at, segments) in recent {
        let until = sent_at
            .and_utc()
            .timestamp_micros()
            .saturating_add(core.segment_micros(i64::from(segments.max(1))));
        if let Err(error) = core
            .cache
            .reserve_slot(&pace_key(&number), until, 0, SCHEDULE_TTL)
            .await
        {
            tracing::warn!(%error, "cannot restore a number's pace");
        }
    }
    Ok(recovered)
}

/// Claims whose sender died go back to the queue (to be reconciled); the
/// queue depth is measured.
pub(crate) async fn sweep(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        if let Err(error) = sweep_once(&core).await {
            tracing::warn!(error = format!("{error:#}"), "outbound sweep failed; will try again");
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

async fn sweep_once(core: &Core) -> anyhow::Result<()> {
    let mut conn = core.db.conn().await?;
    let now = nudge_store::now();
    let recovered = store::recover_expired(&mut conn, now, now - SENDING_WITHOUT_LEASE).await?;
    if recovered > 0 {
        tracing::info!(
            recovered,
            "outbound SMS whose sender died go back to the queue, to be reconciled"
        );
        core.outbound_stored.notify_one();
    }
    let depth = store::queue_depth(&mut conn).await?;
    for status in [outbound_status::QUEUED, outbound_status::SENDING] {
        let count = depth.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        metrics::queue_depth(status, count);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_cap() {
        let (base, max) = (Duration::from_millis(1000), Duration::from_millis(300_000));
        for attempts in 1..=20 {
            let ceiling = Duration::from_millis(1000 * 2_u64.pow(u32::try_from(attempts - 1).expect("small"))).min(max);
            for _ in 0..50 {
                let delay = backoff(attempts, base, max);
                assert!(delay <= ceiling, "attempt {attempts}: {delay:?} > {ceiling:?}");
            }
        }
        // Spread out: not always the ceiling (that would make retries of a burst collide).
        let delays: std::collections::HashSet<Duration> = (0..50).map(|_| backoff(5, base, max)).collect();
        assert!(delays.len() > 10);
        assert!(backoff(0, base, max) <= base);
        assert!(backoff(i32::MAX, base, max) <= max);
    }

    #[test]
    fn schedules_do_not_name_the_number() {
        let key = pace_key("+15145550199");
        assert!(!key.contains("5145550199"), "{key}");
        assert_ne!(pace_key("+15145550199"), plan_key("+15145550199"));
        assert_ne!(pace_key("+15145550199"), pace_key("+15145550198"));
    }
}
