//! `nudge.sms.v1.SmsRouterService`.

use std::sync::Arc;

use nudge_core::{PhoneNumber, UserId};
use nudge_proto::ServiceError;
use nudge_proto::sms::sms_router_service_server::SmsRouterService;
use nudge_proto::sms::{AssignNumberRequest, AssignNumberResponse, SendSmsRequest, SendSmsResponse, SmsKind};
use tonic::{Request, Response, Status};

use crate::Core;
use crate::outbound::OutboundKind;

pub(crate) struct SmsRouter {
    core: Arc<Core>,
}

impl SmsRouter {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        SmsRouter { core }
    }
}

fn invalid(field: &str, error: impl std::fmt::Display) -> Status {
    ServiceError::invalid_argument(format!("{field}: {error}")).into()
}

#[tonic::async_trait]
impl SmsRouterService for SmsRouter {
    async fn send_sms(&self, request: Request<SendSmsRequest>) -> Result<Response<SendSmsResponse>, Status> {
        let request = request.into_inner();
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let kind = match SmsKind::try_from(request.kind) {
            Ok(SmsKind::Reply) => OutboundKind::Reply,
            Ok(SmsKind::Reminder) => OutboundKind::Reminder,
            Ok(SmsKind::System) => OutboundKind::System,
            Ok(SmsKind::Unspecified) | Err(_) => return Err(invalid("kind", "must be reply, reminder or system")),
        };
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > 200 {
            return Err(invalid("idempotency_key", "must be 1 to 200 characters"));
        }
        let queued = self
            .core
            .queue_outbound(&user_id, &request.body, &request.idempotency_key, kind)
            .await?;
        Ok(Response::new(SendSmsResponse {
            outbound_id: queued.id,
            duplicate: queued.duplicate,
            status: queued.status,
        }))
    }

    async fn assign_number(
        &self,
        request: Request<AssignNumberRequest>,
    ) -> Result<Response<AssignNumberResponse>, Status> {
        let request = request.into_inner();
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let phone = PhoneNumber::parse(&request.phone).map_err(|e| invalid("phone", e))?;
        let nudge_number = PhoneNumber::parse(&request.nudge_number).map_err(|e| invalid("nudge_number", e))?;
        self.core.assign_number(user_id.as_str(), &phone, &nudge_number).await?;
        Ok(Response::new(AssignNumberResponse {}))
    }
}
