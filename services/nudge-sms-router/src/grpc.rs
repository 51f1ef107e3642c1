//! `nudge.sms.v1.SmsRouterService`.

use std::sync::Arc;

use nudge_core::{PhoneNumber, UserId};
use nudge_proto::sms::sms_router_service_server::SmsRouterService;
use nudge_proto::sms::{
    AssignNumberRequest, AssignNumberResponse, ChangePhoneRequest, ChangePhoneResponse, GetNumberRequest,
    GetNumberResponse, GetUsageRequest, GetUsageResponse, ListNumbersRequest, ListNumbersResponse, NumberInfo,
    ProvisionNumberRequest, ProvisionNumberResponse, ReleaseNumberRequest, ReleaseNumberResponse,
    SendPhoneCheckRequest, SendSmsRequest, SendSmsResponse, SmsKind,
};
use tonic::{Request, Response, Status};

use crate::error::RouterError;
use crate::numbers::store::StoredPhone;
use crate::numbers::{self, store};
use crate::outbound::{self, OutboundKind};
use crate::state::Core;
use crate::usage;

pub(crate) struct SmsRouter {
    core: Arc<Core>,
}

impl SmsRouter {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        SmsRouter { core }
    }
}

fn invalid(field: &str, error: impl std::fmt::Display) -> RouterError {
    RouterError::field(field, error)
}

impl SmsRouter {
    async fn send(&self, request: SendSmsRequest) -> Result<SendSmsResponse, RouterError> {
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
        let queued = outbound::queue(&self.core, &user_id, &request.body, &request.idempotency_key, kind).await?;
        Ok(SendSmsResponse {
            outbound_id: queued.ids.first().cloned().unwrap_or_default(),
            duplicate: queued.duplicate,
            status: queued.status,
            parts: i32::try_from(queued.ids.len()).unwrap_or(i32::MAX),
            segments: queued.segments,
            outbound_ids: queued.ids,
        })
    }

    async fn assign(&self, request: AssignNumberRequest) -> Result<AssignNumberResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let phone = PhoneNumber::parse(&request.phone).map_err(|e| invalid("phone", e))?;
        let nudge_number = PhoneNumber::parse(&request.nudge_number).map_err(|e| invalid("nudge_number", e))?;
        let profile = numbers::AgentProfile::from_request(&request.timezone, &request.language, request.number_only)?;
        numbers::assign(&self.core, user_id.as_str(), &phone, &nudge_number, profile).await?;
        Ok(AssignNumberResponse {})
    }

    async fn provision(&self, request: ProvisionNumberRequest) -> Result<ProvisionNumberResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let phone = PhoneNumber::parse(&request.phone).map_err(|e| invalid("phone", e))?;
        let wanted = numbers::wanted(&request.area_code, &request.country, &self.core.default_country)?;
        let provisioned = numbers::provision(&self.core, user_id.as_str(), &phone, &wanted).await?;
        Ok(ProvisionNumberResponse {
            nudge_number: provisioned.nudge_number,
            provider_sid: provisioned.provider_sid,
            monthly_price_micros: provisioned.monthly_price_micros,
            currency: self.core.sms.currency.clone(),
            existing: provisioned.existing,
        })
    }

    async fn release(&self, request: ReleaseNumberRequest) -> Result<ReleaseNumberResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let (nudge_number, released_at_provider) = numbers::release(&self.core, user_id.as_str()).await?;
        Ok(ReleaseNumberResponse {
            nudge_number,
            released_at_provider,
        })
    }

    async fn list(&self, request: ListNumbersRequest) -> Result<ListNumbersResponse, RouterError> {
        let size = match request.page_size {
            0 => 100,
            n if (1..=1000).contains(&n) => i64::from(n),
            _ => return Err(invalid("page_size", "must be 1 to 1000")),
        };
        let mut conn = self.core.db.conn().await?;
        let mut rows = store::list_numbers(&mut conn, &request.page_token, size + 1).await?;
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > size;
        rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        let next_page_token = if more {
            rows.last().map(|r| r.user_id.clone()).unwrap_or_default()
        } else {
            String::new()
        };
        let numbers = rows.into_iter().map(number_info).collect();
        Ok(ListNumbersResponse {
            numbers,
            next_page_token,
        })
    }

    async fn usage(&self, request: GetUsageRequest) -> Result<GetUsageResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        usage::monthly(&self.core, user_id.as_str(), &request.month).await
    }

    async fn phone_check(&self, request: SendPhoneCheckRequest) -> Result<SendSmsResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let phone = PhoneNumber::parse(&request.phone).map_err(|e| invalid("phone", e))?;
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > 200 {
            return Err(invalid("idempotency_key", "must be 1 to 200 characters"));
        }
        let queued = outbound::queue_to(
            &self.core,
            &user_id,
            &request.body,
            &request.idempotency_key,
            OutboundKind::System,
            Some(phone.as_str()),
        )
        .await?;
        Ok(sent(queued))
    }

    async fn change_phone(&self, request: ChangePhoneRequest) -> Result<ChangePhoneResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let phone = PhoneNumber::parse(&request.phone).map_err(|e| invalid("phone", e))?;
        let mut conn = self.core.db.conn().await?;
        if store::phone_of_another(&mut conn, self.core.keys.ring(), user_id.as_str(), phone.as_str()).await? {
            return Err(RouterError::AlreadyExists(
                "phone: the verified phone of another person".to_owned(),
            ));
        }
        let phone = StoredPhone::seal(&mut conn, &self.core.keys, user_id.as_str(), phone.as_str()).await?;
        if !store::change_phone(&mut conn, user_id.as_str(), &phone).await? {
            return Err(RouterError::NotFound("this person has no Nudge number".to_owned()));
        }
        tracing::info!(user.id = %user_id, "verified phone changed");
        Ok(ChangePhoneResponse {})
    }

    async fn number(&self, request: GetNumberRequest) -> Result<GetNumberResponse, RouterError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let mut conn = self.core.db.conn().await?;
        let row = store::number_of(&mut conn, user_id.as_str())
            .await?
            .ok_or_else(|| RouterError::NotFound("this person has no Nudge number".to_owned()))?;
        Ok(GetNumberResponse {
            number: Some(number_info(row)),
        })
    }
}

