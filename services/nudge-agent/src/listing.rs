//! The numbered list shown last (`agent_listings`), so that "2" or "forget 2"
//! in the next message names its item. Reminders, tasks and memories show
//! lists, each with only the storage at hand.

use crate::engine::ListingKind;
use crate::error::AgentError;
use crate::storage::Storage;
use crate::store;
use crate::turn::Turn;

/// Keeps the numbered list just shown.
pub(crate) async fn save(
    storage: &Storage<'_>,
    turn: &Turn<'_>,
    kind: ListingKind,
    ids: &[String],
) -> Result<(), AgentError> {
    let kind = match kind {
        ListingKind::Reminders => "reminders",
        ListingKind::Tasks => "tasks",
        ListingKind::Memories => "memories",
    };
    let mut conn = storage.db.conn().await?;
    Ok(store::save_listing(&mut conn, turn.person.user_id.as_str(), kind, ids, nudge_store::now()).await?)
}

/// The last numbered list shown to the person.
pub(crate) async fn load(
    storage: &Storage<'_>,
    user_id: &str,
) -> Result<Option<(ListingKind, Vec<String>)>, AgentError> {
    let mut conn = storage.db.conn().await?;
    Ok(store::listing(&mut conn, user_id).await?.map(|(kind, ids)| {
        let kind = match kind.as_str() {
            "tasks" => ListingKind::Tasks,
            "memories" => ListingKind::Memories,
            _ => ListingKind::Reminders,
        };
        (kind, ids)
    }))
}
