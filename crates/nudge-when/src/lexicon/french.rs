//! French words (including Québec usage and SMS spellings), normalized:
//! lowercase, no diacritics.

use chrono::Weekday;

use super::Lex;

/// The value a normalized word carries in this language, one word or
/// spelling a line.
pub(super) fn word(w: &str) -> Lex {
    use super::Form::{Abbr, Full, Plural};
    use super::Lex::{Month as M, Num as N, Part as P, Unit as U, Weekday as D};
    use Weekday::*;
    match w {
        "zero" => N(0),
        "un" | "une" => N(1),
        "deux" => N(2),
        "trois" => N(3),
        "quatre" => N(4),
        "cinq" => N(5),
        "six" => N(6),
        "sept" => N(7),
        "huit" => N(8),
        "neuf" => N(9),
        "dix" => N(10),
        "onze" => N(11),
        "douze" => N(12),
        "treize" => N(13),
        "quatorze" => N(14),
        "quinze" => N(15),
        "seize" => N(16),
        "vingt" => N(20),
        "trente" => N(30),
        "quarante" => N(40),
        "cinquante" => N(50),
        "soixante" => N(60),
        "lundi" => D(Mon, Full),
        "mardi" => D(Tue, Full),
        "mercredi" => D(Wed, Full),
        "jeudi" => D(Thu, Full),
        "vendredi" => D(Fri, Full),
        "samedi" => D(Sat, Full),
        "dimanche" => D(Sun, Full),
        "lun" => D(Mon, Abbr),
        "mar" => D(Tue, Abbr),
        "mer" => D(Wed, Abbr),
        "jeu" => D(Thu, Abbr),
        "ven" => D(Fri, Abbr),
        "sam" => D(Sat, Abbr),
        "dim" => D(Sun, Abbr),
        "lundis" => D(Mon, Plural),
        "mardis" => D(Tue, Plural),
        "mercredis" => D(Wed, Plural),
        "jeudis" => D(Thu, Plural),
        "vendredis" => D(Fri, Plural),
        "samedis" => D(Sat, Plural),
        "dimanches" => D(Sun, Plural),
        "janvier" | "janv" | "jan" => M(1),
        "fevrier" | "fevr" | "fev" => M(2),
        "mars" => M(3),
        "avril" | "avr" => M(4),
        "mai" => M(5),
        "juin" => M(6),
        "juillet" | "juil" => M(7),
        "aout" => M(8),
        "septembre" | "sep" => M(9),
        "octobre" | "oct" => M(10),
        "novembre" | "nov" => M(11),
        "decembre" | "dec" => M(12),
        "seconde" | "secondes" | "sec" | "secs" | "s" => U(super::Unit::Second),
        "minute" | "minutes" | "min" | "mins" | "mn" | "m" => U(super::Unit::Minute),
        "heure" | "heures" | "h" | "hr" | "hrs" | "hre" | "hres" => U(super::Unit::Hour),
        "jour" | "jours" | "j" | "jrs" => U(super::Unit::Day),
        "semaine" | "semaines" | "sem" => U(super::Unit::Week),
        "mois" => U(super::Unit::Month),
        "an" | "ans" | "annee" | "annees" => U(super::Unit::Year),
        "matin" | "matins" | "matinee" => P(super::Part::Morning),
        "midi" | "midis" => P(super::Part::Noon),
        "aprem" | "aprems" => P(super::Part::Afternoon),
        "soiree" => P(super::Part::Evening),
        // In French "soir" covers the whole evening; it takes the "tonight"
        // hour (see the crate docs).
        "soir" | "soirs" | "nuit" | "nuits" => P(super::Part::Night),
        _ => Lex::Other,
    }
}
