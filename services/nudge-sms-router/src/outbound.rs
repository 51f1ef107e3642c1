//! Outbound SMS: `SendSms` stores the message (once per idempotency key) and
//! queues its id on `sms.outbound`; a consumer sends it through the transport.
//!
//! The row is the source of truth. A queued row nobody picked up (the queue
//! lost it, or publishing failed) and a row stuck in `sending` (its sender
//! died) are found by the sweeper and queued again. Moving a row from
//! `queued` to `sending` is a compare-and-set, so two deliveries of one queue
//! message never send it twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use nudge_core::UserId;
use nudge_core::sms::count_segments;
use nudge_proto::ServiceError;
use nudge_queue::{Handler, HandlerError, Message};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{self, outbound_status};
use crate::transport::{Outgoing, SendError};
use crate::{Core, OUTBOUND_BODY, metrics, unavailable};

pub(crate) const OUTBOUND_QUEUE: &str = "sms.outbound";
/// Twilio's limit for one message body.
const MAX_BODY_CHARS: usize = 1600;
/// A queued row older than this with no sender is published again.
const STALE_QUEUED: TimeDelta = TimeDelta::seconds(30);
/// A row in `sending` this long lost its sender.
const STUCK_SENDING: TimeDelta = TimeDelta::minutes(2);
const SWEEP_EVERY: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutboundKind {
    Reply,
    Reminder,
    System,
}

impl OutboundKind {
    fn as_str(self) -> &'static str {
        match self {
            OutboundKind::Reply => "reply",
            OutboundKind::Reminder => "reminder",
            OutboundKind::System => "system",
        }
    }
}

pub(crate) struct Queued {
    pub(crate) id: String,
    pub(crate) duplicate: bool,
    pub(crate) status: String,
}

