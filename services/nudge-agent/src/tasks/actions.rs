//! What a message does to the task list: add, list, complete, move, delete.
//! A task due at a time of day carries a reminder in workers, cancelled with
//! the task.

use chrono::Utc;
use nudge_core::{Language, UserId};
use nudge_proto::time::to_timestamp;
use nudge_proto::workers::CreateReminderRequest;

use super::{TASK_BODY, TaskRow};
use crate::engine::ListingKind;
use crate::error::AgentError;
use crate::reminders::{self, Services};
use crate::storage::Storage;
use crate::turn::Turn;
use crate::{listing, replies};

/// Adds the task a message names, with a reminder when it is due at a time of day.
pub(crate) async fn add(
    services: &Services<'_>,
    turn: &Turn<'_>,
    text: &str,
    due: Option<&nudge_when::When>,
    lang: Language,
) -> Result<String, AgentError> {
    let due_at = due.map(|when| when.at.with_timezone(&Utc));
    let body = services
        .storage
        .cipher(turn.person.user_id.as_str())
        .await?
        .encrypt_str(text, TASK_BODY);
    let mut conn = services.storage.db.conn().await?;
    let (task, _) = super::add(
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
        let created = services
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
            let mut conn = services.storage.db.conn().await?;
            super::set_reminder(&mut conn, &task.id, &reminder.id).await?;
        }
        let when = replies::when(&turn.local(&at), &now, lang);
        return Ok(replies::task_added(lang, text, None, Some(&when)));
    }
    let due_text = due_at.map(|at| replies::short_when(&turn.local(&at), &now, lang));
    Ok(replies::task_added(lang, text, due_text.as_deref(), None))
}

/// A task's text, opened.
pub(crate) async fn task_text(storage: &Storage<'_>, task: &TaskRow) -> Result<String, AgentError> {
    storage
        .reader(&task.user_id)
        .await?
        .decrypt_to_string(&task.body, TASK_BODY)
        .map_err(|e| AgentError::Internal(format!("task text: {e}")))
}

/// The open tasks, numbered (and kept as the list shown).
pub(crate) async fn list(storage: &Storage<'_>, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
    let mut conn = storage.db.conn().await?;
    let open = super::list(&mut conn, turn.person.user_id.as_str(), None).await?;
    drop(conn);
    if open.is_empty() {
        return Ok(replies::no_tasks(lang));
    }
    let now = turn.now();
    let mut lines = Vec::with_capacity(open.len());
    for task in &open {
        let text = task_text(storage, task).await?;
        lines.push(match task.due_at {
            Some(due) => format!(
                "{text} ({})",
                replies::short_when(&turn.local(&due.and_utc()), &now, lang)
            ),
            None => text,
        });
    }
    let ids: Vec<String> = open.iter().map(|t| t.id.clone()).collect();
    listing::save(storage, turn, ListingKind::Tasks, &ids).await?;
    Ok(replies::numbered(
        lang,
        &replies::tasks_title(lang),
        &lines,
        &replies::tasks_footer(lang),
    ))
}

/// Marks a task done and cancels the reminder it carries; `None` if it is not the person's.
pub(crate) async fn complete(
    services: &Services<'_>,
    user_id: &UserId,
    task_id: &str,
) -> Result<Option<TaskRow>, AgentError> {
    let mut conn = services.storage.db.conn().await?;
    let Some(task) = super::get(&mut conn, user_id.as_str(), task_id).await? else {
        return Ok(None);
    };
    super::complete(&mut conn, user_id.as_str(), task_id, nudge_store::now()).await?;
    drop(conn);
    if let Some(reminder_id) = &task.reminder_id {
        reminders::cancel_quietly(services, user_id, reminder_id).await?;
    }
    let mut conn = services.storage.db.conn().await?;
    Ok(super::get(&mut conn, user_id.as_str(), task_id).await?)
}

/// Deletes a task (and its reminder); returns its text, `None` if it is not the person's.
pub(crate) async fn delete(
    services: &Services<'_>,
    user_id: &UserId,
    task_id: &str,
) -> Result<Option<String>, AgentError> {
    let mut conn = services.storage.db.conn().await?;
    let Some(task) = super::get(&mut conn, user_id.as_str(), task_id).await? else {
        return Ok(None);
    };
    super::delete(&mut conn, user_id.as_str(), task_id).await?;
    drop(conn);
    if let Some(reminder_id) = &task.reminder_id {
        reminders::cancel_quietly(services, user_id, reminder_id).await?;
    }
    Ok(Some(task_text(&services.storage, &task).await?))
}

/// Moves item `item` of the list shown, if it is a task, to position `to`.
pub(crate) async fn move_item(
    storage: &Storage<'_>,
    turn: &Turn<'_>,
    item: usize,
    to: usize,
    lang: Language,
) -> Result<String, AgentError> {
    let Some((ListingKind::Tasks, id)) = turn.item(item) else {
        return Ok(replies::no_such_item(lang, item));
    };
    let mut conn = storage.db.conn().await?;
    let user = turn.person.user_id.as_str();
    let Some(task) = super::get(&mut conn, user, id).await? else {
        return Ok(replies::no_such_item(lang, item));
    };
    super::move_to(&mut conn, user, id, to).await?;
    let open = super::list(&mut conn, user, None).await?;
    drop(conn);
    // The numbers the person sees follow the new order.
    let ids: Vec<String> = open.iter().map(|t| t.id.clone()).collect();
    listing::save(storage, turn, ListingKind::Tasks, &ids).await?;
    let position = ids.iter().position(|t| t == id).map_or(to, |p| p + 1);
    Ok(replies::task_moved(lang, &task_text(storage, &task).await?, position))
}
