//! `nudge.agent.v1.PersonDataService`: what the agent keeps of one person,
//! for the public API (their memories, their conversation, their model usage)
//! and the plan the api sets from their role. Every query is filtered by the
//! person's id; another person's object is NOT_FOUND.

use nudge_secure::PersonReader;
use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_core::UserId;
use nudge_proto::agent::person_data_service_server::PersonDataService;
use nudge_proto::agent::{
    ConversationMessage, ForgetMemoryRequest, ForgetMemoryResponse, GetMemoryRequest, GetMemoryResponse,
    GetModelUsageRequest, GetModelUsageResponse, ListMemoriesRequest, ListMemoriesResponse, ListMessagesRequest,
    ListMessagesResponse, Memory, ProviderUsage, RememberRequest, RememberResponse, SetPlanRequest, SetPlanResponse,
};
use nudge_proto::time::to_timestamp;
use nudge_store::schema::{agent_messages, agent_usage};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};
use tonic::{Request, Response, Status};

use crate::error::AgentError;
use crate::llm::usage;
use crate::memory::recall::Remembered;
use crate::memory::{self, MEMORY_BODY, store};
use crate::state::Core;
use crate::store::MESSAGE_BODY;

/// The longest fact the API keeps (an SMS is at most 1,600 characters).
const MAX_FACT_CHARS: usize = 500;

pub(crate) struct PersonData {
    core: Arc<Core>,
}

impl PersonData {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        PersonData { core }
    }
}

fn user(id: &str) -> Result<UserId, AgentError> {
    UserId::parse(id).map_err(|e| AgentError::field("user_id", e))
}

fn page_size(size: u32) -> Result<i64, AgentError> {
    match size {
        0 => Ok(20),
        1..=100 => Ok(i64::from(size)),
        _ => Err(AgentError::field("page_size", "must be 1 to 100")),
    }
}

#[derive(Debug, Clone, Queryable)]
struct MessageItem {
    id: String,
    direction: String,
    body: Vec<u8>,
    intent: Option<String>,
    created_at: NaiveDateTime,
}

