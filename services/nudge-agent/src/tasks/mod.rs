//! The person's task list: `agent_tasks` (this module's queries), what a
//! message does to it ([`actions`]), and `nudge.agent.v1.TaskService`
//! ([`service`]).

pub(crate) mod actions;
pub(crate) mod service;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::agent_tasks;
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

/// Encryption context of task texts.
pub(crate) const TASK_BODY: &[u8] = b"agent.task.body";
const OPEN: &str = "open";
const DONE: &str = "done";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_tasks)]
pub(crate) struct TaskRow {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) body: Vec<u8>,
    pub(crate) position: i32,
    pub(crate) status: String,
    pub(crate) due_at: Option<NaiveDateTime>,
    pub(crate) reminder_id: Option<String>,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) completed_at: Option<NaiveDateTime>,
}

/// Adds a task at the end of the list; returns it and whether this call created it.
pub(crate) async fn add(
    conn: &mut DbConn,
    user_id: &str,
    body: &[u8],
    due_at: Option<NaiveDateTime>,
    idempotency_key: &str,
    now: NaiveDateTime,
) -> QueryResult<(TaskRow, bool)> {
    let id = nudge_core::new_id();
    let last: Option<i32> = with_conn!(conn, c => {
        agent_tasks::table
            .filter(agent_tasks::user_id.eq(user_id))
            .filter(agent_tasks::status.eq(OPEN))
            .select(diesel::dsl::max(agent_tasks::position))
            .first(c)
            .await
    })?;
    let inserted = with_conn!(conn, c => {
        diesel::insert_into(agent_tasks::table)
            .values((
                agent_tasks::id.eq(&id),
                agent_tasks::user_id.eq(user_id),
                agent_tasks::body.eq(body),
                agent_tasks::position.eq(last.unwrap_or(0) + 1),
                agent_tasks::status.eq(OPEN),
                agent_tasks::due_at.eq(due_at),
                agent_tasks::idempotency_key.eq(idempotency_key),
                agent_tasks::created_at.eq(now),
            ))
            .on_conflict(agent_tasks::idempotency_key)
            .do_nothing()
            .execute(c)
            .await
    })?;
    let row = with_conn!(conn, c => {
        agent_tasks::table
            .filter(agent_tasks::idempotency_key.eq(idempotency_key))
            .select(TaskRow::as_select())
            .first(c)
            .await
    })?;
    Ok((row, inserted == 1))
}

pub(crate) async fn set_reminder(conn: &mut DbConn, task_id: &str, reminder_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(agent_tasks::table.find(task_id))
            .set(agent_tasks::reminder_id.eq(reminder_id))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The person's open tasks in their order, then (if asked) those done in the last 7 days.
pub(crate) async fn list(
    conn: &mut DbConn,
    user_id: &str,
    include_done_since: Option<NaiveDateTime>,
) -> QueryResult<Vec<TaskRow>> {
    let mut open: Vec<TaskRow> = with_conn!(conn, c => {
        agent_tasks::table
            .filter(agent_tasks::user_id.eq(user_id))
            .filter(agent_tasks::status.eq(OPEN))
            .order((agent_tasks::position.asc(), agent_tasks::created_at.asc()))
            .select(TaskRow::as_select())
            .load(c)
            .await
    })?;
    if let Some(since) = include_done_since {
        let done: Vec<TaskRow> = with_conn!(conn, c => {
            agent_tasks::table
                .filter(agent_tasks::user_id.eq(user_id))
                .filter(agent_tasks::status.eq(DONE))
                .filter(agent_tasks::completed_at.ge(since))
                .order(agent_tasks::completed_at.desc())
                .select(TaskRow::as_select())
                .load(c)
                .await
        })?;
        open.extend(done);
    }
    Ok(open)
}

/// One task of the person, if it is theirs.
pub(crate) async fn get(conn: &mut DbConn, user_id: &str, task_id: &str) -> QueryResult<Option<TaskRow>> {
    with_conn!(conn, c => {
        agent_tasks::table
            .find(task_id)
            .filter(agent_tasks::user_id.eq(user_id))
            .select(TaskRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// The open task that carries `reminder_id`, if any.
pub(crate) async fn by_reminder(conn: &mut DbConn, user_id: &str, reminder_id: &str) -> QueryResult<Option<TaskRow>> {
    with_conn!(conn, c => {
        agent_tasks::table
            .filter(agent_tasks::user_id.eq(user_id))
            .filter(agent_tasks::reminder_id.eq(reminder_id))
            .filter(agent_tasks::status.eq(OPEN))
            .select(TaskRow::as_select())
            .first(c)
            .await
            .optional()
    })
}

pub(crate) async fn complete(conn: &mut DbConn, user_id: &str, task_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(
            agent_tasks::table.find(task_id).filter(agent_tasks::user_id.eq(user_id)).filter(agent_tasks::status.eq(OPEN)),
        )
        .set((agent_tasks::status.eq(DONE), agent_tasks::completed_at.eq(now)))
        .execute(c)
        .await
    })?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut DbConn, user_id: &str, task_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::delete(agent_tasks::table.find(task_id).filter(agent_tasks::user_id.eq(user_id))).execute(c).await
    })?;
    Ok(())
}

/// Moves an open task to `to` (1-based) and renumbers the list 1..n.
pub(crate) async fn move_to(conn: &mut DbConn, user_id: &str, task_id: &str, to: usize) -> QueryResult<()> {
    let mut open = list(conn, user_id, None).await?;
    let Some(from) = open.iter().position(|t| t.id == task_id) else {
        return Ok(());
    };
    let task = open.remove(from);
    let to = to.clamp(1, open.len() + 1) - 1;
    open.insert(to, task);
    for (index, task) in open.iter().enumerate() {
        let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
        if task.position != position {
            with_conn!(conn, c => {
                diesel::update(agent_tasks::table.find(&task.id))
                    .set(agent_tasks::position.eq(position))
                    .execute(c)
                    .await
            })?;
        }
    }
    Ok(())
}
