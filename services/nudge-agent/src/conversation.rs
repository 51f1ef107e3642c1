//! Carrying out the conversational families the local engine reads
//! (`engine/conversation.rs`): several reminders in one message, a
//! correction of the reminder last created, cancelling a reminder by what
//! it says or its time, and the day's agenda. Their answers are here, with
//! the same rules as `replies.rs` (short, kind, GSM-7 where French allows).

use chrono::{DateTime, Utc};
use nudge_core::Language;
use nudge_proto::time::{from_timestamp, to_timestamp};
use nudge_proto::workers::{Reminder, UpdateReminderRequest};

use crate::engine::{Intent, ListingKind, fold};
use crate::error::AgentError;
use crate::reminders::{self, Services};
use crate::turn::Turn;
use crate::{listing, replies};

fn due(reminder: &Reminder) -> Option<DateTime<Utc>> {
    reminder
        .due_at
        .as_ref()
        .and_then(|t| from_timestamp(Some(t), "due_at").ok())
}

/// Each reminder of a message, keyed apart (`sms:<id>:<n>`), answered together.
pub(crate) async fn several(
    services: &Services<'_>,
    turn: &Turn<'_>,
    parts: &[Intent],
    lang: Language,
) -> Result<String, AgentError> {
    let mut answers = Vec::with_capacity(parts.len());
    for (n, part) in parts.iter().enumerate() {
        if let Intent::Remind { when, urgent } = part {
            let key = format!("sms:{}:{n}", turn.message_id);
            answers.push(reminders::remind(services, turn, when, *urgent, lang, &key).await?);
        }
    }
    Ok(replies::fit(&answers.join("\n")))
}

/// The open one-off reminder created last, if any.
async fn last_created(services: &Services<'_>, turn: &Turn<'_>) -> Result<Option<Reminder>, AgentError> {
    let open = reminders::open(services, turn).await?;
    Ok(open
        .into_iter()
        .filter(|r| r.rrule.is_empty())
        .max_by_key(|r| r.created_at.as_ref().map(|t| (t.seconds, t.nanos))))
}

/// "actually make it 6": the reminder last created, moved.
pub(crate) async fn correct(
    services: &Services<'_>,
    turn: &Turn<'_>,
    when: &nudge_when::When,
    lang: Language,
) -> Result<String, AgentError> {
    let Some(reminder) = last_created(services, turn).await? else {
        return Ok(replies::no_reminders(lang));
    };
    let old = due(&reminder).unwrap_or(turn.received_at);
    let at = crate::engine::corrected(turn.local(&old), when, turn.now()).with_timezone(&Utc);
    if at < turn.received_at {
        return Ok(replies::in_the_past(lang));
    }
    let updated = services
        .workers
        .clone()
        .update_reminder(UpdateReminderRequest {
            user_id: turn.user(),
            reminder_id: reminder.id.clone(),
            text: None,
            due_at: Some(to_timestamp(at)),
            rrule: None,
            urgent: None,
        })
        .await?
        .into_inner();
    let text = updated.reminder.map_or(reminder.text, |r| r.text);
    Ok(replies::rescheduled(
        lang,
        &replies::when(&turn.local(&at), &turn.now(), lang),
        &text,
    ))
}

