//! A reminder changed while it is still open: its text, time, rule or
//! urgency; a new time or rule replaces its next occurrence.

use chrono::{DateTime, Utc};
use nudge_core::UserId;

use super::{Context, ShownReminder, not_found, occurrence_at, shown_one};
use crate::error::WorkersError;
use crate::people::Delivery;
use crate::recurrence;
use crate::state::REMINDER_BODY;
use crate::store::{self, occurrence_kind, reminder_status};

/// The changes asked for; `None`: unchanged.
pub(crate) struct UpdateReminder<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) reminder_id: &'a str,
    /// Trimmed, 1 to 500 characters.
    pub(crate) text: Option<&'a str>,
    /// The new next time, and the rule's new start.
    pub(crate) due_at: Option<DateTime<Utc>>,
    /// An RRULE, trimmed; empty: no longer recurring.
    pub(crate) rrule: Option<&'a str>,
    pub(crate) urgent: Option<bool>,
}

impl UpdateReminder<'_> {
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<ShownReminder, WorkersError> {
        let UpdateReminder {
            user_id,
            reminder_id,
            text,
            due_at,
            rrule,
            urgent,
        } = self;
        let mut conn = ctx.conn().await?;
        let body = match text {
            Some(text) => Some(
                ctx.keys
                    .for_writing(&mut conn, user_id.as_str())
                    .await?
                    .encrypt_str(text, REMINDER_BODY),
            ),
            None => None,
        };
        let row = store::reminder_of(&mut conn, user_id.as_str(), reminder_id)
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
        let rrule = match rrule {
            None => None,
            Some("") => Some(None),
            Some(rule) => {
                recurrence::validate(rule, dtstart, tz).map_err(|e| WorkersError::field("rrule", e))?;
                Some(Some(rule))
            }
        };
        let urgent_now = urgent.unwrap_or(row.urgent);
        // The new next occurrence: the time given, or the new rule's next one after now.
        let replace_at = match (due_at, rrule) {
            (Some(at), _) => Some(at),
            (None, Some(Some(rule))) => Some(
                recurrence::next_after(rule, dtstart, tz, now)
                    .map_err(|e| WorkersError::field("rrule", e))?
                    .ok_or_else(|| WorkersError::field("rrule", "the rule never occurs again"))?,
            ),
            _ => None,
        };
        let replace_with = match replace_at {
            Some(at) => {
                let delivery = Delivery::of(&mut conn, user_id.as_str()).await?;
                Some(occurrence_at(occurrence_kind::DUE, at, &delivery, urgent_now, tz))
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
                urgent,
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
            ctx.wakeup.scheduled_at(*occurrence);
        }
        tracing::info!(reminder.id = %row.id, user.id = %user_id, rescheduled = replace_at.is_some(), "reminder updated");
        let row = store::reminder_of(&mut conn, user_id.as_str(), &row.id)
            .await?
            .ok_or_else(not_found)?;
        shown_one(ctx, &mut conn, row).await
    }
}
