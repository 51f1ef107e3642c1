//! `nudge.workers.v1.ReminderService`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use nudge_core::{Language, Timezone, UserId};
use nudge_proto::time::{from_timestamp, to_timestamp};
use nudge_proto::workers::reminder_service_server::ReminderService;
use nudge_proto::workers::{
    AcknowledgeLatestRequest, AcknowledgeLatestResponse, CancelReminderRequest, CancelReminderResponse,
    CreateReminderRequest, CreateReminderResponse, DeliverySettings, GetDeliverySettingsRequest,
    GetDeliverySettingsResponse, GetReminderRequest, GetReminderResponse, ListRemindersRequest, ListRemindersResponse,
    Reminder, ReminderStatus, SetDeliverySettingsRequest, SetDeliverySettingsResponse, SnoozeLatestRequest,
    SnoozeLatestResponse, UpdateReminderRequest, UpdateReminderResponse,
};
use nudge_secure::PersonReader;
use tonic::{Request, Response, Status};

use crate::error::WorkersError;
use crate::people::{self, Delivery, MissedPolicy};
use crate::quiet::QuietHours;
use crate::store::{self, NewOccurrence, ReminderRow, occurrence_kind, reminder_status};
use crate::{Core, REMINDER_BODY, recurrence};

/// The longest reminder text accepted.
const MAX_TEXT_CHARS: usize = 500;
/// How far back `include_finished` looks.
const FINISHED_SHOWN_FOR: TimeDelta = TimeDelta::days(7);
/// The zone shown for a person who never set one and has no reminder.
const FALLBACK_TIMEZONE: &str = "UTC";

pub(crate) struct Reminders {
    core: Arc<Core>,
}

fn invalid(field: &str, error: impl std::fmt::Display) -> WorkersError {
    WorkersError::field(field, error)
}

fn not_found() -> WorkersError {
    WorkersError::NotFound("no such reminder".to_owned())
}

/// A required time of the request (`nudge_proto`'s check, as this service's error).
fn timestamp(at: Option<&prost_types::Timestamp>, field: &str) -> Result<DateTime<Utc>, WorkersError> {
    from_timestamp(at, field).map_err(|error| WorkersError::Invalid(error.message))
}

fn check_key(key: &str) -> Result<(), WorkersError> {
    if key.is_empty() || key.len() > 200 {
        return Err(invalid("idempotency_key", "must be 1 to 200 characters"));
    }
    Ok(())
}

fn check_text(text: &str) -> Result<&str, WorkersError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid("text", "must be 1 to 500 characters"));
    }
    Ok(text)
}

fn status_of(status: &str) -> ReminderStatus {
    match status {
        reminder_status::SCHEDULED => ReminderStatus::Scheduled,
        reminder_status::SENT => ReminderStatus::Sent,
        reminder_status::DONE => ReminderStatus::Done,
        reminder_status::CANCELLED => ReminderStatus::Cancelled,
        reminder_status::MISSED => ReminderStatus::Missed,
        _ => ReminderStatus::Unspecified,
    }
}

/// The occurrence to store for something due at `due_at`: moved to the end
/// of quiet hours when it falls inside them (and the reminder is not urgent).
fn occurrence_at(
    kind: &'static str,
    due_at: DateTime<Utc>,
    delivery: &Delivery,
    urgent: bool,
    reminder_tz: chrono_tz::Tz,
) -> NewOccurrence {
    let send_at = delivery.send_time(due_at, Utc::now(), urgent, reminder_tz);
    NewOccurrence {
        id: nudge_core::new_id(),
        kind,
        due_at: nudge_store::to_utc(send_at),
        held_from: (send_at != due_at).then(|| nudge_store::to_utc(due_at)),
    }
}

