//! A reminder cancelled, with its pending occurrences.

use nudge_core::UserId;

use super::{Context, ShownReminder, not_found, shown_one};
use crate::error::WorkersError;
use crate::store;

pub(crate) struct CancelReminder<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) reminder_id: &'a str,
}

impl CancelReminder<'_> {
    /// The reminder as it is now (a finished one stays as it was).
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<ShownReminder, WorkersError> {
        let user_id = self.user_id;
        let mut conn = ctx.conn().await?;
        let row = store::cancel_reminder(&mut conn, user_id.as_str(), self.reminder_id, nudge_store::now())
            .await?
            .ok_or_else(not_found)?;
        tracing::info!(reminder.id = %row.id, user.id = %user_id, status = %row.status, "reminder cancelled");
        shown_one(ctx, &mut conn, row).await
    }
}
