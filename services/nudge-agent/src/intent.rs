//! What a message asks for: a minimal, rule-based reading of the core
//! intents in French and English. (The full time-expression parser and the
//! tool-using agent replace it later; its rules stay as the fallback.)
//!
//! Understood:
//! - "remind me in N seconds|minutes|hours to X", "remind me to X in N ...";
//! - "rappelle-moi dans N secondes|minutes|heures de X", "rappelle-moi de X dans N ...";
//! - "done", "fait", "c'est fait" ...; "help", "aide".
//!
//! N is written in digits or words ("two", "deux", "une"), and "an hour",
//! "une heure", "half an hour", "une demi-heure" work too.

use std::time::Duration;

use nudge_core::Language;

/// The longest delay this rule accepts.
const MAX_DELAY: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Intent {
    Remind { after: Duration, what: String },
    Done,
    Help,
    Unknown,
}

/// An intent and the language the message was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Understood {
    pub(crate) intent: Intent,
    pub(crate) language: Language,
}

impl Intent {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Intent::Remind { .. } => "remind",
            Intent::Done => "done",
            Intent::Help => "help",
            Intent::Unknown => "unknown",
        }
    }
}

const DONE_EN: &[&str] = &[
    "done",
    "did it",
    "i did it",
    "finished",
    "ok done",
    "all done",
    "completed",
];
const DONE_FR: &[&str] = &[
    "fait",
    "c'est fait",
    "cest fait",
    "fini",
    "terminé",
    "termine",
    "c'est bon",
    "ok fait",
];
const HELP_EN: &[&str] = &["help", "info", "?"];
const HELP_FR: &[&str] = &["aide", "à l'aide", "au secours"];

/// Reads `text`; `fallback` is the person's language, used when the text does not tell.
pub(crate) fn understand(text: &str, fallback: Language) -> Understood {
    let original = normalise(text);
    // ASCII lowercasing keeps byte offsets, so slices of `lower` map onto `original`.
    let lower = original.to_ascii_lowercase();
    let bare = lower.trim_end_matches(['.', '!', ' ']);
    let keywords = [
        (DONE_EN, Intent::Done, Language::En),
        (DONE_FR, Intent::Done, Language::Fr),
        (HELP_EN, Intent::Help, Language::En),
        (HELP_FR, Intent::Help, Language::Fr),
    ];
    if let Some((_, intent, language)) = keywords.into_iter().find(|(words, ..)| words.contains(&bare)) {
        return Understood { intent, language };
    }
    if let Some((intent, language)) = reminder(&original, &lower) {
        return Understood { intent, language };
    }
    Understood {
        intent: Intent::Unknown,
        language: guess_language(&lower, fallback),
    }
}

