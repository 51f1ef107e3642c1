//! The subset of RFC 5545 recurrence rules this crate produces, and their
//! expansion in a time zone.
//!
//! Supported parts: `FREQ` (`MINUTELY`, `HOURLY`, `DAILY`, `WEEKLY`,
//! `MONTHLY`, `YEARLY`), `INTERVAL`, `BYMONTH`, `BYMONTHDAY` (negative counts
//! from the end of the month), `BYDAY` (with an ordinal such as `1MO` or
//! `-1FR` in monthly and yearly rules), `BYHOUR`, `BYMINUTE`, and `WKST=MO`.
//! Anything else is refused with [`WhenError::InvalidRrule`] rather than
//! ignored. `MINUTELY` and `HOURLY` rules take no `BY…` part.
//!
//! Expansion follows RFC 5545 with the crate's time rules: daily and longer
//! rules are wall-clock times in the zone (08:00 stays 08:00 across a DST
//! change; a time in a spring-forward gap moves forward by the gap, a
//! repeated time is its first occurrence), while minutely and hourly rules
//! step by exact elapsed time from DTSTART. `INTERVAL` counts days, weeks
//! (starting on Monday), months or years from DTSTART's. Parts that are absent
//! default to DTSTART's (weekday for `WEEKLY`, day of the month for
//! `MONTHLY`, month and day for `YEARLY`, hour, minute and second).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Timelike, Weekday};
use chrono_tz::Tz;

