//! `nudge.privacy.v1.PrivacyService` for the agent's tables (GDPR articles
//! 15, 17 and 20): everything the agent holds about one person, decrypted,
//! as JSON; and its erasure, idempotent.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_core::UserId;
use nudge_proto::privacy::ErasedTable;
use nudge_runtime::privacy::{self, Erasure, PersonalData, counted};
use nudge_store::schema::{
    agent_embedding_stamps, agent_listings, agent_memories, agent_memory_embeddings, agent_memory_terms,
    agent_messages, agent_pending_actions, agent_pending_steps, agent_people, agent_preferences, agent_tasks,
    agent_usage,
};
use nudge_store::{Db, DbConn, diesel, diesel_async, with_conn};
use serde_json::{Value, json};

use crate::error::AgentError;
use crate::memory::MEMORY_BODY;
use crate::state::Core;
use crate::steps::STEPS_BODY;
use crate::store::MESSAGE_BODY;
use crate::tasks::TASK_BODY;

/// What the agent holds about a person: conversations, memories, tasks, steps, preferences.
impl PersonalData for Core {
    const SERVICE: &'static str = "agent";
    const ERASED_TABLES: &'static [&'static str] = &[
        "agent_person_keys",
        "agent_memory_terms",
        "agent_memory_embeddings",
        "agent_embedding_stamps",
        "agent_memories",
        "agent_messages",
        "agent_tasks",
        "agent_listings",
        "agent_pending_actions",
        "agent_pending_steps",
        "agent_preferences",
        "agent_usage",
        "agent_people",
    ];
    type Error = AgentError;

    fn database(&self) -> &Db {
        &self.db
    }

    async fn export(&self, user_id: &UserId) -> Result<Value, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(export(self, &mut conn, user_id.as_str()).await?)
    }

    async fn erase(&self, user_id: &UserId) -> Result<Erasure, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(erase(self, &mut conn, user_id.as_str()).await?.into())
    }

    /// Other replicas see the stamp gone at the person's next recall, or drop them unused.
    fn forget(&self, user_id: &UserId) {
        self.vectors.forget(user_id.as_str());
    }
}