/// "cancel the dentist one": the one reminder whose text or time matches;
/// several are listed to choose from, none is said.
pub(crate) async fn cancel_matching(
    services: &Services<'_>,
    turn: &Turn<'_>,
    about: &[String],
    at: Option<(u32, u32)>,
    lang: Language,
) -> Result<String, AgentError> {
    if about.is_empty() && at.is_none() {
        return match last_created(services, turn).await? {
            Some(reminder) => {
                let cancelled = reminders::cancel(services, turn, &reminder.id).await?;
                Ok(replies::cancelled(lang, &cancelled.text))
            }
            None => Ok(replies::no_reminders(lang)),
        };
    }
    let open = reminders::open(services, turn).await?;
    let matching: Vec<&Reminder> = open
        .iter()
        .filter(|r| {
            let text = fold(&r.text);
            let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
            let named = about.iter().all(|word| {
                // "dentist" finds "dentiste", "meds" finds "medication": a shared beginning of 4 letters.
                let stem: String = word
                    .chars()
                    .take(5.max(word.chars().count().saturating_sub(2)))
                    .collect();
                words
                    .iter()
                    .any(|w| w.starts_with(stem.as_str()) || (w.len() >= 4 && word.starts_with(w)))
            });
            let timed = at.is_none_or(|(hour, minute)| {
                due(r).is_some_and(|due| {
                    let local = turn.local(&due);
                    chrono::Timelike::hour(&local) == hour && chrono::Timelike::minute(&local) == minute
                })
            });
            named && timed
        })
        .collect();
    match matching.as_slice() {
        [one] => {
            let cancelled = reminders::cancel(services, turn, &one.id).await?;
            Ok(replies::cancelled(lang, &cancelled.text))
        }
        [] => Ok(match lang {
            Language::En => "I don't see a reminder like that. Text LIST to see them all.".to_owned(),
            Language::Fr => "Je ne vois pas de rappel comme ça. Écris RAPPELS pour les voir tous.".to_owned(),
        }),
        several => {
            let now = turn.now();
            let lines: Vec<String> = several
                .iter()
                .map(|r| match due(r) {
                    Some(at) => format!("{} {}", replies::short_when(&turn.local(&at), &now, lang), r.text),
                    None => r.text.clone(),
                })
                .collect();
            let ids: Vec<String> = several.iter().map(|r| r.id.clone()).collect();
            listing::save(&services.storage, turn, ListingKind::Reminders, &ids).await?;
            let title = match lang {
                Language::En => "Which one?",
                Language::Fr => "Lequel ?",
            };
            Ok(replies::numbered(lang, title, &lines, &replies::reminders_footer(lang)))
        }
    }
}

/// "what's on today?": the reminders due today (or tomorrow), numbered.
pub(crate) async fn agenda(
    services: &Services<'_>,
    turn: &Turn<'_>,
    tomorrow: bool,
    lang: Language,
) -> Result<String, AgentError> {
    let now = turn.now();
    let day = if tomorrow {
        now.date_naive().succ_opt().unwrap_or(now.date_naive())
    } else {
        now.date_naive()
    };
    let mut that_day: Vec<(DateTime<chrono_tz::Tz>, Reminder)> = reminders::open(services, turn)
        .await?
        .into_iter()
        .filter_map(|r| due(&r).map(|at| (turn.local(&at), r)))
        .filter(|(at, _)| at.date_naive() == day)
        .collect();
    that_day.sort_by_key(|(at, _)| *at);
    let title = match (lang, tomorrow) {
        (Language::En, false) => "Today:",
        (Language::En, true) => "Tomorrow:",
        (Language::Fr, false) => "Aujourd'hui :",
        (Language::Fr, true) => "Demain :",
    };
    if that_day.is_empty() {
        return Ok(match (lang, tomorrow) {
            (Language::En, false) => "Nothing planned today. Text LIST for all your reminders.".to_owned(),
            (Language::En, true) => "Nothing planned tomorrow. Text LIST for all your reminders.".to_owned(),
            (Language::Fr, false) => "Rien de prévu aujourd'hui. Écris RAPPELS pour tous tes rappels.".to_owned(),
            (Language::Fr, true) => "Rien de prévu demain. Écris RAPPELS pour tous tes rappels.".to_owned(),
        });
    }
    let lines: Vec<String> = that_day
        .iter()
        .map(|(at, r)| format!("{} {}", nudge_core::clock_time(at, lang), r.text))
        .collect();
    let ids: Vec<String> = that_day.iter().map(|(_, r)| r.id.clone()).collect();
    listing::save(&services.storage, turn, ListingKind::Reminders, &ids).await?;
    Ok(replies::numbered(lang, title, &lines, &replies::reminders_footer(lang)))
}
