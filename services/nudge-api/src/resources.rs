//! The person's reminders (workers), tasks (agent) and delivery settings
//! (workers), through their owners' gRPC contracts. The user id always comes
//! from the token; another person's id is answered 404 by the owning service.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use nudge_proto::agent::{
    AddTaskRequest, CompleteTaskRequest, DeleteTaskRequest, ListTasksRequest, MoveTaskRequest, Task, TaskStatus,
};
use nudge_proto::time::to_timestamp;
use nudge_proto::workers::{
    CancelReminderRequest, CreateReminderRequest, DeliverySettings, GetDeliverySettingsRequest, GetReminderRequest,
    ListRemindersRequest, MissedPolicy, QuietHours, Reminder, ReminderStatus, SetDeliverySettingsRequest,
    UpdateReminderRequest,
};
use serde::{Deserialize, Serialize};

use crate::account::{account_of, verified_account};
use crate::constraints::MAX_TEXT_CHARS;
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate, idempotency_key, object_id, query};
use crate::pagination::{Page, PageQuery, page_of_rows};
use crate::state::State;
use crate::timestamps::time;

type Data = web::Data<State>;

fn check_text(field: &str, text: &str) -> ApiResult<()> {
    let n = text.trim().chars().count();
    if n == 0 {
        return Err(ApiError::field(field, "must not be empty"));
    }
    if n > MAX_TEXT_CHARS {
        return Err(ApiError::field(field, "must be at most 500 characters"));
    }
    Ok(())
}

/// One page of `items` (already in a stable order), after `cursor` (an id).
fn page<T>(items: Vec<T>, id: impl Fn(&T) -> &str, query: &PageQuery) -> ApiResult<Page<T>> {
    let limit = query.limit()?;
    let start = match query.cursor()? {
        None => 0,
        Some(cursor) => items
            .iter()
            .position(|item| id(item) == cursor)
            .map(|i| i + 1)
            // Well formed, but naming nothing in the list (its object was
            // deleted, or it never was): not found, like an unknown id.
            .ok_or_else(|| ApiError::not_found("cursor: the object it names is"))?,
    };
    let items: Vec<T> = items.into_iter().skip(start).take(limit + 1).collect();
    let (items, next_cursor) = page_of_rows(items, limit, id);
    Ok(Page { items, next_cursor })
}

// ---- reminders ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ReminderView {
    id: String,
    text: String,
    due_at: Option<DateTime<Utc>>,
    timezone: String,
    language: String,
    status: &'static str,
    rrule: Option<String>,
    urgent: bool,
    nags_sent: u32,
    created_at: Option<DateTime<Utc>>,
}

