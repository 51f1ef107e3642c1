//! The public API: JSON shape, `run_jsonl`, language hints, configurable day
//! parts, and `at` being the DTSTART of the rules `parse` produces.

use std::io::Write;

use chrono::{DateTime, TimeDelta, TimeZone};
use nudge_when::{Context, DayParts, Grain, Lang, LangHint, Tz, WhenError, next_occurrences, parse, run_jsonl};

#[expect(clippy::unwrap_used, reason = "a fixed, valid test clock")]
fn now() -> DateTime<Tz> {
    Tz::America__Montreal
        .with_ymd_and_hms(2026, 3, 4, 10, 0, 0)
        .single()
        .unwrap()
}

fn ctx() -> Context {
    Context::new(now())
}

#[test]
fn to_json_has_exactly_the_four_fields() {
    let when = parse("rappelle-moi de boire de l'eau dans 2 minutes", &ctx());
    let json = when.map(|w| w.to_json()).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!({
            "at": "2026-03-04T10:02:00-05:00",
            "grain": "minute",
            "text": "boire de l'eau",
            "rrule": null,
        })
    );
    let when = parse("every weekday at 9", &ctx())
        .map(|w| w.to_json())
        .unwrap_or_default();
    assert_eq!(when["rrule"], "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0");
}

#[test]
fn when_carries_the_language_used() {
    let lang = |text: &str| parse(text, &ctx()).map(|w| w.lang);
    assert_eq!(lang("demain à 8h"), Ok(Lang::Fr));
    assert_eq!(lang("tomorrow at 8"), Ok(Lang::En));
    assert_eq!(lang("à soir"), Ok(Lang::Fr));
    // No marker at all: English.
    assert_eq!(lang("5/3"), Ok(Lang::En));
    // "tonight" alone would be English, but the French words win.
    assert_eq!(lang("appeler maman tonight"), Ok(Lang::Fr));
    assert_eq!(serde_json::to_string(&Lang::Fr).ok().as_deref(), Some("\"fr\""));
    assert_eq!(serde_json::from_str::<Lang>("\"en\"").ok(), Some(Lang::En));
}

#[test]
fn a_language_hint_decides_numeric_dates() {
    let at = |lang, text: &str| {
        let ctx = Context { lang, ..ctx() };
        parse(text, &ctx).map(|w| (w.at.to_rfc3339(), w.lang))
    };
    let march_5 = "2026-03-05T09:00:00-05:00".to_owned();
    let may_3 = "2026-05-03T09:00:00-04:00".to_owned();
    assert_eq!(at(LangHint::Fr, "5/3"), Ok((march_5.clone(), Lang::Fr)));
    assert_eq!(at(LangHint::En, "5/3"), Ok((may_3.clone(), Lang::En)));
    assert_eq!(at(LangHint::Auto, "5/3"), Ok((may_3, Lang::En)));
    assert_eq!(at(LangHint::Auto, "le 5/3"), Ok((march_5, Lang::Fr)));
    // "sept" is 7 in French and September in English.
    assert_eq!(
        at(LangHint::En, "sept 3").map(|a| a.0),
        Ok("2026-09-03T09:00:00-04:00".to_owned())
    );
    assert_eq!(at(LangHint::Fr, "sept 3"), Err(WhenError::NoTime));
}

#[test]
fn day_parts_are_configurable() {
    let mut ctx = ctx();
    ctx.day_parts = DayParts {
        morning: hm(7, 30),
        noon: hm(11, 45),
        afternoon: hm(14, 0),
        evening: hm(19, 0),
        night: hm(22, 0),
        default_day_time: hm(8, 0),
    };
    let at = |text: &str| parse(text, &ctx).map(|w| w.at.to_rfc3339()).unwrap_or_default();
    assert_eq!(at("demain"), "2026-03-05T08:00:00-05:00");
    assert_eq!(at("demain matin"), "2026-03-05T07:30:00-05:00");
    assert_eq!(at("au dîner"), "2026-03-04T11:45:00-05:00");
    assert_eq!(at("this afternoon"), "2026-03-04T14:00:00-05:00");
    assert_eq!(at("au souper"), "2026-03-04T19:00:00-05:00");
    assert_eq!(at("tonight"), "2026-03-04T22:00:00-05:00");
    let daily = parse("every day", &ctx).ok().and_then(|w| w.rrule);
    assert_eq!(daily.as_deref(), Some("FREQ=DAILY;BYHOUR=8;BYMINUTE=0"));
}

