//! Converts the English and French test data of dateparser (the Python date
//! parser, github.com/scrapinghub/dateparser) into `nudge when --score`
//! cases. The suite is others' text: fetch a copy outside this repository and
//! give its folder:
//!
//! ```text
//! cargo run -p nudge-when --example convert_dateparser -- /work/corpora/dateparser > dateparser.jsonl
//! nudge when --score dateparser.jsonl
//! ```
//!
//! It reads the `param(..)` lists of `tests/test_date_parser.py` and
//! `tests/test_freshness_date_parser.py` whose test function fixes the
//! reference time (`RELATIVE_BASE`, or the freshness tests' `self.now`,
//! 2014-09-01 10:30): `param("phrase", datetime(..))`, `param("phrase",
//! ago={..})` and `param("phrase", in_future={..})`. A list's language is
//! English until a comment names another ("# French dates", "# fr", "# de"…);
//! only English and French cases are kept. Times are naive: the cases use the
//! UTC zone. An expected `datetime(y, m, d)` without a time, or a shift of
//! whole days, weeks, months or years, expects only the day (dateparser's hour
//! for a bare day is its own convention). The category is the test function's
//! name without `test_`.

use std::io::Write;
use std::path::Path;

use chrono::{Months, NaiveDate, NaiveDateTime, TimeDelta};

use super::source_text::{arguments, deliberate_reason, string_literal};

/// Writes the cases of the dateparser checkout at `root` to `output`;
/// returns how many were written.
pub fn convert(root: &Path, output: &mut impl Write) -> std::io::Result<usize> {
    let mut written = 0;
    for file in ["test_date_parser.py", "test_freshness_date_parser.py"] {
        let source = std::fs::read_to_string(root.join("tests").join(file))?;
        let freshness = file.contains("freshness");
        for line in cases(&source, freshness) {
            writeln!(output, "{line}")?;
            written += 1;
        }
    }
    Ok(written)
}

/// The cases of every `@parameterized.expand([...])` list followed by a test
/// that fixes its reference time.
fn cases(source: &str, freshness: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = source[from..].find("@parameterized.expand(") {
        let start = from + offset;
        let Some(definition) = source[start..].find("def test_").map(|d| start + d) else {
            break;
        };
        from = definition;
        let name_end = source[definition..].find('(').map_or(definition, |e| definition + e);
        let category = source[definition + "def test_".len()..name_end].to_owned();
        let body_end = source[definition + 1..]
            .find("\n    @")
            .or_else(|| source[definition + 1..].find("\n    def "))
            .map_or(source.len(), |e| definition + 1 + e);
        let body = &source[definition..body_end];
        let reference = match body.find("RELATIVE_BASE") {
            Some(at) => python_datetime(&body[at..]),
            None if freshness => NaiveDate::from_ymd_opt(2014, 9, 1).and_then(|d| d.and_hms_opt(10, 30, 0)),
            None => None,
        };
        let Some(reference) = reference else {
            continue;
        };
        // Other zones than the phrase's are settings these cases cannot carry.
        if body.contains("TIMEZONE") {
            continue;
        }
        // Lists whose first argument is a language code, not a phrase.
        if source[definition..name_end + 40.min(source.len() - name_end)].contains("language") {
            continue;
        }
        let deliberate = body
            .contains("\"PREFER_DATES_FROM\": \"past\"")
            .then_some("dateparser is asked to prefer past dates here; a reminder's time is the next one");
        out.extend(params(&source[start..definition], reference, &category, deliberate));
    }
    out
}

