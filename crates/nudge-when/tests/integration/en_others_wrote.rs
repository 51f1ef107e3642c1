//! English: the categories other parsers' suites (chrono, dateparser) found
//! Nudge misreading, each in many phrasings. A misreading became either the
//! right reading or a refusal, never a silent wrong time.

use crate::common::{at, refused};

#[test]
#[rustfmt::skip]
fn times_in_the_past_are_refused() {
    refused("5 h ago");
    refused("2 hours ago");
    refused("three days ago");
    refused("a week ago call mom");
    refused("20 minutes back");
    refused("last friday");
    refused("the deadline was last Friday...");
    refused("past monday");
    refused("previous tuesday meeting");
}

#[test]
#[rustfmt::skip]
fn offsets_from_another_day_are_refused() {
    refused("2 days after next Friday");
    refused("2 day after today");
    refused("a week after tomorrow");
    refused("3 days before christmas on december 25");
    refused("next tuesday +10 days");
}

#[test]
#[rustfmt::skip]
fn parts_of_numbers_are_not_read_alone() {
    refused("at 6.5 kilograms");
    refused("I'm at 10.1");
    refused("I'm at 10.1 - 10.12");
    refused("13.12 PM");
    refused("4/13/1");
    refused("12-3am");
    refused("1-3pm");
    refused("8 - 11pm");
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
fn ranges_not_read_yet_are_refused() {
    refused("the 5th to the 9th of april");
    refused("between 2 and 4 pm tomorrow");
    refused("between 2:30 and 3");
    refused("between noon and 1");
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
    refused("Fri, 12 Dec 2026 10:55:50");
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
fn other_time_zones_are_refused_until_converted() {
    refused("3pm EST");
    refused("4pm EDT");
    refused("8am AEDT");
    refused("noon Pacific");
    refused("at 10 pacific time");
    refused("9:30 UTC");
    refused("5pm GMT");
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
    refused("3:30-4:30pm");
    refused("10 - 11 at night");
    refused("from 5 to 6pm");
    refused("Thu Oct 26 11:00:09 2023");
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
    refused("tomorrow +2 hours");
    refused("the 3rd -2 days");
    refused("in 1 decade 12 years");
    refused("in 2 hours 3 hours");
}

#[test]
#[rustfmt::skip]
fn past_days_are_refused() {
    refused("yesterday at 11:30");
    refused("the day before yesterday");
    refused("last night at 9");
    refused("2026-03-29 -10days");
    refused("about 2 hours ago");
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
