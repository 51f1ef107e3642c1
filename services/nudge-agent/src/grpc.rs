//! `nudge.agent.v1.AgentService`.

use std::sync::Arc;

use nudge_core::{Language, Timezone, UserId};
use nudge_proto::agent::agent_service_server::AgentService;
use nudge_proto::agent::{HandleInboundRequest, HandleInboundResponse, UpsertPersonRequest, UpsertPersonResponse};
use tonic::{Request, Response, Status};

use crate::error::AgentError;
use crate::handle::{self, Inbound};
use crate::state::Core;

pub(crate) struct Agent {
    core: Arc<Core>,
}

impl Agent {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Agent { core }
    }
}

fn invalid(field: &str, error: impl std::fmt::Display) -> Status {
    AgentError::field(field, error).into()
}

#[tonic::async_trait]
impl AgentService for Agent {
    async fn handle_inbound(
        &self,
        request: Request<HandleInboundRequest>,
    ) -> Result<Response<HandleInboundResponse>, Status> {
        let request = request.into_inner();
        let inbound = Inbound {
            user_id: UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?,
            message_id: match request.message_id.as_str() {
                id if !id.is_empty() && id.len() <= 64 => id.to_owned(),
                _ => return Err(invalid("message_id", "must be 1 to 64 characters")),
            },
            body: request.body,
            received_at: nudge_proto::time::from_timestamp(request.received_at.as_ref(), "received_at")?,
        };
        let handled = handle::handle_inbound(&self.core, inbound).await?;
        Ok(Response::new(HandleInboundResponse {
            intent: handled.intent.to_owned(),
            duplicate: handled.duplicate,
            answered_by: handled.answered_by,
            tools: handled.tools,
        }))
    }

    async fn upsert_person(
        &self,
        request: Request<UpsertPersonRequest>,
    ) -> Result<Response<UpsertPersonResponse>, Status> {
        let person = request
            .into_inner()
            .person
            .ok_or_else(|| invalid("person", "is required"))?;
        let user_id = UserId::parse(&person.user_id).map_err(|e| invalid("person.user_id", e))?;
        let timezone: Timezone = person.timezone.parse().map_err(|e| invalid("person.timezone", e))?;
        let language: Language = person.language.parse().map_err(|e| invalid("person.language", e))?;
        handle::upsert_person(&self.core.storage(), &user_id, timezone, language).await?;
        Ok(Response::new(UpsertPersonResponse {}))
    }
}
