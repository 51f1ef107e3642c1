//! `nudge.workers.v1.ReminderService`: each call's request checked into the
//! domain inputs of its operation in [`crate::reminders`], run, and its
//! result turned into the response. Nothing here reads the database.

use std::sync::Arc;

use chrono::{DateTime, Utc};
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
use tonic::{Request, Response, Status};

use crate::error::WorkersError;
use crate::people::{self, Delivery, MissedPolicy};
use crate::quiet::QuietHours;
use crate::reminders::{self, Context, ShownReminder};
use crate::state::Core;
use crate::store::reminder_status;

/// The longest reminder text accepted.
const MAX_TEXT_CHARS: usize = 500;

pub(crate) struct Reminders {
    core: Arc<Core>,
}

impl Reminders {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Reminders { core }
    }

    fn context(&self) -> Context<'_> {
        Context::of(&self.core)
    }
}

fn invalid(field: &str, error: impl std::fmt::Display) -> WorkersError {
    WorkersError::field(field, error)
}

fn user_id(user_id: &str) -> Result<UserId, WorkersError> {
    UserId::parse(user_id).map_err(|e| invalid("user_id", e))
}

/// A required time of the request (`nudge_proto`'s check, as this service's error).
fn timestamp(at: Option<&prost_types::Timestamp>, field: &str) -> Result<DateTime<Utc>, WorkersError> {
    from_timestamp(at, field).map_err(|error| WorkersError::Invalid(error.message))
}

