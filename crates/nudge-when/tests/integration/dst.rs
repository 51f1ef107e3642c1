//! Daylight-saving changes in America/Montreal and Europe/Paris, both
//! directions: local times that do not exist move forward by the gap, local
//! times that occur twice take the first occurrence, relative durations are
//! exact elapsed time, and recurrences keep their wall-clock time.
//!
//! 2026 changes: Montréal springs forward on March 8 (02:00 → 03:00) and falls
//! back on November 1 (02:00 → 01:00); Paris springs forward on March 29
//! (02:00 → 03:00) and falls back on October 25 (03:00 → 02:00).

use chrono::{DateTime, SecondsFormat, TimeZone};
use nudge_when::{Context, Tz, WhenError, next_occurrences, occurrences_after, parse};

const MTL: Tz = Tz::America__Montreal;
const PARIS: Tz = Tz::Europe__Paris;

#[expect(clippy::unwrap_used, reason = "fixed, valid test clocks")]
fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0).earliest().unwrap()
}

/// `at` and `rrule` of `input` parsed at `now`.
#[track_caller]
fn at(now: DateTime<Tz>, input: &str) -> (String, Option<String>) {
    match parse(input, &Context::new(now)) {
        Ok(w) => (w.at.to_rfc3339_opts(SecondsFormat::Secs, false), w.rrule),
        Err(e) => panic!("{input:?}: {e}"),
    }
}

#[track_caller]
fn check_at(now: DateTime<Tz>, input: &str, expected: &str) {
    assert_eq!(at(now, input).0, expected, "input: {input:?}");
}

#[track_caller]
fn expand(rrule: &str, start: DateTime<Tz>, count: usize) -> Vec<String> {
    match next_occurrences(rrule, start, count) {
        Ok(v) => v
            .iter()
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, false))
            .collect(),
        Err(e) => panic!("{rrule}: {e}"),
    }
}

// ---- local times that do not exist ----------------------------------------

#[test]
fn montreal_spring_forward_gap_moves_forward() {
    let saturday = local(MTL, 2026, 3, 7, 10, 0);
    check_at(saturday, "demain à 2h30 du matin", "2026-03-08T03:30:00-04:00");
    check_at(saturday, "tomorrow at 2:30am", "2026-03-08T03:30:00-04:00");
    check_at(saturday, "demain à 02h00", "2026-03-08T03:00:00-04:00");
    check_at(saturday, "tomorrow at 2:59 am", "2026-03-08T03:59:00-04:00");
    // Just outside the gap.
    check_at(saturday, "tomorrow at 1:59am", "2026-03-08T01:59:00-05:00");
    check_at(saturday, "demain à 3h du matin", "2026-03-08T03:00:00-04:00");
    let wednesday = local(MTL, 2026, 3, 4, 10, 0);
    check_at(wednesday, "dimanche à 02h30", "2026-03-08T03:30:00-04:00");
    check_at(wednesday, "le 8 mars à 2h30 du matin", "2026-03-08T03:30:00-04:00");
}

#[test]
fn paris_spring_forward_gap_moves_forward() {
    let saturday = local(PARIS, 2026, 3, 28, 10, 0);
    check_at(saturday, "demain à 2h15 du matin", "2026-03-29T03:15:00+02:00");
    check_at(saturday, "tomorrow at 2:15am", "2026-03-29T03:15:00+02:00");
    check_at(saturday, "demain à 1h30 du matin", "2026-03-29T01:30:00+01:00");
    check_at(saturday, "le 29 mars à 02h45", "2026-03-29T03:45:00+02:00");
}

// ---- local times that occur twice -----------------------------------------

#[test]
fn montreal_fall_back_takes_the_first_occurrence() {
    let saturday = local(MTL, 2026, 10, 31, 10, 0);
    check_at(saturday, "tomorrow at 1:30am", "2026-11-01T01:30:00-04:00");
    check_at(saturday, "demain à 1h30 du matin", "2026-11-01T01:30:00-04:00");
    check_at(saturday, "demain à 01h00", "2026-11-01T01:00:00-04:00");
    // After the repeated hour.
    check_at(saturday, "tomorrow at 2am", "2026-11-01T02:00:00-05:00");
}

#[test]
fn paris_fall_back_takes_the_first_occurrence() {
    let saturday = local(PARIS, 2026, 10, 24, 10, 0);
    check_at(saturday, "demain à 2h30 du matin", "2026-10-25T02:30:00+02:00");
    check_at(saturday, "tomorrow at 2:30am", "2026-10-25T02:30:00+02:00");
    check_at(saturday, "demain à 3h du matin", "2026-10-25T03:00:00+01:00");
}

// ---- relative durations are exact; days are wall-clock ----------------------

