//! Quiet hours: a daily window, in the person's local time, when only urgent
//! reminders go out. What falls inside is held until the window ends.

use chrono::{DateTime, Days, LocalResult, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

const MINUTES_PER_DAY: u32 = 24 * 60;

/// Minutes after local midnight; `start..end`, wrapping midnight when `end < start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuietHours {
    pub(crate) start_minute: u32,
    pub(crate) end_minute: u32,
}

impl QuietHours {
    /// A valid window: both ends within the day, and not empty.
    pub(crate) fn new(start_minute: u32, end_minute: u32) -> Result<QuietHours, &'static str> {
        if start_minute >= MINUTES_PER_DAY {
            return Err("start_minute must be below 1440");
        }
        if end_minute >= MINUTES_PER_DAY {
            return Err("end_minute must be below 1440");
        }
        if start_minute == end_minute {
            return Err("start_minute and end_minute must differ");
        }
        Ok(QuietHours {
            start_minute,
            end_minute,
        })
    }

    /// Whether a local time of day (minutes after midnight) is inside the window.
    pub(crate) fn contains_minute(&self, minute: u32) -> bool {
        if self.start_minute < self.end_minute {
            self.start_minute <= minute && minute < self.end_minute
        } else {
            minute >= self.start_minute || minute < self.end_minute
        }
    }

    /// When `at` falls inside the window (in `tz`), the instant the window
    /// ends; `None` when `at` is outside it.
    ///
    /// The end is the first instant after `at` whose local time is the
    /// window's end: on a spring-forward day an end inside the gap is the
    /// first instant after the gap (02:30 on 2026-03-08 in Montreal is 03:00
    /// EDT, the moment the clock leaves the window); on a fall-back day a
    /// local time that occurs twice is its first occurrence after `at`.
    pub(crate) fn end_after(&self, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&tz);
        let minute = local.hour() * 60 + local.minute();
        if !self.contains_minute(minute) {
            return None;
        }
        let mut date = local.date_naive();
        if self.start_minute > self.end_minute && minute >= self.start_minute {
            // Wrapping window, before midnight: it ends tomorrow.
            date = date.checked_add_days(Days::new(1))?;
        }
        let end_time = NaiveTime::from_hms_opt(self.end_minute / 60, self.end_minute % 60, 0)?;
        let end = first_instant_at_or_after(tz, date.and_time(end_time), at)?;
        Some(end.max(at))
    }

    /// When something due at `due_at` will really be sent: `due_at`, or the
    /// end of the window when it falls inside it (checked at `now` when
    /// `due_at` has already passed, since it goes out right away).
    pub(crate) fn send_time(&self, due_at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        self.end_after(due_at.max(now), tz).unwrap_or(due_at)
    }
}

