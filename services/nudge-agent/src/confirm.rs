//! Destructive actions waiting for the person's explicit "yes" (forget
//! everything, cancel all reminders): the question, the answer, and the
//! action kept meanwhile in `agent_pending_actions`.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_core::Language;
use nudge_store::schema::agent_pending_actions;
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

use crate::error::AgentError;
use crate::reminders::{self, Services};
use crate::storage::Storage;
use crate::turn::Turn;
use crate::{memory, replies};

/// How long a "forget everything?" question waits for its "yes".
pub(crate) const CONFIRM_WINDOW: TimeDelta = TimeDelta::minutes(10);

/// Asks for a "yes" before `action`, keeping it meanwhile; nothing to ask
/// when there is nothing to forget or cancel.
pub(crate) async fn ask_to_confirm(
    services: &Services<'_>,
    memory: &memory::Context<'_>,
    turn: &Turn<'_>,
    action: PendingAction,
    lang: Language,
) -> Result<String, AgentError> {
    let user = turn.user();
    let question = match action {
        PendingAction::ForgetAll => {
            let count = memory::memories(memory, &user, false).await?.len();
            if count == 0 {
                return Ok(replies::no_memories(lang));
            }
            replies::confirm_forget_all(lang, count)
        }
        PendingAction::CancelAllReminders => {
            let count = reminders::open(services, turn).await?.len();
            if count == 0 {
                return Ok(replies::no_reminders(lang));
            }
            replies::confirm_cancel_all(lang, count)
        }
    };
    let mut conn = services.storage.db.conn().await?;
    set_pending(
        &mut conn,
        &user,
        action,
        turn.message_id,
        nudge_store::to_utc(turn.received_at),
    )
    .await?;
    Ok(question)
}

/// Forgets an action waiting for a "yes" (any other message does).
pub(crate) async fn drop_pending(storage: &Storage<'_>, turn: &Turn<'_>) -> Result<(), AgentError> {
    let mut conn = storage.db.conn().await?;
    Ok(clear_pending(&mut conn, &turn.user()).await?)
}

/// The person's "yes" or "no" to the action waiting, if it still waits.
pub(crate) async fn confirm(
    services: &Services<'_>,
    memory: &memory::Context<'_>,
    turn: &Turn<'_>,
    yes: bool,
    lang: Language,
) -> Result<String, AgentError> {
    let user = turn.user();
    let mut conn = services.storage.db.conn().await?;
    let pending = pending(&mut conn, &user).await?;
    let received = nudge_store::to_utc(turn.received_at);
    let Some((action, _, _)) =
        pending.filter(|(_, _, asked_at)| received - *asked_at <= CONFIRM_WINDOW && *asked_at <= received)
    else {
        clear_pending(&mut conn, &user).await?;
        return Ok(replies::nothing_to_confirm(lang));
    };
    clear_pending(&mut conn, &user).await?;
    if !yes {
        return Ok(replies::kept(lang));
    }
    match action {
        PendingAction::ForgetAll => {
            let count = memory::store::delete_all(&mut conn, &user).await?;
            memory.vectors.forget(&user);
            tracing::info!(user.id = %user, count, "memories forgotten at the person's request");
            Ok(replies::forgot_everything(lang))
        }
        PendingAction::CancelAllReminders => {
            drop(conn);
            let open = reminders::open(services, turn).await?;
            for reminder in &open {
                reminders::cancel_quietly(services, &turn.person.user_id, &reminder.id).await?;
            }
            Ok(replies::cancelled_all(lang, open.len()))
        }
    }
}

/// A destructive action waiting for the person's "yes".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingAction {
    ForgetAll,
    CancelAllReminders,
}

impl PendingAction {
    fn as_str(self) -> &'static str {
        match self {
            PendingAction::ForgetAll => "forget_all",
            PendingAction::CancelAllReminders => "cancel_all_reminders",
        }
    }

    fn parse(text: &str) -> Option<PendingAction> {
        match text {
            "forget_all" => Some(PendingAction::ForgetAll),
            "cancel_all_reminders" => Some(PendingAction::CancelAllReminders),
            _ => None,
        }
    }
}

pub(crate) async fn set_pending(
    conn: &mut DbConn,
    user_id: &str,
    action: PendingAction,
    inbound_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    set_pending_action(conn, user_id, action.as_str(), inbound_id, now).await
}

/// Keeps `action` (a `PendingAction`'s name, or another question's, `clarify.rs`) waiting for an answer.
pub(crate) async fn set_pending_action(
    conn: &mut DbConn,
    user_id: &str,
    action: &str,
    inbound_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::insert_into(agent_pending_actions::table)
            .values((
                agent_pending_actions::user_id.eq(user_id),
                agent_pending_actions::action.eq(action),
                agent_pending_actions::inbound_id.eq(inbound_id),
                agent_pending_actions::created_at.eq(now),
            ))
            .on_conflict(agent_pending_actions::user_id)
            .do_update()
            .set((
                agent_pending_actions::action.eq(action),
                agent_pending_actions::inbound_id.eq(inbound_id),
                agent_pending_actions::created_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The action waiting for a "yes", with the message that asked for it and when.
pub(crate) async fn pending(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Option<(PendingAction, String, NaiveDateTime)>> {
    let row = pending_action(conn, user_id).await?;
    Ok(row.and_then(|(action, inbound, at)| PendingAction::parse(&action).map(|a| (a, inbound, at))))
}

/// Whatever waits for an answer: its name, the message that asked, and when.
pub(crate) async fn pending_action(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Option<(String, String, NaiveDateTime)>> {
    with_conn!(conn, c => {
        agent_pending_actions::table
            .find(user_id)
            .select((
                agent_pending_actions::action,
                agent_pending_actions::inbound_id,
                agent_pending_actions::created_at,
            ))
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn clear_pending(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::delete(agent_pending_actions::table.find(user_id)).execute(c).await
    })?;
    Ok(())
}
