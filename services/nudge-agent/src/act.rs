//! Carrying out what a message asks: the local engine's intents, each
//! handed to the feature that owns it (reminders, tasks, settings,
//! memory, questions and confirmations). Every write is keyed on the
//! inbound message id, so handling a message twice (a retry after a failure
//! part-way) does nothing twice. The person's id always comes from the
//! caller (the verified phone pair), never from the text.

use nudge_core::Language;
use nudge_proto::workers::AcknowledgeLatestRequest;

use crate::confirm::{self, PendingAction};
use crate::engine::{Intent, ListingKind, Understood};
use crate::error::AgentError;
use crate::reminders::{self, DEFAULT_SNOOZE, Services};
use crate::tasks;
use crate::turn::Turn;
use crate::{clarify, conversation, memory, replies, settings, steps};

/// What carrying out an intent needs: the services a reminder goes through
/// with the person's storage, and the memory feature's context.
pub(crate) struct Context<'a> {
    pub(crate) services: Services<'a>,
    pub(crate) memory: memory::Context<'a>,
}

/// Does what `understood` asks and returns the reply.
pub(crate) async fn act(context: &Context<'_>, turn: &Turn<'_>, understood: &Understood) -> Result<String, AgentError> {
    let services = &context.services;
    let storage = &services.storage;
    let lang = understood.language;
    if !matches!(
        understood.intent,
        Intent::Confirm(_) | Intent::ForgetAll | Intent::CancelAllReminders | Intent::Choose(_)
    ) {
        // A "yes" answers only the question just asked.
        confirm::drop_pending(storage, turn).await?;
    }
    Ok(match &understood.intent {
        Intent::Remind { when, urgent } => {
            let key = format!("sms:{}", turn.message_id);
            reminders::remind(services, turn, when, *urgent, lang, &key).await?
        }
        Intent::Clarify(clarification) => clarify::ask_about_time(storage, turn, clarification, lang).await?,
        Intent::Choose(choice) => clarify::chosen(services, turn, *choice, lang).await?,
        Intent::Several(parts) => conversation::several(services, turn, parts, lang).await?,
        Intent::Correct { when } => conversation::correct(services, turn, when, lang).await?,
        Intent::CancelMatching { about, at } => conversation::cancel_matching(services, turn, about, *at, lang).await?,
        Intent::Agenda { tomorrow } => conversation::agenda(services, turn, *tomorrow, lang).await?,
        Intent::RemindWithoutTime => replies::ask_when(lang),
        Intent::UnclearTime => replies::unclear_time(lang),
        Intent::OnlyTime { at } => match reminders::snooze(services, turn, *at).await? {
            Some(reminder) => reminders::snoozed(turn, *at, &reminder, lang),
            None => replies::ask_what(lang),
        },
        Intent::Done => done(services, turn, lang).await?,
        Intent::Snooze { until } => {
            let until = until.unwrap_or(turn.received_at + DEFAULT_SNOOZE);
            match reminders::snooze(services, turn, until).await? {
                Some(reminder) => reminders::snoozed(turn, until, &reminder, lang),
                None => replies::nothing_to_snooze(lang),
            }
        }
        Intent::ListReminders => reminders::list(services, turn, lang).await?,
        Intent::Cancel { item } => cancel(services, turn, *item, lang).await?,
        Intent::Reschedule { item, when } => match when {
            Some(when) => reminders::reschedule(services, turn, *item, when, lang).await?,
            None => replies::ask_new_time(lang, *item),
        },
        Intent::AddTask { text, due } => tasks::actions::add(services, turn, text, due.as_deref(), lang).await?,
        Intent::ListTasks => tasks::actions::list(storage, turn, lang).await?,
        Intent::Complete { item } => complete_item(services, turn, *item, lang).await?,
        Intent::MoveTask { item, to } => tasks::actions::move_item(storage, turn, *item, *to, lang).await?,
        Intent::SetTimezone(Some(zone)) => settings::set_timezone(services, turn, *zone, lang).await?,
        Intent::SetTimezone(None) => replies::timezone_unknown(lang),
        Intent::SetQuietHours(Some(choice)) => settings::set_quiet_hours(services, turn, *choice, lang).await?,
        Intent::SetQuietHours(None) => replies::quiet_hours_how(lang),
        Intent::SetNag(Some(seconds)) => settings::set_nag(services, turn, *seconds, lang).await?,
        Intent::SetNag(None) => replies::nag_how(lang),
        Intent::SetMissedPolicy(Some(choice)) => settings::set_missed_policy(services, turn, *choice, lang).await?,
        Intent::SetMissedPolicy(None) => replies::missed_how(lang),
        Intent::SetLanguage => settings::set_language(storage, turn, lang).await?,
        Intent::Remember { fact } => memory::remember(&context.memory, turn, fact, lang).await?,
        Intent::Recall { about } => memory::recall(&context.memory, turn, about.as_deref(), lang).await?,
        Intent::Forget(target) => memory::forget(&context.memory, turn, target, lang).await?,
        Intent::ForgetAll => {
            confirm::ask_to_confirm(services, &context.memory, turn, PendingAction::ForgetAll, lang).await?
        }
        Intent::CancelAllReminders => {
            confirm::ask_to_confirm(services, &context.memory, turn, PendingAction::CancelAllReminders, lang).await?
        }
        Intent::Confirm(yes) => confirm::confirm(services, &context.memory, turn, *yes, lang).await?,
        Intent::SetLocalOnly(on) => settings::set_local_only(storage, turn, *on, lang).await?,
        Intent::NextStep => steps::next(storage, turn, lang).await?,
        Intent::Help => replies::help(lang),
        Intent::Unknown => replies::not_understood(lang),
    })
}

