//! Reminders asked for by text: creating one, answering the one just sent
//! ("done", "snooze"), listing, cancelling and moving them. The reminders
//! themselves live in workers; every write is keyed on the inbound message
//! id, so handling a message twice (a retry after a failure part-way) does
//! nothing twice. The person's id always comes from the caller (the
//! verified phone pair), never from the text.

use chrono::{DateTime, TimeDelta, Utc};
use nudge_core::{Language, UserId};
use nudge_proto::time::{from_timestamp, to_timestamp};
use nudge_proto::workers::reminder_service_client::ReminderServiceClient;
use nudge_proto::workers::{
    CancelReminderRequest, CreateReminderRequest, ListRemindersRequest, Reminder, ReminderStatus, SnoozeLatestRequest,
    UpdateReminderRequest,
};
use nudge_runtime::TracedChannel;

use crate::engine::ListingKind;
use crate::error::AgentError;
use crate::storage::Storage;
use crate::turn::Turn;
use crate::{describe, listing, replies};

/// How long "snooze" or "plus tard" waits when no time is given.
pub(crate) const DEFAULT_SNOOZE: TimeDelta = TimeDelta::minutes(10);
/// A reminder time this far in the past is refused (clock skew and slow typing are forgiven).
pub(crate) const PAST_TOLERANCE: TimeDelta = TimeDelta::seconds(60);

/// What a feature that schedules needs: workers' reminder service, and the
/// person's storage (lists shown, tasks, steps), built by
/// [`Core::services`](crate::state::Core::services).
pub(crate) struct Services<'a> {
    pub(crate) storage: Storage<'a>,
    pub(crate) workers: &'a ReminderServiceClient<TracedChannel>,
}

/// Creates the reminder `when` says, keyed on `key` (one per reminder of a message).
pub(crate) async fn remind(
    services: &Services<'_>,
    turn: &Turn<'_>,
    when: &nudge_when::When,
    urgent: bool,
    lang: Language,
    key: &str,
) -> Result<String, AgentError> {
    let at = when.at.with_timezone(&Utc);
    if when.rrule.is_none() && at < turn.received_at - PAST_TOLERANCE {
        return Ok(replies::in_the_past(lang));
    }
    let created = services
        .workers
        .clone()
        .create_reminder(CreateReminderRequest {
            user_id: turn.user(),
            text: when.text.clone(),
            due_at: Some(to_timestamp(at)),
            timezone: turn.person.timezone.name().to_owned(),
            language: lang.as_str().to_owned(),
            idempotency_key: key.to_owned(),
            rrule: when.rrule.clone().unwrap_or_default(),
            urgent,
        })
        .await?
        .into_inner();
    if let Some(rrule) = &when.rrule {
        return Ok(replies::recurring_set(
            lang,
            &describe::recurrence(rrule, lang),
            &when.text,
        ));
    }
    let first_send = created
        .first_send_at
        .as_ref()
        .map(|t| from_timestamp(Some(t), "first_send_at"))
        .transpose()?;
    let first_send = first_send.unwrap_or(at);
    let text = replies::when(&turn.local(&first_send), &turn.now(), lang);
    // Held by quiet hours when the first send is later than asked.
    Ok(if first_send > at + TimeDelta::seconds(1) {
        replies::reminder_held(lang, &text, &when.text)
    } else {
        replies::reminder_set(lang, &text, &when.text)
    })
}

/// Snoozes the last reminder sent to `until`; `None` when nothing waits for an answer.
pub(crate) async fn snooze(
    services: &Services<'_>,
    turn: &Turn<'_>,
    until: DateTime<Utc>,
) -> Result<Option<Reminder>, AgentError> {
    if until <= turn.received_at {
        return Ok(None);
    }
    Ok(services
        .workers
        .clone()
        .snooze_latest(SnoozeLatestRequest {
            user_id: turn.user(),
            until: Some(to_timestamp(until)),
            idempotency_key: format!("snooze:{}", turn.message_id),
        })
        .await?
        .into_inner()
        .reminder)
}

/// The answer to a snooze.
pub(crate) fn snoozed(turn: &Turn<'_>, until: DateTime<Utc>, reminder: &Reminder, lang: Language) -> String {
    replies::snoozed(
        lang,
        &replies::when(&turn.local(&until), &turn.now(), lang),
        &reminder.text,
    )
}

