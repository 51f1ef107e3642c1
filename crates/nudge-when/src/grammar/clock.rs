//! Clock times: "14h30", "2:30pm", "midi et quart", "half past three",
//! "8h du soir".

use super::{Clock, Component, Found, Parser};
use crate::lexicon::zones::{REGION_WORDS, UNPLACED, ZONES};
use crate::lexicon::{Lex, Part, Unit, Zone};
use crate::token::Kind;
use crate::{Lang, WhenError};

impl Parser<'_> {
    /// "à 14h30", "at 2:30pm", "midi et quart", "quinze heures trente",
    /// "half past three", "8h du soir".
    pub(super) fn clock(&self, i: usize) -> Found<Component> {
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
        if let Some(k2) = self.first_sequence(k, SHARP) {
            k = k2;
        }
        // A window ("3:30-4:30pm", "14h à 16h", "5 to 6pm") or a year after
        // the clock ("Oct 26 11:00 2023"): refused rather than cut short.
        // "9am-10am" stays two clocks, a conflict.
        let window = raw.pm.is_none()
            && (self.punct(k, '-') || self.is_any(k, &["to", "till", "until", "au"]) || (self.fr() && self.is(k, "a")))
            && self.kind(k + 1) == Some(Kind::Num)
            // "10:00 to 01/01/2023 07:00": a range of days, read by the scan.
            && self.day(k + 1).is_none();
        // A year after the clock is left to the scan, which gives it to the
        // date before the clock or refuses it.
        if window {
            let e = k + 2;
            return Some((Component::Invalid(WhenError::Unsupported(self.phrase(i, e))), e));
        }
        // "5h16mp": letters glued to the clock; refused rather than guessed.
        if self.kind(k) == Some(Kind::Word) && self.tight(k) && self.lex(k) == Lex::Other {
            let e = k + 1;
            return Some((Component::Invalid(WhenError::InvalidTime(self.phrase(i, e))), e));
        }
        // "12h12:99": more than a clock; refused rather than cut short.
        if self.punct(k, ':') && self.tight(k) && self.tight(k + 1) && self.num(k + 1).is_some() {
            let e = k + 2;
            return Some((Component::Invalid(WhenError::InvalidTime(self.phrase(i, e))), e));
        }
        // "3pm EST", "noon Pacific", "10h heure de Paris": another zone than
        // the person's, converted by the resolver; a zone it cannot place
        // ("heure normale": of where?) is refused rather than ignored.
        let mut zone = None;
        if let Some((z, e)) = self.time_zone(k) {
            let Some(z) = z else {
                return Some((Component::Invalid(WhenError::Unsupported(self.phrase(i, e))), e));
            };
            zone = Some(z);
            k = e;
        }
        // An impossible value written as a time is an error ("à 25h", "13pm",
        // "14h75"), but "24h sur 24" or "48h" alone are durations, not times.
        let meant_as_time = strong || raw.pm.is_some() || (raw.explicit && raw.hour <= 23);
        match raw.finish(part) {
            Some(c) => Some((Component::Clock(Clock { zone, ..c }), k)),
            None if meant_as_time => {
                let e = WhenError::InvalidTime(self.phrase(i, k));
                Some((Component::Invalid(e), k))
            }
            None => None,
        }
    }

    /// "between 2 and 4 pm", "entre midi et deux": a window, not read yet;
    /// refused rather than read as one of its ends.
    pub(super) fn between(&self, i: usize) -> Found<Component> {
        if !self.is_any(i, &["between", "entre"]) {
            return None;
        }
        let first_end = self
            .clock_core(i + 1, true, i)
            .map(|(_, e)| e)
            .or_else(|| self.num(i + 1).map(|_| i + 2))?;
        let second = self.first_sequence(first_end, &[&["and"], &["et"], &["&"], &["-"]])?;
        let end = self
            .clock_core(second, true, i)
            .map(|(_, e)| e)
            .or_else(|| self.spelled(second).map(|(_, e)| e))
            .unwrap_or(second);
        Some((Component::Invalid(WhenError::Unsupported(self.phrase(i, end))), end))
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
        if let Some(j) = self.first_sequence(i, STRONG) {
            return (j, true);
        }
        if self.fr() && self.is(i, "a") {
            return (i + 1, true);
        }
        if let Some(j) = self.first_sequence(i, WEAK) {
            return (j, false);
        }
        (i, false)
    }

    pub(super) fn clock_core(&self, i: usize, strong: bool, start: usize) -> Found<RawClock> {
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
        // "845 am", "1230pm": hours and minutes run together before am/pm.
        if (3..=4).contains(&digits)
            && let Some((pm, e)) = self.meridiem(j)
            && hour % 100 < 60
        {
            let raw = RawClock {
                hour: hour / 100,
                minute: (hour % 100) as i32,
                has_minutes: true,
                explicit: true,
                pm: Some(pm),
                ..RawClock::default()
            };
            return Some((raw, e));
        }
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
            && (self.punct(j, ':')
                || (self.punct(j, '.')
                    && (strong
                        || self.meridiem(j + 2).is_some()
                        || (i > 0 && self.digits(i - 1) == 4)
                        || (i > 1 && self.digits(i - 1) == 2 && self.punct(i - 2, '.')))))
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
            // Seconds kept, their fraction dropped: "10:12:59", "13:11:23.678".
            if self.punct(j, ':')
                && self.tight(j)
                && self.tight(j + 1)
                && self.digits(j + 1) == 2
                && let Some(second) = self.num(j + 1).filter(|&s| s < 60)
            {
                raw.second = second;
                j += 2;
                if self.punct(j, '.') && self.tight(j) && self.tight(j + 1) && self.num(j + 1).is_some() {
                    j += 2;
                }
            }
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
        } else if let Some(k) = self.first_sequence(j, &[&["o'", "clock"], &["oclock"]]) {
            raw.explicit = true;
            written = true;
            j = k;
        } else if strong
            || (spelled
                && self.lang == Lang::En
                && self
                    .spelled(j)
                    .is_some_and(|(m, k)| (10..=59).contains(&m) && self.meridiem(k).is_some()))
        {
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
        // French writes the 24-hour clock: "6h", "à 6 heures", "6:30" are
        // 06:00 and 06:30 ("18h" is 18:00); a bare "à 6" keeps both readings.
        raw.twenty_four_hour = self.fr() && raw.explicit && raw.pm.is_none();
        // "6 in the morning", "11 tonight", "nine tonight" opening the
        // message: the part of the day makes the number a clock. Elsewhere
        // ("take 2 in the morning") it may count pills.
        const TONIGHT: &[&[&str]] = &[
            &["tonight"],
            &["tonite"],
            &["ce", "soir"],
            &["this", "evening"],
            &["this", "morning"],
            &["this", "afternoon"],
        ];
        if !written
            && !strong
            && (1..=12).contains(&hour)
            && digits <= 2
            && (self.clock_qualifier(j).is_some() || self.first_sequence(j, TONIGHT).is_some())
            && self.opens_sentence(start)
            && !(spelled && self.fr())
        {
            written = true;
        }
        if !written {
            // A bare number is a time only after "at"/"à" (French needs
            // "heures" for spelled ones), and not before a noun ("look at 2
            // options", "à 5 personnes", "il a 5 ans") unless it opens the
            // sentence ("at 5 call mom", "tomorrow at 9 call grandma").
            if !strong || (spelled && self.fr()) {
                return None;
            }
            // "at 6.5 kilograms", "at 10.1": a decimal, not a clock.
            if (self.punct(j, '.') || self.punct(j, ','))
                && self.tight(j)
                && self.tight(j + 1)
                && self.num(j + 1).is_some()
            {
                return None;
            }
            // "after 4 days" is a duration, not a clock followed by a noun.
            let noun_follows = self.kind(j) == Some(Kind::Word) && !matches!(self.lex(j), Lex::Unit(_));
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
        if let Some(k) = self.sequence(j, &["et", "quart"]) {
            return (15, true, k);
        }
        if let Some(k) = self.first_sequence(j, &[&["et", "demie"], &["et", "demi"]]) {
            return (30, true, k);
        }
        if let Some(k) = self.first_sequence(j, &[&["moins", "le", "quart"], &["moins", "quart"]]) {
            return (-15, true, k);
        }
        let (sign, k) = match self.sequence(j, &["moins"]) {
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
            (
                m,
                self.first_sequence(i + 1, &[&["minutes"], &["minute"], &["mins"], &["min"]])?,
            )
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

    /// A time zone named after a clock: "EST", "UTC", "Pacific time", "heure
    /// de Paris", "GMT+2", "UTC -08:45" (the table is
    /// [`crate::lexicon::zones`]). `None` for a zone that cannot be placed.
    pub(super) fn zone_at(&self, j: usize) -> Found<Option<Zone>> {
        self.time_zone(j)
    }

    fn time_zone(&self, j: usize) -> Found<Option<Zone>> {
        let j = if self.punct(j, '(') { j + 1 } else { j };
        // "GMT+2", "UTC-5", "GMT+0900", "UTC -08:45".
        if self.is_any(j, &["gmt", "utc"])
            && (self.punct(j + 1, '+') || self.punct(j + 1, '-'))
            && let Some(n) = self.num(j + 2)
        {
            let sign = if self.punct(j + 1, '-') { -1 } else { 1 };
            let (hours, mut minutes, mut e) = match self.digits(j + 2) {
                1 | 2 => (n, 0, j + 3),
                4 => (n / 100, n % 100, j + 3),
                _ => return None,
            };
            if self.punct(e, ':') && self.digits(e + 1) == 2 {
                minutes = self.num(e + 1).unwrap_or(0);
                e += 2;
            }
            if hours > 14 || minutes > 59 {
                return Some((None, e));
            }
            let offset = sign * i32::try_from(hours * 3600 + minutes * 60).ok()?;
            return Some((Some(Zone::Offset(offset)), e));
        }
        if let Some(e) = self.first_sequence(j, UNPLACED) {
            return Some((None, e));
        }
        for &(words, tz) in ZONES {
            // "et", "est" are French words ("and", "is"): zones in English
            // only; "cet" ("this") is the zone only before no other word
            // ("15h CET", not "15h cet après-midi").
            if self.fr()
                && (matches!(words, ["et"] | ["est"]) || (words == ["cet"] && self.kind(j + 1) == Some(Kind::Word)))
            {
                continue;
            }
            if let Some(e) = self.sequence(j, words) {
                let timed = self.first_sequence(e, &[&["time"], &["standard", "time"]]);
                let ends = self.kind(e).is_none() || matches!(self.word(e), "." | "," | "!" | "?" | ";" | ")");
                if REGION_WORDS.contains(&self.word(j)) && timed.is_none() && !ends {
                    return None;
                }
                let e = timed.unwrap_or(e);
                let e = if self.punct(e, ')') && self.punct(j - 1, '(') {
                    e + 1
                } else {
                    e
                };
                return Some((Some(Zone::Named(tz)), e));
            }
        }
        None
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
            if let Some(k) = self.sequence(j, &[letter, ".", "m"]) {
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
    pub(super) fn clock_qualifier(&self, j: usize) -> Found<Part> {
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
        QUALIFIERS
            .iter()
            .find_map(|&(ws, p)| self.sequence(j, ws).map(|k| (p, k)))
    }

    /// Whether token `i` starts the message or follows punctuation or a day
    /// word ("tomorrow at 9 call grandma").
    pub(super) fn opens_sentence(&self, i: usize) -> bool {
        const DAYS: &[&str] = &[
            "today",
            "tomorrow",
            "tmrw",
            "tmr",
            "tmw",
            "2moro",
            "2day",
            "2nite",
            "dem",
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
            "tomorrow", "tmrw", "tmr", "tmw", "2moro", "2day", "2nite", "dem", "today", "tonight", "tonite", "demain",
            "aujourd'", "auj", "ce", "cet", "cette", "this", "next", "on", "le", "la", "les", "l'", "du", "de", "d'",
            "des", "in", "dans", "pour", "for", "to", "and", "et", "then", "puis", "pis", "please", "pls", "svp",
            "stp", "merci", "thanks", "avec", "with", "every", "each", "tous", "toutes", "chaque", "so", "que", "qu'",
            "because", "car", "parce", "if", "si", "a", "at", "apres", "after", "sharp", "pile", "precises", "tapant",
            "jusqu'", "until", "remind", "rappelle",
        ];
        match self.kind(j) {
            None => true,
            Some(Kind::Punct) => matches!(self.word(j), "." | "," | "!" | "?" | ";" | ")"),
            Some(Kind::Num) => false,
            Some(Kind::Word) => match self.lex(j) {
                Lex::Weekday(..) | Lex::Month(_) | Lex::Part(_) => true,
                Lex::Other => self.is_any(j, FOLLOW),
                Lex::Num(_) | Lex::Unit(_) => false,
            },
        }
    }
}

/// A clock before its validation.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RawClock {
    pub(super) hour: u32,
    /// Minutes after (or, with "moins", before) the hour.
    pub(super) minute: i32,
    pub(super) pm: Option<bool>,
    pub(super) fixed: bool,
    /// French "6h", "6 heures", "6:30": the 24-hour clock.
    pub(super) twenty_four_hour: bool,
    pub(super) has_minutes: bool,
    pub(super) second: u32,
    pub(super) after_midnight: bool,
    /// Written unmistakably as a time ("h", ":", am/pm), so an impossible
    /// value is an error rather than "not a time".
    pub(super) explicit: bool,
}

impl RawClock {
    pub(super) fn finish(self, part: Option<Part>) -> Option<Clock> {
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
            twenty_four_hour: self.twenty_four_hour,
            has_minutes: self.has_minutes,
            second: self.second,
            after_midnight: self.after_midnight && self.minute >= 0,
            part,
            zone: None,
            end: None,
        })
    }
}
