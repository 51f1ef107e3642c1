//! English: the categories other parsers' suites (chrono, dateparser) found
//! Nudge misreading, each in many phrasings. A misreading became either the
//! right reading or a refusal, never a silent wrong time.

use crate::common::{asks, at, refused, window};

#[test]
#[rustfmt::skip]
fn times_in_the_past_are_read() {
    // Refusing a past time is the caller's job: the parser says what it means.
    at("5 h ago", "2026-03-04T05:00:00-05:00");
    at("2 hours ago", "2026-03-04T08:00:00-05:00");
    at("about 2 hours ago", "2026-03-04T08:00:00-05:00");
    at("three days ago", "2026-03-01T09:00:00-05:00");
    at("a week ago call mom", "2026-02-25T09:00:00-05:00");
    at("20 minutes back", "2026-03-04T09:40:00-05:00");
    at("15 mins earlier", "2026-03-04T09:45:00-05:00");
    at("4 days before", "2026-02-28T09:00:00-05:00");
    at("now - 30 minutes", "2026-03-04T09:30:00-05:00");
    at("-2 hours", "2026-03-04T08:00:00-05:00");
    at("last friday", "2026-02-27T09:00:00-05:00");
    at("the deadline was last Friday...", "2026-02-27T09:00:00-05:00");
    at("past monday", "2026-03-02T09:00:00-05:00");
    at("previous tuesday meeting", "2026-03-03T09:00:00-05:00");
    at("last wednesday", "2026-02-25T09:00:00-05:00");
    at("last fri at 5pm", "2026-02-27T17:00:00-05:00");
    at("1 day ago at 2 PM", "2026-03-03T14:00:00-05:00");
    at("1 week ago at 12:00 am", "2026-02-25T00:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn offsets_from_another_day() {
    at("2 days after next Friday", "2026-03-08T09:00:00-04:00");
    at("2 day after today", "2026-03-06T09:00:00-05:00");
    at("a week after tomorrow", "2026-03-12T09:00:00-04:00");
    at("2 weeks after yesterday", "2026-03-17T09:00:00-04:00");
    at("a week before yesterday", "2026-02-24T09:00:00-05:00");
    at("3 days before march 20", "2026-03-17T09:00:00-04:00");
    at("next tuesday +10 days", "2026-03-20T09:00:00-04:00");
    at("2026-03-29 -10days", "2026-03-19T09:00:00-04:00");
    // An offset from something that is no day, or by hours, is refused.
    refused("3 days before christmas on december 25");
    refused("tomorrow +2 hours");
    refused("2 hours after friday");
}

#[test]
#[rustfmt::skip]
fn parts_of_numbers_are_not_read_alone() {
    refused("at 6.5 kilograms");
    refused("I'm at 10.1");
    refused("I'm at 10.1 - 10.12");
    refused("13.12 PM");
    refused("4/13/1");
}

#[test]
#[rustfmt::skip]
fn dates_with_an_unreadable_year_are_refused() {
    refused("3 Aug 96");
    refused("03 Aug 96");
    refused("Aug 9, 96");
    refused("Aug 9 96");
    refused("10 August 234 BC");
    refused("3rd Feb 82");
    refused("14/4 90");
}

#[test]
#[rustfmt::skip]
fn day_ranges_start_on_the_first_day() {
    at("10 - 22 August 2026", "2026-08-10T09:00:00-04:00");
    at("10 to 22 August 2026", "2026-08-10T09:00:00-04:00");
    at("22-23 Feb 2027 at 7pm", "2027-02-22T19:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn windows_start_at_their_first_time_and_keep_their_end() {
    window("between 2 and 4 pm tomorrow", "2026-03-05T14:00:00-05:00", "2026-03-05T16:00:00-05:00");
    window("between 2:30 and 3", "2026-03-04T14:30:00-05:00", "2026-03-04T15:00:00-05:00");
    window("between noon and 1", "2026-03-04T12:00:00-05:00", "2026-03-04T13:00:00-05:00");
    window("12-3am", "2026-03-05T00:00:00-05:00", "2026-03-05T03:00:00-05:00");
    window("12-3pm", "2026-03-04T12:00:00-05:00", "2026-03-04T15:00:00-05:00");
    window("1-3pm", "2026-03-04T13:00:00-05:00", "2026-03-04T15:00:00-05:00");
    window("8 - 11pm", "2026-03-04T20:00:00-05:00", "2026-03-04T23:00:00-05:00");
    window("11 - 1pm", "2026-03-04T11:00:00-05:00", "2026-03-04T13:00:00-05:00");
    window("3:30-4:30pm", "2026-03-04T15:30:00-05:00", "2026-03-04T16:30:00-05:00");
    window("10 - 11 at night", "2026-03-04T22:00:00-05:00", "2026-03-04T23:00:00-05:00");
    window("from 5 to 6pm", "2026-03-04T17:00:00-05:00", "2026-03-04T18:00:00-05:00");
    window("from 5 to 6", "2026-03-04T17:00:00-05:00", "2026-03-04T18:00:00-05:00");
    window("tomorrow 9am-10am meeting", "2026-03-05T09:00:00-05:00", "2026-03-05T10:00:00-05:00");
    window("11am to 1am", "2026-03-04T11:00:00-05:00", "2026-03-05T01:00:00-05:00");
    window("friday 10pm - 1am", "2026-03-06T22:00:00-05:00", "2026-03-07T01:00:00-05:00");
    window("quiet hours 10pm till 7am", "2026-03-04T22:00:00-05:00", "2026-03-05T07:00:00-05:00");
    window("btw 2 and 4pm", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    // Counting, not a window.
    refused("between 2 and 4 options");
}

#[test]
#[rustfmt::skip]
fn ranges_of_days_start_on_their_first_day_and_keep_their_end() {
    window("the 5th to the 9th of april", "2026-04-05T09:00:00-04:00", "2026-04-09T09:00:00-04:00");
    window("10 August - 12 September", "2026-08-10T09:00:00-04:00", "2026-09-12T09:00:00-04:00");
    window("Aug 10 to Nov 12, 2027", "2027-08-10T09:00:00-04:00", "2027-11-12T09:00:00-05:00");
    window("from monday 9am to wednesday 5pm", "2026-03-09T09:00:00-04:00", "2026-03-11T17:00:00-04:00");
    window("this friday to this monday", "2026-03-06T09:00:00-05:00", "2026-03-09T09:00:00-04:00");
    window("8/10/2026 - 8/15/2026", "2026-08-10T09:00:00-04:00", "2026-08-15T09:00:00-04:00");
    window("tomorrow 10:00 to friday 07:00", "2026-03-05T10:00:00-05:00", "2026-03-06T07:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn a_part_of_the_day_makes_an_opening_number_a_clock() {
    at("6 in the morning", "2026-03-05T06:00:00-05:00");
    at("6 in the afternoon", "2026-03-04T18:00:00-05:00");
    at("11 at night", "2026-03-04T23:00:00-05:00");
    at("11 tonight", "2026-03-04T23:00:00-05:00");
    at("nine tonight", "2026-03-04T21:00:00-05:00");
    at("7 this evening call mom", "2026-03-04T19:00:00-05:00");
    // Elsewhere the number may count something.
    at("take 2 in the morning", "2026-03-05T09:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn seconds_and_dotted_clocks() {
    at("1994-11-05T13:15:30", "1994-11-05T13:15:30-05:00");
    at("December 10, 2026, 11:02:21 pm", "2026-12-10T23:02:21-05:00");
    at("Sat, 12 Dec 2026 10:55:50", "2026-12-12T10:55:50-05:00");
    // 12 December 2026 is a Saturday: the date, or the Friday before.
    asks("Fri, 12 Dec 2026 10:55:50", "2026-12-12T10:55:50-05:00", "2026-12-11T10:55:50-05:00");
    at("21 January 2027 13:11:23.678", "2027-01-21T13:11:23-05:00");
    at("Wednesday, 22nd June, 2016, 12.16 pm.", "2016-06-22T12:16:00-04:00");
    at("at 3.45 pm", "2026-03-04T15:45:00-05:00");
}

#[test]
#[rustfmt::skip]
fn durations() {
    at("in 1d, 2hr, and 5min", "2026-03-05T12:05:00-05:00");
    at("in 1 hour, and 30 minutes", "2026-03-04T11:30:00-05:00");
    at("after 4 days", "2026-03-08T09:00:00-04:00");
    at("in about 2 hours", "2026-03-04T12:00:00-05:00");
    at("in around 20 minutes", "2026-03-04T10:20:00-05:00");
}

#[test]
#[rustfmt::skip]
fn other_time_zones_are_converted_to_the_persons() {
    // Montréal is UTC-5 on 2026-03-04; Los Angeles UTC-8.
    at("3pm EST", "2026-03-04T15:00:00-05:00");
    at("call at 3 pm est", "2026-03-04T15:00:00-05:00");
    at("4pm EDT", "2026-03-04T15:00:00-05:00");
    at("8am AEDT", "2026-03-04T16:00:00-05:00");
    at("noon Pacific", "2026-03-04T15:00:00-05:00");
    at("noon pacific time", "2026-03-04T15:00:00-05:00");
    at("at 10 pacific time", "2026-03-04T13:00:00-05:00");
    at("10:30 pst", "2026-03-04T13:30:00-05:00");
    at("9:30 UTC tomorrow", "2026-03-05T04:30:00-05:00");
    at("5pm GMT", "2026-03-04T12:00:00-05:00");
    at("9am GMT+2", "2026-03-05T02:00:00-05:00");
    // Past today there: tomorrow.
    at("9am UTC-3", "2026-03-05T07:00:00-05:00");
    at("2pm CET", "2026-03-05T08:00:00-05:00");
    at("6pm london time", "2026-03-04T13:00:00-05:00");
    at("friday 5pm eastern", "2026-03-06T17:00:00-05:00");
    at("9am JST", "2026-03-04T19:00:00-05:00");
    // A region word before a noun is no zone.
    at("meet at 5pm central station", "2026-03-04T17:00:00-05:00");
    // A recurrence in another zone is refused rather than misplaced.
    refused("every day at 3pm EST");
    refused("at 5pm IST");
}

#[test]
#[rustfmt::skip]
fn numeric_dates_and_windows() {
    at("07-27-2026, 02:00 AM", "2026-07-27T02:00:00-04:00");
    at("05/31/2026.14:15", "2026-05-31T14:15:00-04:00");
    at("05/31/2026:14:15", "2026-05-31T14:15:00-04:00");
    at("05/31/2026-14:15", "2026-05-31T14:15:00-04:00");
    at("The Deadline is 2026 March 18", "2026-03-18T09:00:00-04:00");
    at("Sunday, March, 8th 2026", "2026-03-08T09:00:00-04:00");
    at("May 8 - 10, 2026", "2026-05-08T09:00:00-04:00");
    refused("February 20 - 29, 2026");
    refused("June 10 - 31");
    // A year after the clock is the date's.
    at("Thu Oct 26 11:00:09 2023", "2023-10-26T11:00:09-04:00");
    at("Thu Oct 26 11:00:09 EDT 2023", "2023-10-26T11:00:09-04:00");
    at("Wed Aug 05 12:00:00 2026", "2026-08-05T12:00:00-04:00");
    refused("at 11:00 2023");
}

#[test]
#[rustfmt::skip]
fn glued_text_is_refused_and_a_dotted_clock_after_a_year_is_read() {
    refused("%e7%b7%8a");
    refused("5h16mp");
    at("29.02.2028 13.12", "2028-02-29T13:12:00-05:00");
}

#[test]
#[rustfmt::skip]
fn more_forms_others_write() {
    at("+15 minutes", "2026-03-04T10:15:00-05:00");
    at("+15min", "2026-03-04T10:15:00-05:00");
    at("now + 2 hours", "2026-03-04T12:00:00-05:00");
    at("now + 1 day", "2026-03-05T09:00:00-05:00");
    at("in a decade", "2036-03-04T09:00:00-05:00");
    at("in 2 decades", "2046-03-04T09:00:00-05:00");
    at("2026/8/10", "2026-08-10T09:00:00-04:00");
    at("The Deadline is 2026/aug/10", "2026-08-10T09:00:00-04:00");
    at("Mon 9 March", "2026-03-09T09:00:00-04:00");
    refused("the 3rd -2 days");
    at("in 1 decade 12 years", "2048-03-04T09:00:00-05:00");
    at("in 1 decade +2 years", "2038-03-04T09:00:00-05:00");
    at("next decade", "2036-03-04T09:00:00-05:00");
    at("last decade", "2016-03-04T09:00:00-05:00");
    at("in three weeks' time", "2026-03-25T09:00:00-04:00");
    at("in 2 hours time", "2026-03-04T12:00:00-05:00");
    refused("-1 decade +2 years");
    refused("in 2 hours 3 hours");
}

#[test]
#[rustfmt::skip]
fn past_days_are_read() {
    at("yesterday at 11:30", "2026-03-03T11:30:00-05:00");
    at("yesterday", "2026-03-03T09:00:00-05:00");
    at("yday 3pm", "2026-03-03T15:00:00-05:00");
    at("the day before yesterday", "2026-03-02T09:00:00-05:00");
    at("last night at 9", "2026-03-03T21:00:00-05:00");
    at("last night", "2026-03-03T21:00:00-05:00");
    at("yesterday morning", "2026-03-03T09:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn weekdays_weeks_ahead() {
    at("thursday after next", "2026-03-12T09:00:00-04:00");
    at("friday week after next", "2026-03-13T09:00:00-04:00");
    at("2 mondays from now", "2026-03-16T09:00:00-04:00");
    at("3 fridays from now", "2026-03-20T09:00:00-04:00");
    at("one tuesday from now", "2026-03-10T09:00:00-04:00");
    at("weds at 5", "2026-03-11T17:00:00-04:00");
    at("thurs at 9", "2026-03-05T09:00:00-05:00");
    refused("the second monday of march");
    refused("the last sunday in april");
    refused("first friday of june");
}

#[test]
#[rustfmt::skip]
fn compact_and_spelled_clocks() {
    at("845 am", "2026-03-05T08:45:00-05:00");
    at("1230pm", "2026-03-04T12:30:00-05:00");
    at("call mom 915pm", "2026-03-04T21:15:00-05:00");
    at("nine forty five pm", "2026-03-04T21:45:00-05:00");
    at("eleven thirty am", "2026-03-04T11:30:00-05:00");
    at("two weeks hence", "2026-03-18T09:00:00-04:00");
    at("lunchtime", "2026-03-04T12:00:00-05:00");
    refused("975 pm");
}