/// The person's reminders not yet finished.
pub(crate) async fn open(services: &Services<'_>, turn: &Turn<'_>) -> Result<Vec<Reminder>, AgentError> {
    Ok(services
        .workers
        .clone()
        .list_reminders(ListRemindersRequest {
            user_id: turn.user(),
            include_finished: false,
        })
        .await?
        .into_inner()
        .reminders)
}

/// The open reminders, numbered (and kept as the list shown).
pub(crate) async fn list(services: &Services<'_>, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
    let reminders = open(services, turn).await?;
    if reminders.is_empty() {
        return Ok(replies::no_reminders(lang));
    }
    let now = turn.now();
    let lines: Vec<String> = reminders
        .iter()
        .map(|reminder| {
            let due = reminder
                .due_at
                .as_ref()
                .and_then(|t| from_timestamp(Some(t), "due_at").ok())
                .map(|at| replies::short_when(&turn.local(&at), &now, lang));
            let mut line = match (reminder.rrule.is_empty(), due) {
                (true, Some(due)) => format!("{due} {}", reminder.text),
                (false, _) => format!("{} ({})", reminder.text, describe::recurrence(&reminder.rrule, lang)),
                (true, None) => reminder.text.clone(),
            };
            if reminder.status == i32::from(ReminderStatus::Sent) {
                line.push_str(&format!(" - {}", replies::sent_waiting(lang)));
            } else if reminder.status == i32::from(ReminderStatus::Missed) {
                line.push_str(&format!(" - {}", replies::missed(lang)));
            }
            line
        })
        .collect();
    let ids: Vec<String> = reminders.iter().map(|r| r.id.clone()).collect();
    listing::save(&services.storage, turn, ListingKind::Reminders, &ids).await?;
    Ok(replies::numbered(
        lang,
        &replies::reminders_title(lang),
        &lines,
        &replies::reminders_footer(lang),
    ))
}

/// Cancels one of the person's reminders; returns it as it ends.
pub(crate) async fn cancel(
    services: &Services<'_>,
    turn: &Turn<'_>,
    reminder_id: &str,
) -> Result<Reminder, AgentError> {
    let cancelled = services
        .workers
        .clone()
        .cancel_reminder(CancelReminderRequest {
            user_id: turn.user(),
            reminder_id: reminder_id.to_owned(),
        })
        .await?
        .into_inner();
    cancelled
        .reminder
        .ok_or_else(|| AgentError::Internal("CancelReminder answered without a reminder".to_owned()))
}

/// Cancels a reminder a task carried; one already gone is fine.
pub(crate) async fn cancel_quietly(
    services: &Services<'_>,
    user_id: &UserId,
    reminder_id: &str,
) -> Result<(), AgentError> {
    let request = CancelReminderRequest {
        user_id: user_id.as_str().to_owned(),
        reminder_id: reminder_id.to_owned(),
    };
    match services.workers.clone().cancel_reminder(request).await {
        Ok(_) => Ok(()),
        Err(status) if status.code() == tonic::Code::NotFound => Ok(()),
        Err(status) => Err(status.into()),
    }
}

/// Moves item `item` of the list shown, if it is a reminder, to `when`.
pub(crate) async fn reschedule(
    services: &Services<'_>,
    turn: &Turn<'_>,
    item: usize,
    when: &nudge_when::When,
    lang: Language,
) -> Result<String, AgentError> {
    let at = when.at.with_timezone(&Utc);
    if when.rrule.is_none() && at < turn.received_at - PAST_TOLERANCE {
        return Ok(replies::in_the_past(lang));
    }
    match turn.item(item) {
        Some((ListingKind::Reminders, id)) => {
            let updated = services
                .workers
                .clone()
                .update_reminder(UpdateReminderRequest {
                    user_id: turn.user(),
                    reminder_id: id.to_owned(),
                    text: None,
                    due_at: Some(to_timestamp(at)),
                    rrule: when.rrule.clone(),
                    urgent: None,
                })
                .await?
                .into_inner();
            let text = updated.reminder.map(|r| r.text).unwrap_or_default();
            Ok(replies::rescheduled(
                lang,
                &replies::when(&turn.local(&at), &turn.now(), lang),
                &text,
            ))
        }
        Some((ListingKind::Tasks | ListingKind::Memories, _)) | None => Ok(replies::no_such_item(lang, item)),
    }
}
