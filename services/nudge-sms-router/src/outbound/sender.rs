//! The paced sender: claims due rows of `sms_outbound` with a lease and
//! sends them, each number's SMS one at a time and in order; the sweeper
//! gives back the claims of senders that died (see the parent module).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use rand::Rng as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::store::{self, ClaimCursor, ClaimRound, Claimed, Requeue};
use super::{OutboundKind, SCHEDULE_TTL, instant_not_before, micros_now, pace_key, paced, segment_micros};
use crate::compliance::store::opted_out;
use crate::error::RouterError;
use crate::state::{Core, OUTBOUND_BODY};
use crate::store::{outbound_status, phones};
use crate::transport::{Outgoing, SendError};
use crate::{compliance, metrics};

/// The sender looks at the queue at least this often.
const IDLE: Duration = Duration::from_secs(5);
/// Rows are due but none could be claimed (their number is busy): look again after this.
const BUSY_POLL: Duration = Duration::from_millis(250);
/// How often claims are checked for senders that died.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// How often the queue depth is measured (every this many sweeps).
const DEPTH_EVERY_SWEEPS: u32 = 5;
/// A row in `sending` without a lease was put there by Twilio's status
/// callback ("sending") while it waited in the queue to be reconciled, not by
/// a claim: no sender has it, and it holds its number's later rows back.
/// Untouched for this long, it goes back to the queue to be reconciled.
const SENDING_WITHOUT_LEASE: TimeDelta = TimeDelta::minutes(2);

/// The delay before attempt `attempts + 1`: full jitter, uniform in
/// [0, min(max, base * 2^(attempts - 1))].
pub(crate) fn backoff(attempts: i32, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let ceiling = base.saturating_mul(2_u32.saturating_pow(exponent)).min(max);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

/// How long the whole account waits after Twilio said "too many requests"
/// without a `Retry-After`.
const THROTTLED: Duration = Duration::from_secs(1);

/// How soon an SMS held for a STOP still in the spool is looked at again.
const SPOOLED_STOP_RECHECK: TimeDelta = TimeDelta::seconds(1);

/// Whether `phone` has a STOP waiting in the spool (distributed mode only).
/// With the cache away the SMS is sent as before: holding every SMS while
/// Redis is down would trade a rare gap for an outage of sending.
async fn stop_in_spool(core: &Core, phone: &str) -> bool {
    if !core.spool.is_on() {
        return false;
    }
    match crate::spool::opt_outs::waiting(&core.cache, core.keys.ring(), phone).await {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::debug!(%error, "cannot read the spooled STOPs; sending");
            false
        }
    }
}

/// Twilio's answer for the whole account: "too many requests" (429, 20429)
/// or "unavailable, come back after" (5xx with `Retry-After`). While it
/// holds, the replica claims nothing: its rows stay queued, in order.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    /// Microseconds since the epoch until which nothing is sent.
    until: AtomicI64,
}

impl Throttle {
    /// Sends nothing before `until` (microseconds since the epoch); never shortens a pause.
    /// Pauses the account's sending for `wait` from now (never shortens a pause).
    fn pause_for(&self, wait: Duration) {
        let until = micros_now().saturating_add(i64::try_from(wait.as_micros()).unwrap_or(i64::MAX));
        self.until.fetch_max(until, Ordering::Relaxed);
    }

    /// How long the account still waits, if it does.
    fn remaining(&self) -> Option<Duration> {
        let left = self.until.load(Ordering::Relaxed).saturating_sub(micros_now());
        (left > 0).then(|| Duration::from_micros(u64::try_from(left).unwrap_or(0)))
    }
}

/// How long a claim lasts without being renewed (`sms.send_lease_seconds`).
fn lease_length(core: &Core) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(core.sms.send_lease_seconds).unwrap_or(10))
}

