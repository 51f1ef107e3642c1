//! What Nudge keeps of the person, read through its owners' gRPC contracts:
//! memories and the conversation (agent `PersonDataService`), the person's
//! Nudge number (sms-router `GetNumber`), the month's usage and costs
//! (sms-router `GetUsage`, agent `GetModelUsage`), and the integrations Nudge
//! knows. The user id always comes from the token; another person's id is
//! answered 404 by the owning service.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use nudge_proto::ErrorCode;
use nudge_proto::agent::person_data_service_client::PersonDataServiceClient;
use nudge_proto::agent::{
    ConversationMessage, ForgetMemoryRequest, GetMemoryRequest, ListMemoriesRequest, ListMessagesRequest, Memory,
    RememberRequest,
};
use nudge_proto::sms::GetNumberRequest;
use nudge_runtime::TracedChannel;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate, idempotency_key, object_id, query};
use crate::pagination::{Page, PageQuery};
use crate::state::State;
use crate::timestamps::time;
use crate::usage::{ModelUsage, NumberView, SmsUsage, month_of, number_view, usage_of};

type Data = web::Data<State>;

/// The longest fact the API keeps.
const MAX_FACT_CHARS: usize = 500;

pub(crate) fn person_data(state: &State) -> PersonDataServiceClient<TracedChannel> {
    state.clients.person_data.clone()
}

/// Page parameters as the owning service takes them; a well-formed cursor
/// the service does not know names nothing in the list: not found.
fn page_request(q: &PageQuery) -> ApiResult<(u32, String)> {
    let limit = u32::try_from(q.limit()?).unwrap_or(20);
    Ok((limit, q.cursor()?.unwrap_or_default().to_owned()))
}

fn cursor_error(status: tonic::Status) -> ApiError {
    if ErrorCode::from_grpc(status.code()) == ErrorCode::InvalidArgument {
        ApiError::not_found("cursor: the object it names is")
    } else {
        ApiError::from(status)
    }
}

fn next(token: String) -> Option<String> {
    Some(token).filter(|t| !t.is_empty())
}

// ---- memories ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MemoryView {
    id: String,
    /// The fact, decrypted for its owner.
    text: String,
    /// How many times the person told it.
    mentions: u32,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

fn memory_view(m: Memory) -> MemoryView {
    MemoryView {
        created_at: time(m.created_at.as_ref()),
        updated_at: time(m.updated_at.as_ref()),
        id: m.id,
        text: m.text,
        mentions: m.mentions,
    }
}

#[utoipa::path(get, path = "/v1/memories", tag = "memories", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the person's active memories, newest first", body = Page<MemoryView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_memories(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: PageQuery = query(&req)?;
    let (page_size, page_token) = page_request(&q)?;
    let answer = person_data(&state)
        .list_memories(ListMemoriesRequest {
            user_id: person.user_id,
            page_size,
            page_token,
        })
        .await
        .map_err(cursor_error)?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page {
        items: answer.memories.into_iter().map(memory_view).collect(),
        next_cursor: next(answer.next_page_token),
    }))
}

#[utoipa::path(get, path = "/v1/memories/{id}", tag = "memories", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = MemoryView), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn get_memory(state: Data, person: Authenticated, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let memory_id = object_id(path, "memory")?;
    let memory = person_data(&state)
        .get_memory(GetMemoryRequest {
            user_id: person.user_id,
            memory_id,
        })
        .await?
        .into_inner()
        .memory
        .ok_or_else(|| ApiError::not_found("memory"))?;
    Ok(HttpResponse::Ok().json(memory_view(memory)))
}

