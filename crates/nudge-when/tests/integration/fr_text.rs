//! French: whole reminder messages, as texted, with the reminder's text.

use crate::common::check;

#[test]
#[rustfmt::skip]
fn commands_are_removed() {
    check("rappelle-moi de boire de l'eau dans 2 minutes", r#"{"at":"2026-03-04T10:02:00-05:00","grain":"minute","text":"boire de l'eau","rrule":null}"#);
    check("Rappelle-moi d'appeler maman à 17h", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"appeler maman","rrule":null}"#);
    check("rappelle moi demain a 8h d'appeler le dentiste", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"appeler le dentiste","rrule":null}"#);
    check("rappel: payer le loyer le 1er avril", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"payer le loyer","rrule":null}"#);
    check("rappel : rdv chez le dentiste jeudi 14h", r#"{"at":"2026-03-05T14:00:00-05:00","grain":"hour","text":"rdv chez le dentiste","rrule":null}"#);
    check("fais-moi penser de sortir le chien dans 1h30", r#"{"at":"2026-03-04T11:30:00-05:00","grain":"minute","text":"sortir le chien","rrule":null}"#);
    check("fais-moi penser à acheter du lait demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"acheter du lait","rrule":null}"#);
    check("peux-tu me rappeler de prendre mes pilules à 9h du soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"prendre mes pilules","rrule":null}"#);
    check("tu peux me rappeler d'appeler Luc demain midi", r#"{"at":"2026-03-05T12:00:00-05:00","grain":"hour","text":"appeler Luc","rrule":null}"#);
    check("n'oublie pas mon rendez-vous chez le médecin jeudi à 10h15", r#"{"at":"2026-03-05T10:15:00-05:00","grain":"minute","text":"mon rendez-vous chez le médecin","rrule":null}"#);
    check("n'oublie pas de sortir les poubelles demain soir", r#"{"at":"2026-03-05T21:00:00-05:00","grain":"hour","text":"sortir les poubelles","rrule":null}"#);
    check("noublie pas de payer hydro vendredi", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"payer hydro","rrule":null}"#);
    check("oublie pas le party samedi soir", r#"{"at":"2026-03-07T21:00:00-05:00","grain":"hour","text":"le party","rrule":null}"#);
    check("rappelle-moi vendredi prochain de payer la facture", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"payer la facture","rrule":null}"#);
    check("rappelle-moi que le plombier vient jeudi à 13h", r#"{"at":"2026-03-05T13:00:00-05:00","grain":"hour","text":"le plombier vient","rrule":null}"#);
    check("rappelle-moi dans 2 minutes", r#"{"at":"2026-03-04T10:02:00-05:00","grain":"minute","text":"","rrule":null}"#);
    check("rappelle-moi dans 30 secondes de tester", r#"{"at":"2026-03-04T10:00:30-05:00","grain":"second","text":"tester","rrule":null}"#);
    check("rapelle moi de payer le loyer le 1er", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"payer le loyer","rrule":null}"#);
    check("Rappelle-moi de rappeler Marc demain.", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"rappeler Marc","rrule":null}"#);
    check("RAPPELLE-MOI DEMAIN DE PAYER HYDRO", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"PAYER HYDRO","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn politeness() {
    check("rappelle moi stp de faire le lavage ce soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"faire le lavage","rrule":null}"#);
    check("rappelle-moi d'aller chercher les enfants à 15h30 svp", r#"{"at":"2026-03-04T15:30:00-05:00","grain":"minute","text":"aller chercher les enfants","rrule":null}"#);
    check("svp rappelle-moi d'appeler grand-maman dimanche", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"day","text":"appeler grand-maman","rrule":null}"#);
    check("rappelle-moi de faire mes impôts en avril s'il te plaît", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"month","text":"faire mes impôts","rrule":null}"#);
    check("rappelle-moi demain de rappeler l'école, merci!", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"rappeler l'école","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn no_command() {
    check("appeler Julie ce midi", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"appeler Julie","rrule":null}"#);
    check("réunion à 15h demain", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"réunion","rrule":null}"#);
    check("demain matin 7h30 gym", r#"{"at":"2026-03-05T07:30:00-05:00","grain":"minute","text":"gym","rrule":null}"#);
    check("faut que j'appelle l'assurance lundi a 9h", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"hour","text":"faut que j'appelle l'assurance","rrule":null}"#);
    check("demain 8h: rdv dentiste", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"rdv dentiste","rrule":null}"#);
    check("rdv chez le coiffeur le 12 mars à 10h30", r#"{"at":"2026-03-12T10:30:00-04:00","grain":"minute","text":"rdv chez le coiffeur","rrule":null}"#);
    check("Souper chez ma mère dimanche à 17h30", r#"{"at":"2026-03-08T17:30:00-04:00","grain":"minute","text":"Souper chez ma mère","rrule":null}"#);
    check("ajd 16h sortir le poulet", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"sortir le poulet","rrule":null}"#);
    check("auj à 18h souper", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"souper","rrule":null}"#);
    check("demain pm réunion", r#"{"at":"2026-03-05T15:00:00-05:00","grain":"hour","text":"réunion","rrule":null}"#);
    check("lundi prochain à 13h conférence", r#"{"at":"2026-03-09T13:00:00-04:00","grain":"hour","text":"conférence","rrule":null}"#);
    check("mercredi en huit réunion", r#"{"at":"2026-03-18T09:00:00-04:00","grain":"day","text":"réunion","rrule":null}"#);
    check("faire l'épicerie après-demain", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"faire l'épicerie","rrule":null}"#);
    check("payer la carte de crédit le 15", r#"{"at":"2026-03-15T09:00:00-04:00","grain":"day","text":"payer la carte de crédit","rrule":null}"#);
    check("dentiste le 10 mars à 14h", r#"{"at":"2026-03-10T14:00:00-04:00","grain":"hour","text":"dentiste","rrule":null}"#);
    check("dans 20 minutes sortir le gâteau du four", r#"{"at":"2026-03-04T10:20:00-05:00","grain":"minute","text":"sortir le gâteau du four","rrule":null}"#);
    check("cours de piano mercredi prochain à 16h", r#"{"at":"2026-03-11T16:00:00-04:00","grain":"hour","text":"cours de piano","rrule":null}"#);
    check("Réunion d'équipe lundi 9 mars à 10h", r#"{"at":"2026-03-09T10:00:00-04:00","grain":"hour","text":"Réunion d'équipe","rrule":null}"#);
    check("acheter 2 litres de lait ce soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"acheter 2 litres de lait","rrule":null}"#);
    check("appeler le 514 555-1234 demain", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"appeler le 514 555-1234","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn time_in_the_middle() {
    check("rappelle-moi vers 16h de prendre ma médication", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"prendre ma médication","rrule":null}"#);
    check("à 8h demain matin, rappelle-moi de partir", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"partir","rrule":null}"#);
    check("n'oublie pas : épicerie samedi", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"épicerie","rrule":null}"#);
    check("rappelle-moi aujourd'hui à 16h de sortir le poulet", r#"{"at":"2026-03-04T16:00:00-05:00","grain":"hour","text":"sortir le poulet","rrule":null}"#);
    check("rappelle-moi jeudi qui vient d'appeler Paul", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"appeler Paul","rrule":null}"#);
    check("rappelle-moi au dîner d'appeler le garage", r#"{"at":"2026-03-04T12:00:00-05:00","grain":"hour","text":"appeler le garage","rrule":null}"#);
    check("rappelle-moi demain d'envoyer le courriel à Marie", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"day","text":"envoyer le courriel à Marie","rrule":null}"#);
    check("rappelle-moi à 17h de ramasser 3 colis", r#"{"at":"2026-03-04T17:00:00-05:00","grain":"hour","text":"ramasser 3 colis","rrule":null}"#);
    check("rappelle-moi samedi de changer les pneus", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"changer les pneus","rrule":null}"#);
    check("Rappelle-moi de réserver le resto pour vendredi", r#"{"at":"2026-03-06T09:00:00-05:00","grain":"day","text":"réserver le resto","rrule":null}"#);
    check("rappelle-moi de sortir les vidanges à soir", r#"{"at":"2026-03-04T21:00:00-05:00","grain":"hour","text":"sortir les vidanges","rrule":null}"#);
    check("rappelle-moi de texter Sophie en fin de semaine", r#"{"at":"2026-03-07T09:00:00-05:00","grain":"day","text":"texter Sophie","rrule":null}"#);
    check("Rappelle-moi de prendre mes médicaments au souper", r#"{"at":"2026-03-04T18:00:00-05:00","grain":"hour","text":"prendre mes médicaments","rrule":null}"#);
    check("rappelle-moi dans une heure de vérifier le four", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"vérifier le four","rrule":null}"#);
    check("rappelle-moi de rappeler le client d'ici 10 minutes", r#"{"at":"2026-03-04T10:10:00-05:00","grain":"minute","text":"rappeler le client","rrule":null}"#);
}

#[test]
#[rustfmt::skip]
fn recurring_messages() {
    check("rappelle-moi de boire de l'eau toutes les heures", r#"{"at":"2026-03-04T11:00:00-05:00","grain":"hour","text":"boire de l'eau","rrule":"FREQ=HOURLY"}"#);
    check("rappelle-moi de sortir le recyclage tous les mardis soir", r#"{"at":"2026-03-10T21:00:00-04:00","grain":"hour","text":"sortir le recyclage","rrule":"FREQ=WEEKLY;BYDAY=TU;BYHOUR=21;BYMINUTE=0"}"#);
    check("tous les jours à 8h prendre mes vitamines", r#"{"at":"2026-03-05T08:00:00-05:00","grain":"hour","text":"prendre mes vitamines","rrule":"FREQ=DAILY;BYHOUR=8;BYMINUTE=0"}"#);
    check("chaque mardi et jeudi à 18h : cours de yoga", r#"{"at":"2026-03-05T18:00:00-05:00","grain":"hour","text":"cours de yoga","rrule":"FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=18;BYMINUTE=0"}"#);
    check("rappelle-moi toutes les 2 semaines le lundi de payer le loyer", r#"{"at":"2026-03-09T09:00:00-04:00","grain":"day","text":"payer le loyer","rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}"#);
    check("le premier de chaque mois payer le loyer", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"payer le loyer","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("rappelle-moi d'arroser les plantes tous les dimanches", r#"{"at":"2026-03-08T09:00:00-04:00","grain":"day","text":"arroser les plantes","rrule":"FREQ=WEEKLY;BYDAY=SU;BYHOUR=9;BYMINUTE=0"}"#);
    check("rappelle-moi de prendre ma pilule tous les soirs à 22h", r#"{"at":"2026-03-04T22:00:00-05:00","grain":"hour","text":"prendre ma pilule","rrule":"FREQ=DAILY;BYHOUR=22;BYMINUTE=0"}"#);
    check("rappelle-moi de payer le loyer le premier de chaque mois", r#"{"at":"2026-04-01T09:00:00-04:00","grain":"day","text":"payer le loyer","rrule":"FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"}"#);
    check("du lundi au vendredi à 7h méditer 10 minutes", r#"{"at":"2026-03-05T07:00:00-05:00","grain":"hour","text":"méditer 10 minutes","rrule":"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=0"}"#);
    check("n'oublie pas de nourrir le chat chaque matin", r#"{"at":"2026-03-05T09:00:00-05:00","grain":"hour","text":"nourrir le chat","rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}"#);
}
