//! Recurring reminders: RFC 5545 rules (without DTSTART, as nudge-when
//! writes them) expanded in the reminder's own time zone, so that "every day
//! at 8" stays at 08:00 local across daylight-saving changes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The longest rule accepted.
const MAX_RRULE_CHARS: usize = 500;

/// Checks that `rrule` is a rule nudge-when can expand from `dtstart` and
/// that it occurs again after `dtstart`.
pub(crate) fn validate(rrule: &str, dtstart: DateTime<Utc>, tz: Tz) -> Result<(), String> {
    if rrule.len() > MAX_RRULE_CHARS {
        return Err(format!("must be at most {MAX_RRULE_CHARS} characters"));
    }
    match next_after(rrule, dtstart, tz, dtstart) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the rule never occurs again".to_owned()),
        Err(error) => Err(error),
    }
}

/// The first occurrence of `rrule` (DTSTART `dtstart`, read in `tz`) strictly
/// after `after`.
pub(crate) fn next_after(
    rrule: &str,
    dtstart: DateTime<Utc>,
    tz: Tz,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    let next = nudge_when::occurrences_after(rrule, dtstart.with_timezone(&tz), after.with_timezone(&tz), 1)
        .map_err(|e| e.to_string())?;
    Ok(next.first().map(|at| at.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::America::Montreal;
    use chrono_tz::Europe::Paris;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .earliest()
            .expect("a local time")
            .with_timezone(&Utc)
    }

    #[test]
    fn daily_keeps_the_wall_clock_across_spring_forward() {
        let rule = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0";
        let dtstart = local(Montreal, 2026, 3, 6, 8, 0);
        let saturday = next_after(rule, dtstart, Montreal, dtstart).expect("valid");
        assert_eq!(saturday, Some(utc("2026-03-07T13:00:00Z")), "08:00 EST");
        let sunday = next_after(rule, dtstart, Montreal, utc("2026-03-07T13:00:00Z")).expect("valid");
        assert_eq!(sunday, Some(utc("2026-03-08T12:00:00Z")), "08:00 EDT, 23 hours later");
    }

    #[test]
    fn daily_keeps_the_wall_clock_across_fall_back_in_paris() {
        let rule = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0";
        let dtstart = local(Paris, 2026, 10, 20, 8, 0);
        let next = next_after(rule, dtstart, Paris, utc("2026-10-24T06:00:00Z")).expect("valid");
        assert_eq!(next, Some(utc("2026-10-25T07:00:00Z")), "08:00 CET, 25 hours later");
    }

    #[test]
    fn weekly_on_two_days() {
        let rule = "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0";
        // Tuesday 2026-03-03 09:00 EST.
        let dtstart = local(Montreal, 2026, 3, 3, 9, 0);
        let thursday = next_after(rule, dtstart, Montreal, dtstart).expect("valid");
        assert_eq!(thursday, Some(local(Montreal, 2026, 3, 5, 9, 0)));
        // The Tuesday after the change is 09:00 EDT.
        let tuesday = next_after(rule, dtstart, Montreal, local(Montreal, 2026, 3, 5, 9, 0)).expect("valid");
        assert_eq!(tuesday, Some(utc("2026-03-10T13:00:00Z")));
    }

    #[test]
    fn hourly_steps_by_elapsed_time_across_the_change() {
        let rule = "FREQ=HOURLY;INTERVAL=3";
        // 2026-03-08 00:00 EST = 05:00 UTC; three real hours later is 04:00 EDT (08:00 UTC).
        let dtstart = utc("2026-03-08T05:00:00Z");
        let next = next_after(rule, dtstart, Montreal, dtstart).expect("valid");
        assert_eq!(next, Some(utc("2026-03-08T08:00:00Z")));
    }

    #[test]
    fn the_next_one_after_a_held_or_late_time_skips_nothing_due_later() {
        let rule = "FREQ=MINUTELY";
        let dtstart = utc("2026-05-01T10:00:00.250Z");
        // Sent 20 s late: the next one is still a minute after DTSTART.
        let next = next_after(rule, dtstart, Montreal, dtstart).expect("valid");
        assert_eq!(next, Some(utc("2026-05-01T10:01:00.250Z")));
        let later = next_after(rule, dtstart, Montreal, utc("2026-05-01T10:05:30Z")).expect("valid");
        assert_eq!(later, Some(utc("2026-05-01T10:06:00.250Z")));
    }

    #[test]
    fn invalid_rules_are_refused() {
        let dtstart = utc("2026-05-01T12:00:00Z");
        assert!(validate("FREQ=DAILY;BYHOUR=8;BYMINUTE=0", dtstart, Montreal).is_ok());
        assert!(validate("FREQ=SECONDLY", dtstart, Montreal).is_err());
        assert!(validate("FREQ=DAILY;COUNT=3", dtstart, Montreal).is_err());
        assert!(validate("every day", dtstart, Montreal).is_err());
        assert!(validate("", dtstart, Montreal).is_err());
        assert!(validate("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", dtstart, Montreal).is_err());
        assert!(validate(&"FREQ=DAILY;".repeat(60), dtstart, Montreal).is_err());
    }
}
