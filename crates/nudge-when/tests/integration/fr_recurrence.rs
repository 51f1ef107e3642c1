//! French: recurrences. `at` is the first occurrence at or after now (the
//! rule's DTSTART); daily and longer rules always carry BYHOUR/BYMINUTE.

use crate::common::{check, check_err};
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn daily() {
    check("tous les jours", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les jours à 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=0"}"#);
    check("tous les jours à 20h", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=20;BYMINUTE=0"}"#);
    check("tous les jours à 8h30", r#"{"at":"2026-03-05T08:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=30"}"#);
    check("tous les jours à 11h", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=11;BYMINUTE=0"}"#);
    check("chaque jour à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=7;BYMINUTE=0"}"#);
    check("chaque jour à midi", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=12;BYMINUTE=0"}"#);
    check("quotidiennement à 9h", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("une fois par jour à 20h", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=20;BYMINUTE=0"}"#);
    // Business hours in recurrences: 1–6 is the afternoon.
    check("tous les jours à 6h", r#"{"at":"2026-03-05T06:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=6;BYMINUTE=0"}"#);
    check("tous les jours à 6h du matin", r#"{"at":"2026-03-05T06:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=6;BYMINUTE=0"}"#);
    check("tous les jours à 06h00", r#"{"at":"2026-03-05T06:00:00-05:00","grain":"minute","text":"","rrule":"FREQ=DAILY;BYHOUR=6;BYMINUTE=0"}"#);
    check("tous les jours à minuit", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=0;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn parts_of_day() {
    check("tous les matins", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les matins à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=7;BYMINUTE=0"}"#);
    check("chaque matin à 6h30", r#"{"at":"2026-03-05T06:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=DAILY;BYHOUR=6;BYMINUTE=30"}"#);
    check("tous les soirs", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=21;BYMINUTE=0"}"#);
    check("tous les soirs à 22h", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=22;BYMINUTE=0"}"#);
    check("tous les soirs à 9h", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=21;BYMINUTE=0"}"#);
    check("chaque soir à 10h", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=22;BYMINUTE=0"}"#);
    check("tous les midis", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=12;BYMINUTE=0"}"#);
    check("toutes les nuits à 1h", r#"{"at":"2026-03-05T01:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=1;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn weekly() {
    check("tous les lundis", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les lundis à 8h", r#"{"at":"2026-03-09T08:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"}"#);
    check("chaque lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque lundi à 18h", r#"{"at":"2026-03-09T18:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=18;BYMINUTE=0"}"#);
    check("les lundis", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les mercredis à 11h", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=11;BYMINUTE=0"}"#);
    check("tous les mercredis", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les dimanches à 10h", r#"{"at":"2026-03-08T10:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=10;BYMINUTE=0"}"#);
    check("tous les mardis soir", r#"{"at":"2026-03-10T21:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU;BYHOUR=21;BYMINUTE=0"}"#);
    check("tous les lundis matin à 8h", r#"{"at":"2026-03-09T08:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"}"#);
    // Friday at midnight is the start of Saturday.
    check("tous les vendredis à minuit", r#"{"at":"2026-03-07T00:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA;BYHOUR=0;BYMINUTE=0"}"#);
    check("toutes les semaines", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("une fois par semaine", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque semaine le lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("toutes les semaines le dimanche à 19h", r#"{"at":"2026-03-08T19:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn several_weekdays() {
    check("chaque mardi et jeudi", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque mardi et jeudi à 9h", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les mardis et jeudis", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("les mardis et jeudis à 18h", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=18;BYMINUTE=0"}"#);
    check("tous les lundis, mercredis et vendredis à 7h", r#"{"at":"2026-03-06T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("tous les lundis et jeudi à 17h30", r#"{"at":"2026-03-05T17:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=17;BYMINUTE=30"}"#);
    check("chaque samedi et dimanche", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn workweek_and_weekend() {
    check("du lundi au vendredi", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("du lundi au vendredi à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("de lundi à vendredi à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("du mardi au jeudi à 11h", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=TU,WE,TH;BYHOUR=11;BYMINUTE=0"}"#);
    check("en semaine à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("tous les jours de semaine à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("les jours de semaine à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("tous les jours ouvrables à 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0"}"#);
    check("les fins de semaine à 10h", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0"}"#);
    check("toutes les fins de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les week-ends à 10h", r#"{"at":"2026-03-07T10:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0"}"#);
    check("chaque fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn intervals() {
    // The interval counts from `at`, the first matching day.
    check("toutes les 2 semaines le lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("toutes les deux semaines le vendredi à 17h", r#"{"at":"2026-03-06T17:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=17;BYMINUTE=0"}"#);
    check("aux deux semaines le jeudi", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=9;BYMINUTE=0"}"#);
    check("aux 2 semaines", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=9;BYMINUTE=0"}"#);
    check("une semaine sur deux le lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("un lundi sur deux", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("un jour sur deux", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0"}"#);
    check("un jour sur deux à 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=8;BYMINUTE=0"}"#);
    check("tous les deux jours", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les 2 jours à 20h", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=DAILY;INTERVAL=2;BYHOUR=20;BYMINUTE=0"}"#);
    check("tous les 3 jours", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=0"}"#);
    check("aux 3 jours", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn hourly_and_minutely() {
    // Exact steps from now.
    check("toutes les heures", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY"}"#);
    check("chaque heure", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY"}"#);
    check("toutes les 2 heures", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=2"}"#);
    check("toutes les 3 heures", r#"{"at":"2026-03-04T13:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=3"}"#);
    check("aux 4 heures", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":"FREQ=HOURLY;INTERVAL=4"}"#);
    check("toutes les 30 minutes", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=30"}"#);
    check("toutes les 15 minutes", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=15"}"#);
    check("aux 15 minutes", r#"{"at":"2026-03-04T10:15:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=15"}"#);
    check("toutes les demi-heures", r#"{"at":"2026-03-04T10:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=30"}"#);
    check("toutes les 90 minutes", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY;INTERVAL=90"}"#);
    check("toutes les minutes", r#"{"at":"2026-03-04T10:01:00-05:00","grain":"minute","text":"","rrule":"FREQ=MINUTELY"}"#);
}

#[test]
#[rustfmt::skip]
fn monthly() {
    check("tous les mois", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("une fois par mois", r#"{"at":"2026-04-04T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque mois le 15", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les mois le 1er", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("le premier de chaque mois", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("le 1er de chaque mois", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("le 15 de chaque mois", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("le 15 de tous les mois", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("le 15 de chaque mois à 10h", r#"{"at":"2026-03-15T10:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=10;BYMINUTE=0"}"#);
    check("le 1er de chaque mois à 8h", r#"{"at":"2026-04-01T08:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8;BYMINUTE=0"}"#);
    check("tous les 15 du mois", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les premiers du mois", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("le 31 de chaque mois", r#"{"at":"2026-03-31T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0"}"#);
    check("le premier lundi de chaque mois", r#"{"at":"2026-04-06T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("le dernier vendredi de chaque mois", r#"{"at":"2026-03-27T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les premiers lundis du mois", r#"{"at":"2026-04-06T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque premier lundi du mois à 19h", r#"{"at":"2026-04-06T19:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=19;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn yearly() {
    check("tous les ans le 5 mars", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque année le 25 décembre", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les 25 décembre", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25;BYHOUR=9;BYMINUTE=0"}"#);
    check("chaque 14 février", r#"{"at":"2027-02-14T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=14;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les ans", r#"{"at":"2027-03-04T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=4;BYHOUR=9;BYMINUTE=0"}"#);
    check("le 5 mars tous les ans", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn starting_day() {
    check("tous les jours à partir de demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
    check("tous les jours à 20h à partir de lundi", r#"{"at":"2026-03-09T20:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=20;BYMINUTE=0"}"#);
    check("dès lundi, tous les jours à 7h", r#"{"at":"2026-03-09T07:00:00-04:00","grain":"hour","text":"","rrule":"FREQ=DAILY;BYHOUR=7;BYMINUTE=0"}"#);
    check("à partir du 15 mars, chaque lundi", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
}

#[test]
#[rustfmt::skip]
fn unsupported() {
    check_err("deux fois par jour", WhenError::Unsupported("deux fois par jour".into()));
    check_err("3 fois par semaine", WhenError::Unsupported("3 fois par semaine".into()));
    check_err("toutes les 30 secondes", WhenError::Unsupported("toutes les 30 secondes".into()));
    check_err("tous les jours et tous les lundis", WhenError::Conflict("tous les jours".into(), "tous les lundis".into()));
}