use crate::WhenError;
use crate::local::{days_in_month, is_nth_weekday, resolve_local};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freq {
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Freq {
    fn name(self) -> &'static str {
        match self {
            Freq::Minutely => "MINUTELY",
            Freq::Hourly => "HOURLY",
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
            Freq::Yearly => "YEARLY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) freq: Freq,
    pub(crate) interval: u32,
    pub(crate) by_month: Vec<u32>,
    pub(crate) by_month_day: Vec<i32>,
    /// (ordinal, weekday); ordinal 0 means every such weekday.
    pub(crate) by_day: Vec<(i32, Weekday)>,
    pub(crate) by_hour: Vec<u32>,
    pub(crate) by_minute: Vec<u32>,
}

/// No occurrence in this many days means the rule never matches again
/// (e.g. `BYMONTH=2;BYMONTHDAY=30`); February 29 needs up to 8 years.
const MAX_IDLE_DAYS: u64 = 366 * 9;

impl Rule {
    pub(crate) fn new(freq: Freq, interval: u32) -> Self {
        Self {
            freq,
            interval,
            by_month: Vec::new(),
            by_month_day: Vec::new(),
            by_day: Vec::new(),
            by_hour: Vec::new(),
            by_minute: Vec::new(),
        }
    }

    /// Up to `count` occurrences of the rule anchored at `dtstart`, in order,
    /// from `from` (inclusive) on.
    pub(crate) fn occurrences(&self, dtstart: DateTime<Tz>, from: DateTime<Tz>, count: usize) -> Vec<DateTime<Tz>> {
        let from = from.max(dtstart);
        let mut out = Vec::with_capacity(count.min(366));
        if count == 0 {
            return out;
        }
        match self.freq {
            Freq::Minutely | Freq::Hourly => {
                let unit = if self.freq == Freq::Minutely { 60 } else { 3600 };
                let step = i64::from(self.interval) * unit;
                let elapsed = (from - dtstart).num_seconds();
                let mut k = elapsed / step;
                while out.len() < count {
                    let Some(t) = dtstart.checked_add_signed(TimeDelta::seconds(k * step)) else {
                        break;
                    };
                    if t >= from {
                        out.push(t);
                    }
                    k += 1;
                }
            }
            _ => self.expand_days(dtstart, from, count, &mut out),
        }
        out
    }

    fn expand_days(&self, dtstart: DateTime<Tz>, from: DateTime<Tz>, count: usize, out: &mut Vec<DateTime<Tz>>) {
        let tz = dtstart.timezone();
        let anchor = dtstart.naive_local();
        let hours = if self.by_hour.is_empty() {
            vec![anchor.hour()]
        } else {
            self.by_hour.clone()
        };
        let minutes = if self.by_minute.is_empty() {
            vec![anchor.minute()]
        } else {
            self.by_minute.clone()
        };
        let mut times: Vec<NaiveTime> = hours
            .iter()
            .flat_map(|&h| {
                minutes
                    .iter()
                    .filter_map(move |&m| NaiveTime::from_hms_opt(h, m, anchor.second()))
            })
            .collect();
        times.sort_unstable();
        times.dedup();

        let mut date = from.naive_local().date().max(anchor.date());
        let mut idle = 0;
        let mut day = Vec::with_capacity(times.len());
        while out.len() < count && idle < MAX_IDLE_DAYS {
            idle += 1;
            if self.date_matches(date, anchor.date()) {
                day.clear();
                day.extend(
                    times
                        .iter()
                        .map(|&t| resolve_local(tz, date.and_time(t)))
                        .filter(|t| *t >= from),
                );
                // A time moved out of a DST gap can land on a later one.
                day.sort_unstable();
                day.dedup();
                if !day.is_empty() {
                    idle = 0;
                }
                out.extend(day.iter().take(count - out.len()));
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
    }

    fn date_matches(&self, d: NaiveDate, anchor: NaiveDate) -> bool {
        let n = i64::from(self.interval.max(1));
        let aligned = match self.freq {
            Freq::Daily => (d - anchor).num_days() % n == 0,
            Freq::Weekly => (monday(d) - monday(anchor)).num_days() / 7 % n == 0,
            Freq::Monthly => {
                let months = |x: NaiveDate| i64::from(x.year()) * 12 + i64::from(x.month());
                (months(d) - months(anchor)) % n == 0
            }
            Freq::Yearly => i64::from(d.year() - anchor.year()) % n == 0,
            Freq::Minutely | Freq::Hourly => true,
        };
        if !aligned || (!self.by_month.is_empty() && !self.by_month.contains(&d.month())) {
            return false;
        }
        let dim = days_in_month(d.year(), d.month()) as i32;
        let day = d.day() as i32;
        if !self.by_month_day.is_empty()
            && !self
                .by_month_day
                .iter()
                .any(|&v| if v > 0 { day == v } else { day == dim + 1 + v })
        {
            return false;
        }
        if !self.by_day.is_empty()
            && !self
                .by_day
                .iter()
                .any(|&(nth, wd)| d.weekday() == wd && (nth == 0 || is_nth_weekday(d, nth)))
        {
            return false;
        }
        let no_day_part = self.by_month_day.is_empty() && self.by_day.is_empty();
        match self.freq {
            Freq::Weekly if self.by_day.is_empty() => d.weekday() == anchor.weekday(),
            Freq::Monthly if no_day_part => d.day() == anchor.day(),
            Freq::Yearly if no_day_part => {
                d.day() == anchor.day() && (!self.by_month.is_empty() || d.month() == anchor.month())
            }
            _ => true,
        }
    }
}

fn monday(d: NaiveDate) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
        .unwrap_or(d)
}

const DAY_NAMES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, key: &str, items: &[T]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    write!(f, ";{key}=")?;
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            f.write_str(",")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq.name())?;
        if self.interval > 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        join(f, "BYMONTH", &self.by_month)?;
        join(f, "BYMONTHDAY", &self.by_month_day)?;
        let days: Vec<String> = self
            .by_day
            .iter()
            .map(|&(nth, wd)| {
                let name = DAY_NAMES[wd.num_days_from_monday() as usize];
                if nth == 0 {
                    name.to_owned()
                } else {
                    format!("{nth}{name}")
                }
            })
            .collect();
        join(f, "BYDAY", &days)?;
        join(f, "BYHOUR", &self.by_hour)?;
        join(f, "BYMINUTE", &self.by_minute)
    }
}

impl FromStr for Rule {
    type Err = WhenError;

