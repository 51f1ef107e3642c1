//! The grammar: recognizers that look at the token stream at one position and,
//! when a time expression starts there, say what it means ([`Comp`]) and where
//! it ends. [`Parser::scan`] tries them left to right; what they consume is
//! removed from the reminder text, and [`crate::resolve`] turns the pieces into
//! an instant.
//!
//! Every recognizer is a plain function over token indices: no backtracking
//! beyond trying alternatives in order, no allocation except for the result.

use chrono::Weekday;

use crate::lexicon::{Form, Lex, Part, Unit, classify};
use crate::rrule::Freq;
use crate::token::{Kind, Tokens};
use crate::{Grain, Lang, WhenError};

/// Token range `start..end` of a component.
pub(crate) type Span = (usize, usize);

/// What a recognizer found and the index of the first token after it.
type Found<T> = Option<(T, usize)>;

/// A piece of time expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Comp {
    /// "in 20 minutes", "dans 3 jours", "2 hours from now".
    Rel(Dur),
    /// A day, possibly with a part of the day ("demain matin", "tonight").
    /// `start` marks "starting …"/"à partir de …", only meaningful for a
    /// recurrence.
    Day {
        day: DaySpec,
        part: Option<Part>,
        start: bool,
    },
    /// A part of the day without a day ("in the morning", "au souper").
    Part(Part),
    Clock(Clock),
    Recur(Recur),
    /// "later", "bientôt", "in a few minutes": not a time.
    Vague,
    /// Meant as a time but not one ("à 25h", "13pm", "every 30 seconds").
    Invalid(WhenError),
}

/// A relative duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dur {
    /// Exact elapsed time, added to the instant.
    Exact { secs: i64, grain: Grain },
    /// Calendar offset (months, then days) landing on a day.
    Calendar { months: u32, days: u32, grain: Grain },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DaySpec {
    Today,
    Tomorrow,
    AfterTomorrow,
    Weekday {
        wd: Weekday,
        rule: WdRule,
    },
    /// A calendar date; `weekday` when written with one ("lundi 9 mars"),
    /// which must then match.
    Date {
        year: Option<i32>,
        month: u32,
        day: u32,
        weekday: Option<Weekday>,
    },
    /// "the last friday of the month", "le premier lundi du mois".
    NthWeekday {
        nth: i8,
        wd: Weekday,
    },
    /// A day of the month alone ("le 15", "on the 15th").
    MonthDay {
        day: u32,
        weekday: Option<Weekday>,
    },
    Weekend {
        next: bool,
    },
    NextWeek,
    NextMonth,
    NextYear,
    /// A month alone ("en mars", "in May").
    Month(u32),
}

/// Which occurrence of a weekday is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WdRule {
    /// "ce lundi", "this monday": today counts.
    This,
    /// "lundi", "next monday", "lundi prochain": strictly after today.
    Nearest,
    /// "lundi en huit": a week after the nearest.
    WeekAfter,
}

/// A clock time as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    /// Cannot be read in the other half of the day: 24-hour form ("14h",
    /// "08:00", "0h30"), am/pm, noon, midnight.
    pub(crate) fixed: bool,
    pub(crate) has_minutes: bool,
    /// Midnight and the minutes after it: the end of the day it is attached to.
    pub(crate) after_midnight: bool,
    /// Qualifier written with the clock ("8h du soir", "5 in the morning").
    pub(crate) part: Option<Part>,
}

/// A recurrence as written; merged with days and clocks by the resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recur {
    pub(crate) freq: Freq,
    pub(crate) interval: u32,
    /// Weekday bitmask, bit 0 = Monday.
    pub(crate) days: u8,
    /// "first monday of the month": (1, Mon); "last friday": (-1, Fri).
    pub(crate) nth: Option<(i8, Weekday)>,
    pub(crate) month_day: Option<u32>,
    pub(crate) month: Option<u32>,
    pub(crate) part: Option<Part>,
}

impl Recur {
    fn new(freq: Freq, interval: u32) -> Self {
        Self {
            freq,
            interval,
            days: 0,
            nth: None,
            month_day: None,
            month: None,
            part: None,
        }
    }

    fn nth(n: i8, wd: Weekday) -> Self {
        Self {
            nth: Some((n, wd)),
            ..Self::new(Freq::Monthly, 1)
        }
    }

    fn weekly(days: u8, interval: u32) -> Self {
        Self {
            days,
            ..Self::new(Freq::Weekly, interval)
        }
    }

    /// Combines two recurrences of one reminder ("every week" + "on
    /// mondays"); `None` when they contradict each other.
    pub(crate) fn merge(self, o: Self) -> Option<Self> {
        fn one<T: PartialEq>(a: Option<T>, b: Option<T>) -> Option<Option<T>> {
            match (a, b) {
                (Some(x), Some(y)) if x != y => None,
                (a, b) => Some(a.or(b)),
            }
        }
        if self.freq != o.freq || (self.interval > 1 && o.interval > 1 && self.interval != o.interval) {
            return None;
        }
        Some(Self {
            freq: self.freq,
            interval: self.interval.max(o.interval),
            days: self.days | o.days,
            nth: one(self.nth, o.nth)?,
            month_day: one(self.month_day, o.month_day)?,
            month: one(self.month, o.month)?,
            part: one(self.part, o.part)?,
        })
    }
}

pub(crate) fn weekday_bit(wd: Weekday) -> u8 {
    1 << wd.num_days_from_monday()
}

/// How "… of the month" was said after "first monday".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthPhrase {
    None,
    /// "of the month", "du mois".
    The,
    /// "of every month", "de chaque mois".
    Every,
}

/// How a day expression was introduced, which decides whether a bare day
/// number may stand alone ("le 5", "on the 5th").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glue {
    None,
    /// "le", "the", "on the", "pour le", "à partir du".
    The,
    /// "on", "for", "by", "pour", "d'ici".
    Other,
}

/// A clock before its validation.
#[derive(Debug, Clone, Copy, Default)]
struct RawClock {
    hour: u32,
    /// Minutes after (or, with "moins", before) the hour.
    minute: i32,
    pm: Option<bool>,
    fixed: bool,
    has_minutes: bool,
    after_midnight: bool,
    /// Written unmistakably as a time ("h", ":", am/pm), so an impossible
    /// value is an error rather than "not a time".
    explicit: bool,
}

impl RawClock {
    fn finish(self, part: Option<Part>) -> Option<Clock> {
        let mut hour = self.hour;
        let mut fixed = self.fixed;
        if let Some(pm) = self.pm {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
            fixed = true;
        }
        if hour > 23 || !(-59..=59).contains(&self.minute) {
            return None;
        }
        let total = (i64::from(hour) * 60 + i64::from(self.minute)).rem_euclid(24 * 60);
        let (hour, minute) = (u32::try_from(total / 60).ok()?, u32::try_from(total % 60).ok()?);
        Some(Clock {
            hour,
            minute,
            fixed,
            has_minutes: self.has_minutes,
            after_midnight: self.after_midnight && self.minute >= 0,
            part,
        })
    }
}

/// Accumulates the terms of a duration ("1 hour and 30 minutes").
#[derive(Default)]
struct DurAcc {
    secs: f64,
    months: u32,
    days: u32,
    sub_day: bool,
    fractional_days: bool,
    fractional_months: bool,
    grain: Option<Grain>,
}

impl DurAcc {
    fn add(&mut self, n: f64, unit: Unit) {
        let whole = n.fract() == 0.0;
        let grain = if whole { unit.grain() } else { unit.finer_grain() };
        self.grain = Some(self.grain.map_or(grain, |g| g.min(grain)));
        match unit {
            Unit::Second | Unit::Minute | Unit::Hour => self.sub_day = true,
            Unit::Day | Unit::Week => self.fractional_days |= !whole,
            Unit::Month | Unit::Year => self.fractional_months |= !whole,
        }
        match unit {
            Unit::Month | Unit::Year if whole => {
                // Truncation is exact: `n` is whole and small (at most 6 digits).
                let n = n as u32;
                self.months += if unit == Unit::Year { n * 12 } else { n };
            }
            Unit::Month | Unit::Year => {}
            _ => {
                let secs = unit.seconds().unwrap_or(0.0);
                self.secs += n * secs;
                if whole && unit >= Unit::Day {
                    self.days += n as u32 * if unit == Unit::Week { 7 } else { 1 };
                }
            }
        }
    }

    /// Days and weeks count on the calendar unless mixed with hours or
    /// minutes; months and years cannot be mixed with those.
    fn finish(self, phrase: impl FnOnce() -> String) -> Result<Dur, WhenError> {
        let grain = self.grain.unwrap_or(Grain::Second);
        if self.months > 0 || self.fractional_months {
            if self.sub_day || self.fractional_days || self.fractional_months {
                return Err(WhenError::Unsupported(phrase()));
            }
            return Ok(Dur::Calendar {
                months: self.months,
                days: self.days,
                grain,
            });
        }
        if self.sub_day || self.fractional_days {
            // Rounding to whole seconds: the amounts have at most one decimal.
            return Ok(Dur::Exact {
                secs: self.secs.round() as i64,
                grain,
            });
        }
        Ok(Dur::Calendar {
            months: 0,
            days: self.days,
            grain,
        })
    }
}

