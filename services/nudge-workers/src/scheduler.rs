//! The scheduler claims due occurrences from the database and publishes them
//! on `reminders.due` (with publisher confirms); the consumer sends each
//! through sms-router, once per occurrence however often it is delivered.
//!
//! An occurrence stays in the database, `queued` with a lease, until it is
//! confirmed sent: if the message is lost (a crash, an in-process queue
//! after kill -9), the lease expires and the scheduler publishes it again.
//!
//! The scheduler sleeps until the earliest scheduled occurrence is due (at
//! most `scheduler.poll_interval_ms`, so other replicas' work and expired
//! leases are seen too), and is woken at once when a reminder is created,
//! changed or snoozed in this process.
//!
//! At send time the consumer applies the person's delivery settings:
//! - an occurrence later than `scheduler.catch_up_window_seconds` (after
//!   downtime) is sent saying it is late, or recorded as missed when the
//!   person chose so; when a later occurrence of a recurring reminder is
//!   also due already, the earlier one is recorded missed instead of sending
//!   a burst of stale reminders;
//! - inside quiet hours, an occurrence of a reminder that is not urgent is
//!   held until the window ends (nags included; an urgent reminder is sent,
//!   and nags, during quiet hours);
//! - after a reminder (or a snooze) goes out, the next nag is scheduled,
//!   and after a nag the next one, up to the person's limit; after a
//!   recurring reminder's own time, its next occurrence.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use nudge_core::Language;
use nudge_proto::sms::{SendSmsRequest, SmsKind};
use nudge_proto::{ErrorCode, ServiceError};
use nudge_queue::{Handler, HandlerError, Message};
use serde::{Deserialize, Serialize};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::people::{Delivery, MissedPolicy};
use crate::state::{Core, REMINDER_BODY};
use crate::store::{self, Completion, NewOccurrence, OccurrenceRow, Outcome, ReminderRow, occurrence_kind};
use crate::store::{occurrence_state, reminder_status};
use crate::{recurrence, texts};

pub(crate) const DUE_QUEUE: &str = "reminders.due";

/// sms-router's status for an SMS to a person who opted out: nothing is sent.
const SUPPRESSED: &str = "suppressed";

/// The shortest pause when occurrences are due but another replica is
/// claiming them right now.
const CONTENDED_PAUSE: Duration = Duration::from_millis(5);

/// The job published for each due occurrence.
#[derive(Debug, Serialize, Deserialize)]
struct DueOccurrence {
    occurrence_id: String,
}

pub(crate) async fn run(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    // With an in-process queue, the messages of a previous run's claims died
    // with it: release those claims first (retried until the database answers).
    let mut orphans_released = core.queue.is_durable();
    let poll = Duration::from_millis(core.scheduler.poll_interval_ms.max(1));
    loop {
        let mut pause = poll;
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
                Ok(claimed) => match until_next_due(&core, poll).await {
                    Ok(Some(wait)) => pause = wait,
                    // Due already: claimed by this round or by another replica right now.
                    Ok(None) if claimed > 0 => continue,
                    Ok(None) => pause = CONTENDED_PAUSE,
                    Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot read the next due time"),
                },
                Err(error) => tracing::warn!(error = format!("{error:#}"), "scheduler round failed; will retry"),
            }
        }
        let wake_at = Utc::now() + TimeDelta::from_std(pause).unwrap_or(TimeDelta::zero());
        core.wakeup.next_look_at(wake_at);
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = core.wakeup.notified() => {}
            () = tokio::time::sleep(pause) => {}
        }
        core.wakeup.looking();
    }
}

