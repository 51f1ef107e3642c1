//! How long webhooks took to be stored lately, so that the work that can
//! wait gives way to the work that cannot.
//!
//! Twilio waits 15 s for a webhook's answer, and a message it got no answer
//! for may never come again. Handing stored messages to the agent can wait:
//! a reply a few seconds later is still a reply. So while acknowledging is
//! slow (the database is overloaded, e.g. more messages a second than this
//! machine answers), the dispatcher hands over one person's messages at a
//! time instead of `sms.dispatch_concurrency`, and the database's time goes
//! to storing what Twilio sends first. The webhook's own deadline
//! (`sms.webhook_store_deadline_ms`, then the spool) bounds each answer;
//! this keeps answers from getting there.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A webhook whose store took this long makes acknowledging slow.
pub(crate) const SLOW: Duration = Duration::from_secs(1);
/// Acknowledging stays slow this long after the last slow webhook.
const HOLD: Duration = Duration::from_secs(5);

/// When the last slow webhook's hold ends.
#[derive(Debug, Default)]
pub(crate) struct AckWatch {
    slow_until: Mutex<Option<Instant>>,
}

impl AckWatch {
    /// A webhook's store took `took` (stored, failed, or past its deadline).
    pub(crate) fn record(&self, took: Duration) {
        self.record_at(Instant::now(), took);
    }

    /// Whether a webhook was slow to store in the last [`HOLD`].
    pub(crate) fn slow(&self) -> bool {
        self.slow_at(Instant::now())
    }

    fn record_at(&self, now: Instant, took: Duration) {
        if took >= SLOW {
            let mut until = self.slow_until.lock().unwrap_or_else(PoisonError::into_inner);
            *until = Some(until.map_or(now + HOLD, |until| until.max(now + HOLD)));
        }
    }

    fn slow_at(&self, now: Instant) -> bool {
        self.slow_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|until| now < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_slow_webhook_holds_for_a_while_then_lapses() {
        let watch = AckWatch::default();
        let start = Instant::now();
        assert!(!watch.slow_at(start), "nothing recorded: not slow");
        watch.record_at(start, SLOW - Duration::from_millis(1));
        assert!(!watch.slow_at(start), "a store under the bound is not slow");
        watch.record_at(start, SLOW);
        assert!(watch.slow_at(start));
        assert!(watch.slow_at(start + HOLD - Duration::from_millis(1)));
        assert!(!watch.slow_at(start + HOLD), "the hold lapses");
    }

    #[test]
    fn a_later_slow_webhook_extends_the_hold_and_an_earlier_one_does_not_shorten_it() {
        let watch = AckWatch::default();
        let start = Instant::now();
        watch.record_at(start + Duration::from_secs(3), SLOW);
        // Recorded late by a task that started earlier.
        watch.record_at(start, SLOW * 3);
        assert!(watch.slow_at(start + HOLD + Duration::from_secs(2)));
        assert!(!watch.slow_at(start + HOLD + Duration::from_secs(3)));
    }
}
