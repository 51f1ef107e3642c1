//! Wall-clock times in a time zone, with the crate's daylight-saving rules,
//! and small calendar helpers.

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone,
    Weekday,
};
use chrono_tz::Tz;

/// The instant of a local wall-clock time.
///
/// - A time that does not exist (in the spring-forward gap) moves forward by
///   the length of the gap: 02:30 on the night clocks jump from 02:00 to
///   03:00 is 03:30 after the jump. It is the wall time read with the offset
///   in force before the gap.
/// - A time that occurs twice (fall back) is the earlier, first occurrence.
pub(crate) fn resolve_local(tz: Tz, naive: NaiveDateTime) -> DateTime<Tz> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(a, b) => a.min(b),
        LocalResult::None => {
            // A day before the wall time, read as UTC, is still before the
            // gap and after the previous transition in every real zone.
            let probe = naive.checked_sub_signed(TimeDelta::days(1)).unwrap_or(naive);
            let before = tz.offset_from_utc_datetime(&probe).fix();
            let utc = naive - TimeDelta::seconds(i64::from(before.local_minus_utc()));
            tz.from_utc_datetime(&utc)
        }
    }
}

pub(crate) fn at(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Tz> {
    resolve_local(tz, date.and_time(time))
}

/// Clock time `hour:minute` (both already in range; out-of-range values wrap).
pub(crate) fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::MIN + TimeDelta::minutes(i64::from(hour) * 60 + i64::from(minute))
}

pub(crate) fn add_days(d: NaiveDate, n: u64) -> Option<NaiveDate> {
    d.checked_add_days(Days::new(n))
}

/// Adds calendar months, clamping to the end of shorter months (Jan 31 + 1
/// month = Feb 28).
pub(crate) fn add_months(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(n))
}

/// Days from `from` to the next `wd`, 0 when `from` is one.
pub(crate) fn days_until(from: Weekday, wd: Weekday) -> u64 {
    u64::from((wd.num_days_from_monday() + 7 - from.num_days_from_monday()) % 7)
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(31, |d| d.day())
}

/// Whether `d` is the `nth` such weekday of its month (`-1`: the last).
pub(crate) fn is_nth_weekday(d: NaiveDate, nth: i32) -> bool {
    let day = d.day() as i32;
    if nth > 0 {
        (day - 1) / 7 + 1 == nth
    } else {
        let dim = days_in_month(d.year(), d.month()) as i32;
        (dim - day) / 7 + 1 == -nth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> String {
        let date = NaiveDate::from_ymd_opt(y, mo, d).unwrap_or_default();
        at(tz, date, hm(h, mi)).to_rfc3339()
    }

    #[test]
    fn gaps_move_forward_by_their_length() {
        let mtl = Tz::America__Montreal;
        assert_eq!(local(mtl, 2026, 3, 8, 2, 30), "2026-03-08T03:30:00-04:00");
        assert_eq!(local(mtl, 2026, 3, 8, 2, 0), "2026-03-08T03:00:00-04:00");
        let paris = Tz::Europe__Paris;
        assert_eq!(local(paris, 2026, 3, 29, 2, 15), "2026-03-29T03:15:00+02:00");
    }

    #[test]
    fn repeated_times_take_the_first() {
        let mtl = Tz::America__Montreal;
        assert_eq!(local(mtl, 2026, 11, 1, 1, 30), "2026-11-01T01:30:00-04:00");
        let paris = Tz::Europe__Paris;
        assert_eq!(local(paris, 2026, 10, 25, 2, 30), "2026-10-25T02:30:00+02:00");
    }

    #[test]
    fn calendar_helpers() {
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2026, 12), 31);
        assert_eq!(days_until(Weekday::Wed, Weekday::Mon), 5);
        assert_eq!(days_until(Weekday::Wed, Weekday::Wed), 0);
        let last_friday = NaiveDate::from_ymd_opt(2026, 3, 27).unwrap_or_default();
        assert!(is_nth_weekday(last_friday, -1) && is_nth_weekday(last_friday, 4));
    }
}
