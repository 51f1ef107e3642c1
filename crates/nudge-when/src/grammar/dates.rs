//! Calendar dates: "2026-03-05", "5/3", "le 5 mars", "March 5th, 2026", "the
//! 15th".

use super::component::Glue;
use super::{DaySpec, Found, Parser};
use crate::Lang;
use crate::lexicon::Lex;
use crate::token::Kind;

impl Parser<'_> {
    /// Whether an unmistakable clock starts at `j`: "12:30", "3pm", "14h".
    pub(super) fn explicit_clock_at(&self, j: usize) -> bool {
        // "weds at 5", "ven. à 14h"
        if self.is_any(j, &["at", "@"]) || (self.fr() && self.is(j, "a")) {
            return self.kind(j + 1) == Some(Kind::Num);
        }
        self.kind(j) == Some(Kind::Num)
            && (self.punct(j + 1, ':') || self.is_any(j + 1, &["h", "am", "pm"]) || self.is(j + 1, "p"))
    }

    /// A day number: "5", "5th", "1er", "premier", "first", "twenty first",
    /// "deux" (French). Returns (day, written as an ordinal, end).
    pub(super) fn day_number(&self, k: usize) -> Option<(u32, bool, usize)> {
        const SUFFIX: &[&str] = &["st", "nd", "rd", "th", "er", "re", "ere", "e", "eme", "ieme", "em"];
        if self.digits(k) > 0 && self.digits(k) <= 2 {
            let n = self.num(k).filter(|n| (1..=31).contains(n))?;
            if self.tight(k + 1) && self.is_any(k + 1, SUFFIX) {
                return Some((n, true, k + 2));
            }
            return Some((n, false, k + 1));
        }
        if let Some(n) = ordinal_word(self.word(k)) {
            return Some((n, true, k + 1));
        }
        if self.lang == Lang::En
            && let Lex::Num(tens @ (20 | 30)) = self.lex(k)
            && let Some(unit @ 1..=9) = ordinal_word(self.word(k + 1))
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
    pub(super) fn date(&self, k: usize, glue: Glue) -> Found<DaySpec> {
        let date = |year, month, day| DaySpec::Date {
            year,
            month,
            day,
            weekday: None,
            swappable: false,
            until: None,
        };
        // "2012/8/10", "2012/Aug/10": year, month, day.
        if self.digits(k) == 4
            && let Some(y) = self.num(k).filter(|y| (1900..=2200).contains(y))
            && self.punct(k + 1, '/')
            && self.punct(k + 3, '/')
            && (k + 1..k + 5).all(|x| self.tight(x))
            && let Some(d) = self.num(k + 4)
        {
            let month = match self.lex(k + 2) {
                Lex::Month(m) => Some(m),
                _ => self.num(k + 2),
            };
            if let Some(m) = month {
                return Some((date(Some(y as i32), m, d), k + 5));
            }
        }
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
        // "09/2027", "9/2027": a month of a year.
        if self.digits(k) > 0
            && self.digits(k) <= 2
            && let Some(month) = self.num(k).filter(|m| (1..=12).contains(m))
            && self.punct(k + 1, '/')
            && self.tight(k + 1)
            && self.tight(k + 2)
            && self.digits(k + 2) == 4
            && let Some(year) = self.num(k + 2).filter(|y| (1900..=2200).contains(y))
            && !(self.punct(k + 3, '/') && self.tight(k + 3))
        {
            return Some((
                DaySpec::MonthOfYear {
                    year: year as i32,
                    month,
                },
                k + 3,
            ));
        }
        if self.digits(k) > 0
            && self.digits(k) <= 2
            && let Some(a) = self.num(k)
        {
            // 5/3 is day/month in French and month/day in English; with a
            // year of four digits the separator may be a hyphen ("07-27-2022").
            // Two-digit years only when one number is no month ("12-30-16"),
            // lest a phone number be read.
            let hyphenated = self.punct(k + 1, '-')
                && self.punct(k + 3, '-')
                && (k + 1..k + 5).all(|x| self.tight(x))
                && (self.digits(k + 4) == 4
                    || (self.digits(k + 4) == 2
                        && self.digits(k + 2) == 2
                        && self.num(k + 2).is_some_and(|b| a > 12 || b > 12)));
            let separator = if hyphenated { '-' } else { '/' };
            if self.punct(k + 1, separator)
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
                if self.punct(e, separator)
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
                if year.is_none() && self.unreadable_year_at(e) {
                    return None;
                }
                let swappable = a <= 12 && b <= 12 && a != b;
                let spec = DaySpec::Date {
                    year,
                    month,
                    day,
                    weekday: None,
                    swappable,
                    until: None,
                };
                return Some((spec, e));
            }
            // "26. 10.21", "30 . 09 . 22": day. month. year, British, with
            // spaces and a two-digit year.
            if self.punct(k + 1, '.')
                && self.punct(k + 3, '.')
                && !(k + 1..k + 5).all(|x| self.tight(x))
                && self.digits(k + 2) <= 2
                && let (Some(m), Some(y)) = (self.num(k + 2).filter(|m| (1..=12).contains(m)), self.num(k + 4))
                && (1..=31).contains(&a)
            {
                let year = match self.digits(k + 4) {
                    2 => 2000 + y as i32,
                    4 => y as i32,
                    _ => return None,
                };
                return Some((date(Some(year), m, a), k + 5));
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
            // "10 - 22 August", "du 10 au 22 août": the range starts the 10th.
            let (until, j) = match self.day_range_end(j) {
                Some((last, e)) => (Some(last), e),
                None => (None, j),
            };
            let m = if self.is(j, "of") { j + 1 } else { j };
            // French "sept" is 7, but "le 11 sept.", "15 sept 2014" are
            // September: a dot, a year or the end follows.
            let september = self.fr()
                && self.is(m, "sept")
                && (self.punct(m + 1, '.') || self.digits(m + 1) == 4 || self.kind(m + 1).is_none());
            let month_at_m = if september { Lex::Month(9) } else { self.lex(m) };
            if let Lex::Month(month) = month_at_m {
                let e = if self.punct(m + 1, '.') { m + 2 } else { m + 1 };
                let (year, e) = self.year(e);
                if year.is_none() && self.unreadable_year_at(e) {
                    return None;
                }
                // "le 15 mars prochain" is the next March 15, as without it.
                let e = match year {
                    None => self.first_sequence(e, &[&["prochain"], &["prochaine"]]).unwrap_or(e),
                    Some(_) => e,
                };
                let spec = match date(year, month, day) {
                    DaySpec::Date {
                        year,
                        month,
                        day,
                        weekday,
                        swappable,
                        ..
                    } => DaySpec::Date {
                        year,
                        month,
                        day,
                        weekday,
                        swappable,
                        until,
                    },
                    other => other,
                };
                return Some((spec, e));
            }
            if glue == Glue::The && (ordinal || self.fr()) && self.month_day_may_end(j) {
                return Some((DaySpec::MonthDay { day, weekday: None }, j));
            }
            return None;
        }
        // "2018 March 18"
        if self.digits(k) == 4
            && let Some(y) = self.num(k).filter(|y| (1900..=2200).contains(y))
            && let Lex::Month(month) = self.lex(k + 1)
            && let Some((day, _, e)) = self.day_number(k + 2)
        {
            return Some((date(Some(y as i32), month, day), e));
        }
        if let Lex::Month(month) = self.lex(k) {
            // "March 2027": the month of that year.
            if self.kind(k + 1) == Some(Kind::Num)
                && !(k > 0 && self.kind(k - 1) == Some(Kind::Num))
                && let (Some(year), e) = self.year(k + 1)
            {
                return Some((DaySpec::MonthOfYear { year, month }, e));
            }
            // "August-10, 2012", "August/10/2012".
            let glued = (self.punct(k + 1, '-') || self.punct(k + 1, '/')) && self.tight(k + 1) && self.tight(k + 2);
            let j = if self.punct(k + 1, '.') || self.punct(k + 1, ',') || glued {
                k + 2
            } else {
                k + 1
            };
            let j = self.sequence(j, &["the"]).unwrap_or(j);
            let (day, _, e) = self.day_number(j)?;
            // "May 8 - 10, 2010": the range starts the 8th; an impossible
            // end ("February 20 - 29, 2022") makes it no date at all.
            let (e, range_end_day) = match self.first_sequence(e, &[&["-"], &["to"], &["through"], &["thru"]]) {
                Some(k2) => match self.day_number(k2) {
                    Some((end_day, _, e2)) => (e2, Some(end_day)),
                    None => (e, None),
                },
                None => (e, None),
            };
            let (year, e) = self.year(e);
            if let Some(end_day) = range_end_day
                && chrono::NaiveDate::from_ymd_opt(year.unwrap_or(2024), month, end_day).is_none()
            {
                return None;
            }
            if year.is_none() && self.unreadable_year_at(e) {
                return None;
            }
            let spec = DaySpec::Date {
                year,
                month,
                day,
                weekday: None,
                swappable: false,
                until: range_end_day,
            };
            return Some((spec, e));
        }
        None
    }

    /// The end of the second day of a range ("10 - 22", "10 to 22", "10 au
    /// 22") when a month follows it.
    fn day_range_end(&self, j: usize) -> Option<(u32, usize)> {
        const TO: &[&[&str]] = &[
            &["-"],
            &["to"],
            &["through"],
            &["thru"],
            &["till"],
            &["until"],
            &["au"],
            &["a"],
        ];
        let k = self.first_sequence(j, TO)?;
        let (last, _, e) = self.day_number(k)?;
        let m = if self.is(e, "of") { e + 1 } else { e };
        matches!(self.lex(m), Lex::Month(_)).then_some((last, e))
    }

    /// Whether a number that can be neither a year of four digits, a day nor
    /// a clock follows a date ("3 Aug 96", "10 August 234 BC"): the date is
    /// then not read at all rather than read without its year.
    fn unreadable_year_at(&self, e: usize) -> bool {
        let y = if self.punct(e, ',') { e + 1 } else { e };
        let Some(value) = self.num(y) else {
            return false;
        };
        let clock_follows = value <= 24
            && (self.punct(y + 1, ':') || self.punct(y + 1, '.') || self.is_any(y + 1, &["h", "am", "pm", "a", "p"]));
        (2..=3).contains(&self.digits(y)) && (value > 31 || self.digits(y) == 3) && !clock_follows
    }

    /// An optional year after a date: "2026", ", 2026".
    fn year(&self, e: usize) -> (Option<i32>, usize) {
        let glued = (self.punct(e, '/') || self.punct(e, '-')) && self.tight(e) && self.tight(e + 1);
        let y = if self.punct(e, ',') || glued { e + 1 } else { e };
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
            Some(Kind::Punct) => matches!(self.word(j), "," | "." | "!" | "?" | ";" | ")"),
            Some(Kind::Num) => false,
            Some(Kind::Word) => matches!(self.lex(j), Lex::Part(_)) || self.is_any(j, FOLLOW),
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
