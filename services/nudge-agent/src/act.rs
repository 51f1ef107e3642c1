//! Carrying out what a message asks: the local engine's tools. Every write
//! is keyed on the inbound message id, so handling a message twice (a retry
//! after a failure part-way) does nothing twice. The person's id always
//! comes from the caller (the verified phone pair), never from the text.

use chrono::{DateTime, TimeDelta, Utc};
use nudge_core::{Language, UserId};
use nudge_proto::time::{from_timestamp, to_timestamp};
use nudge_proto::workers::{
    AcknowledgeLatestRequest, CancelReminderRequest, CreateReminderRequest, DeliverySettings,
    GetDeliverySettingsRequest, ListRemindersRequest, MissedPolicy, QuietHours, Reminder, ReminderStatus,
    SetDeliverySettingsRequest, SnoozeLatestRequest, UpdateReminderRequest,
};

use crate::confirm::PendingAction;
use crate::engine::{Intent, ListingKind, MissedPolicyChoice, QuietHoursChoice, Understood};
use crate::error::AgentError;
use crate::tasks::{self, TASK_BODY, TaskRow};
use crate::turn::Turn;
use crate::{Core, Storage, describe, memory, replies, store};

/// How long "snooze" or "plus tard" waits when no time is given.
const DEFAULT_SNOOZE: TimeDelta = TimeDelta::minutes(10);
/// A reminder time this far in the past is refused (clock skew and slow typing are forgiven).
const PAST_TOLERANCE: TimeDelta = TimeDelta::seconds(60);

impl Core {
    /// Does what `understood` asks and returns the reply.
    pub(crate) async fn act(&self, turn: &Turn<'_>, understood: &Understood) -> Result<String, AgentError> {
        let lang = understood.language;
        if !matches!(
            understood.intent,
            Intent::Confirm(_) | Intent::ForgetAll | Intent::CancelAllReminders | Intent::Choose(_)
        ) {
            // A "yes" answers only the question just asked.
            self.drop_pending(turn).await?;
        }
        Ok(match &understood.intent {
            Intent::Remind { when, urgent } => {
                let key = format!("sms:{}", turn.message_id);
                self.remind(turn, when, *urgent, lang, &key).await?
            }
            Intent::Clarify(clarification) => self.ask_about_time(turn, clarification, lang).await?,
            Intent::Choose(choice) => self.chosen(turn, *choice, lang).await?,
            Intent::Several(parts) => self.several(turn, parts, lang).await?,
            Intent::Correct { when } => self.correct(turn, when, lang).await?,
            Intent::CancelMatching { about, at } => self.cancel_matching(turn, about, *at, lang).await?,
            Intent::Agenda { tomorrow } => self.agenda(turn, *tomorrow, lang).await?,
            Intent::RemindWithoutTime => replies::ask_when(lang),
            Intent::UnclearTime => replies::unclear_time(lang),
            Intent::OnlyTime { at } => match self.snooze(turn, *at).await? {
                Some(reminder) => self.snoozed(turn, *at, &reminder, lang),
                None => replies::ask_what(lang),
            },
            Intent::Done => self.done(turn, lang).await?,
            Intent::Snooze { until } => {
                let until = until.unwrap_or(turn.received_at + DEFAULT_SNOOZE);
                match self.snooze(turn, until).await? {
                    Some(reminder) => self.snoozed(turn, until, &reminder, lang),
                    None => replies::nothing_to_snooze(lang),
                }
            }
            Intent::ListReminders => self.list_reminders(turn, lang).await?,
            Intent::Cancel { item } => self.cancel(turn, *item, lang).await?,
            Intent::Reschedule { item, when } => match when {
                Some(when) => self.reschedule(turn, *item, when, lang).await?,
                None => replies::ask_new_time(lang, *item),
            },
            Intent::AddTask { text, due } => self.add_task(turn, text, due.as_deref(), lang).await?,
            Intent::ListTasks => self.list_tasks(turn, lang).await?,
            Intent::Complete { item } => self.complete_item(turn, *item, lang).await?,
            Intent::MoveTask { item, to } => self.move_task(turn, *item, *to, lang).await?,
            Intent::SetTimezone(Some(zone)) => self.set_timezone(turn, *zone, lang).await?,
            Intent::SetTimezone(None) => replies::timezone_unknown(lang),
            Intent::SetQuietHours(Some(choice)) => self.set_quiet_hours(turn, *choice, lang).await?,
            Intent::SetQuietHours(None) => replies::quiet_hours_how(lang),
            Intent::SetNag(Some(seconds)) => self.set_nag(turn, *seconds, lang).await?,
            Intent::SetNag(None) => replies::nag_how(lang),
            Intent::SetMissedPolicy(Some(choice)) => self.set_missed_policy(turn, *choice, lang).await?,
            Intent::SetMissedPolicy(None) => replies::missed_how(lang),
            Intent::SetLanguage => {
                let mut conn = self.db.conn().await?;
                store::set_language(
                    &mut conn,
                    turn.person.user_id.as_str(),
                    lang.as_str(),
                    nudge_store::now(),
                )
                .await?;
                replies::language_set(lang)
            }
            Intent::Remember { fact } => memory::remember(&self.memory(), turn, fact, lang).await?,
            Intent::Recall { about } => memory::recall(&self.memory(), turn, about.as_deref(), lang).await?,
            Intent::Forget(target) => memory::forget(&self.memory(), turn, target, lang).await?,
            Intent::ForgetAll => self.ask_to_confirm(turn, PendingAction::ForgetAll, lang).await?,
            Intent::CancelAllReminders => {
                self.ask_to_confirm(turn, PendingAction::CancelAllReminders, lang)
                    .await?
            }
            Intent::Confirm(yes) => self.confirm(turn, *yes, lang).await?,
            Intent::SetLocalOnly(on) => {
                let user = turn.user();
                let mut conn = self.db.conn().await?;
                let mut preferences = crate::llm::usage::preferences(&mut conn, &user).await?;
                preferences.local_only = *on;
                crate::llm::usage::save_preferences(&mut conn, &user, &preferences, nudge_store::now()).await?;
                replies::local_only(lang, *on)
            }
            Intent::NextStep => crate::steps::next(&self.storage(), turn, lang).await?,
            Intent::Help => replies::help(lang),
            Intent::Unknown => replies::not_understood(lang),
        })
    }

