//! French: the categories other parsers' suites (chrono, dateparser) found
//! Nudge misreading, each in many phrasings. A misreading became either the
//! right reading or a refusal, never a silent wrong time.

use crate::common::{at, refused, window};

#[test]
#[rustfmt::skip]
fn times_in_the_past_are_read() {
    // Refusing a past time is the caller's job: the parser says what it means.
    at("il y a 12 heures", "2026-03-03T22:00:00-05:00");
    at("   il y a    12 heures", "2026-03-03T22:00:00-05:00");
    at("il y a 3 jours il s'est passé quelque chose", "2026-03-01T09:00:00-05:00");
    at("y a 2 semaines", "2026-02-18T09:00:00-05:00");
    at("ya 20 min", "2026-03-04T09:40:00-05:00");
    at("il y a une demi-heure", "2026-03-04T09:30:00-05:00");
    at("vendredi dernier", "2026-02-27T09:00:00-05:00");
    at("la deadline était vendredi dernier...", "2026-02-27T09:00:00-05:00");
    at("lundi passé", "2026-03-02T09:00:00-05:00");
    at("mardi précédent", "2026-03-03T09:00:00-05:00");
    at("mercredi dernier à 14h", "2026-02-25T14:00:00-05:00");
    at("samedi passe soir", "2026-02-28T21:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn parts_of_numbers_are_not_read_alone() {
    refused("12h12:99s");
    refused("le 4/13/1");
}

#[test]
#[rustfmt::skip]
fn day_ranges_start_on_the_first_day() {
    at("10 - 22 août 2026", "2026-08-10T09:00:00-04:00");
    at("10 au 22 août 2026", "2026-08-10T09:00:00-04:00");
    at("du 5 au 9 avril", "2026-04-05T09:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn weekday_abbreviations() {
    at("jeu 15:12", "2026-03-05T15:12:00-05:00");
    at("ven. 14h", "2026-03-06T14:00:00-05:00");
    at("ven 14h", "2026-03-06T14:00:00-05:00");
    at("mer. 9h30", "2026-03-11T09:30:00-04:00");
    at("sam 10h", "2026-03-07T10:00:00-05:00");
    at("dim. 18h", "2026-03-08T18:00:00-04:00");
    at("lun 8h", "2026-03-09T08:00:00-04:00");
    at("mar. 13h", "2026-03-10T13:00:00-04:00");
    at("ce ven. à 14h", "2026-03-06T14:00:00-05:00");
    at("rdv le jeu. 12 mars", "2026-03-12T09:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn seconds_and_durations() {
    at("le 10 août 2026 à 10:12:59", "2026-08-10T10:12:59-04:00");
    at("dans environ 23 heures", "2026-03-05T09:00:00-05:00");
    at("dans environ 20 minutes", "2026-03-04T10:20:00-05:00");
    at("d'ici environ une heure", "2026-03-04T11:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn other_time_zones_are_converted_to_the_persons() {
    // Montréal is UTC-5 on 2026-03-04, Paris UTC+1.
    at("10h heure de Paris", "2026-03-05T04:00:00-05:00");
    at("demain 10h heure de paris", "2026-03-05T04:00:00-05:00");
    at("à 15h UTC", "2026-03-04T10:00:00-05:00");
    at("14h heure du Québec", "2026-03-04T14:00:00-05:00");
    at("18h heure de Londres", "2026-03-04T13:00:00-05:00");
    at("9h heure du Pacifique", "2026-03-04T12:00:00-05:00");
    at("vendredi 15h CET", "2026-03-06T09:00:00-05:00");
    refused("à 10h heure normale");
    // "et", "cet" stay French words.
    at("à 3h cet après-midi", "2026-03-04T15:00:00-05:00");
    at("demain à 8h et pas avant", "2026-03-05T08:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn windows_start_at_their_first_time_and_keep_their_end() {
    window("entre midi et deux", "2026-03-04T12:00:00-05:00", "2026-03-04T14:00:00-05:00");
    window("entre 14h et 16h demain", "2026-03-05T14:00:00-05:00", "2026-03-05T16:00:00-05:00");
    window("entre 2 et 4", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("de 14h à 16h", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("de 14h a 16h", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("14h-16h", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("13-15h", "2026-03-04T13:00:00-05:00", "2026-03-04T15:00:00-05:00");
    window("de 9h30 au 11h", "2026-03-05T09:30:00-05:00", "2026-03-05T11:00:00-05:00");
    window("demain de 8 à 10h", "2026-03-05T08:00:00-05:00", "2026-03-05T10:00:00-05:00");
    window("ce soir de 8h à 10h", "2026-03-04T20:00:00-05:00", "2026-03-04T22:00:00-05:00");
    window("de 22h à 7h", "2026-03-04T22:00:00-05:00", "2026-03-05T07:00:00-05:00");
    window("lundi de 9h à 17h", "2026-03-09T09:00:00-04:00", "2026-03-09T17:00:00-04:00");
    window("entre 18h et 19h", "2026-03-04T18:00:00-05:00", "2026-03-04T19:00:00-05:00");
    // Counting, or a year after the clock: not a window.
    refused("entre 2 et 4 personnes");
    at("jeu 26 oct 11:00 2023", "2023-10-26T11:00:00-04:00");
    refused("à 11h 2023");
}

#[test]
#[rustfmt::skip]
fn more_forms_others_write() {
    at("Dim 15 Sept", "2026-09-15T09:00:00-04:00");
    at("le 11 sept. 2026", "2026-09-11T09:00:00-04:00");
    at("le 11 sept", "2026-09-11T09:00:00-04:00");
    at("Mar 10 mars", "2026-03-10T09:00:00-04:00");
    at("dans une décennie", "2036-03-04T09:00:00-05:00");
    at("2026/8/10", "2026-08-10T09:00:00-04:00");
    // "sept" before a clock word stays 7.
    at("le 11 à sept heures", "2026-03-11T07:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn past_days_are_read() {
    at("hier à 11h30", "2026-03-03T11:30:00-05:00");
    at("hier", "2026-03-03T09:00:00-05:00");
    at("avant-hier", "2026-03-02T09:00:00-05:00");
    at("avant hier à 18h", "2026-03-02T18:00:00-05:00");
    at("hier soir", "2026-03-03T21:00:00-05:00");
    at("hier soir à 8h", "2026-03-03T20:00:00-05:00");
    at("hier matin", "2026-03-03T09:00:00-05:00");
    at("Il ya environ 23 heures", "2026-03-03T11:00:00-05:00");
    at("il y a environ 2 jours", "2026-03-02T09:00:00-05:00");
    // The day before what? Less than 21 hours, or before 21:00? Refused.
    refused("la veille à 20h");
    refused("moins de 21h");
    refused("10 Août 88 p. Chr. n.");
}

#[test]
#[rustfmt::skip]
fn weekdays_weeks_ahead() {
    at("jeudi en huit", "2026-03-12T09:00:00-04:00");
    at("vendredi en quinze", "2026-03-20T09:00:00-04:00");
    at("lundi en quinze à 10h", "2026-03-23T10:00:00-04:00");
    at("mardi de la semaine d'après", "2026-03-17T09:00:00-04:00");
    at("mer. à 14h", "2026-03-11T14:00:00-04:00");
    refused("le 2e mardi d'avril");
    refused("le premier lundi de mai");
    refused("le dernier vendredi de juin");
}

#[test]
#[rustfmt::skip]
fn after_tomorrow() {
    at("le surlendemain", "2026-03-06T09:00:00-05:00");
    at("surlendemain à 10h", "2026-03-06T10:00:00-05:00");
}