pub(crate) async fn export(core: &Core, conn: &mut DbConn, user_id: &str) -> QueryResult<Value> {
    let keys = core.keys.for_reading(conn, user_id).await?;
    let person: Option<(String, String, NaiveDateTime)> = with_conn!(conn, c => {
        agent_people::table
            .find(user_id)
            .select((agent_people::timezone, agent_people::language, agent_people::updated_at))
            .first(c)
            .await
            .optional()
    })?;
    let preferences: Option<(String, bool, NaiveDateTime)> = with_conn!(conn, c => {
        agent_preferences::table
            .find(user_id)
            .select((agent_preferences::plan, agent_preferences::local_only, agent_preferences::updated_at))
            .first(c)
            .await
            .optional()
    })?;
    type MessageRow = (String, String, Vec<u8>, Option<String>, NaiveDateTime);
    let messages: Vec<MessageRow> = with_conn!(conn, c => {
        agent_messages::table
            .filter(agent_messages::user_id.eq(user_id))
            .order((agent_messages::created_at, agent_messages::id))
            .select((
                agent_messages::id,
                agent_messages::direction,
                agent_messages::body,
                agent_messages::intent,
                agent_messages::created_at,
            ))
            .load(c)
            .await
    })?;
    type TaskRow = (
        String,
        Vec<u8>,
        i32,
        String,
        Option<NaiveDateTime>,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let tasks: Vec<TaskRow> = with_conn!(conn, c => {
        agent_tasks::table
            .filter(agent_tasks::user_id.eq(user_id))
            .order((agent_tasks::created_at, agent_tasks::id))
            .select((
                agent_tasks::id,
                agent_tasks::body,
                agent_tasks::position,
                agent_tasks::status,
                agent_tasks::due_at,
                agent_tasks::reminder_id,
                agent_tasks::created_at,
                agent_tasks::completed_at,
            ))
            .load(c)
            .await
    })?;
    type MemoryRow = (
        String,
        Vec<u8>,
        String,
        Option<String>,
        i32,
        NaiveDateTime,
        NaiveDateTime,
    );
    let memories: Vec<MemoryRow> = with_conn!(conn, c => {
        agent_memories::table
            .filter(agent_memories::user_id.eq(user_id))
            .order((agent_memories::created_at, agent_memories::id))
            .select((
                agent_memories::id,
                agent_memories::body,
                agent_memories::status,
                agent_memories::superseded_by,
                agent_memories::mentions,
                agent_memories::created_at,
                agent_memories::updated_at,
            ))
            .load(c)
            .await
    })?;
    // Embeddings are derived from the memories' text (exported above): only how many.
    let embeddings: i64 = with_conn!(conn, c => {
        agent_memory_embeddings::table
            .filter(agent_memory_embeddings::user_id.eq(user_id))
            .count()
            .get_result(c)
            .await
    })?;
    let usage: Vec<(String, String, i32, i32, i32, i32)> = with_conn!(conn, c => {
        agent_usage::table
            .filter(agent_usage::user_id.eq(user_id))
            .order((agent_usage::month, agent_usage::provider))
            .select((
                agent_usage::month,
                agent_usage::provider,
                agent_usage::requests,
                agent_usage::prompt_tokens,
                agent_usage::completion_tokens,
                agent_usage::cost_micros,
            ))
            .load(c)
            .await
    })?;
    let pending: Option<(String, NaiveDateTime)> = with_conn!(conn, c => {
        agent_pending_actions::table
            .find(user_id)
            .select((agent_pending_actions::action, agent_pending_actions::created_at))
            .first(c)
            .await
            .optional()
    })?;
    let steps: Option<(Vec<u8>, i32, i32, String, NaiveDateTime)> = with_conn!(conn, c => {
        agent_pending_steps::table
            .find(user_id)
            .select((
                agent_pending_steps::steps,
                agent_pending_steps::total,
                agent_pending_steps::sent,
                agent_pending_steps::language,
                agent_pending_steps::updated_at,
            ))
            .first(c)
            .await
            .optional()
    })?;
    Ok(json!({
        "person": person.map(|(timezone, language, updated_at)| json!({
            "timezone": timezone, "language": language, "updated_at": privacy::instant(updated_at),
        })),
        "preferences": preferences.map(|(plan, local_only, updated_at)| json!({
            "plan": plan, "local_only": local_only, "updated_at": privacy::instant(updated_at),
        })),
        "messages": messages.into_iter().map(|(id, direction, body, intent, created_at)| json!({
            "id": id,
            "direction": direction,
            "body": keys.decrypt_to_string(&body, MESSAGE_BODY).ok(),
            "intent": intent,
            "created_at": privacy::instant(created_at),
        })).collect::<Vec<_>>(),
        "tasks": tasks.into_iter().map(|(id, body, position, status, due_at, reminder_id, created_at, completed_at)| json!({
            "id": id,
            "text": keys.decrypt_to_string(&body, TASK_BODY).ok(),
            "position": position,
            "status": status,
            "due_at": privacy::instant_opt(due_at),
            "reminder_id": reminder_id,
            "created_at": privacy::instant(created_at),
            "completed_at": privacy::instant_opt(completed_at),
        })).collect::<Vec<_>>(),
        "memories": memories.into_iter().map(|(id, body, status, superseded_by, mentions, created_at, updated_at)| json!({
            "id": id,
            "text": keys.decrypt_to_string(&body, MEMORY_BODY).ok(),
            "status": status,
            "superseded_by": superseded_by,
            "mentions": mentions,
            "created_at": privacy::instant(created_at),
            "updated_at": privacy::instant(updated_at),
        })).collect::<Vec<_>>(),
        "memory_embeddings": embeddings,
        "usage": usage.into_iter().map(|(month, provider, requests, prompt_tokens, completion_tokens, cost_micros)| json!({
            "month": month,
            "provider": provider,
            "requests": requests,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cost_micros": cost_micros,
        })).collect::<Vec<_>>(),
        "pending_action": pending.map(|(action, created_at)| json!({"action": action, "created_at": privacy::instant(created_at)})),
        "pending_steps": steps.map(|(body, total, sent, language, updated_at)| json!({
            "steps": keys
                .decrypt_to_string(&body, STEPS_BODY)
                .ok()
                .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok()),
            "total": total,
            "sent": sent,
            "language": language,
            "updated_at": privacy::instant(updated_at),
        })),
    }))
}

