//! Reading other parsers' test sources: argument lists and string literals of
//! JavaScript and Python calls, and the differences Nudge makes on purpose.

use chrono::NaiveDateTime;

/// A string literal's text (`"…"`, `'…'` or `` `…` ``), escapes undone.
pub(super) fn string_literal(argument: &str) -> Option<String> {
    let quote = argument.chars().next()?;
    if !matches!(quote, '"' | '\'' | '`') || !argument.ends_with(quote) || argument.len() < 2 {
        return None;
    }
    let inner = &argument[1..argument.len() - 1];
    let mut out = String::new();
    let mut characters = inner.chars();
    while let Some(character) = characters.next() {
        if character == '\\' {
            match characters.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            }
        } else {
            out.push(character);
        }
    }
    Some(out)
}

/// The top-level, comma-separated arguments of the parenthesized list
/// starting `text`.
pub(super) fn arguments(text: &str) -> Option<Vec<String>> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut current = String::new();
    let mut arguments = Vec::new();
    for character in text.chars() {
        if let Some(q) = quote {
            current.push(character);
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == q {
                quote = None;
            }
            continue;
        }
        match character {
            '"' | '\'' | '`' => {
                quote = Some(character);
                current.push(character);
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > 1 {
                    current.push(character);
                }
            }
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    if !current.trim().is_empty() {
                        arguments.push(current.trim().to_owned());
                    }
                    return Some(arguments);
                }
                current.push(character);
            }
            ',' if depth == 1 => arguments.push(std::mem::take(&mut current).trim().to_owned()),
            _ => current.push(character),
        }
    }
    None
}

const WEEKDAYS: [&str; 14] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

/// Whether the phrase says that it is in the past.
pub(super) fn says_past(lower: &str) -> bool {
    const PAST: &[&str] = &[
        "ago",
        " before",
        "now -",
        "yesterday",
        "last ",
        "past ",
        "previous",
        "earlier",
        "hier",
        "il y a",
        "dernier",
        "dernière",
        "derniere",
        "passé",
        "passe",
        "précédent",
    ];
    PAST.iter().any(|w| lower.contains(w)) || lower.trim_start().starts_with('-')
}

/// Why a case with no expected time gets one from Nudge on purpose, if it does.
pub(super) fn deliberate_reading(phrase: &str) -> Option<&'static str> {
    let lower = phrase.to_lowercase();
    let february_29 = lower.contains("29") && ["feb", "fév", "fev"].iter().any(|m| lower.contains(m));
    february_29.then_some("February 29 without a year is the next leap year's (README rule 9)")
}