// Word lists shared by several recognizers.
const EVERY_MONTH: &[&[&str]] = &[
    &["of", "every", "month"],
    &["of", "each", "month"],
    &["every", "month"],
    &["each", "month"],
    &["de", "chaque", "mois"],
    &["de", "tous", "les", "mois"],
    &["chaque", "mois"],
    &["tous", "les", "mois"],
];
const OF_THE_MONTH: &[&[&str]] = &[&["of", "the", "month"], &["du", "mois"]];
const WEEKDAYS: &[&[&str]] = &[
    &["weekdays"],
    &["weekday"],
    &["week", "days"],
    &["week", "day"],
    &["business", "days"],
    &["business", "day"],
    &["workdays"],
    &["workday"],
    &["work", "days"],
    &["work", "day"],
    &["jours", "de", "semaine"],
    &["jour", "de", "semaine"],
    &["jours", "ouvrables"],
    &["jour", "ouvrable"],
];
const WEEKENDS: &[&[&str]] = &[
    &["weekends"],
    &["weekend"],
    &["week", "ends"],
    &["week", "end"],
    &["wknd"],
    &["fins", "de", "semaine"],
    &["fin", "de", "semaine"],
    &["fds"],
];
const WORKWEEK: u8 = 0b001_1111;
const WEEKEND_DAYS: u8 = 0b110_0000;

