//! The evaluation harness, local engine: scripted conversations in French
//! and English, each asserting the intent read, the calls made to workers
//! (the tools), the data touched (memories) and the SMS sent. Every
//! scenario runs on a fresh agent and database; the whole table runs on
//! SQLite, and on PostgreSQL when asked (`-- --ignored`).

use crate::helpers::{Backend, Harness, USER};

struct Scenario {
    name: &'static str,
    language: &'static str,
    /// Messages sent first (their replies are not checked).
    setup: &'static [&'static str],
    /// Mark the latest reminder as sent after the setup (it fired).
    fire: bool,
    say: &'static str,
    intent: &'static str,
    /// Text the reply must contain.
    reply: &'static str,
    /// Calls to workers made by `say`, in order.
    calls: &'static [&'static str],
    /// How many memories the person has afterwards (active or history).
    memories: Option<usize>,
}

const fn s(name: &'static str, language: &'static str, say: &'static str, intent: &'static str) -> Scenario {
    Scenario {
        name,
        language,
        setup: &[],
        fire: false,
        say,
        intent,
        reply: "",
        calls: &[],
        memories: None,
    }
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            reply: "stretch",
            calls: &["CreateReminder stretch"],
            ..s("remind (en)", "en", "remind me in 20 minutes to stretch", "remind")
        },
        Scenario {
            reply: "m'étirer",
            calls: &["CreateReminder m'étirer"],
            ..s(
                "remind (fr)",
                "fr",
                "rappelle-moi dans 20 minutes de m'étirer",
                "remind",
            )
        },
        Scenario {
            reply: "every day",
            calls: &["CreateReminder take my pills"],
            ..s("recurring (en)", "en", "every day at 8am take my pills", "remind")
        },
        Scenario {
            reply: "When should I remind you?",
            ..s(
                "remind without a time (en)",
                "en",
                "remind me to drink water",
                "remind_without_time",
            )
        },
        Scenario {
            setup: &["remind me in 20 minutes to stretch"],
            reply: "1. ",
            calls: &["ListReminders"],
            ..s("list reminders (en)", "en", "list", "list_reminders")
        },
        Scenario {
            setup: &["rappelle-moi dans 20 minutes de m'étirer"],
            reply: "Tes rappels :\n1. ",
            calls: &["ListReminders"],
            ..s("list reminders (fr)", "fr", "mes rappels", "list_reminders")
        },
        Scenario {
            setup: &["remind me in 20 minutes to stretch", "list"],
            reply: "stretch",
            calls: &["CancelReminder rem-1"],
            ..s("cancel (en)", "en", "cancel 1", "cancel")
        },
        Scenario {
            setup: &["rappelle-moi dans 20 minutes de m'étirer", "mes rappels"],
            reply: "m'étirer",
            calls: &["CancelReminder rem-1"],
            ..s("cancel (fr)", "fr", "annule 1", "cancel")
        },
        Scenario {
            setup: &["remind me in 20 minutes to stretch", "list"],
            reply: "stretch",
            calls: &["UpdateReminder rem-1"],
            ..s("edit (en)", "en", "change 1 to tomorrow 5pm", "reschedule")
        },
        Scenario {
            setup: &["rappelle-moi dans 20 minutes de m'étirer", "mes rappels"],
            reply: "m'étirer",
            calls: &["UpdateReminder rem-1"],
            ..s("edit (fr)", "fr", "déplace 1 à demain 9h", "reschedule")
        },
        Scenario {
            setup: &["remind me in 5 minutes to stretch"],
            fire: true,
            reply: "stretch",
            calls: &["SnoozeLatest"],
            ..s("snooze (en)", "en", "snooze 20", "snooze")
        },
        Scenario {
            setup: &["rappelle-moi dans 5 minutes de m'étirer"],
            fire: true,
            reply: "m'étirer",
            calls: &["SnoozeLatest"],
            ..s("snooze (fr)", "fr", "plus tard", "snooze")
        },
        Scenario {
            setup: &["remind me in 5 minutes to stretch"],
            fire: true,
            reply: "stretch",
            calls: &["AcknowledgeLatest"],
            ..s("done (en)", "en", "done", "done")
        },
        Scenario {
            setup: &["rappelle-moi dans 5 minutes de m'étirer"],
            fire: true,
            reply: "m'étirer",
            calls: &["AcknowledgeLatest"],
            ..s("done (fr)", "fr", "c'est fait", "done")
        },
        Scenario {
            reply: "buy milk",
            ..s("add task (en)", "en", "add buy milk", "add_task")
        },
        Scenario {
            reply: "acheter du lait",
            ..s("add task (fr)", "fr", "ajoute acheter du lait", "add_task")
        },
        Scenario {
            setup: &["add buy milk"],
            reply: "1. buy milk",
            ..s("list tasks (en)", "en", "tasks", "list_tasks")
        },
        Scenario {
            setup: &["ajoute acheter du lait"],
            reply: "1. acheter du lait",
            ..s("list tasks (fr)", "fr", "mes tâches", "list_tasks")
        },
        Scenario {
            setup: &["add buy milk", "tasks"],
            reply: "buy milk",
            ..s("complete task (en)", "en", "done 1", "complete")
        },
        Scenario {
            setup: &["ajoute acheter du lait", "mes tâches"],
            reply: "acheter du lait",
            ..s("complete task (fr)", "fr", "fait 1", "complete")
        },
        Scenario {
            reply: "my sister is Léa",
            memories: Some(1),
            ..s("remember (en)", "en", "remember my sister is Léa", "remember")
        },
        Scenario {
            reply: "ma sœur s'appelle Léa",
            memories: Some(1),
            ..s("remember (fr)", "fr", "retiens que ma sœur s'appelle Léa", "remember")
        },
        Scenario {
            setup: &["remember my sister is Léa"],
            reply: "I already knew that",
            memories: Some(1),
            ..s(
                "remember a duplicate (en)",
                "en",
                "remember my sister is Lea",
                "remember",
            )
        },
        Scenario {
            setup: &["retiens que ma sœur s'appelle Léa"],
            reply: "avant : ma sœur s'appelle Léa",
            memories: Some(2),
            ..s("contradiction (fr)", "fr", "ma sœur s'appelle Zoé", "remember")
        },
        Scenario {
            setup: &["remember my sister is Léa"],
            reply: "What I know about you:\n1. my sister is Léa",
            ..s("what do you know (en)", "en", "what do you know about me?", "recall")
        },
        Scenario {
            setup: &["retiens que ma sœur s'appelle Léa"],
            reply: "Ce que je sais sur toi :\n1. ma sœur s'appelle Léa",
            ..s(
                "what do you know (fr)",
                "fr",
                "qu'est-ce que tu sais sur moi ?",
                "recall",
            )
        },
        Scenario {
            setup: &["remember my sister is Léa", "remember my dentist is Dr Martin"],
            reply: "1. my dentist is Dr Martin\nText FORGET",
            ..s("recall one thing (en)", "en", "who is my dentist?", "recall")
        },
        Scenario {
            setup: &["remember my sister is Léa"],
            reply: "Forgotten: my sister is Léa",
            memories: Some(0),
            ..s("forget (en)", "en", "forget my sister", "forget")
        },
        Scenario {
            setup: &["retiens que ma sœur s'appelle Léa"],
            reply: "C'est oublié : ma sœur s'appelle Léa",
            memories: Some(0),
            ..s("forget (fr)", "fr", "oublie ma sœur", "forget")
        },
        Scenario {
            setup: &["remember my sister is Léa", "forget everything"],
            reply: "forgotten everything",
            memories: Some(0),
            ..s("forget everything after yes (en)", "en", "yes", "confirm")
        },
        Scenario {
            setup: &["retiens que ma sœur s'appelle Léa", "oublie tout"],
            reply: "j'ai oublié tout",
            memories: Some(0),
            ..s("forget everything after oui (fr)", "fr", "oui", "confirm")
        },
        Scenario {
            setup: &["remember my sister is Léa", "forget everything"],
            reply: "kept everything",
            memories: Some(1),
            ..s("forget everything, then no (en)", "en", "no", "confirm")
        },
        Scenario {
            setup: &["remember my sister is Léa"],
            reply: "Reply YES",
            memories: Some(1),
            ..s("forget everything waits (en)", "en", "forget everything", "forget_all")
        },
        Scenario {
            setup: &[
                "remind me in 20 minutes to stretch",
                "remind me in 30 minutes to drink water",
                "cancel all reminders",
            ],
            reply: "2 reminders cancelled",
            calls: &["ListReminders", "CancelReminder rem-1", "CancelReminder rem-2"],
            ..s("cancel all after yes (en)", "en", "yes", "confirm")
        },
        Scenario {
            setup: &["rappelle-moi dans 20 minutes de m'étirer", "annule tous mes rappels"],
            reply: "1 rappels annulés",
            calls: &["ListReminders", "CancelReminder rem-1"],
            ..s("cancel all after oui (fr)", "fr", "oui", "confirm")
        },
        Scenario {
            setup: &["remind me in 20 minutes to stretch", "cancel all reminders", "list"],
            reply: "Nothing is waiting",
            calls: &[],
            ..s("a late yes does nothing (en)", "en", "yes", "confirm")
        },
        Scenario {
            reply: "America/Montreal",
            calls: &["GetDeliverySettings", "SetDeliverySettings"],
            ..s("time zone (en)", "en", "timezone America/Montreal", "set_timezone")
        },
        Scenario {
            reply: "America/Montreal",
            calls: &["GetDeliverySettings", "SetDeliverySettings"],
            ..s("time zone (fr)", "fr", "fuseau horaire Montréal", "set_timezone")
        },
        Scenario {
            calls: &["GetDeliverySettings", "SetDeliverySettings"],
            ..s("quiet hours (en)", "en", "quiet hours 22-7", "set_quiet_hours")
        },
        Scenario {
            calls: &["GetDeliverySettings", "SetDeliverySettings"],
            ..s("quiet hours (fr)", "fr", "heures calmes de 22h à 7h", "set_quiet_hours")
        },
        Scenario {
            calls: &["GetDeliverySettings", "SetDeliverySettings"],
            ..s("nag interval (en)", "en", "nag every 15 minutes", "set_nag")
        },
        Scenario {
            calls: &["GetDeliverySettings", "SetDeliverySettings"],
            ..s("nag interval (fr)", "fr", "relance toutes les 10 minutes", "set_nag")
        },
        Scenario {
            reply: "I'm Nudge",
            ..s("help (en)", "en", "help", "help")
        },
        Scenario {
            reply: "Je suis Nudge",
            ..s("help (fr)", "fr", "aide", "help")
        },
        Scenario {
            reply: "only Nudge's own engine",
            ..s("local engine only (en)", "en", "local only", "set_local_only")
        },
        Scenario {
            reply: "seul le moteur de Nudge",
            ..s("local engine only (fr)", "fr", "mode local", "set_local_only")
        },
        // "next" asks for a step only while steps of a model's reply are kept
        // (scenarios_provider.rs); otherwise it is read as before.
        Scenario {
            reply: "I didn't get that",
            ..s("next without steps (en)", "en", "next", "unknown")
        },
        Scenario {
            reply: "je n'ai pas compris",
            ..s("next without steps (fr)", "fr", "suivant", "unknown")
        },
        // Issue 15: intents as people text them, one scenario per family and language.
        Scenario {
            reply: "stretch",
            calls: &["CreateReminder stretch", "CreateReminder drink water"],
            ..s(
                "several requests (en)",
                "en",
                "remind me to stretch in 20 minutes and drink water in an hour",
                "several",
            )
        },
        Scenario {
            reply: "m'étirer",
            calls: &["CreateReminder m'étirer", "CreateReminder boire de l'eau"],
            ..s(
                "several requests (fr)",
                "fr",
                "rappelle-moi de m'étirer dans 20 minutes et de boire de l'eau dans une heure",
                "several",
            )
        },
        Scenario {
            setup: &["remind me in 20 minutes to stretch"],
            reply: "Changed",
            calls: &["ListReminders", "UpdateReminder rem-1"],
            ..s("correction (en)", "en", "actually make it in 2 hours", "correct")
        },
        Scenario {
            setup: &["rappelle-moi dans 20 minutes de m'étirer"],
            reply: "C'est changé",
            calls: &["ListReminders", "UpdateReminder rem-1"],
            ..s("correction (fr)", "fr", "non plutôt dans 2h", "correct")
        },
        Scenario {
            setup: &[
                "remind me in 20 minutes to call the dentist",
                "remind me in 30 minutes to stretch",
            ],
            reply: "Cancelled: call the dentist",
            calls: &["ListReminders", "CancelReminder rem-1"],
            ..s(
                "cancel by description (en)",
                "en",
                "cancel the dentist one",
                "cancel_matching",
            )
        },
        Scenario {
            setup: &[
                "rappelle-moi dans 20 minutes d'appeler le dentiste",
                "rappelle-moi dans 30 minutes de m'étirer",
            ],
            reply: "appeler le dentiste",
            calls: &["ListReminders", "CancelReminder rem-1"],
            ..s(
                "cancel by description (fr)",
                "fr",
                "annule le rappel du dentiste",
                "cancel_matching",
            )
        },
        Scenario {
            setup: &["remind me in 20 minutes to stretch"],
            calls: &["ListReminders"],
            ..s("the day's list (en)", "en", "what's on today?", "agenda")
        },
        Scenario {
            setup: &["rappelle-moi dans 20 minutes de m'étirer"],
            calls: &["ListReminders"],
            ..s("the day's list (fr)", "fr", "j'ai quoi auj ?", "agenda")
        },
        Scenario {
            setup: &["remind me in 5 minutes to stretch"],
            fire: true,
            reply: "stretch",
            calls: &["AcknowledgeLatest"],
            ..s("done in slang (en)", "en", "done w the stretching!!", "done")
        },
        Scenario {
            setup: &["rappelle-moi dans 5 minutes de m'étirer"],
            fire: true,
            reply: "m'étirer",
            calls: &["AcknowledgeLatest"],
            ..s("done in slang (fr)", "fr", "c fait", "done")
        },
        Scenario {
            setup: &["remind me in 5 minutes to stretch"],
            fire: true,
            reply: "stretch",
            calls: &["SnoozeLatest"],
            ..s("snooze phrasing (en)", "en", "busy, in 20", "snooze")
        },
        Scenario {
            setup: &["rappelle-moi dans 5 minutes de m'étirer"],
            fire: true,
            reply: "m'étirer",
            calls: &["SnoozeLatest"],
            // The parser reads "dans 10" as ten minutes from now: a time
            // alone snoozes the last reminder to it.
            ..s("snooze phrasing (fr)", "fr", "dans 10", "only_time")
        },
        Scenario {
            reply: "stretch",
            calls: &["CreateReminder stretch"],
            ..s(
                "sms abbreviations (en)",
                "en",
                "pls remind me in 20 mins to stretch thx",
                "remind",
            )
        },
        Scenario {
            reply: "m'étirer",
            calls: &["CreateReminder m'étirer"],
            ..s(
                "sms abbreviations (fr)",
                "fr",
                "rappelle-moi ds 20 min de m'étirer stp",
                "remind",
            )
        },
        Scenario {
            reply: "stretch",
            calls: &["CreateReminder stretch"],
            ..s("typos (en)", "en", "remnd me in 20 minutes to stretch", "remind")
        },
        Scenario {
            reply: "m'etirer",
            calls: &["CreateReminder m'etirer"],
            ..s(
                "missing accents (fr)",
                "fr",
                "rapelle moi dans 20 minutes de m'etirer",
                "remind",
            )
        },
        Scenario {
            setup: &["remind me in 5 minutes to stretch"],
            fire: true,
            reply: "stretch",
            calls: &["AcknowledgeLatest"],
            ..s("emoji (en)", "en", "✅", "done")
        },
        Scenario {
            setup: &["rappelle-moi dans 5 minutes de m'étirer"],
            fire: true,
            reply: "m'étirer",
            calls: &["SnoozeLatest"],
            ..s("emoji (fr)", "fr", "💤", "snooze")
        },
        // Never a silent misreading: asked first, then created from the answer.
        Scenario {
            reply: "Set it?",
            calls: &[],
            ..s(
                "far away is confirmed (en)",
                "en",
                "remind me in 6 months to renew my passport",
                "clarify",
            )
        },
        Scenario {
            setup: &["remind me in 6 months to renew my passport"],
            reply: "renew my passport",
            calls: &["CreateReminder renew my passport"],
            ..s("far away, yes (en)", "en", "yes", "choose")
        },
        Scenario {
            reply: "Je le note ?",
            calls: &[],
            ..s(
                "far away is confirmed (fr)",
                "fr",
                "rappelle-moi dans 6 mois de renouveler mon passeport",
                "clarify",
            )
        },
        Scenario {
            setup: &["rappelle-moi dans 6 mois de renouveler mon passeport"],
            reply: "renouveler mon passeport",
            calls: &["CreateReminder renouveler mon passeport"],
            ..s("far away, oui (fr)", "fr", "oui", "choose")
        },
        Scenario {
            setup: &["remind me in 6 months to renew my passport"],
            reply: "nothing set",
            calls: &[],
            ..s("far away, no (en)", "en", "no", "choose")
        },
        Scenario {
            setup: &["rappelle-moi dans 6 mois de renouveler mon passeport"],
            reply: "rien de noté",
            calls: &[],
            ..s("far away, non (fr)", "fr", "non", "choose")
        },
        Scenario {
            reply: "I didn't get that",
            ..s("not understood (en)", "en", "blue elephants dance", "unknown")
        },
        Scenario {
            reply: "je n'ai pas compris",
            ..s("not understood (fr)", "fr", "je suis fatigué aujourd'hui", "unknown")
        },
    ]
}

