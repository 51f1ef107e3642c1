//! Turns the components found by the grammar into an instant, a grain and a
//! recurrence rule, following the rules documented in the crate docs.

mod ranges;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;

use crate::grammar::{Clock, Component, DaySpec, Recurrence, RelativeDuration, Span, WeekdayRule, weekday_bit};
use crate::lexicon::{Part, Zone};
use crate::local::{add_days, add_months, at, days_in_month, days_until, hm, is_nth_weekday};
use crate::rrule::{Freq, Rule};
use crate::token::Tokens;
use crate::{Context, Grain, WhenError};

pub(crate) struct Outcome {
    pub(crate) at: DateTime<Tz>,
    pub(crate) grain: Grain,
    pub(crate) rrule: Option<String>,
    /// Other readings as plausible as `at` (see [`crate::When::alternatives`]).
    pub(crate) alternatives: Vec<DateTime<Tz>>,
    /// The end of a window ("between 2 and 4 pm").
    pub(crate) end: Option<DateTime<Tz>>,
}

impl Outcome {
    fn new(at: DateTime<Tz>, grain: Grain, rrule: Option<String>) -> Self {
        Self {
            at,
            grain,
            rrule,
            alternatives: Vec::new(),
            end: None,
        }
    }
}

/// A day component with where it was written.
struct DayFound {
    spec: DaySpec,
    start: bool,
    span: Span,
}

/// How an hour can be read.
enum Reading {
    Fixed {
        time: NaiveTime,
        next_day: bool,
    },
    /// 1–12 without am/pm: morning or afternoon/evening.
    Either {
        am: NaiveTime,
        pm: NaiveTime,
        business_pm: bool,
    },
}