#[tonic::async_trait]
impl SmsRouterService for SmsRouter {
    async fn send_sms(&self, request: Request<SendSmsRequest>) -> Result<Response<SendSmsResponse>, Status> {
        Ok(Response::new(self.send(request.into_inner()).await?))
    }

    async fn assign_number(
        &self,
        request: Request<AssignNumberRequest>,
    ) -> Result<Response<AssignNumberResponse>, Status> {
        Ok(Response::new(self.assign(request.into_inner()).await?))
    }

    async fn provision_number(
        &self,
        request: Request<ProvisionNumberRequest>,
    ) -> Result<Response<ProvisionNumberResponse>, Status> {
        Ok(Response::new(self.provision(request.into_inner()).await?))
    }

    async fn release_number(
        &self,
        request: Request<ReleaseNumberRequest>,
    ) -> Result<Response<ReleaseNumberResponse>, Status> {
        Ok(Response::new(self.release(request.into_inner()).await?))
    }

    async fn list_numbers(
        &self,
        request: Request<ListNumbersRequest>,
    ) -> Result<Response<ListNumbersResponse>, Status> {
        Ok(Response::new(self.list(request.into_inner()).await?))
    }

    async fn get_usage(&self, request: Request<GetUsageRequest>) -> Result<Response<GetUsageResponse>, Status> {
        Ok(Response::new(self.usage(request.into_inner()).await?))
    }

    async fn send_phone_check(
        &self,
        request: Request<SendPhoneCheckRequest>,
    ) -> Result<Response<SendSmsResponse>, Status> {
        Ok(Response::new(self.phone_check(request.into_inner()).await?))
    }

    async fn change_phone(
        &self,
        request: Request<ChangePhoneRequest>,
    ) -> Result<Response<ChangePhoneResponse>, Status> {
        Ok(Response::new(self.change_phone(request.into_inner()).await?))
    }

    async fn get_number(&self, request: Request<GetNumberRequest>) -> Result<Response<GetNumberResponse>, Status> {
        Ok(Response::new(self.number(request.into_inner()).await?))
    }
}

fn sent(queued: crate::outbound::Queued) -> SendSmsResponse {
    SendSmsResponse {
        outbound_id: queued.ids.first().cloned().unwrap_or_default(),
        duplicate: queued.duplicate,
        status: queued.status,
        parts: i32::try_from(queued.ids.len()).unwrap_or(i32::MAX),
        segments: queued.segments,
        outbound_ids: queued.ids,
    }
}

fn number_info(row: store::ListedNumber) -> NumberInfo {
    NumberInfo {
        user_id: row.user_id,
        nudge_number: row.nudge_number,
        provider_sid: row.provider_sid.unwrap_or_default(),
        monthly_price_micros: i64::from(row.monthly_price_micros.unwrap_or_default()),
        assigned_at: Some(nudge_proto::time::to_timestamp(row.created_at.and_utc())),
        opted_out: row.opted_out,
    }
}
