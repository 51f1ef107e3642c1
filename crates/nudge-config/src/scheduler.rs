//! `scheduler.*`: how workers finds and fires due reminders.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// How often due occurrences are looked for when nothing wakes the scheduler.
    pub poll_interval_ms: u64,
    /// Occurrences claimed per round.
    pub batch_size: u32,
    /// A claimed occurrence not confirmed sent within this time is claimed again.
    pub lease_seconds: u64,
    /// A reminder firing later than this after its due time (after downtime) is marked late.
    pub catch_up_window_seconds: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        SchedulerSettings {
            poll_interval_ms: 250,
            batch_size: 100,
            lease_seconds: 60,
            catch_up_window_seconds: 15 * 60,
        }
    }
}
