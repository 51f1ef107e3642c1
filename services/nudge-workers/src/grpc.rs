//! `nudge.workers.v1.ReminderService`.

use std::sync::Arc;

use chrono::Utc;
use nudge_core::{Language, Timezone, UserId};
use nudge_proto::ServiceError;
use nudge_proto::time::{from_timestamp, to_timestamp};
use nudge_proto::workers::reminder_service_server::ReminderService;
use nudge_proto::workers::{
    AcknowledgeLatestRequest, AcknowledgeLatestResponse, CancelReminderRequest, CancelReminderResponse,
    CreateReminderRequest, CreateReminderResponse, GetDeliverySettingsRequest, GetDeliverySettingsResponse,
    GetReminderRequest, GetReminderResponse, ListRemindersRequest, ListRemindersResponse, Reminder, ReminderStatus,
    SetDeliverySettingsRequest, SetDeliverySettingsResponse, SnoozeLatestRequest, SnoozeLatestResponse,
    UpdateReminderRequest, UpdateReminderResponse,
};
use tonic::{Request, Response, Status};

use crate::store::{self, ReminderRow, reminder_status};
use crate::{Core, REMINDER_BODY, unavailable};

/// The longest reminder text accepted.
const MAX_TEXT_CHARS: usize = 500;

pub(crate) struct Reminders {
    core: Arc<Core>,
}

impl Reminders {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Reminders { core }
    }

    /// The wire form of a stored reminder.
    async fn to_proto(&self, conn: &mut nudge_store::DbConn, row: ReminderRow) -> Result<Reminder, Status> {
        let text = self
            .core
            .keys
            .decrypt_to_string(&row.body, REMINDER_BODY)
            .map_err(|e| ServiceError::internal(format!("cannot decrypt reminder {}: {e}", row.id)))?;
        let due_at = store::latest_due_at(conn, &row.id).await.map_err(unavailable)?;
        let status = match row.status.as_str() {
            reminder_status::SCHEDULED => ReminderStatus::Scheduled,
            reminder_status::SENT => ReminderStatus::Sent,
            reminder_status::DONE => ReminderStatus::Done,
            reminder_status::CANCELLED => ReminderStatus::Cancelled,
            _ => ReminderStatus::Unspecified,
        };
        Ok(Reminder {
            id: row.id,
            user_id: row.user_id,
            text,
            due_at: due_at.map(|at| to_timestamp(at.and_utc())),
            timezone: row.timezone,
            language: row.language,
            status: status.into(),
            rrule: String::new(),
            urgent: false,
            created_at: None,
            nags_sent: 0,
        })
    }
}

fn invalid(field: &str, error: impl std::fmt::Display) -> Status {
    ServiceError::invalid_argument(format!("{field}: {error}")).into()
}