impl Reminders {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Reminders { core }
    }

    /// The wire form of stored reminders, in the same order.
    async fn to_protos(
        &self,
        conn: &mut nudge_store::DbConn,
        rows: Vec<ReminderRow>,
    ) -> Result<Vec<Reminder>, WorkersError> {
        let due = store::shown_due_times(conn, &rows).await?;
        let mut readers: HashMap<String, PersonReader> = HashMap::new();
        let mut protos = Vec::with_capacity(rows.len());
        for row in rows {
            if !readers.contains_key(&row.user_id) {
                let reader = self.core.keys.for_reading(conn, &row.user_id).await?;
                readers.insert(row.user_id.clone(), reader);
            }
            let due_at = due.get(&row.id).copied();
            let reader = &readers[&row.user_id];
            protos.push(self.to_proto(reader, row, due_at)?);
        }
        Ok(protos)
    }

    async fn one(&self, conn: &mut nudge_store::DbConn, row: ReminderRow) -> Result<Reminder, WorkersError> {
        let mut protos = self.to_protos(conn, vec![row]).await?;
        protos
            .pop()
            .ok_or_else(|| WorkersError::Internal("a reminder went missing".to_owned()))
    }

    fn to_proto(
        &self,
        reader: &PersonReader,
        row: ReminderRow,
        due_at: Option<NaiveDateTime>,
    ) -> Result<Reminder, WorkersError> {
        let text = reader
            .decrypt_to_string(&row.body, REMINDER_BODY)
            .map_err(|e| WorkersError::Internal(format!("cannot decrypt reminder {}: {e}", row.id)))?;
        Ok(Reminder {
            status: status_of(&row.status).into(),
            id: row.id,
            user_id: row.user_id,
            text,
            due_at: due_at.map(|at| to_timestamp(at.and_utc())),
            timezone: row.timezone,
            language: row.language,
            rrule: row.rrule.unwrap_or_default(),
            urgent: row.urgent,
            created_at: Some(to_timestamp(row.created_at.and_utc())),
            nags_sent: u32::try_from(row.nags_sent).unwrap_or(0),
        })
    }

    async fn conn(&self) -> Result<nudge_store::DbConn, WorkersError> {
        Ok(self.core.db.conn().await?)
    }
}

/// The wire form of delivery settings.
fn settings_proto(user_id: &str, delivery: &Delivery, timezone: &str) -> DeliverySettings {
    use nudge_proto::workers::MissedPolicy as Policy;
    DeliverySettings {
        user_id: user_id.to_owned(),
        timezone: timezone.to_owned(),
        quiet_hours: delivery.quiet_hours.map(|q| nudge_proto::workers::QuietHours {
            start_minute: q.start_minute,
            end_minute: q.end_minute,
        }),
        nag_interval_seconds: delivery.nag_interval_seconds,
        nag_limit: delivery.nag_limit,
        missed_policy: match delivery.missed_policy {
            MissedPolicy::SendLate => Policy::SendLate,
            MissedPolicy::RecordMissed => Policy::RecordMissed,
        }
        .into(),
    }
}

/// Checks settings as sent; the first refusal names its field.
fn check_settings(settings: &DeliverySettings) -> Result<(UserId, Timezone, Delivery), WorkersError> {
    use nudge_proto::workers::MissedPolicy as Policy;
    let user_id = UserId::parse(&settings.user_id).map_err(|e| invalid("user_id", e))?;
    let timezone: Timezone = settings.timezone.parse().map_err(|e| invalid("timezone", e))?;
    let quiet_hours = match &settings.quiet_hours {
        Some(quiet) => {
            Some(QuietHours::new(quiet.start_minute, quiet.end_minute).map_err(|e| invalid("quiet_hours", e))?)
        }
        None => None,
    };
    if settings.nag_interval_seconds > people::MAX_NAG_INTERVAL_SECONDS {
        return Err(invalid(
            "nag_interval_seconds",
            format!("must be at most {}", people::MAX_NAG_INTERVAL_SECONDS),
        ));
    }
    if settings.nag_limit > people::MAX_NAG_LIMIT {
        return Err(invalid(
            "nag_limit",
            format!("must be at most {}", people::MAX_NAG_LIMIT),
        ));
    }
    let missed_policy = match Policy::try_from(settings.missed_policy) {
        Ok(Policy::SendLate) => MissedPolicy::SendLate,
        Ok(Policy::RecordMissed) => MissedPolicy::RecordMissed,
        _ => {
            return Err(invalid(
                "missed_policy",
                "must be MISSED_POLICY_SEND_LATE or MISSED_POLICY_RECORD_MISSED",
            ));
        }
    };
    Ok((
        user_id,
        timezone,
        Delivery {
            timezone: Some(timezone.tz()),
            quiet_hours,
            nag_interval_seconds: settings.nag_interval_seconds,
            nag_limit: settings.nag_limit,
            missed_policy,
        },
    ))
}