    fn from_str(s: &str) -> Result<Self, WhenError> {
        let bad = |why: &str| WhenError::InvalidRrule(format!("{why} in {s:?}"));
        let body = s.trim();
        let body = body.strip_prefix("RRULE:").unwrap_or(body);
        let mut freq = None;
        let mut rule = Rule::new(Freq::Daily, 1);
        for part in body.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| bad("missing '='"))?;
            let list = || value.split(',').map(str::trim);
            match key.trim().to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match value.trim().to_ascii_uppercase().as_str() {
                        "MINUTELY" => Freq::Minutely,
                        "HOURLY" => Freq::Hourly,
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => return Err(bad("unsupported FREQ")),
                    });
                }
                "INTERVAL" => {
                    rule.interval = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| bad("bad INTERVAL"))?;
                }
                "BYMONTH" => rule.by_month = numbers(list(), 1..=12).ok_or_else(|| bad("bad BYMONTH"))?,
                "BYMONTHDAY" => {
                    rule.by_month_day = numbers(list(), -31..=31)
                        .filter(|v| !v.contains(&0))
                        .ok_or_else(|| bad("bad BYMONTHDAY"))?;
                }
                "BYHOUR" => rule.by_hour = numbers(list(), 0..=23).ok_or_else(|| bad("bad BYHOUR"))?,
                "BYMINUTE" => rule.by_minute = numbers(list(), 0..=59).ok_or_else(|| bad("bad BYMINUTE"))?,
                "BYDAY" => {
                    rule.by_day = list()
                        .map(by_day)
                        .collect::<Option<_>>()
                        .ok_or_else(|| bad("bad BYDAY"))?;
                }
                "WKST" if value.trim().eq_ignore_ascii_case("MO") => {}
                _ => return Err(bad(&format!("unsupported part {key}"))),
            }
        }
        rule.freq = freq.ok_or_else(|| bad("missing FREQ"))?;
        let has_by = !(rule.by_month.is_empty()
            && rule.by_month_day.is_empty()
            && rule.by_day.is_empty()
            && rule.by_hour.is_empty()
            && rule.by_minute.is_empty());
        if matches!(rule.freq, Freq::Minutely | Freq::Hourly) && has_by {
            return Err(bad("BY parts with a sub-daily FREQ"));
        }
        let ordinal = rule.by_day.iter().any(|&(n, _)| n != 0);
        let ordinal_ok = rule.freq == Freq::Monthly || (rule.freq == Freq::Yearly && !rule.by_month.is_empty());
        if ordinal && !ordinal_ok {
            return Err(bad("ordinal BYDAY outside a monthly rule"));
        }
        Ok(rule)
    }
}

fn numbers<'a, T: FromStr + PartialOrd>(
    items: impl Iterator<Item = &'a str>,
    range: std::ops::RangeInclusive<T>,
) -> Option<Vec<T>> {
    items.map(|v| v.parse().ok().filter(|n| range.contains(n))).collect()
}

/// "MO", "1MO", "-1FR", "+2TU".
fn by_day(item: &str) -> Option<(i32, Weekday)> {
    let split = item.len().checked_sub(2)?;
    let (nth, name) = (item.get(..split)?, item.get(split..)?);
    let wd = DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name))
        .and_then(|k| Weekday::try_from(u8::try_from(k).ok()?).ok())?;
    let nth = match nth {
        "" => 0,
        n => n.parse::<i32>().ok().filter(|n| *n != 0 && (-5..=5).contains(n))?,
    };
    Some((nth, wd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
            "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0",
            "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
            "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=30",
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0",
            "FREQ=HOURLY;INTERVAL=3",
        ] {
            let rule: Rule = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(rule.to_string(), s);
        }
    }

    #[test]
    fn refuses_what_it_does_not_expand() {
        for s in [
            "",
            "BYHOUR=8",
            "FREQ=SECONDLY",
            "FREQ=DAILY;COUNT=3",
            "FREQ=DAILY;BYHOUR=24",
            "FREQ=WEEKLY;BYDAY=1MO",
            "FREQ=HOURLY;BYMINUTE=5",
            "FREQ=DAILY;INTERVAL=0",
            "FREQ=MONTHLY;BYMONTHDAY=0",
        ] {
            assert!(matches!(s.parse::<Rule>(), Err(WhenError::InvalidRrule(_))), "{s}");
        }
    }
}
