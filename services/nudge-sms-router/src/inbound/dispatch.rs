//! Hands stored inbound messages to the agent: oldest first, one at a time
//! per person, even with several sms-router replicas (a per-person lock in
//! the cache). A message the agent could not take is retried with backoff and
//! holds back that person's later messages, so their order is kept.
//!
//! A new message wakes the dispatcher for its person only; every
//! `sms.dispatch_interval_ms` it also looks for everyone with a message due
//! (retries, messages stored by other replicas).

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use nudge_proto::agent::HandleInboundRequest;
use nudge_proto::{ErrorCode, ServiceError};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::store;
use crate::store::inbound_status;
use crate::{Core, INBOUND_BODY, metrics};

/// People served at once by one replica.
const PEOPLE_AT_ONCE: usize = 8;
/// How long a person's lock lives if its holder dies.
const LOCK_TTL: Duration = Duration::from_secs(60);
/// Longest wait between two attempts to hand over a message.
const MAX_BACKOFF_SECONDS: i64 = 300;

/// Asks the dispatcher to serve `user_id` now.
pub(crate) fn wake(core: &Core, user_id: &str) {
    let backing_off = core
        .backing_off
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(user_id)
        .is_some_and(|until| *until > Instant::now());
    if backing_off {
        // Their oldest message waits for a retry; this one waits behind it.
        return;
    }
    core.arrived
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(user_id.to_owned());
    core.inbound_arrived.notify_one();
}

pub(crate) async fn run(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut next_round = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = core.inbound_arrived.notified() => {}
            () = tokio::time::sleep_until(next_round) => {}
        }
        let arrived: Vec<String> = std::mem::take(&mut *core.arrived.lock().unwrap_or_else(PoisonError::into_inner))
            .into_iter()
            .collect();
        if !arrived.is_empty()
            && let Err(error) = serve_people(&core, arrived, &shutdown).await
        {
            tracing::warn!(error = format!("{error:#}"), "inbound dispatch failed");
        }
        if tokio::time::Instant::now() < next_round {
            continue;
        }
        // Everyone due: drain, then wait again.
        loop {
            match dispatch_round(&core, &shutdown).await {
                Ok(0) => break,
                Ok(_) if shutdown.is_cancelled() => return Ok(()),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "inbound dispatch round failed");
                    break;
                }
            }
        }
        next_round = tokio::time::Instant::now() + core.dispatch_interval;
    }
}

/// Serves every person with a message due; returns how many messages were handed over.
async fn dispatch_round(core: &Arc<Core>, shutdown: &CancellationToken) -> anyhow::Result<usize> {
    let users = {
        let mut conn = core.db.conn().await?;
        store::users_with_pending_inbound(&mut conn, nudge_store::now(), 100).await?
    };
    serve_people(core, users, shutdown).await
}

async fn serve_people(core: &Arc<Core>, users: Vec<String>, shutdown: &CancellationToken) -> anyhow::Result<usize> {
    let mut handed_over = 0;
    let mut people = JoinSet::new();
    for user_id in users {
        if people.len() >= PEOPLE_AT_ONCE
            && let Some(done) = people.join_next().await
        {
            handed_over += done??;
        }
        let (core, shutdown) = (core.clone(), shutdown.clone());
        people.spawn(async move { serve_person(&core, &user_id, &shutdown).await });
    }
    while let Some(done) = people.join_next().await {
        handed_over += done??;
    }
    Ok(handed_over)
}

async fn serve_person(core: &Core, user_id: &str, shutdown: &CancellationToken) -> anyhow::Result<usize> {
    let lock_key = format!("sms:inbound:{user_id}");
    let Some(lock) = core.cache.try_lock(&lock_key, LOCK_TTL).await? else {
        return Ok(0); // Another replica is serving this person.
    };
    let result = serve_locked(core, user_id, shutdown).await;
    if let Err(error) = core.cache.unlock(lock).await {
        tracing::warn!(%error, "could not release an inbound lock; it will expire");
    }
    result
}

async fn serve_locked(core: &Core, user_id: &str, shutdown: &CancellationToken) -> anyhow::Result<usize> {
    let mut handed_over = 0;
    while !shutdown.is_cancelled() {
        let mut conn = core.db.conn().await?;
        let Some(message) = store::oldest_pending_inbound(&mut conn, user_id).await? else {
            break;
        };
        let now = nudge_store::now();
        if message.next_attempt_at > now {
            // Waiting for a retry; later messages wait behind it.
            let until = (message.next_attempt_at - now).to_std().unwrap_or_default();
            core.backing_off
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(user_id.to_owned(), Instant::now() + until);
            break;
        }
        let reader = core.keys.for_reading(&mut conn, user_id).await?;
        let body = match reader.decrypt_to_string(&message.body, INBOUND_BODY) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(inbound.id = %message.id, %error, "cannot decrypt an inbound message");
                store::finish_inbound(&mut conn, &message.id, inbound_status::FAILED, now).await?;
                metrics::dispatched("undecryptable");
                continue;
            }
        };
        drop(conn); // Do not hold a connection across the call to the agent.
        let request = HandleInboundRequest {
            user_id: user_id.to_owned(),
            message_id: message.id.clone(),
            body,
            received_at: Some(nudge_proto::time::to_timestamp(message.received_at.and_utc())),
        };
        let outcome = core.agent.clone().handle_inbound(request).await;
        let mut conn = core.db.conn().await?;
        match outcome {
            Ok(_) => {
                core.backing_off
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(user_id);
                store::finish_inbound(&mut conn, &message.id, inbound_status::DISPATCHED, nudge_store::now()).await?;
                metrics::dispatched("handled");
                handed_over += 1;
            }
            Err(status) => {
                let error = ServiceError::from(status);
                if matches!(error.code, ErrorCode::InvalidArgument | ErrorCode::NotFound) {
                    tracing::error!(inbound.id = %message.id, %error, "the agent refused a message for good");
                    store::finish_inbound(&mut conn, &message.id, inbound_status::FAILED, nudge_store::now()).await?;
                    metrics::dispatched("refused");
                    continue;
                }
                let attempts = message.attempts + 1;
                let backoff = (1_i64 << attempts.clamp(0, 9)).min(MAX_BACKOFF_SECONDS);
                tracing::warn!(inbound.id = %message.id, attempts, %error, "agent unavailable; will retry");
                store::retry_inbound_later(
                    &mut conn,
                    &message.id,
                    attempts,
                    nudge_store::now() + TimeDelta::seconds(backoff),
                )
                .await?;
                core.backing_off.lock().unwrap_or_else(PoisonError::into_inner).insert(
                    user_id.to_owned(),
                    Instant::now() + Duration::from_secs(backoff.unsigned_abs()),
                );
                metrics::dispatched("retry");
                break;
            }
        }
    }
    Ok(handed_over)
}