impl Core {
    pub(crate) async fn queue_outbound(
        &self,
        user_id: &UserId,
        body: &str,
        idempotency_key: &str,
        kind: OutboundKind,
    ) -> Result<Queued, ServiceError> {
        if body.trim().is_empty() {
            return Err(ServiceError::invalid_argument("body: must not be empty"));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(ServiceError::invalid_argument("body: longer than 1600 characters"));
        }
        let mut conn = self.db.conn().await.map_err(unavailable)?;
        let number = store::number_by_user(&mut conn, user_id.as_str())
            .await
            .map_err(unavailable)?
            .ok_or_else(|| ServiceError::not_found("this person has no Nudge number"))?;
        let id = nudge_core::new_id();
        let now = nudge_store::now();
        let segments = count_segments(body).segments;
        let ciphertext = self.keys.encrypt_str(body, OUTBOUND_BODY);
        let inserted = store::insert_outbound(
            &mut conn,
            &store::NewOutbound {
                id: &id,
                idempotency_key,
                user_id: user_id.as_str(),
                kind: kind.as_str(),
                from_number: &number.nudge_number,
                to_number: &number.phone,
                body: &ciphertext,
                status: outbound_status::QUEUED,
                segments: i32::try_from(segments).unwrap_or(i32::MAX),
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .map_err(unavailable)?;
        if !inserted {
            let existing = store::outbound_by_key(&mut conn, idempotency_key)
                .await
                .map_err(unavailable)?
                .ok_or_else(|| ServiceError::internal("idempotency key conflict without a row"))?;
            return Ok(Queued {
                id: existing.id,
                duplicate: true,
                status: existing.status,
            });
        }
        drop(conn);
        metrics::outbound_queued(kind.as_str(), segments);
        if let Err(error) = self.queue.publish(OUTBOUND_QUEUE, id.as_bytes(), None).await {
            // Stored, so not lost: the sweeper publishes it again.
            tracing::warn!(outbound.id = %id, %error, "could not queue an outbound SMS yet");
        }
        tracing::info!(outbound.id = %id, user.id = %user_id, kind = kind.as_str(), segments, "outbound SMS queued");
        Ok(Queued {
            id,
            duplicate: false,
            status: outbound_status::QUEUED.to_owned(),
        })
    }

    /// Sends one queued message; the queue consumer's handler.
    async fn send_outbound(&self, id: &str) -> Result<(), HandlerError> {
        let retry = |e: nudge_store::StoreError| HandlerError::retry(format!("storage: {e}"));
        let mut conn = self.db.conn().await.map_err(retry)?;
        let Some(row) = store::outbound_by_id(&mut conn, id)
            .await
            .map_err(|e| retry(e.into()))?
        else {
            return Err(HandlerError::reject("no such outbound message"));
        };
        if !store::claim_outbound(&mut conn, id, nudge_store::now())
            .await
            .map_err(|e| retry(e.into()))?
        {
            // Sent already, or another delivery of this message is sending it.
            return Ok(());
        }
        drop(conn);
        let body = match self.keys.decrypt_to_string(&row.body, OUTBOUND_BODY) {
            Ok(body) => body,
            Err(error) => {
                let mut conn = self.db.conn().await.map_err(retry)?;
                store::mark_outbound(&mut conn, id, outbound_status::FAILED, None, nudge_store::now())
                    .await
                    .map_err(|e| retry(e.into()))?;
                return Err(HandlerError::reject(format!("cannot decrypt: {error}")));
            }
        };
        let started = Instant::now();
        let sent = self
            .transport
            .send(Outgoing {
                from: &row.from_number,
                to: &row.to_number,
                body: &body,
            })
            .await;
        metrics::send_latency(started.elapsed().as_secs_f64());
        let mut conn = self.db.conn().await.map_err(retry)?;
        let now = nudge_store::now();
        match sent {
            Ok(provider_sid) => {
                store::mark_outbound_sent(&mut conn, id, &provider_sid, now)
                    .await
                    .map_err(|e| retry(e.into()))?;
                metrics::outbound_result("sent");
                tracing::info!(outbound.id = %id, user.id = %row.user_id, "SMS sent");
                Ok(())
            }
            Err(SendError::Temporary {
                http_status,
                code,
                message,
            }) => {
                store::mark_outbound(&mut conn, id, outbound_status::QUEUED, code, now)
                    .await
                    .map_err(|e| retry(e.into()))?;
                metrics::outbound_result("retry");
                Err(HandlerError::retry(format!("{http_status:?} {code:?} {message}")))
            }
            Err(SendError::Refused {
                http_status,
                code,
                message,
            }) => {
                store::mark_outbound(&mut conn, id, outbound_status::FAILED, code, now)
                    .await
                    .map_err(|e| retry(e.into()))?;
                metrics::outbound_result("failed");
                tracing::warn!(outbound.id = %id, http_status, ?code, %message, "SMS refused by the provider");
                Ok(())
            }
        }
    }
}

pub(crate) async fn start_consumer(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<JoinHandle<()>> {
    let queue = core.queue.clone();
    let handler: Handler = Arc::new(move |message: Message| {
        let core = core.clone();
        Box::pin(async move {
            let id = String::from_utf8(message.payload).map_err(|_| HandlerError::reject("payload is not an id"))?;
            core.send_outbound(&id).await
        })
    });
    Ok(queue.consume(OUTBOUND_QUEUE, handler, shutdown).await?)
}

/// Publishes again what the queue lost or what a dead sender left behind.
pub(crate) async fn sweep(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // With an in-process queue, everything queued before this start is lost:
    // the first sweep takes every queued row, however recent.
    let mut stale = if core.queue.is_durable() {
        STALE_QUEUED
    } else {
        TimeDelta::zero()
    };
    loop {
        if let Err(error) = sweep_once(&core, stale).await {
            tracing::warn!(error = format!("{error:#}"), "outbound sweep failed; will try again");
        }
        stale = STALE_QUEUED;
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

async fn sweep_once(core: &Core, stale: TimeDelta) -> anyhow::Result<()> {
    let ids = {
        let mut conn = core.db.conn().await?;
        store::recover_outbound(&mut conn, nudge_store::now(), stale, STUCK_SENDING).await?
    };
    for id in ids {
        tracing::info!(outbound.id = %id, "queueing an outbound SMS again");
        core.queue.publish(OUTBOUND_QUEUE, id.as_bytes(), None).await?;
        let mut conn = core.db.conn().await?;
        store::touch_outbound(&mut conn, &id, nudge_store::now()).await?;
    }
    Ok(())
}
