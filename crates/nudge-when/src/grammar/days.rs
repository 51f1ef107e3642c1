//! Days: "demain", "lundi prochain", "this weekend", "next week", "en mars",
//! with an optional part of the day after them.

use super::component::{Glue, MonthPhrase};
use super::{Component, DaySpec, Found, Parser, WeekdayRule};
use crate::Lang;
use crate::lexicon::{Form, Lex, Part, Shade};
use crate::token::Kind;
use chrono::Weekday;

/// Words after a weekday that put it weeks later; one line per phrasing.
const WEEKS_AFTER: &[(&[&str], u32)] = &[
    (&["en", "huit"], 1),
    (&["en", "quinze"], 2),
    (&["after", "next"], 1),
    (&["week", "after", "next"], 1),
    (&["de", "la", "semaine", "d'", "apres"], 1),
];

impl Parser<'_> {
    /// A day: "demain", "lundi prochain", "le 5 mars", "this weekend",
    /// "tonight", "next week", with an optional part of the day after it.
    pub(super) fn day(&self, i: usize) -> Found<Component> {
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
        let (j, start) = match self.first_sequence(i, START) {
            Some(j) => (j, true),
            None => (i, false),
        };
        // "early tomorrow", "tôt demain matin", "late tomorrow afternoon";
        // "late tomorrow" says no time, so "late" is left out of it.
        if let Some((shade, j2)) = self.shade_before(j)
            && let Some((day, part, k)) = self.day_with_part(j2, start)
        {
            let part = match (part, shade) {
                (Some(p), _) => Some(p.shaded(shade)),
                (None, Shade::Early) => Some(Part::EarlyMorning),
                (None, Shade::Late) => None,
            };
            if part.is_some() {
                return Some((Component::Day { day, part, start }, k));
            }
        }
        let (day, part, k) = self.day_with_part(j, start)?;
        Some((Component::Day { day, part, start }, k))
    }

    /// A day and the part of the day written after it, if any ("demain
    /// matin", "ce soir tard", "tomorrow late afternoon").
    fn day_with_part(&self, j: usize, start: bool) -> Option<(DaySpec, Option<Part>, usize)> {
        let (day, part, k) = self.day_core(j, start)?;
        Some(match part {
            Some(p) => {
                let (p, k) = self.shade_after(p, k);
                (day, Some(p), k)
            }
            None => match self.part_after_day(k) {
                Some((p, k)) => (day, Some(p), k),
                None => (day, None, k),
            },
        })
    }

    fn day_core(&self, j: usize, start: bool) -> Option<(DaySpec, Option<Part>, usize)> {
        const TODAY_PARTS: &[(&[&str], Part)] = &[
            (&["tonight"], Part::Night),
            (&["tonite"], Part::Night),
            (&["c", "soir"], Part::Night),
            (&["se", "soir"], Part::Night),
            (&["ce", "soire"], Part::Night),
            (&["c", "matin"], Part::Morning),
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
        const YESTERDAY_PARTS: &[(&[&str], Part)] =
            &[(&["last", "night"], Part::Night), (&["hier", "soir"], Part::Night)];
        const BEFORE_YESTERDAY: &[&[&str]] = &[
            &["avant", "hier"],
            &["avanthier"],
            &["the", "day", "before", "yesterday"],
            &["day", "before", "yesterday"],
        ];
        const YESTERDAY: &[&[&str]] = &[&["hier"], &["yesterday"], &["yday"], &["yest"], &["yesterdy"]];
        const AFTER_TOMORROW: &[&[&str]] = &[
            &["apres", "demain"],
            &["apresdemain"],
            &["the", "day", "after", "tomorrow"],
            &["day", "after", "tomorrow"],
            &["overmorrow"],
            &["le", "surlendemain"],
            &["surlendemain"],
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
            &["tmw"],
            &["tmro"],
            &["tmoro"],
            &["tomoz"],
            &["dem"],
            &["dmain"],
            &["dmn"],
            &["dm1"],
            &["demin"],
        ];
        const TODAY: &[&[&str]] = &[
            &["aujourd'", "hui"],
            &["aujourd", "hui"],
            &["aujourdhui"],
            &["auj"],
            &["ajd"],
            &["ojd"],
            &["today"],
            &["tdy"],
            &["tday"],
        ];
        let (k, glue) = self.day_glue(j, start);
        // SMS spellings glued to a "2": "2moro", "2day", "2nite".
        if self.num(k) == Some(2) && self.digits(k) == 1 && self.tight(k + 1) {
            const GLUED: &[(&str, DaySpec, Option<Part>)] = &[
                ("moro", DaySpec::Tomorrow, None),
                ("morro", DaySpec::Tomorrow, None),
                ("morrow", DaySpec::Tomorrow, None),
                ("mrw", DaySpec::Tomorrow, None),
                ("mrow", DaySpec::Tomorrow, None),
                ("day", DaySpec::Today, None),
                ("nite", DaySpec::Today, Some(Part::Night)),
                ("night", DaySpec::Today, Some(Part::Night)),
            ];
            if let Some(&(_, spec, part)) = GLUED.iter().find(|(w, ..)| self.is(k + 1, w)) {
                return Some((spec, part, k + 2));
            }
        }
        for &(ws, p) in TODAY_PARTS {
            if let Some(e) = self.sequence(k, ws) {
                return Some((DaySpec::Today, Some(p), e));
            }
        }
        for &(ws, p) in YESTERDAY_PARTS {
            if let Some(e) = self.sequence(k, ws) {
                return Some((DaySpec::Yesterday, Some(p), e));
            }
        }
        for (alts, spec) in [
            (BEFORE_YESTERDAY, DaySpec::BeforeYesterday),
            (YESTERDAY, DaySpec::Yesterday),
            (AFTER_TOMORROW, DaySpec::AfterTomorrow),
            (TOMORROW, DaySpec::Tomorrow),
            (TODAY, DaySpec::Today),
        ] {
            if let Some(e) = self.first_sequence(k, alts) {
                return Some((spec, None, e));
            }
        }
        if let Some((nth, weekday, MonthPhrase::The, e)) = self.nth_weekday(k) {
            return Some((DaySpec::NthWeekday { nth, weekday }, None, e));
        }
        let (spec, e) = self
            .weekend(k)
            .or_else(|| self.next_period(k))
            .or_else(|| self.month_only(k))
            .or_else(|| self.month_alone(k))
            .or_else(|| self.counted_weekday(k))
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
        if let Some(k) = self.first_sequence(j, the) {
            return (k, Glue::The);
        }
        if start && self.is(j, "du") {
            return (j + 1, Glue::The);
        }
        if let Some(k) = self.first_sequence(j, other) {
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
        NEXT.iter()
            .find_map(|&(ws, spec)| self.sequence(k, ws).map(|e| (spec, e)))
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
        let (j, mut next) = if let Some(j) = self.first_sequence(k, THIS) {
            (j, false)
        } else if self.is(k, "next") {
            (k + 1, true)
        } else {
            (k, false)
        };
        let mut j = self.first_sequence(j, WEEKEND)?;
        if let Some(e) = self.first_sequence(j, &[&["prochain"], &["prochaine"]]) {
            next = true;
            j = e;
        } else if let Some(e) = self.sequence(j, &["qui", "vient"]) {
            j = e;
        }
        Some((DaySpec::Weekend { next }, j))
    }

    /// "en mars", "in May", "au mois d'août".
    fn month_only(&self, k: usize) -> Found<DaySpec> {
        let j = self.first_sequence(
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

    /// A month name that is the whole message ("May", "Septembre."): its
    /// first day. Elsewhere "may" and "march" are words.
    fn month_alone(&self, k: usize) -> Found<DaySpec> {
        let Lex::Month(m) = self.lex(k) else {
            return None;
        };
        // "mar", "jan": abbreviations alone are words.
        const ABBREVIATIONS: &[&str] = &[
            "jan", "janv", "feb", "fev", "fevr", "mar", "apr", "avr", "jun", "jul", "juil", "aug", "sep", "sept",
            "oct", "nov", "dec",
        ];
        if self.is_any(k, ABBREVIATIONS) {
            return None;
        }
        let alone = (0..k).all(|x| self.kind(x) == Some(Kind::Punct))
            && (k + 1..self.tokens.len()).all(|x| self.kind(x) == Some(Kind::Punct));
        alone.then_some((DaySpec::Month(m), k + 1))
    }

    pub(super) fn any_weekday(&self, k: usize) -> Option<(Weekday, Form, usize)> {
        let Lex::Weekday(weekday, form) = self.lex(k) else {
            return None;
        };
        let e = if form == Form::Abbr && self.punct(k + 1, '.') {
            k + 2
        } else {
            k + 1
        };
        Some((weekday, form, e))
    }

    /// "the second monday of march", "le 2e mardi d'avril": not read yet;
    /// refused rather than read as the coming weekday.
    pub(super) fn nth_weekday_of_a_named_month(&self, i: usize) -> Found<Component> {
        let k = self.first_sequence(i, &[&["the"], &["le"], &["la"]]).unwrap_or(i);
        let Some((_, _, MonthPhrase::None, e)) = self.nth_weekday(k) else {
            return None;
        };
        let m = self.first_sequence(e, &[&["of"], &["in"], &["de"], &["d'"], &["en"]])?;
        if !matches!(self.lex(m), Lex::Month(_)) {
            return None;
        }
        Some((
            Component::Invalid(crate::WhenError::Unsupported(self.phrase(i, m + 1))),
            m + 1,
        ))
    }

    /// "2 mondays from now", "in 3 fridays": the nth coming such weekday.
    fn counted_weekday(&self, k: usize) -> Found<DaySpec> {
        let k = self.first_sequence(k, &[&["in"], &["dans"]]).unwrap_or(k);
        let (count, j) = self.amount(k)?;
        let (weekday, form, e) = self.any_weekday(j)?;
        if form == Form::Abbr || count.fract() != 0.0 || !(1.0..=52.0).contains(&count) {
            return None;
        }
        let e = self.first_sequence(
            e,
            &[
                &["from", "now"],
                &["from", "today"],
                &["a", "partir", "d'", "aujourd'", "hui"],
            ],
        )?;
        // Truncation is exact: `count` is whole and at most 52.
        let weeks = count as u32 - 1;
        Some((
            DaySpec::Weekday {
                weekday,
                rule: WeekdayRule::WeeksAfter(weeks),
            },
            e,
        ))
    }

    /// "lundi", "next friday", "ce mardi", "lundi prochain", "lundi qui
    /// vient", "lundi en huit", "lundi 9 mars", "monday the 9th".
    fn weekday(&self, k: usize, glue: Glue) -> Found<DaySpec> {
        let (k, pre) = if let Some(e) = self.first_sequence(k, &[&["this", "coming"], &["this"], &["coming"], &["ce"]])
        {
            (e, Some(WeekdayRule::This))
        } else if self.is(k, "next") {
            (k + 1, Some(WeekdayRule::Nearest))
        } else {
            (k, None)
        };
        let (weekday, form, mut j) = self.any_weekday(k)?;
        // "mon", "sat", "sun" are words too: only weekdays when introduced
        // or right before a clock or a date ("wed 12:30", "fri 3pm", "dim 15
        // sept").
        let abbr_alone = form == Form::Abbr && pre.is_none() && glue == Glue::None;
        let date_follows = || {
            let d = if self.punct(j, ',') { j + 1 } else { j };
            matches!(self.date(d, Glue::None), Some((DaySpec::Date { .. }, _)))
        };
        if form == Form::Plural || (abbr_alone && !self.explicit_clock_at(j) && !date_follows()) {
            return None;
        }
        let mut rule = pre.unwrap_or(WeekdayRule::Nearest);
        if let Some(e) = self.first_sequence(j, &[&["prochain"], &["prochaine"]]) {
            rule = WeekdayRule::Nearest;
            j = e;
        } else if let Some(e) = self.sequence(j, &["qui", "vient"]) {
            rule = WeekdayRule::This;
            j = e;
        } else if let Some((weeks, e)) = WEEKS_AFTER
            .iter()
            .find_map(|&(words, weeks)| self.sequence(j, words).map(|e| (weeks, e)))
        {
            rule = WeekdayRule::WeeksAfter(weeks);
            j = e;
        }
        // A date after the weekday: "lundi 9 mars", "lundi le 9", "monday,
        // march 9th", "monday the 9th".
        let d = if self.punct(j, ',') { j + 1 } else { j };
        let d = self.first_sequence(d, &[&["le"], &["the"]]).unwrap_or(d);
        match self.date(d, Glue::The) {
            Some((
                DaySpec::Date {
                    year,
                    month,
                    day,
                    swappable,
                    until,
                    ..
                },
                e,
            )) => Some((
                DaySpec::Date {
                    year,
                    month,
                    day,
                    weekday: Some(weekday),
                    swappable,
                    until,
                },
                e,
            )),
            Some((DaySpec::MonthDay { day, .. }, e)) => Some((
                DaySpec::MonthDay {
                    day,
                    weekday: Some(weekday),
                },
                e,
            )),
            _ => Some((DaySpec::Weekday { weekday, rule }, j)),
        }
    }
}
