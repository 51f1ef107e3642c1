//! Numbers and durations: "20 minutes", "une heure et demie", "in 2 hours",
//! and the vague words that name no time ("later", "bientôt").

use super::{Component, DaySpec, Found, Parser, RelativeDuration, WeekdayRule};
use crate::lexicon::{Lex, Unit};
use crate::token::Kind;
use crate::{Grain, Lang, WhenError};

impl Parser<'_> {
    /// A spelled cardinal: "quinze", "vingt-cinq", "vingt et un", "dix-sept",
    /// "forty five".
    pub(super) fn spelled(&self, i: usize) -> Found<u32> {
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
    pub(super) fn amount(&self, i: usize) -> Found<f64> {
        if let Some(n) = self.num(i) {
            if self.digits(i) > 6 {
                return None;
            }
            if (self.punct(i + 1, '.') || self.punct(i + 1, ','))
                && self.tight(i + 1)
                && self.tight(i + 2)
                && (1..=2).contains(&self.digits(i + 2))
                && let Some(d) = self.num(i + 2)
            {
                let scale = if self.digits(i + 2) == 1 { 10.0 } else { 100.0 };
                return Some((f64::from(n) + f64::from(d) / scale, i + 3));
            }
            return Some((f64::from(n), i + 1));
        }
        if let Some((n, j)) = self.spelled(i) {
            return Some((f64::from(n), j));
        }
        if self.lang == Lang::En {
            if let Some(j) = self.first_sequence(i, &[&["a", "couple", "of"], &["a", "couple"], &["couple", "of"]]) {
                return Some((2.0, j));
            }
            if self.is_any(i, &["a", "an"]) {
                return Some((1.0, i + 1));
            }
        }
        None
    }

    pub(super) fn unit(&self, i: usize) -> Found<Unit> {
        // "1mon ago", "in 3mons": months, glued to the number.
        let after_in = i >= 2 && self.is(i - 2, "in");
        if self.lang == Lang::En
            && self.is_any(i, &["mon", "mons"])
            && (self.tight(i) || after_in)
            && self.num(i - 1).is_some()
        {
            return Some((Unit::Month, i + 1));
        }
        let Lex::Unit(u) = self.lex(i) else {
            return None;
        };
        // One-letter units ("5m", "30s", "3j") must touch the number; "h"
        // may stand apart ("2 h").
        let w = self.word(i);
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
            (&["half", "an", "hr"], 30.0, Unit::Minute),
            (&["half", "hr"], 30.0, Unit::Minute),
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
            if let Some(j) = self.sequence(i, ws) {
                return Some((n, u, j));
            }
        }
        let (mut n, j) = self.amount(i)?;
        // "one and a half hours"
        let j = match self.sequence(j, &["and", "a", "half"]) {
            Some(k) if self.unit(k).is_some() => {
                n += 0.5;
                k
            }
            _ => j,
        };
        // "a decade", "2 decades": ten years each.
        if self.is_any(j, &["decade", "decades", "decennie", "decennies"]) {
            return Some((n * 10.0, Unit::Year, j + 1));
        }
        let (mut unit, mut k) = self.unit(j)?;
        // "une heure et demie", "an hour and a half", "une heure et quart"
        if let Some(k2) = self.first_sequence(
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
        } else if let Some(k2) = self.first_sequence(k, &[&["et", "quart"], &["and", "a", "quarter"]]) {
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
    fn duration(&self, i: usize) -> Found<Result<RelativeDuration, WhenError>> {
        let mut acc = DurationSum::default();
        let mut last: Option<Unit> = None;
        // A decade ranks above years: "1 decade 12 years", "1 decade +2 years".
        let mut after_decade = false;
        let mut j = i;
        loop {
            // "+" joins terms unless the duration is counted back ("-1
            // decade +2 years" is refused rather than misread).
            let minus = i > 0 && self.punct(i - 1, '-');
            let k = if last.is_some() {
                self.first_sequence(j, &[&[",", "and"], &[",", "et"], &["and"], &["et"], &[","]])
                    .or_else(|| (!minus && self.punct(j, '+')).then_some(j + 1))
                    .unwrap_or(j)
            } else {
                j
            };
            let Some((n, unit, k2)) = self.duration_term(k) else {
                break;
            };
            let decade = k2 > 0 && self.is_any(k2 - 1, &["decade", "decades", "decennie", "decennies"]);
            // "2 hours 3 hours": units out of order are refused rather than
            // the second term dropped.
            let in_order = match last {
                None => true,
                Some(l) => unit < l || (after_decade && !decade && unit == Unit::Year),
            };
            if !in_order {
                return Some((Err(WhenError::Unsupported(self.phrase(i, k2))), k2));
            }
            after_decade = decade;
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
    pub(super) fn relative(&self, i: usize) -> Found<Component> {
        const INTRO: &[&[&str]] = &[
            &["in", "about", "~"],
            &["in", "~"],
            &["within", "about"],
            &["within", "around"],
            &["in", "about"],
            &["in", "around"],
            &["in", "approximately"],
            &["in", "roughly"],
            &["in"],
            &["within"],
            &["after"],
            &["dans", "environ"],
            &["dans", "a", "peu", "pres"],
            &["dans"],
            &["ds"],
            &["d'", "ici", "environ"],
            &["d'", "ici"],
        ];
        const FROM_NOW: &[&[&str]] = &[
            &["from", "now"],
            &["from", "today"],
            &["hence"],
            &["out"],
            &["'", "time"],
            &["time"],
            &["later"],
            &["plus", "tard"],
            &["a", "partir", "de", "maintenant"],
        ];
        const OFFSET_FROM_A_DAY: &[&[&str]] = &[&["after"], &["before"], &["apres"], &["avant"]];
        // French "en 2 heures" opening the message: within two hours, read
        // as "dans" ("livraison en 48h" describes a delivery).
        let opens = i == 0 || self.kind(i - 1) == Some(Kind::Punct);
        let intro = self
            .first_sequence(i, INTRO)
            .or_else(|| (self.fr() && opens && self.is(i, "en")).then_some(i + 1));
        // "in 20", "dans 10": minutes, the unit people leave out.
        if let Some(j) = intro
            && self.is_any(i, &["in", "dans", "ds"])
            && self.duration(j).is_none()
            && let Some(n) = self.num(j).filter(|n| (5..=120).contains(n) && self.digits(j) <= 3)
            && !self.punct(j + 1, ':')
            && !(self.punct(j + 1, '.') && self.tight(j + 1))
            && (self.kind(j + 1).is_none()
                || matches!(self.word(j + 1), "." | "," | "!" | "?" | ";")
                || self.is_any(j + 1, &["pls", "please", "svp", "stp", "thx", "merci"]))
        {
            let secs = i64::from(n) * 60;
            return Some((
                Component::Relative(RelativeDuration::Exact {
                    secs,
                    grain: Grain::Minute,
                }),
                j + 1,
            ));
        }
        let (duration, mut j) = self.duration(intro.unwrap_or(i))?;
        // "2 days after next friday", "+10 days": an offset from another day,
        // not from now; refused rather than half read.
        // "+15 minutes" opening the message or "now + 2 hours" count from now.
        let from_now =
            i > 0 && self.punct(i - 1, '+') && (i == 1 || (i >= 2 && self.is_any(i - 2, &["now", "maintenant"])));
        if from_now && self.first_sequence(j, OFFSET_FROM_A_DAY).is_none() {
            return Some((duration.map_or_else(Component::Invalid, Component::Relative), j));
        }
        // "-2 hours" opening the message, "now - 30 minutes": counted back.
        let minus_now =
            i > 0 && self.punct(i - 1, '-') && (i == 1 || (i >= 2 && self.is_any(i - 2, &["now", "maintenant"])));
        if minus_now && self.first_sequence(j, OFFSET_FROM_A_DAY).is_none() {
            return Some((
                duration
                    .map(RelativeDuration::back)
                    .map_or_else(Component::Invalid, Component::Relative),
                j,
            ));
        }
        let signed = i > 0 && (self.punct(i - 1, '+') || self.punct(i - 1, '-'));
        if intro.is_none() && (signed || self.first_sequence(j, OFFSET_FROM_A_DAY).is_some()) {
            let after_day = self.first_sequence(j, OFFSET_FROM_A_DAY);
            let e = after_day.unwrap_or(j);
            let back = self.is_any(j, &["before", "avant"]) || (signed && self.punct(i - 1, '-'));
            let duration = if back {
                duration.map(RelativeDuration::back)
            } else {
                duration
            };
            let calendar = matches!(duration, Ok(RelativeDuration::Calendar { secs: 0, .. }));
            // "2 days after next friday", "a week before yesterday": from
            // that day; "next tuesday +10 days", "2023-12-29 -10days": from
            // the day before it.
            let day_after = after_day.is_some() && self.day(e).is_some();
            let day_before = signed && i >= 2 && self.sequence_ends_a_day(i - 1);
            if calendar && (day_after || day_before) {
                return Some((duration.map_or_else(Component::Invalid, Component::Offset), e));
            }
            // "4 days before", "15 minutes before" ending the message: ago.
            if back && !signed && self.kind(e).is_none() {
                return Some((duration.map_or_else(Component::Invalid, Component::Relative), e));
            }
            return Some((Component::Invalid(WhenError::Unsupported(self.phrase(i, e))), e));
        }
        if let Some(k) = self.first_sequence(j, FROM_NOW) {
            j = k;
        } else if intro.is_none() {
            return None;
        }
        Some((duration.map_or_else(Component::Invalid, Component::Relative), j))
    }

    /// French "les 24 heures passées", "les huit dernières minutes" (that
    /// long ago), "les 90 secondes suivantes", "les trois prochaines
    /// semaines" (that long from now).
    pub(super) fn the_last_or_next(&self, i: usize) -> Found<Component> {
        const BACK: &[&str] = &[
            "passees",
            "passes",
            "precedentes",
            "precedents",
            "dernieres",
            "derniers",
        ];
        const AHEAD: &[&str] = &["suivantes", "suivants", "prochaines", "prochains", "a", "venir"];
        if !self.fr() || !self.is(i, "les") {
            return None;
        }
        // "les huit dernières minutes": the adjective before the unit.
        if let Some((n, j)) = self.amount(i + 1)
            && self.is_any(j, &["dernieres", "derniers", "prochaines", "prochains"])
            && let Some((unit, e)) = self.unit(j + 1)
        {
            let mut sum = DurationSum::default();
            sum.add(n, unit);
            let d = sum.finish(|| self.phrase(i, e));
            let back = self.is_any(j, &["dernieres", "derniers"]);
            let d = if back { d.map(RelativeDuration::back) } else { d };
            return Some((d.map_or_else(Component::Invalid, Component::Relative), e));
        }
        let (d, j) = self.duration(i + 1)?;
        let (back, e) = if self.is_any(j, BACK) {
            (true, j + 1)
        } else if let Some(e) = self.first_sequence(j, &[&["a", "venir"]]) {
            (false, e)
        } else if self.is_any(j, AHEAD) {
            (false, j + 1)
        } else {
            return None;
        };
        let d = if back { d.map(RelativeDuration::back) } else { d };
        Some((d.map_or_else(Component::Invalid, Component::Relative), e))
    }

    /// Whether a day expression ends right before token `end` ("next tuesday"
    /// before "+10 days").
    fn sequence_ends_a_day(&self, end: usize) -> bool {
        (end.saturating_sub(6)..end).any(|start| self.day(start).is_some_and(|(_, e)| e == end))
    }

    /// A time in the past, read to the time it means ("2 hours ago", "il y a
    /// 3 jours", "last friday", "vendredi dernier"; refusing a past time is
    /// the caller's job). "la veille" (the day before some other day) and
    /// "moins de 21h" stay refused.
    pub(super) fn past(&self, i: usize) -> Found<Component> {
        const AGO_BEFORE: &[&[&str]] = &[&["il", "y", "a"], &["il", "ya"], &["y", "a"], &["ya"]];
        const ABOUT: &[&[&str]] = &[&["environ"], &["about"], &["around"], &["a", "peu", "pres"]];
        const AGO_AFTER: &[&[&str]] = &[&["ago"], &["back"], &["earlier"], &["plus", "tot"]];
        const LAST_BEFORE: &[&[&str]] = &[&["last"], &["past"], &["previous"]];
        const LAST_AFTER: &[&[&str]] = &[
            &["dernier"],
            &["derniere"],
            &["passe"],
            &["passee"],
            &["precedent"],
            &["d'", "avant"],
        ];
        let refused = |end: usize| Some((Component::Invalid(WhenError::Unsupported(self.phrase(i, end))), end));
        let relative = |d: Result<RelativeDuration, WhenError>, end: usize| {
            Some((
                d.map(RelativeDuration::back)
                    .map_or_else(Component::Invalid, Component::Relative),
                end,
            ))
        };
        if let Some(e) = self.first_sequence(i, &[&["la", "veille"]]) {
            return refused(e);
        }
        if let Some(j) = self.first_sequence(i, AGO_BEFORE) {
            let j = self.first_sequence(j, ABOUT).unwrap_or(j);
            if let Some((d, e)) = self.duration(j) {
                return relative(d, e);
            }
        }
        // "moins de 21h": less than 21 hours ago, or before 21:00.
        if let Some(j) = self.sequence(i, &["moins", "de"])
            && let Some(e) = self
                .duration(j)
                .map(|(_, e)| e)
                .or_else(|| self.clock(j).map(|(_, e)| e))
        {
            return refused(e);
        }
        let j = self.first_sequence(i, ABOUT).unwrap_or(i);
        if let Some((d, k)) = self.duration(j)
            && let Some(e) = self.first_sequence(k, AGO_AFTER)
        {
            return relative(d, e);
        }
        let last = |weekday, e| {
            let day = DaySpec::Weekday {
                weekday,
                rule: WeekdayRule::Last,
            };
            let (part, e) = match self.part_after_day(e) {
                Some((p, e)) => (Some(p), e),
                None => (None, e),
            };
            Some((
                Component::Day {
                    day,
                    part,
                    start: false,
                },
                e,
            ))
        };
        if let Some(j) = self.first_sequence(i, LAST_BEFORE)
            && let Some((weekday, _, e)) = self.any_weekday(j)
        {
            return last(weekday, e);
        }
        if let Some((weekday, form, j)) = self.any_weekday(i)
            && form != crate::lexicon::Form::Plural
            && let Some(e) = self.first_sequence(j, LAST_AFTER)
        {
            return last(weekday, e);
        }
        None
    }

    /// "next decade", "last decade": ten years from now, or ago.
    pub(super) fn decade(&self, i: usize) -> Found<Component> {
        let e = self.first_sequence(i, &[&["next", "decade"], &["last", "decade"], &["past", "decade"]])?;
        let ten_years = RelativeDuration::Calendar {
            months: 120,
            days: 0,
            secs: 0,
            grain: Grain::Year,
            back: !self.is(i, "next"),
        };
        Some((Component::Relative(ten_years), e))
    }

    /// "now", "asap", "right away", "maintenant", "tout de suite": the
    /// current time ("now + 2 hours" is left to [`Parser::relative`]).
    pub(super) fn now(&self, i: usize) -> Found<Component> {
        const NOW: &[&[&str]] = &[
            &["right", "now"],
            &["just", "now"],
            &["now"],
            &["asap"],
            &["as", "soon", "as", "possible"],
            &["right", "away"],
            &["immediately"],
            &["maintenant"],
            &["tout", "de", "suite"],
            &["tt", "de", "suite"],
            &["immediatement"],
            &["des", "que", "possible"],
            &["au", "plus", "vite"],
            &["au", "plus", "tot"],
        ];
        let e = self.first_sequence(i, NOW)?;
        if self.punct(e, '+') || self.punct(e, '-') || (i > 0 && self.is_any(i - 1, &["from", "de", "til", "until"])) {
            return None;
        }
        // "now" alone only ends the message ("call him now"): "now that's
        // funny", "now and then" are no time.
        let ends = self.kind(e).is_none()
            || matches!(self.word(e), "." | "," | "!" | "?" | ";")
            || self.is_any(e, &["pls", "please", "plz", "svp", "stp", "merci", "thx", "thanks"]);
        if e == i + 1 && self.is_any(i, &["now", "maintenant"]) && !ends {
            return None;
        }
        let now = RelativeDuration::Exact {
            secs: 0,
            grain: Grain::Minute,
        };
        Some((Component::Relative(now), e))
    }

    /// Words that name no time: reported rather than guessed.
    pub(super) fn vague(&self, i: usize) -> Found<Component> {
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
        if let Some(j) = self.first_sequence(i, VAGUE) {
            return Some((Component::Vague, j));
        }
        if let Some(j) = self.sequence(i, &["this", "week"])
            && !self.is_any(j, &["end", "ends"])
        {
            return Some((Component::Vague, j));
        }
        // "in a few minutes", "dans quelques heures"
        let j = self.first_sequence(
            i,
            &[
                &["in", "a", "few"],
                &["in", "few"],
                &["dans", "quelques"],
                &["d'", "ici", "quelques"],
            ],
        )?;
        let (_, k) = self.unit(j)?;
        Some((Component::Vague, k))
    }

    /// "before noon", "avant vendredi": how long before is unknown, so it is
    /// reported instead of scheduled at the deadline.
    pub(super) fn before(&self, i: usize) -> Found<Component> {
        if !self.is_any(i, &["before", "avant"]) || self.is_any(i + 1, &["midi", "hier", "yesterday"]) {
            return None;
        }
        let j = self
            .first_sequence(i + 1, &[&["le"], &["la"], &["de"]])
            .unwrap_or(i + 1);
        let (_, e) = self.day(j).or_else(|| self.clock(j))?;
        Some((Component::Invalid(WhenError::Unsupported(self.phrase(i, e))), e))
    }
}

/// Accumulates the terms of a duration ("1 hour and 30 minutes").
#[derive(Default)]
struct DurationSum {
    secs: f64,
    /// The hours, minutes and seconds alone.
    sub_day_secs: f64,
    months: u32,
    days: u32,
    sub_day: bool,
    fractional_days: bool,
    fractional_months: bool,
    grain: Option<Grain>,
}

impl DurationSum {
    fn add(&mut self, n: f64, unit: Unit) {
        let whole = n.fract() == 0.0;
        let grain = if whole { unit.grain() } else { unit.finer_grain() };
        self.grain = Some(self.grain.map_or(grain, |g| g.min(grain)));
        match unit {
            Unit::Second | Unit::Minute | Unit::Hour => {
                self.sub_day = true;
                self.sub_day_secs += n * unit.seconds().unwrap_or(0.0);
            }
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
    fn finish(self, phrase: impl FnOnce() -> String) -> Result<RelativeDuration, WhenError> {
        let grain = self.grain.unwrap_or(Grain::Second);
        if self.months > 0 || self.fractional_months {
            // Months with hours ("in 1 year, 1 month, 1 day and 2 hours"): the
            // calendar part, then the exact one.
            if self.fractional_days || self.fractional_months {
                return Err(WhenError::Unsupported(phrase()));
            }
            return Ok(RelativeDuration::Calendar {
                months: self.months,
                days: self.days,
                secs: self.sub_day_secs.round() as i64,
                grain,
                back: false,
            });
        }
        if self.sub_day || self.fractional_days {
            // Rounding to whole seconds: the amounts have at most one decimal.
            return Ok(RelativeDuration::Exact {
                secs: self.secs.round() as i64,
                grain,
            });
        }
        Ok(RelativeDuration::Calendar {
            months: 0,
            days: self.days,
            secs: 0,
            grain,
            back: false,
        })
    }
}
