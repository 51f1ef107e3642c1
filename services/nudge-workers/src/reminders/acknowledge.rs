//! "Done": the person's latest reminder waiting for an answer is finished.

use nudge_core::UserId;

use super::{Context, ShownReminder, key_already_used, shown_one};
use crate::error::WorkersError;
use crate::store;

/// The person's answer, idempotent on the key (1 to 200 characters).
pub(crate) struct AcknowledgeLatest<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) idempotency_key: &'a str,
}

impl AcknowledgeLatest<'_> {
    /// The reminder acknowledged; none when nothing was waiting for an answer.
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<Option<ShownReminder>, WorkersError> {
        let user_id = self.user_id;
        let mut conn = ctx.conn().await?;
        let row =
            store::acknowledge_latest(&mut conn, user_id.as_str(), self.idempotency_key, nudge_store::now()).await?;
        match row {
            Some(row) if row.user_id == user_id.as_str() => {
                tracing::info!(reminder.id = %row.id, user.id = %user_id, "reminder acknowledged");
                Ok(Some(shown_one(ctx, &mut conn, row).await?))
            }
            Some(_) => Err(key_already_used()),
            None => Ok(None),
        }
    }
}