async fn run_all(backend: Backend) {
    let all = scenarios();
    assert!(all.len() >= 45, "{} scenarios", all.len());
    for scenario in all {
        let mut h = Harness::start(backend, scenario.language).await;
        for message in scenario.setup {
            h.say(message).await;
        }
        if scenario.fire {
            h.fire_latest();
        }
        h.take_calls();
        let said = h.turn(scenario.say).await;
        let name = scenario.name;
        assert_eq!(said.intent, scenario.intent, "{name}: intent ({})", said.reply);
        assert_eq!(said.answered_by, "local", "{name}");
        assert_eq!(said.sms.len(), 1, "{name}: one SMS");
        assert!(said.reply.contains(scenario.reply), "{name}: reply {:?}", said.reply);
        assert!(
            nudge_core::sms::count_segments(&said.reply).segments <= 2,
            "{name}: within two segments"
        );
        assert_eq!(h.take_calls(), scenario.calls, "{name}: calls to workers");
        assert!(h.calls_only_for(USER), "{name}: every call was for the person");
        if let Some(count) = scenario.memories {
            assert_eq!(h.memories(USER).await.len(), count, "{name}: memories");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn local_engine_scenarios_on_sqlite() {
    run_all(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn local_engine_scenarios_on_postgres() {
    run_all(Backend::Postgres).await;
}