/// The rows this replica is sending now. While a row is here its claim is
/// renewed (`renew_leases`), so a claim outlives its lease only when its
/// sender is gone: a replica killed mid-send leaves claims that expire
/// within one lease (`sms.send_lease_seconds`), and the sweeper gives them
/// back to be reconciled, however long a send may take.
#[derive(Debug, Default)]
struct InFlight(std::sync::Mutex<HashSet<String>>);

impl InFlight {
    fn ids(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Registers `id` until the returned guard is dropped.
    fn hold(self: &Arc<Self>, id: &str) -> Sending {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned());
        Sending {
            rows: self.clone(),
            id: id.to_owned(),
        }
    }
}

/// One row in [`InFlight`], for as long as its sender has it.
struct Sending {
    rows: Arc<InFlight>,
    id: String,
}

impl Drop for Sending {
    fn drop(&mut self) {
        self.rows
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// Renews the claims of the rows in flight, four times per lease, until
/// `stop` (after the last send ended).
async fn renew_leases(core: Arc<Core>, rows: Arc<InFlight>, stop: CancellationToken) {
    let lease = lease_length(&core);
    let every = (lease / 4)
        .to_std()
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_secs(1));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let ids = rows.ids();
        if ids.is_empty() {
            continue;
        }
        let renewed = match core.db.conn().await {
            Ok(mut conn) => store::renew_leases(&mut conn, &ids, nudge_store::now() + lease)
                .await
                .map_err(RouterError::from),
            Err(error) => Err(RouterError::from(error)),
        };
        if let Err(error) = renewed {
            tracing::warn!(%error, in_flight = ids.len(), "cannot renew the claims of SMS being sent; will try again");
        }
    }
}

/// Claims what is due, as many rows as there are free senders, going on from `cursor`.
async fn claim(core: &Core, cursor: &mut ClaimCursor, limit: usize) -> Result<ClaimRound, RouterError> {
    let now = nudge_store::now();
    let lease = now + lease_length(core);
    let started = Instant::now();
    let mut conn = core.db.conn().await?;
    let round = store::claim_due(&mut conn, cursor, now, lease, i64::try_from(limit).unwrap_or(1)).await?;
    metrics::sender_stage("claim", started.elapsed().as_secs_f64());
    Ok(round)
}

/// How long the sender may sleep: until the earliest queued row is due.
async fn idle_for(core: &Core) -> Result<Duration, RouterError> {
    let mut conn = core.db.conn().await?;
    let next = store::next_send_after(&mut conn).await?;
    let now = nudge_store::now();
    Ok(match next {
        None => IDLE,
        Some(at) if at > now => (at - now).to_std().unwrap_or(IDLE).min(IDLE),
        // Due but not claimable: their number is busy (its send ending wakes
        // the sender), or every sender is. Wake exactly when a row held to
        // its number's pace becomes due, and look again soon anyway.
        Some(_) => match store::next_send_after_from(&mut conn, now).await? {
            Some(at) => (at - now).to_std().unwrap_or(BUSY_POLL).min(BUSY_POLL),
            None => BUSY_POLL,
        },
    })
}

async fn send_claimed(
    core: Arc<Core>,
    throttle: Arc<Throttle>,
    row: Claimed,
    permit: OwnedSemaphorePermit,
    _sending: Sending,
) {
    let result = attempt(&core, &throttle, &row).await;
    // The permit is free before the claim loop is told: it claims for it at once.
    // Never asleep holding one either (below, the row stays claimed: its number waits).
    drop(permit);
    core.outbound_done.notify_one();
    if let Err(error) = result {
        // The SMS may or may not have gone: back to the queue, to be reconciled first.
        tracing::warn!(outbound.id = %row.id, %error, "an SMS attempt could not be recorded");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let requeued = match core.db.conn().await {
            Ok(mut conn) => {
                let now = nudge_store::now();
                let later = now + retry_delay(&core, row.attempts);
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
                .map_err(RouterError::from)
            }
            Err(error) => Err(RouterError::from(error)),
        };
        if let Err(error) = requeued {
            tracing::warn!(outbound.id = %row.id, %error, "cannot requeue an SMS; its claim will expire");
        }
        core.outbound_done.notify_one();
    }
}

