//! Bilingual (French, including Québec usage, and English) parser of the time
//! expressions people text to a reminder assistant: it finds *when*, the
//! recurrence if any, and *what* (the reminder's text).
//!
//! ```
//! use chrono::TimeZone;
//! use nudge_when::{Context, Grain, Tz, parse};
//!
//! let now = Tz::America__Montreal.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
//! let ctx = Context::new(now);
//!
//! let when = parse("remind me to call mom tomorrow at 5", &ctx).unwrap();
//! assert_eq!(when.text, "call mom");
//! assert_eq!(when.at.to_rfc3339(), "2026-03-05T17:00:00-05:00");
//! assert_eq!(when.grain, Grain::Hour);
//!
//! let when = parse("chaque mardi et jeudi à 9h, sortir le recyclage", &ctx).unwrap();
//! assert_eq!(when.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0"));
//! assert_eq!(when.text, "sortir le recyclage");
//! ```
//!
//! The rest of this documentation is the crate's `README.md`: the rules it
//! follows, in full.
#![doc = include_str!("../README.md")]

mod grammar;
mod lexicon;
mod local;
mod resolve;
mod rrule;
pub mod score;
mod text;
mod token;

use std::io::{BufRead, Write};

use chrono::{DateTime, FixedOffset, NaiveTime, SecondsFormat, TimeDelta};
pub use chrono_tz::Tz;
use serde::Serialize;

use crate::grammar::Parser;
use crate::resolve::Resolver;
use crate::rrule::Rule;
use crate::token::Tokens;

/// A language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    fn other(self) -> Self {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

/// The language to read a message in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangHint {
    Fr,
    En,
    /// Detect from the text (see the README's "Language" rules).
    Auto,
}

/// Precision of [`When::at`]: "demain" is a day, "à 14h" an hour, "à 14h30" a
/// minute, "dans 30 secondes" a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grain {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// The clock times that parts of the day and bare days stand for.
#[derive(Debug, Clone)]
pub struct DayParts {
    /// "matin", "morning", "avant-midi", "au déjeuner" (Québec breakfast).
    pub morning: NaiveTime,
    /// "au dîner" (Québec lunch), "ce midi", "at lunch".
    pub noon: NaiveTime,
    /// "après-midi", "aprem", "afternoon", "demain pm".
    pub afternoon: NaiveTime,
    /// "evening", "soirée", "au souper", "at dinner", "end of day".
    pub evening: NaiveTime,
    /// "tonight", "ce soir", "à soir", "demain soir", "nuit", "night".
    pub night: NaiveTime,
    /// A day without a time ("demain", "lundi", "le 5 mars").
    pub default_day_time: NaiveTime,
}

impl Default for DayParts {
    fn default() -> Self {
        Self {
            morning: local::hm(9, 0),
            noon: local::hm(12, 0),
            afternoon: local::hm(15, 0),
            evening: local::hm(18, 0),
            night: local::hm(21, 0),
            default_day_time: local::hm(9, 0),
        }
    }
}

/// What a message is read against: the person's current time (which carries
/// their IANA zone), language and day-part hours.
#[derive(Debug, Clone)]
pub struct Context {
    pub now: DateTime<Tz>,
    pub lang: LangHint,
    pub day_parts: DayParts,
}

impl Context {
    /// Automatic language detection and default day parts.
    pub fn new(now: DateTime<Tz>) -> Self {
        Self {
            now,
            lang: LangHint::Auto,
            day_parts: DayParts::default(),
        }
    }
}

/// A parsed reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    /// What the expression means, past or future (refusing a past time is
    /// the caller's job); for a recurrence, its first occurrence at or after
    /// `now`, which is also the rule's DTSTART.
    pub at: DateTime<FixedOffset>,
    pub grain: Grain,
    /// The reminder's text: the message without the time expression and the
    /// command words; may be empty.
    pub text: String,
    /// RFC 5545 RRULE without DTSTART, e.g. `FREQ=DAILY;BYHOUR=8;BYMINUTE=0`.
    pub rrule: Option<String>,
    /// The language the message was read in.
    pub lang: Lang,
    /// Other readings as plausible as `at` (for example "03/04" in a
    /// language whose numeric dates are read both ways, or "Tuesday the
    /// 19th" when the 19th is a Wednesday); empty when the phrase has one
    /// reading. A caller scheduling something asks which one is meant
    /// instead of picking `at` silently.
    pub alternatives: Vec<DateTime<FixedOffset>>,
    /// The end of a window or range ("between 2 and 4 pm", "de 14h à
    /// 16h", "from Monday to Friday"); `at` is its start. `None` for a single
    /// time.
    pub end: Option<DateTime<FixedOffset>>,
}

#[derive(Serialize)]
struct WhenJson<'a> {
    at: String,
    grain: Grain,
    text: &'a str,
    rrule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
}

