//! Never a silent misreading: ambiguous and adversarial phrases, French and
//! English. Each must either be read at the time expected, or be asked
//! about (`Intent::Clarify`), or not become a reminder at all; a reminder at
//! any other time is a failure. Also: the readings the parser offers
//! (`When::alternatives`) are asked about, and answers pick the right one.

#![expect(clippy::print_stdout, reason = "the count is the figure docs/benchmarks.md reports")]

use chrono::{DateTime, FixedOffset, TimeZone as _, Utc};
use chrono_tz::America::Montreal;

use super::clarify::{Answer, answer, doubt};
use super::*;

/// Wednesday 2026-03-04 10:00 in Montréal.
fn context(language: Language) -> Context {
    Context {
        now: Montreal.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).single().expect("valid"),
        language,
        last_listing: None,
    }
}

fn local(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&Montreal).format("%a %d %H:%M").to_string()
}

/// `None`: the phrase must be asked about (or not be a reminder);
/// `Some("Fri 06 09:00")` (or a prefix, "Fri 06"): the only right reading.
fn corpus(language: Language, cases: &[(&str, Option<&str>)]) {
    assert!(cases.len() >= 50, "{language}: {} phrases, 50 needed", cases.len());
    let context = context(language);
    let mut silent = Vec::new();
    for (text, expected) in cases {
        let understood = understand(text, &context);
        let wrong = match (&understood.intent, expected) {
            (Intent::Remind { when, .. }, Some(expected)) => !local(&when.at).starts_with(expected),
            (Intent::Remind { .. } | Intent::Several(_), None) => true,
            (Intent::Several(parts), Some(_)) => !parts.is_empty(),
            _ => false,
        };
        if wrong {
            let read = match &understood.intent {
                Intent::Remind { when, .. } => local(&when.at),
                other => other.name().to_owned(),
            };
            silent.push(format!("{text:?}: read {read}, expected {expected:?} or a question"));
        }
    }
    println!(
        "misreadings {language}: {}/{} phrases read silently wrong",
        silent.len(),
        cases.len()
    );
    assert!(silent.is_empty(), "silent misreadings:\n{}", silent.join("\n"));
}