pub(crate) struct Parser<'t> {
    t: &'t Tokens,
    text: &'t str,
    lex: Vec<Lex>,
    lang: Lang,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(t: &'t Tokens, text: &'t str, lang: Lang) -> Self {
        let lex = (0..t.len())
            .map(|i| match t.get(i) {
                Some(tok) if tok.kind == Kind::Word => classify(t.norm(i), lang),
                _ => Lex::Other,
            })
            .collect();
        Self { t, text, lex, lang }
    }

    /// Finds the time expressions, left to right, without overlap.
    pub(crate) fn scan(&self) -> Vec<(Comp, Span)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.t.len() {
            match self.component(i) {
                Some((c, j)) if j > i => {
                    out.push((c, (i, j)));
                    i = j;
                }
                _ => i += 1,
            }
        }
        out
    }

    fn component(&self, i: usize) -> Found<Comp> {
        self.recurrence(i)
            .or_else(|| self.relative(i))
            .or_else(|| self.vague(i))
            .or_else(|| self.before(i))
            .or_else(|| self.day(i))
            .or_else(|| self.clock(i))
            .or_else(|| self.part_phrase(i))
    }

    // ---- token helpers -------------------------------------------------

    fn fr(&self) -> bool {
        self.lang == Lang::Fr
    }

    fn tok(&self, i: usize) -> &str {
        self.t.norm(i)
    }

    fn is(&self, i: usize, w: &str) -> bool {
        self.t.norm(i) == w
    }

    fn is_any(&self, i: usize, ws: &[&str]) -> bool {
        let s = self.tok(i);
        !s.is_empty() && ws.contains(&s)
    }

    fn seq(&self, i: usize, ws: &[&str]) -> Option<usize> {
        ws.iter()
            .enumerate()
            .all(|(k, w)| self.is(i + k, w))
            .then_some(i + ws.len())
    }

    /// End of the first alternative that matches at `i`.
    fn seqs(&self, i: usize, alts: &[&[&str]]) -> Option<usize> {
        alts.iter().find_map(|ws| self.seq(i, ws))
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.t.get(i).map(|t| t.kind)
    }

    fn punct(&self, i: usize, c: char) -> bool {
        self.kind(i) == Some(Kind::Punct) && self.tok(i).starts_with(c)
    }

    fn num(&self, i: usize) -> Option<u32> {
        self.t.get(i).filter(|t| t.kind == Kind::Num).map(|t| t.value)
    }

    fn digits(&self, i: usize) -> u8 {
        self.t.get(i).filter(|t| t.kind == Kind::Num).map_or(0, |t| t.digits)
    }

    /// Token `i` exists and touches the previous one ("5pm", "14h30").
    fn tight(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(|t| !t.spaced)
    }

    fn lex(&self, i: usize) -> Lex {
        self.lex.get(i).copied().unwrap_or(Lex::Other)
    }

    fn phrase(&self, from: usize, to: usize) -> String {
        self.t.slice(self.text, from, to).to_owned()
    }

    // ---- numbers and durations -----------------------------------------

    /// A spelled cardinal: "quinze", "vingt-cinq", "vingt et un", "dix-sept",
    /// "forty five".
    fn spelled(&self, i: usize) -> Found<u32> {
        let Lex::Num(a) = self.lex(i) else {
            return None;
        };
        if (20..=60).contains(&a) && a % 10 == 0 {
            if self.fr() && self.is(i + 1, "et") && self.lex(i + 2) == Lex::Num(1) {
                return Some((a + 1, i + 3));
            }
            if let Lex::Num(b @ 1..=9) = self.lex(i + 1) {
                return Some((a + b, i + 2));
            }
        }
        if a == 10
            && self.fr()
            && let Lex::Num(b @ 7..=9) = self.lex(i + 1)
        {
            return Some((10 + b, i + 2));
        }
        Some((a, i + 1))
    }

    /// A count: digits ("2", "1.5", "1,5"), a spelled number, "a"/"an",
    /// "a couple of".
    fn amount(&self, i: usize) -> Found<f64> {
        if let Some(n) = self.num(i) {
            if self.digits(i) > 6 {
                return None;
            }
            if (self.punct(i + 1, '.') || self.punct(i + 1, ','))
                && self.tight(i + 1)
                && self.tight(i + 2)
                && self.digits(i + 2) == 1
                && let Some(d) = self.num(i + 2)
            {
                return Some((f64::from(n) + f64::from(d) / 10.0, i + 3));
            }
            return Some((f64::from(n), i + 1));
        }
        if let Some((n, j)) = self.spelled(i) {
            return Some((f64::from(n), j));
        }
        if self.lang == Lang::En {
            if let Some(j) = self.seqs(i, &[&["a", "couple", "of"], &["a", "couple"], &["couple", "of"]]) {
                return Some((2.0, j));
            }
            if self.is_any(i, &["a", "an"]) {
                return Some((1.0, i + 1));
            }
        }
        None
    }

    fn unit(&self, i: usize) -> Found<Unit> {
        let Lex::Unit(u) = self.lex(i) else {
            return None;
        };
        // One-letter units ("5m", "30s", "3j") must touch the number; "h"
        // may stand apart ("2 h").
        let w = self.tok(i);
        if w.len() == 1 && w != "h" && !self.tight(i) {
            return None;
        }
        Some((u, i + 1))
    }

    /// One term of a duration: "20 minutes", "une heure et demie", "half an
    /// hour", "un quart d'heure".
    fn duration_term(&self, i: usize) -> Option<(f64, Unit, usize)> {
        const SPECIAL: &[(&[&str], f64, Unit)] = &[
            (&["half", "an", "hour"], 30.0, Unit::Minute),
            (&["a", "half", "hour"], 30.0, Unit::Minute),
            (&["half", "hour"], 30.0, Unit::Minute),
            (&["half", "a", "minute"], 30.0, Unit::Second),
            (&["une", "demi", "heure"], 30.0, Unit::Minute),
            (&["demi", "heure"], 30.0, Unit::Minute),
            (&["une", "demi", "minute"], 30.0, Unit::Second),
            (&["a", "quarter", "of", "an", "hour"], 15.0, Unit::Minute),
            (&["quarter", "of", "an", "hour"], 15.0, Unit::Minute),
            (&["a", "quarter", "hour"], 15.0, Unit::Minute),
            (&["three", "quarters", "of", "an", "hour"], 45.0, Unit::Minute),
            (&["un", "quart", "d'", "heure"], 15.0, Unit::Minute),
            (&["quart", "d'", "heure"], 15.0, Unit::Minute),
            (&["trois", "quarts", "d'", "heure"], 45.0, Unit::Minute),
        ];
        for &(ws, n, u) in SPECIAL {
            if let Some(j) = self.seq(i, ws) {
                return Some((n, u, j));
            }
        }
        let (mut n, j) = self.amount(i)?;
        // "one and a half hours"
        let j = match self.seq(j, &["and", "a", "half"]) {
            Some(k) if self.unit(k).is_some() => {
                n += 0.5;
                k
            }
            _ => j,
        };
        let (mut unit, mut k) = self.unit(j)?;
        // "une heure et demie", "an hour and a half", "une heure et quart"
        if let Some(k2) = self.seqs(
            k,
            &[
                &["et", "demie"],
                &["et", "demi"],
                &["and", "a", "half"],
                &["and", "half"],
            ],
        ) {
            n += 0.5;
            k = k2;
        } else if let Some(k2) = self.seqs(k, &[&["et", "quart"], &["and", "a", "quarter"]]) {
            n += 0.25;
            k = k2;
        }
        // French idiom: "dans huit jours" is in a week, "dans quinze jours"
        // in two.
        if self.fr() && unit == Unit::Day && (n == 8.0 || n == 15.0) {
            n = if n == 8.0 { 1.0 } else { 2.0 };
            unit = Unit::Week;
        }
        Some((n, unit, k))
    }

    /// A duration: one or more terms in decreasing units ("1 hour and 30
    /// minutes", "1h30", "2 heures 15").
    fn duration(&self, i: usize) -> Found<Result<Dur, WhenError>> {
        let mut acc = DurAcc::default();
        let mut last: Option<Unit> = None;
        let mut j = i;
        loop {
            let k = if last.is_some() {
                self.seqs(j, &[&["and"], &["et"], &[","]]).unwrap_or(j)
            } else {
                j
            };
            let Some((n, unit, k2)) = self.duration_term(k) else {
                break;
            };
            if last.is_some_and(|l| unit >= l) {
                break;
            }
            acc.add(n, unit);
            last = Some(unit);
            j = k2;
            // Bare minutes after hours: "1h30", "2 heures 30".
            if unit == Unit::Hour
                && self.digits(j) > 0
                && self.digits(j) <= 2
                && let Some(m) = self.num(j).filter(|&m| m < 60)
                && !matches!(self.lex(j + 1), Lex::Unit(u) if u != Unit::Minute)
            {
                acc.add(f64::from(m), Unit::Minute);
                last = Some(Unit::Minute);
                j += 1;
                if let Some((Unit::Minute, k3)) = self.unit(j) {
                    j = k3;
                }
            }
        }
        last?;
        Some((acc.finish(|| self.phrase(i, j)), j))
    }

    /// "in 20 minutes", "dans une heure et demie", "2 hours from now".
    fn relative(&self, i: usize) -> Found<Comp> {
        const INTRO: &[&[&str]] = &[&["in"], &["within"], &["dans"], &["ds"], &["d'", "ici"]];
        const FROM_NOW: &[&[&str]] = &[
            &["from", "now"],
            &["from", "today"],
            &["later"],
            &["plus", "tard"],
            &["a", "partir", "de", "maintenant"],
        ];
        let intro = self.seqs(i, INTRO);
        let (dur, mut j) = self.duration(intro.unwrap_or(i))?;
        if let Some(k) = self.seqs(j, FROM_NOW) {
            j = k;
        } else if intro.is_none() {
            return None;
        }
        Some((dur.map_or_else(Comp::Invalid, Comp::Rel), j))
    }

    /// Words that name no time: reported rather than guessed.
    fn vague(&self, i: usize) -> Found<Comp> {
        const VAGUE: &[&[&str]] = &[
            &["later", "today"],
            &["later", "on"],
            &["later"],
            &["soon"],
            &["sometime"],
            &["someday"],
            &["eventually"],
            &["in", "a", "bit"],
            &["in", "a", "while"],
            &["in", "a", "little", "while"],
            &["one", "of", "these", "days"],
            &["plus", "tard", "aujourd'", "hui"],
            &["plus", "tard"],
            &["bientot"],
            &["tantot"],
            &["tout", "a", "l'", "heure"],
            &["dans", "un", "moment"],
            &["dans", "un", "instant"],
            &["dans", "pas", "long"],
            &["cette", "semaine"],
            &["un", "de", "ces", "jours"],
        ];
        if let Some(j) = self.seqs(i, VAGUE) {
            return Some((Comp::Vague, j));
        }
        if let Some(j) = self.seq(i, &["this", "week"])
            && !self.is_any(j, &["end", "ends"])
        {
            return Some((Comp::Vague, j));
        }
        // "in a few minutes", "dans quelques heures"
        let j = self.seqs(
            i,
            &[
                &["in", "a", "few"],
                &["in", "few"],
                &["dans", "quelques"],
                &["d'", "ici", "quelques"],
            ],
        )?;
        let (_, k) = self.unit(j)?;
        Some((Comp::Vague, k))
    }

    /// "before noon", "avant vendredi": how long before is unknown, so it is
    /// reported instead of scheduled at the deadline.
    fn before(&self, i: usize) -> Found<Comp> {
        if !self.is_any(i, &["before", "avant"]) || self.is(i + 1, "midi") {
            return None;
        }
        let j = self.seqs(i + 1, &[&["le"], &["la"], &["de"]]).unwrap_or(i + 1);
        let (_, e) = self.day(j).or_else(|| self.clock(j))?;
        Some((Comp::Invalid(WhenError::Unsupported(self.phrase(i, e))), e))
    }

    // ---- clock times ----------------------------------------------------

    /// "à 14h30", "at 2:30pm", "midi et quart", "quinze heures trente",
    /// "half past three", "8h du soir".
    fn clock(&self, i: usize) -> Found<Comp> {
        // A duration, not a time: "pendant 2 heures", "for 3 hours".
        if i > 0 && self.is_any(i - 1, &["pendant", "durant", "for", "during"]) {
            return None;
        }
        let (j, strong) = self.clock_intro(i);
        let (raw, mut k) = self.clock_core(j, strong, i)?;
        let mut part = None;
        if let Some((p, k2)) = self.clock_qualifier(k) {
            part = Some(p);
            k = k2;
        }
        const SHARP: &[&[&str]] = &[
            &["pile"],
            &["precises"],
            &["precise"],
            &["tapantes"],
            &["tapant"],
            &["sharp"],
            &["on", "the", "dot"],
        ];
        if let Some(k2) = self.seqs(k, SHARP) {
            k = k2;
        }
        // An impossible value written as a time is an error ("à 25h", "13pm",
        // "14h75"), but "24h sur 24" or "48h" alone are durations, not times.
        let meant_as_time = strong || raw.pm.is_some() || (raw.explicit && raw.hour <= 23);
        match raw.finish(part) {
            Some(c) => Some((Comp::Clock(c), k)),
            None if meant_as_time => {
                let e = WhenError::InvalidTime(self.phrase(i, k));
                Some((Comp::Invalid(e), k))
            }
            None => None,
        }
    }

    /// Words before a clock; `true` when they allow a bare number ("at 5").
    fn clock_intro(&self, i: usize) -> (usize, bool) {
        const STRONG: &[&[&str]] = &[
            &["after"],
            &["apres"],
            &["at", "around"],
            &["at", "about"],
            &["at"],
            &["@"],
            &["around"],
            &["about"],
            &["by"],
            &["vers", "les"],
            &["vers"],
            &["aux", "alentours", "de"],
            &["autour", "de"],
            &["sur", "les"],
        ];
        const WEAK: &[&[&str]] = &[&["for"], &["pour"], &["d'", "ici"]];
        if let Some(j) = self.seqs(i, STRONG) {
            return (j, true);
        }
        if self.fr() && self.is(i, "a") {
            return (i + 1, true);
        }
        if let Some(j) = self.seqs(i, WEAK) {
            return (j, false);
        }
        (i, false)
    }

    fn clock_core(&self, i: usize, strong: bool, start: usize) -> Found<RawClock> {
        if let Some(x) = self.noon_midnight(i) {
            return Some(x);
        }
        if self.lang == Lang::En
            && let Some(x) = self.past_to(i)
        {
            return Some(x);
        }
        let (hour, digits, mut j) = if let Some(h) = self.num(i) {
            (h, self.digits(i), i + 1)
        } else {
            let (h, j) = self.spelled(i)?;
            (h, 0, j)
        };
        if digits > 2 {
            return None;
        }
        let spelled = digits == 0;
        let mut raw = RawClock {
            hour,
            fixed: hour == 0 || hour > 12 || (digits == 2 && hour < 10),
            ..RawClock::default()
        };
        // Written as a time ("h", ":", "heures", "o'clock", am/pm) rather
        // than as a bare number.
        let mut written = false;
        if !spelled
            && (self.punct(j, ':') || (strong && self.punct(j, '.')))
            && self.tight(j)
            && self.tight(j + 1)
            && self.digits(j + 1) == 2
            && let Some(m) = self.num(j + 1)
        {
            raw.minute = m as i32;
            raw.has_minutes = true;
            raw.explicit = true;
            written = true;
            j += 2;
        } else if !spelled && self.is(j, "h") {
            raw.explicit = true;
            written = true;
            j += 1;
            if self.digits(j) > 0
                && self.digits(j) <= 2
                && let Some(m) = self.num(j)
            {
                raw.minute = m as i32;
                raw.has_minutes = true;
                j += 1;
                if let Some((Unit::Minute, k)) = self.unit(j) {
                    j = k;
                }
            }
        } else if self.fr() && self.is_any(j, &["heure", "heures", "hre", "hres"]) {
            let (delta, has_minutes, k) = self.minute_suffix(j + 1);
            raw.minute = delta;
            raw.has_minutes = has_minutes;
            // "3 heures" alone is as likely a duration as a time.
            written =
                strong || hour > 12 || has_minutes || self.clock_qualifier(k).is_some() || self.meridiem(k).is_some();
            raw.explicit = written;
            j = k;
        } else if let Some(k) = self.seqs(j, &[&["o'", "clock"], &["oclock"]]) {
            raw.explicit = true;
            written = true;
            j = k;
        } else if strong {
            // "at 5 30", "at three thirty"
            if !spelled
                && self.digits(j) == 2
                && let Some(m) = self.num(j)
            {
                raw.minute = m as i32;
                raw.has_minutes = true;
                j += 1;
            } else if spelled
                && self.lang == Lang::En
                && let Some((m, k)) = self.spelled(j).filter(|&(m, _)| (10..=59).contains(&m))
            {
                raw.minute = m as i32;
                raw.has_minutes = true;
                j = k;
            }
        }
        if let Some((pm, k)) = self.meridiem(j) {
            raw.pm = Some(pm);
            raw.explicit = true;
            written = true;
            j = k;
        }
        if !written {
            // A bare number is a time only after "at"/"à" (French needs
            // "heures" for spelled ones), and not before a noun ("look at 2
            // options", "à 5 personnes", "il a 5 ans") unless it opens the
            // sentence ("at 5 call mom", "tomorrow at 9 call grandma").
            if !strong || (spelled && self.fr()) {
                return None;
            }
            let noun_follows = self.kind(j) == Some(Kind::Word);
            if !(self.clock_may_end(j) || (noun_follows && self.opens_sentence(start))) {
                return None;
            }
        }
        Some((raw, j))
    }

    /// "midi", "minuit", "noon", "midnight", with minutes ("midi et demi",
    /// "minuit moins le quart", "midi 15").
    fn noon_midnight(&self, i: usize) -> Found<RawClock> {
        let (hour, after_midnight, j) = if self.is_any(i, &["midi", "noon", "midday"]) {
            // "après-midi", "avant-midi" are parts of the day.
            if i > 0 && self.is_any(i - 1, &["apres", "avant"]) {
                return None;
            }
            (12, false, i + 1)
        } else if self.num(i) == Some(12) && self.is(i + 1, "noon") {
            (12, false, i + 2)
        } else if self.is_any(i, &["minuit", "midnight"]) {
            (0, true, i + 1)
        } else {
            return None;
        };
        // "midi et demi", "midi 15": French only ("noon 15" is not English).
        let (minute, has_minutes, j) = if self.fr() {
            self.minute_suffix(j)
        } else {
            (0, false, j)
        };
        Some((
            RawClock {
                hour,
                minute,
                fixed: true,
                has_minutes,
                after_midnight,
                explicit: true,
                ..RawClock::default()
            },
            j,
        ))
    }

    /// Minutes after "heures"/"midi": "et quart", "et demie", "moins le
    /// quart", "moins 10", "30", "trente". Returns (minutes, given, end).
    fn minute_suffix(&self, j: usize) -> (i32, bool, usize) {
        if let Some(k) = self.seq(j, &["et", "quart"]) {
            return (15, true, k);
        }
        if let Some(k) = self.seqs(j, &[&["et", "demie"], &["et", "demi"]]) {
            return (30, true, k);
        }
        if let Some(k) = self.seqs(j, &[&["moins", "le", "quart"], &["moins", "quart"]]) {
            return (-15, true, k);
        }
        let (sign, k) = match self.seq(j, &["moins"]) {
            Some(k) => (-1, k),
            None => (1, j),
        };
        let minutes = if self.digits(k) > 0 && self.digits(k) <= 2 {
            self.num(k).map(|m| (m, k + 1))
        } else {
            self.spelled(k)
        };
        match minutes {
            Some((m, mut e)) if (1..=59).contains(&m) || (m == 0 && sign > 0) => {
                if self.is_any(e, &["minutes", "minute", "min", "mn"]) {
                    e += 1;
                }
                (sign * m as i32, true, e)
            }
            _ => (0, false, j),
        }
    }

    /// English "half past 5", "quarter to six", "ten past 3", "20 minutes to 6".
    fn past_to(&self, i: usize) -> Found<RawClock> {
        let i = if self.is(i, "a") { i + 1 } else { i };
        let (minutes, j) = if self.is(i, "half") {
            (30, i + 1)
        } else if self.is(i, "quarter") {
            (15, i + 1)
        } else if let Some((m, j)) = self.spelled(i) {
            let j = if self.is_any(j, &["minutes", "minute"]) {
                j + 1
            } else {
                j
            };
            (m, j)
        } else {
            let m = self.num(i)?;
            (m, self.seqs(i + 1, &[&["minutes"], &["minute"], &["mins"], &["min"]])?)
        };
        if !(1..=59).contains(&minutes) {
            return None;
        }
        let (sign, k) = if self.is_any(j, &["past", "after"]) {
            (1, j + 1)
        } else if minutes != 30 && self.is_any(j, &["to", "till", "til", "before", "of"]) {
            (-1, j + 1)
        } else {
            return None;
        };
        let mut raw = if let Some((noon, e)) = self.noon_midnight(k) {
            (noon, e)
        } else {
            let (hour, e) = match self.num(k) {
                Some(h) if self.digits(k) <= 2 => (h, k + 1),
                Some(_) => return None,
                None => self.spelled(k)?,
            };
            if !(1..=12).contains(&hour) {
                return None;
            }
            let raw = RawClock {
                hour,
                explicit: true,
                ..RawClock::default()
            };
            (raw, e)
        };
        raw.0.minute = sign * minutes as i32;
        raw.0.has_minutes = true;
        if let Some((pm, e)) = self.meridiem(raw.1) {
            raw.0.pm = Some(pm);
            raw.1 = e;
        }
        Some(raw)
    }

    /// "am"/"pm", "a.m."/"p.m.", and "5p"-style single letters.
    fn meridiem(&self, j: usize) -> Found<bool> {
        if self.is(j, "am") {
            return Some((false, j + 1));
        }
        if self.is(j, "pm") {
            return Some((true, j + 1));
        }
        for (letter, pm) in [("a", false), ("p", true)] {
            if let Some(k) = self.seq(j, &[letter, ".", "m"]) {
                let k = if self.punct(k, '.') { k + 1 } else { k };
                return Some((pm, k));
            }
            if self.is(j, letter) && self.tight(j) && self.kind(j + 1) != Some(Kind::Word) {
                return Some((pm, j + 1));
            }
        }
        None
    }

    /// "du matin", "de l'après-midi", "du soir", "in the morning", "at night".
    fn clock_qualifier(&self, j: usize) -> Found<Part> {
        const QUALIFIERS: &[(&[&str], Part)] = &[
            (&["du", "matin"], Part::Morning),
            (&["du", "mat"], Part::Morning),
            (&["le", "matin"], Part::Morning),
            (&["de", "l'", "apres", "midi"], Part::Afternoon),
            (&["de", "l'", "aprem"], Part::Afternoon),
            (&["du", "soir"], Part::Evening),
            (&["le", "soir"], Part::Evening),
            (&["de", "la", "nuit"], Part::Night),
            (&["in", "the", "morning"], Part::Morning),
            (&["in", "the", "afternoon"], Part::Afternoon),
            (&["in", "the", "evening"], Part::Evening),
            (&["at", "night"], Part::Night),
            (&["in", "the", "night"], Part::Night),
        ];
        QUALIFIERS.iter().find_map(|&(ws, p)| self.seq(j, ws).map(|k| (p, k)))
    }

    /// Whether token `i` starts the message or follows punctuation or a day
    /// word ("tomorrow at 9 call grandma").
    fn opens_sentence(&self, i: usize) -> bool {
        const DAYS: &[&str] = &[
            "today",
            "tomorrow",
            "tmrw",
            "tmr",
            "tonight",
            "hui",
            "auj",
            "ajd",
            "demain",
            "soir",
            "matin",
            "morning",
            "night",
            "evening",
            "afternoon",
        ];
        i == 0
            || self.kind(i - 1) == Some(Kind::Punct)
            || matches!(self.lex(i - 1), Lex::Weekday(..) | Lex::Part(_))
            || self.is_any(i - 1, DAYS)
    }

    /// Whether a bare "at 5" may end before token `j`: the end, sentence
    /// punctuation, a time word or a linking word, but not a noun.
    fn clock_may_end(&self, j: usize) -> bool {
        const FOLLOW: &[&str] = &[
            "tomorrow", "tmrw", "tmr", "today", "tonight", "tonite", "demain", "aujourd'", "auj", "ce", "cet", "cette",
            "this", "next", "on", "le", "la", "les", "l'", "du", "de", "d'", "des", "in", "dans", "pour", "for", "to",
            "and", "et", "then", "puis", "pis", "please", "pls", "svp", "stp", "merci", "thanks", "avec", "with",
            "every", "each", "tous", "toutes", "chaque", "so", "que", "qu'", "because", "car", "parce", "if", "si",
            "a", "at", "apres", "after", "sharp", "pile", "precises", "tapant", "jusqu'", "until", "remind",
            "rappelle",
        ];
        match self.kind(j) {
            None => true,
            Some(Kind::Punct) => matches!(self.tok(j), "." | "," | "!" | "?" | ";" | ")"),
            Some(Kind::Num) => false,
            Some(Kind::Word) => match self.lex(j) {
                Lex::Weekday(..) | Lex::Month(_) | Lex::Part(_) => true,
                Lex::Other => self.is_any(j, FOLLOW),
                Lex::Num(_) | Lex::Unit(_) => false,
            },
        }
    }

    // ---- days -----------------------------------------------------------

    /// A day: "demain", "lundi prochain", "le 5 mars", "this weekend",
    /// "tonight", "next week", with an optional part of the day after it.
    fn day(&self, i: usize) -> Found<Comp> {
        const START: &[&[&str]] = &[
            &["starting", "from"],
            &["starting", "on"],
            &["starting"],
            &["beginning"],
            &["from"],
            &["a", "partir"],
            &["a", "compter"],
            &["des"],
        ];
        let (j, start) = match self.seqs(i, START) {
            Some(j) => (j, true),
            None => (i, false),
        };
        let (day, mut part, mut k) = self.day_core(j, start)?;
        if part.is_none()
            && let Some((p, k2)) = self.part_after_day(k)
        {
            part = Some(p);
            k = k2;
        }
        Some((Comp::Day { day, part, start }, k))
    }

    fn day_core(&self, j: usize, start: bool) -> Option<(DaySpec, Option<Part>, usize)> {
        const TODAY_PARTS: &[(&[&str], Part)] = &[
            (&["tonight"], Part::Night),
            (&["tonite"], Part::Night),
            (&["this", "morning"], Part::Morning),
            (&["this", "afternoon"], Part::Afternoon),
            (&["this", "evening"], Part::Evening),
            (&["this", "noon"], Part::Noon),
            (&["ce", "soir"], Part::Night),
            (&["a", "soir"], Part::Night),
            (&["ce", "matin"], Part::Morning),
            (&["a", "matin"], Part::Morning),
            (&["cet", "apres", "midi"], Part::Afternoon),
            (&["cette", "apres", "midi"], Part::Afternoon),
            (&["cet", "aprem"], Part::Afternoon),
            (&["cet", "avant", "midi"], Part::Morning),
            (&["cette", "nuit"], Part::Night),
            (&["ce", "midi"], Part::Noon),
        ];
        const AFTER_TOMORROW: &[&[&str]] = &[
            &["apres", "demain"],
            &["apresdemain"],
            &["the", "day", "after", "tomorrow"],
            &["day", "after", "tomorrow"],
            &["overmorrow"],
        ];
        const TOMORROW: &[&[&str]] = &[
            &["demain"],
            &["tomorrow"],
            &["tmrw"],
            &["tmr"],
            &["tmrow"],
            &["tomorow"],
            &["tommorow"],
            &["tommorrow"],
            &["tomorrw"],
        ];
        const TODAY: &[&[&str]] = &[
            &["aujourd'", "hui"],
            &["aujourd", "hui"],
            &["aujourdhui"],
            &["auj"],
            &["ajd"],
            &["today"],
        ];
        let (k, glue) = self.day_glue(j, start);
        for &(ws, p) in TODAY_PARTS {
            if let Some(e) = self.seq(k, ws) {
                return Some((DaySpec::Today, Some(p), e));
            }
        }
        for (alts, spec) in [
            (AFTER_TOMORROW, DaySpec::AfterTomorrow),
            (TOMORROW, DaySpec::Tomorrow),
            (TODAY, DaySpec::Today),
        ] {
            if let Some(e) = self.seqs(k, alts) {
                return Some((spec, None, e));
            }
        }
        if let Some((nth, wd, MonthPhrase::The, e)) = self.nth_weekday(k) {
            return Some((DaySpec::NthWeekday { nth, wd }, None, e));
        }
        let (spec, e) = self
            .weekend(k)
            .or_else(|| self.next_period(k))
            .or_else(|| self.month_only(k))
            .or_else(|| self.weekday(k, glue))
            .or_else(|| self.date(k, glue))?;
        Some((spec, None, e))
    }

    fn day_glue(&self, j: usize, start: bool) -> (usize, Glue) {
        let (the, other): (&[&[&str]], &[&[&str]]) = match self.lang {
            Lang::En => (
                &[&["on", "the"], &["for", "the"], &["by", "the"], &["the"]],
                &[&["on"], &["for"], &["by"]],
            ),
            Lang::Fr => (
                &[&["pour", "le"], &["d'", "ici", "le"], &["le"]],
                &[&["pour"], &["d'", "ici"]],
            ),
        };
        if let Some(k) = self.seqs(j, the) {
            return (k, Glue::The);
        }
        if start && self.is(j, "du") {
            return (j + 1, Glue::The);
        }
        if let Some(k) = self.seqs(j, other) {
            return (k, Glue::Other);
        }
        if start && self.is_any(j, &["de", "d'"]) {
            return (j + 1, Glue::Other);
        }
        (j, Glue::None)
    }

    /// "next week", "la semaine prochaine", "le mois prochain", "next year".
    fn next_period(&self, k: usize) -> Found<DaySpec> {
        const NEXT: &[(&[&str], DaySpec)] = &[
            (&["next", "week"], DaySpec::NextWeek),
            (&["la", "semaine", "prochaine"], DaySpec::NextWeek),
            (&["semaine", "prochaine"], DaySpec::NextWeek),
            (&["la", "semaine", "qui", "vient"], DaySpec::NextWeek),
            (&["next", "month"], DaySpec::NextMonth),
            (&["le", "mois", "prochain"], DaySpec::NextMonth),
            (&["mois", "prochain"], DaySpec::NextMonth),
            (&["next", "year"], DaySpec::NextYear),
            (&["l'", "an", "prochain"], DaySpec::NextYear),
            (&["l'", "annee", "prochaine"], DaySpec::NextYear),
            (&["an", "prochain"], DaySpec::NextYear),
            (&["annee", "prochaine"], DaySpec::NextYear),
        ];
        NEXT.iter().find_map(|&(ws, spec)| self.seq(k, ws).map(|e| (spec, e)))
    }

    /// "this weekend", "next weekend", "la fin de semaine" (Québec: the
    /// weekend), "en fin de semaine", "le weekend prochain".
    fn weekend(&self, k: usize) -> Found<DaySpec> {
        const THIS: &[&[&str]] = &[
            &["over", "the"],
            &["this"],
            &["the"],
            &["ce"],
            &["cette"],
            &["la"],
            &["le"],
            &["en"],
        ];
        const WEEKEND: &[&[&str]] = &[
            &["weekend"],
            &["week", "end"],
            &["wknd"],
            &["wkend"],
            &["fin", "de", "semaine"],
            &["fds"],
        ];
        let (j, mut next) = if let Some(j) = self.seqs(k, THIS) {
            (j, false)
        } else if self.is(k, "next") {
            (k + 1, true)
        } else {
            (k, false)
        };
        let mut j = self.seqs(j, WEEKEND)?;
        if let Some(e) = self.seqs(j, &[&["prochain"], &["prochaine"]]) {
            next = true;
            j = e;
        } else if let Some(e) = self.seq(j, &["qui", "vient"]) {
            j = e;
        }
        Some((DaySpec::Weekend { next }, j))
    }

    /// "en mars", "in May", "au mois d'août".
    fn month_only(&self, k: usize) -> Found<DaySpec> {
        let j = self.seqs(
            k,
            &[
                &["in", "the", "month", "of"],
                &["in"],
                &["en"],
                &["au", "mois", "de"],
                &["au", "mois", "d'"],
            ],
        )?;
        let Lex::Month(m) = self.lex(j) else {
            return None;
        };
        if self.kind(j + 1) == Some(Kind::Num) {
            return None;
        }
        Some((DaySpec::Month(m), j + 1))
    }

    fn any_weekday(&self, k: usize) -> Option<(Weekday, Form, usize)> {
        let Lex::Weekday(wd, form) = self.lex(k) else {
            return None;
        };
        let e = if form == Form::Abbr && self.punct(k + 1, '.') {
            k + 2
        } else {
            k + 1
        };
        Some((wd, form, e))
    }

    /// "lundi", "next friday", "ce mardi", "lundi prochain", "lundi qui
    /// vient", "lundi en huit", "lundi 9 mars", "monday the 9th".
    fn weekday(&self, k: usize, glue: Glue) -> Found<DaySpec> {
        let (k, pre) = if let Some(e) = self.seqs(k, &[&["this", "coming"], &["this"], &["coming"], &["ce"]]) {
            (e, Some(WdRule::This))
        } else if self.is(k, "next") {
            (k + 1, Some(WdRule::Nearest))
        } else {
            (k, None)
        };
        let (wd, form, mut j) = self.any_weekday(k)?;
        // "mon", "sat", "sun" are words too: only weekdays when introduced
        // or right before a clock ("wed 12:30", "fri 3pm").
        let abbr_alone = form == Form::Abbr && pre.is_none() && glue == Glue::None;
        if form == Form::Plural || (abbr_alone && !self.explicit_clock_at(j)) {
            return None;
        }
        let mut rule = pre.unwrap_or(WdRule::Nearest);
        if let Some(e) = self.seqs(j, &[&["prochain"], &["prochaine"]]) {
            rule = WdRule::Nearest;
            j = e;
        } else if let Some(e) = self.seq(j, &["qui", "vient"]) {
            rule = WdRule::This;
            j = e;
        } else if let Some(e) = self.seq(j, &["en", "huit"]) {
            rule = WdRule::WeekAfter;
            j = e;
        }
        // A date after the weekday: "lundi 9 mars", "lundi le 9", "monday,
        // march 9th", "monday the 9th".
        let d = if self.punct(j, ',') { j + 1 } else { j };
        let d = self.seqs(d, &[&["le"], &["the"]]).unwrap_or(d);
        match self.date(d, Glue::The) {
            Some((DaySpec::Date { year, month, day, .. }, e)) => Some((
                DaySpec::Date {
                    year,
                    month,
                    day,
                    weekday: Some(wd),
                },
                e,
            )),
            Some((DaySpec::MonthDay { day, .. }, e)) => Some((DaySpec::MonthDay { day, weekday: Some(wd) }, e)),
            _ => Some((DaySpec::Weekday { wd, rule }, j)),
        }
    }

    /// Whether an unmistakable clock starts at `j`: "12:30", "3pm", "14h".
    fn explicit_clock_at(&self, j: usize) -> bool {
        self.kind(j) == Some(Kind::Num)
            && (self.punct(j + 1, ':') || self.is_any(j + 1, &["h", "am", "pm"]) || self.is(j + 1, "p"))
    }

    /// A day number: "5", "5th", "1er", "premier", "first", "twenty first",
    /// "deux" (French). Returns (day, written as an ordinal, end).
    fn day_number(&self, k: usize) -> Option<(u32, bool, usize)> {
        const SUFFIX: &[&str] = &["st", "nd", "rd", "th", "er", "re", "ere", "e", "eme", "ieme", "em"];
        if self.digits(k) > 0 && self.digits(k) <= 2 {
            let n = self.num(k).filter(|n| (1..=31).contains(n))?;
            if self.tight(k + 1) && self.is_any(k + 1, SUFFIX) {
                return Some((n, true, k + 2));
            }
            return Some((n, false, k + 1));
        }
        if let Some(n) = ordinal_word(self.tok(k)) {
            return Some((n, true, k + 1));
        }
        if self.lang == Lang::En
            && let Lex::Num(tens @ (20 | 30)) = self.lex(k)
            && let Some(unit @ 1..=9) = ordinal_word(self.tok(k + 1))
        {
            return Some((tens + unit, true, k + 2)).filter(|d| d.0 <= 31);
        }
        if self.fr()
            && let Some((n, e)) = self.spelled(k)
            && (1..=31).contains(&n)
        {
            return Some((n, false, e));
        }
        None
    }

    /// A calendar date: "2026-03-05", "5/3", "05/03/2026", "5.3.2026", "le 5
    /// mars", "5th of March", "March 5th, 2026", and with [`Glue::The`] a day
    /// of the month alone ("le 15", "the 15th").
    fn date(&self, k: usize, glue: Glue) -> Found<DaySpec> {
        let date = |year, month, day| DaySpec::Date {
            year,
            month,
            day,
            weekday: None,
        };
        // ISO 8601, optionally followed by "T14:30".
        if self.digits(k) == 4
            && let Some(y) = self.num(k)
            && self.punct(k + 1, '-')
            && (k + 1..k + 5).all(|x| self.tight(x))
            && self.punct(k + 3, '-')
            && let (Some(m), Some(d)) = (self.num(k + 2), self.num(k + 4))
        {
            let e = if self.is(k + 5, "t") && self.tight(k + 5) {
                k + 6
            } else {
                k + 5
            };
            return Some((date(Some(y as i32), m, d), e));
        }
        if self.digits(k) > 0
            && self.digits(k) <= 2
            && let Some(a) = self.num(k)
        {
            // 5/3 is day/month in French and month/day in English.
            if self.punct(k + 1, '/')
                && self.tight(k + 1)
                && self.tight(k + 2)
                && self.digits(k + 2) > 0
                && self.digits(k + 2) <= 2
                && let Some(b) = self.num(k + 2)
            {
                // The language's order decides only when both readings are
                // possible: "25/12" is December 25 in English too.
                let (day, month) = if b > 12 && a <= 12 {
                    (b, a)
                } else if a > 12 || self.fr() {
                    (a, b)
                } else {
                    (b, a)
                };
                if !(1..=31).contains(&day) || !(1..=31).contains(&month) {
                    return None;
                }
                let mut e = k + 3;
                let mut year = None;
                if self.punct(e, '/')
                    && self.tight(e)
                    && self.tight(e + 1)
                    && let Some(y) = self.num(e + 1)
                {
                    year = match self.digits(e + 1) {
                        2 => Some(2000 + y as i32),
                        4 => Some(y as i32),
                        _ => return None,
                    };
                    e += 2;
                }
                return Some((date(year, month, day), e));
            }
            // 5.3.2026 (day.month.year in both languages)
            if self.punct(k + 1, '.')
                && self.punct(k + 3, '.')
                && (k + 1..k + 5).all(|x| self.tight(x))
                && self.digits(k + 4) == 4
                && let (Some(m), Some(y)) = (self.num(k + 2), self.num(k + 4))
            {
                return Some((date(Some(y as i32), m, a), k + 5));
            }
        }
        if let Some((day, ordinal, j)) = self.day_number(k) {
            let m = if self.is(j, "of") { j + 1 } else { j };
            if let Lex::Month(month) = self.lex(m) {
                let e = if self.punct(m + 1, '.') { m + 2 } else { m + 1 };
                let (year, e) = self.year(e);
                // "le 15 mars prochain" is the next March 15, as without it.
                let e = match year {
                    None => self.seqs(e, &[&["prochain"], &["prochaine"]]).unwrap_or(e),
                    Some(_) => e,
                };
                return Some((date(year, month, day), e));
            }
            if glue == Glue::The && (ordinal || self.fr()) && self.month_day_may_end(j) {
                return Some((DaySpec::MonthDay { day, weekday: None }, j));
            }
            return None;
        }
        if let Lex::Month(month) = self.lex(k) {
            let j = if self.punct(k + 1, '.') { k + 2 } else { k + 1 };
            let j = self.seq(j, &["the"]).unwrap_or(j);
            let (day, _, e) = self.day_number(j)?;
            let (year, e) = self.year(e);
            return Some((date(year, month, day), e));
        }
        None
    }

    /// An optional year after a date: "2026", ", 2026".
    fn year(&self, e: usize) -> (Option<i32>, usize) {
        let y = if self.punct(e, ',') { e + 1 } else { e };
        match self.num(y) {
            Some(v) if self.digits(y) == 4 && (1970..=2200).contains(&v) => (Some(v as i32), y + 1),
            _ => (None, e),
        }
    }

    /// Whether "le 5"/"the 5th" may end before token `j` (not "le 5e étage",
    /// "the 5th floor", "lundi 8h").
    fn month_day_may_end(&self, j: usize) -> bool {
        const FOLLOW: &[&str] = &[
            "a", "at", "@", "pour", "for", "vers", "around", "et", "and", "to", "de", "d'", "du", "of", "in", "dans",
            "le", "la", "on", "this", "ce", "cet", "cette", "tonight", "avant", "before", "apres", "after", "pis",
            "then", "puis",
        ];
        match self.kind(j) {
            None => true,
            Some(Kind::Punct) => matches!(self.tok(j), "," | "." | "!" | "?" | ";" | ")"),
            Some(Kind::Num) => false,
            Some(Kind::Word) => matches!(self.lex(j), Lex::Part(_)) || self.is_any(j, FOLLOW),
        }
    }

    // ---- parts of the day -------------------------------------------------

    /// A part of the day after a day word: "demain matin", "lundi soir",
    /// "tomorrow morning", "demain après-midi", "demain pm" (Québec).
    /// "midi" is left to the clock.
    fn part_after_day(&self, k: usize) -> Found<Part> {
        if let Some(x) = self.part_phrase_at(k) {
            return Some(x);
        }
        const WORDS: &[(&[&str], Part)] = &[
            (&["apres", "midi"], Part::Afternoon),
            (&["avant", "midi"], Part::Morning),
            (&["am"], Part::Morning),
            (&["pm"], Part::Afternoon),
        ];
        if let Some(x) = WORDS.iter().find_map(|&(ws, p)| self.seq(k, ws).map(|e| (p, e))) {
            return Some(x);
        }
        match self.lex(k) {
            Lex::Part(p) if p != Part::Noon => Some((p, k + 1)),
            _ => None,
        }
    }

    /// A part of the day introduced as such: "in the morning", "le soir",
    /// "dans l'après-midi", "au souper" (Québec: supper), "au dîner" (Québec:
    /// noon), "at lunch", "by end of day".
    fn part_phrase_at(&self, i: usize) -> Found<Part> {
        const PARTS: &[(&[&str], Part)] = &[
            (&["in", "the", "morning"], Part::Morning),
            (&["in", "the", "afternoon"], Part::Afternoon),
            (&["in", "the", "evening"], Part::Evening),
            (&["at", "night"], Part::Night),
            (&["at", "lunchtime"], Part::Noon),
            (&["at", "lunch", "time"], Part::Noon),
            (&["at", "lunch"], Part::Noon),
            (&["at", "breakfast"], Part::Morning),
            (&["at", "dinnertime"], Part::Evening),
            (&["at", "dinner", "time"], Part::Evening),
            (&["at", "dinner"], Part::Evening),
            (&["at", "supper"], Part::Evening),
            (&["by", "the", "end", "of", "the", "day"], Part::Evening),
            (&["at", "the", "end", "of", "the", "day"], Part::Evening),
            (&["by", "end", "of", "day"], Part::Evening),
            (&["end", "of", "the", "day"], Part::Evening),
            (&["end", "of", "day"], Part::Evening),
            (&["by", "eod"], Part::Evening),
            (&["eod"], Part::Evening),
            (&["le", "matin"], Part::Morning),
            (&["dans", "la", "matinee"], Part::Morning),
            (&["en", "matinee"], Part::Morning),
            (&["en", "avant", "midi"], Part::Morning),
            (&["dans", "l'", "avant", "midi"], Part::Morning),
            (&["l'", "avant", "midi"], Part::Morning),
            (&["l'", "apres", "midi"], Part::Afternoon),
            (&["dans", "l'", "apres", "midi"], Part::Afternoon),
            (&["en", "apres", "midi"], Part::Afternoon),
            (&["en", "fin", "de", "journee"], Part::Evening),
            (&["a", "la", "fin", "de", "la", "journee"], Part::Evening),
            (&["le", "soir"], Part::Night),
            (&["dans", "la", "soiree"], Part::Evening),
            (&["en", "soiree"], Part::Evening),
            (&["dans", "la", "nuit"], Part::Night),
            (&["au", "dejeuner"], Part::Morning),
            (&["a", "l'", "heure", "du", "dejeuner"], Part::Morning),
            (&["au", "diner"], Part::Noon),
            (&["a", "l'", "heure", "du", "diner"], Part::Noon),
            (&["au", "lunch"], Part::Noon),
            (&["a", "l'", "heure", "du", "lunch"], Part::Noon),
            (&["au", "souper"], Part::Evening),
            (&["a", "l'", "heure", "du", "souper"], Part::Evening),
        ];
        PARTS.iter().find_map(|&(ws, p)| self.seq(i, ws).map(|e| (p, e)))
    }

    fn part_phrase(&self, i: usize) -> Found<Comp> {
        self.part_phrase_at(i).map(|(p, e)| (Comp::Part(p), e))
    }

    // ---- recurrences ------------------------------------------------------

    fn recurrence(&self, i: usize) -> Found<Comp> {
        let (r, j) = self
            .recur_every(i)
            .or_else(|| self.recur_adverb(i))
            .or_else(|| self.recur_plain(i))?;
        Some((r.map_or_else(Comp::Invalid, Comp::Recur), j))
    }

    /// "daily", "weekly", "hourly", "nightly", "once a week", "une fois par
    /// jour"; "twice a day" is refused.
    fn recur_adverb(&self, i: usize) -> Found<Result<Recur, WhenError>> {
        const ADVERBS: &[(&[&str], Freq)] = &[
            (&["daily"], Freq::Daily),
            (&["everyday"], Freq::Daily),
            (&["quotidiennement"], Freq::Daily),
            (&["weekly"], Freq::Weekly),
            (&["hebdomadairement"], Freq::Weekly),
            (&["monthly"], Freq::Monthly),
            (&["mensuellement"], Freq::Monthly),
            (&["yearly"], Freq::Yearly),
            (&["annually"], Freq::Yearly),
            (&["annuellement"], Freq::Yearly),
            (&["hourly"], Freq::Hourly),
        ];
        if let Some((freq, e)) = ADVERBS.iter().find_map(|&(ws, f)| self.seq(i, ws).map(|e| (f, e))) {
            return Some((Ok(Recur::new(freq, 1)), e));
        }
        if self.is(i, "nightly") {
            let r = Recur {
                part: Some(Part::Night),
                ..Recur::new(Freq::Daily, 1)
            };
            return Some((Ok(r), i + 1));
        }
        // "once a day", "une fois par semaine", "3 times a day"
        let (times, j) = if self.is(i, "once") {
            (1.0, i + 1)
        } else if self.is(i, "twice") {
            (2.0, i + 1)
        } else {
            let (n, j) = self.amount(i)?;
            (n, self.seqs(j, &[&["times"], &["time"], &["fois"]])?)
        };
        let j = self.seqs(j, &[&["a"], &["per"], &["par"], &["every"]])?;
        let (unit, e) = self.unit(j)?;
        if times != 1.0 {
            return Some((Err(WhenError::Unsupported(self.phrase(i, e))), e));
        }
        Some((self.unit_recur(unit, 1.0, i, e), e))
    }

    /// The recurrence of "every N units".
    fn unit_recur(&self, unit: Unit, n: f64, from: usize, to: usize) -> Result<Recur, WhenError> {
        let unsupported = || WhenError::Unsupported(self.phrase(from, to));
        if n < 1.0 || (n.fract() != 0.0 && unit != Unit::Hour) {
            return Err(unsupported());
        }
        let whole = n as u32;
        Ok(match unit {
            Unit::Second => return Err(unsupported()),
            Unit::Minute => Recur::new(Freq::Minutely, whole),
            // "every 1.5 hours" is every 90 minutes.
            Unit::Hour if n.fract() != 0.0 => Recur::new(Freq::Minutely, (n * 60.0) as u32),
            Unit::Hour => Recur::new(Freq::Hourly, whole),
            Unit::Day => Recur::new(Freq::Daily, whole),
            Unit::Week => Recur::new(Freq::Weekly, whole),
            Unit::Month => Recur::new(Freq::Monthly, whole),
            Unit::Year => Recur::new(Freq::Yearly, whole),
        })
    }

    /// "every …", "chaque …", "tous les …", "toutes les …", "aux …" (Québec:
    /// "aux deux semaines").
    fn recur_every(&self, i: usize) -> Found<Result<Recur, WhenError>> {
        const EVERY: &[&[&str]] = &[
            &["every", "single"],
            &["every"],
            &["evry"],
            &["each"],
            &["chaque"],
            &["a", "tous", "les"],
            &["a", "toutes", "les"],
            &["tous", "les"],
            &["toutes", "les"],
            &["aux"],
        ];
        let j = self.seqs(i, EVERY)?;
        let aux = self.is(i, "aux");
        // every half hour
        if let Some(e) = self.seqs(
            j,
            &[
                &["half", "hour"],
                &["half", "an", "hour"],
                &["demi", "heures"],
                &["demi", "heure"],
            ],
        ) {
            return Some((Ok(Recur::new(Freq::Minutely, 30)), e));
        }
        // every weekday, every weekend (before units: "tous les jours de semaine")
        for (alts, days) in [(WEEKDAYS, WORKWEEK), (WEEKENDS, WEEKEND_DAYS)] {
            if let Some(e) = self.seqs(j, alts) {
                return Some(self.with_part(Recur::weekly(days, 1), e));
            }
        }
        // every N units, every other day, every second week
        let (n, k) = if self.lang == Lang::En && self.is(j, "other") {
            (2.0, j + 1)
        } else if let Some((n, true, k)) = self.day_number(j).filter(|d| d.0 > 1) {
            (f64::from(n), k)
        } else {
            self.amount(j).unwrap_or((1.0, j))
        };
        if let Some((unit, e)) = self.unit(k) {
            return Some((self.unit_recur(unit, n, i, e), e));
        }
        if aux {
            return None;
        }
        let interval = if n.fract() == 0.0 && n >= 1.0 { n as u32 } else { 1 };
        // every first monday (of the month); "every second monday" without
        // a month is every other Monday, only "first" and "last" imply it.
        if let Some((nth, wd, month, e)) = self.nth_weekday(j)
            && (month != MonthPhrase::None || nth.abs() == 1)
        {
            return Some((Ok(Recur::nth(nth, wd)), e));
        }
        // every monday and thursday, every other friday
        if let Some((days, _, e)) = self.weekday_list(k) {
            return Some(self.with_part(Recur::weekly(days, interval), e));
        }
        // every morning, tous les soirs
        if let Lex::Part(p) = self.lex(j) {
            let r = Recur {
                part: Some(p),
                ..Recur::new(Freq::Daily, 1)
            };
            return Some((Ok(r), j + 1));
        }
        // every March 5, tous les 25 décembre
        if let Some((
            DaySpec::Date {
                year: None, month, day, ..
            },
            e,
        )) = self.date(j, Glue::None)
        {
            let r = Recur {
                month: Some(month),
                month_day: Some(day),
                ..Recur::new(Freq::Yearly, 1)
            };
            return Some((Ok(r), e));
        }
        // every 15th (of the month), tous les 1er du mois
        let (day, ordinal, e) = self.day_number(j)?;
        let e = match self.seqs(e, OF_THE_MONTH).or_else(|| self.seqs(e, EVERY_MONTH)) {
            Some(e) => e,
            None if ordinal => e,
            None => return None,
        };
        let r = Recur {
            month_day: Some(day),
            ..Recur::new(Freq::Monthly, 1)
        };
        Some((Ok(r), e))
    }

    /// Recurrences without "every": plural weekdays ("on mondays", "les
    /// mardis et jeudis"), weekday ranges ("du lundi au vendredi", "monday to
    /// friday"), "weekdays", "en semaine", "le premier de chaque mois", "the
    /// last friday of every month", "un jour sur deux".
    fn recur_plain(&self, i: usize) -> Found<Result<Recur, WhenError>> {
        const EVERY_OTHER: &[(&[&str], Freq)] = &[
            (&["un", "jour", "sur", "deux"], Freq::Daily),
            (&["une", "semaine", "sur", "deux"], Freq::Weekly),
            (&["un", "mois", "sur", "deux"], Freq::Monthly),
        ];
        if let Some((freq, e)) = EVERY_OTHER.iter().find_map(|&(ws, f)| self.seq(i, ws).map(|e| (f, e))) {
            return Some((Ok(Recur::new(freq, 2)), e));
        }
        // "un lundi sur deux"
        if self.is(i, "un")
            && let Some((wd, _, e)) = self.any_weekday(i + 1)
            && let Some(e) = self.seq(e, &["sur", "deux"])
        {
            return Some(self.with_part(Recur::weekly(weekday_bit(wd), 2), e));
        }
        const PLURAL_DAYS: &[(&[&str], u8)] = &[
            (&["on", "weekdays"], WORKWEEK),
            (&["weekdays"], WORKWEEK),
            (&["en", "semaine"], WORKWEEK),
            (&["les", "jours", "de", "semaine"], WORKWEEK),
            (&["les", "jours", "ouvrables"], WORKWEEK),
            (&["on", "weekends"], WEEKEND_DAYS),
            (&["weekends"], WEEKEND_DAYS),
            (&["les", "fins", "de", "semaine"], WEEKEND_DAYS),
            (&["les", "weekends"], WEEKEND_DAYS),
            (&["les", "week", "ends"], WEEKEND_DAYS),
        ];
        if let Some((days, e)) = PLURAL_DAYS.iter().find_map(|&(ws, d)| self.seq(i, ws).map(|e| (d, e))) {
            return Some(self.with_part(Recur::weekly(days, 1), e));
        }
        // "du lundi au vendredi", "from monday to friday"
        if let Some(j) = self.seqs(i, &[&["du"], &["de"], &["from"]])
            && let Some((days, _, e)) = self.weekday_list(j)
            && days.count_ones() > 1
            && self.weekday_range(j).is_some()
        {
            return Some(self.with_part(Recur::weekly(days, 1), e));
        }
        // plural weekdays or a range: "mondays", "les mardis", "monday to friday"
        let j = self.seqs(i, &[&["on"], &["les"], &["le"]]).unwrap_or(i);
        if let Some((days, form, e)) = self.weekday_list(j)
            && (form == Form::Plural || self.weekday_range(j).is_some())
        {
            return Some(self.with_part(Recur::weekly(days, 1), e));
        }
        // "le premier de chaque mois", "the last friday of every month"
        let j = self.seqs(i, &[&["on", "the"], &["the"], &["le"]])?;
        if let Some((nth, wd, MonthPhrase::Every, e)) = self.nth_weekday(j) {
            return Some((Ok(Recur::nth(nth, wd)), e));
        }
        let (day, _, e) = self.day_number(j)?;
        let e = self.seqs(e, EVERY_MONTH)?;
        let r = Recur {
            month_day: Some(day),
            ..Recur::new(Freq::Monthly, 1)
        };
        Some((Ok(r), e))
    }

    /// "first monday of the month", "le dernier vendredi de chaque mois":
    /// the rank (-1 for last), the weekday, how the month was named, the end.
    fn nth_weekday(&self, j: usize) -> Option<(i8, Weekday, MonthPhrase, usize)> {
        const NTH: &[(&[&str], i8)] = &[
            (&["first"], 1),
            (&["premier"], 1),
            (&["premiers"], 1),
            (&["premiere"], 1),
            (&["second"], 2),
            (&["deuxieme"], 2),
            (&["deuxiemes"], 2),
            (&["third"], 3),
            (&["troisieme"], 3),
            (&["troisiemes"], 3),
            (&["fourth"], 4),
            (&["quatrieme"], 4),
            (&["quatriemes"], 4),
            (&["last"], -1),
            (&["dernier"], -1),
            (&["derniers"], -1),
            (&["derniere"], -1),
        ];
        let (n, k) = NTH
            .iter()
            .find_map(|&(ws, n)| self.seq(j, ws).map(|e| (n, e)))
            .or_else(|| match self.day_number(j) {
                Some((d @ 1..=4, true, e)) => Some((d as i8, e)),
                _ => None,
            })?;
        let (wd, _, e) = self.any_weekday(k)?;
        if let Some(e) = self.seqs(e, EVERY_MONTH) {
            return Some((n, wd, MonthPhrase::Every, e));
        }
        if let Some(e) = self.seqs(e, OF_THE_MONTH) {
            return Some((n, wd, MonthPhrase::The, e));
        }
        Some((n, wd, MonthPhrase::None, e))
    }

    /// "lundi, mercredi et vendredi", "mon/wed/fri", "monday to friday".
    /// Returns the weekday bitmask, the form of the first weekday and the end.
    fn weekday_list(&self, k: usize) -> Option<(u8, Form, usize)> {
        let (first, form, mut j) = self.any_weekday(k)?;
        if let Some((last, e)) = self.weekday_range(k) {
            return Some((range_mask(first, last), form, e));
        }
        const AND: &[&[&str]] = &[
            &[",", "and"],
            &[",", "et"],
            &["and", "on"],
            &["et", "le"],
            &["et", "les"],
            &[","],
            &["and"],
            &["et"],
            &["&"],
            &["/"],
        ];
        let mut mask = weekday_bit(first);
        while let Some(c) = self.seqs(j, AND) {
            let Some((wd, _, e)) = self.any_weekday(c) else {
                break;
            };
            mask |= weekday_bit(wd);
            j = e;
        }
        Some((mask, form, j))
    }

    /// "lundi au vendredi", "monday to friday", "mon-fri": the last weekday
    /// and the end.
    fn weekday_range(&self, k: usize) -> Found<Weekday> {
        let (_, _, j) = self.any_weekday(k)?;
        if self.t.get(j).is_some_and(|t| t.hyphen)
            && let Some((last, _, e)) = self.any_weekday(j)
        {
            return Some((last, e));
        }
        let c = self.seqs(
            j,
            &[
                &["au"],
                &["a"],
                &["to"],
                &["through"],
                &["thru"],
                &["till"],
                &["until"],
                &["-"],
            ],
        )?;
        let (last, _, e) = self.any_weekday(c)?;
        Some((last, e))
    }

    /// A weekly recurrence followed by an optional part of the day ("every
    /// monday morning", "tous les lundis soir").
    fn with_part(&self, mut r: Recur, e: usize) -> (Result<Recur, WhenError>, usize) {
        match self.part_after_day(e) {
            Some((p, e2)) => {
                r.part = Some(p);
                (Ok(r), e2)
            }
            None => (Ok(r), e),
        }
    }
}

/// Spelled ordinals used for days of the month.
fn ordinal_word(w: &str) -> Option<u32> {
    Some(match w {
        "first" | "premier" | "premiers" => 1,
        "second" => 2,
        "third" => 3,
        "fourth" => 4,
        "fifth" => 5,
        "sixth" => 6,
        "seventh" => 7,
        "eighth" => 8,
        "ninth" => 9,
        "tenth" => 10,
        "eleventh" => 11,
        "twelfth" => 12,
        "thirteenth" => 13,
        "fourteenth" => 14,
        "fifteenth" => 15,
        "sixteenth" => 16,
        "seventeenth" => 17,
        "eighteenth" => 18,
        "nineteenth" => 19,
        "twentieth" => 20,
        "thirtieth" => 30,
        _ => return None,
    })
}

/// The weekdays from `first` to `last` inclusive, wrapping past Sunday.
fn range_mask(first: Weekday, last: Weekday) -> u8 {
    let mut mask = 0;
    let mut d = first;
    loop {
        mask |= weekday_bit(d);
        if d == last {
            return mask;
        }
        d = d.succ();
    }
}