impl When {
    fn json_view(&self) -> WhenJson<'_> {
        WhenJson {
            at: self.at.to_rfc3339_opts(SecondsFormat::Secs, false),
            grain: self.grain,
            text: &self.text,
            rrule: self.rrule.as_deref(),
            end: self.end.map(|end| end.to_rfc3339_opts(SecondsFormat::Secs, false)),
        }
    }

    /// `{"at": "2026-03-05T14:30:00-05:00", "grain": "minute", "text": "…",
    /// "rrule": "FREQ=…" or null}`, with `"end"` for a window.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "at": self.at.to_rfc3339_opts(SecondsFormat::Secs, false),
            "grain": self.grain,
            "text": self.text,
            "rrule": self.rrule,
        });
        if let Some(end) = self.end {
            json["end"] = end.to_rfc3339_opts(SecondsFormat::Secs, false).into();
        }
        json
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum WhenError {
    #[error("no time expression found in the text")]
    NoTime,
    #[error("{0:?} is too vague to schedule; say when (\"at 3pm\", \"in 2 hours\", \"demain matin\")")]
    Vague(String),
    #[error("{0:?} is not a valid date")]
    InvalidDate(String),
    #[error("{0:?} is not a valid time of day")]
    InvalidTime(String),
    #[error("{0:?}: the weekday does not match the date")]
    WrongWeekday(String),
    #[error("{0:?} and {1:?} cannot both apply to one reminder")]
    Conflict(String, String),
    #[error("{0:?} is not supported; say exactly when (\"at 9 and at 21\" needs two reminders)")]
    Unsupported(String),
    #[error("invalid or unsupported RRULE: {0}")]
    InvalidRrule(String),
    #[error("the date is out of range")]
    OutOfRange,
}

/// Parses one message. See the crate documentation for the rules.
pub fn parse(text: &str, ctx: &Context) -> Result<When, WhenError> {
    let tokens = Tokens::new(text);
    let lang = match ctx.lang {
        LangHint::Fr => Lang::Fr,
        LangHint::En => Lang::En,
        LangHint::Auto => lexicon::detect(&tokens),
    };
    match parse_as(&tokens, text, lang, ctx) {
        Err(WhenError::NoTime) if ctx.lang == LangHint::Auto => parse_as(&tokens, text, lang.other(), ctx),
        result => result,
    }
}

fn parse_as(tokens: &Tokens, text: &str, lang: Lang, ctx: &Context) -> Result<When, WhenError> {
    let found = Parser::new(tokens, text, lang).scan();
    let outcome = Resolver::new(ctx, tokens, text).resolve(&found)?;
    let spans: Vec<grammar::Span> = found.iter().map(|(_, s)| *s).collect();
    Ok(When {
        at: outcome.at.fixed_offset(),
        grain: outcome.grain,
        text: text::reminder_text(tokens, text, &spans, lang),
        rrule: outcome.rrule,
        lang,
        alternatives: outcome.alternatives.iter().map(DateTime::fixed_offset).collect(),
        end: outcome.end.map(|end| end.fixed_offset()),
    })
}

/// `nudge when --jsonl`: reads one message per line and writes, in order, one
/// JSON object per line ([`When::to_json`]) or `null` when the line has no
/// time the parser can place. Invalid UTF-8 is read lossily. Flushes at the end.
pub fn run_jsonl(input: impl BufRead, output: impl Write, ctx: &Context) -> std::io::Result<()> {
    let mut input = input;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, output);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        match parse(text.trim_end_matches(['\n', '\r']), ctx) {
            Ok(when) => serde_json::to_writer(&mut out, &when.json_view())?,
            Err(_) => out.write_all(b"null")?,
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The first `count` occurrences of `rrule` with DTSTART `start`, from
/// `start` on (it is included when it matches, as [`When::at`] always does).
/// Daily and longer rules keep their wall-clock time across DST changes;
/// see the `rrule` rules in the crate docs.
pub fn next_occurrences(rrule: &str, start: DateTime<Tz>, count: usize) -> Result<Vec<DateTime<Tz>>, WhenError> {
    let rule: Rule = rrule.parse()?;
    Ok(rule.occurrences(start, start, count))
}

/// The first `count` occurrences of `rrule` with DTSTART `dtstart` that are
/// strictly after `after`: what the reminders layer needs for "the next one"
/// without expanding from an old DTSTART.
pub fn occurrences_after(
    rrule: &str,
    dtstart: DateTime<Tz>,
    after: DateTime<Tz>,
    count: usize,
) -> Result<Vec<DateTime<Tz>>, WhenError> {
    let rule: Rule = rrule.parse()?;
    let from = after
        .checked_add_signed(TimeDelta::nanoseconds(1))
        .ok_or(WhenError::OutOfRange)?;
    Ok(rule.occurrences(dtstart, from, count))
}