#[test]
fn english_ambiguous_and_adversarial() {
    corpus(
        Language::En,
        &[
            ("remind me at 6 ish or maybe 7 to call mom", None),
            ("call mom tmrw or thurs", None),
            ("remind me tomorrow or friday to pay rent", None),
            ("remind me at 5 or 6 to stretch", None),
            ("remind me at 5 or 6pm to stretch", None),
            ("remind me yesterday at 5 to call mom", None),
            ("remind me at 9am today to take my meds", None),
            ("remind me this morning at 8 to eat", None),
            ("remind me on 12/25 to buy gifts", None),
            ("remind me in 6 months to renew my passport", None),
            ("remind me at noon or 1 to eat", None),
            ("remind me tomorrow at 5 or 6 to call mom", None),
            ("remind me tues or weds to call the plumber", None),
            ("remind me at 8 tonight or tomorrow morning to call", None),
            ("remind me monday or tuesday at 9am to call the bank", None),
            ("remind me at 3 or maybe 4 to pick up the kids", None),
            ("remind me in 10 or 15 minutes to check the oven", None),
            ("remind me at 7am or 8am to run", None),
            ("remind me friday or saturday at noon to call grandma", None),
            ("remind me on september 1 to renew the lease", None),
            ("remind me in 200 days to check the filter", None),
            ("remind me at 5pm yesterday to call", None),
            ("remind me earlier today at 8am to call", None),
            ("remind me at 6 tomorrow or thursday to call mom", None),
            ("remind me tmrw at 9 or 10 to call", None),
            ("remind me at 9:00 or 9:30 to leave", None),
            ("remind me thursday at 2 or friday at 3 to call", None),
            ("remind me this weekend or monday to call the bank", None),
            ("remind me at 4pm-ish or 5 to call mom", None),
            ("remind me next week or the week after to book flights", None),
            ("remind me at 6 to walk the dog", Some("Wed 04 18:00")),
            ("at 3 call the school", Some("Wed 04 15:00")),
            ("remind me at 5pm to call mom", Some("Wed 04 17:00")),
            ("remind me tomorrow at 9am to pay rent", Some("Thu 05 09:00")),
            ("remind me in 20 minutes to stretch", Some("Wed 04 10:20")),
            ("remind me in 2 hours to move the car", Some("Wed 04 12:00")),
            ("remind me friday at 5pm to call", Some("Fri 06 17:00")),
            ("remind me on friday at 9am to call the vet", Some("Fri 06 09:00")),
            ("remind me at 8pm to take my meds", Some("Wed 04 20:00")),
            ("remind me tonight at 9 to take my meds", Some("Wed 04 21:00")),
            ("remind me tomorrow morning at 7 to run", Some("Thu 05 07:00")),
            ("remind me at 5:30pm to cook", Some("Wed 04 17:30")),
            ("remind me in an hour to call back", Some("Wed 04 11:00")),
            ("remind me in 2 weeks at 9am to follow up", Some("Wed 18 09:00")),
            (
                "remind me on jan 15 2027 at 9am to renew my license",
                Some("Fri 15 09:00"),
            ),
            ("remind me next monday at 9am to call", Some("Mon 09 09:00")),
            ("remind me at noon to eat", Some("Wed 04 12:00")),
            ("remind me tomorrow at noon to eat", Some("Thu 05 12:00")),
            ("remind me at 11pm to sleep", Some("Wed 04 23:00")),
            ("remind me saturday at 10am to clean", Some("Sat 07 10:00")),
            ("remind me in 45 minutes to leave", Some("Wed 04 10:45")),
            ("remind me to call mom at 5pm or 6pm", None),
            ("remind me to call mom tomorrow or the day after", None),
            ("remind me 2 call mom at 6 or 7", None),
        ],
    );
}