async fn message_page(
    conn: &mut DbConn,
    user_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<MessageItem>> {
    with_conn!(conn, c => {
        let mut query = agent_messages::table
            .filter(agent_messages::user_id.eq(user_id))
            .select((
                agent_messages::id,
                agent_messages::direction,
                agent_messages::body,
                agent_messages::intent,
                agent_messages::created_at,
            ))
            .order((agent_messages::created_at.desc(), agent_messages::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some((at, id)) = after.clone() {
            query = query.filter(
                agent_messages::created_at
                    .lt(at)
                    .or(agent_messages::created_at.eq(at).and(agent_messages::id.lt(id))),
            );
        }
        query.load(c).await
    })
}

async fn message_time(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => {
        agent_messages::table
            .filter(agent_messages::user_id.eq(user_id))
            .filter(agent_messages::id.eq(id))
            .select(agent_messages::created_at)
            .first(c)
            .await
            .optional()
    })
}

/// (provider, requests, prompt tokens, completion tokens, cost) of a month.
type UsageRow = (String, i32, i32, i32, i32);

async fn month_usage(conn: &mut DbConn, user_id: &str, month: &str) -> QueryResult<Vec<UsageRow>> {
    with_conn!(conn, c => {
        agent_usage::table
            .filter(agent_usage::user_id.eq(user_id))
            .filter(agent_usage::month.eq(month))
            .select((
                agent_usage::provider,
                agent_usage::requests,
                agent_usage::prompt_tokens,
                agent_usage::completion_tokens,
                agent_usage::cost_micros,
            ))
            .order(agent_usage::provider.asc())
            .load(c)
            .await
    })
}

/// "YYYY-MM" with a real month.
fn check_month(month: &str) -> Result<(), AgentError> {
    let valid = month.len() == 7
        && chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_ok()
        && month.as_bytes()[4] == b'-';
    if valid {
        Ok(())
    } else {
        Err(AgentError::field("month", "must be YYYY-MM, e.g. 2026-11"))
    }
}

fn count(n: i32) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn memory_view(reader: &PersonReader, row: store::MemoryItem) -> Result<Memory, AgentError> {
    let text = reader
        .decrypt_to_string(&row.body, MEMORY_BODY)
        .map_err(|e| AgentError::Internal(format!("memory text: {e}")))?;
    Ok(Memory {
        id: row.id,
        text,
        mentions: u32::try_from(row.mentions).unwrap_or(0),
        created_at: Some(to_timestamp(row.created_at.and_utc())),
        updated_at: Some(to_timestamp(row.updated_at.and_utc())),
    })
}

/// The calls of the service on the domain error; the trait below converts
/// their error once.
impl PersonData {
    async fn list_memories(&self, request: ListMemoriesRequest) -> Result<ListMemoriesResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let size = page_size(request.page_size)?;
        let mut conn = self.core.db.conn().await?;
        let after = if request.page_token.is_empty() {
            None
        } else {
            let cursor = store::active_memory(&mut conn, user_id.as_str(), &request.page_token)
                .await?
                .ok_or_else(|| AgentError::field("page_token", "is not a token this service gave"))?;
            Some((cursor.created_at, cursor.id))
        };
        let mut rows = store::memory_page(&mut conn, user_id.as_str(), after, size + 1).await?;
        drop(conn);
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > size;
        rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        let next_page_token = if more {
            rows.last().map(|r| r.id.clone()).unwrap_or_default()
        } else {
            String::new()
        };
        let reader = self.core.storage().reader(user_id.as_str()).await?;
        let memories = rows
            .into_iter()
            .map(|row| memory_view(&reader, row))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ListMemoriesResponse {
            memories,
            next_page_token,
        })
    }

    async fn get_memory(&self, request: GetMemoryRequest) -> Result<GetMemoryResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let mut conn = self.core.db.conn().await?;
        let row = store::active_memory(&mut conn, user_id.as_str(), &request.memory_id)
            .await?
            .ok_or_else(|| AgentError::NotFound("memory".to_owned()))?;
        drop(conn);
        Ok(GetMemoryResponse {
            memory: Some(memory_view(&self.core.storage().reader(user_id.as_str()).await?, row)?),
        })
    }

    async fn forget_memory(&self, request: ForgetMemoryRequest) -> Result<ForgetMemoryResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let mut conn = self.core.db.conn().await?;
        // Only an active memory can be forgotten by id (history goes with it
        // only through "forget everything").
        if store::active_memory(&mut conn, user_id.as_str(), &request.memory_id)
            .await?
            .is_none()
        {
            return Err(AgentError::NotFound("memory".to_owned()));
        }
        store::delete(&mut conn, user_id.as_str(), std::slice::from_ref(&request.memory_id)).await?;
        tracing::info!(user.id = %user_id, memory.id = %request.memory_id, "memory forgotten through the api");
        Ok(ForgetMemoryResponse {})
    }

    async fn remember(&self, request: RememberRequest) -> Result<RememberResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let fact = request.text.trim();
        let chars = fact.chars().count();
        if chars == 0 || chars > MAX_FACT_CHARS {
            return Err(AgentError::field("text", "must be 1 to 500 characters"));
        }
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > 200 {
            return Err(AgentError::field("idempotency_key", "must be 1 to 200 characters"));
        }
        let remembered =
            memory::keep_fact(&self.core.memory(), user_id.as_str(), fact, &request.idempotency_key).await?;
        let (outcome, text) = match &remembered {
            Remembered::New(text) => ("new", text.as_str()),
            Remembered::Again(text) => ("again", text.as_str()),
            Remembered::Updated(text, _) => ("updated", text.as_str()),
        };
        // The memory kept: the one this key created, or the same fact told before.
        let mut conn = self.core.db.conn().await?;
        let by_key = store::by_key(&mut conn, user_id.as_str(), &request.idempotency_key).await?;
        let id = match by_key {
            Some(id) => Some(id),
            None => {
                drop(conn);
                let wanted = memory::lexical::normalized(text);
                memory::memories(&self.core.memory(), user_id.as_str(), true)
                    .await?
                    .into_iter()
                    .find(|m| memory::lexical::normalized(&m.text) == wanted)
                    .map(|m| m.id)
            }
        };
        let id = id.ok_or_else(|| AgentError::Internal("the memory kept cannot be found".to_owned()))?;
        let mut conn = self.core.db.conn().await?;
        let row = store::active_memory(&mut conn, user_id.as_str(), &id)
            .await?
            .ok_or_else(|| AgentError::NotFound("memory".to_owned()))?;
        drop(conn);
        Ok(RememberResponse {
            memory: Some(memory_view(&self.core.storage().reader(user_id.as_str()).await?, row)?),
            outcome: outcome.to_owned(),
        })
    }

    async fn list_messages(&self, request: ListMessagesRequest) -> Result<ListMessagesResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let size = page_size(request.page_size)?;
        let mut conn = self.core.db.conn().await?;
        let after = if request.page_token.is_empty() {
            None
        } else {
            let at = message_time(&mut conn, user_id.as_str(), &request.page_token)
                .await?
                .ok_or_else(|| AgentError::field("page_token", "is not a token this service gave"))?;
            Some((at, request.page_token.clone()))
        };
        let mut rows = message_page(&mut conn, user_id.as_str(), after, size + 1).await?;
        drop(conn);
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > size;
        rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        let next_page_token = if more {
            rows.last().map(|r| r.id.clone()).unwrap_or_default()
        } else {
            String::new()
        };
        let reader = self.core.storage().reader(user_id.as_str()).await?;
        let messages = rows
            .into_iter()
            .map(|row| {
                let text = reader
                    .decrypt_to_string(&row.body, MESSAGE_BODY)
                    .map_err(|e| AgentError::Internal(format!("message text: {e}")))?;
                Ok(ConversationMessage {
                    id: row.id,
                    direction: row.direction,
                    text,
                    intent: row.intent.unwrap_or_default(),
                    created_at: Some(to_timestamp(row.created_at.and_utc())),
                })
            })
            .collect::<Result<Vec<_>, AgentError>>()?;
        Ok(ListMessagesResponse {
            messages,
            next_page_token,
        })
    }

    async fn get_model_usage(&self, request: GetModelUsageRequest) -> Result<GetModelUsageResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        check_month(&request.month)?;
        let mut conn = self.core.db.conn().await?;
        let rows = month_usage(&mut conn, user_id.as_str(), &request.month).await?;
        let preferences = usage::preferences(&mut conn, user_id.as_str()).await?;
        drop(conn);
        let providers: Vec<ProviderUsage> = rows
            .into_iter()
            .map(|(provider, requests, prompt, completion, cost)| ProviderUsage {
                provider,
                requests: count(requests),
                prompt_tokens: count(prompt),
                completion_tokens: count(completion),
                cost_micros: count(cost),
            })
            .collect();
        Ok(GetModelUsageResponse {
            month: request.month,
            requests: providers.iter().map(|p| p.requests).sum(),
            prompt_tokens: providers.iter().map(|p| p.prompt_tokens).sum(),
            completion_tokens: providers.iter().map(|p| p.completion_tokens).sum(),
            cost_micros: providers.iter().map(|p| p.cost_micros).sum(),
            providers,
            budget_micros: self.core.chain.budget(&preferences.plan),
            plan: preferences.plan,
        })
    }

    async fn set_plan(&self, request: SetPlanRequest) -> Result<SetPlanResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        if !matches!(request.plan.as_str(), "user" | "premium") {
            return Err(AgentError::field("plan", "must be user or premium"));
        }
        let mut conn = self.core.db.conn().await?;
        let mut preferences = usage::preferences(&mut conn, user_id.as_str()).await?;
        if preferences.plan != request.plan {
            preferences.plan = request.plan;
            usage::save_preferences(&mut conn, user_id.as_str(), &preferences, nudge_store::now()).await?;
            tracing::info!(user.id = %user_id, plan = %preferences.plan, "plan changed");
        }
        Ok(SetPlanResponse {})
    }
}

