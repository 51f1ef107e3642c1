//! Windows of clock times: "between 2 and 4 pm", "de 14h à 16h", "8 - 11pm",
//! "entre midi et deux", "from 5 to 6pm", "13h-15h". The start is the
//! reminder's time; the end is kept ([`crate::When::end`]).

use super::clock::RawClock;
use super::component::ClockEnd;
use super::{Clock, Component, Found, Parser};
use crate::lexicon::Part;
use crate::token::Kind;

/// Words before a window.
const INTRO: &[(&[&str], Intro)] = &[
    (&["between"], Intro::Between),
    (&["btw"], Intro::Between),
    (&["btwn"], Intro::Between),
    (&["betw"], Intro::Between),
    (&["entre"], Intro::Between),
    (&["from"], Intro::From),
    (&["de"], Intro::From),
    (&["des"], Intro::From),
    (&["du"], Intro::From),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intro {
    None,
    /// "between … and …", "entre … et …".
    Between,
    /// "from … to …", "de … à …".
    From,
}

impl Parser<'_> {
    /// A window of two clock times; `None` when the words around are not one
    /// (the clock recognizer then refuses what it cannot read).
    pub(super) fn window(&self, i: usize) -> Found<Component> {
        let (intro, j) = INTRO
            .iter()
            .find_map(|&(ws, intro)| self.sequence(i, ws).map(|j| (intro, j)))
            .unwrap_or((Intro::None, i));
        // Cheap refusal first: a window starts with an hour.
        let hour_like = self.kind(j) == Some(Kind::Num)
            || matches!(self.lex(j), crate::lexicon::Lex::Num(_))
            || self.is_any(j, &["midi", "noon", "midday", "minuit", "midnight"]);
        if !hour_like {
            return None;
        }
        let (mut start, k) = self.window_start(j, i)?;
        let k2 = self.window_separator(k, intro)?;
        // "7-eleven": a word glued by a hyphen is a name, not an hour.
        if self.punct(k, '-') && self.tight(k2) && self.kind(k2) == Some(Kind::Word) {
            return None;
        }
        let (mut end, mut e) = self.window_end(k2, intro)?;
        let mut part = None;
        if let Some((p, e2)) = self.qualifier_at(e) {
            part = Some(p);
            e = e2;
        }
        // At least one end written as a time ("8 - 11pm", "de 14h à 16h",
        // "10 - 11 at night"), or words that make a window ("between 2 and
        // 4", "from 5 to 6") not followed by a noun ("between 2 and 4
        // options").
        let written = start.explicit || end.explicit || part.is_some();
        // "9-5 tomorrow", "friday 9-5": bare hours next to a day.
        // Not after a noun: "pages 10-20 tomorrow" counts pages.
        let next_to_a_day = (self.day(e).is_some() && (i == 0 || self.opens_sentence(i)))
            || (i > 0 && self.opens_sentence(i) && self.kind(i - 1) == Some(Kind::Word));
        if !written && ((intro == Intro::None && !next_to_a_day) || !self.window_may_end(e)) {
            return None;
        }
        let mut zone = None;
        if let Some((Some(z), e2)) = self.zone_at(e) {
            zone = Some(z);
            e = e2;
        }
        // "8 - 11pm": the start takes the end's half of the day, unless it
        // would come after the end ("11 - 1pm" is 11:00 to 13:00).
        if start.pm.is_none()
            && let Some(pm) = end.pm
            && (1..=12).contains(&start.hour)
        {
            start.pm = Some(if start.hour % 12 <= end.hour % 12 { pm } else { !pm });
        }
        if end.pm.is_none()
            && let Some(pm) = start.pm
            && (1..=12).contains(&end.hour)
            && !end.twenty_four_hour
        {
            end.pm = Some(if end.hour % 12 >= start.hour % 12 { pm } else { !pm });
        }
        // French "de 8 à 10h": the 24-hour clock for both ends.
        start.twenty_four_hour |= end.twenty_four_hour;
        end.twenty_four_hour |= start.twenty_four_hour;
        let first = start.finish(part)?;
        let last = end.finish(part)?;
        let end = ClockEnd {
            hour: last.hour,
            minute: last.minute,
            second: last.second,
            // French "de 8h à 10h", "ce soir de 8h à 10h": the end's hour
            // is the first after the start, 24-hour clock or not.
            fixed: last.fixed,
        };
        Some((
            Component::Clock(Clock {
                zone,
                end: Some(end),
                ..first
            }),
            e,
        ))
    }

    fn window_start(&self, j: usize, start: usize) -> Found<RawClock> {
        if self.digits(j) > 0 && self.digits(j) <= 2 && self.window_separator(j + 1, Intro::Between).is_some() {
            let hour = self.num(j)?;
            let raw = RawClock {
                hour,
                fixed: hour == 0 || hour > 12 || (self.digits(j) == 2 && hour < 10),
                ..RawClock::default()
            };
            return Some((raw, j + 1));
        }
        self.clock_core(j, true, start)
    }

    fn window_separator(&self, k: usize, intro: Intro) -> Option<usize> {
        if self.punct(k, '-') || self.punct(k, '–') {
            return Some(k + 1);
        }
        let words: &[&[&str]] = match intro {
            Intro::Between => &[&["and"], &["et"], &["&"]],
            Intro::From | Intro::None => &[
                &["to"],
                &["till"],
                &["til"],
                &["until"],
                &["through"],
                &["thru"],
                &["jusqu'", "a"],
                &["au"],
            ],
        };
        if let Some(e) = self.first_sequence(k, words) {
            return Some(e);
        }
        (intro != Intro::Between && self.fr() && self.is(k, "a")).then_some(k + 1)
    }

    fn window_end(&self, k: usize, intro: Intro) -> Found<RawClock> {
        // "9:15 AM to 08/29/2023": a range of days, read by the scan.
        if matches!(self.day(k), Some((Component::Day { .. }, _))) {
            return None;
        }
        if let Some(x) = self.clock_core(k, true, k) {
            return Some(x);
        }
        // "entre midi et deux": a spelled hour ends the window.
        let (hour, e) = match self.num(k) {
            Some(h) if self.digits(k) <= 2 => (h, k + 1),
            Some(_) => return None,
            None if intro == Intro::Between => self.spelled(k)?,
            None => return None,
        };
        if hour > 24 {
            return None;
        }
        Some((
            RawClock {
                hour,
                fixed: hour > 12,
                ..RawClock::default()
            },
            e,
        ))
    }

    /// A bare window ("from 5 to 6") ends before a noun ("between 2 and 4
    /// options" counts options).
    fn window_may_end(&self, e: usize) -> bool {
        match self.kind(e) {
            None | Some(Kind::Punct) => true,
            Some(Kind::Num) => false,
            Some(Kind::Word) => {
                self.qualifier_at(e).is_some()
                    || self.is_any(
                        e,
                        &[
                            "today", "tomorrow", "tonight", "demain", "ce", "cet", "cette", "this", "on", "le", "pm",
                            "am",
                        ],
                    )
                    || matches!(
                        self.lex(e),
                        crate::lexicon::Lex::Weekday(..) | crate::lexicon::Lex::Part(_)
                    )
            }
        }
    }

    fn qualifier_at(&self, e: usize) -> Found<Part> {
        self.clock_qualifier(e)
    }
}
