//! Ranges and windows: "10 August - 12 September", "from Monday 9am to
//! Wednesday 5pm", "between 2 and 4 pm". `at` is the start, `end` the end;
//! the two ends share what only one of them says (the year, the month, the
//! day).

use chrono::{DateTime, TimeDelta};
use chrono_tz::Tz;

use super::{Outcome, Resolver};
use crate::WhenError;
use crate::grammar::{Clock, ClockEnd, Component, DaySpec, Span};
use crate::lexicon::Zone;
use crate::local::{add_days, hm};

impl Resolver<'_> {
    /// A range of days: `at` from what comes before "to", `end` from what
    /// follows (with the start's day when it names none).
    pub(super) fn resolve_range(&self, found: &[(Component, Span)], until: usize) -> Result<Outcome, WhenError> {
        let (before, after) = complete_ends(&found[..until], &found[until + 1..]);
        let mut outcome = self.resolve(&before)?;
        let end = self.resolve(&after)?;
        if outcome.rrule.is_some() || end.rrule.is_some() {
            return Err(WhenError::Unsupported(self.phrase(found[until].1)));
        }
        outcome.end = Some(end.at);
        Ok(outcome)
    }

    /// Sets the end of a window of clock times ("between 2 and 4 pm").
    pub(super) fn add_window_end(&self, found: &[(Component, Span)], outcome: &mut Outcome) -> Result<(), WhenError> {
        let window_end = found.iter().find_map(|(c, _)| match c {
            Component::Clock(Clock {
                end: Some(end), zone, ..
            }) => Some((*end, *zone)),
            _ => None,
        });
        if let Some((end, zone)) = window_end {
            if outcome.rrule.is_some() {
                let span = found.first().map_or((0, 0), |(_, s)| *s);
                return Err(WhenError::Unsupported(self.phrase(span)));
            }
            outcome.end = Some(self.window_end(outcome.at, end, zone)?);
        }
        Ok(())
    }

    /// The end of a window that starts at `start`: the first reading of the
    /// end's clock after the start, on its day or the next.
    pub(super) fn window_end(
        &self,
        start: DateTime<Tz>,
        end: ClockEnd,
        zone: Option<Zone>,
    ) -> Result<DateTime<Tz>, WhenError> {
        let hours = if end.fixed {
            vec![end.hour]
        } else {
            vec![end.hour % 12, end.hour % 12 + 12]
        };
        let day = match zone {
            None => start.date_naive(),
            Some(Zone::Named(tz)) => start.with_timezone(&tz).date_naive(),
            Some(Zone::Offset(east)) => (start.naive_utc() + TimeDelta::seconds(i64::from(east))).date(),
        };
        let next = add_days(day, 1).ok_or(WhenError::OutOfRange)?;
        [day, next]
            .into_iter()
            .flat_map(|d| hours.iter().map(move |&h| (d, h)))
            .map(|(d, h)| {
                let time = hm(h, end.minute) + TimeDelta::seconds(i64::from(end.second));
                self.at_in(d, time, zone)
            })
            .find(|t| *t > start)
            .ok_or(WhenError::OutOfRange)
    }
}

/// Components with where they were written.
type Found = Vec<(Component, Span)>;

/// The two ends of a range of days, each completed with what only the other
/// says: "10 August - 12 September 2013" (the start's year), "the 5th to the
/// 9th of april" (the start's month), "10 August 2013 - 12 September" (the
/// end's year), "monday 9am to 5pm" (the end's day).
fn complete_ends(before: &[(Component, Span)], after: &[(Component, Span)]) -> (Found, Found) {
    let date_of = |part: &[(Component, Span)]| {
        part.iter().find_map(|(c, _)| match c {
            Component::Day {
                day: DaySpec::Date { year, month, .. },
                ..
            } => Some((*year, *month)),
            _ => None,
        })
    };
    let (start, end) = (date_of(before), date_of(after));
    let before: Vec<(Component, Span)> = before
        .iter()
        .map(|(c, span)| {
            let completed = match (c, end) {
                // The end's year: the year before when the start's month is later.
                (Component::Day { day, .. }, Some((Some(y), end_month))) => match *day {
                    DaySpec::Date { year: None, month, .. } => {
                        with_date(c, Some(if month > end_month { y - 1 } else { y }), month)
                    }
                    DaySpec::MonthDay { .. } => with_date(c, Some(y), end_month),
                    _ => None,
                },
                (
                    Component::Day {
                        day: DaySpec::MonthDay { .. },
                        ..
                    },
                    Some((None, end_month)),
                ) => with_date(c, None, end_month),
                _ => None,
            };
            (completed.unwrap_or_else(|| c.clone()), *span)
        })
        .collect();
    let names_a_day = after.iter().any(|(c, _)| matches!(c, Component::Day { .. }));
    let mut completed_after: Vec<(Component, Span)> = if names_a_day { Vec::new() } else { before_days(&before) };
    completed_after.extend(after.iter().map(|(c, span)| {
        let completed = match (c, start) {
            // The start's year: the year after when the end's month is earlier.
            (
                Component::Day {
                    day: DaySpec::Date { year: None, month, .. },
                    ..
                },
                Some((Some(y), start_month)),
            ) => with_date(c, Some(if *month < start_month { y + 1 } else { y }), *month),
            _ => None,
        };
        (completed.unwrap_or_else(|| c.clone()), *span)
    }));
    (before, completed_after)
}

fn before_days(before: &[(Component, Span)]) -> Vec<(Component, Span)> {
    before
        .iter()
        .filter(|(c, _)| matches!(c, Component::Day { .. }))
        .cloned()
        .collect()
}

/// A day component turned into the date of `year` (or the next one) and
/// `month`, keeping its day of the month.
fn with_date(c: &Component, year: Option<i32>, month: u32) -> Option<Component> {
    let Component::Day { day, part, start } = c else {
        return None;
    };
    let (day_of_month, weekday, until) = match *day {
        DaySpec::Date {
            day, weekday, until, ..
        } => (day, weekday, until),
        DaySpec::MonthDay { day, weekday } => (day, weekday, None),
        _ => return None,
    };
    Some(Component::Day {
        day: DaySpec::Date {
            year,
            month,
            day: day_of_month,
            weekday,
            swappable: false,
            until,
        },
        part: *part,
        start: *start,
    })
}