fn hm(h: u32, m: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::MIN + TimeDelta::minutes(i64::from(h * 60 + m))
}

#[test]
fn default_context() {
    let ctx = ctx();
    assert_eq!(ctx.lang, LangHint::Auto);
    let d = DayParts::default();
    let times = [d.morning, d.noon, d.afternoon, d.evening, d.night, d.default_day_time];
    assert_eq!(times, [hm(9, 0), hm(12, 0), hm(15, 0), hm(18, 0), hm(21, 0), hm(9, 0)]);
}

#[test]
fn at_has_whole_seconds() {
    let ctx = Context::new(now() + TimeDelta::milliseconds(12_345));
    let when = parse("in 2 hours", &ctx).map(|w| w.to_json()).unwrap_or_default();
    assert_eq!(when["at"], "2026-03-04T12:00:12-05:00");
    assert_eq!(when["grain"], "hour");
}

#[test]
fn the_first_occurrence_is_the_rules_dtstart() {
    for text in [
        "tous les jours à 8h",
        "every weekday at 9",
        "every 2 weeks on monday",
        "le premier de chaque mois",
        "chaque mardi et jeudi à 18h",
        "the last friday of every month at 5pm",
        "tous les ans le 5 mars",
        "every other day at 8pm",
        "les fins de semaine à 10h",
        "every 3 hours",
        "toutes les 30 minutes",
        "every friday at midnight",
    ] {
        let Ok(when) = parse(text, &ctx()) else {
            panic!("{text:?} did not parse");
        };
        let rrule = when.rrule.clone().unwrap_or_default();
        let start = when.at.with_timezone(&Tz::America__Montreal);
        let next = next_occurrences(&rrule, start, 3).unwrap_or_default();
        assert_eq!(next.first(), Some(&start), "{text:?}: {rrule}");
        assert!(next.windows(2).all(|w| w[0] < w[1]), "{text:?}: {next:?}");
        assert!(when.at >= now(), "{text:?}");
    }
}

#[test]
fn run_jsonl_writes_one_line_per_input_line_in_order() {
    let input: &[u8] = b"rappelle-moi de boire de l'eau dans 2 minutes\n\
        I have 2 cats\r\n\
        \n\
        every 3 hours\n\
        caf\xe9 demain\n\
        in 30 seconds";
    let mut out = Vec::new();
    assert!(run_jsonl(input, &mut out, &ctx()).is_ok());
    let out = String::from_utf8(out).unwrap_or_default();
    let expected = [
        r#"{"at":"2026-03-04T10:02:00-05:00","grain":"minute","text":"boire de l'eau","rrule":null}"#,
        "null",
        "null",
        r#"{"at":"2026-03-04T13:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=3"}"#,
        r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"caf�","rrule":null}"#,
        r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#,
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    assert!(out.ends_with('\n'));
    // Each line is the same JSON as `When::to_json`.
    let first: serde_json::Value = serde_json::from_str(expected[0]).unwrap_or_default();
    let direct = parse("rappelle-moi de boire de l'eau dans 2 minutes", &ctx()).map(|w| w.to_json());
    assert_eq!(direct, Ok(first));
}

/// A writer that records whether it was flushed.
struct Recorder {
    data: Vec<u8>,
    flushed: bool,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.flushed = false;
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flushed = true;
        Ok(())
    }
}

