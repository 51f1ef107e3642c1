//! "Later": the person's latest reminder waiting for an answer comes back at
//! a given time.

use chrono::{DateTime, Utc};
use nudge_core::UserId;

use super::{Context, ShownReminder, key_already_used, not_found, occurrence_at, shown_one};
use crate::error::WorkersError;
use crate::people::Delivery;
use crate::store::{self, ReminderRow, occurrence_kind};

/// Times a snooze looks again for the reminder to move when a concurrent
/// answer took the one it found.
const ATTEMPTS: usize = 3;

/// The person's snooze, idempotent on the key (1 to 200 characters).
pub(crate) struct SnoozeLatest<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) idempotency_key: &'a str,
    /// Checked here, after the key: a repeated snooze answers the same even
    /// once this time has passed.
    pub(crate) until: DateTime<Utc>,
}

impl SnoozeLatest<'_> {
    /// The reminder snoozed; none when nothing was waiting for an answer.
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<Option<ShownReminder>, WorkersError> {
        let SnoozeLatest {
            user_id,
            idempotency_key,
            until,
        } = self;
        let mut conn = ctx.conn().await?;
        let owned = |row: ReminderRow| {
            if row.user_id == user_id.as_str() {
                Ok(row)
            } else {
                Err(key_already_used())
            }
        };
        if let Some(row) = store::reminder_by_snooze_key(&mut conn, idempotency_key).await? {
            return Ok(Some(shown_one(ctx, &mut conn, owned(row)?).await?));
        }
        if until <= Utc::now() {
            return Err(WorkersError::field("until", "must be in the future"));
        }
        let delivery = Delivery::of(&mut conn, user_id.as_str()).await?;
        for _ in 0..ATTEMPTS {
            let Some(latest) = store::latest_awaiting_answer(&mut conn, user_id.as_str()).await? else {
                break;
            };
            let tz: chrono_tz::Tz = latest.timezone.parse().unwrap_or(chrono_tz::UTC);
            let occurrence = occurrence_at(occurrence_kind::SNOOZE, until, &delivery, latest.urgent, tz);
            match store::snooze(&mut conn, &latest, idempotency_key, &occurrence, nudge_store::now()).await {
                Ok(true) => {
                    ctx.wakeup.scheduled_at(occurrence.due_at);
                    tracing::info!(reminder.id = %latest.id, user.id = %user_id, occurrence.id = %occurrence.id, "reminder snoozed");
                    let row = store::reminder_of(&mut conn, user_id.as_str(), &latest.id)
                        .await?
                        .ok_or_else(not_found)?;
                    return Ok(Some(shown_one(ctx, &mut conn, row).await?));
                }
                // A concurrent answer took it: look again.
                Ok(false) => continue,
                // A concurrent retry of the same snooze got there first: same answer.
                Err(error) if nudge_store::is_unique_violation(&error) => {
                    let row = store::reminder_by_snooze_key(&mut conn, idempotency_key)
                        .await?
                        .ok_or_else(|| WorkersError::Internal("a snooze went missing".to_owned()))?;
                    return Ok(Some(shown_one(ctx, &mut conn, owned(row)?).await?));
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(None)
    }
}
