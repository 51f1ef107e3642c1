//! Converts the English and French tests of chrono (the JavaScript
//! natural-date parser, github.com/wanasit/chrono) into `nudge when --score`
//! cases. The suite is others' text: fetch a copy outside this repository and
//! give its folder:
//!
//! ```text
//! cargo run -p nudge-when --example convert_chrono -- /work/corpora/chrono > chrono.jsonl
//! nudge when --score chrono.jsonl
//! ```
//!
//! It reads the `testSingleCase`, `testWithExpectedDate` and
//! `testUnexpectedResult` calls of `test/en/*.ts` and `test/fr/*.ts`: the
//! phrase, the reference date and the expected start (`toBeDate(new
//! Date(..))` or the `get("year")`… assertions). JavaScript dates are local
//! times; the cases use the UTC zone for both the reference and the
//! expectation. When a test asserts no hour and the expected time is chrono's
//! own default for a day (the reference time, or noon), only the day is
//! expected. The category is the test file's name (`en_casual` gives
//! `casual`). British-order cases (`chrono.en.GB`, little-endian) are left
//! out: Nudge's English numeric dates are month/day.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::source_text::{arguments, deliberate_reading, deliberate_reason, string_literal};

/// Writes the cases of the chrono checkout at `root` to `output`; returns
/// how many were written and how many calls were left out.
pub fn convert(root: &Path, output: &mut impl Write) -> std::io::Result<(usize, usize)> {
    let mut skipped = 0;
    let mut written = 0;
    for lang in ["en", "fr"] {
        let folder = root.join("test").join(lang);
        let mut files: Vec<_> = std::fs::read_dir(&folder)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.to_string_lossy().ends_with(".test.ts"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let category = name
                .trim_end_matches(".test.ts")
                .trim_start_matches(&format!("{lang}_"))
                .to_owned();
            let source = std::fs::read_to_string(&file)?;
            for call in calls(&source) {
                match case(&call, lang, &category) {
                    Some(line) => {
                        writeln!(output, "{line}")?;
                        written += 1;
                    }
                    None => skipped += 1,
                }
            }
        }
    }
    Ok((written, skipped))
}

/// A test call: its function name and its top-level arguments.
struct Call {
    function: String,
    arguments: Vec<String>,
}

fn calls(source: &str) -> Vec<Call> {
    let mut found = Vec::new();
    for function in ["testSingleCase(", "testWithExpectedDate(", "testUnexpectedResult("] {
        let mut from = 0;
        while let Some(offset) = source[from..].find(function) {
            let open = from + offset + function.len() - 1;
            from = open + 1;
            // Skip the imports and definitions.
            if source[..open].ends_with("function testSingleCase") {
                continue;
            }
            if let Some(arguments) = arguments(&source[open..]) {
                found.push(Call {
                    function: function.trim_end_matches('(').to_owned(),
                    arguments,
                });
            }
        }
    }
    found
}

/// `new Date(2012, 8 - 1, 10, 12)` (month from 0) or `new Date("2012-08-10T12:00:00")`.
fn js_date(argument: &str) -> Option<NaiveDateTime> {
    let inner = argument.trim().strip_prefix("new Date(")?.strip_suffix(')')?;
    if let Some(text) = string_literal(inner.trim()) {
        let text = text.trim_end_matches('Z');
        return NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            .ok();
    }
    let numbers: Vec<i64> = inner.split(',').map(integer_expression).collect::<Option<_>>()?;
    if numbers.len() < 3 {
        return None;
    }
    let part = |index: usize| numbers.get(index).copied().unwrap_or(0);
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(part(0)).ok()?,
        u32::try_from(part(1) + 1).ok()?,
        u32::try_from(part(2)).ok()?,
    )?;
    date.and_hms_opt(
        u32::try_from(part(3)).ok()?,
        u32::try_from(part(4)).ok()?,
        u32::try_from(part(5)).ok()?,
    )
}

