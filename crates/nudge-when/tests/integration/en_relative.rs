//! English: relative times. Hours, minutes and seconds are exact elapsed time;
//! days, weeks, months and years land on a calendar day at the default hour.

use crate::common::check;

#[test]
#[rustfmt::skip]
fn minutes_and_seconds() {
    check("in 20 minutes", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 20 min", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 20 mins", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 20m", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 5 minutes", r#"{"at":"2026-03-04T10:05:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1 min", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in a minute", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in one minute", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 10 mins", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 45 minutes", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in forty five minutes", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in forty-five minutes", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in twenty minutes", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in fifteen minutes", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 90 minutes", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 30 seconds", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("in 30 secs", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("in 30 sec", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("in 30s", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("in thirty seconds", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("in 45 seconds", r#"{"at":"2026-03-04T10:00:45-05:00","grain":"second","text":"","rrule":null}"#);
    check("in 90 seconds", r#"{"at":"2026-03-04T10:01:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("in half a minute", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("within 10 minutes", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("30 minutes from now", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn hours() {
    check("in 2 hours", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 2 hrs", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 2 hr", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 2h", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in two hours", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in an hour", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 1 hour", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in a couple of hours", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in a couple hours", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 3 hours", r#"{"at":"2026-03-04T13:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 12 hours", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 24 hours", r#"{"at":"2026-03-05T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 48 hours", r#"{"at":"2026-03-06T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    // Exact elapsed time across the spring-forward change of March 8.
    check("in 100 hours", r#"{"at":"2026-03-08T15:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("2 hours from now", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("an hour from now", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("2 hours later", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn hours_and_minutes() {
    check("in half an hour", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in a half hour", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in an hour and a half", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in an hour and a quarter", r#"{"at":"2026-03-04T11:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in one and a half hours", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1.5 hours", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 2.5 hours", r#"{"at":"2026-03-04T12:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1 hour 30 minutes", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1 hour and 30 minutes", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 2 hours and 15 minutes", r#"{"at":"2026-03-04T12:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1h30", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1h 30m", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 1 hr 15 min", r#"{"at":"2026-03-04T11:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in a quarter of an hour", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in a quarter hour", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in three quarters of an hour", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("in 5 minutes and 30 seconds", r#"{"at":"2026-03-04T10:05:30-05:00","grain":"second","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn days_and_weeks() {
    check("in 3 days", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("in three days", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("in a day", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("in 1 day", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("in 2 days", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("in 5 days", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("in 8 days", r#"{"at":"2026-03-12T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("in 10 days", r#"{"at":"2026-03-14T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("in 15 days", r#"{"at":"2026-03-19T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("3 days from now", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("in a week", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("in 1 week", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("in 2 weeks", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("in two weeks", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("in 3 wks", r#"{"at":"2026-03-25T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("in a week and 2 days", r#"{"at":"2026-03-13T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn months_and_years() {
    check("in a month", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("in 2 months", r#"{"at":"2026-05-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("in 6 months", r#"{"at":"2026-09-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("in a year", r#"{"at":"2027-03-04T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("in 2 years", r#"{"at":"2028-03-04T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn relative_day_with_time() {
    check("in 3 days at 5pm", r#"{"at":"2026-03-07T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 2 days at 8", r#"{"at":"2026-03-06T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in 2 days at 4", r#"{"at":"2026-03-06T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in a week at noon", r#"{"at":"2026-03-11T12:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("in 3 days in the morning", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn mixed_units() {
    // A duration mixing days and hours is exact.
    check("in 1 day and 2 hours", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("in a day and a half", r#"{"at":"2026-03-05T22:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}