#[test]
fn relative_durations_are_elapsed_time_across_spring_forward() {
    let late = local(MTL, 2026, 3, 7, 23, 30);
    // 3 real hours: the wall clock moves by 4.
    check_at(late, "in 3 hours", "2026-03-08T03:30:00-04:00");
    check_at(late, "dans 90 minutes", "2026-03-08T01:00:00-05:00");
    let noon = local(MTL, 2026, 3, 7, 12, 0);
    check_at(noon, "dans 24 heures", "2026-03-08T13:00:00-04:00");
    check_at(noon, "demain à midi", "2026-03-08T12:00:00-04:00");
    check_at(noon, "in 1 day", "2026-03-08T09:00:00-04:00");
    let paris = local(PARIS, 2026, 3, 28, 12, 0);
    check_at(paris, "dans 24 heures", "2026-03-29T13:00:00+02:00");
    check_at(paris, "tomorrow at noon", "2026-03-29T12:00:00+02:00");
}

#[test]
fn relative_durations_are_elapsed_time_across_fall_back() {
    let noon = local(MTL, 2026, 10, 31, 12, 0);
    check_at(noon, "in 24 hours", "2026-11-01T11:00:00-05:00");
    check_at(noon, "demain midi", "2026-11-01T12:00:00-05:00");
    let late = local(MTL, 2026, 11, 1, 0, 30);
    // 00:30 EDT + 2 h is 01:30 EST, the second 01:30 of the night.
    check_at(late, "in 2 hours", "2026-11-01T01:30:00-05:00");
    let paris = local(PARIS, 2026, 10, 24, 12, 0);
    check_at(paris, "in 24 hours", "2026-10-25T11:00:00+01:00");
    check_at(paris, "demain à midi", "2026-10-25T12:00:00+01:00");
}

// ---- recurrences keep their wall-clock time ---------------------------------

#[test]
fn every_day_at_8_stays_8_across_montreal_spring_forward() {
    let (first, rrule) = at(local(MTL, 2026, 3, 4, 10, 0), "every day at 8:00");
    assert_eq!(first, "2026-03-05T08:00:00-05:00");
    let rrule = rrule.unwrap_or_default();
    assert_eq!(rrule, "FREQ=DAILY;BYHOUR=8;BYMINUTE=0");
    assert_eq!(
        expand(&rrule, local(MTL, 2026, 3, 5, 8, 0), 6),
        [
            "2026-03-05T08:00:00-05:00",
            "2026-03-06T08:00:00-05:00",
            "2026-03-07T08:00:00-05:00",
            "2026-03-08T08:00:00-04:00",
            "2026-03-09T08:00:00-04:00",
            "2026-03-10T08:00:00-04:00",
        ]
    );
}

#[test]
fn every_day_at_8_stays_8_across_montreal_fall_back() {
    let (first, rrule) = at(local(MTL, 2026, 10, 29, 10, 0), "tous les jours à 8h");
    assert_eq!(first, "2026-10-30T08:00:00-04:00");
    assert_eq!(
        expand(&rrule.unwrap_or_default(), local(MTL, 2026, 10, 30, 8, 0), 4),
        [
            "2026-10-30T08:00:00-04:00",
            "2026-10-31T08:00:00-04:00",
            "2026-11-01T08:00:00-05:00",
            "2026-11-02T08:00:00-05:00",
        ]
    );
}

#[test]
fn every_day_at_8_stays_8_across_paris_changes() {
    let (first, rrule) = at(local(PARIS, 2026, 3, 27, 10, 0), "tous les jours à 8h");
    assert_eq!(first, "2026-03-28T08:00:00+01:00");
    let rrule = rrule.unwrap_or_default();
    assert_eq!(
        expand(&rrule, local(PARIS, 2026, 3, 28, 8, 0), 3),
        [
            "2026-03-28T08:00:00+01:00",
            "2026-03-29T08:00:00+02:00",
            "2026-03-30T08:00:00+02:00",
        ]
    );
    assert_eq!(
        expand(&rrule, local(PARIS, 2026, 10, 24, 8, 0), 3),
        [
            "2026-10-24T08:00:00+02:00",
            "2026-10-25T08:00:00+01:00",
            "2026-10-26T08:00:00+01:00",
        ]
    );
}

#[test]
fn recurring_times_in_the_gap_move_forward_and_repeated_ones_come_first() {
    let rule = "FREQ=DAILY;BYHOUR=2;BYMINUTE=30";
    assert_eq!(
        expand(rule, local(MTL, 2026, 3, 7, 2, 30), 3),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:30:00-04:00",
            "2026-03-09T02:30:00-04:00",
        ]
    );
    assert_eq!(
        expand(rule, local(PARIS, 2026, 3, 28, 2, 30), 3),
        [
            "2026-03-28T02:30:00+01:00",
            "2026-03-29T03:30:00+02:00",
            "2026-03-30T02:30:00+02:00",
        ]
    );
    assert_eq!(
        expand(rule, local(PARIS, 2026, 10, 24, 2, 30), 3),
        [
            "2026-10-24T02:30:00+02:00",
            "2026-10-25T02:30:00+02:00",
            "2026-10-26T02:30:00+01:00",
        ]
    );
    assert_eq!(
        expand("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", local(MTL, 2026, 10, 31, 1, 30), 3),
        [
            "2026-10-31T01:30:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00",
        ]
    );
}