/// The `param(..)` calls of one list, with the language of each.
fn params(list: &str, reference: NaiveDateTime, category: &str, deliberate: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut lang = Some("en");
    let mut rest = list;
    loop {
        let next_param = rest.find("param(");
        let next_comment = rest.find('#');
        match (next_param, next_comment) {
            (Some(p), Some(c)) if c < p => {
                let line_end = rest[c..].find('\n').map_or(rest.len(), |e| c + e);
                let comment = rest[c + 1..line_end].trim();
                let first = comment.split_whitespace().next().unwrap_or_default();
                let heading = comment.ends_with(" dates")
                    || (comment.len() <= 7 && first.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
                if heading {
                    lang = match first.to_ascii_lowercase().as_str() {
                        "english" | "en" => Some("en"),
                        "french" | "fr" => Some("fr"),
                        _ => None,
                    };
                }
                rest = &rest[line_end..];
            }
            (Some(p), _) => {
                let Some(arguments) = arguments(&rest[p + "param".len()..]) else {
                    break;
                };
                rest = &rest[p + "param(".len()..];
                if let Some(lang) = lang
                    && let Some(line) = case(&arguments, lang, reference, category, deliberate)
                {
                    out.push(line);
                }
            }
            (None, _) => break,
        }
    }
    out
}

fn case(
    arguments: &[String],
    lang: &str,
    reference: NaiveDateTime,
    category: &str,
    deliberate: Option<&str>,
) -> Option<String> {
    let phrase = string_literal(arguments.first()?)?;
    let mut expected = None;
    for argument in &arguments[1..] {
        let argument = argument.trim();
        if argument.starts_with("datetime(") {
            expected = Some(expected_datetime(argument)?);
        } else if let Some(delta) = argument.strip_prefix("ago=") {
            expected = Some(shifted(reference, delta, -1)?);
        } else if let Some(delta) = argument.strip_prefix("in_future=") {
            expected = Some(shifted(reference, delta, 1)?);
        } else if argument.starts_with("languages=") && !argument.contains(&format!("\"{lang}\"")) {
            return None;
        }
    }
    let mut case = serde_json::json!({
        "phrase": phrase,
        "lang": lang,
        "now": format!("{}Z", reference.format("%Y-%m-%dT%H:%M:%S")),
        "tz": "UTC",
        "expected": { "start": expected? },
        "category": category,
    });
    let expected_start = case["expected"]["start"].as_str().unwrap_or_default().to_owned();
    if let Some(reason) = deliberate.or_else(|| deliberate_reason(&phrase, &expected_start, reference)) {
        case["deliberate"] = reason.into();
    }
    Some(case.to_string())
}

/// `datetime(2014, 9, 4)` is a day; with a time, an instant.
fn expected_datetime(argument: &str) -> Option<String> {
    let numbers = numbers(argument.strip_prefix("datetime")?)?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(*numbers.first()?).ok()?,
        u32::try_from(*numbers.get(1)?).ok()?,
        u32::try_from(*numbers.get(2)?).ok()?,
    )?;
    if numbers.len() <= 3 || numbers[3..].iter().all(|&n| n == 0) {
        return Some(date.format("%Y-%m-%d").to_string());
    }
    let part = |index: usize| u32::try_from(numbers.get(index).copied().unwrap_or(0)).ok();
    let time = date.and_hms_opt(part(3)?, part(4)?, part(5)?)?;
    Some(format!("{}Z", time.format("%Y-%m-%dT%H:%M:%S")))
}

fn python_datetime(text: &str) -> Option<NaiveDateTime> {
    let start = text.find("datetime(")?;
    let numbers = numbers(&text[start + "datetime".len()..])?;
    let part = |index: usize| numbers.get(index).copied().unwrap_or(0);
    NaiveDate::from_ymd_opt(
        i32::try_from(part(0)).ok()?,
        u32::try_from(part(1)).ok()?,
        u32::try_from(part(2)).ok()?,
    )?
    .and_hms_opt(
        u32::try_from(part(3)).ok()?,
        u32::try_from(part(4)).ok()?,
        u32::try_from(part(5)).ok()?,
    )
}

/// The integers of a parenthesized list starting `text`.
fn numbers(text: &str) -> Option<Vec<i64>> {
    arguments(text)?.iter().map(|a| a.trim().parse().ok()).collect()
}

/// `{"days": 1, "hours": 2}` applied to the reference, backwards for `ago`.
fn shifted(reference: NaiveDateTime, delta: &str, sign: i64) -> Option<String> {
    let inner = delta.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut at = reference;
    let mut only_days = true;
    for pair in inner.split(',').filter(|p| !p.trim().is_empty()) {
        let (unit, amount) = pair.split_once(':')?;
        let unit = string_literal(unit.trim())?;
        let amount: f64 = amount.trim().parse().ok()?;
        let whole = amount.fract() == 0.0;
        let seconds = |per_unit: f64| TimeDelta::milliseconds((sign as f64 * amount * per_unit * 1000.0) as i64);
        at = match unit.as_str() {
            "years" | "months" if whole => {
                let months = Months::new(u32::try_from(amount as i64 * if unit == "years" { 12 } else { 1 }).ok()?);
                if sign > 0 {
                    at.checked_add_months(months)?
                } else {
                    at.checked_sub_months(months)?
                }
            }
            "weeks" => at + seconds(604_800.0),
            "days" => at + seconds(86_400.0),
            "hours" => at + seconds(3600.0),
            "minutes" => at + seconds(60.0),
            "seconds" => at + seconds(1.0),
            _ => return None,
        };
        only_days &= whole && matches!(unit.as_str(), "years" | "months" | "weeks" | "days");
    }
    if only_days {
        return Some(at.format("%Y-%m-%d").to_string());
    }
    Some(format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S")))
}
