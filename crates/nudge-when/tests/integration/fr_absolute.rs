//! French: days, dates, clock times and parts of the day.

use crate::common::{asks, check, check_err, check_lang};
use nudge_when::LangHint;
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn day_words() {
    check("demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("Demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("DEMAIN", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("aujourd'hui", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("aujourd’hui", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("aujourdhui", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("auj", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("ajd", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("après-demain", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("apres-demain", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("apres demain", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("APRÈS-DEMAIN", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("pour demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("d'ici demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dès demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("à partir de demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekdays() {
    // A bare weekday is the next one strictly after today (a Wednesday).
    check("lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("mardi", r#"{"at":"2026-03-10T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("mercredi", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("jeudi", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("vendredi", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("samedi", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("dimanche", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("Lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le lundi", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("pour vendredi", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("d'ici vendredi", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("lundi prochain", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("vendredi prochain", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("mercredi prochain", r#"{"at":"2026-03-11T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("samedi prochain", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    // "ce …" and "… qui vient" count today.
    check("ce vendredi", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("ce mercredi", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("jeudi qui vient", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("mercredi qui vient", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("lundi en huit", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("mercredi en huit", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weeks_months_years() {
    check("la semaine prochaine", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("semaine prochaine", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("la semaine qui vient", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"week","text":"","rrule":null}"#);
    check("le mois prochain", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("mois prochain", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("l'an prochain", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("l'année prochaine", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("l'annee prochaine", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"year","text":"","rrule":null}"#);
    check("en avril", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("en mars", r#"{"at":"2026-03-01T09:00:00-05:00","grain":"month","text":"","rrule":null}"#);
    check("en janvier", r#"{"at":"2027-01-01T09:00:00-05:00","grain":"month","text":"","rrule":null}"#);
    check("au mois d'août", r#"{"at":"2026-08-01T09:00:00-04:00","grain":"month","text":"","rrule":null}"#);
    check("en décembre", r#"{"at":"2026-12-01T09:00:00-05:00","grain":"month","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekend_quebec() {
    check("ce weekend", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("ce week-end", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("cette fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("en fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("la fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("la fin de semaine prochaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le weekend prochain", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("la fin de semaine qui vient", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("pour la fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("cette fds", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn dates() {
    check("le 5 mars", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("5 mars", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 5 mars à 14h30", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("le 1er avril", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le premier avril", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le 2 mai", r#"{"at":"2026-05-02T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le deux mai", r#"{"at":"2026-05-02T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le vingt-cinq décembre", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 25 décembre", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 25 decembre", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 14 juillet", r#"{"at":"2026-07-14T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le 3 janv.", r#"{"at":"2027-01-03T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    // A date that has passed this year is next year's; today's stays today.
    check("le 1er mars", r#"{"at":"2027-03-01T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 3 mars", r#"{"at":"2027-03-03T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 4 mars", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 14 février 2027", r#"{"at":"2027-02-14T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("5 mars 2027", r#"{"at":"2027-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 2 mars 2026", r#"{"at":"2026-03-02T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 29 février", r#"{"at":"2028-02-29T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    // A day of the month alone: this month if still ahead.
    check("le 15", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le 3", r#"{"at":"2026-04-03T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le 31", r#"{"at":"2026-03-31T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le 4", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 15 à 14h", r#"{"at":"2026-03-15T14:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("pour le 20", r#"{"at":"2026-03-20T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn numeric_dates() {
    // Day/month in French.
    check("le 5/3", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 12/03 à 10h", r#"{"at":"2026-03-12T10:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("le 25/12", r#"{"at":"2026-12-25T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 05/03/2026", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 5/3/27", r#"{"at":"2027-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check("le 6/4 à 15h", r#"{"at":"2026-04-06T15:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("2026-03-05 14h30", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("le 2026-04-10", r#"{"at":"2026-04-10T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("le 5.3.2026", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn weekday_with_date() {
    check("lundi 9 mars", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("lundi le 9", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("mardi 10 mars à 9h", r#"{"at":"2026-03-10T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("le lundi 16 mars à 9h", r#"{"at":"2026-03-16T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("vendredi 13", r#"{"at":"2026-03-13T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("vendredi, le 6 mars", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn clock_today() {
    // Without a day, a clock time is its next occurrence. French writes the
    // 24-hour clock: "à 8h" is 08:00 (tomorrow, at 10:00), "à 20h" 20:00.
    check("à 14h", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("14h", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 14h30", r#"{"at":"2026-03-04T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("14h30", r#"{"at":"2026-03-04T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("14 h 30", r#"{"at":"2026-03-04T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("14h 30", r#"{"at":"2026-03-04T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 17 h", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 17h00", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 23h59", r#"{"at":"2026-03-04T23:59:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("a 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 9h", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 11h", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 10h", r#"{"at":"2026-03-04T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 9h30", r#"{"at":"2026-03-05T09:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 3h", r#"{"at":"2026-03-05T03:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 8 heures", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 5pm", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    // 24-hour forms have one reading: tomorrow once passed.
    check("à 08h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 08:00", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 0h30", r#"{"at":"2026-03-05T00:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 9h45", r#"{"at":"2026-03-05T09:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("vers 16h", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("vers les 16h", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("aux alentours de 14h", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 16h pile", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("après 17h", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn clock_qualified() {
    check("à 8h du matin", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 7h du soir", r#"{"at":"2026-03-04T19:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 3h de l'après-midi", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 2h de l'aprem", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 2h de la nuit", r#"{"at":"2026-03-05T02:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 11h du soir", r#"{"at":"2026-03-04T23:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à 6h du matin", r#"{"at":"2026-03-05T06:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn noon_midnight() {
    check("à midi", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("midi", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("vers midi", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à midi et demi", r#"{"at":"2026-03-04T12:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à midi et quart", r#"{"at":"2026-03-04T12:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("midi 15", r#"{"at":"2026-03-04T12:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à midi moins le quart", r#"{"at":"2026-03-04T11:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à minuit", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("minuit", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("minuit et demi", r#"{"at":"2026-03-05T00:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à minuit moins le quart", r#"{"at":"2026-03-04T23:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn spelled_clock() {
    check("à quinze heures", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("quinze heures trente", r#"{"at":"2026-03-04T15:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("vingt heures", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à vingt-deux heures", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à dix-sept heures quinze", r#"{"at":"2026-03-04T17:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à huit heures et quart", r#"{"at":"2026-03-05T08:15:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à huit heures et demie", r#"{"at":"2026-03-05T08:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à cinq heures moins le quart", r#"{"at":"2026-03-05T04:45:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à trois heures moins dix", r#"{"at":"2026-03-05T02:50:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à onze heures", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à sept heures du matin", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn day_and_clock() {
    // With another day, 7–11 is morning and 12, 1–6 afternoon.
    check("demain à 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain à 5h", r#"{"at":"2026-03-05T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain à 17h", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain 17h", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("17h demain", r#"{"at":"2026-03-05T17:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain à 14h30", r#"{"at":"2026-03-05T14:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("demain à 05h", r#"{"at":"2026-03-05T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain à 6h du matin", r#"{"at":"2026-03-05T06:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain midi", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain à midi", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain midi et demi", r#"{"at":"2026-03-05T12:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("demain à minuit", r#"{"at":"2026-03-06T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("lundi à 9h", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("lundi à 9h30", r#"{"at":"2026-03-09T09:30:00-04:00","grain":"minute","text":"","rrule":null}"#);
    check("vendredi à 15h", r#"{"at":"2026-03-06T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("vendredi à 3h", r#"{"at":"2026-03-06T03:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("jeudi à 2h", r#"{"at":"2026-03-05T02:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("jeudi à 02h", r#"{"at":"2026-03-05T02:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("jeudi à 2h du matin", r#"{"at":"2026-03-05T02:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("samedi midi", r#"{"at":"2026-03-07T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dimanche à 10h", r#"{"at":"2026-03-08T10:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("après-demain à 10h", r#"{"at":"2026-03-06T10:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("le 5 mars à midi", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("le 10 mars à 8h30", r#"{"at":"2026-03-10T08:30:00-04:00","grain":"minute","text":"","rrule":null}"#);
    check("le 5 mars à 5h", r#"{"at":"2026-03-05T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("vendredi à minuit", r#"{"at":"2026-03-07T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn today_named() {
    // Today named: the first reading still ahead, else the afternoon one.
    check("aujourd'hui à 16h", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("aujourd'hui à 9h", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("aujourd'hui à 5h", r#"{"at":"2026-03-04T05:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("aujourd'hui à 11h", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("aujourd'hui à 8h du matin", r#"{"at":"2026-03-04T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn parts_with_day() {
    check("demain matin", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain matin à 7h", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain matin 7h30", r#"{"at":"2026-03-05T07:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("demain soir", r#"{"at":"2026-03-05T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain soir à 8h", r#"{"at":"2026-03-05T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain soir à 9h", r#"{"at":"2026-03-05T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain après-midi", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain apres-midi à 2h", r#"{"at":"2026-03-05T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain aprem", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain en soirée", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain dans la matinée", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain am", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain pm", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain avant-midi", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain au souper", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain au dîner", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("demain au déjeuner", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("lundi matin", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("lundi soir", r#"{"at":"2026-03-09T21:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("mercredi soir", r#"{"at":"2026-03-11T21:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check("vendredi soir à 7h", r#"{"at":"2026-03-06T19:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("samedi matin", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dimanche après-midi", r#"{"at":"2026-03-08T15:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn today_parts() {
    // "ce soir", "à soir" (Québec) and "cette nuit" take the night hour.
    check("ce soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("a soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("ce soir à 8h", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("ce soir à 23h", r#"{"at":"2026-03-04T23:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("ce soir à minuit", r#"{"at":"2026-03-05T00:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("ce matin", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à matin", r#"{"at":"2026-03-04T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("cet après-midi", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("cet aprem", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("cet après-midi à 2h", r#"{"at":"2026-03-04T14:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("cette nuit", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("cette nuit à 2h", r#"{"at":"2026-03-05T02:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("ce midi", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn parts_alone() {
    // Without a day, the next one.
    check("le matin", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("le soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans la soirée", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("en soirée", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans l'après-midi", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("l'après-midi", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("en après-midi", r#"{"at":"2026-03-04T15:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("en avant-midi", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("en matinée", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("en fin de journée", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("au souper", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("au dîner", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("au diner", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("au lunch", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("à l'heure du souper", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("au déjeuner", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("dans la nuit", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn errors() {
    check_err("le 31 février", WhenError::InvalidDate("le 31 février".into()));
    check_err("le 31 avril", WhenError::InvalidDate("le 31 avril".into()));
    // 10 March is a Tuesday: the date, or the Monday nearest it (the caller asks).
    asks("lundi 10 mars", "2026-03-10T09:00:00-04:00", "2026-03-09T09:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn sms_spellings() {
    check("à 9h du mat", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("le 15 mars prochain", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("rdv mardi 14h", r#"{"at":"2026-03-10T14:00:00-04:00","grain":"hour","text":"rdv","rrule":null}"#);
    check("rdv mardi prochain 14h", r#"{"at":"2026-03-10T14:00:00-04:00","grain":"hour","text":"rdv","rrule":null}"#);
    check("ce soir 20h", r#"{"at":"2026-03-04T20:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
    check("9h30 demain", r#"{"at":"2026-03-05T09:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("demain à 9 h 30", r#"{"at":"2026-03-05T09:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("à 5 h 30 du matin", r#"{"at":"2026-03-05T05:30:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("jeudi le 12 mars", r#"{"at":"2026-03-12T09:00:00-04:00","grain":"day","text":"","rrule":null}"#);
    check("lundi, le 9 mars à 10h", r#"{"at":"2026-03-09T10:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn forced_language() {
    // With the language given, "5/3" is read day/month in French.
    check_lang(LangHint::Fr, "5/3", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"","rrule":null}"#);
    check_lang(LangHint::Fr, "12/3 à 10h", r#"{"at":"2026-03-12T10:00:00-04:00","grain":"hour","text":"","rrule":null}"#);
    check_lang(LangHint::Fr, "demain 8h", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"","rrule":null}"#);
}
