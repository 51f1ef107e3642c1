//! Stores spooled webhooks once the database is back, each through the same
//! function as a live one (`inbound::receive`, `delivery::apply_delivery_status`).
//!
//! A spooled webhook is delivered to a handler that waits in place while the
//! database is away (checking every 0.1 to 1 s), so it is stored within a
//! second of the database's return, without counting a failed attempt
//! however long the outage. When the database answers and storing still
//! fails, the failure counts as an attempt (`queue.max_attempts`, then the
//! dead-letter queue `<prefix>.sms.spool.dead`, for an operator). A
//! webhook is acknowledged to the broker only once stored: after a crash it
//! is delivered again, and storing it again changes nothing (MessageSid is
//! unique; statuses move forward only).

use std::sync::Arc;
use std::time::Duration;

use nudge_queue::{Handler, HandlerError, Message};
use tokio_util::sync::CancellationToken;

use super::{QUEUE, Spool, SpooledWebhook};
use crate::error::RouterError;
use crate::metrics;
use crate::outbound::store::DeliveryReport;
use crate::state::Core;

/// The longest pause between two checks of the database while it is away.
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// Consumes the spool until `shutdown` (does nothing without a spool).
pub(crate) async fn run(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let Spool::Broker { queue, .. } = &core.spool else {
        return Ok(());
    };
    let queue = queue.clone();
    let handler: Handler = {
        let (core, shutdown) = (core.clone(), shutdown.clone());
        Arc::new(move |message: Message| {
            let (core, shutdown) = (core.clone(), shutdown.clone());
            Box::pin(async move { drain_one(&core, &message.payload, &shutdown).await })
        })
    };
    // The broker may be away at start-up too: keep trying.
    let consumer = loop {
        match queue.consume(QUEUE, handler.clone(), shutdown.clone()).await {
            Ok(consumer) => break consumer,
            Err(error) => {
                tracing::warn!(%error, "cannot consume the webhook spool; retrying in 1 s");
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    };
    consumer.await?;
    Ok(())
}

async fn drain_one(core: &Arc<Core>, payload: &[u8], shutdown: &CancellationToken) -> Result<(), HandlerError> {
    let webhook = core
        .spool
        .open_payload(payload)
        .map_err(|error| HandlerError::reject(error.to_string()))?;
    let kind = webhook.kind();
    let mut pause = Duration::from_millis(100);
    loop {
        match store(core, webhook.clone()).await {
            Ok(outcome) => {
                metrics::spool_drained(kind, outcome);
                return Ok(());
            }
            Err(error) if error.is_storage() && core.db.ping().await.is_err() => {
                // Still away: wait here, without using up an attempt.
                tokio::select! {
                    () = shutdown.cancelled() => {
                        // Left unacknowledged: the broker keeps it for the next replica.
                        return Err(HandlerError::unavailable("the database is unavailable; stopping"));
                    }
                    () = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            Err(RouterError::Invalid(problem)) => return Err(HandlerError::reject(problem)),
            Err(error) => {
                tracing::warn!(kind, %error, "a spooled webhook was not stored");
                return Err(HandlerError::retry(error.to_string()));
            }
        }
    }
}

/// Stores one spooled webhook, as if it had just come; returns the outcome's metric label.
async fn store(core: &Arc<Core>, webhook: SpooledWebhook) -> Result<&'static str, RouterError> {
    if let SpooledWebhook::Status {
        message_sid,
        status,
        error_code,
        outbound_id,
        stranger_id,
    } = &webhook
    {
        crate::outbound::delivery::apply_delivery_status(
            core,
            &DeliveryReport {
                outbound_id: outbound_id.as_deref(),
                stranger_id: stranger_id.as_deref(),
                provider_sid: message_sid,
                status,
                error_code: *error_code,
            },
        )
        .await?;
        return Ok("stored");
    }
    let sms = webhook
        .into_inbound()
        .map_err(|error| RouterError::Invalid(error.to_string()))?
        .ok_or_else(|| RouterError::Internal("not an inbound SMS".to_owned()))?;
    let outcome = crate::inbound::receive(core, &sms).await?;
    if super::opt_outs::is_opt_out(&sms.body)
        && let Err(error) = super::opt_outs::clear(&core.cache, core.keys.ring(), sms.from.as_str()).await
    {
        // The mark then lapses by itself; until then the opt-out, now stored, suppresses.
        tracing::warn!(%error, "the mark of a drained STOP could not be cleared");
    }
    Ok(outcome.as_str())
}
