//! A new reminder, idempotent on the caller's key.

use chrono::{DateTime, Utc};
use nudge_core::{Language, Timezone, UserId};

use super::{Context, ShownReminder, key_already_used, occurrence_at, shown_one};
use crate::error::WorkersError;
use crate::people::Delivery;
use crate::recurrence;
use crate::state::REMINDER_BODY;
use crate::store::{self, occurrence_kind};

/// A reminder to create, its fields checked (the text trimmed, 1 to 500
/// characters; the key 1 to 200) except the rule, which needs the time.
pub(crate) struct CreateReminder<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) text: &'a str,
    pub(crate) due_at: DateTime<Utc>,
    pub(crate) timezone: Timezone,
    pub(crate) language: Language,
    pub(crate) idempotency_key: &'a str,
    /// An RRULE, trimmed; empty: not recurring.
    pub(crate) rrule: &'a str,
    pub(crate) urgent: bool,
}

/// The reminder the key names, and whether this call made it.
#[derive(Debug)]
pub(crate) struct Created {
    pub(crate) reminder: ShownReminder,
    pub(crate) created: bool,
    /// When it will first be sent (after any quiet-hours hold); for a
    /// repeated call, when it is next due.
    pub(crate) first_send_at: Option<DateTime<Utc>>,
}

impl CreateReminder<'_> {
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<Created, WorkersError> {
        let CreateReminder {
            user_id,
            text,
            due_at,
            timezone,
            language,
            idempotency_key,
            rrule,
            urgent,
        } = self;
        let rrule = if rrule.is_empty() {
            None
        } else {
            recurrence::validate(rrule, due_at, timezone.tz()).map_err(|e| WorkersError::field("rrule", e))?;
            Some(rrule)
        };
        ctx.reachable.ensure(user_id.as_str()).await?;
        let id = nudge_core::new_id();
        let mut conn = ctx.conn().await?;
        let body = ctx
            .keys
            .for_writing(&mut conn, user_id.as_str())
            .await?
            .encrypt_str(text, REMINDER_BODY);
        let delivery = Delivery::of(&mut conn, user_id.as_str()).await?;
        let first = occurrence_at(occurrence_kind::DUE, due_at, &delivery, urgent, timezone.tz());
        let first_send_at = first.due_at;
        let (row, created) = store::create_reminder(
            &mut conn,
            &store::NewReminder {
                id: &id,
                user_id: user_id.as_str(),
                body: &body,
                timezone: timezone.name(),
                language: language.as_str(),
                idempotency_key,
                rrule,
                dtstart: nudge_store::to_utc(due_at),
                urgent,
                first,
                now: nudge_store::now(),
            },
        )
        .await?;
        if row.user_id != user_id.as_str() {
            return Err(key_already_used());
        }
        if created {
            ctx.wakeup.scheduled_at(first_send_at);
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
        let reminder = shown_one(ctx, &mut conn, row).await?;
        let first_send_at = if created {
            Some(first_send_at.and_utc())
        } else {
            reminder.due_at
        };
        Ok(Created {
            reminder,
            created,
            first_send_at,
        })
    }
}