/// "8 - 1", "12", "-1", "-8 * 60".
fn integer_expression(text: &str) -> Option<i64> {
    if let Some((a, b)) = text.split_once('*') {
        return Some(integer_expression(a)? * integer_expression(b)?);
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut total = 0;
    let mut sign = 1;
    let mut number = String::new();
    for character in compact.chars().chain(std::iter::once('+')) {
        match character {
            '0'..='9' => number.push(character),
            '+' | '-' => {
                if !number.is_empty() {
                    total += sign * number.parse::<i64>().ok()?;
                    number.clear();
                    sign = 1;
                }
                if character == '-' {
                    sign = -sign;
                }
            }
            _ => return None,
        }
    }
    Some(total)
}

/// The value asserted by `expect(result.start.get("field")).toBe(N)`.
fn asserted(body: &str, field: &str) -> Option<i64> {
    asserted_on(body, "start", field)
}

/// The value asserted by `expect(result.<side>.get("field")).toBe(N)`.
fn asserted_on(body: &str, side: &str, field: &str) -> Option<i64> {
    let pattern = format!("result.{side}.get(\"{field}\")).toBe(");
    let start = body.find(&pattern)? + pattern.len();
    let end = start + body[start..].find(')')?;
    integer_expression(&body[start..end])
}

fn case(call: &Call, lang: &str, category: &str) -> Option<String> {
    let parser = call.arguments.first()?;
    if parser.contains("GB") || parser.contains("LittleEndian") {
        return None;
    }
    let phrase = string_literal(call.arguments.get(1)?)?;
    let (reference, expected) = match call.function.as_str() {
        "testUnexpectedResult" => {
            let reference = call
                .arguments
                .get(2)
                .and_then(|a| js_date(a))
                .or_else(default_reference)?;
            (reference, None)
        }
        "testWithExpectedDate" => {
            let expected = js_date(call.arguments.get(2)?)?;
            (expected, Some(expected_start(expected, expected, false)))
        }
        _ => {
            let reference = js_date(call.arguments.get(2)?)?;
            let body = call.arguments.last()?;
            (reference, Some(expected_from_body(body, reference)?))
        }
    };
    let deliberate = match &expected {
        Some(start) => deliberate_reason(&phrase, start, reference),
        None if parser.contains("strict") => Some("chrono's strict mode refuses casual phrases that Nudge reads"),
        None if parser.trim() == "custom" => {
            Some("chrono's test configures a parser without this form; Nudge's parser reads it")
        }
        None => deliberate_reading(&phrase),
    };
    let end = match call.function.as_str() {
        "testSingleCase" => call.arguments.last().and_then(|body| expected_end(body)),
        _ => None,
    };
    let mut case = serde_json::json!({
        "phrase": phrase,
        "lang": lang,
        "now": format!("{}Z", reference.format("%Y-%m-%dT%H:%M:%S")),
        "tz": "UTC",
        "expected": expected.map(|start| serde_json::json!({ "start": start, "end": end })),
        "category": category,
    });
    if let Some(reason) = deliberate {
        case["deliberate"] = reason.into();
    }
    Some(case.to_string())
}

/// The expected end of a range, when the test asserts its day and hour
/// (`result.end.get("day")`, `get("hour")`…); a day alone when no hour is
/// asserted.
fn expected_end(body: &str) -> Option<String> {
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(asserted_on(body, "end", "year")?).ok()?,
        u32::try_from(asserted_on(body, "end", "month")?).ok()?,
        u32::try_from(asserted_on(body, "end", "day")?).ok()?,
    )?;
    match asserted_on(body, "end", "hour") {
        Some(hour) => {
            let minute = asserted_on(body, "end", "minute").unwrap_or(0);
            let second = asserted_on(body, "end", "second").unwrap_or(0);
            let mut time = date.and_hms_opt(
                u32::try_from(hour).ok()?,
                u32::try_from(minute).ok()?,
                u32::try_from(second).ok()?,
            )?;
            if let Some(offset) = asserted_on(body, "end", "timezoneOffset") {
                time -= chrono::TimeDelta::minutes(offset);
            }
            Some(format!("{}Z", time.format("%Y-%m-%dT%H:%M:%S")))
        }
        None => Some(date.format("%Y-%m-%d").to_string()),
    }
}

fn default_reference() -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(2012, 8, 10)?.and_hms_opt(12, 0, 0)
}

fn expected_from_body(body: &str, reference: NaiveDateTime) -> Option<String> {
    let hour_asserted = body.contains("get(\"hour\")") || body.contains("isCertain(\"hour\")");
    if let Some(start) = body.find("expect(result.start).toBeDate(") {
        let from = start + "expect(result.start).toBeDate(".len();
        let date_arguments = arguments(&body[from - 1..])?;
        let expected = js_date(date_arguments.first()?)?;
        return Some(expected_start(expected, reference, hour_asserted));
    }
    let year = asserted(body, "year")?;
    let month = asserted(body, "month")?;
    let day = asserted(body, "day")?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    )?;
    match asserted(body, "hour") {
        Some(hour) => {
            let minute = asserted(body, "minute").unwrap_or(0);
            let second = asserted(body, "second").unwrap_or(0);
            let mut time = date.and_hms_opt(
                u32::try_from(hour).ok()?,
                u32::try_from(minute).ok()?,
                u32::try_from(second).ok()?,
            )?;
            // A zone asserted with the time: the instant in UTC.
            if let Some(offset) = asserted(body, "timezoneOffset") {
                time -= chrono::TimeDelta::minutes(offset);
            }
            Some(format!("{}Z", time.format("%Y-%m-%dT%H:%M:%S")))
        }
        None => Some(date.format("%Y-%m-%d").to_string()),
    }
}

/// The expected start as an instant, or as a day when the test asserts no
/// hour and the time is chrono's default for a bare day.
fn expected_start(expected: NaiveDateTime, reference: NaiveDateTime, hour_asserted: bool) -> String {
    let default_time = expected.time() == reference.time() || (expected.hour() == 12 && expected.minute() == 0);
    if !hour_asserted && default_time && expected.second() == 0 || expected.year() < 1000 {
        return expected.format("%Y-%m-%d").to_string();
    }
    format!("{}Z", expected.format("%Y-%m-%dT%H:%M:%S"))
}
