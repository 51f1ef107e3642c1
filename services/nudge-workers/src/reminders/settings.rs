//! A person's delivery settings: saved as given, read back with the
//! defaults of someone who never set them.

use nudge_core::{Timezone, UserId};

use super::Context;
use crate::error::WorkersError;
use crate::people::Delivery;
use crate::store;

/// The zone shown for a person who never set one and has no reminder.
const FALLBACK_TIMEZONE: &str = "UTC";

/// A person's delivery settings and the zone they are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SavedDeliverySettings {
    pub(crate) delivery: Delivery,
    /// The person's zone; for one who never set it, their latest reminder's.
    pub(crate) timezone: String,
}

/// Settings to store, checked (quiet hours valid, nagging within its limits).
pub(crate) struct SaveDeliverySettings<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) timezone: Timezone,
    pub(crate) delivery: Delivery,
}

impl SaveDeliverySettings<'_> {
    /// The settings as stored.
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<SavedDeliverySettings, WorkersError> {
        let SaveDeliverySettings {
            user_id,
            timezone,
            delivery,
        } = self;
        let now = nudge_store::now();
        let as_i32 = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
        let mut conn = ctx.conn().await?;
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
        Ok(SavedDeliverySettings {
            delivery,
            timezone: timezone.name().to_owned(),
        })
    }
}

pub(crate) struct DeliverySettingsOf<'a> {
    pub(crate) user_id: &'a UserId,
}

impl DeliverySettingsOf<'_> {
    pub(crate) async fn run(self, ctx: &Context<'_>) -> Result<SavedDeliverySettings, WorkersError> {
        let user_id = self.user_id.as_str();
        let mut conn = ctx.conn().await?;
        let row = store::person(&mut conn, user_id).await?;
        let delivery = Delivery::from_row(row.as_ref());
        let timezone = match row {
            Some(row) => row.timezone,
            // Never set: each reminder's own zone; shown as the latest one's.
            None => store::latest_timezone(&mut conn, user_id)
                .await?
                .unwrap_or_else(|| FALLBACK_TIMEZONE.to_owned()),
        };
        Ok(SavedDeliverySettings { delivery, timezone })
    }
}
