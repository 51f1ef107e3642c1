//! French, written the way people text (no accents, SMS spellings, "dem",
//! "auj", "c soir", "rdv"): the categories of issue 15, many phrasings each.
//! Wednesday 2026-03-04 10:00 in Montréal.

use crate::common::{asks, at, only, refused, window};

#[test]
#[rustfmt::skip]
fn the_24_hour_clock() {
    // "6h" is 06:00, never 18:00; "18h" is 18:00.
    only("le 4 avril à 6h", "2026-04-04T06:00:00-04:00");
    only("le 4 avril a 6h", "2026-04-04T06:00:00-04:00");
    only("rdv le 12 a 7h", "2026-03-12T07:00:00-04:00");
    only("demain 6h", "2026-03-05T06:00:00-05:00");
    only("dem 6h30", "2026-03-05T06:30:00-05:00");
    only("rdv dem 14h", "2026-03-05T14:00:00-05:00");
    only("réveil à 6 heures", "2026-03-05T06:00:00-05:00");
    only("reveil a 6 heures", "2026-03-05T06:00:00-05:00");
    only("à 7h pile", "2026-03-05T07:00:00-05:00");
    only("vendredi 8h", "2026-03-06T08:00:00-05:00");
    only("ven 8h", "2026-03-06T08:00:00-05:00");
    only("samedi 9h", "2026-03-07T09:00:00-05:00");
    only("lundi a 5h", "2026-03-09T05:00:00-04:00");
    only("à 18h", "2026-03-04T18:00:00-05:00");
    only("a 18h30", "2026-03-04T18:30:00-05:00");
    only("à 6 heures et quart", "2026-03-05T06:15:00-05:00");
    only("sept heures moins le quart", "2026-03-05T06:45:00-05:00");
    only("dix-huit heures trente", "2026-03-04T18:30:00-05:00");
    only("demain à six heures", "2026-03-05T06:00:00-05:00");
    only("dentiste dem a 9h30", "2026-03-05T09:30:00-05:00");
    // A part of the day still picks the evening.
    only("7h du soir", "2026-03-04T19:00:00-05:00");
    only("ce soir 7h", "2026-03-04T19:00:00-05:00");
    only("c soir 8h", "2026-03-04T20:00:00-05:00");
    only("a soir 9h", "2026-03-04T21:00:00-05:00");
    // A bare "à 8" (no "h") keeps both readings: the caller asks.
    asks("à 8", "2026-03-04T20:00:00-05:00", "2026-03-05T08:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn the_past_as_people_text_it() {
    at("hier", "2026-03-03T09:00:00-05:00");
    at("hier a 17h", "2026-03-03T17:00:00-05:00");
    at("hier soir 22h", "2026-03-03T22:00:00-05:00");
    at("avant hier", "2026-03-02T09:00:00-05:00");
    at("lundi dernier", "2026-03-02T09:00:00-05:00");
    at("mardi passé a 9h", "2026-03-03T09:00:00-05:00");
    at("mardi passe", "2026-03-03T09:00:00-05:00");
    at("vendredi derniere", "2026-02-27T09:00:00-05:00");
    at("il y a 2 jours", "2026-03-02T09:00:00-05:00");
    at("il y a 3h", "2026-03-04T07:00:00-05:00");
    at("ya 10 min", "2026-03-04T09:50:00-05:00");
    at("y a une heure", "2026-03-04T09:00:00-05:00");
    at("il y a une semaine", "2026-02-25T09:00:00-05:00");
    at("il y a 1 mois", "2026-02-04T09:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn the_last_and_the_next_ones() {
    at("les 24 heures passées", "2026-03-03T10:00:00-05:00");
    at("les 3 derniers jours", "2026-03-01T09:00:00-05:00");
    at("les huit dernieres minutes", "2026-03-04T09:52:00-05:00");
    at("les 90 secondes suivantes", "2026-03-04T10:01:30-05:00");
    at("les trois prochaines semaines", "2026-03-25T09:00:00-04:00");
    at("les 2 heures a venir", "2026-03-04T12:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn other_zones() {
    only("10h heure de paris", "2026-03-05T04:00:00-05:00");
    only("dem 10h heure de Paris", "2026-03-05T04:00:00-05:00");
    only("a 9h heure de montreal", "2026-03-05T09:00:00-05:00");
    only("15h UTC", "2026-03-04T10:00:00-05:00");
    only("a 20h GMT", "2026-03-04T15:00:00-05:00");
    only("appel a 17h heure de londres", "2026-03-04T12:00:00-05:00");
    only("vendredi 15h CET", "2026-03-06T09:00:00-05:00");
    refused("tous les jours a 15h UTC");
}

#[test]
#[rustfmt::skip]
fn windows() {
    window("de 14h à 16h", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("de 9h a 11h", "2026-03-05T09:00:00-05:00", "2026-03-05T11:00:00-05:00");
    window("entre 14h et 16h", "2026-03-04T14:00:00-05:00", "2026-03-04T16:00:00-05:00");
    window("entre midi et 2", "2026-03-04T12:00:00-05:00", "2026-03-04T14:00:00-05:00");
    window("entre midi et deux", "2026-03-04T12:00:00-05:00", "2026-03-04T14:00:00-05:00");
    window("dem entre 13h et 15h", "2026-03-05T13:00:00-05:00", "2026-03-05T15:00:00-05:00");
    window("13h-15h", "2026-03-04T13:00:00-05:00", "2026-03-04T15:00:00-05:00");
    window("ce soir de 8h a 10h", "2026-03-04T20:00:00-05:00", "2026-03-04T22:00:00-05:00");
    window("pas de sms de 22h a 7h", "2026-03-04T22:00:00-05:00", "2026-03-05T07:00:00-05:00");
    window("du 10 au 14 avril", "2026-04-10T09:00:00-04:00", "2026-04-14T09:00:00-04:00");
    window("10 août - 12 septembre", "2026-08-10T09:00:00-04:00", "2026-09-12T09:00:00-04:00");
    window("de lundi 9h a mercredi 17h", "2026-03-09T09:00:00-04:00", "2026-03-11T17:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn now_and_soon() {
    only("maintenant", "2026-03-04T10:00:00-05:00");
    only("tout de suite", "2026-03-04T10:00:00-05:00");
    only("tt de suite stp", "2026-03-04T10:00:00-05:00");
    only("des que possible", "2026-03-04T10:00:00-05:00");
    only("au plus vite", "2026-03-04T10:00:00-05:00");
    only("dans 10", "2026-03-04T10:10:00-05:00");
    only("ds 20", "2026-03-04T10:20:00-05:00");
    only("rappelle moi dans 1h", "2026-03-04T11:00:00-05:00");
    only("dans une demi heure", "2026-03-04T10:30:00-05:00");
    only("ds 2h", "2026-03-04T12:00:00-05:00");
    only("d'ici une heure", "2026-03-04T11:00:00-05:00");
    only("En 2 heures", "2026-03-04T12:00:00-05:00");
    // Words that name no time stay a question.
    refused("plus tard");
    refused("tantot");
    refused("tantôt");
    refused("dans pas long");
    refused("livraison en 48h");
}

#[test]
#[rustfmt::skip]
fn sms_spellings_of_days() {
    only("auj 17h", "2026-03-04T17:00:00-05:00");
    only("ajd 17h", "2026-03-04T17:00:00-05:00");
    only("dem", "2026-03-05T09:00:00-05:00");
    only("dmain 8h", "2026-03-05T08:00:00-05:00");
    only("rdv dentiste jeu 15h30", "2026-03-05T15:30:00-05:00");
    only("aujourdʼhui", "2026-03-04T09:00:00-05:00");
    only("mer. 9h30", "2026-03-11T09:30:00-04:00");
    only("ven 10 avr", "2026-04-10T09:00:00-04:00");
    only("le 12 jan 2027", "2027-01-12T09:00:00-05:00");
    only("rdv avec Jan demain", "2026-03-05T09:00:00-05:00");
}

#[test]
#[rustfmt::skip]
fn ambiguous_dates_ask() {
    // Day/month in French, but "03/04" could be either: the other order is
    // an alternative reading.
    asks("le 03/04", "2026-04-03T09:00:00-04:00", "2026-03-04T09:00:00-05:00");
    asks("pour le 05/06", "2026-06-05T09:00:00-04:00", "2026-05-06T09:00:00-04:00");
    only("le 25/12", "2026-12-25T09:00:00-05:00");
    // The 10th is a Tuesday: the date, or the Monday nearest it.
    asks("lundi 10 mars", "2026-03-10T09:00:00-04:00", "2026-03-09T09:00:00-04:00");
    only("jeudi le 12 a 14h", "2026-03-12T14:00:00-04:00");
}

#[test]
#[rustfmt::skip]
fn tot_et_tard_dans_la_journee() {
    // Deux heures avant ou après l'heure de la partie du jour (matin 9 h,
    // après-midi 15 h, soirée 18 h, soir 21 h par défaut).
    at("demain matin tôt", "2026-03-05T07:00:00-05:00");
    at("dem matin tot", "2026-03-05T07:00:00-05:00");
    at("demain tôt le matin", "2026-03-05T07:00:00-05:00");
    at("tôt demain matin", "2026-03-05T07:00:00-05:00");
    at("tôt demain", "2026-03-05T07:00:00-05:00");
    at("demain matin de bonne heure", "2026-03-05T07:00:00-05:00");
    at("en fin d'après-midi", "2026-03-04T17:00:00-05:00");
    at("demain en fin d'après-midi", "2026-03-05T17:00:00-05:00");
    at("vendredi en début d'après-midi", "2026-03-06T13:00:00-05:00");
    at("en début de soirée", "2026-03-04T16:00:00-05:00");
    at("samedi en fin de matinée", "2026-03-07T11:00:00-05:00");
    at("ce soir tard", "2026-03-04T23:00:00-05:00");
    at("tard ce soir", "2026-03-04T23:00:00-05:00");
    at("tard dans la soirée", "2026-03-04T20:00:00-05:00");
    // « plus tard ce soir », c'est ce soir, pas tard ce soir.
    at("plus tard ce soir", "2026-03-04T21:00:00-05:00");
    at("fin d'aprem", "2026-03-04T17:00:00-05:00");
    // "en fin de journée" reste la fin de la journée (la soirée).
    at("demain en fin de journée", "2026-03-05T18:00:00-05:00");
    // Une heure écrite l'emporte.
    only("demain matin tôt à 6h", "2026-03-05T06:00:00-05:00");
}
