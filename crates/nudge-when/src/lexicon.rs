//! Word classes that carry a value (spelled numbers, weekdays, months,
//! duration units, parts of the day), per language, and the language markers
//! used by [`detect`].
//!
//! Words are looked up in their normalized form (lowercase, no diacritics).
//! A few spellings mean different things in the two languages ("sept" is 7 in
//! French and September in English, "mon" is "my" in French and Monday in
//! English), which is why classification depends on the language.

use chrono::Weekday;

use crate::token::{Kind, Tokens};
use crate::{Grain, Lang};

/// A duration unit, ordered from the smallest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    /// Exact length in seconds of the units that have one.
    pub(crate) fn seconds(self) -> Option<f64> {
        match self {
            Unit::Second => Some(1.0),
            Unit::Minute => Some(60.0),
            Unit::Hour => Some(3600.0),
            Unit::Day => Some(86_400.0),
            Unit::Week => Some(604_800.0),
            Unit::Month | Unit::Year => None,
        }
    }

    pub(crate) fn grain(self) -> Grain {
        match self {
            Unit::Second => Grain::Second,
            Unit::Minute => Grain::Minute,
            Unit::Hour => Grain::Hour,
            Unit::Day => Grain::Day,
            Unit::Week => Grain::Week,
            Unit::Month => Grain::Month,
            Unit::Year => Grain::Year,
        }
    }

    /// The grain of a fractional amount of this unit ("1.5 hours" is to the minute).
    pub(crate) fn finer_grain(self) -> Grain {
        match self {
            Unit::Second | Unit::Minute => Grain::Second,
            Unit::Hour => Grain::Minute,
            Unit::Day => Grain::Hour,
            Unit::Week | Unit::Month => Grain::Day,
            Unit::Year => Grain::Month,
        }
    }
}

/// A part of the day; its clock time comes from [`crate::DayParts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Morning,
    Noon,
    Afternoon,
    Evening,
    Night,
}

/// How a weekday was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Full,
    /// "mondays", "lundis": a habit, hence a recurrence.
    Plural,
    /// "mon", "fri": only read as a weekday after "on", "next", "every", …
    Abbr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lex {
    Other,
    Num(u32),
    Weekday(Weekday, Form),
    Month(u32),
    Unit(Unit),
    Part(Part),
}

pub(crate) fn classify(word: &str, lang: Lang) -> Lex {
    match lang {
        Lang::Fr => french(word),
        Lang::En => english(word),
    }
}

fn french(w: &str) -> Lex {
    use Form::{Full, Plural};
    use Lex::{Month as M, Num as N, Part as P, Unit as U, Weekday as D};
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
        "lundis" => D(Mon, Plural),
        "mardis" => D(Tue, Plural),
        "mercredis" => D(Wed, Plural),
        "jeudis" => D(Thu, Plural),
        "vendredis" => D(Fri, Plural),
        "samedis" => D(Sat, Plural),
        "dimanches" => D(Sun, Plural),
        "janvier" | "janv" => M(1),
        "fevrier" | "fevr" | "fev" => M(2),
        "mars" => M(3),
        "avril" | "avr" => M(4),
        "mai" => M(5),
        "juin" => M(6),
        "juillet" | "juil" => M(7),
        "aout" => M(8),
        "septembre" => M(9),
        "octobre" | "oct" => M(10),
        "novembre" | "nov" => M(11),
        "decembre" | "dec" => M(12),
        "seconde" | "secondes" | "sec" | "secs" | "s" => U(Unit::Second),
        "minute" | "minutes" | "min" | "mins" | "mn" | "m" => U(Unit::Minute),
        "heure" | "heures" | "h" | "hr" | "hrs" | "hre" | "hres" => U(Unit::Hour),
        "jour" | "jours" | "j" | "jrs" => U(Unit::Day),
        "semaine" | "semaines" | "sem" => U(Unit::Week),
        "mois" => U(Unit::Month),
        "an" | "ans" | "annee" | "annees" => U(Unit::Year),
        "matin" | "matins" | "matinee" => P(Part::Morning),
        "midi" | "midis" => P(Part::Noon),
        "aprem" | "aprems" => P(Part::Afternoon),
        "soiree" => P(Part::Evening),
        // In French "soir" covers the whole evening; it takes the "tonight"
        // hour (see the crate docs).
        "soir" | "soirs" | "nuit" | "nuits" => P(Part::Night),
        _ => Lex::Other,
    }
}

