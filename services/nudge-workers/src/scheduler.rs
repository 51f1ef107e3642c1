//! The scheduler claims due occurrences from the database and publishes them
//! on `reminders.due` (with publisher confirms); the consumer sends each
//! through sms-router, once per occurrence however often it is delivered.
//!
//! An occurrence stays in the database, `queued` with a lease, until it is
//! confirmed sent: if the message is lost (a crash, an in-process queue
//! after kill -9), the lease expires and the scheduler publishes it again.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use nudge_core::Language;
use nudge_proto::sms::{SendSmsRequest, SmsKind};
use nudge_proto::{ErrorCode, ServiceError};
use nudge_queue::{Handler, HandlerError, Message};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{self, occurrence_state, reminder_status};
use crate::{Core, REMINDER_BODY, texts};

pub(crate) const DUE_QUEUE: &str = "reminders.due";

/// The job published for each due occurrence.
#[derive(Debug, Serialize, Deserialize)]
struct DueOccurrence {
    occurrence_id: String,
}

pub(crate) async fn run(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // With an in-process queue, the messages of a previous run's claims died
    // with it: release those claims first (retried until the database answers).
    let mut orphans_released = core.queue.is_durable();
    loop {
        if !orphans_released {
            match release_orphaned_claims(&core).await {
                Ok(()) => orphans_released = true,
                Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot release earlier claims yet"),
            }
        }
        if orphans_released {
            match claim_and_publish(&core).await {
                // A full batch: there may be more due right now.
                Ok(claimed) if claimed >= core.scheduler.batch_size as usize && !shutdown.is_cancelled() => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(error = format!("{error:#}"), "scheduler round failed; will retry"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = core.reminder_created.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(core.scheduler.poll_interval_ms)) => {}
        }
    }
}

async fn release_orphaned_claims(core: &Core) -> anyhow::Result<()> {
    let mut conn = core.db.conn().await?;
    let orphans = store::expire_all_claims(&mut conn, nudge_store::now()).await?;
    if orphans > 0 {
        tracing::info!(orphans, "publishing again the reminders queued before the last stop");
    }
    Ok(())
}

async fn claim_and_publish(core: &Core) -> anyhow::Result<usize> {
    let now = nudge_store::now();
    let lease = TimeDelta::seconds(i64::try_from(core.scheduler.lease_seconds).unwrap_or(60));
    let claimed = {
        let mut conn = core.db.conn().await?;
        store::claim_due(&mut conn, now, now + lease, i64::from(core.scheduler.batch_size)).await?
    };
    for occurrence_id in &claimed {
        let job = serde_json::to_vec(&DueOccurrence {
            occurrence_id: occurrence_id.clone(),
        })?;
        if let Err(error) = core.queue.publish(DUE_QUEUE, &job, None).await {
            tracing::warn!(occurrence.id = %occurrence_id, %error, "could not publish a due reminder; next round");
            let mut conn = core.db.conn().await?;
            store::release_claim(&mut conn, occurrence_id).await?;
            continue;
        }
        metrics::counter!("nudge_reminders_published_total").increment(1);
        tracing::debug!(occurrence.id = %occurrence_id, "due reminder published");
    }
    Ok(claimed.len())
}

pub(crate) async fn start_consumer(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<JoinHandle<()>> {
    let queue = core.queue.clone();
    let handler: Handler = Arc::new(move |message: Message| {
        let core = core.clone();
        Box::pin(async move {
            let job: DueOccurrence = serde_json::from_slice(&message.payload)
                .map_err(|e| HandlerError::reject(format!("malformed job: {e}")))?;
            send_occurrence(&core, &job.occurrence_id).await
        })
    });
    Ok(queue.consume(DUE_QUEUE, handler, shutdown).await?)
}

/// Sends one due occurrence; safe to run twice for the same one.
async fn send_occurrence(core: &Core, occurrence_id: &str) -> Result<(), HandlerError> {
    let storage = |e: &dyn std::fmt::Display| HandlerError::retry(format!("storage: {e}"));
    let mut conn = core.db.conn().await.map_err(|e| storage(&e))?;
    let Some((occurrence, reminder)) = store::occurrence_with_reminder(&mut conn, occurrence_id)
        .await
        .map_err(|e| storage(&e))?
    else {
        return Err(HandlerError::reject("no such occurrence"));
    };
    if occurrence.state != occurrence_state::QUEUED {
        return Ok(()); // Sent (or cancelled) already: a duplicate delivery.
    }
    if reminder.status == reminder_status::DONE || reminder.status == reminder_status::CANCELLED {
        store::cancel_occurrence(&mut conn, occurrence_id)
            .await
            .map_err(|e| storage(&e))?;
        return Ok(());
    }
    drop(conn);
    let what = core
        .keys
        .decrypt_to_string(&reminder.body, REMINDER_BODY)
        .map_err(|e| HandlerError::reject(format!("cannot decrypt the reminder: {e}")))?;
    let language: Language = reminder.language.parse().unwrap_or(Language::En);
    let timezone: chrono_tz::Tz = reminder.timezone.parse().unwrap_or(chrono_tz::UTC);
    let due_at = occurrence.due_at.and_utc();
    let late_by = Utc::now() - due_at;
    let late = late_by > core.catch_up_window;
    let due_local = due_at.with_timezone(&timezone);
    let body = texts::reminder(language, &what, late.then_some(&due_local));
    let sent = core
        .sms
        .clone()
        .send_sms(SendSmsRequest {
            user_id: reminder.user_id.clone(),
            body,
            idempotency_key: format!("occurrence:{occurrence_id}"),
            kind: SmsKind::Reminder.into(),
        })
        .await
        .map_err(ServiceError::from);
    let sent = match sent {
        Ok(response) => response.into_inner(),
        Err(error) if matches!(error.code, ErrorCode::InvalidArgument | ErrorCode::NotFound) => {
            return Err(HandlerError::reject(format!(
                "sms-router refused the reminder: {error}"
            )));
        }
        Err(error) => return Err(HandlerError::retry(format!("sms-router: {error}"))),
    };
    let mut conn = core.db.conn().await.map_err(|e| storage(&e))?;
    store::mark_sent(
        &mut conn,
        &occurrence,
        &reminder.id,
        &sent.outbound_id,
        late,
        nudge_store::now(),
    )
    .await
    .map_err(|e| storage(&e))?;
    let lateness = late_by.num_milliseconds().max(0) as f64 / 1000.0;
    metrics::histogram!("nudge_reminder_lateness_seconds").record(lateness);
    metrics::counter!("nudge_reminders_sent_total", "late" => if late { "true" } else { "false" }).increment(1);
    tracing::info!(occurrence.id = %occurrence_id, reminder.id = %reminder.id, late, "reminder sent");
    Ok(())
}