/// Deletes the person's key first (from then on nothing sealed for them can
/// be decrypted, wherever a copy lies), then every row of theirs, children
/// first. Each delete is keyed on the person alone, so a retry after a
/// failure finishes the work.
pub(crate) async fn erase(core: &Core, conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<ErasedTable>> {
    let key = core.keys.erase(conn, user_id).await?;
    let terms = with_conn!(conn, c => {
        diesel::delete(agent_memory_terms::table.filter(agent_memory_terms::user_id.eq(user_id))).execute(c).await
    })?;
    let embeddings = with_conn!(conn, c => {
        diesel::delete(agent_memory_embeddings::table.filter(agent_memory_embeddings::user_id.eq(user_id)))
            .execute(c)
            .await
    })?;
    let stamps = with_conn!(conn, c => {
        diesel::delete(agent_embedding_stamps::table.filter(agent_embedding_stamps::user_id.eq(user_id)))
            .execute(c)
            .await
    })?;
    let memories = with_conn!(conn, c => {
        diesel::delete(agent_memories::table.filter(agent_memories::user_id.eq(user_id))).execute(c).await
    })?;
    let messages = with_conn!(conn, c => {
        diesel::delete(agent_messages::table.filter(agent_messages::user_id.eq(user_id))).execute(c).await
    })?;
    let tasks = with_conn!(conn, c => {
        diesel::delete(agent_tasks::table.filter(agent_tasks::user_id.eq(user_id))).execute(c).await
    })?;
    let listings = with_conn!(conn, c => {
        diesel::delete(agent_listings::table.filter(agent_listings::user_id.eq(user_id))).execute(c).await
    })?;
    let pending = with_conn!(conn, c => {
        diesel::delete(agent_pending_actions::table.filter(agent_pending_actions::user_id.eq(user_id))).execute(c).await
    })?;
    let steps = with_conn!(conn, c => {
        diesel::delete(agent_pending_steps::table.filter(agent_pending_steps::user_id.eq(user_id))).execute(c).await
    })?;
    let preferences = with_conn!(conn, c => {
        diesel::delete(agent_preferences::table.filter(agent_preferences::user_id.eq(user_id))).execute(c).await
    })?;
    let usage = with_conn!(conn, c => {
        diesel::delete(agent_usage::table.filter(agent_usage::user_id.eq(user_id))).execute(c).await
    })?;
    let people = with_conn!(conn, c => {
        diesel::delete(agent_people::table.filter(agent_people::user_id.eq(user_id))).execute(c).await
    })?;
    Ok(vec![
        counted("agent_person_keys", key),
        counted("agent_memory_terms", terms),
        counted("agent_memory_embeddings", embeddings),
        counted("agent_embedding_stamps", stamps),
        counted("agent_memories", memories),
        counted("agent_messages", messages),
        counted("agent_tasks", tasks),
        counted("agent_listings", listings),
        counted("agent_pending_actions", pending),
        counted("agent_pending_steps", steps),
        counted("agent_preferences", preferences),
        counted("agent_usage", usage),
        counted("agent_people", people),
    ])
}
