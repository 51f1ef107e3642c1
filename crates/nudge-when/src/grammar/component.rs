//! The pieces of a time expression the recognizers produce and the resolver
//! combines.

use chrono::Weekday;

use crate::lexicon::{Part, Zone};
use crate::rrule::Freq;
use crate::{Grain, WhenError};

/// A piece of time expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Component {
    /// "in 20 minutes", "dans 3 jours", "2 hours from now".
    Relative(RelativeDuration),
    /// An offset from the day written next to it: "2 days after next
    /// friday", "a week before yesterday", "next tuesday +10 days".
    Offset(RelativeDuration),
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
    Recurrence(Recurrence),
    /// "later", "bientôt", "in a few minutes": not a time.
    Vague,
    /// "to", "-", "au", "until" between two days: what follows is the end of
    /// a range ("10 August - 12 September", "from Monday to Friday").
    Until,
    /// Meant as a time but not one ("à 25h", "13pm", "every 30 seconds").
    Invalid(WhenError),
}

/// A relative duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RelativeDuration {
    /// Exact elapsed time, added to the instant.
    Exact { secs: i64, grain: Grain },
    /// Calendar offset (months, then days) landing on a day; `back` counts
    /// into the past ("3 days ago", "il y a 2 mois").
    Calendar {
        months: u32,
        days: u32,
        /// Exact time added after the calendar part ("in 1 month and 2
        /// hours"), in seconds.
        secs: i64,
        grain: Grain,
        back: bool,
    },
}

impl RelativeDuration {
    /// The same duration counted back from now: "2 hours ago".
    pub(crate) fn back(self) -> Self {
        match self {
            Self::Exact { secs, grain } => Self::Exact { secs: -secs, grain },
            Self::Calendar {
                months,
                days,
                secs,
                grain,
                back,
            } => Self::Calendar {
                months,
                days,
                secs,
                grain,
                back: !back,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DaySpec {
    Today,
    Tomorrow,
    AfterTomorrow,
    Yesterday,
    /// "avant-hier", "the day before yesterday".
    BeforeYesterday,
    Weekday {
        weekday: Weekday,
        rule: WeekdayRule,
    },
    /// A calendar date; `weekday` when written with one ("lundi 9 mars"),
    /// which must then match.
    Date {
        year: Option<i32>,
        month: u32,
        day: u32,
        weekday: Option<Weekday>,
        /// A numeric date whose day and month could be swapped ("03/04"):
        /// the other order is an alternative reading.
        swappable: bool,
        /// The last day of a range in the same month ("10 - 22 August").
        until: Option<u32>,
    },
    /// "the last friday of the month", "le premier lundi du mois".
    NthWeekday {
        nth: i8,
        weekday: Weekday,
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
    /// A month of a year ("March 2027", "09/2027"): its first day.
    MonthOfYear {
        year: i32,
        month: u32,
    },
}

/// Which occurrence of a weekday is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WeekdayRule {
    /// "ce lundi", "this monday": today counts.
    This,
    /// "lundi", "next monday", "lundi prochain": strictly after today.
    Nearest,
    /// "lundi en huit", "thursday after next" (1), "vendredi en quinze" (2):
    /// that many weeks after the nearest.
    WeeksAfter(u32),
    /// "last friday", "vendredi dernier": the latest one strictly before
    /// today.
    Last,
}

/// A clock time as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    /// Cannot be read in the other half of the day: 24-hour form ("14h",
    /// "08:00", "0h30"), am/pm, noon, midnight.
    pub(crate) fixed: bool,
    /// French "6h", "à 6 heures", "6:30": the 24-hour clock (06:00), unless
    /// a part of the day says otherwise ("ce soir à 8h" is 20:00).
    pub(crate) twenty_four_hour: bool,
    pub(crate) has_minutes: bool,
    /// Seconds, when written ("10:12:59").
    pub(crate) second: u32,
    /// Midnight and the minutes after it: the end of the day it is attached to.
    pub(crate) after_midnight: bool,
    /// Qualifier written with the clock ("8h du soir", "5 in the morning").
    pub(crate) part: Option<Part>,
    /// Another zone than the person's, written after the clock ("3pm EST").
    pub(crate) zone: Option<Zone>,
    /// The end of a window ("between 2 and 4 pm", "de 14h à 16h").
    pub(crate) end: Option<ClockEnd>,
}

/// The end of a window of clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClockEnd {
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    /// Read as written; otherwise the first of the hour and the hour + 12
    /// that comes after the start.
    pub(crate) fixed: bool,
}

/// A recurrence as written; merged with days and clocks by the resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recurrence {
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

impl Recurrence {
    pub(super) fn new(freq: Freq, interval: u32) -> Self {
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

    pub(super) fn nth(n: i8, weekday: Weekday) -> Self {
        Self {
            nth: Some((n, weekday)),
            ..Self::new(Freq::Monthly, 1)
        }
    }

    pub(super) fn weekly(days: u8, interval: u32) -> Self {
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

pub(crate) fn weekday_bit(weekday: Weekday) -> u8 {
    1 << weekday.num_days_from_monday()
}

/// How "… of the month" was said after "first monday".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MonthPhrase {
    None,
    /// "of the month", "du mois".
    The,
    /// "of every month", "de chaque mois".
    Every,
}

/// How a day expression was introduced, which decides whether a bare day
/// number may stand alone ("le 5", "on the 5th").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Glue {
    None,
    /// "le", "the", "on the", "pour le", "à partir du".
    The,
    /// "on", "for", "by", "pour", "d'ici".
    Other,
}
