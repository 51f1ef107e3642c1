//! Parts of the day: "demain matin", "in the morning", "au souper", "at
//! lunch".

use super::{Component, Found, Parser};
use crate::lexicon::{Lex, Part, Shade};

/// Words before a part of the day that move it earlier or later: "early
/// morning", "late in the afternoon", "tôt le matin", "en fin
/// d'après-midi", "en début de soirée".
const SHADE_BEFORE: &[(&[&str], Shade)] = &[
    (&["early"], Shade::Early),
    (&["late"], Shade::Late),
    (&["tot"], Shade::Early),
    (&["tard"], Shade::Late),
    (&["en", "debut", "de"], Shade::Early),
    (&["en", "debut", "d'"], Shade::Early),
    (&["au", "debut", "de"], Shade::Early),
    (&["au", "debut", "d'"], Shade::Early),
    (&["debut", "de"], Shade::Early),
    (&["debut", "d'"], Shade::Early),
    (&["en", "fin", "de"], Shade::Late),
    (&["en", "fin", "d'"], Shade::Late),
    (&["a", "la", "fin", "de"], Shade::Late),
    (&["a", "la", "fin", "d'"], Shade::Late),
    (&["fin", "de"], Shade::Late),
    (&["fin", "d'"], Shade::Late),
];

/// Words after a part of the day that do the same: "demain matin tôt", "ce
/// soir tard", "demain matin de bonne heure", "tomorrow morning early".
const SHADE_AFTER: &[(&[&str], Shade)] = &[
    (&["early"], Shade::Early),
    (&["late"], Shade::Late),
    (&["tot"], Shade::Early),
    (&["de", "bonne", "heure"], Shade::Early),
    (&["tard"], Shade::Late),
];

impl Parser<'_> {
    /// A part of the day after a day word: "demain matin", "lundi soir",
    /// "tomorrow morning", "demain après-midi", "demain pm" (Québec).
    /// "midi" is left to the clock.
    pub(super) fn part_after_day(&self, k: usize) -> Found<Part> {
        if let Some((shade, j)) = self.shade_before(k)
            && let Some((p, e)) = self.plain_part_after_day(j)
        {
            return Some(self.shade_after(p.shaded(shade), e));
        }
        self.plain_part_after_day(k).map(|(p, e)| self.shade_after(p, e))
    }

    /// "early", "en fin de", … when a part of the day follows.
    pub(super) fn shade_before(&self, k: usize) -> Option<(Shade, usize)> {
        // "plus tard ce soir" is later tonight, not late tonight.
        if k > 0 && (self.is(k - 1, "plus") || self.is(k - 1, "+")) {
            return None;
        }
        SHADE_BEFORE
            .iter()
            .find_map(|&(ws, s)| self.sequence(k, ws).map(|e| (s, e)))
    }

    /// `p`, shaded by "tôt"/"tard"/"de bonne heure" at `e` if there.
    pub(super) fn shade_after(&self, p: Part, e: usize) -> (Part, usize) {
        match SHADE_AFTER
            .iter()
            .find_map(|&(ws, s)| self.sequence(e, ws).map(|e2| (s, e2)))
        {
            Some((s, e2)) if p != Part::Noon => (p.shaded(s), e2),
            _ => (p, e),
        }
    }

    fn plain_part_after_day(&self, k: usize) -> Found<Part> {
        if let Some(x) = self.part_phrase_at(k) {
            return Some(x);
        }
        const WORDS: &[(&[&str], Part)] = &[
            (&["apres", "midi"], Part::Afternoon),
            (&["avant", "midi"], Part::Morning),
            (&["am"], Part::Morning),
            (&["pm"], Part::Afternoon),
        ];
        if let Some(x) = WORDS.iter().find_map(|&(ws, p)| self.sequence(k, ws).map(|e| (p, e))) {
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
            (&["lunchtime"], Part::Noon),
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
        PARTS.iter().find_map(|&(ws, p)| self.sequence(i, ws).map(|e| (p, e)))
    }

    /// A part of the day without a day: "in the morning", "au souper", and,
    /// shaded, a bare part ("late afternoon", "en fin d'après-midi", "early
    /// in the morning").
    pub(super) fn part_phrase(&self, i: usize) -> Found<Component> {
        let shaded = self
            .shade_before(i)
            .and_then(|(shade, j)| self.plain_part_after_day(j).map(|(p, e)| (p.shaded(shade), e)));
        let (p, e) = match shaded {
            Some(x) => x,
            None => self.part_phrase_at(i)?,
        };
        let (p, e) = self.shade_after(p, e);
        Some((Component::Part(p), e))
    }
}
