//! A model's reply that is a list of steps: texted one step at a time, the
//! next on "next" or "suivant", several questions cut to the first.

use super::*;

/// The steps kept for the person, as stored: (stored bytes, decrypted steps, sent).
async fn kept_steps(h: &Harness) -> Option<(Vec<u8>, Vec<String>, i32)> {
    use nudge_store::diesel::prelude::*;
    use nudge_store::diesel_async::RunQueryDsl;
    use nudge_store::schema::agent_pending_steps;
    let mut conn = h.db.conn().await.expect("connection");
    let row: Option<(Vec<u8>, i32)> = nudge_store::with_conn!(&mut conn, c => {
        agent_pending_steps::table
            .find(USER)
            .select((agent_pending_steps::steps, agent_pending_steps::sent))
            .first(c)
            .await
            .optional()
    })
    .expect("query");
    let reader = h.reader(USER).await;
    row.map(|(body, sent)| {
        let text = reader.decrypt_to_string(&body, b"agent.steps.body").expect("decrypts");
        (body, serde_json::from_str(&text).expect("json"), sent)
    })
}

/// A three-step list from the model: texted one step at a time, each "next"
/// answered by the local engine without any model call.
async fn steps_one_at_a_time(backend: Backend) {
    let primary = fake(vec![Step::reply(
        "Here's the plan:\n1. Take your meds\n2. Email Sam\n3. Book the dentist",
    )])
    .await;
    let mut h = chain(backend, "en", &[("primary", &primary)], |_, _| {}).await;
    let said = h.turn("I have so much to do today, help").await;
    assert_eq!((said.answered_by.as_str(), said.intent.as_str()), ("primary", "model"));
    assert_eq!(
        said.sms,
        ["Here's the plan:\nStep 1/3: Take your meds\nText NEXT when you want the next one."]
    );
    assert_eq!(primary.calls(), 1);
    let (stored, steps, sent) = kept_steps(&h).await.expect("steps kept");
    assert_eq!(steps, ["Take your meds", "Email Sam", "Book the dentist"]);
    assert_eq!(sent, 1);
    assert!(
        !String::from_utf8_lossy(&stored).contains("Email Sam"),
        "the steps are encrypted at rest"
    );
    // "Done!" asks workers first whether a reminder waits for it: none does.
    for (message, expected, intent, workers_calls) in [
        (
            "next",
            "Step 2/3: Email Sam\nText NEXT when you want the next one.",
            "next_step",
            &[][..],
        ),
        (
            "Done!",
            "Last step (3/3): Book the dentist",
            "done",
            &["AcknowledgeLatest"][..],
        ),
        ("ok", "That was the last step. Nice work!", "next_step", &[][..]),
    ] {
        let said = h.turn(message).await;
        assert_eq!(said.sms, [expected], "{message:?}");
        assert_eq!(
            (said.answered_by.as_str(), said.intent.as_str()),
            ("local", intent),
            "{message:?}"
        );
        assert!(said.tools.is_empty());
        assert_eq!(primary.calls(), 1, "{message:?}: no model call");
        assert_eq!(h.take_calls(), workers_calls, "{message:?}");
    }
    // None left: "next" is an ordinary message again, read by the model.
    primary.push([Step::reply("Anything else on your mind?")]);
    let said = h.turn("next").await;
    assert_eq!(said.answered_by, "primary");
    assert_eq!(said.sms, ["Anything else on your mind?"]);
    assert_eq!(primary.calls(), 2);
    assert!(kept_steps(&h).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_of_steps_is_texted_one_at_a_time_on_sqlite() {
    steps_one_at_a_time(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn a_list_of_steps_is_texted_one_at_a_time_on_postgres() {
    steps_one_at_a_time(Backend::Postgres).await;
}

/// A reminder that fired during the steps keeps its "done": it is marked
/// done (it would nag otherwise) and the steps stay kept for "next".
#[tokio::test(flavor = "multi_thread")]
async fn done_answers_a_reminder_that_fired_during_the_steps() {
    let primary = fake(vec![
        Step::call(
            "create_reminder",
            json!({ "text": "take my pills", "when": "in 20 minutes" }),
        ),
        Step::reply("Done: I'll remind you to take your pills in 20 minutes."),
        Step::reply("Here's the plan:\n1. Clear the desk\n2. Email Sam"),
    ])
    .await;
    let mut h = chain(Backend::Sqlite, "en", &[("primary", &primary)], |_, _| {}).await;
    h.turn("remind me to take my pills in 20 minutes").await;
    let said = h.turn("help me start my day").await;
    assert_eq!(
        said.sms,
        ["Here's the plan:\nStep 1/2: Clear the desk\nText NEXT when you want the next one."]
    );
    h.take_calls();
    h.fire_latest();
    let said = h.turn("done").await;
    assert_eq!((said.answered_by.as_str(), said.intent.as_str()), ("local", "done"));
    assert!(said.sms[0].contains("take my pills"), "{:?}", said.sms);
    assert_eq!(h.take_calls(), ["AcknowledgeLatest"]);
    let (_, _, sent) = kept_steps(&h).await.expect("the steps stay kept");
    assert_eq!(sent, 1);
    let said = h.turn("next").await;
    assert_eq!(said.sms, ["Last step (2/2): Email Sam"]);
    assert_eq!(primary.calls(), 3, "no model call for done or next");
}

#[tokio::test(flavor = "multi_thread")]
async fn french_steps_one_at_a_time_on_suivant() {
    let primary = fake(vec![Step::reply(
        "On y va doucement : 1) range le bureau, 2) ouvre le dossier et 3) lis la première page.",
    )])
    .await;
    let mut h = chain(Backend::Sqlite, "fr", &[("primary", &primary)], |_, _| {}).await;
    let said = h.turn("je suis débordée, je n'arrive pas à commencer").await;
    assert_eq!(
        said.sms,
        ["On y va doucement :\nÉtape 1/3 : range le bureau\nÉcris SUIVANT quand tu veux la suite."]
    );
    for (message, expected) in [
        (
            "suivant",
            "Étape 2/3 : ouvre le dossier\nÉcris SUIVANT quand tu veux la suite.",
        ),
        ("c'est fait", "Dernière étape (3/3) : lis la première page."),
        ("et après ?", "C'était la dernière étape. Bien joué !"),
    ] {
        let said = h.turn(message).await;
        assert_eq!(said.sms, [expected], "{message:?}");
        assert_eq!(said.answered_by, "local", "{message:?}");
        assert_eq!(primary.calls(), 1, "{message:?}: no model call");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn several_questions_become_one() {
    let primary = fake(vec![
        Step::reply("Sure! What time works? And should it repeat every day?"),
        Step::reply("D'accord. Tu veux un rappel ? Pour quelle heure ? Et quel jour ?"),
        Step::reply("What would help most right now?"),
    ])
    .await;
    let mut h = chain(Backend::Sqlite, "en", &[("primary", &primary)], |_, _| {}).await;
    let said = h.turn("I need to call the bank").await;
    assert_eq!(said.sms, ["Sure! What time works?"]);
    let said = h.turn("je dois appeler la banque").await;
    assert_eq!(said.sms, ["D'accord. Tu veux un rappel ?"]);
    assert_eq!(primary.calls(), 2);
    assert!(kept_steps(&h).await.is_none(), "questions are not kept");
    // Nothing kept: "next" goes to the model like any message.
    let said = h.turn("next").await;
    assert_eq!(said.answered_by, "primary");
    assert_eq!(primary.calls(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_list_from_a_tool_is_untouched() {
    let list = "Your list:\n1. call the bank\n2. buy milk\nText DONE 1 when one is done.";
    let primary = fake(vec![
        Step::call("add_task", json!({ "text": "call the bank" })),
        Step::call("add_task", json!({ "text": "buy milk" })),
        Step::reply("Added both."),
        Step::call("list_tasks", json!({})),
        Step::reply(list),
        Step::reply("Which one feels easiest?"),
    ])
    .await;
    let mut h = chain(Backend::Sqlite, "en", &[("primary", &primary)], |_, _| {}).await;
    h.turn("add call the bank and buy milk to my list").await;
    let said = h.turn("what's on my list").await;
    assert_eq!(said.tools, ["list_tasks"]);
    assert!(
        tool_results(&primary, 4)[0]["result"]
            .as_str()
            .expect("text")
            .contains("1. call the bank\n2. buy milk"),
        "the tool returned the list"
    );
    assert_eq!(said.sms, [list], "the list is sent whole");
    assert!(kept_steps(&h).await.is_none(), "data is not steps");
    assert_eq!(primary.calls(), 5);
    let said = h.turn("next").await;
    assert_eq!(said.answered_by, "primary", "no steps: the model reads it");
    assert_eq!(primary.calls(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_message_drops_the_steps() {
    let primary = fake(vec![
        Step::reply("Let's do it:\n- fill a glass of water\n- take the pill\n- put the box back"),
        Step::call("create_reminder", json!({ "text": "call mom", "when": "in 1 hour" })),
        Step::reply("Done: I'll remind you to call mom in 1 hour."),
        Step::reply("Good to hear! Anything else?"),
    ])
    .await;
    let mut h = chain(Backend::Sqlite, "en", &[("primary", &primary)], |_, _| {}).await;
    let said = h.turn("help me take my meds").await;
    assert_eq!(
        said.sms,
        ["Let's do it:\nStep 1/3: fill a glass of water\nText NEXT when you want the next one."]
    );
    assert!(kept_steps(&h).await.is_some());
    let said = h.turn("remind me to call mom in an hour").await;
    assert_eq!(said.answered_by, "primary");
    assert_eq!(said.sms, ["Done: I'll remind you to call mom in 1 hour."]);
    assert_eq!(h.take_calls(), ["CreateReminder call mom"]);
    assert!(kept_steps(&h).await.is_none(), "the steps are dropped");
    let said = h.turn("done").await;
    assert_eq!(said.answered_by, "primary", "no step left: the model reads it");
    assert_eq!(said.sms, ["Good to hear! Anything else?"]);
    assert_eq!(primary.calls(), 4);
}
