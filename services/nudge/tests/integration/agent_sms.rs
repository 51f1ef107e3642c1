//! The local engine over SMS, in embedded mode: tasks, lists, cancel,
//! reschedule, snooze, recurrence and settings, in French and English.

use std::time::Duration;

use crate::helpers::*;
use nudge::embedded::Stack;
use nudge::webhook::WebhookSender;
use tokio_util::sync::CancellationToken;

struct Conversation {
    stack: Stack,
    sender: WebhookSender,
    seen: usize,
    _dir: tempfile::TempDir,
}

impl Conversation {
    async fn start() -> Conversation {
        nudge_telemetry::init_for_tests();
        let dir = tempfile::tempdir().expect("temp dir");
        let stack = Stack::start(
            dev_settings(dir.path(), embedded_environment()),
            CancellationToken::new(),
        )
        .await
        .expect("stack starts");
        let sender = sender(&stack.settings, stack.ports.sms_router);
        Conversation {
            stack,
            sender,
            seen: 0,
            _dir: dir,
        }
    }

    /// Texts `body` and returns Nudge's answer.
    async fn say(&mut self, body: &str) -> String {
        text(&self.sender, body).await;
        self.next(body).await
    }

    /// The next SMS Nudge sends (an answer, or a reminder firing).
    async fn next(&mut self, what: &str) -> String {
        let port = self.stack.ports.sms_router;
        let expected = self.seen + 1;
        let all = eventually(what, Duration::from_secs(15), || outbox(port), |o| o.len() >= expected).await;
        self.seen = expected;
        all[expected - 1].body.clone()
    }

    /// Waits until workers recorded a reminder as sent (the SMS shows in the
    /// outbox a moment earlier): only then does "done" or "snooze" apply to it.
    async fn until_a_reminder_waits_for_an_answer(&self) {
        let port = self.stack.ports.sms_router;
        let user_id = outbox_user(port).await;
        let workers = crate::helpers::reminders::workers(self.stack.ports.workers).await;
        eventually(
            "a reminder waiting for an answer",
            Duration::from_secs(10),
            || {
                let (mut workers, user_id) = (workers.clone(), user_id.clone());
                async move {
                    let request = crate::helpers::reminders::ListRemindersRequest {
                        user_id,
                        include_finished: false,
                    };
                    workers
                        .list_reminders(request)
                        .await
                        .expect("list")
                        .into_inner()
                        .reminders
                }
            },
            |reminders| {
                reminders
                    .iter()
                    .any(|r| r.status == i32::from(crate::helpers::reminders::ReminderStatus::Sent))
            },
        )
        .await;
    }

    async fn nothing_more(&self, within: Duration) {
        tokio::time::sleep(within).await;
        assert_eq!(
            outbox(self.stack.ports.sms_router).await.len(),
            self.seen,
            "no other SMS"
        );
    }
}

/// The demo person's user id, read from the dev outbox.
async fn outbox_user(port: u16) -> String {
    let url = format!("http://127.0.0.1:{port}/dev/outbox");
    let messages: Vec<serde_json::Value> = reqwest::get(&url).await.expect("outbox").json().await.expect("json");
    messages
        .first()
        .and_then(|m| m["user_id"].as_str())
        .expect("a message with a user id")
        .to_owned()
}

