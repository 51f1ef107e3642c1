//! Per-person delivery settings: nagging, quiet hours, what to do with
//! reminders whose time passed while Nudge was down.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use nudge_store::diesel;

use crate::quiet::QuietHours;
use crate::store::{self, PersonRow};

/// Seconds between nags when a person never set anything.
pub(crate) const DEFAULT_NAG_INTERVAL_SECONDS: u32 = 600;
/// Nags after the first send when a person never set anything.
pub(crate) const DEFAULT_NAG_LIMIT: u32 = 3;
pub(crate) use nudge_core::limits::{MAX_NAG_INTERVAL_SECONDS, MAX_NAG_LIMIT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MissedPolicy {
    SendLate,
    RecordMissed,
}

impl MissedPolicy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MissedPolicy::SendLate => "send_late",
            MissedPolicy::RecordMissed => "record_missed",
        }
    }

    pub(crate) fn parse(value: &str) -> MissedPolicy {
        match value {
            "record_missed" => MissedPolicy::RecordMissed,
            _ => MissedPolicy::SendLate,
        }
    }
}

/// How and when one person is willing to be reminded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// The zone of the quiet hours; `None` (never set): each reminder's own.
    pub(crate) timezone: Option<Tz>,
    pub(crate) quiet_hours: Option<QuietHours>,
    /// 0: no nagging.
    pub(crate) nag_interval_seconds: u32,
    pub(crate) nag_limit: u32,
    pub(crate) missed_policy: MissedPolicy,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            timezone: None,
            quiet_hours: None,
            nag_interval_seconds: DEFAULT_NAG_INTERVAL_SECONDS,
            nag_limit: DEFAULT_NAG_LIMIT,
            missed_policy: MissedPolicy::SendLate,
        }
    }
}

impl Delivery {
    /// The settings a person stored, or the defaults. Values that no longer
    /// parse fall back to the defaults rather than stopping their reminders.
    pub(crate) fn from_row(row: Option<&PersonRow>) -> Delivery {
        let Some(row) = row else {
            return Delivery::default();
        };
        let quiet_hours = match (row.quiet_start_minute, row.quiet_end_minute) {
            (Some(start), Some(end)) => u32::try_from(start)
                .ok()
                .zip(u32::try_from(end).ok())
                .and_then(|(start, end)| QuietHours::new(start, end).ok()),
            _ => None,
        };
        Delivery {
            timezone: row.timezone.parse().ok(),
            quiet_hours,
            nag_interval_seconds: u32::try_from(row.nag_interval_seconds).unwrap_or(DEFAULT_NAG_INTERVAL_SECONDS),
            nag_limit: u32::try_from(row.nag_limit).unwrap_or(DEFAULT_NAG_LIMIT),
            missed_policy: MissedPolicy::parse(&row.missed_policy),
        }
    }

    /// A person's settings as the scheduler applies them.
    pub(crate) async fn of(conn: &mut nudge_store::DbConn, user_id: &str) -> diesel::QueryResult<Delivery> {
        Ok(Delivery::from_row(store::person(conn, user_id).await?.as_ref()))
    }

    /// When quiet hours hold something (non-urgent) at `at`: the end of the window.
    pub(crate) fn quiet_until(&self, at: DateTime<Utc>, reminder_tz: Tz) -> Option<DateTime<Utc>> {
        self.quiet_hours?.end_after(at, self.timezone.unwrap_or(reminder_tz))
    }

    /// When something due at `due_at` will really be sent (see [`QuietHours::send_time`]).
    pub(crate) fn send_time(
        &self,
        due_at: DateTime<Utc>,
        now: DateTime<Utc>,
        urgent: bool,
        reminder_tz: Tz,
    ) -> DateTime<Utc> {
        match self.quiet_hours {
            Some(quiet) if !urgent => quiet.send_time(due_at, now, self.timezone.unwrap_or(reminder_tz)),
            _ => due_at,
        }
    }

    /// When the next nag goes out after a send at `sent_at`, given the nags
    /// already sent for this occurrence; `None` when nagging is over (or off).
    pub(crate) fn next_nag(&self, sent_at: DateTime<Utc>, nags_sent: u32) -> Option<DateTime<Utc>> {
        if self.nag_interval_seconds == 0 || nags_sent >= self.nag_limit {
            return None;
        }
        Some(sent_at + chrono::TimeDelta::seconds(i64::from(self.nag_interval_seconds)))
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::Montreal;
    use chrono_tz::Europe::Paris;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    #[test]
    fn defaults_nag_three_times_ten_minutes_apart() {
        let delivery = Delivery::default();
        let sent = utc("2026-05-01T12:00:00Z");
        assert_eq!(delivery.next_nag(sent, 0), Some(utc("2026-05-01T12:10:00Z")));
        assert_eq!(delivery.next_nag(sent, 2), Some(utc("2026-05-01T12:10:00Z")));
        assert_eq!(delivery.next_nag(sent, 3), None);
        assert_eq!(delivery.missed_policy, MissedPolicy::SendLate);
        assert_eq!(delivery.quiet_until(sent, Montreal), None);
    }

    #[test]
    fn no_nagging_when_the_interval_or_the_limit_is_zero() {
        let sent = utc("2026-05-01T12:00:00Z");
        let off = Delivery {
            nag_interval_seconds: 0,
            ..Delivery::default()
        };
        assert_eq!(off.next_nag(sent, 0), None);
        let none = Delivery {
            nag_limit: 0,
            ..Delivery::default()
        };
        assert_eq!(none.next_nag(sent, 0), None);
    }

    #[test]
    fn quiet_hours_are_in_the_persons_zone_and_spare_urgent_reminders() {
        let delivery = Delivery {
            timezone: Some(Paris),
            quiet_hours: Some(QuietHours::new(22 * 60, 7 * 60).expect("valid")),
            ..Delivery::default()
        };
        let now = utc("2026-05-01T12:00:00Z");
        // 23:30 in Paris (CEST) is 17:30 in Montreal: held in the person's zone, not the reminder's.
        let due = utc("2026-05-01T21:30:00Z");
        assert_eq!(
            delivery.send_time(due, now, false, Montreal),
            utc("2026-05-02T05:00:00Z")
        );
        assert_eq!(delivery.send_time(due, now, true, Montreal), due);
        assert_eq!(delivery.quiet_until(due, Montreal), Some(utc("2026-05-02T05:00:00Z")));
        // Never set a zone: the reminder's.
        let own_zone = Delivery {
            timezone: None,
            ..delivery
        };
        assert_eq!(own_zone.send_time(due, now, false, Montreal), due);
    }

    #[test]
    fn policies_round_trip() {
        for policy in [MissedPolicy::SendLate, MissedPolicy::RecordMissed] {
            assert_eq!(MissedPolicy::parse(policy.as_str()), policy);
        }
    }
}
