//! English, written the way people text ("tmrw", "2moro", "weds", no
//! capitals, "btwn"): the categories of issue 15, many phrasings each.
//! Wednesday 2026-03-04 10:00 in Montréal.

use crate::common::{asks, at, only, refused, window};

#[test]
#[rustfmt::skip]
fn an_hour_without_am_or_pm_asks() {
    // The rule picks the next one; the other half of the day is kept as an
    // alternative so that the caller can ask.
    asks("at 6", "2026-03-04T18:00:00-05:00", "2026-03-05T06:00:00-05:00");
    asks("call mom at 5 o'clock", "2026-03-04T17:00:00-05:00", "2026-03-05T05:00:00-05:00");
    asks("tmw at 3", "2026-03-05T15:00:00-05:00", "2026-03-05T03:00:00-05:00");
    asks("tomorrow at 5", "2026-03-05T17:00:00-05:00", "2026-03-05T05:00:00-05:00");
    asks("friday at 8", "2026-03-06T08:00:00-05:00", "2026-03-06T20:00:00-05:00");
    asks("at 11", "2026-03-04T11:00:00-05:00", "2026-03-04T23:00:00-05:00");
    // am/pm, 24-hour forms or a part of the day leave one reading.
    only("at 6pm", "2026-03-04T18:00:00-05:00");
    only("2moro at 5pm", "2026-03-05T17:00:00-05:00");
    only("at 18:00", "2026-03-04T18:00:00-05:00");
    only("2nite at 9", "2026-03-04T21:00:00-05:00");
    only("6 in the morning", "2026-03-05T06:00:00-05:00");
    only("tmrw 9am", "2026-03-05T09:00:00-05:00");
    only("2day at 4pm", "2026-03-04T16:00:00-05:00");
    only("dentist weds 4pm", "2026-03-11T16:00:00-04:00");
    only("tues 3pm", "2026-03-10T15:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn the_past_as_people_text_it() {
    at("yest 5pm", "2026-03-03T17:00:00-05:00");
    at("yesterday", "2026-03-03T09:00:00-05:00");
    at("yday at 2pm", "2026-03-03T14:00:00-05:00");
    at("3 days ago", "2026-03-01T09:00:00-05:00");
    at("like 2 hrs ago", "2026-03-04T08:00:00-05:00");
    at("30 min ago", "2026-03-04T09:30:00-05:00");
    at("an hour ago", "2026-03-04T09:00:00-05:00");
    at("a month ago", "2026-02-04T09:00:00-05:00");
    at("last mon", "2026-03-02T09:00:00-05:00");
    at("last thurs at 7pm", "2026-02-26T19:00:00-05:00");
    at("last night", "2026-03-03T21:00:00-05:00");
    at("the day before yesterday", "2026-03-02T09:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn other_zones() {
    only("3pm est tmrw", "2026-03-05T15:00:00-05:00");
    only("call at 1pm PST", "2026-03-04T16:00:00-05:00");
    asks("10:30 pst", "2026-03-04T13:30:00-05:00", "2026-03-05T01:30:00-05:00");
    only("noon pacific", "2026-03-04T15:00:00-05:00");
    only("5pm GMT", "2026-03-04T12:00:00-05:00");
    only("14:00 UTC", "2026-03-05T09:00:00-05:00");
    only("9am GMT+2", "2026-03-05T02:00:00-05:00");
    only("meeting 4pm CET friday", "2026-03-06T10:00:00-05:00");
    only("standup 9am eastern", "2026-03-05T09:00:00-05:00");
    only("8pm mountain time", "2026-03-04T22:00:00-05:00");
    refused("every monday at 9am PST");
    // Two letters before a name are no zone: Mount Royal, not Mountain time.
    asks("at 5 mt royal", "2026-03-04T17:00:00-05:00", "2026-03-05T05:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn windows() {
    window("between 2 and 4 pm", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("btwn 2 and 4pm", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("from 2 to 4pm tmrw", "2026-03-05T14:00:00-05:00", "2026-03-05T16:00:00-05:00");
    window("8 - 11pm", "2026-03-04T20:00:00-05:00", "2026-03-04T23:00:00-05:00");
    window("9-5 tomorrow", "2026-03-05T09:00:00-05:00", "2026-03-05T17:00:00-05:00");
    window("friday 9-5", "2026-03-06T09:00:00-05:00", "2026-03-06T17:00:00-05:00");
    window("no texts 10pm to 7am", "2026-03-04T22:00:00-05:00", "2026-03-05T07:00:00-05:00");
    window("quiet 11pm-6am", "2026-03-04T23:00:00-05:00", "2026-03-05T06:00:00-05:00");
    window("sat 10am - noon", "2026-03-07T10:00:00-05:00", "2026-03-07T12:00:00-05:00");
    window("aug 10 - 14", "2026-08-10T09:00:00-04:00", "2026-08-14T09:00:00-04:00");
    window("from monday 9am to wednesday 5pm", "2026-03-09T09:00:00-04:00", "2026-03-11T17:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn now_and_soon() {
    only("asap", "2026-03-04T10:00:00-05:00");
    only("ASAP pls", "2026-03-04T10:00:00-05:00");
    only("right now", "2026-03-04T10:00:00-05:00");
    only("call him now", "2026-03-04T10:00:00-05:00");
    only("right away", "2026-03-04T10:00:00-05:00");
    only("in 5", "2026-03-04T10:05:00-05:00");
    only("call mom in 20", "2026-03-04T10:20:00-05:00");
    only("in 45 pls", "2026-03-04T10:45:00-05:00");
    only("in half an hr", "2026-03-04T10:30:00-05:00");
    only("15 min out", "2026-03-04T10:15:00-05:00");
    only("within about 3 hours", "2026-03-04T13:00:00-05:00");
    only("in 10.75 minutes", "2026-03-04T10:10:45-05:00");
    only("in 1 month and 2 hours", "2026-04-04T12:00:00-04:00");
    // Words that name no time stay a question; "in 2026" is a year.
    refused("buy 2 eggs now and then");
    refused("now that's funny");
    refused("later");
    refused("in a bit");
    refused("soon");
    refused("in 2");
    refused("in 2026");
    refused("the score was 9-5");
    only("pages 10-20 tomorrow", "2026-03-05T09:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn months_and_numeric_dates() {
    only("May", "2026-05-01T09:00:00-04:00");
    only("26. 10.26", "2026-10-26T09:00:00-04:00");
    asks("30 . 09 . 26 12.12", "2026-09-30T12:12:00-04:00", "2026-09-30T00:12:00-04:00");
    only("september 2027", "2027-09-01T09:00:00-04:00");
    only("09/2027", "2027-09-01T09:00:00-04:00");
    only("12-30-26", "2026-12-30T09:00:00-05:00");
    only("August-10, 2026", "2026-08-10T09:00:00-04:00");
    // English numeric dates are month/day; both orders possible: the caller asks.
    asks("03/04", "2026-03-04T09:00:00-05:00", "2026-04-03T09:00:00-04:00");
    asks("dentist 5/6", "2026-05-06T09:00:00-04:00", "2026-06-05T09:00:00-04:00");
    only("12/25", "2026-12-25T09:00:00-05:00");
    // "Tuesday the 19th" when the 19th is a Thursday: the date, or the Tuesday nearest it.
    asks("tuesday the 19th", "2026-03-19T09:00:00-04:00", "2026-03-17T09:00:00-04:00");
    asks("mon march 10", "2026-03-10T09:00:00-04:00", "2026-03-09T09:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn early_and_late_parts_of_the_day() {
    // Two hours either side of the part's time (morning 9, afternoon 15,
    // evening 18, night 21 by default).
    at("late afternoon", "2026-03-04T17:00:00-05:00");
    at("call the bank late afternoon", "2026-03-04T17:00:00-05:00");
    at("tomorrow late afternoon", "2026-03-05T17:00:00-05:00");
    at("late tomorrow afternoon", "2026-03-05T17:00:00-05:00");
    at("early tomorrow morning", "2026-03-05T07:00:00-05:00");
    at("early tomorrow", "2026-03-05T07:00:00-05:00");
    at("tmrw early morning", "2026-03-05T07:00:00-05:00");
    at("early in the morning", "2026-03-05T07:00:00-05:00");
    at("friday early afternoon", "2026-03-06T13:00:00-05:00");
    at("early evening", "2026-03-04T16:00:00-05:00");
    at("late evening", "2026-03-04T20:00:00-05:00");
    at("late tonight", "2026-03-04T23:00:00-05:00");
    at("tonight late", "2026-03-04T23:00:00-05:00");
    at("tomorrow morning early", "2026-03-05T07:00:00-05:00");
    at("late morning on saturday", "2026-03-07T11:00:00-05:00");
    at("late in the afternoon", "2026-03-04T17:00:00-05:00");
    // A clock time decides; the shade only says which half of the day.
    only("late afternoon at 5", "2026-03-04T17:00:00-05:00");
    only("early morning at 6", "2026-03-05T06:00:00-05:00");
    // "late" alone is not a time, and "late tomorrow" keeps the day's time.
    at("late tomorrow", "2026-03-05T09:00:00-05:00");
}
