//! English: days, dates, clock times and parts of the day.

use crate::common::{asks, check, check_err, check_lang};
use nudge_when::LangHint;
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn day_words() {
    check("tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("Tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("tmrw", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("tmr", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("tomorow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("tommorow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("tommorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("today", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("for tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("by tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("the day after tomorrow", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("day after tomorrow", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekdays() {
    // A bare weekday, "on" and "next" are the next one strictly after today.
    check("monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("Monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("tuesday", r#"{"at":"2026-03-10T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("wednesday", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("thursday", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("saturday", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("sunday", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("on monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("on mon", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("on fri", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("on thurs", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("next friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("next wednesday", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("next monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("next sat", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("for friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("by friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    // "this …" counts today.
    check("this friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("this wednesday", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("this coming friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weeks_months_years() {
    check("next week", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("next month", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("next year", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("in april", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("in may", r#"{"at":"2026-05-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("in january", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"month","text":"","rrule":null}"#);
    check("in the month of june", r#"{"at":"2026-06-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekend() {
    check("this weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("next weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("on the weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("the weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("over the weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("this week-end", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("this wknd", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn dates() {
    check("march 5", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("March 5th", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("mar 5", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("Mar. 5", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("on march 5th", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("march the 5th", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("the 5th of march", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("5th of march", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("5 march", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("march fifth", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("april 1", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("april 1st", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("the first of april", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("december 25", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dec 25", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("sept 3", r#"{"at":"2026-09-03T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("march twenty first", r#"{"at":"2026-03-21T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    // A date that has passed this year is next year's; today's stays today.
    check("march 1", r#"{"at":"2027-03-01T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("march 4", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("march 5, 2027", r#"{"at":"2027-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("march 5 2027", r#"{"at":"2027-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("feb 14, 2027", r#"{"at":"2027-02-14T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("march 2, 2026", r#"{"at":"2026-03-02T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("feb 29", r#"{"at":"2028-02-29T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn month_days() {
    check("on the 15th", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("the 15th", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("on the 3rd", r#"{"at":"2026-04-03T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("on the 31st", r#"{"at":"2026-03-31T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("on the 4th", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("the 15th at 2pm", r#"{"at":"2026-03-15T14:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("on the twentieth", r#"{"at":"2026-03-20T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn numeric_dates() {
    // Month/day in English when both readings are possible.
    check("3/5", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("5/3", r#"{"at":"2026-05-03T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("3/4", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("12/25", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("25/12", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("12/25/2026", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("3/5/27", r#"{"at":"2027-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("on 4/10", r#"{"at":"2026-04-10T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("2026-03-05", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("2026-03-05 14:30", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("2026-03-05T14:30", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("5.3.2026", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekday_with_date() {
    check("monday march 9", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("monday, march 9th", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("monday the 9th", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("friday the 13th", r#"{"at":"2026-03-13T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn clock_today() {
    // Without a day, a clock time is its next occurrence; 1–12 without am/pm
    // has two readings (at 10:00, "at 9" is 21:00).
    check("at 5", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 5pm", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("5pm", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("5 pm", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("5 p.m.", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("5PM", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("5p", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 5am", r#"{"at":"2026-03-05T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 5:30", r#"{"at":"2026-03-04T17:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 5:30pm", r#"{"at":"2026-03-04T17:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("5:30 pm", r#"{"at":"2026-03-04T17:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 9", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 11", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 10", r#"{"at":"2026-03-04T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 12", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 12:30", r#"{"at":"2026-03-04T12:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 9:45am", r#"{"at":"2026-03-05T09:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 11:15", r#"{"at":"2026-03-04T11:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 10:30 am", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    // 24-hour forms have one reading: tomorrow once passed.
    check("at 14:00", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 18:30", r#"{"at":"2026-03-04T18:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 08:00", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 0:30", r#"{"at":"2026-03-05T00:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("@ 3pm", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("@3pm", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("around 4", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at around 4pm", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at about 3", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 4pm sharp", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("after 5", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 5 30", r#"{"at":"2026-03-04T17:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn noon_midnight() {
    check("at noon", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("noon", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("12 noon", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at midday", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at midnight", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("midnight", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn qualified_and_spelled() {
    check("at 7 in the evening", r#"{"at":"2026-03-04T19:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 7 in the morning", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 3 in the afternoon", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 11 at night", r#"{"at":"2026-03-04T23:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 2 at night", r#"{"at":"2026-03-05T02:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at half past three", r#"{"at":"2026-03-04T15:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at half past 3", r#"{"at":"2026-03-04T15:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("half past three", r#"{"at":"2026-03-04T15:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at quarter to five", r#"{"at":"2026-03-04T16:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at a quarter to five", r#"{"at":"2026-03-04T16:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at quarter past 9", r#"{"at":"2026-03-04T21:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at ten to six", r#"{"at":"2026-03-04T17:50:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at twenty past four", r#"{"at":"2026-03-04T16:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at 10 minutes to 6", r#"{"at":"2026-03-04T17:50:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at quarter to noon", r#"{"at":"2026-03-04T11:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("5 o'clock", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at 5 o'clock", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at three", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at three thirty", r#"{"at":"2026-03-04T15:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at five fifteen", r#"{"at":"2026-03-04T17:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at seven forty five", r#"{"at":"2026-03-04T19:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("at seven pm", r#"{"at":"2026-03-04T19:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn day_and_clock() {
    // With another day, 7–11 is morning and 12, 1–6 afternoon.
    check("tomorrow at 5", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 8", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 6", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 12", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 5pm", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 5am", r#"{"at":"2026-03-05T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow 5pm", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("5pm tomorrow", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at 10:30", r#"{"at":"2026-03-05T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("tomorrow at 1:15", r#"{"at":"2026-03-05T13:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("tomorrow at noon", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow noon", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at midnight", r#"{"at":"2026-03-06T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("monday at 9", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("monday at 9am", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("friday at 3", r#"{"at":"2026-03-06T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("friday at 3:30pm", r#"{"at":"2026-03-06T15:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("on friday at 2pm", r#"{"at":"2026-03-06T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("fri 3pm", r#"{"at":"2026-03-06T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("sat 10am", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("wed 12:30", r#"{"at":"2026-03-11T12:30:00-04:00","grain":"minute","text":"","rrule":null}"#);
    check("next friday at 5", r#"{"at":"2026-03-06T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("sunday at 10", r#"{"at":"2026-03-08T10:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("saturday at noon", r#"{"at":"2026-03-07T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("friday at midnight", r#"{"at":"2026-03-07T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("the day after tomorrow at noon", r#"{"at":"2026-03-06T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("march 5 at 2:30pm", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("March 5 at 2:30 pm", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("march 10 at 9:45am", r#"{"at":"2026-03-10T09:45:00-04:00","grain":"minute","text":"","rrule":null}"#);
    check("on the 15th at 2", r#"{"at":"2026-03-15T14:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("march 5 at noon", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn today_named() {
    // Today named: the first reading still ahead, else the afternoon one.
    check("today at 5", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("today at 9", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("today at 11", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("today at 3pm", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("today at 8am", r#"{"at":"2026-03-04T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn parts_with_day() {
    check("tomorrow morning", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow morning at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow afternoon", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow afternoon at 2", r#"{"at":"2026-03-05T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow evening", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow evening at 7", r#"{"at":"2026-03-05T19:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow night", r#"{"at":"2026-03-05T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow night at 11", r#"{"at":"2026-03-05T23:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow in the morning", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tmrw am", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at lunch", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tomorrow at dinner", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("monday morning", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("monday night", r#"{"at":"2026-03-09T21:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("friday afternoon", r#"{"at":"2026-03-06T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("saturday evening", r#"{"at":"2026-03-07T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("sunday night at 8", r#"{"at":"2026-03-08T20:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn today_parts() {
    check("tonight", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tonite", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tonight at 8", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tonight at 11", r#"{"at":"2026-03-04T23:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tonight at 1", r#"{"at":"2026-03-05T01:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("tonight at midnight", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("this morning", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("this afternoon", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("this afternoon at 2", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("this evening", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("this evening at 7", r#"{"at":"2026-03-04T19:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn parts_alone() {
    check("in the morning", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in the afternoon", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in the evening", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at night", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at lunch", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at lunchtime", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at dinner", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at dinnertime", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("at breakfast", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("by end of day", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("eod", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("by the end of the day", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn errors() {
    // 9 March is a Monday: the date, or the Tuesday nearest it (the caller asks).
    asks("tuesday march 9", "2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00");
    check_err("february 30", WhenError::InvalidDate("february 30".into()));
}

#[test]
#[rustfmt::skip]
fn sms_spellings() {
    check("at 3 pm today", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("3pm today", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("today 3pm", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("Tonight 8pm", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("8pm tonight", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("REMIND ME AT 5PM", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("next tuesday at 10", r#"{"at":"2026-03-10T10:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("the 5th at 5", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("jan 1st", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("at 17h", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn forced_language() {
    // With the language given, "5/3" is read month/day in English.
    check_lang(LangHint::En, "5/3", r#"{"at":"2026-05-03T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_lang(LangHint::En, "sept 3", r#"{"at":"2026-09-03T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_lang(LangHint::En, "tomorrow at 8", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}
