//! Helpers shared by the phrase tables.

use chrono::TimeZone;
use nudge_when::{Context, LangHint, Tz, WhenError, parse};

/// Wednesday 2026-03-04 10:00 in Montréal.
#[expect(clippy::unwrap_used, reason = "a fixed, valid test clock")]
pub(crate) fn ctx() -> Context {
    Context::new(
        Tz::America__Montreal
            .with_ymd_and_hms(2026, 3, 4, 10, 0, 0)
            .single()
            .unwrap(),
    )
}

/// Parses `input` with automatic language detection and compares
/// `When::to_json()` with `expected_json`.
#[track_caller]
pub(crate) fn check(input: &str, expected_json: &str) {
    check_with(&ctx(), input, expected_json);
}

#[track_caller]
pub(crate) fn check_with(ctx: &Context, input: &str, expected_json: &str) {
    let expected: serde_json::Value = match serde_json::from_str(expected_json) {
        Ok(v) => v,
        Err(e) => panic!("bad expected JSON for {input:?}: {e}"),
    };
    match parse(input, ctx) {
        Ok(when) => assert_eq!(when.to_json(), expected, "input: {input:?}"),
        Err(e) => panic!("{input:?} failed: {e:?}, expected {expected_json}"),
    }
}

/// Like [`check`] with a forced language.
#[track_caller]
pub(crate) fn check_lang(lang: LangHint, input: &str, expected_json: &str) {
    let mut ctx = ctx();
    ctx.lang = lang;
    check_with(&ctx, input, expected_json);
}

#[track_caller]
pub(crate) fn check_err(input: &str, expected: WhenError) {
    match parse(input, &ctx()) {
        Ok(when) => panic!("{input:?} parsed as {}, expected {expected:?}", when.to_json()),
        Err(e) => assert_eq!(e, expected, "input: {input:?}"),
    }
}

/// `input` has no time expression.
#[track_caller]
pub(crate) fn no_time(input: &str) {
    check_err(input, WhenError::NoTime);
}

/// `input` reads as the instant `expected_at` (RFC 3339), whatever its text
/// and grain.
#[track_caller]
pub(crate) fn at(input: &str, expected_at: &str) {
    match parse(input, &ctx()) {
        Ok(when) => assert_eq!(when.at.to_rfc3339(), expected_at, "input: {input:?}"),
        Err(e) => panic!("{input:?} failed: {e:?}, expected {expected_at}"),
    }
}

/// `input` is refused (any error): the caller asks rather than guesses.
#[track_caller]
pub(crate) fn refused(input: &str) {
    if let Ok(when) = parse(input, &ctx()) {
        panic!("{input:?} parsed as {}, expected a refusal", when.to_json());
    }
}

/// `input` reads as the window from `start` to `end` (RFC 3339).
#[track_caller]
pub(crate) fn window(input: &str, start: &str, end: &str) {
    match parse(input, &ctx()) {
        Ok(when) => {
            assert_eq!(when.at.to_rfc3339(), start, "start of {input:?}");
            assert_eq!(
                when.end.map(|e| e.to_rfc3339()).as_deref(),
                Some(end),
                "end of {input:?}"
            );
        }
        Err(e) => panic!("{input:?} failed: {e:?}, expected {start} to {end}"),
    }
}

/// `input` reads as `expected_at` and has `alternative` among its other
/// readings: the caller asks which one is meant.
#[track_caller]
pub(crate) fn asks(input: &str, expected_at: &str, alternative: &str) {
    match parse(input, &ctx()) {
        Ok(when) => {
            assert_eq!(when.at.to_rfc3339(), expected_at, "input: {input:?}");
            let others: Vec<String> = when.alternatives.iter().map(|a| a.to_rfc3339()).collect();
            assert!(
                others.iter().any(|a| a == alternative),
                "{input:?}: alternatives {others:?}, expected {alternative}"
            );
        }
        Err(e) => panic!("{input:?} failed: {e:?}, expected {expected_at} or {alternative}"),
    }
}

/// `input` reads as `expected_at` with no other reading.
#[track_caller]
pub(crate) fn only(input: &str, expected_at: &str) {
    match parse(input, &ctx()) {
        Ok(when) => {
            assert_eq!(when.at.to_rfc3339(), expected_at, "input: {input:?}");
            assert!(
                when.alternatives.is_empty(),
                "{input:?}: alternatives {:?}",
                when.alternatives
            );
        }
        Err(e) => panic!("{input:?} failed: {e:?}, expected {expected_at}"),
    }
}