#[test]
fn french_ambiguous_and_adversarial() {
    corpus(
        Language::Fr,
        &[
            ("rappelle-moi à 6h ou 7h d'appeler maman", None),
            ("appeler maman dem ou jeudi", None),
            ("rappelle-moi demain ou vendredi de payer le loyer", None),
            ("rappelle-moi à 17h ou 18h de m'étirer", None),
            ("rappelle-moi hier à 17h d'appeler maman", None),
            ("rappelle-moi ce matin à 8h de manger", None),
            ("rappelle-moi aujourd'hui à 9h de prendre mes médicaments", None),
            ("rappelle-moi le 25/12 d'acheter les cadeaux", None),
            ("rappelle-moi dans 6 mois de renouveler mon passeport", None),
            ("rappelle-moi à midi ou 13h de manger", None),
            ("rappelle-moi demain à 17h ou 18h d'appeler maman", None),
            ("rappelle-moi mardi ou mercredi d'appeler le plombier", None),
            ("rappelle-moi ce soir à 20h ou demain matin d'appeler", None),
            ("rappelle-moi lundi ou mardi à 9h d'appeler la banque", None),
            (
                "rappelle-moi vers 15h ou peut-être 16h d'aller chercher les enfants",
                None,
            ),
            ("rappelle-moi dans 10 ou 15 minutes de vérifier le four", None),
            ("rappelle-moi à 7h ou 8h d'aller courir", None),
            ("rappelle-moi vendredi ou samedi à midi d'appeler mamie", None),
            ("rappelle-moi le 1er septembre de renouveler le bail", None),
            ("rappelle-moi dans 200 jours de changer le filtre", None),
            ("rappelle-moi hier soir d'appeler", None),
            ("rappelle-moi dem à 9h ou 10h d'appeler", None),
            ("rappelle-moi à 9h ou 9h30 de partir", None),
            ("rappelle-moi jeudi à 14h ou vendredi à 15h d'appeler", None),
            ("rappelle-moi ce week-end ou lundi d'appeler la banque", None),
            ("rappelle-moi la semaine prochaine ou celle d'après de réserver", None),
            ("rappelle-moi à 18h ou 19h de sortir le chien", None),
            ("rappelle-moi jeudi ou vendredi de rappeler le garage", None),
            ("rappelle-moi ce matin à 7h de courir", None),
            ("rappelle-moi le 15 août d'arroser les plantes", None),
            ("rappelle-moi à 6h de sortir le chien", Some("Thu 05 06:00")),
            ("rappelle-moi à 17h d'appeler maman", Some("Wed 04 17:00")),
            ("rappelle-moi demain à 9h de payer le loyer", Some("Thu 05 09:00")),
            ("rappelle-moi dans 20 minutes de m'étirer", Some("Wed 04 10:20")),
            (
                "rappelle-moi dans 2 heures de déplacer la voiture",
                Some("Wed 04 12:00"),
            ),
            ("rappelle-moi vendredi à 17h d'appeler", Some("Fri 06 17:00")),
            ("rappelle-moi vendredi à 9h d'appeler le véto", Some("Fri 06 09:00")),
            ("rappelle-moi à 20h de prendre mes médicaments", Some("Wed 04 20:00")),
            (
                "rappelle-moi ce soir à 21h de prendre mes médicaments",
                Some("Wed 04 21:00"),
            ),
            ("rappelle-moi demain matin à 7h d'aller courir", Some("Thu 05 07:00")),
            ("rappelle-moi à 17h30 de cuisiner", Some("Wed 04 17:30")),
            ("rappelle-moi dans une heure de rappeler", Some("Wed 04 11:00")),
            ("rappelle-moi dans 2 semaines à 9h de relancer", Some("Wed 18 09:00")),
            (
                "rappelle-moi le 15 janvier 2027 à 9h de renouveler mon permis",
                Some("Fri 15 09:00"),
            ),
            ("rappelle-moi lundi prochain à 9h d'appeler", Some("Mon 09 09:00")),
            ("rappelle-moi à midi de manger", Some("Wed 04 12:00")),
            ("rappelle-moi demain à midi de manger", Some("Thu 05 12:00")),
            ("rappelle-moi à 23h de dormir", Some("Wed 04 23:00")),
            ("rappelle-moi samedi à 10h de faire le ménage", Some("Sat 07 10:00")),
            ("rappelle-moi dans 45 minutes de partir", Some("Wed 04 10:45")),
            ("rappelle-moi d'appeler maman à 17h ou 18h", None),
            ("rappelle-moi d'appeler maman demain ou après-demain", None),
            ("rappelle moi d'appeler maman à 6h ou 7h", None),
        ],
    );
}

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("valid")
}

fn with_alternatives(text: &str, first: &str, others: &[&str]) -> nudge_when::When {
    let context = context(Language::En);
    let mut when = nudge_when::parse(text, &when_context(&context, None)).expect("parses");
    when.at = at(first);
    when.alternatives = others.iter().map(|o| at(o)).collect();
    when
}