#[tonic::async_trait]
impl PersonDataService for PersonData {
    async fn list_memories(
        &self,
        request: Request<ListMemoriesRequest>,
    ) -> Result<Response<ListMemoriesResponse>, Status> {
        Ok(Response::new(
            PersonData::list_memories(self, request.into_inner()).await?,
        ))
    }

    async fn get_memory(&self, request: Request<GetMemoryRequest>) -> Result<Response<GetMemoryResponse>, Status> {
        Ok(Response::new(PersonData::get_memory(self, request.into_inner()).await?))
    }

    async fn forget_memory(
        &self,
        request: Request<ForgetMemoryRequest>,
    ) -> Result<Response<ForgetMemoryResponse>, Status> {
        Ok(Response::new(
            PersonData::forget_memory(self, request.into_inner()).await?,
        ))
    }

    async fn remember(&self, request: Request<RememberRequest>) -> Result<Response<RememberResponse>, Status> {
        Ok(Response::new(PersonData::remember(self, request.into_inner()).await?))
    }

    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        Ok(Response::new(
            PersonData::list_messages(self, request.into_inner()).await?,
        ))
    }

    async fn get_model_usage(
        &self,
        request: Request<GetModelUsageRequest>,
    ) -> Result<Response<GetModelUsageResponse>, Status> {
        Ok(Response::new(
            PersonData::get_model_usage(self, request.into_inner()).await?,
        ))
    }

    async fn set_plan(&self, request: Request<SetPlanRequest>) -> Result<Response<SetPlanResponse>, Status> {
        Ok(Response::new(PersonData::set_plan(self, request.into_inner()).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(month: &str, valid: bool) {
        assert_eq!(check_month(month).is_ok(), valid, "{month}");
    }

    #[test]
    fn months() {
        check("2026-11", true);
        check("2026-12", true);
        check("2026-13", false);
        check("2026-1", false);
        check("26-11-01", false);
        check("2026/11", false);
        check("", false);
    }
}
