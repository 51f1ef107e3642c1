//! French: the categories other parsers' suites (chrono, dateparser) found
//! Nudge misreading, each in many phrasings. A misreading became either the
//! right reading or a refusal, never a silent wrong time.

use crate::common::{at, refused};

#[test]
#[rustfmt::skip]
fn times_in_the_past_are_refused() {
    refused("il y a 12 heures");
    refused("   il y a    12 heures");
    refused("il y a 3 jours il s'est passé quelque chose");
    refused("y a 2 semaines");
    refused("vendredi dernier");
    refused("la deadline était vendredi dernier...");
    refused("lundi passé");
    refused("mardi précédent");
}

#[test]
#[rustfmt::skip]
fn parts_of_numbers_are_not_read_alone() {
    refused("13-15h");
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
fn other_time_zones_are_refused_until_converted() {
    refused("10h heure de Paris");
    refused("à 15h UTC");
    refused("14h heure du Québec");
    // "et", "cet" stay French words.
    at("à 3h cet après-midi", "2026-03-04T15:00:00-05:00");
    at("demain à 8h et pas avant", "2026-03-05T08:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn windows_not_read_yet_are_refused() {
    refused("entre midi et deux");
    refused("entre 14h et 16h demain");
    refused("entre 2 et 4");
}

#[test]
#[rustfmt::skip]
fn windows_and_years_after_a_clock_are_refused() {
    refused("de 14h à 16h");
    refused("14h-16h");
    refused("de 9h30 au 11h");
    refused("jeu 26 oct 11:00 2023");
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
fn past_days_are_refused() {
    refused("hier à 11h30");
    refused("avant-hier");
    refused("la veille à 20h");
    refused("Il ya environ 23 heures");
    refused("il y a environ 2 jours");
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
