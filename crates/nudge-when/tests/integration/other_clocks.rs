//! Rules that depend on when the message is sent: a weekday named on that
//! weekday, clock times before and after their morning reading, the weekend
//! said during it, and month and year ends.

use chrono::TimeZone;
use nudge_when::{Context, Tz};

use crate::common::check_with;

#[expect(clippy::unwrap_used, reason = "fixed, valid test clocks")]
fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Context {
    Context::new(
        Tz::America__Montreal
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap(),
    )
}

#[test]
#[rustfmt::skip]
fn weekday_named_on_that_weekday() {
    // Monday 2026-03-09 10:00: a bare or "next" Monday is in a week, "this"/"ce" is today.
    let monday = at(2026, 3, 9, 10, 0);
    check_with(&monday, "lundi", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "lundi prochain", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "ce lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "lundi qui vient", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "monday", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "next monday", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "this monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&monday, "monday at 5", r#"{"at":"2026-03-16T17:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&monday, "every monday at 11", r#"{"at":"2026-03-09T11:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=11;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn clock_readings_through_the_day() {
    // 03:00: "at 5" is still ahead this morning.
    let early = at(2026, 3, 4, 3, 0);
    check_with(&early, "at 5", r#"{"at":"2026-03-04T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&early, "à 8h", r#"{"at":"2026-03-04T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&early, "ce matin", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&early, "in the morning", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    // 22:30: both readings of "at 9" have passed, so tomorrow morning.
    let late = at(2026, 3, 4, 22, 30);
    check_with(&late, "at 9", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&late, "à 23h", r#"{"at":"2026-03-04T23:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&late, "à 22h", r#"{"at":"2026-03-05T22:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&late, "today at 9", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&late, "tonight", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&late, "minuit", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekend_said_during_the_weekend() {
    let saturday = at(2026, 3, 7, 10, 0);
    check_with(&saturday, "this weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check_with(&saturday, "next weekend", r#"{"at":"2026-03-14T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    let sunday = at(2026, 3, 8, 10, 0);
    check_with(&sunday, "cette fin de semaine", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&sunday, "la fin de semaine prochaine", r#"{"at":"2026-03-14T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&sunday, "la semaine prochaine", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn month_and_year_ends() {
    let jan_31 = at(2026, 1, 31, 10, 0);
    // Months clamp to the end of shorter months.
    check_with(&jan_31, "dans un mois", r#"{"at":"2026-02-28T09:00:00-05:00","grain":"month","text":"","rrule":null}"#);
    check_with(&jan_31, "le 30", r#"{"at":"2026-03-30T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check_with(&jan_31, "every month", r#"{"at":"2026-03-31T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0"}"#);
    check_with(&jan_31, "the last friday of the month", r#"{"at":"2026-02-27T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    let dec_31 = at(2026, 12, 31, 22, 0);
    check_with(&dec_31, "demain à 8h", r#"{"at":"2027-01-01T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&dec_31, "in 3 hours", r#"{"at":"2027-01-01T01:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check_with(&dec_31, "the 15th", r#"{"at":"2027-01-15T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check_with(&dec_31, "next year", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
}
