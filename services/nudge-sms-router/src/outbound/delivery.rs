//! Twilio's delivery status callbacks, applied forward only: to an SMS of
//! the queue, or to the one reply a stranger got.

use super::store::{self, DeliveryReport};
use crate::error::RouterError;
use crate::state::Core;
use crate::{compliance, metrics};

/// Applies one status callback; error 21610 also opts the person out.
pub(crate) async fn apply_delivery_status(core: &Core, report: &DeliveryReport<'_>) -> Result<(), RouterError> {
    let mut conn = core.db.conn().await?;
    let now = nudge_store::now();
    let status = report.status;
    let error_code = report.error_code;
    if let Some(stranger_id) = report.stranger_id {
        if !store::stranger_reply_status(&mut conn, stranger_id, status, error_code, now).await? {
            tracing::warn!(status, "status callback for an unknown reply");
        }
        return Ok(());
    }
    match store::apply_delivery_status(&mut conn, report, now).await? {
        None => tracing::warn!(status, "status callback for an unknown message"),
        Some(delivery) => {
            if delivery.changed {
                metrics::message("outbound", metrics::status_label(status));
            }
            tracing::debug!(outbound.id = %delivery.id, status, changed = delivery.changed, "delivery status");
            if error_code == Some(21610) {
                drop(conn);
                compliance::unsubscribed_at_twilio(core, &delivery.user_id, &delivery.id).await?;
            }
        }
    }
    Ok(())
}
