//! `nudge.agent.v1.TaskService`: parses, calls the task feature, maps the result.

use std::sync::Arc;

use nudge_core::UserId;
use nudge_proto::agent::task_service_server::TaskService;
use nudge_proto::agent::{
    AddTaskRequest, AddTaskResponse, CompleteTaskRequest, CompleteTaskResponse, DeleteTaskRequest, DeleteTaskResponse,
    ListTasksRequest, ListTasksResponse, MoveTaskRequest, MoveTaskResponse, Task, TaskStatus,
};
use nudge_proto::time::{from_timestamp, to_timestamp};
use nudge_secure::PersonReader;
use tonic::{Request, Response, Status};

use super::{DONE, OPEN, TASK_BODY, TaskRow, actions, add, get, list, move_to};
use crate::error::AgentError;
use crate::state::Core;

/// The longest task text accepted.
const MAX_TEXT_CHARS: usize = 300;

/// `nudge.agent.v1.TaskService`.
pub(crate) struct Tasks {
    core: Arc<Core>,
}

impl Tasks {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Tasks { core }
    }

    fn to_proto(&self, reader: &PersonReader, row: TaskRow, position: u32) -> Result<Task, AgentError> {
        let text = reader
            .decrypt_to_string(&row.body, TASK_BODY)
            .map_err(|e| AgentError::Internal(format!("cannot decrypt task {}: {e}", row.id)))?;
        let status = if row.status == DONE {
            TaskStatus::Done
        } else {
            TaskStatus::Open
        };
        Ok(Task {
            id: row.id,
            user_id: row.user_id,
            text,
            position: if status == TaskStatus::Done { 0 } else { position },
            status: status.into(),
            due_at: row.due_at.map(|at| to_timestamp(at.and_utc())),
            reminder_id: row.reminder_id.unwrap_or_default(),
            created_at: Some(to_timestamp(row.created_at.and_utc())),
            completed_at: row.completed_at.map(|at| to_timestamp(at.and_utc())),
        })
    }

    async fn listed(&self, user_id: &str, include_done: bool) -> Result<Vec<Task>, AgentError> {
        let mut conn = self.core.db.conn().await?;
        let since = include_done.then(|| nudge_store::now() - chrono::TimeDelta::days(7));
        let rows = list(&mut conn, user_id, since).await?;
        let reader = self.core.keys.for_reading(&mut conn, user_id).await?;
        rows.into_iter()
            .enumerate()
            .map(|(index, row)| self.to_proto(&reader, row, u32::try_from(index + 1).unwrap_or(u32::MAX)))
            .collect()
    }
}

fn not_found() -> AgentError {
    AgentError::NotFound("no such task".to_owned())
}

fn user(id: &str) -> Result<UserId, AgentError> {
    UserId::parse(id).map_err(|e| AgentError::field("user_id", e))
}

/// The calls of `nudge.agent.v1.TaskService`, on the domain error; the trait
/// below converts their error once.
impl Tasks {
    async fn add_task(&self, request: AddTaskRequest) -> Result<AddTaskResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let text = request.text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Err(AgentError::field("text", "must be 1 to 300 characters"));
        }
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > 200 {
            return Err(AgentError::field("idempotency_key", "must be 1 to 200 characters"));
        }
        let due_at = match &request.due_at {
            Some(at) => Some(nudge_store::to_utc(from_timestamp(Some(at), "due_at")?)),
            None => None,
        };
        let mut conn = self.core.db.conn().await?;
        let cipher = self.core.keys.for_writing(&mut conn, user_id.as_str()).await?;
        let body = cipher.encrypt_str(text, TASK_BODY);
        let (row, created) = add(
            &mut conn,
            user_id.as_str(),
            &body,
            due_at,
            &request.idempotency_key,
            nudge_store::now(),
        )
        .await?;
        if row.user_id != user_id.as_str() {
            return Err(AgentError::field("idempotency_key", "already used"));
        }
        let position = u32::try_from(row.position).unwrap_or(0);
        Ok(AddTaskResponse {
            task: Some(self.to_proto(&cipher, row, position)?),
            created,
        })
    }

    async fn list_tasks(&self, request: ListTasksRequest) -> Result<ListTasksResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        Ok(ListTasksResponse {
            tasks: self.listed(user_id.as_str(), request.include_done).await?,
        })
    }

    async fn complete_task(&self, request: CompleteTaskRequest) -> Result<CompleteTaskResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        let task = actions::complete(&self.core.services(), &user_id, &request.task_id)
            .await?
            .ok_or_else(not_found)?;
        Ok(CompleteTaskResponse {
            task: Some(self.to_proto(&self.core.storage().reader(user_id.as_str()).await?, task, 0)?),
        })
    }

    async fn move_task(&self, request: MoveTaskRequest) -> Result<MoveTaskResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        if request.position == 0 {
            return Err(AgentError::field("position", "is 1-based"));
        }
        let mut conn = self.core.db.conn().await?;
        match get(&mut conn, user_id.as_str(), &request.task_id).await? {
            Some(task) if task.status == OPEN => {}
            Some(_) => return Err(AgentError::FailedPrecondition("the task is done".to_owned())),
            None => return Err(not_found()),
        }
        let to = usize::try_from(request.position).unwrap_or(usize::MAX);
        move_to(&mut conn, user_id.as_str(), &request.task_id, to).await?;
        drop(conn);
        Ok(MoveTaskResponse {
            tasks: self.listed(user_id.as_str(), false).await?,
        })
    }

    async fn delete_task(&self, request: DeleteTaskRequest) -> Result<DeleteTaskResponse, AgentError> {
        let user_id = user(&request.user_id)?;
        actions::delete(&self.core.services(), &user_id, &request.task_id)
            .await?
            .ok_or_else(not_found)?;
        Ok(DeleteTaskResponse {})
    }
}

#[tonic::async_trait]
impl TaskService for Tasks {
    async fn add_task(&self, request: Request<AddTaskRequest>) -> Result<Response<AddTaskResponse>, Status> {
        Ok(Response::new(Tasks::add_task(self, request.into_inner()).await?))
    }

    async fn list_tasks(&self, request: Request<ListTasksRequest>) -> Result<Response<ListTasksResponse>, Status> {
        Ok(Response::new(Tasks::list_tasks(self, request.into_inner()).await?))
    }

    async fn complete_task(
        &self,
        request: Request<CompleteTaskRequest>,
    ) -> Result<Response<CompleteTaskResponse>, Status> {
        Ok(Response::new(Tasks::complete_task(self, request.into_inner()).await?))
    }

    async fn move_task(&self, request: Request<MoveTaskRequest>) -> Result<Response<MoveTaskResponse>, Status> {
        Ok(Response::new(Tasks::move_task(self, request.into_inner()).await?))
    }

    async fn delete_task(&self, request: Request<DeleteTaskRequest>) -> Result<Response<DeleteTaskResponse>, Status> {
        Ok(Response::new(Tasks::delete_task(self, request.into_inner()).await?))
    }
}
