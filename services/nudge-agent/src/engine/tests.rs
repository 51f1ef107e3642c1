use chrono::TimeZone as _;
use chrono_tz::America::Montreal;

use super::*;

/// Wednesday 2026-03-04 10:00 in Montréal.
fn context(last_listing: Option<ListingKind>) -> Context {
    let now = Montreal.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).single().expect("valid");
    Context {
        now,
        language: Language::En,
        last_listing,
    }
}

fn local(at: &DateTime<Utc>) -> String {
    at.with_timezone(&Montreal).format("%a %H:%M:%S").to_string()
}

/// A compact, comparable form of what was understood.
fn summary(understood: &Understood) -> String {
    let intent = match &understood.intent {
        Intent::Remind { when, urgent } => format!(
            "remind {} {:?}{}{}",
            when.at.with_timezone(&Montreal).format("%a %H:%M:%S"),
            when.text,
            when.rrule.as_ref().map(|r| format!(" {r}")).unwrap_or_default(),
            if *urgent { " urgent" } else { "" }
        ),
        Intent::OnlyTime { at } => format!("only-time {}", local(at)),
        Intent::Snooze { until: Some(at) } => format!("snooze {}", local(at)),
        Intent::Snooze { until: None } => "snooze".to_owned(),
        Intent::Cancel { item } => format!("cancel {item:?}"),
        Intent::Reschedule { item, when } => format!(
            "reschedule {item} {}",
            when.as_ref().map_or("?".to_owned(), |w| w
                .at
                .with_timezone(&Montreal)
                .format("%a %H:%M")
                .to_string())
        ),
        Intent::AddTask { text, due } => format!(
            "add {text:?}{}",
            due.as_ref()
                .map(|w| format!(" {}", w.at.with_timezone(&Montreal).format("%a %H:%M")))
                .unwrap_or_default()
        ),
        Intent::Complete { item } => format!("complete {item}"),
        Intent::MoveTask { item, to } => format!("move {item} {to}"),
        Intent::SetTimezone(zone) => format!("timezone {}", zone.map_or("?", |z| z.name())),
        Intent::SetQuietHours(Some(QuietHoursChoice::Window {
            start_minute,
            end_minute,
        })) => {
            format!("quiet {start_minute}-{end_minute}")
        }
        Intent::SetQuietHours(Some(QuietHoursChoice::Off)) => "quiet off".to_owned(),
        Intent::SetQuietHours(None) => "quiet ?".to_owned(),
        Intent::SetNag(seconds) => format!("nag {seconds:?}"),
        Intent::SetMissedPolicy(policy) => format!("missed {policy:?}"),
        Intent::Remember { fact } => format!("remember {fact:?}"),
        Intent::Recall { about: Some(about) } => format!("recall {about:?}"),
        Intent::Forget(ForgetTarget::Item(n)) => format!("forget #{n}"),
        Intent::Forget(ForgetTarget::Matching(what)) => format!("forget {what:?}"),
        Intent::Confirm(yes) => format!("confirm {yes}"),
        other => other.name().to_owned(),
    };
    format!("{intent} [{}]", understood.language)
}

#[track_caller]
fn check(text: &str, expected: &str) {
    check_with(text, None, expected);
}

#[track_caller]
fn check_with(text: &str, listing: Option<ListingKind>, expected: &str) {
    let understood = understand(text, &context(listing));
    assert_eq!(summary(&understood), expected, "{text:?}");
}