/// How long until the earliest scheduled occurrence is due, at most `poll`;
/// `None` when one is due already.
async fn until_next_due(core: &Core, poll: Duration) -> anyhow::Result<Option<Duration>> {
    let earliest = {
        let mut conn = core.db.conn().await?;
        store::earliest_scheduled(&mut conn).await?
    };
    let Some(earliest) = earliest else {
        return Ok(Some(poll));
    };
    let wait = earliest.and_utc() - Utc::now();
    if wait <= TimeDelta::zero() {
        return Ok(None);
    }
    Ok(Some(wait.to_std().map_or(poll, |wait| wait.min(poll))))
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
    // Publish the batch concurrently: each waits for its own confirmation.
    let mut publishing = JoinSet::new();
    for occurrence_id in &claimed {
        let job = serde_json::to_vec(&DueOccurrence {
            occurrence_id: occurrence_id.clone(),
        })?;
        let queue = core.queue.clone();
        let occurrence_id = occurrence_id.clone();
        publishing.spawn(async move {
            let published = queue.publish(DUE_QUEUE, &job, None).await;
            (occurrence_id, published)
        });
    }
    let mut failed = Vec::new();
    let mut last_error = None;
    while let Some(result) = publishing.join_next().await {
        match result {
            Ok((occurrence_id, Ok(()))) => {
                metrics::counter!("nudge_reminders_published_total").increment(1);
                tracing::debug!(occurrence.id = %occurrence_id, "due reminder published");
            }
            Ok((occurrence_id, Err(error))) => {
                tracing::debug!(occurrence.id = %occurrence_id, %error, "could not publish a due reminder");
                failed.push(occurrence_id);
                last_error = Some(error);
            }
            // The lease brings it back.
            Err(error) => tracing::warn!(%error, "a publish task failed"),
        }
    }
    if let Some(error) = last_error {
        let mut conn = core.db.conn().await?;
        for occurrence_id in &failed {
            store::release_claim(&mut conn, occurrence_id).await?;
        }
        // An error, not a full batch: the next round waits a poll interval
        // instead of claiming again at once while the broker is away.
        anyhow::bail!(
            "{} of {} due reminders not published, released for the next round: {error}",
            failed.len(),
            claimed.len()
        );
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

fn storage(error: &dyn std::fmt::Display) -> HandlerError {
    HandlerError::unavailable(format!("storage: {error}"))
}

/// What to do with a claimed occurrence, decided from the clock, the
/// person's settings and the reminder (pure, see the tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Send it; `late` says it is late (it mentions when it was due).
    Send { late: bool },
    /// Do not send it; record it missed (and continue a recurring reminder).
    Miss,
    /// A later occurrence of the same rule is due already: record this one
    /// missed and go on with `next`.
    Supersede { next: DateTime<Utc> },
    /// Inside quiet hours: send it at `until`.
    Hold { until: DateTime<Utc>, late: bool },
}

pub(crate) struct Situation<'a> {
    pub(crate) now: DateTime<Utc>,
    pub(crate) catch_up_window: TimeDelta,
    pub(crate) delivery: &'a Delivery,
    pub(crate) reminder_tz: chrono_tz::Tz,
    pub(crate) urgent: bool,
    /// Its own time (due or snooze), not a nag.
    pub(crate) firing: bool,
    pub(crate) due_at: DateTime<Utc>,
    pub(crate) already_late: bool,
    /// For a recurring reminder's own time: the next occurrence of its rule.
    pub(crate) next_of_rule: Option<DateTime<Utc>>,
}

pub(crate) fn decide(situation: &Situation<'_>) -> Decision {
    let overdue = situation.now - situation.due_at > situation.catch_up_window;
    if overdue
        && situation.firing
        && let Some(next) = situation.next_of_rule
        && next <= situation.now
    {
        return Decision::Supersede { next };
    }
    if overdue && situation.delivery.missed_policy == MissedPolicy::RecordMissed {
        return Decision::Miss;
    }
    let late = situation.already_late || overdue;
    if !situation.urgent
        && let Some(until) = situation.delivery.quiet_until(situation.now, situation.reminder_tz)
    {
        return Decision::Hold { until, late };
    }
    Decision::Send { late }
}

/// The next occurrence of a recurring reminder after `occurrence` (its own
/// time, before any hold), if the reminder recurs.
pub(crate) fn next_of_rule(
    reminder: &ReminderRow,
    occurrence: &OccurrenceRow,
    tz: chrono_tz::Tz,
) -> Option<DateTime<Utc>> {
    let rule = reminder.recurrence()?;
    if occurrence.kind != occurrence_kind::DUE {
        return None;
    }
    let dtstart = reminder.dtstart.unwrap_or(occurrence.nominal_due_at()).and_utc();
    match recurrence::next_after(rule, dtstart, tz, occurrence.nominal_due_at().and_utc()) {
        Ok(next) => next,
        Err(error) => {
            tracing::error!(reminder.id = %reminder.id, %error, "cannot expand the reminder's rule; it stops recurring");
            None
        }
    }
}

fn new_occurrence(kind: &'static str, at: DateTime<Utc>) -> NewOccurrence {
    NewOccurrence {
        id: nudge_core::new_id(),
        kind,
        due_at: nudge_store::to_utc(at),
        held_from: None,
    }
}

