//! Recurrences: "every monday", "tous les jours", "daily", "le premier de
//! chaque mois", "du lundi au vendredi".

use super::component::{Glue, MonthPhrase};
use super::{Component, DaySpec, Found, Parser, Recurrence, weekday_bit};
use crate::lexicon::{Form, Lex, Part, Unit};
use crate::rrule::Freq;
use crate::{Lang, WhenError};
use chrono::Weekday;

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

impl Parser<'_> {
    pub(super) fn recurrence(&self, i: usize) -> Found<Component> {
        let (r, j) = self
            .recurrence_every(i)
            .or_else(|| self.recurrence_adverb(i))
            .or_else(|| self.recurrence_plain(i))?;
        Some((r.map_or_else(Component::Invalid, Component::Recurrence), j))
    }

    /// "daily", "weekly", "hourly", "nightly", "once a week", "une fois par
    /// jour"; "twice a day" is refused.
    fn recurrence_adverb(&self, i: usize) -> Found<Result<Recurrence, WhenError>> {
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
        if let Some((freq, e)) = ADVERBS.iter().find_map(|&(ws, f)| self.sequence(i, ws).map(|e| (f, e))) {
            return Some((Ok(Recurrence::new(freq, 1)), e));
        }
        if self.is(i, "nightly") {
            let r = Recurrence {
                part: Some(Part::Night),
                ..Recurrence::new(Freq::Daily, 1)
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
            (n, self.first_sequence(j, &[&["times"], &["time"], &["fois"]])?)
        };
        let j = self.first_sequence(j, &[&["a"], &["per"], &["par"], &["every"]])?;
        let (unit, e) = self.unit(j)?;
        if times != 1.0 {
            return Some((Err(WhenError::Unsupported(self.phrase(i, e))), e));
        }
        Some((self.unit_recurrence(unit, 1.0, i, e), e))
    }

    /// The recurrence of "every N units".
    fn unit_recurrence(&self, unit: Unit, n: f64, from: usize, to: usize) -> Result<Recurrence, WhenError> {
        let unsupported = || WhenError::Unsupported(self.phrase(from, to));
        if n < 1.0 || (n.fract() != 0.0 && unit != Unit::Hour) {
            return Err(unsupported());
        }
        let whole = n as u32;
        Ok(match unit {
            Unit::Second => return Err(unsupported()),
            Unit::Minute => Recurrence::new(Freq::Minutely, whole),
            // "every 1.5 hours" is every 90 minutes.
            Unit::Hour if n.fract() != 0.0 => Recurrence::new(Freq::Minutely, (n * 60.0) as u32),
            Unit::Hour => Recurrence::new(Freq::Hourly, whole),
            Unit::Day => Recurrence::new(Freq::Daily, whole),
            Unit::Week => Recurrence::new(Freq::Weekly, whole),
            Unit::Month => Recurrence::new(Freq::Monthly, whole),
            Unit::Year => Recurrence::new(Freq::Yearly, whole),
        })
    }

    /// "every …", "chaque …", "tous les …", "toutes les …", "aux …" (Québec:
    /// "aux deux semaines").
    fn recurrence_every(&self, i: usize) -> Found<Result<Recurrence, WhenError>> {
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
        let j = self.first_sequence(i, EVERY)?;
        let aux = self.is(i, "aux");
        // every half hour
        if let Some(e) = self.first_sequence(
            j,
            &[
                &["half", "hour"],
                &["half", "an", "hour"],
                &["demi", "heures"],
                &["demi", "heure"],
            ],
        ) {
            return Some((Ok(Recurrence::new(Freq::Minutely, 30)), e));
        }
        // every weekday, every weekend (before units: "tous les jours de semaine")
        for (alts, days) in [(WEEKDAYS, WORKWEEK), (WEEKENDS, WEEKEND_DAYS)] {
            if let Some(e) = self.first_sequence(j, alts) {
                return Some(self.with_part(Recurrence::weekly(days, 1), e));
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
            return Some((self.unit_recurrence(unit, n, i, e), e));
        }
        if aux {
            return None;
        }
        let interval = if n.fract() == 0.0 && n >= 1.0 { n as u32 } else { 1 };
        // every first monday (of the month); "every second monday" without
        // a month is every other Monday, only "first" and "last" imply it.
        if let Some((nth, weekday, month, e)) = self.nth_weekday(j)
            && (month != MonthPhrase::None || nth.abs() == 1)
        {
            return Some((Ok(Recurrence::nth(nth, weekday)), e));
        }
        // every monday and thursday, every other friday
        if let Some((days, _, e)) = self.weekday_list(k) {
            return Some(self.with_part(Recurrence::weekly(days, interval), e));
        }
        // every morning, tous les soirs
        if let Lex::Part(p) = self.lex(j) {
            let r = Recurrence {
                part: Some(p),
                ..Recurrence::new(Freq::Daily, 1)
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
            let r = Recurrence {
                month: Some(month),
                month_day: Some(day),
                ..Recurrence::new(Freq::Yearly, 1)
            };
            return Some((Ok(r), e));
        }
        // every 15th (of the month), tous les 1er du mois
        let (day, ordinal, e) = self.day_number(j)?;
        let e = match self
            .first_sequence(e, OF_THE_MONTH)
            .or_else(|| self.first_sequence(e, EVERY_MONTH))
        {
            Some(e) => e,
            None if ordinal => e,
            None => return None,
        };
        let r = Recurrence {
            month_day: Some(day),
            ..Recurrence::new(Freq::Monthly, 1)
        };
        Some((Ok(r), e))
    }

    /// Recurrences without "every": plural weekdays ("on mondays", "les
    /// mardis et jeudis"), weekday ranges ("du lundi au vendredi", "monday to
    /// friday"), "weekdays", "en semaine", "le premier de chaque mois", "the
    /// last friday of every month", "un jour sur deux".
    fn recurrence_plain(&self, i: usize) -> Found<Result<Recurrence, WhenError>> {
        const EVERY_OTHER: &[(&[&str], Freq)] = &[
            (&["un", "jour", "sur", "deux"], Freq::Daily),
            (&["une", "semaine", "sur", "deux"], Freq::Weekly),
            (&["un", "mois", "sur", "deux"], Freq::Monthly),
        ];
        if let Some((freq, e)) = EVERY_OTHER
            .iter()
            .find_map(|&(ws, f)| self.sequence(i, ws).map(|e| (f, e)))
        {
            return Some((Ok(Recurrence::new(freq, 2)), e));
        }
        // "un lundi sur deux"
        if self.is(i, "un")
            && let Some((weekday, _, e)) = self.any_weekday(i + 1)
            && let Some(e) = self.sequence(e, &["sur", "deux"])
        {
            return Some(self.with_part(Recurrence::weekly(weekday_bit(weekday), 2), e));
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
        if let Some((days, e)) = PLURAL_DAYS
            .iter()
            .find_map(|&(ws, d)| self.sequence(i, ws).map(|e| (d, e)))
        {
            return Some(self.with_part(Recurrence::weekly(days, 1), e));
        }
        // "du lundi au vendredi", "from monday to friday"
        if let Some(j) = self.first_sequence(i, &[&["du"], &["de"], &["from"]])
            && let Some((days, _, e)) = self.weekday_list(j)
            && days.count_ones() > 1
            && self.weekday_range(j).is_some()
        {
            return Some(self.with_part(Recurrence::weekly(days, 1), e));
        }
        // plural weekdays or a range: "mondays", "les mardis", "monday to friday"
        let j = self.first_sequence(i, &[&["on"], &["les"], &["le"]]).unwrap_or(i);
        if let Some((days, form, e)) = self.weekday_list(j)
            && (form == Form::Plural || self.weekday_range(j).is_some())
        {
            return Some(self.with_part(Recurrence::weekly(days, 1), e));
        }
        // "le premier de chaque mois", "the last friday of every month"
        let j = self.first_sequence(i, &[&["on", "the"], &["the"], &["le"]])?;
        if let Some((nth, weekday, MonthPhrase::Every, e)) = self.nth_weekday(j) {
            return Some((Ok(Recurrence::nth(nth, weekday)), e));
        }
        let (day, _, e) = self.day_number(j)?;
        let e = self.first_sequence(e, EVERY_MONTH)?;
        let r = Recurrence {
            month_day: Some(day),
            ..Recurrence::new(Freq::Monthly, 1)
        };
        Some((Ok(r), e))
    }

    /// "first monday of the month", "le dernier vendredi de chaque mois":
    /// the rank (-1 for last), the weekday, how the month was named, the end.
    pub(super) fn nth_weekday(&self, j: usize) -> Option<(i8, Weekday, MonthPhrase, usize)> {
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
            .find_map(|&(ws, n)| self.sequence(j, ws).map(|e| (n, e)))
            .or_else(|| match self.day_number(j) {
                Some((d @ 1..=4, true, e)) => Some((d as i8, e)),
                _ => None,
            })?;
        let (weekday, _, e) = self.any_weekday(k)?;
        if let Some(e) = self.first_sequence(e, EVERY_MONTH) {
            return Some((n, weekday, MonthPhrase::Every, e));
        }
        if let Some(e) = self.first_sequence(e, OF_THE_MONTH) {
            return Some((n, weekday, MonthPhrase::The, e));
        }
        Some((n, weekday, MonthPhrase::None, e))
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
        while let Some(c) = self.first_sequence(j, AND) {
            let Some((weekday, _, e)) = self.any_weekday(c) else {
                break;
            };
            mask |= weekday_bit(weekday);
            j = e;
        }
        Some((mask, form, j))
    }

    /// "lundi au vendredi", "monday to friday", "mon-fri": the last weekday
    /// and the end.
    fn weekday_range(&self, k: usize) -> Found<Weekday> {
        let (_, _, j) = self.any_weekday(k)?;
        if self.tokens.get(j).is_some_and(|t| t.hyphen)
            && let Some((last, _, e)) = self.any_weekday(j)
        {
            return Some((last, e));
        }
        let c = self.first_sequence(
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
    fn with_part(&self, mut r: Recurrence, e: usize) -> (Result<Recurrence, WhenError>, usize) {
        match self.part_after_day(e) {
            Some((p, e2)) => {
                r.part = Some(p);
                (Ok(r), e2)
            }
            None => (Ok(r), e),
        }
    }
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
