//! A person's reminders, all or one.

use chrono::{TimeDelta, Utc};
use nudge_core::UserId;

use super::{Context, ShownReminder, not_found, shown, shown_one};
use crate::error::WorkersError;
use crate::store;

/// How far back `include_finished` looks.
const FINISHED_SHOWN_FOR: TimeDelta = TimeDelta::days(7);

pub(crate) struct ListReminders<'a> {
    pub(crate) user_id: &'a UserId,
    /// Also those finished in the last seven days.
    pub(crate) include_finished: bool,
}

impl ListReminders<'_> {
    /// Soonest first; a reminder without any time last. The sort is stable:
    /// equal times keep the order of creation.
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<Vec<ShownReminder>, WorkersError> {
        let since = self
            .include_finished
            .then(|| nudge_store::to_utc(Utc::now() - FINISHED_SHOWN_FOR));
        let mut conn = ctx.conn().await?;
        let rows = store::reminders_of(&mut conn, self.user_id.as_str(), since).await?;
        let mut reminders = shown(ctx, &mut conn, rows).await?;
        sort_soonest_first(&mut reminders);
        Ok(reminders)
    }
}

fn sort_soonest_first(reminders: &mut [ShownReminder]) {
    reminders.sort_by_key(|reminder| (reminder.due_at.is_none(), reminder.due_at));
}

pub(crate) struct GetReminder<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) reminder_id: &'a str,
}

impl GetReminder<'_> {
    /// The person's reminder; another person's is "not found".
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<ShownReminder, WorkersError> {
        let mut conn = ctx.conn().await?;
        let row = store::reminder_of(&mut conn, self.user_id.as_str(), self.reminder_id)
            .await?
            .ok_or_else(not_found)?;
        shown_one(ctx, &mut conn, row).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::store::ReminderRow;

    fn reminder(id: &str, due_at: Option<&str>) -> ShownReminder {
        let created_at = "2026-05-01T00:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("an instant")
            .naive_utc();
        ShownReminder {
            row: ReminderRow {
                id: id.to_owned(),
                user_id: "user".to_owned(),
                body: Vec::new(),
                timezone: "UTC".to_owned(),
                language: "en".to_owned(),
                status: "scheduled".to_owned(),
                rrule: None,
                dtstart: None,
                urgent: false,
                nags_sent: 0,
                created_at,
                last_due_at: None,
            },
            text: String::new(),
            due_at: due_at.map(|at| at.parse().expect("an RFC 3339 instant")),
        }
    }

    #[test]
    fn soonest_first_then_those_without_a_time_in_the_order_of_creation() {
        let mut reminders = vec![
            reminder("finished", None),
            reminder("later", Some("2026-05-02T09:00:00Z")),
            reminder("same time, created first", Some("2026-05-01T09:00:00.5Z")),
            reminder("also finished", None),
            reminder("same time, created second", Some("2026-05-01T09:00:00.5Z")),
            reminder("sooner by a half second", Some("2026-05-01T09:00:00Z")),
        ];
        sort_soonest_first(&mut reminders);
        let order: Vec<&str> = reminders.iter().map(|reminder| reminder.row.id.as_str()).collect();
        assert_eq!(
            order,
            [
                "sooner by a half second",
                "same time, created first",
                "same time, created second",
                "later",
                "finished",
                "also finished",
            ]
        );
    }
}