/// "done": the reminder last sent is acknowledged (and the task it carries
/// done); with no reminder waiting, the next step of a model's reply, if kept.
async fn done(services: &Services<'_>, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
    let acknowledged = services
        .workers
        .clone()
        .acknowledge_latest(AcknowledgeLatestRequest {
            user_id: turn.user(),
            idempotency_key: format!("done:{}", turn.message_id),
        })
        .await?
        .into_inner();
    let Some(reminder) = acknowledged.reminder else {
        // No reminder waited for this "done": it was about a step of a model's reply, if one is kept.
        if steps::pending(&services.storage, &turn.user())
            .await?
            .is_some_and(|pending| pending.open_for(turn.message_id, turn.received_at))
        {
            return steps::next(&services.storage, turn, lang).await;
        }
        return Ok(replies::done(lang, None));
    };
    // A task carried by this (one-off) reminder is done too.
    if reminder.rrule.is_empty() {
        let mut conn = services.storage.db.conn().await?;
        if let Some(task) = tasks::by_reminder(&mut conn, turn.person.user_id.as_str(), &reminder.id).await? {
            tasks::complete(&mut conn, turn.person.user_id.as_str(), &task.id, nudge_store::now()).await?;
        }
    }
    Ok(replies::done(lang, Some(&reminder.text)))
}

/// "cancel 2" cancels item 2 of the list shown, a reminder or a task;
/// "cancel" alone, the only reminder there is.
async fn cancel(
    services: &Services<'_>,
    turn: &Turn<'_>,
    item: Option<usize>,
    lang: Language,
) -> Result<String, AgentError> {
    match item {
        Some(n) => match turn.item(n) {
            Some((ListingKind::Reminders, id)) => {
                let reminder = reminders::cancel(services, turn, id).await?;
                Ok(replies::cancelled(lang, &reminder.text))
            }
            Some((ListingKind::Tasks, id)) => match tasks::actions::delete(services, &turn.person.user_id, id).await? {
                Some(text) => Ok(replies::task_deleted(lang, &text)),
                None => Ok(replies::no_such_item(lang, n)),
            },
            Some((ListingKind::Memories, _)) | None => Ok(replies::no_such_item(lang, n)),
        },
        None => {
            // "cancel" alone is clear only when there is one reminder to cancel.
            let open = reminders::open(services, turn).await?;
            match open.as_slice() {
                [only] => {
                    let reminder = reminders::cancel(services, turn, &only.id).await?;
                    Ok(replies::cancelled(lang, &reminder.text))
                }
                [] => Ok(replies::no_reminders(lang)),
                _ => Ok(replies::which_one(lang)),
            }
        }
    }
}

/// "2 done": item 2 of the list shown, a task done or a reminder finished early.
async fn complete_item(
    services: &Services<'_>,
    turn: &Turn<'_>,
    item: usize,
    lang: Language,
) -> Result<String, AgentError> {
    match turn.item(item) {
        Some((ListingKind::Tasks, id)) => match tasks::actions::complete(services, &turn.person.user_id, id).await? {
            Some(task) => Ok(replies::task_done(
                lang,
                &tasks::actions::task_text(&services.storage, &task).await?,
            )),
            None => Ok(replies::no_such_item(lang, item)),
        },
        Some((ListingKind::Reminders, id)) => {
            // Done before it even fired: nothing more to remind.
            let reminder = reminders::cancel(services, turn, id).await?;
            Ok(replies::finished_early(lang, &reminder.text))
        }
        Some((ListingKind::Memories, _)) | None => Ok(replies::no_such_item(lang, item)),
    }
}