/// Trims, folds runs of whitespace and typographic apostrophes.
fn normalise(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}', '`'], "'")
        .replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn guess_language(lower: &str, fallback: Language) -> Language {
    const FRENCH: &[&str] = &[
        "rappelle", "dans ", " de ", " le ", " la ", " les ", " je ", " tu ", "merci", "bonjour", "salut", "é", "è",
        "à ", "ç", "ê", "qu'",
    ];
    const ENGLISH: &[&str] = &["remind", " the ", " to ", " my ", " me ", "thanks", "hello", " in "];
    let padded = format!(" {lower} ");
    let french = FRENCH.iter().filter(|w| padded.contains(*w)).count();
    let english = ENGLISH.iter().filter(|w| padded.contains(*w)).count();
    match french.cmp(&english) {
        std::cmp::Ordering::Greater => Language::Fr,
        std::cmp::Ordering::Less => Language::En,
        std::cmp::Ordering::Equal => fallback,
    }
}

/// A reminder request: its delay and what to remind of.
fn reminder(original: &str, lower: &str) -> Option<(Intent, Language)> {
    let (rest, language) = if let Some(rest) = strip_any(lower, &["remind me "]) {
        (rest, Language::En)
    } else if let Some(rest) = strip_any(
        lower,
        &["rappelle-moi ", "rappelle moi ", "rappel moi ", "rappelle-moi, "],
    ) {
        (rest, Language::Fr)
    } else {
        return None;
    };
    let (delay_word, link_words): (&str, &[&str]) = match language {
        Language::En => ("in ", &["to "]),
        Language::Fr => ("dans ", &["de ", "d'"]),
    };
    // "<delay> <link> <what>"
    if let Some(after_delay_word) = rest.strip_prefix(delay_word) {
        let (after, used) = delay(after_delay_word, language)?;
        let tail = after_delay_word[used..].trim_start();
        let what_lower = strip_any(tail, link_words)?;
        let start = lower.len() - what_lower.len();
        return remind(after, &original[start..], language);
    }
    // "<link> <what> <delay word> <delay>": the delay is at the end.
    let what_lower = strip_any(rest, link_words)?;
    let start = lower.len() - what_lower.len();
    let marker = format!(" {delay_word}");
    let split = what_lower.rfind(&marker)?;
    let delay_text = &what_lower[split + marker.len()..];
    let (after, used) = delay(delay_text, language)?;
    if !delay_text[used..].trim_matches(['.', '!', ' ']).is_empty() {
        return None;
    }
    remind(after, &original[start..start + split], language)
}

fn remind(after: Duration, what: &str, language: Language) -> Option<(Intent, Language)> {
    let what = what.trim().trim_end_matches(['.', '!', ' ']).trim();
    if what.is_empty() || after.is_zero() || after > MAX_DELAY {
        return None;
    }
    Some((
        Intent::Remind {
            after,
            what: what.to_owned(),
        },
        language,
    ))
}

fn strip_any<'a>(text: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| text.strip_prefix(p))
}

/// Reads "2 minutes", "two hours", "an hour", "une demi-heure" at the start of
/// `text`; returns the delay and the bytes it used.
fn delay(text: &str, language: Language) -> Option<(Duration, usize)> {
    const HALF_HOUR: &[&str] = &[
        "half an hour",
        "a half hour",
        "une demi-heure",
        "une demi heure",
        "1/2 heure",
    ];
    if let Some(phrase) = HALF_HOUR.iter().find(|p| text.starts_with(*p)) {
        return Some((Duration::from_secs(1800), phrase.len()));
    }
    let (count_text, rest) = text.split_once(' ')?;
    let count = number(count_text, language)?;
    let unit_text = rest.split([' ', '.', '!', ',']).next()?;
    let seconds = unit_seconds(unit_text)?;
    let used = count_text.len() + 1 + unit_text.len();
    Some((Duration::from_secs(count.checked_mul(seconds)?), used))
}

fn number(word: &str, language: Language) -> Option<u64> {
    if let Ok(n) = word.parse::<u64>() {
        return Some(n);
    }
    const EN: &[&str] = &[
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    const FR: &[&str] = &[
        "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
        "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf", "vingt",
    ];
    let words = match language {
        Language::En => EN,
        Language::Fr => FR,
    };
    if let Some(n) = words.iter().position(|w| *w == word) {
        return u64::try_from(n).ok();
    }
    match word {
        "a" | "an" if language == Language::En => Some(1),
        "une" if language == Language::Fr => Some(1),
        "thirty" if language == Language::En => Some(30),
        "trente" if language == Language::Fr => Some(30),
        "forty-five" if language == Language::En => Some(45),
        "quarante-cinq" if language == Language::Fr => Some(45),
        _ => None,
    }
}

fn unit_seconds(unit: &str) -> Option<u64> {
    match unit {
        "second" | "seconds" | "sec" | "secs" | "seconde" | "secondes" => Some(1),
        "minute" | "minutes" | "min" | "mins" | "mn" => Some(60),
        "hour" | "hours" | "hr" | "hrs" | "h" | "heure" | "heures" => Some(3600),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_remind(text: &str, seconds: u64, what: &str, language: Language) {
        assert_eq!(
            understand(text, Language::En),
            Understood {
                intent: Intent::Remind {
                    after: Duration::from_secs(seconds),
                    what: what.to_owned()
                },
                language
            },
            "{text}"
        );
    }

    #[track_caller]
    fn check(text: &str, intent: Intent, language: Language) {
        assert_eq!(
            understand(text, Language::En),
            Understood { intent, language },
            "{text}"
        );
    }

    #[test]
    fn english_reminders() {
        check_remind(
            "remind me in 2 minutes to drink water",
            120,
            "drink water",
            Language::En,
        );
        check_remind(
            "Remind me in 2 minutes to drink water.",
            120,
            "drink water",
            Language::En,
        );
        check_remind("remind me to call Mom in 3 hours", 10_800, "call Mom", Language::En);
        check_remind(
            "remind me in an hour to take my pills",
            3600,
            "take my pills",
            Language::En,
        );
        check_remind("remind me in half an hour to stretch", 1800, "stretch", Language::En);
        check_remind(
            "remind me in ten mins to check the oven!",
            600,
            "check the oven",
            Language::En,
        );
        check_remind("remind me in 30 seconds to breathe", 30, "breathe", Language::En);
        check_remind(
            "remind me   in 2  minutes to   drink water",
            120,
            "drink water",
            Language::En,
        );
    }

    #[test]
    fn french_reminders() {
        check_remind(
            "rappelle-moi dans 2 minutes de boire de l'eau",
            120,
            "boire de l'eau",
            Language::Fr,
        );
        check_remind(
            "Rappelle-moi dans 2 minutes de boire de l’eau",
            120,
            "boire de l'eau",
            Language::Fr,
        );
        check_remind(
            "rappelle moi dans une heure d'appeler Léa",
            3600,
            "appeler Léa",
            Language::Fr,
        );
        check_remind(
            "rappelle-moi de sortir le chien dans 20 minutes",
            1200,
            "sortir le chien",
            Language::Fr,
        );
        check_remind(
            "rappelle-moi dans deux heures de prendre mes médicaments",
            7200,
            "prendre mes médicaments",
            Language::Fr,
        );
        check_remind(
            "rappelle-moi dans une demi-heure de m'étirer",
            1800,
            "m'étirer",
            Language::Fr,
        );
        check_remind(
            "rappelle-moi dans 45 secondes de respirer",
            45,
            "respirer",
            Language::Fr,
        );
    }

    #[test]
    fn acknowledgements_and_help() {
        check("done", Intent::Done, Language::En);
        check("Done!", Intent::Done, Language::En);
        check("fait", Intent::Done, Language::Fr);
        check("C'est fait.", Intent::Done, Language::Fr);
        check("help", Intent::Help, Language::En);
        check("AIDE", Intent::Help, Language::Fr);
    }

    #[test]
    fn what_it_does_not_understand() {
        check("I have 2 cats", Intent::Unknown, Language::En);
        check("remind me in 2 minutes", Intent::Unknown, Language::En);
        check("remind me to drink water", Intent::Unknown, Language::En);
        check("remind me in 0 minutes to blink", Intent::Unknown, Language::En);
        check("remind me in 999 hours to wait", Intent::Unknown, Language::En);
        check("remind me in 2 parsecs to fly", Intent::Unknown, Language::En);
        check("deux trois choses à faire", Intent::Unknown, Language::Fr);
    }
}