/// Sends one due occurrence; safe to run twice for the same one.
async fn send_occurrence(core: &Core, occurrence_id: &str) -> Result<(), HandlerError> {
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
    let finished = reminder_status::FINISHED.contains(&reminder.status.as_str());
    let stale_nag = occurrence.kind == occurrence_kind::NAG && reminder.status != reminder_status::SENT;
    if finished || stale_nag {
        store::cancel_occurrence(&mut conn, occurrence_id)
            .await
            .map_err(|e| storage(&e))?;
        return Ok(());
    }
    let delivery = Delivery::of(&mut conn, &reminder.user_id)
        .await
        .map_err(|e| storage(&e))?;
    let timezone: chrono_tz::Tz = reminder.timezone.parse().unwrap_or(chrono_tz::UTC);
    let firing = occurrence.kind != occurrence_kind::NAG;
    let next_due = next_of_rule(&reminder, &occurrence, timezone);
    let now = Utc::now();
    let decision = decide(&Situation {
        now,
        catch_up_window: core.catch_up_window,
        delivery: &delivery,
        reminder_tz: timezone,
        urgent: reminder.urgent,
        firing,
        due_at: occurrence.due_at.and_utc(),
        already_late: occurrence.late,
        next_of_rule: next_due,
    });
    let late = match decision {
        Decision::Send { late } => late,
        Decision::Hold { until, late } => {
            let until = nudge_store::to_utc(until);
            store::hold_occurrence(&mut conn, &occurrence, until, late)
                .await
                .map_err(|e| storage(&e))?;
            core.wakeup.scheduled_at(until);
            metrics::counter!("nudge_reminders_held_total").increment(1);
            tracing::info!(occurrence.id = %occurrence_id, reminder.id = %reminder.id, kind = %occurrence.kind, "held for quiet hours");
            return Ok(());
        }
        Decision::Miss | Decision::Supersede { .. } => {
            let next_due = match decision {
                Decision::Supersede { next } => Some(next),
                _ => next_due,
            };
            let completion = Completion {
                occurrence: &occurrence,
                reminder: &reminder,
                outcome: Outcome::Missed,
                next_due: next_due.map(|at| new_occurrence(occurrence_kind::DUE, at)),
                next_nag: None,
                now: nudge_store::now(),
            };
            let recorded = store::complete_occurrence(&mut conn, &completion)
                .await
                .map_err(|e| storage(&e))?;
            if recorded {
                if let Some(at) = completion.earliest_next() {
                    core.wakeup.scheduled_at(at);
                }
                metrics::counter!("nudge_reminders_missed_total", "kind" => occurrence.kind.clone()).increment(1);
                tracing::info!(occurrence.id = %occurrence_id, reminder.id = %reminder.id, kind = %occurrence.kind, "recorded as missed");
            }
            return Ok(());
        }
    };
    let reader = core
        .keys
        .for_reading(&mut conn, &reminder.user_id)
        .await
        .map_err(|e| storage(&e))?;
    drop(conn);
    let what = reader
        .decrypt_to_string(&reminder.body, REMINDER_BODY)
        .map_err(|e| HandlerError::reject(format!("cannot decrypt the reminder: {e}")))?;
    let language: Language = reminder.language.parse().unwrap_or(Language::En);
    let body = if firing {
        let due_local = occurrence.nominal_due_at().and_utc().with_timezone(&timezone);
        texts::reminder(language, &what, late.then_some(&due_local))
    } else {
        texts::nag(language, &what)
    };
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
        Err(error) if error.code == ErrorCode::Unavailable => {
            return Err(HandlerError::unavailable(format!("sms-router: {error}")));
        }
        Err(error) => return Err(HandlerError::retry(format!("sms-router: {error}"))),
    };
    let sent_at = Utc::now();
    let nags_after = if firing {
        0
    } else {
        u32::try_from(reminder.nags_sent).unwrap_or(0).saturating_add(1)
    };
    // A person who opted out (STOP) gets nothing: no point nagging them.
    let suppressed = sent.status == SUPPRESSED;
    let next_nag = delivery
        .next_nag(sent_at, nags_after)
        .filter(|_| !suppressed)
        .map(|at| new_occurrence(occurrence_kind::NAG, at));
    let mut conn = core.db.conn().await.map_err(|e| storage(&e))?;
    let completion = Completion {
        occurrence: &occurrence,
        reminder: &reminder,
        outcome: Outcome::Sent {
            outbound_id: &sent.outbound_id,
            late,
        },
        next_due: next_due.map(|at| new_occurrence(occurrence_kind::DUE, at)),
        next_nag,
        now: nudge_store::to_utc(sent_at),
    };
    let recorded = store::complete_occurrence(&mut conn, &completion)
        .await
        .map_err(|e| storage(&e))?;
    if recorded && let Some(at) = completion.earliest_next() {
        core.wakeup.scheduled_at(at);
    }
    let lateness = (sent_at - occurrence.due_at.and_utc()).num_milliseconds().max(0) as f64 / 1000.0;
    metrics::histogram!("nudge_reminder_lateness_seconds").record(lateness);
    metrics::counter!(
        "nudge_reminders_sent_total",
        "late" => if late { "true" } else { "false" },
        "kind" => occurrence.kind.clone()
    )
    .increment(1);
    tracing::info!(occurrence.id = %occurrence_id, reminder.id = %reminder.id, kind = %occurrence.kind, late, "reminder sent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::Montreal;

    use super::*;
    use crate::quiet::QuietHours;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    fn situation<'a>(delivery: &'a Delivery, now: &str, due_at: &str) -> Situation<'a> {
        Situation {
            now: utc(now),
            catch_up_window: TimeDelta::minutes(15),
            delivery,
            reminder_tz: Montreal,
            urgent: false,
            firing: true,
            due_at: utc(due_at),
            already_late: false,
            next_of_rule: None,
        }
    }

    #[test]
    fn on_time_is_sent() {
        let delivery = Delivery::default();
        let on_time = situation(&delivery, "2026-05-01T12:00:01Z", "2026-05-01T12:00:00Z");
        assert_eq!(decide(&on_time), Decision::Send { late: false });
        // Within the catch-up window: not late.
        let a_bit_late = situation(&delivery, "2026-05-01T12:14:00Z", "2026-05-01T12:00:00Z");
        assert_eq!(decide(&a_bit_late), Decision::Send { late: false });
    }

    #[test]
    fn after_downtime_sent_late_or_missed_by_policy() {
        let send_late = Delivery::default();
        let late = situation(&send_late, "2026-05-01T13:00:00Z", "2026-05-01T12:00:00Z");
        assert_eq!(decide(&late), Decision::Send { late: true });
        let record = Delivery {
            missed_policy: MissedPolicy::RecordMissed,
            ..Delivery::default()
        };
        let missed = situation(&record, "2026-05-01T13:00:00Z", "2026-05-01T12:00:00Z");
        assert_eq!(decide(&missed), Decision::Miss);
    }

    #[test]
    fn a_stale_occurrence_of_a_rule_gives_way_to_the_next_one_due() {
        let delivery = Delivery::default();
        let mut hourly = situation(&delivery, "2026-05-01T15:30:00Z", "2026-05-01T12:00:00Z");
        hourly.next_of_rule = Some(utc("2026-05-01T13:00:00Z"));
        assert_eq!(
            decide(&hourly),
            Decision::Supersede {
                next: utc("2026-05-01T13:00:00Z")
            }
        );
        // The last one past due is sent (late), not skipped.
        hourly.due_at = utc("2026-05-01T15:00:00Z");
        hourly.next_of_rule = Some(utc("2026-05-01T16:00:00Z"));
        assert_eq!(decide(&hourly), Decision::Send { late: true });
    }

    #[test]
    fn quiet_hours_hold_all_but_urgent_ones() {
        let delivery = Delivery {
            timezone: Some(Montreal),
            quiet_hours: Some(QuietHours::new(22 * 60, 7 * 60).expect("valid")),
            ..Delivery::default()
        };
        // 23:00 EDT.
        let mut night = situation(&delivery, "2026-05-02T03:00:00Z", "2026-05-02T03:00:00Z");
        assert_eq!(
            decide(&night),
            Decision::Hold {
                until: utc("2026-05-02T11:00:00Z"),
                late: false
            }
        );
        night.firing = false;
        assert!(matches!(decide(&night), Decision::Hold { .. }), "nags are held too");
        night.urgent = true;
        assert_eq!(decide(&night), Decision::Send { late: false }, "urgent nags go out");
        night.firing = true;
        assert_eq!(decide(&night), Decision::Send { late: false });
        // Late and held: still says late when it goes out.
        let mut late_night = situation(&delivery, "2026-05-02T03:00:00Z", "2026-05-02T01:00:00Z");
        late_night.urgent = false;
        assert_eq!(
            decide(&late_night),
            Decision::Hold {
                until: utc("2026-05-02T11:00:00Z"),
                late: true
            }
        );
        // Held at 07:00 after being late: sent late.
        let mut morning = situation(&delivery, "2026-05-02T11:00:00Z", "2026-05-02T11:00:00Z");
        morning.already_late = true;
        assert_eq!(decide(&morning), Decision::Send { late: true });
    }
}