#[tonic::async_trait]
impl ReminderService for Reminders {
    async fn create_reminder(
        &self,
        request: Request<CreateReminderRequest>,
    ) -> Result<Response<CreateReminderResponse>, Status> {
        let request = request.into_inner();
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let text = request.text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Err(invalid("text", "must be 1 to 500 characters"));
        }
        let due_at = from_timestamp(request.due_at.as_ref(), "due_at")?;
        let timezone: Timezone = request.timezone.parse().map_err(|e| invalid("timezone", e))?;
        let language: Language = request.language.parse().map_err(|e| invalid("language", e))?;
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > 200 {
            return Err(invalid("idempotency_key", "must be 1 to 200 characters"));
        }
        let id = nudge_core::new_id();
        let occurrence_id = nudge_core::new_id();
        let body = self.core.keys.encrypt_str(text, REMINDER_BODY);
        let mut conn = self.core.db.conn().await.map_err(unavailable)?;
        let (row, created) = store::create_reminder(
            &mut conn,
            &store::NewReminder {
                id: &id,
                occurrence_id: &occurrence_id,
                user_id: user_id.as_str(),
                body: &body,
                timezone: timezone.name(),
                language: language.as_str(),
                idempotency_key: &request.idempotency_key,
                due_at: nudge_store::to_utc(due_at),
                now: nudge_store::now(),
            },
        )
        .await
        .map_err(unavailable)?;
        if row.user_id != user_id.as_str() {
            // Someone else's key: never reveal their reminder.
            return Err(invalid("idempotency_key", "already used"));
        }
        if created {
            self.core.reminder_created.notify_one();
            metrics::counter!("nudge_reminders_created_total").increment(1);
            tracing::info!(reminder.id = %row.id, user.id = %user_id, in_seconds = (due_at - Utc::now()).num_seconds(), "reminder created");
        }
        let reminder = self.to_proto(&mut conn, row).await?;
        let first_send_at = reminder.due_at;
        Ok(Response::new(CreateReminderResponse {
            reminder: Some(reminder),
            created,
            first_send_at,
        }))
    }

    async fn acknowledge_latest(
        &self,
        request: Request<AcknowledgeLatestRequest>,
    ) -> Result<Response<AcknowledgeLatestResponse>, Status> {
        let request = request.into_inner();
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > 200 {
            return Err(invalid("idempotency_key", "must be 1 to 200 characters"));
        }
        let mut conn = self.core.db.conn().await.map_err(unavailable)?;
        let row = store::acknowledge_latest(
            &mut conn,
            user_id.as_str(),
            &request.idempotency_key,
            nudge_store::now(),
        )
        .await
        .map_err(unavailable)?;
        let reminder = match row {
            Some(row) if row.user_id == user_id.as_str() => Some(self.to_proto(&mut conn, row).await?),
            Some(_) => return Err(invalid("idempotency_key", "already used")),
            None => None,
        };
        Ok(Response::new(AcknowledgeLatestResponse { reminder }))
    }

    async fn list_reminders(
        &self,
        request: Request<ListRemindersRequest>,
    ) -> Result<Response<ListRemindersResponse>, Status> {
        let user_id = UserId::parse(&request.into_inner().user_id).map_err(|e| invalid("user_id", e))?;
        let mut conn = self.core.db.conn().await.map_err(unavailable)?;
        let rows = store::open_reminders(&mut conn, user_id.as_str())
            .await
            .map_err(unavailable)?;
        let mut reminders = Vec::with_capacity(rows.len());
        for row in rows {
            reminders.push(self.to_proto(&mut conn, row).await?);
        }
        reminders.sort_by_key(|r| r.due_at.as_ref().map(|t| (t.seconds, t.nanos)));
        Ok(Response::new(ListRemindersResponse { reminders }))
    }

    async fn snooze_latest(&self, _: Request<SnoozeLatestRequest>) -> Result<Response<SnoozeLatestResponse>, Status> {
        Err(Status::unimplemented("snooze is not implemented yet"))
    }

    async fn get_reminder(&self, _: Request<GetReminderRequest>) -> Result<Response<GetReminderResponse>, Status> {
        Err(Status::unimplemented("get is not implemented yet"))
    }

    async fn update_reminder(
        &self,
        _: Request<UpdateReminderRequest>,
    ) -> Result<Response<UpdateReminderResponse>, Status> {
        Err(Status::unimplemented("update is not implemented yet"))
    }

    async fn cancel_reminder(
        &self,
        _: Request<CancelReminderRequest>,
    ) -> Result<Response<CancelReminderResponse>, Status> {
        Err(Status::unimplemented("cancel is not implemented yet"))
    }

    async fn set_delivery_settings(
        &self,
        _: Request<SetDeliverySettingsRequest>,
    ) -> Result<Response<SetDeliverySettingsResponse>, Status> {
        Err(Status::unimplemented("delivery settings are not implemented yet"))
    }

    async fn get_delivery_settings(
        &self,
        _: Request<GetDeliverySettingsRequest>,
    ) -> Result<Response<GetDeliverySettingsResponse>, Status> {
        Err(Status::unimplemented("delivery settings are not implemented yet"))
    }
}