fn check_key(key: &str) -> Result<&str, WorkersError> {
    if key.is_empty() || key.len() > 200 {
        return Err(invalid("idempotency_key", "must be 1 to 200 characters"));
    }
    Ok(key)
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

/// The wire form of a reminder.
fn reminder_proto(reminder: ShownReminder) -> Reminder {
    let ShownReminder { row, text, due_at } = reminder;
    Reminder {
        status: status_of(&row.status).into(),
        id: row.id,
        user_id: row.user_id,
        text,
        due_at: due_at.map(to_timestamp),
        timezone: row.timezone,
        language: row.language,
        rrule: row.rrule.unwrap_or_default(),
        urgent: row.urgent,
        created_at: Some(to_timestamp(row.created_at.and_utc())),
        nags_sent: u32::try_from(row.nags_sent).unwrap_or(0),
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
    let user_id = user_id(&settings.user_id)?;
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
        let user_id = user_id(&request.user_id)?;
        let created = reminders::CreateReminder {
            user_id: &user_id,
            text: check_text(&request.text)?,
            due_at: timestamp(request.due_at.as_ref(), "due_at")?,
            timezone: request
                .timezone
                .parse::<Timezone>()
                .map_err(|e| invalid("timezone", e))?,
            language: request
                .language
                .parse::<Language>()
                .map_err(|e| invalid("language", e))?,
            idempotency_key: check_key(&request.idempotency_key)?,
            rrule: request.rrule.trim(),
            urgent: request.urgent,
        }
        .run(&self.context())
        .await?;
        Ok(CreateReminderResponse {
            reminder: Some(reminder_proto(created.reminder)),
            created: created.created,
            first_send_at: created.first_send_at.map(to_timestamp),
        })
    }

    async fn acknowledge(&self, request: AcknowledgeLatestRequest) -> Result<AcknowledgeLatestResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let reminder = reminders::AcknowledgeLatest {
            user_id: &user_id,
            idempotency_key: check_key(&request.idempotency_key)?,
        }
        .run(&self.context())
        .await?;
        Ok(AcknowledgeLatestResponse {
            reminder: reminder.map(reminder_proto),
        })
    }

    async fn snooze(&self, request: SnoozeLatestRequest) -> Result<SnoozeLatestResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let reminder = reminders::SnoozeLatest {
            user_id: &user_id,
            idempotency_key: check_key(&request.idempotency_key)?,
            until: timestamp(request.until.as_ref(), "until")?,
        }
        .run(&self.context())
        .await?;
        Ok(SnoozeLatestResponse {
            reminder: reminder.map(reminder_proto),
        })
    }

    async fn list(&self, request: ListRemindersRequest) -> Result<ListRemindersResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let reminders = reminders::ListReminders {
            user_id: &user_id,
            include_finished: request.include_finished,
        }
        .run(&self.context())
        .await?;
        Ok(ListRemindersResponse {
            reminders: reminders.into_iter().map(reminder_proto).collect(),
        })
    }

    async fn get(&self, request: GetReminderRequest) -> Result<GetReminderResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let reminder = reminders::GetReminder {
            user_id: &user_id,
            reminder_id: &request.reminder_id,
        }
        .run(&self.context())
        .await?;
        Ok(GetReminderResponse {
            reminder: Some(reminder_proto(reminder)),
        })
    }

    async fn update(&self, request: UpdateReminderRequest) -> Result<UpdateReminderResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let reminder = reminders::UpdateReminder {
            user_id: &user_id,
            reminder_id: &request.reminder_id,
            text: request.text.as_deref().map(check_text).transpose()?,
            due_at: match &request.due_at {
                Some(at) => Some(timestamp(Some(at), "due_at")?),
                None => None,
            },
            rrule: request.rrule.as_deref().map(str::trim),
            urgent: request.urgent,
        }
        .run(&self.context())
        .await?;
        Ok(UpdateReminderResponse {
            reminder: Some(reminder_proto(reminder)),
        })
    }

    async fn cancel(&self, request: CancelReminderRequest) -> Result<CancelReminderResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let reminder = reminders::CancelReminder {
            user_id: &user_id,
            reminder_id: &request.reminder_id,
        }
        .run(&self.context())
        .await?;
        Ok(CancelReminderResponse {
            reminder: Some(reminder_proto(reminder)),
        })
    }

    async fn set_settings(
        &self,
        request: SetDeliverySettingsRequest,
    ) -> Result<SetDeliverySettingsResponse, WorkersError> {
        let settings = request.settings.ok_or_else(|| invalid("settings", "is required"))?;
        let (user_id, timezone, delivery) = check_settings(&settings)?;
        let saved = reminders::SaveDeliverySettings {
            user_id: &user_id,
            timezone,
            delivery,
        }
        .run(&self.context())
        .await?;
        Ok(SetDeliverySettingsResponse {
            settings: Some(settings_proto(user_id.as_str(), &saved.delivery, &saved.timezone)),
        })
    }

    async fn settings(&self, request: GetDeliverySettingsRequest) -> Result<GetDeliverySettingsResponse, WorkersError> {
        let user_id = user_id(&request.user_id)?;
        let settings = reminders::DeliverySettingsOf { user_id: &user_id }
            .run(&self.context())
            .await?;
        Ok(GetDeliverySettingsResponse {
            settings: Some(settings_proto(user_id.as_str(), &settings.delivery, &settings.timezone)),
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::store::ReminderRow;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    fn shown(status: &str, due_at: Option<&str>) -> ShownReminder {
        ShownReminder {
            row: ReminderRow {
                id: "reminder-1".to_owned(),
                user_id: "user-1".to_owned(),
                body: b"sealed".to_vec(),
                timezone: "Europe/Paris".to_owned(),
                language: "fr".to_owned(),
                status: status.to_owned(),
                rrule: None,
                dtstart: None,
                urgent: true,
                nags_sent: 2,
                created_at: utc("2026-05-01T08:00:00Z").naive_utc(),
                last_due_at: None,
            },
            text: "take the pills".to_owned(),
            due_at: due_at.map(utc),
        }
    }

    #[test]
    fn a_reminder_on_the_wire_carries_its_decrypted_text_and_next_time() {
        let reminder = reminder_proto(shown(reminder_status::SENT, Some("2026-05-02T09:30:00.25Z")));
        assert_eq!(
            reminder,
            Reminder {
                id: "reminder-1".to_owned(),
                user_id: "user-1".to_owned(),
                text: "take the pills".to_owned(),
                due_at: Some(prost_types::Timestamp {
                    seconds: utc("2026-05-02T09:30:00Z").timestamp(),
                    nanos: 250_000_000,
                }),
                timezone: "Europe/Paris".to_owned(),
                language: "fr".to_owned(),
                rrule: String::new(),
                urgent: true,
                created_at: Some(prost_types::Timestamp {
                    seconds: utc("2026-05-01T08:00:00Z").timestamp(),
                    nanos: 0,
                }),
                nags_sent: 2,
                status: ReminderStatus::Sent.into(),
            }
        );
        let mut recurring = shown(reminder_status::DONE, None);
        recurring.row.rrule = Some("FREQ=DAILY".to_owned());
        recurring.row.nags_sent = -1;
        let reminder = reminder_proto(recurring);
        assert_eq!(reminder.rrule, "FREQ=DAILY");
        assert_eq!(reminder.due_at, None);
        assert_eq!(reminder.nags_sent, 0);
        assert_eq!(reminder.status(), ReminderStatus::Done);
    }

    #[test]
    fn each_stored_status_has_its_wire_status() {
        #[track_caller]
        fn check(stored: &str, expected: ReminderStatus) {
            assert_eq!(status_of(stored), expected, "{stored}");
        }
        check(reminder_status::SCHEDULED, ReminderStatus::Scheduled);
        check(reminder_status::SENT, ReminderStatus::Sent);
        check(reminder_status::DONE, ReminderStatus::Done);
        check(reminder_status::CANCELLED, ReminderStatus::Cancelled);
        check(reminder_status::MISSED, ReminderStatus::Missed);
        check("something new", ReminderStatus::Unspecified);
    }

    #[test]
    fn texts_are_trimmed_and_1_to_500_characters() {
        assert_eq!(check_text("  call mum \n").expect("accepted"), "call mum");
        assert_eq!(
            check_text(&"é".repeat(500)).expect("500 characters").chars().count(),
            500
        );
        for refused in ["", "   ", "é".repeat(501).as_str()] {
            let error = check_text(refused).expect_err("refused");
            assert_eq!(error.to_string(), "text: must be 1 to 500 characters");
        }
    }

    #[test]
    fn keys_are_1_to_200_bytes() {
        assert_eq!(check_key("k").expect("accepted"), "k");
        assert!(check_key(&"k".repeat(200)).is_ok());
        for refused in [String::new(), "k".repeat(201)] {
            let error = check_key(&refused).expect_err("refused");
            assert_eq!(error.to_string(), "idempotency_key: must be 1 to 200 characters");
        }
    }

    const PERSON: &str = "0190a5c4-7e2b-7d3e-9f41-5b6c7d8e9f00";

    fn settings() -> DeliverySettings {
        DeliverySettings {
            user_id: PERSON.to_owned(),
            timezone: "Europe/Paris".to_owned(),
            quiet_hours: Some(nudge_proto::workers::QuietHours {
                start_minute: 22 * 60,
                end_minute: 7 * 60,
            }),
            nag_interval_seconds: 900,
            nag_limit: 2,
            missed_policy: nudge_proto::workers::MissedPolicy::RecordMissed.into(),
        }
    }

    #[test]
    fn settings_checked_come_back_the_same_on_the_wire() {
        let (user_id, timezone, delivery) = check_settings(&settings()).expect("valid settings");
        assert_eq!(user_id.as_str(), PERSON);
        assert_eq!(timezone.name(), "Europe/Paris");
        assert_eq!(delivery.timezone, Some(chrono_tz::Europe::Paris));
        assert_eq!(delivery.missed_policy, MissedPolicy::RecordMissed);
        assert_eq!(settings_proto(user_id.as_str(), &delivery, timezone.name()), settings());
    }

    #[test]
    fn settings_refused_name_their_field() {
        #[track_caller]
        fn check(change: impl FnOnce(&mut DeliverySettings), field: &str) {
            let mut sent = settings();
            change(&mut sent);
            let error = check_settings(&sent).expect_err("refused");
            assert!(error.to_string().starts_with(&format!("{field}: ")), "{error}");
        }
        check(|s| s.user_id = String::new(), "user_id");
        check(|s| s.timezone = "Mars/Olympus".to_owned(), "timezone");
        check(
            |s| {
                s.quiet_hours = Some(nudge_proto::workers::QuietHours {
                    start_minute: 24 * 60,
                    end_minute: 0,
                })
            },
            "quiet_hours",
        );
        check(
            |s| s.nag_interval_seconds = people::MAX_NAG_INTERVAL_SECONDS + 1,
            "nag_interval_seconds",
        );
        check(|s| s.nag_limit = people::MAX_NAG_LIMIT + 1, "nag_limit");
        check(
            |s| s.missed_policy = nudge_proto::workers::MissedPolicy::Unspecified.into(),
            "missed_policy",
        );
    }
}