#[test]
fn reminders() {
    check(
        "remind me in 2 minutes to drink water",
        r#"remind Wed 10:02:00 "drink water" [en]"#,
    );
    check(
        "rappelle-moi dans 2 minutes de boire de l'eau",
        r#"remind Wed 10:02:00 "boire de l'eau" [fr]"#,
    );
    check(
        "remind me to call mom tomorrow at 5",
        r#"remind Thu 17:00:00 "call mom" [en]"#,
    );
    check(
        "Rappelle-moi demain à 8h de prendre mes médicaments",
        r#"remind Thu 08:00:00 "prendre mes médicaments" [fr]"#,
    );
    check(
        "call the dentist at 3pm",
        r#"remind Wed 15:00:00 "call the dentist" [en]"#,
    );
    check(
        "tous les jours à 8h prendre mes médicaments",
        r#"remind Thu 08:00:00 "prendre mes médicaments" FREQ=DAILY;BYHOUR=8;BYMINUTE=0 [fr]"#,
    );
    check(
        "every weekday at 9am stand-up",
        r#"remind Thu 09:00:00 "stand-up" FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0 [en]"#,
    );
    check(
        "urgent: remind me in 10 minutes to take the pie out",
        r#"remind Wed 10:10:00 "take the pie out" urgent [en]"#,
    );
    check(
        "remind me in 30 seconds to breathe",
        r#"remind Wed 10:00:30 "breathe" [en]"#,
    );
}

#[test]
fn reminders_missing_something() {
    check("remind me to drink water", "remind_without_time [en]");
    check("rappelle-moi d'appeler Léa", "remind_without_time [fr]");
    check("remind me tomorrow", "remind_without_time [en]");
    check("in an hour", "only-time Wed 11:00:00 [en]");
    check("dans 20 minutes", "only-time Wed 10:20:00 [fr]");
    check(
        "remind me before the meeting to print the slides",
        "remind_without_time [en]",
    );
    check("remind me tomorrow morning at 3pm to call Léa", "unclear_time [en]");
}

#[test]
fn acknowledging_and_snoozing() {
    check("done", "done [en]");
    check("Done!", "done [en]");
    check("C'est fait", "done [fr]");
    check("fait.", "done [fr]");
    check("snooze", "snooze [en]");
    check("plus tard", "snooze [fr]");
    check("snooze 20", "snooze Wed 10:20:00 [en]");
    check("snooze 1 hour", "snooze Wed 11:00:00 [en]");
    check("snooze until 5pm", "snooze Wed 17:00:00 [en]");
    check("plus tard dans 30 minutes", "snooze Wed 10:30:00 [fr]");
}

#[test]
fn lists_and_items() {
    check("list", "list_reminders [en]");
    check("mes rappels", "list_reminders [fr]");
    check("tasks", "list_tasks [en]");
    check("Mes tâches", "list_tasks [fr]");
    check("cancel 2", "cancel Some(2) [en]");
    check("annule le 3", "cancel Some(3) [fr]");
    check("cancel", "cancel None [en]");
    check("done 2", "complete 2 [en]");
    check("fait 1", "complete 1 [fr]");
    check("change 2 to 5pm", "reschedule 2 Wed 17:00 [en]");
    check("déplace 1 à demain 9h", "reschedule 1 Thu 09:00 [fr]");
    check("change 2 to sometime", "reschedule 2 ? [en]");
    check_with("move 3 to top", Some(ListingKind::Tasks), "move 3 1 [en]");
    check_with("déplace 2 en premier", Some(ListingKind::Tasks), "move 2 1 [fr]");
    check_with("move 3 to 1", Some(ListingKind::Tasks), "move 3 1 [en]");
    check_with(
        "move 3 to 5pm",
        Some(ListingKind::Reminders),
        "reschedule 3 Wed 17:00 [en]",
    );
}