#[utoipa::path(delete, path = "/v1/memories/{id}", tag = "memories", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "forgotten for good"), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn forget_memory(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let memory_id = object_id(path, "memory")?;
    person_data(&state)
        .forget_memory(ForgetMemoryRequest {
            user_id: person.user_id,
            memory_id,
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewMemory {
    /// The fact to remember, 1 to 500 characters.
    #[schema(schema_with = crate::constraints::text)]
    text: String,
}

impl Validate for NewMemory {
    fn validate(&mut self) -> ApiResult<()> {
        let n = self.text.trim().chars().count();
        if n == 0 {
            return Err(ApiError::field("text", "must not be empty"));
        }
        if n > MAX_FACT_CHARS {
            return Err(ApiError::field("text", "must be at most 500 characters"));
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Remembered {
    /// `new`, `again` (the same fact told before: one more mention) or
    /// `updated` (it replaced an older fact about the same thing).
    outcome: String,
    memory: MemoryView,
}

#[utoipa::path(post, path = "/v1/memories", tag = "memories", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header)), request_body = NewMemory,
    responses((status = 201, description = "remembered (new or updated)", body = Remembered), (status = 200, description = "the same fact was known, or the idempotency key was seen", body = Remembered), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn remember(
    state: Data,
    person: Authenticated,
    req: HttpRequest,
    Body(body): Body<NewMemory>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req, &person.user_id)?;
    let answer = person_data(&state)
        .remember(RememberRequest {
            user_id: person.user_id,
            text: body.text.trim().to_owned(),
            idempotency_key: key,
        })
        .await?
        .into_inner();
    let memory = answer
        .memory
        .ok_or_else(|| ApiError::internal("agent", "Remember answered without a memory"))?;
    let mut response = if answer.outcome == "again" {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    Ok(response.json(Remembered {
        outcome: answer.outcome,
        memory: memory_view(memory),
    }))
}

// ---- conversation ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MessageView {
    id: String,
    /// `in` (the person's SMS) or `out` (Nudge's reply).
    direction: String,
    /// The message, decrypted for its owner.
    text: String,
    /// What Nudge understood of an inbound message, once handled.
    intent: Option<String>,
    created_at: Option<DateTime<Utc>>,
}

fn message_view(m: ConversationMessage) -> MessageView {
    MessageView {
        created_at: time(m.created_at.as_ref()),
        intent: Some(m.intent).filter(|i| !i.is_empty()),
        id: m.id,
        direction: m.direction,
        text: m.text,
    }
}

#[utoipa::path(get, path = "/v1/conversations/messages", tag = "conversations", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the person's messages in and out, newest first", body = Page<MessageView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_messages(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: PageQuery = query(&req)?;
    let (page_size, page_token) = page_request(&q)?;
    let answer = person_data(&state)
        .list_messages(ListMessagesRequest {
            user_id: person.user_id,
            page_size,
            page_token,
        })
        .await
        .map_err(cursor_error)?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page {
        items: answer.messages.into_iter().map(message_view).collect(),
        next_cursor: next(answer.next_page_token),
    }))
}

// ---- number ----

#[utoipa::path(get, path = "/v1/me/number", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = NumberView), (status = 404, description = "the person has no Nudge number yet (phone not verified)", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn my_number(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    let number = state
        .clients
        .sms
        .clone()
        .get_number(GetNumberRequest {
            user_id: person.user_id,
        })
        .await?
        .into_inner()
        .number
        .ok_or_else(|| ApiError::not_found("number"))?;
    Ok(HttpResponse::Ok().json(number_view(&number)))
}

// ---- usage and costs ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MonthQuery {
    month: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Usage {
    month: String,
    sms: SmsUsage,
    model: ModelUsage,
}

#[utoipa::path(get, path = "/v1/me/usage", tag = "me", security(("bearer" = [])),
    params(("month" = Option<String>, Query, description = "YYYY-MM (UTC); the current month when absent")),
    responses((status = 200, description = "SMS segments and cost (sms-router), model tokens and cost (agent) for the month", body = Usage), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn my_usage(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: MonthQuery = query(&req)?;
    let month = month_of(q.month.as_deref())?;
    let (sms, model) = usage_of(&state, &person.user_id, &month).await?;
    Ok(HttpResponse::Ok().json(Usage { month, sms, model }))
}

// ---- integrations ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IntegrationView {
    /// `google_calendar`, `microsoft_calendar`, `notion`, `youtube`.
    name: &'static str,
    kind: &'static str,
    /// Whether this version of Nudge can connect it at all. False for every
    /// integration today: the OAuth connections are not built yet.
    available: bool,
    /// `not_available` (cannot be connected in this version), later
    /// `not_connected` or `connected`.
    state: &'static str,
}

/// The integrations Nudge plans (design, capability 6). None can be connected yet.
const INTEGRATIONS: &[(&str, &str)] = &[
    ("google_calendar", "calendar"),
    ("microsoft_calendar", "calendar"),
    ("notion", "notes"),
    ("youtube", "video"),
];

#[utoipa::path(get, path = "/v1/integrations", tag = "integrations", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the integrations Nudge knows and their state for the person; none can be connected in this version (state not_available)", body = Page<IntegrationView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_integrations(_person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: PageQuery = query(&req)?;
    let limit = q.limit()?;
    // The cursor is the number of integrations already shown.
    let start = match q.cursor()? {
        None => 0,
        Some(cursor) => cursor
            .parse::<usize>()
            .ok()
            .filter(|n| (1..INTEGRATIONS.len()).contains(n))
            .ok_or_else(|| ApiError::not_found("cursor: the object it names is"))?,
    };
    let items: Vec<IntegrationView> = INTEGRATIONS
        .iter()
        .skip(start)
        .take(limit)
        .map(|(name, kind)| IntegrationView {
            name,
            kind,
            available: false,
            state: "not_available",
        })
        .collect();
    let shown = start + items.len();
    let next_cursor = (shown < INTEGRATIONS.len()).then(|| shown.to_string());
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}