fn reminder_view(r: Reminder) -> ReminderView {
    let status = match ReminderStatus::try_from(r.status).unwrap_or(ReminderStatus::Unspecified) {
        ReminderStatus::Scheduled => "scheduled",
        ReminderStatus::Sent => "sent",
        ReminderStatus::Done => "done",
        ReminderStatus::Cancelled => "cancelled",
        ReminderStatus::Missed => "missed",
        ReminderStatus::Unspecified => "unknown",
    };
    ReminderView {
        due_at: time(r.due_at.as_ref()),
        created_at: time(r.created_at.as_ref()),
        id: r.id,
        text: r.text,
        timezone: r.timezone,
        language: r.language,
        status,
        rrule: Some(r.rrule).filter(|r| !r.is_empty()),
        urgent: r.urgent,
        nags_sent: r.nags_sent,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
    include_finished: Option<bool>,
}

impl ListQuery {
    fn page(&self) -> PageQuery {
        PageQuery {
            limit: self.limit.clone(),
            cursor: self.cursor.clone(),
        }
    }
}

#[utoipa::path(get, path = "/v1/reminders", tag = "reminders", security(("bearer" = [])), params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("include_finished" = Option<bool>, Query)), responses((status = 200, body = Page<ReminderView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_reminders(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: ListQuery = query(&req)?;
    let mut reminders = state
        .clients
        .workers
        .clone()
        .list_reminders(ListRemindersRequest {
            user_id: person.user_id,
            include_finished: q.include_finished.unwrap_or(false),
        })
        .await?
        .into_inner()
        .reminders;
    reminders.sort_by(|a, b| a.id.cmp(&b.id));
    let page = page(reminders.into_iter().map(reminder_view).collect(), |r| &r.id, &q.page())?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(get, path = "/v1/reminders/{id}", tag = "reminders", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = ReminderView), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn get_reminder(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reminder_id = object_id(path, "reminder")?;
    let reminder = state
        .clients
        .workers
        .clone()
        .get_reminder(GetReminderRequest {
            user_id: person.user_id,
            reminder_id,
        })
        .await?
        .into_inner()
        .reminder
        .ok_or_else(|| ApiError::not_found("reminder"))?;
    Ok(HttpResponse::Ok().json(reminder_view(reminder)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewReminder {
    #[schema(schema_with = crate::constraints::text)]
    text: String,
    due_at: DateTime<Utc>,
    #[schema(schema_with = crate::constraints::optional_rrule)]
    rrule: Option<String>,
    #[serde(default)]
    urgent: bool,
}

impl Validate for NewReminder {
    fn validate(&mut self) -> ApiResult<()> {
        check_text("text", &self.text)?;
        if self
            .rrule
            .as_deref()
            .is_some_and(|r| r.len() > crate::constraints::MAX_RRULE_BYTES)
        {
            return Err(ApiError::field("rrule", "must be at most 500 characters"));
        }
        Ok(())
    }
}

#[utoipa::path(post, path = "/v1/reminders", tag = "reminders", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header)), request_body = NewReminder, responses((status = 201, body = ReminderView), (status = 200, description = "the idempotency key was seen", body = ReminderView), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 409, description = "the phone is not verified yet", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn create_reminder(
    state: Data,
    person: Authenticated,
    req: HttpRequest,
    Body(body): Body<NewReminder>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req, &person.user_id)?;
    let account = verified_account(&state, &person).await?;
    let created = state
        .clients
        .workers
        .clone()
        .create_reminder(CreateReminderRequest {
            user_id: person.user_id,
            text: body.text.trim().to_owned(),
            due_at: Some(to_timestamp(body.due_at)),
            timezone: account.timezone,
            language: account.language,
            idempotency_key: key,
            rrule: body.rrule.unwrap_or_default(),
            urgent: body.urgent,
        })
        .await?
        .into_inner();
    let reminder = created
        .reminder
        .ok_or_else(|| ApiError::internal("workers", "CreateReminder answered without a reminder"))?;
    let mut response = if created.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(reminder_view(reminder)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReminderChange {
    #[schema(schema_with = crate::constraints::optional_text)]
    text: Option<String>,
    due_at: Option<DateTime<Utc>>,
    #[schema(schema_with = crate::constraints::optional_rrule)]
    rrule: Option<String>,
    urgent: Option<bool>,
}

impl Validate for ReminderChange {
    fn validate(&mut self) -> ApiResult<()> {
        if let Some(text) = &self.text {
            check_text("text", text)?;
        }
        if self.rrule.as_deref().is_some_and(|r| r.len() > 500) {
            return Err(ApiError::field("rrule", "must be at most 500 characters"));
        }
        if self.text.is_none() && self.due_at.is_none() && self.rrule.is_none() && self.urgent.is_none() {
            return Err(ApiError::field(
                "body",
                "must change at least one of text, due_at, rrule, urgent",
            ));
        }
        Ok(())
    }
}

#[utoipa::path(patch, path = "/v1/reminders/{id}", tag = "reminders", security(("bearer" = [])), params(("id" = String, Path)), request_body = ReminderChange, responses((status = 200, body = ReminderView), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn update_reminder(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
    Body(body): Body<ReminderChange>,
) -> ApiResult<HttpResponse> {
    let reminder_id = object_id(path, "reminder")?;
    let reminder = state
        .clients
        .workers
        .clone()
        .update_reminder(UpdateReminderRequest {
            user_id: person.user_id,
            reminder_id,
            text: body.text.map(|t| t.trim().to_owned()),
            due_at: body.due_at.map(to_timestamp),
            rrule: body.rrule,
            urgent: body.urgent,
        })
        .await?
        .into_inner()
        .reminder
        .ok_or_else(|| ApiError::not_found("reminder"))?;
    Ok(HttpResponse::Ok().json(reminder_view(reminder)))
}

#[utoipa::path(delete, path = "/v1/reminders/{id}", tag = "reminders", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, description = "cancelled", body = ReminderView), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn cancel_reminder(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reminder_id = object_id(path, "reminder")?;
    let reminder = state
        .clients
        .workers
        .clone()
        .cancel_reminder(CancelReminderRequest {
            user_id: person.user_id,
            reminder_id,
        })
        .await?
        .into_inner()
        .reminder
        .ok_or_else(|| ApiError::not_found("reminder"))?;
    Ok(HttpResponse::Ok().json(reminder_view(reminder)))
}

// ---- tasks ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TaskView {
    id: String,
    text: String,
    position: u32,
    status: &'static str,
    due_at: Option<DateTime<Utc>>,
    reminder_id: Option<String>,
    created_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

fn task_view(t: Task) -> TaskView {
    let status = match TaskStatus::try_from(t.status).unwrap_or(TaskStatus::Unspecified) {
        TaskStatus::Open => "open",
        TaskStatus::Done => "done",
        TaskStatus::Unspecified => "unknown",
    };
    TaskView {
        due_at: time(t.due_at.as_ref()),
        created_at: time(t.created_at.as_ref()),
        completed_at: time(t.completed_at.as_ref()),
        id: t.id,
        text: t.text,
        position: t.position,
        status,
        reminder_id: Some(t.reminder_id).filter(|r| !r.is_empty()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaskQuery {
    limit: Option<String>,
    cursor: Option<String>,
    include_done: Option<bool>,
}

#[utoipa::path(get, path = "/v1/tasks", tag = "tasks", security(("bearer" = [])), params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("include_done" = Option<bool>, Query)), responses((status = 200, body = Page<TaskView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_tasks(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: TaskQuery = query(&req)?;
    let tasks = state
        .clients
        .tasks
        .clone()
        .list_tasks(ListTasksRequest {
            user_id: person.user_id,
            include_done: q.include_done.unwrap_or(false),
        })
        .await?
        .into_inner()
        .tasks;
    let page_query = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = page(tasks.into_iter().map(task_view).collect(), |t| &t.id, &page_query)?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTask {
    #[schema(schema_with = crate::constraints::text)]
    text: String,
    due_at: Option<DateTime<Utc>>,
}

impl Validate for NewTask {
    fn validate(&mut self) -> ApiResult<()> {
        check_text("text", &self.text)
    }
}

#[utoipa::path(post, path = "/v1/tasks", tag = "tasks", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header)), request_body = NewTask, responses((status = 201, body = TaskView), (status = 200, description = "the idempotency key was seen", body = TaskView), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 409, description = "the phone is not verified yet", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn add_task(
    state: Data,
    person: Authenticated,
    req: HttpRequest,
    Body(body): Body<NewTask>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req, &person.user_id)?;
    verified_account(&state, &person).await?;
    let added = state
        .clients
        .tasks
        .clone()
        .add_task(AddTaskRequest {
            user_id: person.user_id,
            text: body.text.trim().to_owned(),
            due_at: body.due_at.map(to_timestamp),
            idempotency_key: key,
        })
        .await?
        .into_inner();
    let task = added
        .task
        .ok_or_else(|| ApiError::internal("agent", "AddTask answered without a task"))?;
    let mut response = if added.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(task_view(task)))
}

#[utoipa::path(post, path = "/v1/tasks/{id}/complete", tag = "tasks", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = TaskView), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn complete_task(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let task_id = object_id(path, "task")?;
    let task = state
        .clients
        .tasks
        .clone()
        .complete_task(CompleteTaskRequest {
            user_id: person.user_id,
            task_id,
        })
        .await?
        .into_inner()
        .task
        .ok_or_else(|| ApiError::not_found("task"))?;
    Ok(HttpResponse::Ok().json(task_view(task)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveTask {
    #[schema(schema_with = crate::constraints::position)]
    position: u32,
}

impl Validate for MoveTask {
    fn validate(&mut self) -> ApiResult<()> {
        if self.position == 0 {
            return Err(ApiError::field("position", "must be 1 or more"));
        }
        if self.position > crate::constraints::MAX_POSITION {
            return Err(ApiError::field(
                "position",
                &format!("must be {} or less", crate::constraints::MAX_POSITION),
            ));
        }
        Ok(())
    }
}

#[utoipa::path(post, path = "/v1/tasks/{id}/move", tag = "tasks", security(("bearer" = [])), params(("id" = String, Path)), request_body = MoveTask, responses((status = 200, body = Page<TaskView>), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn move_task(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
    Body(body): Body<MoveTask>,
) -> ApiResult<HttpResponse> {
    let task_id = object_id(path, "task")?;
    let tasks = state
        .clients
        .tasks
        .clone()
        .move_task(MoveTaskRequest {
            user_id: person.user_id,
            task_id,
            position: body.position,
        })
        .await?
        .into_inner()
        .tasks;
    Ok(HttpResponse::Ok().json(Page {
        items: tasks.into_iter().map(task_view).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(delete, path = "/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204, description = "deleted"), (status = 404, description = "not the caller's", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn delete_task(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let task_id = object_id(path, "task")?;
    state
        .clients
        .tasks
        .clone()
        .delete_task(DeleteTaskRequest {
            user_id: person.user_id,
            task_id,
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- settings ----

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Quiet {
    /// "HH:MM", in the person's zone.
    #[schema(schema_with = crate::constraints::hhmm)]
    start: String,
    #[schema(schema_with = crate::constraints::hhmm)]
    end: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SettingsView {
    timezone: String,
    language: String,
    quiet_hours: Option<Quiet>,
    nag_interval_seconds: u32,
    nag_limit: u32,
    missed_policy: &'static str,
}

fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn minute_of(field: &str, text: &str) -> ApiResult<u32> {
    let bad = || ApiError::field(field, "must be a time of day HH:MM");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 || text.len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

async fn delivery(state: &State, user_id: &str) -> ApiResult<DeliverySettings> {
    state
        .clients
        .workers
        .clone()
        .get_delivery_settings(GetDeliverySettingsRequest {
            user_id: user_id.to_owned(),
        })
        .await?
        .into_inner()
        .settings
        .ok_or_else(|| ApiError::internal("workers", "GetDeliverySettings answered without settings"))
}

fn settings_view(account: &crate::store::Account, d: &DeliverySettings) -> SettingsView {
    SettingsView {
        timezone: account.timezone.clone(),
        language: account.language.clone(),
        quiet_hours: d.quiet_hours.map(|q| Quiet {
            start: hhmm(q.start_minute),
            end: hhmm(q.end_minute),
        }),
        nag_interval_seconds: d.nag_interval_seconds,
        nag_limit: d.nag_limit,
        missed_policy: match MissedPolicy::try_from(d.missed_policy).unwrap_or(MissedPolicy::Unspecified) {
            MissedPolicy::RecordMissed => "record_missed",
            MissedPolicy::SendLate | MissedPolicy::Unspecified => "send_late",
        },
    }
}

#[utoipa::path(get, path = "/v1/me/settings", tag = "me", security(("bearer" = [])), responses((status = 200, body = SettingsView), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn get_settings(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    let delivery = delivery(&state, &person.user_id).await?;
    Ok(HttpResponse::Ok().json(settings_view(&account, &delivery)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsChange {
    /// `null` turns quiet hours off; absent keeps them.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<Quiet>, nullable)]
    quiet_hours: Option<Option<Quiet>>,
    #[schema(schema_with = crate::constraints::optional_nag_interval_seconds)]
    nag_interval_seconds: Option<u32>,
    #[schema(schema_with = crate::constraints::optional_nag_limit)]
    nag_limit: Option<u32>,
    missed_policy: Option<MissedChoice>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MissedChoice {
    SendLate,
    RecordMissed,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

impl Validate for SettingsChange {
    fn validate(&mut self) -> ApiResult<()> {
        if let Some(Some(quiet)) = &self.quiet_hours {
            let start = minute_of("quiet_hours.start", &quiet.start)?;
            let end = minute_of("quiet_hours.end", &quiet.end)?;
            if start == end {
                return Err(ApiError::field("quiet_hours", "start and end must differ"));
            }
        }
        Ok(())
    }
}

#[utoipa::path(patch, path = "/v1/me/settings", tag = "me", security(("bearer" = [])), request_body = SettingsChange, responses((status = 200, body = SettingsView), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn update_settings(
    state: Data,
    person: Authenticated,
    Body(body): Body<SettingsChange>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    let mut settings = delivery(&state, &person.user_id).await?;
    if let Some(quiet) = body.quiet_hours {
        settings.quiet_hours = match quiet {
            Some(q) => Some(QuietHours {
                start_minute: minute_of("quiet_hours.start", &q.start)?,
                end_minute: minute_of("quiet_hours.end", &q.end)?,
            }),
            None => None,
        };
    }
    if let Some(n) = body.nag_interval_seconds {
        settings.nag_interval_seconds = n;
    }
    if let Some(n) = body.nag_limit {
        settings.nag_limit = n;
    }
    if let Some(policy) = body.missed_policy {
        settings.missed_policy = match policy {
            MissedChoice::SendLate => MissedPolicy::SendLate,
            MissedChoice::RecordMissed => MissedPolicy::RecordMissed,
        }
        .into();
    }
    let saved = state
        .clients
        .workers
        .clone()
        .set_delivery_settings(SetDeliverySettingsRequest {
            settings: Some(settings),
        })
        .await?
        .into_inner()
        .settings
        .ok_or_else(|| ApiError::internal("workers", "SetDeliverySettings answered without settings"))?;
    Ok(HttpResponse::Ok().json(settings_view(&account, &saved)))
}