#[test]
fn tasks() {
    check("add buy milk", r#"add "buy milk" [en]"#);
    check("ajoute acheter du lait", r#"add "acheter du lait" [fr]"#);
    check("add pay rent friday", r#"add "pay rent" Fri 09:00 [en]"#);
    check(
        "ajoute appeler le garage demain à 10h",
        r#"add "appeler le garage" Thu 10:00 [fr]"#,
    );
    check("todo: renew passport", r#"add "renew passport" [en]"#);
}

#[test]
fn settings() {
    check("timezone Europe/Paris", "timezone Europe/Paris [en]");
    check("fuseau horaire Montréal", "timezone America/Montreal [fr]");
    check("time zone Atlantis", "timezone ? [en]");
    check("quiet hours 22-7", "quiet 1320-420 [en]");
    check("heures calmes de 22h à 7h", "quiet 1320-420 [fr]");
    check("quiet hours off", "quiet off [en]");
    check("quiet hours at night", "quiet ? [en]");
    check("nag every 15 minutes", "nag Some(900) [en]");
    check("relance toutes les 10 minutes", "nag Some(600) [fr]");
    check("nag off", "nag Some(0) [en]");
    check("missed: send late", "missed Some(SendLate) [en]");
    check("manqués : ignore", "missed Some(RecordMissed) [fr]");
    check("français", "set_language [fr]");
    check("English", "set_language [en]");
}

#[test]
fn everything_else() {
    check("help", "help [en]");
    check("aide", "help [fr]");
    check("I have 2 cats", "unknown [en]");
    check("deux trois choses", "unknown [en]");
    check("je suis fatigué aujourd'hui", "unknown [fr]");
    check("   ", "help [en]");
}

#[test]
fn memory() {
    check("remember my sister is Léa", r#"remember "my sister is Léa" [en]"#);
    check(
        "Remember: my locker code is 4512.",
        r#"remember "my locker code is 4512" [en]"#,
    );
    check(
        "retiens que ma sœur s'appelle Léa",
        r#"remember "ma sœur s'appelle Léa" [fr]"#,
    );
    check(
        "souviens-toi que je prends mes médicaments à 8h",
        r#"remember "je prends mes médicaments à 8h" [fr]"#,
    );
    check("note that I hate phone calls", r#"remember "I hate phone calls" [en]"#);
    check("my sister is Léa", r#"remember "my sister is Léa" [en]"#);
    check("ma sœur s'appelle Léa", r#"remember "ma sœur s'appelle Léa" [fr]"#);
    // "remember to ... at 5" is a reminder; a time makes it one.
    check("remember to call mom at 5pm", r#"remind Wed 17:00:00 "call mom" [en]"#);
    check("what do you know about me?", "recall [en]");
    check("Qu'est-ce que tu sais sur moi ?", "recall [fr]");
    check("que sais-tu de moi", "recall [fr]");
    check("who is my sister?", r#"recall "sister" [en]"#);
    check("c'est quoi mon code de casier", r#"recall "code de casier" [fr]"#);
    check("forget my sister", r#"forget "my sister" [en]"#);
    check("oublie le code du casier", r#"forget "le code du casier" [fr]"#);
    check_with("forget 2", Some(ListingKind::Memories), "forget #2 [en]");
    check("forget everything", "forget_all [en]");
    check("Oublie tout", "forget_all [fr]");
    check("cancel all reminders", "cancel_all_reminders [en]");
    check("annule tous mes rappels", "cancel_all_reminders [fr]");
    check("yes", "confirm true [en]");
    check("OUI", "confirm true [fr]");
    check("non", "confirm false [fr]");
    check("no", "confirm false [en]");
}

#[test]
fn next_step_words() {
    for text in [
        "next",
        "Next!",
        "NEXT",
        "next step",
        "what's next?",
        "ok",
        "done",
        "Done.",
        "suivant",
        "Suivant !",
        "fait",
        "c'est fait",
        "C\u{2019}est fait !",
        "et après ?",
        "et apres?",
        "ensuite",
        "la suite",
        "d'accord",
        "prête",
    ] {
        assert!(asks_next_step(text), "{text:?}");
    }
    for text in [
        "next week remind me to call mom",
        "done 2",
        "ok but tomorrow",
        "what is my next reminder",
        "suivant le rappel de demain",
        "",
    ] {
        assert!(!asks_next_step(text), "{text:?}");
    }
}