#[test]
fn run_jsonl_flushes_at_the_end() {
    let mut out = Recorder {
        data: Vec::new(),
        flushed: false,
    };
    let input = "demain\n".repeat(10_000);
    assert!(run_jsonl(input.as_bytes(), &mut out, &ctx()).is_ok());
    assert!(out.flushed);
    assert_eq!(out.data.iter().filter(|&&b| b == b'\n').count(), 10_000);
}

#[test]
fn errors_explain_themselves() {
    assert_eq!(WhenError::NoTime.to_string(), "no time expression found in the text");
    let err = parse("tomorrow and friday", &ctx()).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("\"tomorrow\" and \"friday\" cannot both apply to one reminder")
    );
    let err = parse("à 25h", &ctx()).err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("\"à 25h\" is not a valid time of day"));
    assert!(matches!(parse("soon", &ctx()), Err(WhenError::Vague(_))));
}

#[test]
fn grain_serializes_lowercase() {
    let grains = [
        Grain::Second,
        Grain::Minute,
        Grain::Hour,
        Grain::Day,
        Grain::Week,
        Grain::Month,
        Grain::Year,
    ];
    let names: Vec<String> = grains.iter().filter_map(|g| serde_json::to_string(g).ok()).collect();
    assert_eq!(
        names,
        [
            "\"second\"",
            "\"minute\"",
            "\"hour\"",
            "\"day\"",
            "\"week\"",
            "\"month\"",
            "\"year\""
        ]
    );
}

/// Random messages built from time words, numbers, punctuation and noise:
/// parsing never panics, `at` has whole seconds, the text is made of pieces
/// of the message, and a recurrence's `at` is its first occurrence.
#[test]
fn random_messages_never_panic() {
    const WORDS: &[&str] = &[
        "demain",
        "tomorrow",
        "à",
        "at",
        "le",
        "the",
        "on",
        "in",
        "dans",
        "every",
        "tous",
        "les",
        "chaque",
        "lundi",
        "monday",
        "fri",
        "mars",
        "march",
        "sept",
        "mon",
        "5",
        "14",
        "31",
        "2026",
        "h",
        "30",
        "pm",
        "am",
        ":",
        "/",
        "-",
        ".",
        ",",
        "minutes",
        "heures",
        "hours",
        "jours",
        "weeks",
        "mois",
        "midi",
        "minuit",
        "noon",
        "soir",
        "night",
        "matin",
        "et",
        "and",
        "demie",
        "quart",
        "moins",
        "past",
        "to",
        "half",
        "quarter",
        "prochain",
        "next",
        "this",
        "ce",
        "rappelle-moi",
        "remind",
        "me",
        "de",
        "d'",
        "l'",
        "appeler",
        "call",
        "mom",
        "🎂",
        "é",
        "'",
        "1er",
        "3rd",
        "fin",
        "semaine",
        "weekend",
        "du",
        "au",
        "sur",
        "deux",
        "un",
        "une",
        "other",
        "before",
        "after",
        "avant",
        "999999",
        "0",
        "00",
        "12",
        "24",
        "25",
        "60",
        "99",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let ctx = ctx();
    for _ in 0..20_000 {
        let len = 1 + next(8);
        let mut msg = String::new();
        for _ in 0..len {
            msg.push_str(WORDS[next(WORDS.len())]);
            if next(3) > 0 {
                msg.push(' ');
            }
        }
        if let Ok(when) = parse(&msg, &ctx) {
            assert_eq!(when.at.timestamp_subsec_nanos(), 0, "{msg:?}");
            for word in when.text.split_whitespace() {
                assert!(msg.contains(word), "{msg:?} -> {:?}", when.text);
            }
            if let Some(rrule) = &when.rrule {
                let start = when.at.with_timezone(&Tz::America__Montreal);
                let next = next_occurrences(rrule, start, 2);
                assert!(next.is_ok_and(|n| n.first() == Some(&start)), "{msg:?}: {rrule}");
            }
        }
    }
}