/// The first instant, after `after`, at which the local clock shows `local`
/// (or has just passed it, when `local` is skipped by a spring-forward gap).
fn first_instant_at_or_after(tz: Tz, local: NaiveDateTime, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => {
            let (first, second) = (first.with_timezone(&Utc), second.with_timezone(&Utc));
            Some(if first > after { first } else { second })
        }
        LocalResult::None => {
            // In a gap: the first local minute that exists again is the
            // instant the clock jumped (transitions happen on whole minutes).
            let mut probe = local;
            for _ in 0..(4 * 60) {
                probe = probe.checked_add_signed(TimeDelta::minutes(1))?;
                if let Some(at) = tz.from_local_datetime(&probe).earliest() {
                    return Some(at.with_timezone(&Utc));
                }
            }
            None
        }
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

    fn hm(hour: u32, minute: u32) -> u32 {
        hour * 60 + minute
    }

    #[test]
    fn windows_are_checked() {
        assert!(QuietHours::new(hm(22, 0), hm(7, 0)).is_ok());
        assert!(QuietHours::new(1440, 10).is_err());
        assert!(QuietHours::new(10, 1440).is_err());
        assert!(QuietHours::new(600, 600).is_err());
    }

    #[test]
    fn a_window_within_the_day() {
        let quiet = QuietHours::new(hm(12, 0), hm(13, 30)).expect("valid");
        assert!(!quiet.contains_minute(hm(11, 59)));
        assert!(quiet.contains_minute(hm(12, 0)));
        assert!(quiet.contains_minute(hm(13, 29)));
        assert!(!quiet.contains_minute(hm(13, 30)));
        // 12:15 EST is 17:15 UTC; the window ends 13:30 EST, 18:30 UTC.
        assert_eq!(
            quiet.end_after(utc("2026-01-15T17:15:00Z"), Montreal),
            Some(utc("2026-01-15T18:30:00Z"))
        );
        assert_eq!(quiet.end_after(utc("2026-01-15T18:30:00Z"), Montreal), None);
    }

    #[test]
    fn a_window_wrapping_midnight() {
        let quiet = QuietHours::new(hm(22, 0), hm(7, 0)).expect("valid");
        assert!(quiet.contains_minute(hm(22, 0)));
        assert!(quiet.contains_minute(hm(23, 59)));
        assert!(quiet.contains_minute(0));
        assert!(quiet.contains_minute(hm(6, 59)));
        assert!(!quiet.contains_minute(hm(7, 0)));
        assert!(!quiet.contains_minute(hm(21, 59)));
        // Before midnight: it ends tomorrow morning. 23:00 EST = 04:00 UTC next day.
        assert_eq!(
            quiet.end_after(utc("2026-01-16T04:00:00Z"), Montreal),
            Some(utc("2026-01-16T12:00:00Z"))
        );
        // After midnight: this morning.
        assert_eq!(
            quiet.end_after(utc("2026-01-16T08:00:00Z"), Montreal),
            Some(utc("2026-01-16T12:00:00Z"))
        );
    }

    #[test]
    fn spring_forward_nights_are_an_hour_shorter() {
        let quiet = QuietHours::new(hm(22, 0), hm(7, 0)).expect("valid");
        // Montreal, 2026-03-07 23:00 EST (04:00 UTC) -> 2026-03-08 07:00 EDT (11:00 UTC): 7 hours.
        assert_eq!(
            quiet.end_after(utc("2026-03-08T04:00:00Z"), Montreal),
            Some(utc("2026-03-08T11:00:00Z"))
        );
        // Paris, 2026-03-28 23:00 CET (22:00 UTC) -> 2026-03-29 07:00 CEST (05:00 UTC).
        assert_eq!(
            quiet.end_after(utc("2026-03-28T22:00:00Z"), Paris),
            Some(utc("2026-03-29T05:00:00Z"))
        );
    }

    #[test]
    fn fall_back_nights_are_an_hour_longer() {
        let quiet = QuietHours::new(hm(22, 0), hm(7, 0)).expect("valid");
        // Montreal, 2026-10-31 23:00 EDT (03:00 UTC) -> 2026-11-01 07:00 EST (12:00 UTC): 9 hours.
        assert_eq!(
            quiet.end_after(utc("2026-11-01T03:00:00Z"), Montreal),
            Some(utc("2026-11-01T12:00:00Z"))
        );
        // Paris, 2026-10-24 23:00 CEST (21:00 UTC) -> 2026-10-25 07:00 CET (06:00 UTC).
        assert_eq!(
            quiet.end_after(utc("2026-10-24T21:00:00Z"), Paris),
            Some(utc("2026-10-25T06:00:00Z"))
        );
    }

    #[test]
    fn an_end_inside_the_spring_forward_gap_is_when_the_clock_jumps() {
        // Montreal skips 02:00-03:00 on 2026-03-08; a window ending 02:30 ends at 03:00 EDT (07:00 UTC).
        let quiet = QuietHours::new(hm(1, 0), hm(2, 30)).expect("valid");
        // 01:30 EST = 06:30 UTC.
        assert_eq!(
            quiet.end_after(utc("2026-03-08T06:30:00Z"), Montreal),
            Some(utc("2026-03-08T07:00:00Z"))
        );
        // Paris skips 02:00-03:00 on 2026-03-29: 01:30 CET (00:30 UTC) -> 03:00 CEST (01:00 UTC).
        assert_eq!(
            quiet.end_after(utc("2026-03-29T00:30:00Z"), Paris),
            Some(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn an_end_that_occurs_twice_is_its_first_occurrence_after_now() {
        // Montreal repeats 01:00-02:00 on 2026-11-01. Window 00:30-01:30.
        let quiet = QuietHours::new(hm(0, 30), hm(1, 30)).expect("valid");
        // 00:45 EDT (04:45 UTC) -> the first 01:30, EDT (05:30 UTC).
        assert_eq!(
            quiet.end_after(utc("2026-11-01T04:45:00Z"), Montreal),
            Some(utc("2026-11-01T05:30:00Z"))
        );
        // 01:10 EST (06:10 UTC, the second 01:10): inside again; ends at the second 01:30 (06:30 UTC).
        assert_eq!(
            quiet.end_after(utc("2026-11-01T06:10:00Z"), Montreal),
            Some(utc("2026-11-01T06:30:00Z"))
        );
        // Paris repeats 02:00-03:00 on 2026-10-25. Window 01:00-02:30; 01:15 CEST (23:15 UTC
        // the day before) ends at the first 02:30, CEST (00:30 UTC).
        let quiet = QuietHours::new(hm(1, 0), hm(2, 30)).expect("valid");
        assert_eq!(
            quiet.end_after(utc("2026-10-24T23:15:00Z"), Paris),
            Some(utc("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn send_time_is_the_due_time_or_the_end_of_the_window() {
        let quiet = QuietHours::new(hm(22, 0), hm(7, 0)).expect("valid");
        let now = utc("2026-01-15T15:00:00Z"); // 10:00 EST
        let evening = utc("2026-01-16T03:30:00Z"); // 22:30 EST
        assert_eq!(quiet.send_time(evening, now, Montreal), utc("2026-01-16T12:00:00Z"));
        let afternoon = utc("2026-01-15T20:00:00Z"); // 15:00 EST
        assert_eq!(quiet.send_time(afternoon, now, Montreal), afternoon);
        // Already due (in the past) while the window is open now: held until it ends.
        let night = utc("2026-01-16T05:00:00Z"); // 00:00 EST
        assert_eq!(quiet.send_time(afternoon, night, Montreal), utc("2026-01-16T12:00:00Z"));
    }
}
