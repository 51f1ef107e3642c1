//! English: messages without a usable time. Numbers that are not times, vague
//! words, impossible values and contradictions are errors, never a guess.

use crate::common::{asks, check_err, no_time, window};
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn numbers_that_are_not_times() {
    no_time("I have 2 cats");
    no_time("buy 3 apples");
    no_time("call 555-1234");
    no_time("call 514-555-1234");
    no_time("look at 2 options");
    no_time("meet at 2 locations");
    no_time("room 204");
    no_time("it costs $5");
    no_time("top 10 movies");
    no_time("table for 4");
    no_time("I sat 5 times");
    no_time("version 2.0");
    no_time("chapter 11");
    no_time("the 3 musketeers");
    no_time("2 + 2 = 4");
    no_time("1 of 3");
    no_time("5 stars");
    no_time("for 20 minutes");
    no_time("walk 30 minutes");
    no_time("take 2 pills");
    no_time("the 5th floor");
}

#[test]
#[rustfmt::skip]
fn words_that_are_not_times() {
    no_time("remind me to call mom");
    no_time("hello");
    no_time("march for the climate");
    no_time("may I help");
    no_time("buy sun screen");
    no_time("mon frère");
}

#[test]
#[rustfmt::skip]
fn vague() {
    check_err("later", WhenError::Vague("later".into()));
    check_err("remind me later", WhenError::Vague("later".into()));
    check_err("soon", WhenError::Vague("soon".into()));
    check_err("in a bit", WhenError::Vague("in a bit".into()));
    check_err("in a while", WhenError::Vague("in a while".into()));
    check_err("in a few minutes", WhenError::Vague("in a few minutes".into()));
    check_err("in a few days", WhenError::Vague("in a few days".into()));
    check_err("this week", WhenError::Vague("this week".into()));
    check_err("sometime", WhenError::Vague("sometime".into()));
    check_err("later today", WhenError::Vague("later today".into()));
    check_err("one of these days", WhenError::Vague("one of these days".into()));
}

#[test]
#[rustfmt::skip]
fn invalid_values() {
    check_err("at 25:00", WhenError::InvalidTime("at 25:00".into()));
    check_err("13pm", WhenError::InvalidTime("13pm".into()));
    check_err("at 5:75", WhenError::InvalidTime("at 5:75".into()));
    check_err("february 30", WhenError::InvalidDate("february 30".into()));
    check_err("13/13", WhenError::InvalidDate("13/13".into()));
    check_err("april 31", WhenError::InvalidDate("april 31".into()));
    asks("tuesday march 9", "2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn conflicts() {
    check_err("tomorrow and friday", WhenError::Conflict("tomorrow".into(), "friday".into()));
    check_err("monday and thursday", WhenError::Conflict("monday".into(), "thursday".into()));
    check_err("tomorrow morning at 3pm", WhenError::Conflict("tomorrow morning".into(), "at 3pm".into()));
    check_err("in 2 hours tomorrow", WhenError::Conflict("in 2 hours".into(), "tomorrow".into()));
    check_err("at 5 and at 7", WhenError::Conflict("at 5".into(), "at 7".into()));
    check_err("tonight at 9am", WhenError::Conflict("tonight".into(), "at 9am".into()));
}

#[test]
#[rustfmt::skip]
fn unsupported() {
    check_err("twice a day", WhenError::Unsupported("twice a day".into()));
    check_err("every 10 seconds", WhenError::Unsupported("every 10 seconds".into()));
    check_err("before noon", WhenError::Unsupported("before noon".into()));
    check_err("call the vet before noon tomorrow", WhenError::Unsupported("before noon".into()));
    check_err("before friday", WhenError::Unsupported("before friday".into()));
}

#[test]
#[rustfmt::skip]
fn alternatives_and_lookalikes() {
    no_time("remind me to call at 5 or 6");
    no_time("meet john at the 5 and dime");
    no_time("buy milk at 7-eleven");
    window("tomorrow 9am-10am meeting", "2026-03-05T09:00:00-05:00", "2026-03-05T10:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn durations_written_like_clocks() {
    no_time("open 24h");
    no_time("the store is open 24 h a day");
}