#[track_caller]
fn starts(text: &str, prefix: &str) {
    assert!(text.starts_with(prefix), "{text:?} should start with {prefix:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_in_both_languages() {
    let mut chat = Conversation::start().await;
    assert_eq!(chat.say("add buy milk").await, "Added to your list: buy milk.");
    assert_eq!(
        chat.say("ajoute acheter du pain").await,
        "Ajouté à ta liste : acheter du pain."
    );
    starts(
        &chat.say("add pay rent friday").await,
        "Added to your list: pay rent. Due ",
    );
    // "pay rent" is due on the coming Friday at 9:00 (a day without a time) in Montréal.
    let friday = due_next_friday();
    assert_eq!(
        chat.say("tasks").await,
        format!("Your list:\n1. buy milk\n2. acheter du pain\n3. pay rent ({friday})\nText DONE 1 when one is done.")
    );
    assert_eq!(chat.say("move 3 to top").await, "Moved to number 1: pay rent.");
    starts(&chat.say("mes tâches").await, "Ta liste :\n1. pay rent (");
    assert_eq!(chat.say("fait 2").await, "Bravo ! C'est coché : buy milk.");
    let list = chat.say("tasks").await;
    assert!(
        list.contains("1. pay rent") && list.contains("2. acheter du pain") && !list.contains("buy milk"),
        "{list}"
    );
    assert_eq!(chat.say("cancel 2").await, "Removed from your list: acheter du pain.");
    assert_eq!(
        chat.say("done 7").await,
        "I don't see a number 7 in your last list. Text LIST or TASKS to see it again."
    );
    chat.stack.stop().await.expect("clean stop");
}

/// How the task list writes a due date on the coming Friday at 9:00 AM, from now in Montréal.
fn due_next_friday() -> String {
    use chrono::{Datelike, Duration as Days, Weekday};
    let now = chrono::Utc::now().with_timezone(&chrono_tz::America::Montreal);
    let mut day = now.date_naive() + Days::days(1);
    while day.weekday() != Weekday::Fri {
        day += Days::days(1);
    }
    let days = (day - now.date_naive()).num_days();
    let date = if days == 1 {
        "tomorrow".to_owned()
    } else {
        day.format("%a %b %-d").to_string()
    };
    format!("{date} 9:00 AM")
}

#[tokio::test(flavor = "multi_thread")]
async fn reminders_listed_rescheduled_and_cancelled() {
    let mut chat = Conversation::start().await;
    starts(
        &chat.say("remind me in 10 minutes to check the oven").await,
        "Got it. I'll remind you at ",
    );
    starts(
        &chat.say("rappelle-moi demain à 9h d'appeler Léa").await,
        "C'est noté. Je te le rappelle demain à 9 h 00 : appeler Léa.",
    );
    assert_eq!(
        chat.say("every day at 8am take my meds").await,
        "Got it. I'll remind you every day at 8:00 AM: take my meds."
    );
    let list = chat.say("list").await;
    starts(&list, "Your reminders:\n1. ");
    assert!(
        list.contains("check the oven")
            && list.contains("appeler Léa")
            && list.contains("take my meds (every day at 8:00 AM)"),
        "{list}"
    );
    assert!(list.ends_with("Text CANCEL 1 to cancel one."), "{list}");
    // Number the reminders as listed.
    let number_of = |needle: &str| {
        list.lines()
            .find(|l| l.contains(needle))
            .and_then(|l| l.split('.').next())
            .expect("listed")
            .to_owned()
    };
    let lea = number_of("appeler Léa");
    assert_eq!(chat.say(&format!("annule {lea}")).await, "Annulé : appeler Léa.");
    let oven = number_of("check the oven");
    starts(
        &chat.say(&format!("change {oven} to tomorrow at 5pm")).await,
        "Changed. I'll remind you tomorrow at 5:00 PM: check the oven.",
    );
    let list = chat.say("reminders").await;
    assert!(
        !list.contains("appeler Léa") && list.contains("tomorrow 5:00 PM check the oven"),
        "{list}"
    );
    // Bare "cancel" is an opt-out keyword (sms-router's); "annule" alone asks which one.
    assert_eq!(
        chat.say("annule").await,
        "Lequel ? Écris RAPPELS pour voir ta liste, puis ANNULE et un numéro."
    );
    // A time in the past is never set: Nudge offers the next such time instead.
    starts(
        &chat.say("remind me on 2020-01-01 at 9am to sleep").await,
        "That time has already passed (",
    );
    assert_eq!(
        chat.say("remind me to water the plants").await,
        "When should I remind you? For example: remind me at 5pm to call mom."
    );
    chat.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn snooze_and_done_over_sms() {
    let mut chat = Conversation::start().await;
    starts(
        &chat.say("remind me in 2 seconds to stretch").await,
        "Got it. I'll remind you at ",
    );
    assert_eq!(
        chat.next("the reminder").await,
        "Reminder: stretch. Reply DONE when it's done."
    );
    chat.until_a_reminder_waits_for_an_answer().await;
    starts(&chat.say("in 3 seconds").await, "OK, I'll remind you again at ");
    assert_eq!(
        chat.next("the snoozed reminder").await,
        "Reminder: stretch. Reply DONE when it's done."
    );
    chat.until_a_reminder_waits_for_an_answer().await;
    assert_eq!(chat.say("done").await, "Nice work! Marked as done: stretch.");
    assert_eq!(chat.say("snooze").await, "There's no reminder to snooze right now.");
    assert_eq!(
        chat.say("plus tard").await,
        "Il n'y a pas de rappel à repousser pour l'instant."
    );
    chat.nothing_more(Duration::from_secs(2)).await;
    chat.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_over_sms() {
    let mut chat = Conversation::start().await;
    starts(
        &chat.say("timezone Paris").await,
        "Time zone set to Europe/Paris. It's ",
    );
    assert_eq!(
        chat.say("time zone Atlantis").await,
        "I don't know that time zone. Try a city, like Paris or Montreal, or a name like Europe/Paris."
    );
    assert_eq!(
        chat.say("quiet hours 10pm to 7am").await,
        "Quiet hours: 10:00 PM to 7:00 AM. Only urgent reminders will come then."
    );
    assert_eq!(
        chat.say("heures calmes off").await,
        "Les heures calmes sont désactivées."
    );
    assert_eq!(
        chat.say("nag every 15 minutes").await,
        "I'll nudge you every 15 minutes until you reply DONE, up to 3 times."
    );
    assert_eq!(
        chat.say("relance off").await,
        "Plus de relances : un seul texto par rappel."
    );
    assert_eq!(
        chat.say("missed: skip").await,
        "If I'm ever down, late reminders will be recorded as missed, not sent."
    );
    assert_eq!(chat.say("français").await, "D'accord, je t'écris en français.");
    assert_eq!(chat.say("help").await.split('.').next(), Some("I'm Nudge"));
    assert_eq!(chat.say("aide").await.split('.').next(), Some("Je suis Nudge"));
    starts(&chat.say("bla bla bla").await, "Désolé, je n'ai pas compris.");
    chat.stack.stop().await.expect("clean stop");
}
