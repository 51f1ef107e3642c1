//! `nudge when --score FILE`: measures the parser against test cases written
//! by others (converted from other parsers' suites), one JSON object a line:
//!
//! ```text
//! {"phrase": "demain à 8h", "lang": "fr", "now": "2026-03-04T10:00:00-05:00",
//!  "tz": "America/Montreal", "expected": {"start": "2026-03-05T08:00:00-05:00"},
//!  "category": "casual"}
//! ```
//!
//! `expected` is `null` when the phrase names no time to schedule; `start` is
//! an RFC 3339 instant, or a date alone (`"2026-03-05"`) when only the day is
//! expected (the other parser's hour for a bare day is its own convention).
//! `end`, when present and not null, must match [`crate::When::end`] the same
//! way (a window "between 2 and 4 pm", a range "10 August - 12 September"):
//! a right start with a wrong or missing end is a wrong time. `deliberate`, when
//! present, is why Nudge reads the phrase differently on purpose; such a case,
//! unless read as expected all the same, is counted apart and listed with its
//! reason and what Nudge read.
//!
//! Every case is one of: **correct**; **wrong time**, a silent misreading (a
//! reading that is not the expected one, or a reading where none is
//! expected), the worst outcome; **refused**, no reading where one is
//! expected (the caller asks the person). The report gives these per language
//! and per category, then lists the wrong and refused cases.

pub mod chrono_suite;
pub mod dateparser_suite;
mod source_text;

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;

use crate::{Context, LangHint, Tz, parse};

/// One test case, as read from a line.
#[derive(Debug, Deserialize)]
struct Case {
    phrase: String,
    lang: String,
    now: String,
    tz: String,
    expected: Option<Expected>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    deliberate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Expected {
    start: String,
    #[serde(default)]
    end: Option<String>,
}

/// How one case came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Correct,
    WrongTime,
    Refused,
    Deliberate,
}

/// Counts of each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub correct: usize,
    pub wrong_time: usize,
    pub refused: usize,
    /// Read differently on purpose; not in the percentage.
    pub deliberate: usize,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Correct => self.correct += 1,
            Outcome::WrongTime => self.wrong_time += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Deliberate => self.deliberate += 1,
        }
    }

    /// The cases that count: all but the deliberate differences.
    pub fn scored(&self) -> usize {
        self.correct + self.wrong_time + self.refused
    }

    /// Correct cases in percent of the scored ones.
    pub fn percent_correct(&self) -> f64 {
        if self.scored() == 0 {
            return 0.0;
        }
        100.0 * self.correct as f64 / self.scored() as f64
    }
}

/// The figures of a scoring run, by language and by (language, category).
#[derive(Debug, Default)]
pub struct Scores {
    pub by_language: BTreeMap<String, Tally>,
    pub by_category: BTreeMap<(String, String), Tally>,
    /// Lines that are not a valid case (reported, not scored).
    pub invalid_lines: usize,
}

/// Reads the cases from `input`, writes the report to `output` and returns
/// the figures.
pub fn score(input: impl BufRead, output: impl Write) -> std::io::Result<Scores> {
    let mut output = std::io::BufWriter::new(output);
    let mut scores = Scores::default();
    let mut listed = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let Some((case, outcome, reading)) = run_case(&line) else {
            scores.invalid_lines += 1;
            writeln!(output, "line {}: not a valid case", index + 1)?;
            continue;
        };
        scores.by_language.entry(case.lang.clone()).or_default().add(outcome);
        scores
            .by_category
            .entry((case.lang.clone(), case.category.clone()))
            .or_default()
            .add(outcome);
        if outcome != Outcome::Correct {
            listed.push((outcome, case, reading));
        }
    }
    write_table(&mut output, &scores)?;
    for wanted in [Outcome::WrongTime, Outcome::Refused, Outcome::Deliberate] {
        for (outcome, case, reading) in listed.iter().filter(|(outcome, ..)| *outcome == wanted) {
            let label = match outcome {
                Outcome::WrongTime => "wrong time",
                Outcome::Refused => "refused",
                _ => "deliberate",
            };
            let expected = case.expected.as_ref().map_or("none", |e| e.start.as_str());
            write!(
                output,
                "{label}\t{}\t{}\t{:?}\texpected {expected}\tgot {reading}",
                case.lang, case.category, case.phrase
            )?;
            match &case.deliberate {
                Some(reason) => writeln!(output, "\t{reason}")?,
                None => writeln!(output)?,
            }
        }
    }
    output.flush()?;
    Ok(scores)
}

