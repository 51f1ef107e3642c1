//! The grammar: recognizers that look at the token stream at one position and,
//! when a time expression starts there, say what it means ([`Component`]) and
//! where it ends. [`Parser::scan`] tries them left to right; what they consume
//! is removed from the reminder text, and [`crate::resolve`] turns the pieces
//! into an instant.
//!
//! Every recognizer is a plain function over token indices: no backtracking
//! beyond trying alternatives in order, no allocation except for the result.
//! Each kind of expression has its file (durations, clock times, days, dates,
//! parts of the day, recurrences) adding its recognizers to [`Parser`]; the
//! words they look for are in [`crate::lexicon`].

mod clock;
mod component;
mod dates;
mod days;
mod durations;
mod parts_of_day;
mod ranges;
mod recurrences;

pub(crate) use component::{
    Clock, ClockEnd, Component, DaySpec, Recurrence, RelativeDuration, WeekdayRule, weekday_bit,
};

use crate::lexicon::{Lex, classify};
use crate::token::{Kind, Tokens};
use crate::{Lang, WhenError};

/// Token range `start..end` of a component.
pub(crate) type Span = (usize, usize);

/// What a recognizer found and the index of the first token after it.
type Found<T> = Option<(T, usize)>;

pub(crate) struct Parser<'t> {
    tokens: &'t Tokens,
    text: &'t str,
    lex: Vec<Lex>,
    lang: Lang,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(tokens: &'t Tokens, text: &'t str, lang: Lang) -> Self {
        let lex = (0..tokens.len())
            .map(|i| match tokens.get(i) {
                Some(token) if token.kind == Kind::Word => classify(tokens.norm(i), lang),
                _ => Lex::Other,
            })
            .collect();
        Self {
            tokens,
            text,
            lex,
            lang,
        }
    }

    /// Finds the time expressions, left to right, without overlap.
    pub(crate) fn scan(&self) -> Vec<(Component, Span)> {
        let mut out: Vec<(Component, Span)> = Vec::new();
        let mut i = 0;
        while i < self.tokens.len() {
            // "10 August - 12 September", "from 01/21 10:00 to 01/23 07:00":
            // the end of a range of days, right after a day or a clock.
            if let Some(j) = self.range_separator(i)
                && out
                    .last()
                    .is_some_and(|(c, (_, end))| *end == i && matches!(c, Component::Day { .. } | Component::Clock(_)))
                && !out.iter().any(|(c, _)| *c == Component::Until)
                && let Some((day @ Component::Day { .. }, e)) = self.day(j)
            {
                out.push((Component::Until, (i, j)));
                out.push((day, (j, e)));
                i = e;
                continue;
            }
            // "Thu Oct 26 11:00:09 2023": a year after a clock is the year of
            // the date before it; with no such date it is refused.
            if self.digits(i) == 4
                && let Some(year) = self.num(i).filter(|y| (1900..=2200).contains(y))
                && out
                    .last()
                    .is_some_and(|(c, (_, end))| *end == i && matches!(c, Component::Clock(_)))
            {
                let date = out.iter_mut().rev().find_map(|(c, _)| match c {
                    Component::Day {
                        day: DaySpec::Date { year: y @ None, .. },
                        ..
                    } => Some(y),
                    _ => None,
                });
                match date {
                    Some(y) => {
                        *y = i32::try_from(year).ok();
                        // The year goes with the clock out of the reminder's text.
                        if let Some((_, (_, end))) = out.last_mut() {
                            *end = i + 1;
                        }
                    }
                    None => {
                        let error = WhenError::Unsupported(self.phrase(i, i + 1));
                        out.push((Component::Invalid(error), (i, i + 1)));
                    }
                }
                i += 1;
                continue;
            }
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

    fn component(&self, i: usize) -> Found<Component> {
        if self.continues_a_number(i) {
            // A time or a date there ("10 - 11 at night", "4/13/1") is
            // refused; anything else is no time at all ("555-1234").
            let (_, end) = self.clock(i).or_else(|| self.day(i)).or_else(|| self.relative(i))?;
            let error = WhenError::Unsupported(self.phrase(i - 2, end));
            return Some((Component::Invalid(error), end));
        }
        self.recurrence(i)
            .or_else(|| self.past(i))
            .or_else(|| self.the_last_or_next(i))
            .or_else(|| self.relative(i))
            .or_else(|| self.vague(i))
            .or_else(|| self.now(i))
            .or_else(|| self.decade(i))
            .or_else(|| self.before(i))
            .or_else(|| self.window(i))
            .or_else(|| self.between(i))
            .or_else(|| self.nth_weekday_of_a_named_month(i))
            .or_else(|| self.day(i))
            .or_else(|| self.clock(i))
            .or_else(|| self.part_phrase(i))
    }

    /// "-", "to", "until", "au", "jusqu'au" between the two ends of a range.
    fn range_separator(&self, i: usize) -> Option<usize> {
        const TO: &[&[&str]] = &[
            &["-"],
            &["–"],
            &["to"],
            &["till"],
            &["until"],
            &["through"],
            &["thru"],
            &["au"],
            &["jusqu'", "au"],
            &["jusqu'", "a"],
        ];
        self.first_sequence(i, TO)
            .or_else(|| (self.fr() && self.is(i, "a")).then_some(i + 1))
    }

    /// Whether token `i` is a number that continues an earlier one ("13.12",
    /// "4/13/1", "12-3am", "10 - 11pm", "from 5 to 6pm"): the second half of a decimal, a
    /// longer numeric form or a range is not read on its own, lest a part be
    /// taken for the whole.
    fn continues_a_number(&self, i: usize) -> bool {
        i >= 2
            && self.kind(i) == Some(Kind::Num)
            && self.kind(i - 2) == Some(Kind::Num)
            && ((['.', ':', '/', '-', ',', '%'].iter().any(|&c| self.punct(i - 1, c)) && (self.tight(i) || self.punct(i - 1, '-')))
                || self.is_any(i - 1, &["to", "till", "until", "and", "au", "et"])
                || (self.fr() && self.is(i - 1, "a")))
            // "05/31/2024.14:15": a clock glued to a date's year.
            && !(self.digits(i - 2) == 4 && self.punct(i + 1, ':'))
            // "8/10/2012 - 8/15/2012": a date after a year starts the end
            // of a range.
            && !(self.digits(i - 2) == 4 && !self.tight(i - 1) && self.day(i).is_some())
            // "2026-03-29 -10days": a sign, not a range.
            && !((self.punct(i - 1, '-') || self.punct(i - 1, '+')) && !self.tight(i - 1) && self.tight(i))
    }

    // ---- token helpers -------------------------------------------------

    fn fr(&self) -> bool {
        self.lang == Lang::Fr
    }

    fn word(&self, i: usize) -> &str {
        self.tokens.norm(i)
    }

    fn is(&self, i: usize, w: &str) -> bool {
        self.tokens.norm(i) == w
    }

    fn is_any(&self, i: usize, ws: &[&str]) -> bool {
        let s = self.word(i);
        !s.is_empty() && ws.contains(&s)
    }

    fn sequence(&self, i: usize, ws: &[&str]) -> Option<usize> {
        ws.iter()
            .enumerate()
            .all(|(k, w)| self.is(i + k, w))
            .then_some(i + ws.len())
    }

    /// End of the first alternative that matches at `i`.
    fn first_sequence(&self, i: usize, alts: &[&[&str]]) -> Option<usize> {
        alts.iter().find_map(|ws| self.sequence(i, ws))
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.tokens.get(i).map(|t| t.kind)
    }

    fn punct(&self, i: usize, c: char) -> bool {
        self.kind(i) == Some(Kind::Punct) && self.word(i).starts_with(c)
    }

    fn num(&self, i: usize) -> Option<u32> {
        self.tokens.get(i).filter(|t| t.kind == Kind::Num).map(|t| t.value)
    }

    fn digits(&self, i: usize) -> u8 {
        self.tokens
            .get(i)
            .filter(|t| t.kind == Kind::Num)
            .map_or(0, |t| t.digits)
    }

    /// Token `i` exists and touches the previous one ("5pm", "14h30").
    fn tight(&self, i: usize) -> bool {
        self.tokens.get(i).is_some_and(|t| !t.spaced)
    }

    fn lex(&self, i: usize) -> Lex {
        self.lex.get(i).copied().unwrap_or(Lex::Other)
    }

    fn phrase(&self, from: usize, to: usize) -> String {
        self.tokens.slice(self.text, from, to).to_owned()
    }
}
