//! English: recurrences. `at` is the first occurrence at or after now (the
//! rule's DTSTART); daily and longer rules always carry BYHOUR/BYMINUTE.

use crate::common::{check, check_err};
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn daily() {
    check("every day", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("every day at 8", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=0"}"#);
    check("every day at 8pm", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=20;BYMINUTE=0"}"#);
    check("every day at 8:30", r#"{"at":"2026-03-05T08:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=30"}"#);
    check("everyday at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=7;BYMINUTE=0"}"#);
    check("Every Day At 11", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=11;BYMINUTE=0"}"#);
    check("daily at 8", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=0"}"#);
    check("daily", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("each day at noon", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=12;BYMINUTE=0"}"#);
    check("once a day at 9pm", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=21;BYMINUTE=0"}"#);
    // Business hours in recurrences: 1–6 is the afternoon.
    check("every day at 6", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=18;BYMINUTE=0"}"#);
    check("every day at 6am", r#"{"at":"2026-03-05T06:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=6;BYMINUTE=0"}"#);
    check("every day at midnight", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=0;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn parts_of_day() {
    check("every morning", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("every morning at 7:30", r#"{"at":"2026-03-05T07:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=DAILY;BYHOUR=7;BYMINUTE=30"}"#);
    check("every night", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=21;BYMINUTE=0"}"#);
    check("every night at 10pm", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=22;BYMINUTE=0"}"#);
    check("every night at 10", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=22;BYMINUTE=0"}"#);
    check("every evening", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=18;BYMINUTE=0"}"#);
    check("every afternoon at 3", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=15;BYMINUTE=0"}"#);
    check("nightly", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=21;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn weekly() {
    check("every monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every monday at 9", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every monday morning", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every monday at 6pm", r#"{"at":"2026-03-09T18:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=18;BYMINUTE=0"}"#);
    check("each friday at 4", r#"{"at":"2026-03-06T16:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0"}"#);
    check("mondays at 9", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("on mondays", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every wednesday at 11", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=11;BYMINUTE=0"}"#);
    check("every wednesday", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("every sunday at 10", r#"{"at":"2026-03-08T10:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=10;BYMINUTE=0"}"#);
    check("every week", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("weekly", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("once a week", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("weekly on sundays", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=9;BYMINUTE=0"}"#);
    check("every week on monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    // Friday at midnight is the start of Saturday.
    check("every friday at midnight", r#"{"at":"2026-03-07T00:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA;BYHOUR=0;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn several_weekdays() {
    check("every tuesday and thursday", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("every tuesday and thursday at 9", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("tuesdays and thursdays at 6pm", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=18;BYMINUTE=0"}"#);
    check("every mon, wed and fri at 6pm", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=18;BYMINUTE=0"}"#);
    check("every mon/wed/fri at 7am", r#"{"at":"2026-03-06T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("every saturday and sunday at 10", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0"}"#);
    check("every week on monday and thursday at 9", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn workweek_and_weekend() {
    check("every weekday", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("every weekday at 9", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("weekdays at 7am", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("on weekdays at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("every weekday morning", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("every business day at 8", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0"}"#);
    check("monday to friday at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("monday through friday at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("mon-fri at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("from monday to friday at 7", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("every weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9;BYMINUTE=0"}"#);
    check("on weekends at 10am", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0"}"#);
    check("weekends at 10", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn intervals() {
    // The interval counts from `at`, the first matching day.
    check("every 2 weeks", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 2 weeks on monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every two weeks on friday at 5pm", r#"{"at":"2026-03-06T17:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=17;BYMINUTE=0"}"#);
    check("every 2 weeks on monday and thursday", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("every other week on friday", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("every other monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every second monday", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every other day", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 2 days", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0"}"#);
    check("every second day", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 3rd day", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 3 days at 8pm", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;INTERVAL=3;BYHOUR=20;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn hourly_and_minutely() {
    // Exact steps from now.
    check("every hour", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY"}"#);
    check("hourly", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY"}"#);
    check("every 2 hours", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=2"}"#);
    check("every 3 hours", r#"{"at":"2026-03-04T13:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=3"}"#);
    check("every 4 hrs", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=4"}"#);
    check("every 30 minutes", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=30"}"#);
    check("every 15 mins", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=15"}"#);
    check("every half hour", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=30"}"#);
    check("every 90 minutes", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=90"}"#);
    check("every 1.5 hours", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=90"}"#);
    check("every minute", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY"}"#);
}

#[test]
#[rustfmt::skip]
fn monthly() {
    check("every month", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("monthly", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("once a month", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("every month on the 15th", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("monthly on the 1st", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("on the first of every month", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("the 1st of every month", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("on the 15th of each month", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 15th", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("every 1st of the month", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("the 1st of every month at 8am", r#"{"at":"2026-04-01T08:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8;BYMINUTE=0"}"#);
    check("every first monday of the month", r#"{"at":"2026-04-06T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("every first monday", r#"{"at":"2026-04-06T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("the first monday of every month", r#"{"at":"2026-04-06T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("the last friday of every month", r#"{"at":"2026-03-27T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("every last friday of the month at 5pm", r#"{"at":"2026-03-27T17:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0"}"#);
    check("every third thursday of the month", r#"{"at":"2026-03-19T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=3TH;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn yearly() {
    check("every year", r#"{"at":"2027-03-04T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("yearly", r#"{"at":"2027-03-04T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("every year on march 5", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0"}"#);
    check("every march 5", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0"}"#);
    check("every december 25", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25;BYHOUR=9;BYMINUTE=0"}"#);
    check("annually on feb 14", r#"{"at":"2027-02-14T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=14;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn starting_day() {
    check("every day starting tomorrow", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("every day at 8pm starting monday", r#"{"at":"2026-03-09T20:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=20;BYMINUTE=0"}"#);
    check("starting monday, every day at 7", r#"{"at":"2026-03-09T07:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=7;BYMINUTE=0"}"#);
    check("every monday starting march 16", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn unsupported() {
    check_err("twice a day", WhenError::Unsupported("twice a day".into()));
    check_err("3 times a day", WhenError::Unsupported("3 times a day".into()));
    check_err("every 10 seconds", WhenError::Unsupported("every 10 seconds".into()));
    check_err("every hour at 9", WhenError::Conflict("every hour".into(), "at 9".into()));
}