    /// Creates the reminder `when` says, keyed on `key` (one per reminder of a message).
    pub(crate) async fn remind(
        &self,
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
        let created = self
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

    async fn done(&self, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
        let acknowledged = self
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
            if crate::steps::pending(&self.storage(), &turn.user())
                .await?
                .is_some_and(|pending| pending.open_for(turn.message_id, turn.received_at))
            {
                return crate::steps::next(&self.storage(), turn, lang).await;
            }
            return Ok(replies::done(lang, None));
        };
        // A task carried by this (one-off) reminder is done too.
        if reminder.rrule.is_empty() {
            let mut conn = self.db.conn().await?;
            if let Some(task) = tasks::by_reminder(&mut conn, turn.person.user_id.as_str(), &reminder.id).await? {
                tasks::complete(&mut conn, turn.person.user_id.as_str(), &task.id, nudge_store::now()).await?;
            }
        }
        Ok(replies::done(lang, Some(&reminder.text)))
    }

    /// Snoozes the last reminder sent to `until`; `None` when nothing waits for an answer.
    async fn snooze(&self, turn: &Turn<'_>, until: DateTime<Utc>) -> Result<Option<Reminder>, AgentError> {
        if until <= turn.received_at {
            return Ok(None);
        }
        Ok(self
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

    fn snoozed(&self, turn: &Turn<'_>, until: DateTime<Utc>, reminder: &Reminder, lang: Language) -> String {
        replies::snoozed(
            lang,
            &replies::when(&turn.local(&until), &turn.now(), lang),
            &reminder.text,
        )
    }

    pub(crate) async fn open_reminders(&self, turn: &Turn<'_>) -> Result<Vec<Reminder>, AgentError> {
        Ok(self
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

    async fn list_reminders(&self, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
        let reminders = self.open_reminders(turn).await?;
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
        save_listing(&self.storage(), turn, ListingKind::Reminders, &ids).await?;
        Ok(replies::numbered(
            lang,
            &replies::reminders_title(lang),
            &lines,
            &replies::reminders_footer(lang),
        ))
    }

    pub(crate) async fn cancel_reminder(&self, turn: &Turn<'_>, reminder_id: &str) -> Result<Reminder, AgentError> {
        let cancelled = self
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

    async fn cancel(&self, turn: &Turn<'_>, item: Option<usize>, lang: Language) -> Result<String, AgentError> {
        match item {
            Some(n) => match turn.item(n) {
                Some((ListingKind::Reminders, id)) => {
                    let reminder = self.cancel_reminder(turn, id).await?;
                    Ok(replies::cancelled(lang, &reminder.text))
                }
                Some((ListingKind::Tasks, id)) => match self.delete_task(&turn.person.user_id, id).await? {
                    Some(text) => Ok(replies::task_deleted(lang, &text)),
                    None => Ok(replies::no_such_item(lang, n)),
                },
                Some((ListingKind::Memories, _)) | None => Ok(replies::no_such_item(lang, n)),
            },
            None => {
                // "cancel" alone is clear only when there is one reminder to cancel.
                let reminders = self.open_reminders(turn).await?;
                match reminders.as_slice() {
                    [only] => {
                        let reminder = self.cancel_reminder(turn, &only.id).await?;
                        Ok(replies::cancelled(lang, &reminder.text))
                    }
                    [] => Ok(replies::no_reminders(lang)),
                    _ => Ok(replies::which_one(lang)),
                }
            }
        }
    }

    async fn reschedule(
        &self,
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
                let updated = self
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

    async fn add_task(
        &self,
        turn: &Turn<'_>,
        text: &str,
        due: Option<&nudge_when::When>,
        lang: Language,
    ) -> Result<String, AgentError> {
        let due_at = due.map(|when| when.at.with_timezone(&Utc));
        let body = self
            .storage()
            .cipher(turn.person.user_id.as_str())
            .await?
            .encrypt_str(text, TASK_BODY);
        let mut conn = self.db.conn().await?;
        let (task, _) = tasks::add(
            &mut conn,
            turn.person.user_id.as_str(),
            &body,
            due_at.map(nudge_store::to_utc),
            &format!("sms:{}", turn.message_id),
            nudge_store::now(),
        )
        .await?;
        drop(conn);
        let now = turn.now();
        // A task due at a time of day carries a reminder at that time.
        let reminder_at = due
            .filter(|when| when.grain <= nudge_when::Grain::Hour)
            .map(|when| when.at.with_timezone(&Utc))
            .filter(|at| *at > turn.received_at);
        if let Some(at) = reminder_at {
            let created = self
                .workers
                .clone()
                .create_reminder(CreateReminderRequest {
                    user_id: turn.user(),
                    text: text.to_owned(),
                    due_at: Some(to_timestamp(at)),
                    timezone: turn.person.timezone.name().to_owned(),
                    language: lang.as_str().to_owned(),
                    idempotency_key: format!("task:{}", turn.message_id),
                    rrule: String::new(),
                    urgent: false,
                })
                .await?
                .into_inner();
            if let Some(reminder) = created.reminder {
                let mut conn = self.db.conn().await?;
                tasks::set_reminder(&mut conn, &task.id, &reminder.id).await?;
            }
            let when = replies::when(&turn.local(&at), &now, lang);
            return Ok(replies::task_added(lang, text, None, Some(&when)));
        }
        let due_text = due_at.map(|at| replies::short_when(&turn.local(&at), &now, lang));
        Ok(replies::task_added(lang, text, due_text.as_deref(), None))
    }

    async fn task_text(&self, task: &TaskRow) -> Result<String, AgentError> {
        self.storage()
            .reader(&task.user_id)
            .await?
            .decrypt_to_string(&task.body, TASK_BODY)
            .map_err(|e| AgentError::Internal(format!("task text: {e}")))
    }

    async fn list_tasks(&self, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
        let mut conn = self.db.conn().await?;
        let open = tasks::list(&mut conn, turn.person.user_id.as_str(), None).await?;
        drop(conn);
        if open.is_empty() {
            return Ok(replies::no_tasks(lang));
        }
        let now = turn.now();
        let mut lines = Vec::with_capacity(open.len());
        for task in &open {
            let text = self.task_text(task).await?;
            lines.push(match task.due_at {
                Some(due) => format!(
                    "{text} ({})",
                    replies::short_when(&turn.local(&due.and_utc()), &now, lang)
                ),
                None => text,
            });
        }
        let ids: Vec<String> = open.iter().map(|t| t.id.clone()).collect();
        save_listing(&self.storage(), turn, ListingKind::Tasks, &ids).await?;
        Ok(replies::numbered(
            lang,
            &replies::tasks_title(lang),
            &lines,
            &replies::tasks_footer(lang),
        ))
    }

    /// Marks a task done and cancels the reminder it carries; `None` if it is not the person's.
    pub(crate) async fn complete_task(&self, user_id: &UserId, task_id: &str) -> Result<Option<TaskRow>, AgentError> {
        let mut conn = self.db.conn().await?;
        let Some(task) = tasks::get(&mut conn, user_id.as_str(), task_id).await? else {
            return Ok(None);
        };
        tasks::complete(&mut conn, user_id.as_str(), task_id, nudge_store::now()).await?;
        drop(conn);
        if let Some(reminder_id) = &task.reminder_id {
            self.cancel_quietly(user_id, reminder_id).await?;
        }
        let mut conn = self.db.conn().await?;
        Ok(tasks::get(&mut conn, user_id.as_str(), task_id).await?)
    }

    /// Deletes a task (and its reminder); returns its text, `None` if it is not the person's.
    pub(crate) async fn delete_task(&self, user_id: &UserId, task_id: &str) -> Result<Option<String>, AgentError> {
        let mut conn = self.db.conn().await?;
        let Some(task) = tasks::get(&mut conn, user_id.as_str(), task_id).await? else {
            return Ok(None);
        };
        tasks::delete(&mut conn, user_id.as_str(), task_id).await?;
        drop(conn);
        if let Some(reminder_id) = &task.reminder_id {
            self.cancel_quietly(user_id, reminder_id).await?;
        }
        Ok(Some(self.task_text(&task).await?))
    }

    /// Cancels a reminder a task carried; one already gone is fine.
    pub(crate) async fn cancel_quietly(&self, user_id: &UserId, reminder_id: &str) -> Result<(), AgentError> {
        let request = CancelReminderRequest {
            user_id: user_id.as_str().to_owned(),
            reminder_id: reminder_id.to_owned(),
        };
        match self.workers.clone().cancel_reminder(request).await {
            Ok(_) => Ok(()),
            Err(status) if status.code() == tonic::Code::NotFound => Ok(()),
            Err(status) => Err(status.into()),
        }
    }

    async fn complete_item(&self, turn: &Turn<'_>, item: usize, lang: Language) -> Result<String, AgentError> {
        match turn.item(item) {
            Some((ListingKind::Tasks, id)) => match self.complete_task(&turn.person.user_id, id).await? {
                Some(task) => Ok(replies::task_done(lang, &self.task_text(&task).await?)),
                None => Ok(replies::no_such_item(lang, item)),
            },
            Some((ListingKind::Reminders, id)) => {
                // Done before it even fired: nothing more to remind.
                let reminder = self.cancel_reminder(turn, id).await?;
                Ok(replies::finished_early(lang, &reminder.text))
            }
            Some((ListingKind::Memories, _)) | None => Ok(replies::no_such_item(lang, item)),
        }
    }

    async fn move_task(&self, turn: &Turn<'_>, item: usize, to: usize, lang: Language) -> Result<String, AgentError> {
        let Some((ListingKind::Tasks, id)) = turn.item(item) else {
            return Ok(replies::no_such_item(lang, item));
        };
        let mut conn = self.db.conn().await?;
        let user = turn.person.user_id.as_str();
        let Some(task) = tasks::get(&mut conn, user, id).await? else {
            return Ok(replies::no_such_item(lang, item));
        };
        tasks::move_to(&mut conn, user, id, to).await?;
        let open = tasks::list(&mut conn, user, None).await?;
        drop(conn);
        // The numbers the person sees follow the new order.
        let ids: Vec<String> = open.iter().map(|t| t.id.clone()).collect();
        save_listing(&self.storage(), turn, ListingKind::Tasks, &ids).await?;
        let position = ids.iter().position(|t| t == id).map_or(to, |p| p + 1);
        Ok(replies::task_moved(lang, &self.task_text(&task).await?, position))
    }

    /// The person's delivery settings, in the time zone the agent knows them
    /// in (the agent is where a person sets it; quiet hours are local times).
    async fn delivery_settings(&self, turn: &Turn<'_>) -> Result<DeliverySettings, AgentError> {
        let mut settings = self
            .workers
            .clone()
            .get_delivery_settings(GetDeliverySettingsRequest { user_id: turn.user() })
            .await?
            .into_inner()
            .settings
            .ok_or_else(|| AgentError::Internal("GetDeliverySettings answered without settings".to_owned()))?;
        turn.person.timezone.name().clone_into(&mut settings.timezone);
        Ok(settings)
    }

    async fn store_delivery_settings(&self, settings: DeliverySettings) -> Result<DeliverySettings, AgentError> {
        self.workers
            .clone()
            .set_delivery_settings(SetDeliverySettingsRequest {
                settings: Some(settings),
            })
            .await?
            .into_inner()
            .settings
            .ok_or_else(|| AgentError::Internal("SetDeliverySettings answered without settings".to_owned()))
    }

    async fn set_timezone(&self, turn: &Turn<'_>, zone: chrono_tz::Tz, lang: Language) -> Result<String, AgentError> {
        let mut conn = self.db.conn().await?;
        store::set_timezone(&mut conn, turn.person.user_id.as_str(), zone.name(), nudge_store::now()).await?;
        drop(conn);
        let mut settings = self.delivery_settings(turn).await?;
        settings.timezone = zone.name().to_owned();
        self.store_delivery_settings(settings).await?;
        let local = nudge_core::clock_time(&turn.received_at.with_timezone(&zone), lang);
        Ok(replies::timezone_set(lang, zone.name(), &local))
    }

    async fn set_quiet_hours(
        &self,
        turn: &Turn<'_>,
        choice: QuietHoursChoice,
        lang: Language,
    ) -> Result<String, AgentError> {
        let mut settings = self.delivery_settings(turn).await?;
        settings.quiet_hours = match choice {
            QuietHoursChoice::Off => None,
            QuietHoursChoice::Window {
                start_minute,
                end_minute,
            } => Some(QuietHours {
                start_minute,
                end_minute,
            }),
        };
        self.store_delivery_settings(settings).await?;
        Ok(match choice {
            QuietHoursChoice::Off => replies::quiet_hours_off(lang),
            QuietHoursChoice::Window {
                start_minute,
                end_minute,
            } => {
                let clock = |minute: u32| {
                    let time = chrono::NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default();
                    nudge_core::clock_time(&chrono::NaiveDate::default().and_time(time).and_utc(), lang)
                };
                replies::quiet_hours_set(lang, &clock(start_minute), &clock(end_minute))
            }
        })
    }

    async fn set_nag(&self, turn: &Turn<'_>, seconds: u32, lang: Language) -> Result<String, AgentError> {
        let mut settings = self.delivery_settings(turn).await?;
        settings.nag_interval_seconds = seconds;
        let settings = self.store_delivery_settings(settings).await?;
        Ok(if seconds == 0 {
            replies::nag_off(lang)
        } else {
            replies::nag_set(lang, seconds / 60, settings.nag_limit)
        })
    }

    async fn set_missed_policy(
        &self,
        turn: &Turn<'_>,
        choice: MissedPolicyChoice,
        lang: Language,
    ) -> Result<String, AgentError> {
        let mut settings = self.delivery_settings(turn).await?;
        settings.missed_policy = match choice {
            MissedPolicyChoice::SendLate => MissedPolicy::SendLate,
            MissedPolicyChoice::RecordMissed => MissedPolicy::RecordMissed,
        }
        .into();
        self.store_delivery_settings(settings).await?;
        Ok(replies::missed_set(lang, choice == MissedPolicyChoice::SendLate))
    }
}

/// Keeps the numbered list just shown, so that "2" or "forget 2" in the next
/// message names its item. A free function: the memory feature shows lists
/// too, with only the storage at hand.
pub(crate) async fn save_listing(
    storage: &Storage<'_>,
    turn: &Turn<'_>,
    kind: ListingKind,
    ids: &[String],
) -> Result<(), AgentError> {
    let kind = match kind {
        ListingKind::Reminders => "reminders",
        ListingKind::Tasks => "tasks",
        ListingKind::Memories => "memories",
    };
    let mut conn = storage.db.conn().await?;
    Ok(store::save_listing(&mut conn, turn.person.user_id.as_str(), kind, ids, nudge_store::now()).await?)
}