impl Reminders {
    async fn create(&self, request: CreateReminderRequest) -> Result<CreateReminderResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let text = check_text(&request.text)?;
        let due_at = timestamp(request.due_at.as_ref(), "due_at")?;
        let timezone: Timezone = request.timezone.parse().map_err(|e| invalid("timezone", e))?;
        let language: Language = request.language.parse().map_err(|e| invalid("language", e))?;
        check_key(&request.idempotency_key)?;
        let rrule = request.rrule.trim();
        let rrule = if rrule.is_empty() {
            None
        } else {
            recurrence::validate(rrule, due_at, timezone.tz()).map_err(|e| invalid("rrule", e))?;
            Some(rrule)
        };
        self.core.ensure_reachable(user_id.as_str()).await?;
        let id = nudge_core::new_id();
        let mut conn = self.conn().await?;
        let body = self
            .core
            .keys
            .for_writing(&mut conn, user_id.as_str())
            .await?
            .encrypt_str(text, REMINDER_BODY);
        let delivery = Delivery::of(&mut conn, user_id.as_str()).await?;
        let first = occurrence_at(occurrence_kind::DUE, due_at, &delivery, request.urgent, timezone.tz());
        let first_send_at = first.due_at;
        let (row, created) = store::create_reminder(
            &mut conn,
            &store::NewReminder {
                id: &id,
                user_id: user_id.as_str(),
                body: &body,
                timezone: timezone.name(),
                language: language.as_str(),
                idempotency_key: &request.idempotency_key,
                rrule,
                dtstart: nudge_store::to_utc(due_at),
                urgent: request.urgent,
                first,
                now: nudge_store::now(),
            },
        )
        .await?;
        if row.user_id != user_id.as_str() {
            // Someone else's key: never reveal their reminder.
            return Err(invalid("idempotency_key", "already used"));
        }
        if created {
            self.core.scheduled_at(first_send_at);
            metrics::counter!("nudge_reminders_created_total").increment(1);
            tracing::info!(
                reminder.id = %row.id,
                user.id = %user_id,
                in_seconds = (due_at - Utc::now()).num_seconds(),
                recurring = rrule.is_some(),
                held = first_send_at != nudge_store::to_utc(due_at),
                "reminder created"
            );
        }
        let reminder = self.one(&mut conn, row).await?;
        let first_send_at = if created {
            Some(to_timestamp(first_send_at.and_utc()))
        } else {
            reminder.due_at
        };
        Ok(CreateReminderResponse {
            reminder: Some(reminder),
            created,
            first_send_at,
        })
    }

    async fn acknowledge(&self, request: AcknowledgeLatestRequest) -> Result<AcknowledgeLatestResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        check_key(&request.idempotency_key)?;
        let mut conn = self.conn().await?;
        let row = store::acknowledge_latest(
            &mut conn,
            user_id.as_str(),
            &request.idempotency_key,
            nudge_store::now(),
        )
        .await?;
        let reminder = match row {
            Some(row) if row.user_id == user_id.as_str() => {
                tracing::info!(reminder.id = %row.id, user.id = %user_id, "reminder acknowledged");
                Some(self.one(&mut conn, row).await?)
            }
            Some(_) => return Err(invalid("idempotency_key", "already used")),
            None => None,
        };
        Ok(AcknowledgeLatestResponse { reminder })
    }

    async fn snooze(&self, request: SnoozeLatestRequest) -> Result<SnoozeLatestResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        check_key(&request.idempotency_key)?;
        let until = timestamp(request.until.as_ref(), "until")?;
        let mut conn = self.conn().await?;
        let owned = |row: ReminderRow| {
            if row.user_id == user_id.as_str() {
                Ok(row)
            } else {
                Err(invalid("idempotency_key", "already used"))
            }
        };
        if let Some(row) = store::reminder_by_snooze_key(&mut conn, &request.idempotency_key).await? {
            let reminder = self.one(&mut conn, owned(row)?).await?;
            return Ok(SnoozeLatestResponse {
                reminder: Some(reminder),
            });
        }
        if until <= Utc::now() {
            return Err(invalid("until", "must be in the future"));
        }
        let delivery = Delivery::of(&mut conn, user_id.as_str()).await?;
        // A concurrent answer may take the reminder found: look again (a few times).
        for _ in 0..3 {
            let Some(latest) = store::latest_awaiting_answer(&mut conn, user_id.as_str()).await? else {
                break;
            };
            let tz: chrono_tz::Tz = latest.timezone.parse().unwrap_or(chrono_tz::UTC);
            let occurrence = occurrence_at(occurrence_kind::SNOOZE, until, &delivery, latest.urgent, tz);
            match store::snooze(
                &mut conn,
                &latest,
                &request.idempotency_key,
                &occurrence,
                nudge_store::now(),
            )
            .await
            {
                Ok(true) => {
                    self.core.scheduled_at(occurrence.due_at);
                    tracing::info!(reminder.id = %latest.id, user.id = %user_id, occurrence.id = %occurrence.id, "reminder snoozed");
                    let row = store::reminder_of(&mut conn, user_id.as_str(), &latest.id)
                        .await?
                        .ok_or_else(not_found)?;
                    let reminder = self.one(&mut conn, row).await?;
                    return Ok(SnoozeLatestResponse {
                        reminder: Some(reminder),
                    });
                }
                Ok(false) => continue,
                // A concurrent retry of the same snooze got there first: same answer.
                Err(error) if nudge_store::is_unique_violation(&error) => {
                    let row = store::reminder_by_snooze_key(&mut conn, &request.idempotency_key)
                        .await?
                        .ok_or_else(|| WorkersError::Internal("a snooze went missing".to_owned()))?;
                    let reminder = self.one(&mut conn, owned(row)?).await?;
                    return Ok(SnoozeLatestResponse {
                        reminder: Some(reminder),
                    });
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(SnoozeLatestResponse { reminder: None })
    }

    async fn list(&self, request: ListRemindersRequest) -> Result<ListRemindersResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let since = request
            .include_finished
            .then(|| nudge_store::to_utc(Utc::now() - FINISHED_SHOWN_FOR));
        let mut conn = self.conn().await?;
        let rows = store::reminders_of(&mut conn, user_id.as_str(), since).await?;
        let mut reminders = self.to_protos(&mut conn, rows).await?;
        // Soonest first; a reminder without any time last. The sort is stable:
        // equal times keep the order of creation.
        reminders.sort_by_key(|r| match &r.due_at {
            Some(at) => (0, at.seconds, at.nanos),
            None => (1, 0, 0),
        });
        Ok(ListRemindersResponse { reminders })
    }

    async fn get(&self, request: GetReminderRequest) -> Result<GetReminderResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let mut conn = self.conn().await?;
        let row = store::reminder_of(&mut conn, user_id.as_str(), &request.reminder_id)
            .await?
            .ok_or_else(not_found)?;
        let reminder = self.one(&mut conn, row).await?;
        Ok(GetReminderResponse {
            reminder: Some(reminder),
        })
    }

    async fn update(&self, request: UpdateReminderRequest) -> Result<UpdateReminderResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let text = request.text.as_deref().map(check_text).transpose()?;
        let due_at = match &request.due_at {
            Some(at) => Some(timestamp(Some(at), "due_at")?),
            None => None,
        };
        let mut conn = self.conn().await?;
        let body = match text {
            Some(text) => Some(
                self.core
                    .keys
                    .for_writing(&mut conn, user_id.as_str())
                    .await?
                    .encrypt_str(text, REMINDER_BODY),
            ),
            None => None,
        };
        let row = store::reminder_of(&mut conn, user_id.as_str(), &request.reminder_id)
            .await?
            .ok_or_else(not_found)?;
        if !reminder_status::OPEN.contains(&row.status.as_str()) {
            return Err(WorkersError::FailedPrecondition(format!(
                "reminder_id: the reminder is {} and can no longer change",
                row.status
            )));
        }
        let tz: chrono_tz::Tz = row.timezone.parse().unwrap_or(chrono_tz::UTC);
        let now = Utc::now();
        let dtstart = due_at.or(row.dtstart.map(|at| at.and_utc())).unwrap_or(now);
        let rrule = match request.rrule.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(rule) => {
                recurrence::validate(rule, dtstart, tz).map_err(|e| invalid("rrule", e))?;
                Some(Some(rule))
            }
        };
        let urgent = request.urgent.unwrap_or(row.urgent);
        // The new next occurrence: the time given, or the new rule's next one after now.
        let replace_at = match (due_at, rrule) {
            (Some(at), _) => Some(at),
            (None, Some(Some(rule))) => Some(
                recurrence::next_after(rule, dtstart, tz, now)
                    .map_err(|e| invalid("rrule", e))?
                    .ok_or_else(|| invalid("rrule", "the rule never occurs again"))?,
            ),
            _ => None,
        };
        let replace_with = match replace_at {
            Some(at) => {
                let delivery = Delivery::of(&mut conn, user_id.as_str()).await?;
                Some(occurrence_at(occurrence_kind::DUE, at, &delivery, urgent, tz))
            }
            None => None,
        };
        let replace_with_due = replace_with.as_ref().map(|o| o.due_at);
        let updated = store::update_reminder(
            &mut conn,
            user_id.as_str(),
            &row.id,
            &store::ReminderUpdate {
                body: body.as_deref(),
                rrule,
                // A new time is the rule's new start.
                dtstart: due_at.map(nudge_store::to_utc),
                urgent: request.urgent,
                replace_with,
                now: nudge_store::now(),
            },
        )
        .await?;
        if !updated {
            return Err(WorkersError::FailedPrecondition(
                "reminder_id: the reminder finished meanwhile".to_owned(),
            ));
        }
        if let Some(occurrence) = &replace_with_due {
            self.core.scheduled_at(*occurrence);
        }
        tracing::info!(reminder.id = %row.id, user.id = %user_id, rescheduled = replace_at.is_some(), "reminder updated");
        let row = store::reminder_of(&mut conn, user_id.as_str(), &row.id)
            .await?
            .ok_or_else(not_found)?;
        let reminder = self.one(&mut conn, row).await?;
        Ok(UpdateReminderResponse {
            reminder: Some(reminder),
        })
    }

    async fn cancel(&self, request: CancelReminderRequest) -> Result<CancelReminderResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let mut conn = self.conn().await?;
        let row = store::cancel_reminder(&mut conn, user_id.as_str(), &request.reminder_id, nudge_store::now())
            .await?
            .ok_or_else(not_found)?;
        tracing::info!(reminder.id = %row.id, user.id = %user_id, status = %row.status, "reminder cancelled");
        let reminder = self.one(&mut conn, row).await?;
        Ok(CancelReminderResponse {
            reminder: Some(reminder),
        })
    }

    async fn set_settings(
        &self,
        request: SetDeliverySettingsRequest,
    ) -> Result<SetDeliverySettingsResponse, WorkersError> {
        let settings = request.settings.ok_or_else(|| invalid("settings", "is required"))?;
        let (user_id, timezone, delivery) = check_settings(&settings)?;
        let now = nudge_store::now();
        let as_i32 = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
        let mut conn = self.conn().await?;
        store::save_person(
            &mut conn,
            &store::PersonRow {
                user_id: user_id.as_str().to_owned(),
                timezone: timezone.name().to_owned(),
                quiet_start_minute: delivery.quiet_hours.map(|q| as_i32(q.start_minute)),
                quiet_end_minute: delivery.quiet_hours.map(|q| as_i32(q.end_minute)),
                nag_interval_seconds: as_i32(delivery.nag_interval_seconds),
                nag_limit: as_i32(delivery.nag_limit),
                missed_policy: delivery.missed_policy.as_str().to_owned(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        tracing::info!(user.id = %user_id, "delivery settings saved");
        Ok(SetDeliverySettingsResponse {
            settings: Some(settings_proto(user_id.as_str(), &delivery, timezone.name())),
        })
    }

    async fn settings(&self, request: GetDeliverySettingsRequest) -> Result<GetDeliverySettingsResponse, WorkersError> {
        let user_id = UserId::parse(&request.user_id).map_err(|e| invalid("user_id", e))?;
        let mut conn = self.conn().await?;
        let row = store::person(&mut conn, user_id.as_str()).await?;
        let delivery = Delivery::from_row(row.as_ref());
        let timezone = match row {
            Some(row) => row.timezone,
            // Never set: each reminder's own zone; shown as the latest one's.
            None => store::latest_timezone(&mut conn, user_id.as_str())
                .await?
                .unwrap_or_else(|| FALLBACK_TIMEZONE.to_owned()),
        };
        Ok(GetDeliverySettingsResponse {
            settings: Some(settings_proto(user_id.as_str(), &delivery, &timezone)),
        })
    }
}

#[tonic::async_trait]
impl ReminderService for Reminders {
    async fn create_reminder(
        &self,
        request: Request<CreateReminderRequest>,
    ) -> Result<Response<CreateReminderResponse>, Status> {
        Ok(Response::new(self.create(request.into_inner()).await?))
    }

    async fn acknowledge_latest(
        &self,
        request: Request<AcknowledgeLatestRequest>,
    ) -> Result<Response<AcknowledgeLatestResponse>, Status> {
        Ok(Response::new(self.acknowledge(request.into_inner()).await?))
    }

    async fn snooze_latest(
        &self,
        request: Request<SnoozeLatestRequest>,
    ) -> Result<Response<SnoozeLatestResponse>, Status> {
        Ok(Response::new(self.snooze(request.into_inner()).await?))
    }

    async fn list_reminders(
        &self,
        request: Request<ListRemindersRequest>,
    ) -> Result<Response<ListRemindersResponse>, Status> {
        Ok(Response::new(self.list(request.into_inner()).await?))
    }

    async fn get_reminder(
        &self,
        request: Request<GetReminderRequest>,
    ) -> Result<Response<GetReminderResponse>, Status> {
        Ok(Response::new(self.get(request.into_inner()).await?))
    }

    async fn update_reminder(
        &self,
        request: Request<UpdateReminderRequest>,
    ) -> Result<Response<UpdateReminderResponse>, Status> {
        Ok(Response::new(self.update(request.into_inner()).await?))
    }

    async fn cancel_reminder(
        &self,
        request: Request<CancelReminderRequest>,
    ) -> Result<Response<CancelReminderResponse>, Status> {
        Ok(Response::new(self.cancel(request.into_inner()).await?))
    }

    async fn set_delivery_settings(
        &self,
        request: Request<SetDeliverySettingsRequest>,
    ) -> Result<Response<SetDeliverySettingsResponse>, Status> {
        Ok(Response::new(self.set_settings(request.into_inner()).await?))
    }

    async fn get_delivery_settings(
        &self,
        request: Request<GetDeliverySettingsRequest>,
    ) -> Result<Response<GetDeliverySettingsResponse>, Status> {
        Ok(Response::new(self.settings(request.into_inner()).await?))
    }
}