fn write_table(output: &mut impl Write, scores: &Scores) -> std::io::Result<()> {
    writeln!(
        output,
        "{:<32} {:>6} {:>8} {:>8} {:>6} {:>8} {:>10}",
        "language / category", "cases", "correct", "wrong", "refused", "percent", "deliberate"
    )?;
    let row = |output: &mut dyn Write, name: &str, tally: &Tally| {
        writeln!(
            output,
            "{:<32} {:>6} {:>8} {:>8} {:>6} {:>7.1}% {:>10}",
            name,
            tally.scored(),
            tally.correct,
            tally.wrong_time,
            tally.refused,
            tally.percent_correct(),
            tally.deliberate
        )
    };
    for (language, tally) in &scores.by_language {
        row(output, language, tally)?;
        for ((_, category), tally) in scores.by_category.iter().filter(|((l, _), _)| l == language) {
            row(output, &format!("  {category}"), tally)?;
        }
    }
    Ok(())
}

/// Parses one line and runs its case; `None` for an invalid line.
fn run_case(line: &str) -> Option<(Case, Outcome, String)> {
    let case: Case = serde_json::from_str(line).ok()?;
    let tz: Tz = case.tz.parse().ok()?;
    let now = DateTime::parse_from_rfc3339(&case.now).ok()?.with_timezone(&tz);
    let mut context = Context::new(now);
    context.lang = match case.lang.as_str() {
        "fr" => LangHint::Fr,
        "en" => LangHint::En,
        _ => return None,
    };
    let expected = match &case.expected {
        Some(expected) => Some(ExpectedStart::parse(&expected.start)?),
        None => None,
    };
    let expected_end = match case.expected.as_ref().and_then(|e| e.end.as_deref()) {
        Some(end) => Some(ExpectedStart::parse(end)?),
        None => None,
    };
    let parsed = parse(&case.phrase, &context);
    let reading = match &parsed {
        Ok(when) => match when.end {
            Some(end) => format!("{} to {}", when.at.to_rfc3339(), end.to_rfc3339()),
            None => when.at.to_rfc3339(),
        },
        Err(error) => format!("error: {error}"),
    };
    let outcome = match (&expected, &parsed) {
        (Some(start), Ok(when))
            if start.matches(when.at.with_timezone(&tz))
                && expected_end
                    .as_ref()
                    .is_none_or(|end| when.end.is_some_and(|e| end.matches(e.with_timezone(&tz)))) =>
        {
            Outcome::Correct
        }
        _ if case.deliberate.is_some() => Outcome::Deliberate,
        (None, Err(_)) => Outcome::Correct,
        (Some(_), Err(_)) => Outcome::Refused,
        (_, Ok(_)) => Outcome::WrongTime,
    };
    Some((case, outcome, reading))
}

/// The expected start: an instant, or a day when the hour is not expected.
enum ExpectedStart {
    Instant(DateTime<chrono::FixedOffset>),
    Day(NaiveDate),
}