pub(crate) struct Resolver<'a> {
    ctx: &'a Context,
    tokens: &'a Tokens,
    text: &'a str,
    tz: Tz,
    now: DateTime<Tz>,
    today: NaiveDate,
    /// Days as plausible as the one read ("Tuesday the 19th" when the 19th
    /// is a Wednesday: the Tuesday nearest it).
    /// `true` for a weekday that does not match its date.
    other_days: std::cell::RefCell<Vec<(NaiveDate, bool)>>,
    /// The last day of a range written in one date ("10 - 22 August").
    range_end: std::cell::RefCell<Option<NaiveDate>>,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(ctx: &'a Context, tokens: &'a Tokens, text: &'a str) -> Self {
        // `at` has whole seconds.
        let now = ctx.now - TimeDelta::nanoseconds(i64::from(ctx.now.nanosecond()));
        Self {
            ctx,
            tokens,
            text,
            tz: now.timezone(),
            now,
            today: now.date_naive(),
            other_days: std::cell::RefCell::new(Vec::new()),
            range_end: std::cell::RefCell::new(None),
        }
    }

    fn phrase(&self, s: Span) -> String {
        self.tokens.slice(self.text, s.0, s.1).to_owned()
    }

    fn conflict(&self, a: Span, b: Span) -> WhenError {
        WhenError::Conflict(self.phrase(a), self.phrase(b))
    }

    fn at(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Tz> {
        at(self.tz, date, time)
    }

    /// `date` at `time` in `zone` (the person's when `None`), in the
    /// person's zone.
    fn at_in(&self, date: NaiveDate, time: NaiveTime, zone: Option<Zone>) -> DateTime<Tz> {
        match zone {
            None => self.at(date, time),
            Some(Zone::Named(tz)) => at(tz, date, time).with_timezone(&self.tz),
            Some(Zone::Offset(east)) => {
                let utc = date.and_time(time) - TimeDelta::seconds(i64::from(east));
                self.tz.from_utc_datetime(&utc)
            }
        }
    }

    /// A date with its year, or the next such date, today included: a date
    /// that has passed this year is next year's (February 29: the next leap
    /// year).
    fn calendar_date(&self, year: Option<i32>, month: u32, day: u32) -> Option<NaiveDate> {
        match year {
            Some(y) => NaiveDate::from_ymd_opt(y, month, day),
            None => (self.today.year()..=self.today.year() + 8)
                .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
                .find(|d| *d >= self.today),
        }
    }

    /// Today's date in `zone` (the person's when `None`).
    fn today_in(&self, zone: Option<Zone>) -> NaiveDate {
        match zone {
            None => self.today,
            Some(Zone::Named(tz)) => self.now.with_timezone(&tz).date_naive(),
            Some(Zone::Offset(east)) => (self.now.naive_utc() + TimeDelta::seconds(i64::from(east))).date(),
        }
    }

    fn part_time(&self, p: Part) -> NaiveTime {
        let d = &self.ctx.day_parts;
        let base = match p.base() {
            Part::Morning => d.morning,
            Part::Noon => d.noon,
            Part::Afternoon => d.afternoon,
            Part::Evening => d.evening,
            _ => d.night,
        };
        // A late night past midnight stays on its evening's side.
        let (moved, wrapped) = base.overflowing_add_signed(TimeDelta::hours(p.shift_hours()));
        if wrapped == 0 { moved } else { base }
    }

    pub(crate) fn resolve(&self, found: &[(Component, Span)]) -> Result<Outcome, WhenError> {
        if let Some(until) = found.iter().position(|(c, _)| *c == Component::Until) {
            return self.resolve_range(found, until);
        }
        let mut outcome = self.resolve_components(found)?;
        if let Some(last) = *self.range_end.borrow()
            && outcome.rrule.is_none()
        {
            outcome.end = Some(self.at(last, outcome.at.time()));
        }
        self.add_window_end(found, &mut outcome)?;
        let other_days = self.other_days.borrow();
        if outcome.rrule.is_some() {
            // A recurrence's start day must be what it says.
            if other_days.iter().any(|&(_, wrong_weekday)| wrong_weekday) {
                let span = found.first().map_or((0, 0), |(_, s)| *s);
                return Err(WhenError::WrongWeekday(self.phrase(span)));
            }
        } else if let Some(&(first, _)) = other_days.first() {
            let time = outcome.at.time();
            outcome.alternatives.push(self.at(first, time));
        }
        Ok(outcome)
    }

    fn resolve_components(&self, found: &[(Component, Span)]) -> Result<Outcome, WhenError> {
        let mut rel: Option<(RelativeDuration, Span)> = None;
        let mut offset: Option<(RelativeDuration, Span)> = None;
        let mut days: Vec<DayFound> = Vec::new();
        let mut part: Option<(Part, Span)> = None;
        let mut clock: Option<(Clock, Span)> = None;
        let mut recur: Option<(Recurrence, Span)> = None;
        let mut vague: Option<Span> = None;
        for (comp, span) in found {
            let span = *span;
            match comp {
                Component::Invalid(e) => return Err(e.clone()),
                Component::Vague => vague = vague.or(Some(span)),
                Component::Until => return Err(WhenError::Unsupported(self.phrase(span))),
                Component::Relative(d) => self.once(&mut rel, *d, span)?,
                Component::Offset(d) => self.once(&mut offset, *d, span)?,
                Component::Clock(c) => self.once(&mut clock, *c, span)?,
                Component::Part(p) => self.same(&mut part, *p, span)?,
                Component::Day { day, part: p, start } => {
                    if let Some(p) = p {
                        self.same(&mut part, *p, span)?;
                    }
                    days.push(DayFound {
                        spec: *day,
                        start: *start,
                        span,
                    });
                }
                Component::Recurrence(r) => {
                    recur = Some(match recur {
                        None => (*r, span),
                        Some((prev, first)) => (prev.merge(*r).ok_or_else(|| self.conflict(first, span))?, first),
                    });
                }
            }
        }
        if let Some((_, span)) = offset
            && (days.is_empty() || rel.is_some() || recur.is_some())
        {
            return Err(WhenError::Unsupported(self.phrase(span)));
        }
        if let Some((r, span)) = recur {
            if let Some((_, s)) = rel {
                return Err(self.conflict(span, s));
            }
            return self.recurrence(r, span, &days, part, clock);
        }
        if rel.is_none() && days.is_empty() && part.is_none() && clock.is_none() {
            return Err(match vague {
                Some(s) => WhenError::Vague(self.phrase(s)),
                None => WhenError::NoTime,
            });
        }
        let date = match rel {
            Some((RelativeDuration::Exact { secs, grain }, span)) => {
                let other = days
                    .first()
                    .map(|d| d.span)
                    .or(part.map(|p| p.1))
                    .or(clock.map(|c| c.1));
                if let Some(other) = other {
                    return Err(self.conflict(span, other));
                }
                let at = self
                    .now
                    .checked_add_signed(TimeDelta::seconds(secs))
                    .ok_or(WhenError::OutOfRange)?;
                return Ok(Outcome::new(at, grain, None));
            }
            Some((
                RelativeDuration::Calendar {
                    months,
                    days: n,
                    secs,
                    grain,
                    back,
                },
                span,
            )) => {
                if let Some(d) = days.first() {
                    return Err(self.conflict(span, d.span));
                }
                let date = shift(self.today, months, n, back).ok_or(WhenError::OutOfRange)?;
                if secs != 0 {
                    // "in 1 month and 2 hours": the calendar part from now's
                    // wall clock, then the exact part.
                    if let Some(other) = part.map(|p| p.1).or(clock.map(|c| c.1)) {
                        return Err(self.conflict(span, other));
                    }
                    let secs = if back { -secs } else { secs };
                    let at = self
                        .at(date, self.now.time())
                        .checked_add_signed(TimeDelta::seconds(secs))
                        .ok_or(WhenError::OutOfRange)?;
                    return Ok(Outcome::new(at, grain, None));
                }
                Some((date, grain))
            }
            None => match (self.one_date(&days)?, offset) {
                (
                    Some((date, _)),
                    Some((
                        RelativeDuration::Calendar {
                            months,
                            days: n,
                            grain,
                            back,
                            ..
                        },
                        _,
                    )),
                ) => Some((shift(date, months, n, back).ok_or(WhenError::OutOfRange)?, grain)),
                (date, _) => date,
            },
        };
        let part = part.map(|p| p.0);
        match (date, clock, part) {
            (Some((date, _)), Some((c, span)), _) => {
                let reading = self.reading(&c, part).ok_or_else(|| self.part_conflict(span, &days))?;
                let mut alternatives = Vec::new();
                let at = match reading {
                    Reading::Fixed { time, next_day } => {
                        let date = if next_day {
                            add_days(date, 1).ok_or(WhenError::OutOfRange)?
                        } else {
                            date
                        };
                        self.at_in(date, time, c.zone)
                    }
                    Reading::Either { am, pm, business_pm } if date != self.today => {
                        let (picked, other) = if business_pm { (pm, am) } else { (am, pm) };
                        alternatives.push(self.at_in(date, other, c.zone));
                        self.at_in(date, picked, c.zone)
                    }
                    // Today, named: the first reading still ahead, else the
                    // afternoon/evening one (which has passed too).
                    Reading::Either { am, pm, .. } => {
                        let first = self.at_in(date, am, c.zone);
                        if first >= self.now {
                            alternatives.push(self.at_in(date, pm, c.zone));
                            first
                        } else {
                            self.at_in(date, pm, c.zone)
                        }
                    }
                };
                Ok(Outcome {
                    alternatives,
                    ..Outcome::new(at, clock_grain(&c), None)
                })
            }
            (None, Some((c, span)), _) => {
                let reading = self.reading(&c, part).ok_or_else(|| self.part_conflict(span, &days))?;
                let today = self.today_in(c.zone);
                let tomorrow = add_days(today, 1).ok_or(WhenError::OutOfRange)?;
                let candidates = match reading {
                    Reading::Fixed { time, .. } => [(today, time), (tomorrow, time), (tomorrow, time)],
                    Reading::Either { am, pm, .. } => [(today, am), (today, pm), (tomorrow, am)],
                };
                let mut ahead = candidates
                    .iter()
                    .map(|&(d, t)| self.at_in(d, t, c.zone))
                    .filter(|t| *t >= self.now);
                let at = ahead
                    .next()
                    .unwrap_or_else(|| self.at_in(tomorrow, candidates[2].1, c.zone));
                // "at 6": the other half of the day is as plausible.
                let alternatives = match reading {
                    Reading::Either { .. } => ahead.find(|t| *t != at).into_iter().collect(),
                    Reading::Fixed { .. } => Vec::new(),
                };
                Ok(Outcome {
                    alternatives,
                    ..Outcome::new(at, clock_grain(&c), None)
                })
            }
            (Some((date, _)), None, Some(p)) => Ok(Outcome::new(self.at(date, self.part_time(p)), Grain::Hour, None)),
            (Some((date, grain)), None, None) => Ok(Outcome::new(
                self.at(date, self.ctx.day_parts.default_day_time),
                grain,
                None,
            )),
            (None, None, None) => Err(WhenError::NoTime),
            (None, None, Some(p)) => {
                // A part of the day alone: the next one.
                let time = self.part_time(p);
                let first = self.at(self.today, time);
                let at = if first >= self.now {
                    first
                } else {
                    self.at(add_days(self.today, 1).ok_or(WhenError::OutOfRange)?, time)
                };
                Ok(Outcome::new(at, Grain::Hour, None))
            }
        }
    }

    fn once<T>(&self, slot: &mut Option<(T, Span)>, v: T, span: Span) -> Result<(), WhenError> {
        match slot {
            Some((_, first)) => Err(self.conflict(*first, span)),
            None => {
                *slot = Some((v, span));
                Ok(())
            }
        }
    }

    fn same(&self, slot: &mut Option<(Part, Span)>, p: Part, span: Span) -> Result<(), WhenError> {
        match slot {
            Some((q, first)) if *q != p => Err(self.conflict(*first, span)),
            Some(_) => Ok(()),
            None => {
                *slot = Some((p, span));
                Ok(())
            }
        }
    }

    fn part_conflict(&self, clock: Span, days: &[DayFound]) -> WhenError {
        match days.first() {
            Some(d) => self.conflict(d.span, clock),
            None => WhenError::Conflict(self.phrase(clock), String::new()),
        }
    }

    /// The date named by the day components; several must name the same day.
    fn one_date(&self, days: &[DayFound]) -> Result<Option<(NaiveDate, Grain)>, WhenError> {
        let mut found: Option<(NaiveDate, Grain, Span)> = None;
        for d in days {
            let (date, grain) = self.day_date(d.spec, d.span)?;
            match found {
                Some((prev, _, span)) if prev != date => return Err(self.conflict(span, d.span)),
                Some(_) => {}
                None => found = Some((date, grain, d.span)),
            }
        }
        Ok(found.map(|(d, g, _)| (d, g)))
    }

    fn day_date(&self, spec: DaySpec, span: Span) -> Result<(NaiveDate, Grain), WhenError> {
        let today = self.today;
        let invalid = || WhenError::InvalidDate(self.phrase(span));
        let plus = |n: u64| add_days(today, n).ok_or(WhenError::OutOfRange);
        // "Tuesday the 19th" when the 19th is a Wednesday: the date, and the
        // Tuesday nearest it as the other reading (the caller asks).
        let wrong_weekday = |d: NaiveDate, weekday: Option<Weekday>| -> Result<NaiveDate, WhenError> {
            if let Some(weekday) = weekday
                && d.weekday() != weekday
            {
                let after = days_until(d.weekday(), weekday);
                let later = add_days(d, after);
                let earlier = d.checked_sub_days(chrono::Days::new(7 - after));
                let nearest = match (earlier, later) {
                    (Some(e), Some(_)) if 7 - after < after && e >= today => Some(e),
                    (_, l) => l,
                };
                self.other_days.borrow_mut().extend(nearest.map(|n| (n, true)));
            }
            Ok(d)
        };
        let date = match spec {
            DaySpec::Today => today,
            DaySpec::Tomorrow => plus(1)?,
            DaySpec::AfterTomorrow => plus(2)?,
            DaySpec::Yesterday => today.pred_opt().ok_or(WhenError::OutOfRange)?,
            DaySpec::BeforeYesterday => today
                .checked_sub_days(chrono::Days::new(2))
                .ok_or(WhenError::OutOfRange)?,
            DaySpec::Weekday {
                weekday,
                rule: WeekdayRule::Last,
            } => {
                let back = (7 + i64::from(today.weekday().num_days_from_monday())
                    - i64::from(weekday.num_days_from_monday()))
                    % 7;
                let back = if back == 0 { 7 } else { back };
                today
                    .checked_sub_days(chrono::Days::new(back.unsigned_abs()))
                    .ok_or(WhenError::OutOfRange)?
            }
            DaySpec::Weekday { weekday, rule } => {
                let n = days_until(today.weekday(), weekday);
                plus(match rule {
                    WeekdayRule::This => n,
                    WeekdayRule::Nearest if n == 0 => 7,
                    WeekdayRule::Nearest => n,
                    WeekdayRule::WeeksAfter(weeks) if n == 0 => 7 + 7 * u64::from(weeks),
                    WeekdayRule::WeeksAfter(weeks) => n + 7 * u64::from(weeks),
                    WeekdayRule::Last => 0,
                })?
            }
            DaySpec::Date {
                year,
                month,
                day,
                weekday,
                swappable,
                until,
            } => {
                let d = self.calendar_date(year, month, day).ok_or_else(invalid)?;
                // "10 - 22 August": the range ends on the 22nd of that month.
                if let Some(last) = until {
                    *self.range_end.borrow_mut() = NaiveDate::from_ymd_opt(d.year(), d.month(), last);
                }
                // "03/04": the other order is as plausible (the caller asks).
                if swappable
                    && weekday.is_none()
                    && let Some(other) = self.calendar_date(year, day, month)
                {
                    self.other_days.borrow_mut().push((other, false));
                }
                wrong_weekday(d, weekday)?
            }
            DaySpec::MonthDay { day, weekday } => {
                // This month's if still ahead, else the next month that has it.
                let d = (0..13)
                    .filter_map(|k| add_months(first_of_month(today), k))
                    .filter_map(|m| NaiveDate::from_ymd_opt(m.year(), m.month(), day))
                    .find(|d| *d >= today)
                    .ok_or_else(invalid)?;
                wrong_weekday(d, weekday)?
            }
            DaySpec::NthWeekday { nth, weekday } => (0..13)
                .filter_map(|k| add_months(first_of_month(today), k))
                .find_map(|m| {
                    (1..=days_in_month(m.year(), m.month()))
                        .filter_map(|d| NaiveDate::from_ymd_opt(m.year(), m.month(), d))
                        .find(|d| d.weekday() == weekday && is_nth_weekday(*d, i32::from(nth)))
                        .filter(|d| *d >= today)
                })
                .ok_or_else(invalid)?,
            DaySpec::Weekend { next } => {
                let sat = days_until(today.weekday(), Weekday::Sat);
                plus(match (next, today.weekday()) {
                    (false, Weekday::Sun) => 0,
                    (false, _) => sat,
                    (true, _) if sat == 0 => 7,
                    (true, _) => sat,
                })?
            }
            DaySpec::NextWeek => {
                let monday = plus(7 - u64::from(today.weekday().num_days_from_monday()))?;
                return Ok((monday, Grain::Week));
            }
            DaySpec::NextMonth => {
                let d = add_months(first_of_month(today), 1).ok_or(WhenError::OutOfRange)?;
                return Ok((d, Grain::Month));
            }
            DaySpec::NextYear => {
                let d = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).ok_or(WhenError::OutOfRange)?;
                return Ok((d, Grain::Year));
            }
            DaySpec::MonthOfYear { year, month } => {
                let d = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(invalid)?;
                return Ok((d, Grain::Month));
            }
            DaySpec::Month(m) => {
                let y = if m >= today.month() {
                    today.year()
                } else {
                    today.year() + 1
                };
                let d = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(invalid)?;
                return Ok((d, Grain::Month));
            }
        };
        Ok((date, Grain::Day))
    }

    /// How the clock's hour reads, given a part of the day; `None` when the
    /// part contradicts an explicit hour ("tomorrow morning at 3pm").
    fn reading(&self, c: &Clock, part: Option<Part>) -> Option<Reading> {
        let part = c.part.or(part);
        if c.after_midnight {
            return Some(Reading::Fixed {
                time: hm(c.hour, c.minute) + TimeDelta::seconds(i64::from(c.second)),
                next_day: true,
            });
        }
        let fixed = |h: u32, p: Option<Part>| Reading::Fixed {
            time: hm(h, c.minute) + TimeDelta::seconds(i64::from(c.second)),
            next_day: p.map(Part::base) == Some(Part::Night) && h < 6,
        };
        if c.fixed || (c.twenty_four_hour && part.is_none()) {
            return match part {
                Some(p) if !accepts(p, c.hour) => None,
                _ => Some(fixed(c.hour, part)),
            };
        }
        let am = c.hour % 12;
        match part {
            Some(p) => [am, am + 12]
                .into_iter()
                .find(|&h| accepts(p, h))
                .map(|h| fixed(h, part)),
            None => Some(Reading::Either {
                am: hm(am, c.minute) + TimeDelta::seconds(i64::from(c.second)),
                pm: hm(am + 12, c.minute) + TimeDelta::seconds(i64::from(c.second)),
                // 7–11 are morning hours, 12 and 1–6 afternoon ones.
                business_pm: am <= 6,
            }),
        }
    }

    fn recurrence(
        &self,
        mut r: Recurrence,
        span: Span,
        days: &[DayFound],
        part: Option<(Part, Span)>,
        clock: Option<(Clock, Span)>,
    ) -> Result<Outcome, WhenError> {
        // A recurrence keeps the person's wall-clock time; one in another
        // zone ("every day at 3pm EST") is refused rather than misplaced.
        if let Some((Clock { zone: Some(_), .. }, cspan)) = clock {
            return Err(WhenError::Unsupported(self.phrase(cspan)));
        }
        let mut start: Option<(NaiveDate, Span)> = None;
        for d in days {
            let merged = !d.start
                && match (d.spec, r.freq) {
                    (
                        DaySpec::Weekday {
                            weekday,
                            rule: WeekdayRule::Nearest | WeekdayRule::This,
                        },
                        Freq::Weekly,
                    ) => {
                        r.days |= weekday_bit(weekday);
                        true
                    }
                    (DaySpec::MonthDay { day, weekday: None }, Freq::Monthly)
                        if r.month_day.is_none() && r.nth.is_none() =>
                    {
                        r.month_day = Some(day);
                        true
                    }
                    (DaySpec::NthWeekday { nth, weekday }, Freq::Monthly)
                        if r.month_day.is_none() && r.nth.is_none() =>
                    {
                        r.nth = Some((nth, weekday));
                        true
                    }
                    (
                        DaySpec::Date {
                            year: None,
                            month,
                            day,
                            weekday: None,
                            ..
                        },
                        Freq::Yearly,
                    ) if r.month.is_none() => {
                        r.month = Some(month);
                        r.month_day = Some(day);
                        true
                    }
                    _ => false,
                };
            if !merged {
                if let Some((_, first)) = start {
                    return Err(self.conflict(first, d.span));
                }
                start = Some((self.day_date(d.spec, d.span)?.0, d.span));
            }
        }
        if matches!(r.freq, Freq::Minutely | Freq::Hourly) {
            let other = start.map(|s| s.1).or(part.map(|p| p.1)).or(clock.map(|c| c.1));
            if let Some(other) = other {
                return Err(self.conflict(span, other));
            }
            let (unit, grain) = if r.freq == Freq::Minutely {
                (60, Grain::Minute)
            } else {
                (3600, Grain::Hour)
            };
            let at = self
                .now
                .checked_add_signed(TimeDelta::seconds(i64::from(r.interval) * unit))
                .ok_or(WhenError::OutOfRange)?;
            let rule = Rule::new(r.freq, r.interval);
            return Ok(Outcome::new(at, grain, Some(rule.to_string())));
        }
        let part = match (r.part, part) {
            (Some(a), Some((b, s))) if a != b => return Err(self.conflict(span, s)),
            (a, b) => a.or(b.map(|p| p.0)),
        };
        let (time, next_day, grain) = match clock {
            Some((c, cspan)) => match self.reading(&c, part).ok_or_else(|| self.conflict(span, cspan))? {
                Reading::Fixed { time, next_day } => (time, next_day, clock_grain(&c)),
                Reading::Either { am, pm, business_pm } => (if business_pm { pm } else { am }, false, clock_grain(&c)),
            },
            None => match part {
                Some(p) => (self.part_time(p), false, Grain::Hour),
                None => (self.ctx.day_parts.default_day_time, false, Grain::Day),
            },
        };
        let anchor = start.map_or(self.today, |s| s.0);
        match r.freq {
            Freq::Weekly if r.days == 0 => r.days = weekday_bit(anchor.weekday()),
            Freq::Monthly if r.month_day.is_none() && r.nth.is_none() => r.month_day = Some(anchor.day()),
            Freq::Yearly if r.month.is_none() => {
                r.month = Some(anchor.month());
                r.month_day = Some(r.month_day.unwrap_or(anchor.day()));
            }
            _ => {}
        }
        if next_day {
            // "every friday at midnight" is Saturday 00:00.
            match r.freq {
                Freq::Daily => {}
                Freq::Weekly => r.days = ((r.days << 1) & 0x7f) | (r.days >> 6),
                _ => {
                    let c = clock.map_or(span, |c| c.1);
                    return Err(WhenError::Unsupported(self.phrase(c)));
                }
            }
        }
        let mut rule = Rule::new(r.freq, r.interval);
        rule.by_month.extend(r.month);
        rule.by_month_day.extend(r.month_day.map(|d| d as i32));
        if let Some((nth, weekday)) = r.nth {
            rule.by_day.push((i32::from(nth), weekday));
        }
        for k in 0..7u8 {
            if r.days & (1 << k) != 0
                && let Ok(weekday) = Weekday::try_from(k)
            {
                rule.by_day.push((0, weekday));
            }
        }
        rule.by_hour.push(time.hour());
        rule.by_minute.push(time.minute());
        // `at` is the first occurrence from now (or from the start day),
        // whatever the interval: it is the rule's DTSTART.
        let day_start = self.at(anchor, NaiveTime::MIN);
        let first = Rule {
            interval: 1,
            ..rule.clone()
        }
        .occurrences(day_start, day_start.max(self.now), 1)
        .into_iter()
        .next()
        .ok_or_else(|| WhenError::InvalidDate(self.phrase(span)))?;
        Ok(Outcome::new(first, grain, Some(rule.to_string())))
    }
}

/// `d` moved by whole months, then days, forward or `back`.
fn shift(d: NaiveDate, months: u32, days: u32, back: bool) -> Option<NaiveDate> {
    if back {
        d.checked_sub_months(chrono::Months::new(months))?
            .checked_sub_days(chrono::Days::new(u64::from(days)))
    } else {
        add_months(d, months).and_then(|d| add_days(d, u64::from(days)))
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn clock_grain(c: &Clock) -> Grain {
    if c.second > 0 {
        Grain::Second
    } else if c.has_minutes {
        Grain::Minute
    } else {
        Grain::Hour
    }
}

/// Hours that fit a part of the day, used to read "8" in "ce soir à 8h" and
/// to refuse "tomorrow morning at 3pm".
fn accepts(p: Part, h: u32) -> bool {
    match p.base() {
        Part::Morning => h < 12,
        Part::Noon => (11..=13).contains(&h),
        Part::Afternoon => (12..=19).contains(&h),
        Part::Evening => (16..=23).contains(&h),
        _ => !(6..18).contains(&h),
    }
}