/// Why Nudge reads a case differently on purpose, if it does: a reminder's
/// time is in the future, and some ambiguities are resolved by documented
/// rules (see the crate's README). `expected` is the case's expected start
/// (RFC 3339, or a day `YYYY-MM-DD`).
pub(super) fn deliberate_reason(phrase: &str, expected: &str, reference: NaiveDateTime) -> Option<&'static str> {
    let lower = phrase.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let reference_day = reference.format("%Y-%m-%d").to_string();
    let expected_day = expected.get(..10).unwrap_or(expected);
    let in_the_past = if expected.len() == 10 {
        expected_day < reference_day.as_str()
    } else {
        expected < format!("{}Z", reference.format("%Y-%m-%dT%H:%M:%S")).as_str()
    };
    let has_digit = lower.chars().any(|c| c.is_ascii_digit());
    if expected_day == reference_day && has(&WEEKDAYS) && !has_digit {
        return Some(
            "a weekday alone is the next such day strictly after today: on a Thursday, \"Thursday\" is in a week (README rule 7)",
        );
    }
    const MONTHS: &[&str] = &[
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    if MONTHS.contains(&lower.trim().trim_end_matches('.')) {
        return Some("a month alone is its first day (README 'What at means')");
    }
    if has(&[
        "next monday",
        "next tuesday",
        "next wednesday",
        "next thursday",
        "next friday",
        "next saturday",
        "next sunday",
    ]) {
        return Some("\"next friday\" is the nearest Friday after today, not the one of next week (README rule 7)");
    }
    // A past written as such ("2 hours ago", "hier", "last friday") is read
    // to the time it means; only a time that could be past or future ("Monday",
    // "March 5") is read as the next one.
    if in_the_past && !says_past(&lower) {
        return Some(
            "expected in the past: a weekday, a date without a year or a clock without a day is the next one (README rules 1, 7 and 9)",
        );
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    let bare_duration = words.len() == 2 && words[0].chars().all(|c| c.is_ascii_digit());
    if bare_duration || has(&["for 5", "for 1", "pour 5", "minuterie de"]) {
        return Some(
            "a duration without \"in\" or \"dans\" (\"for 5 minutes\", \"1 hour\") is no time (README rule 17)",
        );
    }
    if has(&["midnight", "minuit"]) {
        return Some("midnight belongs to the end of the day it is attached to (README rule 6)");
    }
    if has(&[
        "next week",
        "semaine prochaine",
        "next year",
        "annee prochaine",
        "année prochaine",
        "an prochain",
        "next month",
        "mois prochain",
    ]) {
        return Some(
            "next week is next Monday, next month the 1st, next year January 1, at the default hour (README 'What at means')",
        );
    }
    if !has_digit
        && has(&[
            "morning",
            "afternoon",
            "evening",
            "tonight",
            "night",
            "matin",
            "après-midi",
            "apres-midi",
            "aprem",
            "soir",
            "nuit",
        ])
    {
        return Some(
            "a part of the day without a clock takes Nudge's hour for it (DayParts: 09:00, 12:00, 15:00, 18:00, 21:00)",
        );
    }
    let clock_words = ["hour", "minute", "min", "sec", "heure", ":", "am", "pm", "h "];
    let signed = lower.trim_start().starts_with(['-', '+']);
    if signed && !has(&clock_words) && expected.len() > 10 {
        return Some(
            "a day reached by days, weeks, months or years is that day at the default hour, 09:00 (README 'What at means')",
        );
    }
    if has(&["day", "week", "month", "year", "jour", "semaine", "mois", " an"])
        && !has(&clock_words)
        && expected.len() > 10
    {
        return Some(
            "a day reached by days, weeks, months or years is that day at the default hour, 09:00 (README 'What at means')",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_at_the_top_level_only() {
        let arguments = arguments(r#"(chrono.fr, "a, b", new Date(2012, 7 - 1, 10), (r) => { f(1, 2); })"#);
        assert_eq!(
            arguments.as_deref(),
            Some(
                &[
                    "chrono.fr".to_owned(),
                    "\"a, b\"".to_owned(),
                    "new Date(2012, 7 - 1, 10)".to_owned(),
                    "(r) => { f(1, 2); }".to_owned()
                ][..]
            )
        );
    }

    #[test]
    fn string_literals_lose_quotes_and_escapes() {
        assert_eq!(string_literal(r#""it\'s \"here\"""#).as_deref(), Some("it's \"here\""));
        assert_eq!(string_literal("`5pm`").as_deref(), Some("5pm"));
        assert_eq!(string_literal("5pm"), None);
    }

    #[test]
    fn deliberate_differences_have_a_reason() {
        let reference =
            NaiveDateTime::parse_from_str("2012-08-10 12:00:00", "%Y-%m-%d %H:%M:%S").expect("a valid date");
        assert!(deliberate_reason("Monday", "2012-08-06", reference).is_some_and(|r| r.contains("past")));
        assert!(deliberate_reason("tomorrow morning", "2012-08-11T06:00:00Z", reference).is_some());
        assert!(deliberate_reason("in 3 days", "2012-08-13T12:00:00Z", reference).is_some());
        assert_eq!(
            deliberate_reason("tomorrow at 5pm", "2012-08-11T17:00:00Z", reference),
            None
        );
    }
}