#[test]
fn weekly_rule_on_the_spring_forward_night() {
    let (first, rrule) = at(local(MTL, 2026, 3, 4, 10, 0), "every sunday at 2:30am");
    assert_eq!(first, "2026-03-08T03:30:00-04:00");
    let rrule = rrule.unwrap_or_default();
    assert_eq!(rrule, "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30");
    assert_eq!(
        expand(&rrule, local(MTL, 2026, 3, 8, 3, 30), 2),
        ["2026-03-08T03:30:00-04:00", "2026-03-15T02:30:00-04:00"]
    );
}

#[test]
fn hourly_rules_step_by_elapsed_time() {
    let start = local(MTL, 2026, 3, 8, 0, 0);
    assert_eq!(
        expand("FREQ=HOURLY", start, 4),
        [
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T01:00:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T04:00:00-04:00",
        ]
    );
    let start = local(MTL, 2026, 11, 1, 0, 0);
    assert_eq!(
        expand("FREQ=MINUTELY;INTERVAL=30", start, 5),
        [
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T00:30:00-04:00",
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T01:00:00-05:00",
        ]
    );
}

// ---- expansion of the rules the parser produces -------------------------------

#[test]
fn intervals_and_month_rules() {
    let start = local(MTL, 2026, 3, 9, 9, 0);
    assert_eq!(
        expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0", start, 3),
        [
            "2026-03-09T09:00:00-04:00",
            "2026-03-23T09:00:00-04:00",
            "2026-04-06T09:00:00-04:00",
        ]
    );
    // A 31st only in months that have one.
    let start = local(MTL, 2026, 3, 31, 9, 0);
    assert_eq!(
        expand("FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0", start, 3),
        [
            "2026-03-31T09:00:00-04:00",
            "2026-05-31T09:00:00-04:00",
            "2026-07-31T09:00:00-04:00",
        ]
    );
    let start = local(MTL, 2026, 3, 27, 9, 0);
    assert_eq!(
        expand("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0", start, 3),
        [
            "2026-03-27T09:00:00-04:00",
            "2026-04-24T09:00:00-04:00",
            "2026-05-29T09:00:00-04:00",
        ]
    );
    let start = local(MTL, 2028, 2, 29, 9, 0);
    assert_eq!(
        expand("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9;BYMINUTE=0", start, 2),
        ["2028-02-29T09:00:00-05:00", "2032-02-29T09:00:00-05:00"]
    );
    let start = local(MTL, 2026, 3, 4, 18, 0);
    assert_eq!(
        expand("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=18;BYMINUTE=0", start, 4),
        [
            "2026-03-04T18:00:00-05:00",
            "2026-03-06T18:00:00-05:00",
            "2026-03-09T18:00:00-04:00",
            "2026-03-11T18:00:00-04:00",
        ]
    );
}

#[test]
fn occurrences_after_skips_to_the_next_one() {
    let dtstart = local(MTL, 2026, 3, 9, 9, 0);
    let rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0";
    let next = occurrences_after(rule, dtstart, local(MTL, 2027, 1, 1, 0, 0), 2);
    let next: Vec<String> = next.unwrap_or_default().iter().map(|t| t.to_rfc3339()).collect();
    // Every other Monday from 2026-03-09 keeps its parity across the year.
    assert_eq!(next, ["2027-01-11T09:00:00-05:00", "2027-01-25T09:00:00-05:00"]);
    // Strictly after: an occurrence equal to `after` is skipped.
    let next = occurrences_after(rule, dtstart, dtstart, 1).unwrap_or_default();
    assert_eq!(
        next.first().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-03-23T09:00:00-04:00")
    );
    let hourly = occurrences_after("FREQ=HOURLY;INTERVAL=3", dtstart, local(MTL, 2026, 3, 9, 10, 0), 1);
    assert_eq!(
        hourly.unwrap_or_default().first().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-03-09T12:00:00-04:00")
    );
}

#[test]
fn rules_outside_the_supported_subset_are_refused() {
    let start = local(MTL, 2026, 3, 4, 10, 0);
    for rule in [
        "FREQ=DAILY;COUNT=5",
        "FREQ=SECONDLY",
        "BYHOUR=8",
        "FREQ=DAILY;BYSETPOS=1",
    ] {
        assert!(
            matches!(next_occurrences(rule, start, 1), Err(WhenError::InvalidRrule(_))),
            "{rule}"
        );
    }
}