/// One attempt at one claimed row. It never sleeps: a row whose number may
/// not send yet goes back to the queue, due when it may.
async fn attempt(core: &Core, throttle: &Throttle, row: &Claimed) -> Result<(), RouterError> {
    let mut stage = Instant::now();
    let mut conn = core.db.conn().await?;
    let reader = core.keys.for_reading(&mut conn, &row.user_id).await?;
    let opened = reader.decrypt_to_string(&row.body, OUTBOUND_BODY).and_then(|body| {
        let to = phones::open(
            &reader,
            row.to_sealed.as_deref(),
            &row.to_index,
            &phones::outbound_context(&row.id),
        )?;
        Ok((body, to))
    });
    let (body, to) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            tracing::error!(outbound.id = %row.id, %error, "cannot decrypt an outbound SMS");
            store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, None, nudge_store::now()).await?;
            metrics::message("outbound", "failed");
            return Ok(());
        }
    };
    if row.kind != OutboundKind::Compliance.as_str() && opted_out(&mut conn, &row.user_id).await? {
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
    if row.kind != OutboundKind::Compliance.as_str() && stop_in_spool(core, &to).await {
        // Held until the drain stores the STOP; the opt-out then suppresses it.
        let now = nudge_store::now();
        store::requeue(&mut conn, row, &Requeue::untried(now + SPOOLED_STOP_RECHECK, now)).await?;
        metrics::message("outbound", "held_for_spooled_stop");
        tracing::info!(outbound.id = %row.id, user.id = %row.user_id, "held: the person's STOP is still in the spool");
        return Ok(());
    }
    drop(conn);
    let max_attempts = i32::try_from(core.sms.send_max_attempts).unwrap_or(i32::MAX);
    if let Some(since) = row.reconcile_since {
        match core.transport.find_sent(&row.from_number, &to, &body, since).await {
            Ok(found) if !found.is_empty() => {
                // Another SMS with the same words may be among them, already
                // recorded on its own row: only a sid no other row holds is
                // this one (otherwise it did not go, and is sent now).
                let mut conn = core.db.conn().await?;
                let taken = store::sids_held_by_others(&mut conn, &found, &row.id).await?;
                if let Some(sid) = found.iter().find(|sid| !taken.contains(*sid)) {
                    store::mark_sent(&mut conn, &row.id, sid, nudge_store::now()).await?;
                    metrics::message("outbound", "sent");
                    tracing::info!(outbound.id = %row.id, "reconciled: Twilio had the SMS already; not sent again");
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(outbound.id = %row.id, %error, "cannot check Twilio's messages; will retry");
                let later = nudge_store::now() + retry_delay(core, row.attempts);
                let mut conn = core.db.conn().await?;
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
        let mut conn = core.db.conn().await?;
        store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, None, nudge_store::now()).await?;
        metrics::message("outbound", "failed");
        tracing::warn!(outbound.id = %row.id, attempts = row.attempts, "SMS given up after its last attempt");
        return Ok(());
    }

    // The number's pace, measured at Twilio: the claim saw the row due, and
    // the row was held back to the number's last send (`record_sent`), so the
    // slot is normally free now; if something else of this number took it (a
    // stranger's reply, a replica's clock), the row waits in the queue, not here.
    metrics::sender_stage("prepare", stage.elapsed().as_secs_f64());
    stage = Instant::now();
    let segments = u32::try_from(row.segments.max(1)).unwrap_or(1);
    let cost = segment_micros(core, i64::from(segments));
    let key = pace_key(&row.from_number);
    let now = micros_now();
    let start = match core.cache.reserve_slot(&key, now, 0, SCHEDULE_TTL).await {
        Ok(free_from) if free_from > now => Ok(free_from),
        Ok(_) => core.cache.reserve_slot(&key, now, cost, SCHEDULE_TTL).await,
        Err(error) => Err(error),
    };
    match start {
        Ok(start) if start <= now => {}
        Ok(start) => {
            let mut conn = core.db.conn().await?;
            store::requeue(
                &mut conn,
                row,
                &Requeue::untried(instant_not_before(start), nudge_store::now()),
            )
            .await?;
            return Ok(());
        }
        Err(error) => {
            tracing::warn!(outbound.id = %row.id, %error, "cannot pace the number; will try again");
            let mut conn = core.db.conn().await?;
            let later = nudge_store::now() + TimeDelta::seconds(1);
            store::requeue(&mut conn, row, &Requeue::untried(later, nudge_store::now())).await?;
            return Ok(());
        }
    }

    metrics::sender_stage("pace", stage.elapsed().as_secs_f64());
    let callback = format!("{}?o={}", core.status_callback_url, row.id);
    let started = Instant::now();
    let sent = core
        .transport
        .send(Outgoing {
            from: &row.from_number,
            to: &to,
            body: &body,
            status_callback: &callback,
        })
        .await;
    metrics::send_latency(started.elapsed().as_secs_f64());
    metrics::sender_stage("send", started.elapsed().as_secs_f64());
    stage = Instant::now();
    let next_slot = paced(core, &row.from_number, segments).await;

    let mut conn = core.db.conn().await?;
    let now = nudge_store::now();
    match sent {
        Ok(sid) => {
            store::record_sent(&mut conn, row, &sid, next_slot, now).await?;
            metrics::outbound_result("sent");
            metrics::message("outbound", "sent");
            tracing::info!(outbound.id = %row.id, user.id = %row.user_id, attempts = row.attempts, "SMS sent");
        }
        Err(SendError::Temporary {
            http_status,
            code,
            message,
            ambiguous,
            retry_after,
        }) if http_status == Some(429) || code == Some(20429) => {
            // The account's rate, not this SMS: everything waits, nothing is
            // given up, the attempt is given back.
            let wait = retry_after.unwrap_or(THROTTLED);
            throttle.pause_for(wait);
            let later = now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::seconds(1));
            let requeue = Requeue {
                send_after: later,
                error_code: code,
                count_attempt: false,
                reconcile: ambiguous,
                now,
            };
            store::requeue(&mut conn, row, &requeue).await?;
            metrics::outbound_result("throttled");
            tracing::warn!(
                outbound.id = %row.id,
                http_status,
                ?code,
                %message,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "Twilio throttles the account; sending paused"
            );
        }
        Err(SendError::Temporary {
            http_status,
            code,
            message,
            ambiguous,
            retry_after,
        }) => {
            if let Some(wait) = retry_after {
                throttle.pause_for(wait);
            }
            if row.attempts >= max_attempts && !ambiguous {
                store::finish_attempt(&mut conn, &row.id, outbound_status::FAILED, code, now).await?;
                metrics::outbound_result("failed");
                metrics::message("outbound", "failed");
                tracing::warn!(outbound.id = %row.id, http_status, ?code, %message, "SMS given up after its last attempt");
            } else {
                let backoff = retry_delay(core, row.attempts);
                let later = now
                    + retry_after
                        .and_then(|w| TimeDelta::from_std(w).ok())
                        .map_or(backoff, |w| w.max(backoff));
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
                compliance::unsubscribed_at_twilio(core, &row.user_id, &row.id).await?;
            }
        }
    }
    metrics::sender_stage("record", stage.elapsed().as_secs_f64());
    Ok(())
}

/// Gives a claim back untried.
async fn release(core: &Core, row: &Claimed) {
    let released = match core.db.conn().await {
        Ok(mut conn) => {
            let now = nudge_store::now();
            store::requeue(&mut conn, row, &Requeue::untried(now, now))
                .await
                .map_err(RouterError::from)
        }
        Err(error) => Err(RouterError::from(error)),
    };
    if let Err(error) = released {
        tracing::warn!(outbound.id = %row.id, %error, "cannot give a claim back; it will expire");
    }
}

fn retry_delay(core: &Core, attempts: i32) -> TimeDelta {
    let delay = backoff(
        attempts,
        Duration::from_millis(core.sms.retry_base_ms),
        Duration::from_millis(core.sms.retry_max_ms),
    );
    TimeDelta::from_std(delay).unwrap_or(TimeDelta::seconds(1))
}

/// The paced sender: claims due rows and sends them, `sms.sender_concurrency` at a time.
pub(crate) async fn run_sender(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // No other replica shares an in-process cache, so no one else is sending:
    // every row left in `sending` lost its sender with the last process.
    let mut stale_claims = core.lone_replica;
    let concurrency = usize::try_from(core.sms.sender_concurrency).unwrap_or(16);
    let permits = Arc::new(Semaphore::new(concurrency));
    let throttle = Arc::new(Throttle::default());
    let mut cursor = ClaimCursor::default();
    let mut in_flight = JoinSet::new();
    let rows = Arc::new(InFlight::default());
    let renewing = CancellationToken::new();
    let renewer = tokio::spawn(renew_leases(core.clone(), rows.clone(), renewing.clone()));
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
        if let Some(paused) = throttle.remaining() {
            wait = paused;
        } else if free > 0 && !stale_claims {
            let from_start = cursor.is_at_start();
            match claim(&core, &mut cursor, free).await {
                Ok(round) => {
                    let claimed = round.claimed.len();
                    for row in round.claimed {
                        match permits.clone().try_acquire_owned() {
                            Ok(permit) => {
                                let sending = rows.hold(&row.id);
                                in_flight.spawn(send_claimed(core.clone(), throttle.clone(), row, permit, sending));
                            }
                            // More than asked for: never leave a claim without a sender.
                            Err(_) => release(&core, &row).await,
                        }
                    }
                    // Numbers not looked at yet this turn: go on at once.
                    wait = if claimed < free && (!round.wrapped || !from_start) {
                        Duration::ZERO
                    } else {
                        match idle_for(&core).await {
                            Ok(wait) => wait,
                            Err(_) => Duration::from_secs(1),
                        }
                    };
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot claim outbound SMS; will try again");
                    wait = Duration::from_secs(1);
                }
            }
        }
        if wait.is_zero() {
            if shutdown.is_cancelled() {
                break;
            }
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = core.outbound_stored.notified() => {}
            () = core.outbound_done.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    // Let the SMS being sent finish (the service's grace period bounds
    // this), their claims renewed until they have.
    while in_flight.join_next().await.is_some() {}
    renewing.cancel();
    if let Err(error) = renewer.await {
        tracing::warn!(%error, "the claim renewer failed");
    }
    Ok(())
}

/// At start-up of a lone replica: claims of the last run go back to the
/// queue (to be reconciled), and each number's pace picks up from its last
/// sends (the in-process cache that held it is gone).
async fn recover_stale_claims(core: &Core) -> Result<usize, RouterError> {
    let mut conn = core.db.conn().await?;
    let now = nudge_store::now();
    let recovered = store::recover_all_sending(&mut conn, now).await?;
    let recent = store::recent_sends(&mut conn, now - TimeDelta::minutes(5)).await?;
    drop(conn);
    for (number, sent_at, segments) in recent {
        let until = sent_at
            .and_utc()
            .timestamp_micros()
            .saturating_add(segment_micros(core, i64::from(segments.max(1))));
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
    let mut sweeps: u32 = 0;
    loop {
        let measure = sweeps.is_multiple_of(DEPTH_EVERY_SWEEPS);
        sweeps = sweeps.wrapping_add(1);
        if let Err(error) = sweep_once(&core, measure).await {
            tracing::warn!(error = format!("{error:#}"), "outbound sweep failed; will try again");
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

async fn sweep_once(core: &Core, measure: bool) -> anyhow::Result<()> {
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
    if !measure {
        return Ok(());
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
}
