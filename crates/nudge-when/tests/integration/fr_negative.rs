//! French: messages without a usable time. Numbers that are not times, vague
//! words, impossible values and contradictions are errors, never a guess.

use crate::common::{asks, check_err, no_time};
use nudge_when::WhenError;

#[test]
#[rustfmt::skip]
fn numbers_that_are_not_times() {
    no_time("j'ai 2 chats");
    no_time("deux trois choses");
    no_time("il a 5 ans");
    no_time("elle a 2 enfants");
    no_time("mon frère a 12 ans");
    no_time("acheter 6 oeufs");
    no_time("prendre 2 pilules");
    no_time("la chambre 204");
    no_time("appeler au 514-555-1234");
    no_time("le code est 1234");
    no_time("ça coûte 15$");
    no_time("page 12");
    no_time("2 + 2 = 4");
    no_time("version 2.0");
    no_time("sept pommes");
    no_time("donne ça à 3 personnes");
    no_time("le 5e étage");
    no_time("marcher 30 minutes");
    no_time("pendant 2 heures");
    no_time("travailler 3 heures");
    no_time("3 heures de ménage");
    no_time("sortir le chien avant midi");
}

#[test]
#[rustfmt::skip]
fn no_time_at_all() {
    no_time("acheter du lait");
    no_time("rappelle-moi d'appeler maman");
    no_time("bonjour");
    no_time("");
}

#[test]
#[rustfmt::skip]
fn vague() {
    check_err("plus tard", WhenError::Vague("plus tard".into()));
    check_err("rappelle-moi plus tard", WhenError::Vague("plus tard".into()));
    check_err("bientôt", WhenError::Vague("bientôt".into()));
    check_err("tantôt", WhenError::Vague("tantôt".into()));
    check_err("tout à l'heure", WhenError::Vague("tout à l'heure".into()));
    check_err("dans quelques minutes", WhenError::Vague("dans quelques minutes".into()));
    check_err("dans quelques jours", WhenError::Vague("dans quelques jours".into()));
    check_err("cette semaine", WhenError::Vague("cette semaine".into()));
    check_err("dans un moment", WhenError::Vague("dans un moment".into()));
    check_err("un de ces jours", WhenError::Vague("un de ces jours".into()));
}

#[test]
#[rustfmt::skip]
fn invalid_values() {
    check_err("rendez-vous à 25h", WhenError::InvalidTime("à 25h".into()));
    check_err("à 14h75", WhenError::InvalidTime("à 14h75".into()));
    check_err("le 31 février", WhenError::InvalidDate("le 31 février".into()));
    no_time("le 32 mars");
    check_err("le 30/02", WhenError::InvalidDate("le 30/02".into()));
    asks("mardi 9 mars", "2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn conflicts() {
    check_err("demain et vendredi", WhenError::Conflict("demain".into(), "vendredi".into()));
    check_err("lundi et jeudi", WhenError::Conflict("lundi".into(), "jeudi".into()));
    check_err("demain matin à 15h", WhenError::Conflict("demain matin".into(), "à 15h".into()));
    check_err("dans 2 heures demain", WhenError::Conflict("dans 2 heures".into(), "demain".into()));
    check_err("à 8h et à 9h", WhenError::Conflict("à 8h".into(), "à 9h".into()));
    check_err("dans 3 jours lundi", WhenError::Conflict("dans 3 jours".into(), "lundi".into()));
}

#[test]
#[rustfmt::skip]
fn unsupported() {
    check_err("deux fois par jour", WhenError::Unsupported("deux fois par jour".into()));
    check_err("toutes les 30 secondes", WhenError::Unsupported("toutes les 30 secondes".into()));
    check_err("avant vendredi", WhenError::Unsupported("avant vendredi".into()));
    check_err("finir le rapport avant 17h", WhenError::Unsupported("avant 17h".into()));
    check_err("dans un an et demi", WhenError::Unsupported("un an et demi".into()));
}

#[test]
#[rustfmt::skip]
fn alternatives() {
    check_err("prends tes pilules à 8h et à 20h", WhenError::Conflict("à 8h".into(), "à 20h".into()));
    check_err("rappelle-moi mardi et jeudi à 9h de prendre mes pilules", WhenError::Conflict("mardi".into(), "jeudi".into()));
    asks("vendredi 5 à 7", "2026-03-05T07:00:00-05:00", "2026-03-06T07:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn durations_written_like_clocks() {
    no_time("ouvert 24h sur 24");
    no_time("livraison en 48h");
}
