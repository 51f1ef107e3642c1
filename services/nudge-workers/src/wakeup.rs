//! How the sleeping scheduler hears of a change to the schedule made
//! elsewhere in this process, so that it looks sooner than it meant to.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

/// How a change to the schedule made elsewhere in this process (a reminder
/// created, changed or snoozed; an occurrence held) reaches the sleeping
/// scheduler: one may be due sooner than it means to look.
pub(crate) struct Wakeup {
    changed: Notify,
    /// When the scheduler looks next (ms since the epoch; `i64::MIN` while it
    /// is looking): a change due later than that need not wake it.
    next_look_ms: AtomicI64,
}

impl Wakeup {
    pub(crate) fn new() -> Wakeup {
        Wakeup {
            changed: Notify::new(),
            next_look_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// Tells the scheduler an occurrence is now due at `due_at`; wakes it
    /// only if it would otherwise look later than that.
    pub(crate) fn scheduled_at(&self, due_at: chrono::NaiveDateTime) {
        if due_at.and_utc().timestamp_millis() < self.next_look_ms.load(Ordering::SeqCst) {
            self.changed.notify_one();
        }
    }

    /// The scheduler is going to sleep until `wake_at`.
    pub(crate) fn next_look_at(&self, wake_at: DateTime<Utc>) {
        self.next_look_ms.store(wake_at.timestamp_millis(), Ordering::SeqCst);
    }

    /// Resolves when a change may be due sooner than the scheduler meant to
    /// look.
    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// The scheduler is awake and looking.
    pub(crate) fn looking(&self) {
        self.next_look_ms.store(i64::MIN, Ordering::SeqCst);
    }
}