fn english(w: &str) -> Lex {
    use Form::{Abbr, Full, Plural};
    use Lex::{Month as M, Num as N, Part as P, Unit as U, Weekday as D};
    use Weekday::*;
    match w {
        "zero" => N(0),
        "one" => N(1),
        "two" => N(2),
        "three" => N(3),
        "four" => N(4),
        "five" => N(5),
        "six" => N(6),
        "seven" => N(7),
        "eight" => N(8),
        "nine" => N(9),
        "ten" => N(10),
        "eleven" => N(11),
        "twelve" => N(12),
        "thirteen" => N(13),
        "fourteen" => N(14),
        "fifteen" => N(15),
        "sixteen" => N(16),
        "seventeen" => N(17),
        "eighteen" => N(18),
        "nineteen" => N(19),
        "twenty" => N(20),
        "thirty" => N(30),
        "forty" | "fourty" => N(40),
        "fifty" => N(50),
        "sixty" => N(60),
        "monday" => D(Mon, Full),
        "tuesday" => D(Tue, Full),
        "wednesday" => D(Wed, Full),
        "thursday" => D(Thu, Full),
        "friday" => D(Fri, Full),
        "saturday" => D(Sat, Full),
        "sunday" => D(Sun, Full),
        "mondays" => D(Mon, Plural),
        "tuesdays" => D(Tue, Plural),
        "wednesdays" => D(Wed, Plural),
        "thursdays" => D(Thu, Plural),
        "fridays" => D(Fri, Plural),
        "saturdays" => D(Sat, Plural),
        "sundays" => D(Sun, Plural),
        "mon" => D(Mon, Abbr),
        "tue" | "tues" => D(Tue, Abbr),
        "wed" | "weds" => D(Wed, Abbr),
        "thu" | "thur" | "thurs" => D(Thu, Abbr),
        "fri" => D(Fri, Abbr),
        "sat" => D(Sat, Abbr),
        "sun" => D(Sun, Abbr),
        "january" | "jan" => M(1),
        "february" | "feb" => M(2),
        "march" | "mar" => M(3),
        "april" | "apr" => M(4),
        "may" => M(5),
        "june" | "jun" => M(6),
        "july" | "jul" => M(7),
        "august" | "aug" => M(8),
        "september" | "sept" | "sep" => M(9),
        "october" | "oct" => M(10),
        "november" | "nov" => M(11),
        "december" | "dec" => M(12),
        "second" | "seconds" | "sec" | "secs" | "s" => U(Unit::Second),
        "minute" | "minutes" | "min" | "mins" | "m" => U(Unit::Minute),
        "hour" | "hours" | "hr" | "hrs" | "h" => U(Unit::Hour),
        "day" | "days" | "d" => U(Unit::Day),
        "week" | "weeks" | "wk" | "wks" | "w" => U(Unit::Week),
        "month" | "months" | "mo" | "mos" => U(Unit::Month),
        "year" | "years" | "yr" | "yrs" | "y" => U(Unit::Year),
        "morning" | "mornings" | "morn" => P(Part::Morning),
        "noon" | "midday" => P(Part::Noon),
        "afternoon" | "afternoons" => P(Part::Afternoon),
        "evening" | "evenings" => P(Part::Evening),
        "night" | "nights" | "nite" => P(Part::Night),
        _ => Lex::Other,
    }
}

/// Guesses the language of a message from function words, time words and
/// spelling: diacritics and the "14h" clock count for French, "am"/"pm" for
/// English. A tie (no marker at all, e.g. "5/3") is English.
pub(crate) fn detect(t: &Tokens) -> Lang {
    let mut score = 0i32;
    for i in 0..t.len() {
        let Some(tok) = t.get(i) else { break };
        match tok.kind {
            Kind::Word => {
                score += marker(t.norm(i));
                if tok.accented {
                    score += 2;
                }
            }
            Kind::Num => {
                if t.norm(i + 1) == "h" {
                    score += 1;
                }
            }
            Kind::Punct => {}
        }
    }
    if score > 0 { Lang::Fr } else { Lang::En }
}

/// +1 for a French marker, -1 for an English one.
fn marker(w: &str) -> i32 {
    match w {
        "de" | "d'" | "du" | "des" | "le" | "la" | "les" | "l'" | "au" | "aux" | "dans" | "ds" | "pour" | "et"
        | "un" | "une" | "moi" | "rappelle" | "rapelle" | "rappel" | "oublie" | "n'" | "pas" | "demain"
        | "aujourd'" | "auj" | "heure" | "heures" | "matin" | "soir" | "midi" | "minuit" | "apres" | "ce" | "cet"
        | "cette" | "prochain" | "prochaine" | "chaque" | "tous" | "toutes" | "semaine" | "semaines" | "mois"
        | "jour" | "jours" | "ans" | "annee" | "lundi" | "mardi" | "mercredi" | "jeudi" | "vendredi" | "samedi"
        | "dimanche" | "janvier" | "fevrier" | "mars" | "avril" | "mai" | "juin" | "juillet" | "aout" | "septembre"
        | "octobre" | "novembre" | "decembre" | "je" | "j'" | "ma" | "mes" | "ton" | "ta" | "tes" | "avec" | "chez"
        | "sur" | "est" | "il" | "elle" | "faut" | "qu'" | "que" | "vers" | "secondes" | "demie" | "quart"
        | "moins" | "fin" | "souper" | "diner" | "dejeuner" | "tantot" | "plus" | "tard" | "bientot" | "svp"
        | "stp" | "merci" | "ici" | "fais" | "penser" | "acheter" | "appeler" | "prendre" | "faire" | "aller"
        | "sortir" | "maman" | "papa" | "rendez" | "vous" | "ou" | "mon" => 1,
        "the" | "to" | "at" | "in" | "my" | "remind" | "reminder" | "tomorrow" | "today" | "tonight" | "and"
        | "for" | "of" | "is" | "it" | "i" | "you" | "please" | "call" | "buy" | "get" | "take" | "pick" | "up"
        | "next" | "this" | "every" | "each" | "day" | "days" | "week" | "weeks" | "month" | "months" | "year"
        | "years" | "hour" | "hours" | "morning" | "afternoon" | "evening" | "night" | "noon" | "midnight"
        | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday" | "january"
        | "february" | "march" | "april" | "may" | "june" | "july" | "august" | "september" | "october"
        | "november" | "december" | "from" | "now" | "with" | "don'" | "forget" | "o'" | "oclock" | "am" | "pm"
        | "half" | "quarter" | "past" | "after" | "before" | "by" | "mom" | "dad" | "let" | "about" | "that" | "be"
        | "go" | "do" | "need" | "have" | "your" | "our" | "out" | "home" | "work" | "tmrw" | "later" | "daily"
        | "weekly" | "monthly" => -1,
        _ => 0,
    }
}