#[test]
fn the_parsers_other_readings_are_asked_about() {
    let now = context(Language::En).now;
    // "Tuesday the 19th" when the 19th is a Thursday: the 17th or the 24th?
    let when = with_alternatives(
        "remind me tuesday at 5pm to call mom",
        "2026-03-17T17:00:00-04:00",
        &["2026-03-24T17:00:00-04:00"],
    );
    let (kind, readings, _) = doubt(&when, "remind me tuesday the 19th at 5pm to call mom", now).expect("asked");
    assert_eq!(kind, Doubt::Ambiguous);
    assert_eq!(readings.len(), 2);
    // 6 am or 6 pm: the clock convention picks, and the confirmation says
    // which in full; not asked.
    let when = with_alternatives(
        "remind me tomorrow at 6 to run",
        "2026-03-05T06:00:00-05:00",
        &["2026-03-05T18:00:00-05:00"],
    );
    assert_eq!(doubt(&when, "remind me tomorrow at 6 to run", now), None);
    // When asked about two halves of a day (a written clock the parser read
    // otherwise), the answer is read in either language.
    let readings = vec![
        at("2026-03-05T06:00:00-05:00").with_timezone(&Utc),
        at("2026-03-05T18:00:00-05:00").with_timezone(&Utc),
    ];
    let zone = Montreal;
    let asked = now.with_timezone(&Utc);
    assert_eq!(answer("6pm", &readings, zone, asked), Answer::Pick(1));
    assert_eq!(answer("6 am", &readings, zone, asked), Answer::Pick(0));
    assert_eq!(answer("soir", &readings, zone, asked), Answer::Pick(1));
    assert_eq!(answer("le matin", &readings, zone, asked), Answer::Pick(0));
    assert_eq!(answer("2", &readings, zone, asked), Answer::Pick(1));
    assert_eq!(answer("the first one", &readings, zone, asked), Answer::Pick(0));
    assert_eq!(answer("18h", &readings, zone, asked), Answer::Pick(1));
    assert_eq!(answer("no", &readings, zone, asked), Answer::No);
    assert_eq!(answer("yes", &readings, zone, asked), Answer::Other);
    assert_eq!(answer("buy milk", &readings, zone, asked), Answer::Other);
    // The engine asks instead of scheduling, with the reminder's text kept.
    let dates = [
        Utc.with_ymd_and_hms(2026, 3, 19, 13, 0, 0).single().expect("valid"),
        Utc.with_ymd_and_hms(2026, 3, 26, 13, 0, 0).single().expect("valid"),
    ];
    assert_eq!(answer("the 26th", &dates, zone, asked), Answer::Pick(1));
    assert_eq!(answer("le 19", &dates, zone, asked), Answer::Pick(0));
    assert_eq!(answer("26", &dates, zone, asked), Answer::Pick(1));
    assert_eq!(answer("le premier", &dates, zone, asked), Answer::Pick(0));
    let months = [
        Utc.with_ymd_and_hms(2026, 4, 3, 13, 0, 0).single().expect("valid"),
        Utc.with_ymd_and_hms(2026, 3, 4, 18, 0, 0).single().expect("valid"),
    ];
    assert_eq!(answer("3 April", &months, zone, asked), Answer::Pick(0));
    assert_eq!(answer("mars", &months, zone, asked), Answer::Pick(1));
    // One reading offered (past, far, partly read): "yes", "oui", "👍" take it.
    let one = [dates[0]];
    for yes in ["yes", "oui", "👍", "ok", "yep", "ouais", "d'accord"] {
        assert_eq!(answer(yes, &one, zone, asked), Answer::Pick(0), "{yes}");
    }
}

#[test]
fn past_and_far_readings_are_confirmed() {
    let now = context(Language::En).now;
    let past = with_alternatives("remind me at 5 to call mom", "2026-03-03T17:00:00-05:00", &[]);
    let (kind, readings, _) = doubt(&past, "remind me yesterday at 5 to call mom", now).expect("asked");
    assert_eq!(kind, Doubt::Past);
    // The same clock time, next: today at 5 pm.
    assert_eq!(
        readings[0].with_timezone(&Montreal).format("%a %d %H:%M").to_string(),
        "Wed 04 17:00"
    );
    let far = with_alternatives("remind me at 5 to call mom", "2026-09-01T09:00:00-04:00", &[]);
    assert_eq!(
        doubt(&far, "remind me on september 1 to call mom", now).map(|d| d.0),
        Some(Doubt::Far)
    );
    // A year written makes it deliberate.
    assert_eq!(doubt(&far, "remind me on september 1 2026 to call mom", now), None);
    let near = with_alternatives("remind me at 5 to call mom", "2026-03-20T09:00:00-04:00", &[]);
    assert_eq!(doubt(&near, "remind me on march 20 to call mom", now), None);
}
