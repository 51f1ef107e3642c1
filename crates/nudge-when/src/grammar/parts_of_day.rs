//! Parts of the day: "demain matin", "in the morning", "au souper", "at
//! lunch".

use super::{Component, Found, Parser};
use crate::lexicon::{Lex, Part};

impl Parser<'_> {
    /// A part of the day after a day word: "demain matin", "lundi soir",
    /// "tomorrow morning", "demain après-midi", "demain pm" (Québec).
    /// "midi" is left to the clock.
    pub(super) fn part_after_day(&self, k: usize) -> Found<Part> {
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

    pub(super) fn part_phrase(&self, i: usize) -> Found<Component> {
        self.part_phrase_at(i).map(|(p, e)| (Component::Part(p), e))
    }
}
