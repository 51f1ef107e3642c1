//! The reminder operations behind `ReminderService`, one file each. They take
//! checked domain inputs and a [`Context`] and return domain results or a
//! [`WorkersError`]; the protobuf side (parsing requests, building
//! responses) is `grpc.rs`'s alone, so each operation can be read, and
//! tested, without the wire.

mod acknowledge;
mod cancel;
mod create;
mod list;
mod settings;
mod snooze;
mod update;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use nudge_secure::PersonReader;
use nudge_store::{Db, DbConn, PersonKeys};

pub(crate) use acknowledge::AcknowledgeLatest;
pub(crate) use cancel::CancelReminder;
pub(crate) use create::CreateReminder;
pub(crate) use list::{GetReminder, ListReminders};
pub(crate) use settings::{DeliverySettingsOf, SaveDeliverySettings};
pub(crate) use snooze::SnoozeLatest;
pub(crate) use update::UpdateReminder;

use crate::error::WorkersError;
use crate::people::Delivery;
use crate::reachable::Reachable;
use crate::state::{Core, REMINDER_BODY};
use crate::store::{self, NewOccurrence, ReminderRow};
use crate::wakeup::Wakeup;

/// What the reminder operations use of the service: not the queue, not the
/// scheduler's settings.
pub(crate) struct Context<'a> {
    pub(crate) db: &'a Db,
    /// The keys of reminder texts.
    pub(crate) keys: &'a PersonKeys,
    /// Whether a person has a Nudge number (asked of sms-router).
    pub(crate) reachable: &'a Reachable,
    /// Tells this process's scheduler of a new or moved occurrence.
    pub(crate) wakeup: &'a Wakeup,
}

impl<'a> Context<'a> {
    pub(crate) fn of(core: &'a Core) -> Context<'a> {
        Context {
            db: &core.db,
            keys: &core.keys,
            reachable: &core.reachable,
            wakeup: &core.wakeup,
        }
    }

    async fn conn(&self) -> Result<DbConn, WorkersError> {
        Ok(self.db.conn().await?)
    }
}

/// A reminder as its owner sees it: the stored row with its text decrypted
/// and the time it is next due (none once it is finished).
#[derive(Debug, Clone)]
pub(crate) struct ShownReminder {
    pub(crate) row: ReminderRow,
    pub(crate) text: String,
    pub(crate) due_at: Option<DateTime<Utc>>,
}

fn not_found() -> WorkersError {
    WorkersError::NotFound("no such reminder".to_owned())
}

/// The refusal of an idempotency key another person used first: their
/// reminder is never revealed.
fn key_already_used() -> WorkersError {
    WorkersError::field("idempotency_key", "already used")
}

/// Stored reminders as their owners see them, in the same order.
async fn shown(
    ctx: &Context<'_>,
    conn: &mut DbConn,
    rows: Vec<ReminderRow>,
) -> Result<Vec<ShownReminder>, WorkersError> {
    let due = store::shown_due_times(conn, &rows).await?;
    let mut readers: HashMap<String, PersonReader> = HashMap::new();
    let mut reminders = Vec::with_capacity(rows.len());
    for row in rows {
        if !readers.contains_key(&row.user_id) {
            let reader = ctx.keys.for_reading(conn, &row.user_id).await?;
            readers.insert(row.user_id.clone(), reader);
        }
        let text = readers[&row.user_id]
            .decrypt_to_string(&row.body, REMINDER_BODY)
            .map_err(|e| WorkersError::Internal(format!("cannot decrypt reminder {}: {e}", row.id)))?;
        let due_at = due.get(&row.id).map(|at| at.and_utc());
        reminders.push(ShownReminder { row, text, due_at });
    }
    Ok(reminders)
}

/// One stored reminder as its owner sees it.
async fn shown_one(ctx: &Context<'_>, conn: &mut DbConn, row: ReminderRow) -> Result<ShownReminder, WorkersError> {
    shown(ctx, conn, vec![row])
        .await?
        .pop()
        .ok_or_else(|| WorkersError::Internal("a reminder went missing".to_owned()))
}

/// The occurrence to store for something due at `due_at`: moved to the end
/// of quiet hours when it falls inside them (and the reminder is not urgent).
fn occurrence_at(
    kind: &'static str,
    due_at: DateTime<Utc>,
    delivery: &Delivery,
    urgent: bool,
    reminder_tz: chrono_tz::Tz,
) -> NewOccurrence {
    let send_at = delivery.send_time(due_at, Utc::now(), urgent, reminder_tz);
    NewOccurrence {
        id: nudge_core::new_id(),
        kind,
        due_at: nudge_store::to_utc(send_at),
        held_from: (send_at != due_at).then(|| nudge_store::to_utc(due_at)),
    }
}
