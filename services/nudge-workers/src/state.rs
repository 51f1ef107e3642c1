//! What the workers' gRPC service, scheduler and consumer share: the
//! database, the queue, sms-router's client, the people known reachable and
//! the scheduler's wake-up.

use nudge_config::SchedulerSettings;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_queue::Queue;
use nudge_runtime::TracedChannel;
use nudge_store::{Db, PersonKeys};

use crate::reachable;
use crate::wakeup::Wakeup;

/// Encryption context of reminder texts.
pub(crate) const REMINDER_BODY: &[u8] = b"workers.reminder.body";

pub(crate) struct Core {
    pub(crate) db: Db,
    pub(crate) queue: Queue,
    /// Per-person keys of reminder texts (`workers_person_keys`).
    pub(crate) keys: PersonKeys,
    pub(crate) sms: SmsRouterServiceClient<TracedChannel>,
    /// People known to have a Nudge number, and how to ask sms-router about the others.
    pub(crate) reachable: reachable::Reachable,
    pub(crate) scheduler: SchedulerSettings,
    pub(crate) catch_up_window: chrono::TimeDelta,
    /// Wakes the scheduler when occurrences are added or moved (one may be due very soon).
    pub(crate) wakeup: Wakeup,
}
