//! French: relative times. Hours, minutes and seconds are exact elapsed time;
//! days, weeks, months and years land on a calendar day at the default hour.

use crate::common::{check, check_err};
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn minutes_and_seconds() {
    check("dans 20 minutes", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 20 min", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 20mn", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 20 mins", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 5 min", r#"{"at":"2026-03-04T10:05:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1 minute", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans une minute", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 2 minutes", r#"{"at":"2026-03-04T10:02:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 3 minutes", r#"{"at":"2026-03-04T10:03:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 45 minutes", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans quarante-cinq minutes", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans vingt minutes", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans dix minutes", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans quinze minutes", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 90 min", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 120 minutes", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 30 secondes", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("dans 30 sec", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("dans 30s", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("dans trente secondes", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("dans 90 secondes", r#"{"at":"2026-03-04T10:01:30-05:00","grain":"second","text":"","rrule":null}"#);
    check("dans 1 seconde", r#"{"at":"2026-03-04T10:00:01-05:00","grain":"second","text":"","rrule":null}"#);
    check("d'ici 10 minutes", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("ds 10 min", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("10 minutes plus tard", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 5 minutes à partir de maintenant", r#"{"at":"2026-03-04T10:05:00-05:00","grain":"minute","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn hours() {
    check("dans 2 heures", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 2h", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 2 h", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 2 hres", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans deux heures", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans une heure", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 1h", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 3 heures", r#"{"at":"2026-03-04T13:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 12 heures", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 24 heures", r#"{"at":"2026-03-05T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 48h", r#"{"at":"2026-03-06T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 72 heures", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    // Exact elapsed time across the spring-forward change of March 8.
    check("dans 100 heures", r#"{"at":"2026-03-08T15:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("d'ici une heure", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn hours_and_minutes() {
    check("dans 1h30", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1 h 30", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1 heure 30", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1 heure et 30 minutes", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 2 heures et 15 minutes", r#"{"at":"2026-03-04T12:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 2 heures 15 minutes", r#"{"at":"2026-03-04T12:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1h15", r#"{"at":"2026-03-04T11:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 2h45", r#"{"at":"2026-03-04T12:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1 heure 15", r#"{"at":"2026-03-04T11:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans une heure et demie", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans une heure et quart", r#"{"at":"2026-03-04T11:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans deux heures et demie", r#"{"at":"2026-03-04T12:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans une demi-heure", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans une demi heure", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans un quart d'heure", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans trois quarts d'heure", r#"{"at":"2026-03-04T10:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1,5 heure", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 2,5 heures", r#"{"at":"2026-03-04T12:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("dans 1.5h", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn days_and_weeks() {
    check("dans 3 jours", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dans trois jours", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dans 1 jour", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dans un jour", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dans 2 jours", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dans 5 jours", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("dans 10 jours", r#"{"at":"2026-03-14T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("dans 3j", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    // The idiom: "huit jours" is a week, "quinze jours" two.
    check("dans 8 jours", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans huit jours", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans quinze jours", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans 15 jours", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans une semaine", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans 1 semaine", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans 2 semaines", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans deux semaines", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("dans 3 semaines", r#"{"at":"2026-03-25T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn months_and_years() {
    check("dans un mois", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("dans 1 mois", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("dans 2 mois", r#"{"at":"2026-05-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("dans six mois", r#"{"at":"2026-09-04T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("dans un an", r#"{"at":"2027-03-04T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("dans 2 ans", r#"{"at":"2028-03-04T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("dans une année", r#"{"at":"2027-03-04T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn relative_day_with_time() {
    check("dans 3 jours à 17h", r#"{"at":"2026-03-07T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 2 jours à 8h", r#"{"at":"2026-03-06T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 2 jours à 5h", r#"{"at":"2026-03-06T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans une semaine à midi", r#"{"at":"2026-03-11T12:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 3 jours le matin", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 2 jours en soirée", r#"{"at":"2026-03-06T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn mixed_units() {
    // A duration mixing days and hours is exact.
    check("dans 1 jour et 2 heures", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans un jour et demi", r#"{"at":"2026-03-05T22:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans 1 mois et 2 semaines", r#"{"at":"2026-04-18T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check_err("dans un an et demi", WhenError::Unsupported("un an et demi".into()));
    // Months then exact hours, from now's wall clock.
    check("dans 1 mois et 2 heures", r#"{"at":"2026-04-04T12:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
}