impl ExpectedStart {
    fn parse(text: &str) -> Option<Self> {
        if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
            return Some(Self::Instant(instant));
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Self::Day)
    }

    fn matches(&self, at: DateTime<Tz>) -> bool {
        match self {
            Self::Instant(instant) => at == *instant,
            Self::Day(day) => at.date_naive() == *day,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-03-04T10:00:00-05:00";

    fn line(phrase: &str, lang: &str, expected: &str, category: &str) -> String {
        format!(
            r#"{{"phrase": {phrase:?}, "lang": "{lang}", "now": "{NOW}", "tz": "America/Montreal", "expected": {expected}, "category": "{category}"}}"#
        )
    }

    fn run(lines: &[String]) -> (Scores, String) {
        let input = lines.join("\n");
        let mut output = Vec::new();
        let scores = score(input.as_bytes(), &mut output).expect("writing to memory");
        (scores, String::from_utf8(output).expect("the report is UTF-8"))
    }

    #[test]
    fn correct_wrong_and_refused_are_told_apart() {
        let (scores, report) = run(&[
            line(
                "demain à 8h",
                "fr",
                r#"{"start": "2026-03-05T08:00:00-05:00"}"#,
                "casual",
            ),
            line(
                "demain à 8h",
                "fr",
                r#"{"start": "2026-03-05T20:00:00-05:00"}"#,
                "casual",
            ),
            line("la veille", "fr", r#"{"start": "2026-03-03"}"#, "past"),
            line("buy 3 apples", "en", "null", "negative"),
            line("tomorrow", "en", r#"{"start": "2026-03-05", "end": null}"#, "casual"),
            line(
                "between 2 and 4 pm",
                "en",
                r#"{"start": "2026-03-04T14:00:00-05:00", "end": "2026-03-04T16:00:00-05:00"}"#,
                "window",
            ),
            line(
                "between 2 and 4 pm",
                "en",
                r#"{"start": "2026-03-04T14:00:00-05:00", "end": "2026-03-04T17:00:00-05:00"}"#,
                "window",
            ),
            line("at 5 buy 3 apples", "en", "null", "negative"),
        ]);
        let french = scores.by_language["fr"];
        assert_eq!((french.correct, french.wrong_time, french.refused), (1, 1, 1));
        let english = scores.by_language["en"];
        assert_eq!((english.correct, english.wrong_time, english.refused), (3, 2, 0));
        assert_eq!(scores.by_category[&("fr".to_owned(), "past".to_owned())].refused, 1);
        assert!(report.contains("wrong time\tfr\tcasual\t\"demain à 8h\"\texpected 2026-03-05T20:00:00-05:00"));
        assert!(report.contains("refused\tfr\tpast\t\"la veille\""));
        assert!(report.contains("wrong time\ten\tnegative\t\"at 5 buy 3 apples\"\texpected none"));
    }

    #[test]
    fn deliberate_differences_are_listed_with_their_reason_and_not_scored() {
        let mut case = line(
            "demain à 8h",
            "fr",
            r#"{"start": "2026-03-05T20:00:00-05:00"}"#,
            "casual",
        );
        case.truncate(case.len() - 1);
        case.push_str(r#", "deliberate": "French 8h is the morning"}"#);
        let (scores, report) = run(&[case]);
        let french = scores.by_language["fr"];
        assert_eq!((french.scored(), french.deliberate), (0, 1));
        assert!(
            report.contains("deliberate\tfr\tcasual\t\"demain à 8h\"") && report.contains("French 8h is the morning")
        );
    }

    #[test]
    fn invalid_lines_are_reported_not_scored() {
        let (scores, report) = run(&["{not json".to_owned(), line("demain", "xx", "null", "casual")]);
        assert_eq!(scores.invalid_lines, 2);
        assert!(scores.by_language.is_empty());
        assert!(report.contains("line 1: not a valid case"));
    }

    #[test]
    fn percent_counts_scored_cases_only() {
        let tally = Tally {
            correct: 3,
            wrong_time: 0,
            refused: 1,
            deliberate: 5,
        };
        assert_eq!(tally.percent_correct(), 75.0);
    }
}
