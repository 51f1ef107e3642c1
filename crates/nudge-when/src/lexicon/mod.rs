//! Word classes that carry a value (spelled numbers, weekdays, months,
//! duration units, parts of the day), per language, and the language markers
//! used by [`detect`].
//!
//! Words are looked up in their normalized form (lowercase, no diacritics).
//! A few spellings mean different things in the two languages ("sept" is 7 in
//! French and September in English, "mon" is "my" in French and Monday in
//! English), which is why classification depends on the language.

use chrono::Weekday;

use crate::token::{Kind, Tokens};
use crate::{Grain, Lang};

mod english;
mod french;
mod markers;
pub(crate) mod zones;

pub(crate) use zones::Zone;

/// A duration unit, ordered from the smallest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    /// Exact length in seconds of the units that have one.
    pub(crate) fn seconds(self) -> Option<f64> {
        match self {
            Unit::Second => Some(1.0),
            Unit::Minute => Some(60.0),
            Unit::Hour => Some(3600.0),
            Unit::Day => Some(86_400.0),
            Unit::Week => Some(604_800.0),
            Unit::Month | Unit::Year => None,
        }
    }

    pub(crate) fn grain(self) -> Grain {
        match self {
            Unit::Second => Grain::Second,
            Unit::Minute => Grain::Minute,
            Unit::Hour => Grain::Hour,
            Unit::Day => Grain::Day,
            Unit::Week => Grain::Week,
            Unit::Month => Grain::Month,
            Unit::Year => Grain::Year,
        }
    }

    /// The grain of a fractional amount of this unit ("1.5 hours" is to the minute).
    pub(crate) fn finer_grain(self) -> Grain {
        match self {
            Unit::Second | Unit::Minute => Grain::Second,
            Unit::Hour => Grain::Minute,
            Unit::Day => Grain::Hour,
            Unit::Week | Unit::Month => Grain::Day,
            Unit::Year => Grain::Month,
        }
    }
}

/// A part of the day; its clock time comes from [`crate::DayParts`]. The
/// shaded ones ("early morning", "en fin d'après-midi", "demain matin tôt")
/// are their part's time moved by [`Part::SHADE_HOURS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Morning,
    Noon,
    Afternoon,
    Evening,
    Night,
    EarlyMorning,
    LateMorning,
    EarlyAfternoon,
    LateAfternoon,
    EarlyEvening,
    LateEvening,
    EarlyNight,
    LateNight,
}

/// "early"/"tôt"/"en début de" or "late"/"tard"/"en fin de" before or after
/// a part of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shade {
    Early,
    Late,
}

impl Part {
    /// How far a shade moves its part's time: "late afternoon" is 17:00 when
    /// the afternoon is 15:00.
    pub(crate) const SHADE_HOURS: i64 = 2;

    /// The part a shaded one belongs to: a late afternoon is an afternoon
    /// (for the hours that fit it, "late afternoon at 5").
    pub(crate) fn base(self) -> Part {
        match self {
            Part::EarlyMorning | Part::LateMorning => Part::Morning,
            Part::EarlyAfternoon | Part::LateAfternoon => Part::Afternoon,
            Part::EarlyEvening | Part::LateEvening => Part::Evening,
            Part::EarlyNight | Part::LateNight => Part::Night,
            p => p,
        }
    }

    /// Hours this part's time is moved from its base part's.
    pub(crate) fn shift_hours(self) -> i64 {
        match self {
            Part::EarlyMorning | Part::EarlyAfternoon | Part::EarlyEvening | Part::EarlyNight => -Self::SHADE_HOURS,
            Part::LateMorning | Part::LateAfternoon | Part::LateEvening | Part::LateNight => Self::SHADE_HOURS,
            _ => 0,
        }
    }

    /// This part with a shade; noon has none ("early lunch" is still noon).
    pub(crate) fn shaded(self, shade: Shade) -> Part {
        match (self.base(), shade) {
            (Part::Morning, Shade::Early) => Part::EarlyMorning,
            (Part::Morning, Shade::Late) => Part::LateMorning,
            (Part::Afternoon, Shade::Early) => Part::EarlyAfternoon,
            (Part::Afternoon, Shade::Late) => Part::LateAfternoon,
            (Part::Evening, Shade::Early) => Part::EarlyEvening,
            (Part::Evening, Shade::Late) => Part::LateEvening,
            (Part::Night, Shade::Early) => Part::EarlyNight,
            (Part::Night, Shade::Late) => Part::LateNight,
            (p, _) => p,
        }
    }
}

/// How a weekday was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Full,
    /// "mondays", "lundis": a habit, hence a recurrence.
    Plural,
    /// "mon", "fri": only read as a weekday after "on", "next", "every", …
    Abbr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lex {
    Other,
    Num(u32),
    Weekday(Weekday, Form),
    Month(u32),
    Unit(Unit),
    Part(Part),
}

pub(crate) fn classify(word: &str, lang: Lang) -> Lex {
    match lang {
        Lang::Fr => french::word(word),
        Lang::En => english::word(word),
    }
}

/// Guesses the language of a message from function words, time words and
/// spelling: diacritics and the "14h" clock count for French, "am"/"pm" for
/// English. A tie (no marker at all, e.g. "5/3") is English.
pub(crate) fn detect(t: &Tokens) -> Lang {
    let mut score = 0i32;
    for i in 0..t.len() {
        let Some(tok) = t.get(i) else { break };
        match tok.kind {
            Kind::Word => {
                score += marker(t.norm(i));
                if tok.accented {
                    score += 2;
                }
            }
            Kind::Num => {
                if t.norm(i + 1) == "h" {
                    score += 1;
                }
            }
            Kind::Punct => {}
        }
    }
    if score > 0 { Lang::Fr } else { Lang::En }
}

/// +1 for a French marker, -1 for an English one.
fn marker(word: &str) -> i32 {
    if markers::is_french_marker(word) {
        1
    } else if markers::is_english_marker(word) {
        -1
    } else {
        0
    }
}
