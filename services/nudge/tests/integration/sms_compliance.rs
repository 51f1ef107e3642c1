//! Compliance keywords, before any agent sees a message, in both modes:
//! STOP and its family (ARRÊT in French) stop everything, reminders
//! included; START, YES, UNSTOP resume with a confirmation; HELP, INFO, AIDE
//! get the help text; every consent change is in the audit trail; Twilio's
//! error 21610 opts the person out too.

use std::time::Duration;

use crate::helpers::sms::{ConsentEvent, Mode, Options, World, send_sms};
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(15);

fn event(event: &str, source: &str, keyword: Option<&str>) -> ConsentEvent {
    ConsentEvent {
        event: event.to_owned(),
        source: source.to_owned(),
        keyword: keyword.map(str::to_owned),
    }
}

async fn stop_start_and_help(mode: Mode) {
    // Half a segment per second: queued SMS wait two seconds apart.
    let world = World::start(mode, Options::default().with("NUDGE__SMS__SEGMENTS_PER_SECOND", "0.5")).await;
    let user = world.demo_user().await.expect("demo person");

    // A reminder in 5 seconds; the confirmation goes out at once.
    world.text("remind me in 5 seconds to drink water").await;
    let sent = world.wait_sent_to(PHONE, 1, WAIT).await;
    assert!(sent[0].body.starts_with("Got it."), "{}", sent[0].body);

    // Three notices queued back to back: the first leaves 2 s after the
    // confirmation, the others wait behind it.
    for n in 1..=3 {
        let queued = send_sms(&world, &user, &format!("Notice {n}."), &format!("notice:{n}"))
            .await
            .expect("SendSms");
        assert_eq!(queued.status, "queued");
    }
    // STOP, in any case, with spaces: opted out, not answered.
    let stop = world.text("  Stop ").await;
    let rows = world.inbound().await;
    let stop_row = rows.iter().find(|r| r.message_sid == stop).expect("STOP stored");
    assert_eq!(
        (stop_row.status.as_str(), stop_row.keyword.as_deref()),
        ("compliance", Some("STOP"))
    );
    assert!(!world.agent_saw(&stop).await, "the agent never sees STOP");
    assert_eq!(
        world.consent_events(&user).await,
        [event("opt_out", "sms", Some("STOP"))]
    );

    // Nothing goes out any more: the notices queued before STOP, and the
    // reminder when it falls due (workers ask; sms-router suppresses it).
    tokio::time::sleep(Duration::from_secs(7)).await;
    let sent = world.sent_to(PHONE);
    assert!(
        sent.len() <= 2,
        "at most the confirmation and the notice in flight: {sent:#?}"
    );
    let outbound = world.outbound().await;
    for key in ["notice:2", "notice:3"] {
        let row = outbound.iter().find(|r| r.idempotency_key == key).expect("row");
        assert_eq!(row.status, "suppressed", "{key}");
    }
    let reminder = outbound
        .iter()
        .find(|r| r.kind == "reminder")
        .expect("the reminder was asked for");
    assert_eq!(reminder.status, "suppressed");
    assert!(
        !sent.iter().any(|m| m.body.contains("Reminder")),
        "no reminder after STOP: {sent:#?}"
    );
    let before = sent.len();

    // SendSms succeeds but sends nothing.
    let suppressed = send_sms(&world, &user, "A notice after STOP.", "after-stop")
        .await
        .expect("SendSms");
    assert_eq!(suppressed.status, "suppressed");

    // An ordinary message is recorded, never shown to the agent, not answered.
    let held = world.text("remind me in 1 minute to call mom").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(world.inbound_by_sid(&held).await.expect("stored").status, "held");
    assert!(!world.agent_saw(&held).await);
    assert_eq!(world.sent_to(PHONE).len(), before);

    // HELP is answered even now (the person asked), in one GSM-7 segment.
    let help = world.text("HELP").await;
    let sent = world.wait_sent_to(PHONE, before + 1, WAIT).await;
    assert!(sent[before].body.starts_with("I'm Nudge."), "{}", sent[before].body);
    assert_eq!(sent[before].num_segments, 1);
    assert!(!world.agent_saw(&help).await);

    // START: opted in, confirmed.
    world.text("start").await;
    let sent = world.wait_sent_to(PHONE, before + 2, WAIT).await;
    assert!(
        sent[before + 1].body.starts_with("You're back"),
        "{}",
        sent[before + 1].body
    );

    // ARRÊT (accents and case ignored): opted out in French; AIDE answers in French;
    // YES opts in again and confirms in French, the language of the opt-out.
    world.text("Arrêt").await;
    world.text("aide").await;
    let sent = world.wait_sent_to(PHONE, before + 3, WAIT).await;
    assert!(
        sent[before + 2].body.starts_with("Je suis Nudge."),
        "{}",
        sent[before + 2].body
    );
    world.text("YES").await;
    let sent = world.wait_sent_to(PHONE, before + 4, WAIT).await;
    assert!(
        sent[before + 3].body.starts_with("C'est reparti"),
        "{}",
        sent[before + 3].body
    );

    // Opted in, "yes" is an ordinary message for the agent.
    let yes = world.text("yes").await;
    eventually("the agent to get it", WAIT, || world.agent_saw(&yes), |seen| *seen).await;

    assert_eq!(
        world.consent_events(&user).await,
        [
            event("opt_out", "sms", Some("STOP")),
            event("opt_in", "sms", Some("START")),
            event("opt_out", "sms", Some("ARRET")),
            event("opt_in", "sms", Some("YES")),
        ]
    );
    // Sending works again.
    send_sms(&world, &user, "Back to normal.", "after-start")
        .await
        .expect("SendSms");
    let sent = world.wait_sent_to(PHONE, before + 6, WAIT).await;
    assert!(sent.iter().any(|m| m.body == "Back to normal."));
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_start_and_help_embedded() {
    stop_start_and_help(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn stop_start_and_help_distributed() {
    stop_start_and_help(Mode::Distributed).await;
}

async fn replies_can_be_switched_off(mode: Mode) {
    let options = Options::default()
        .with("NUDGE__SMS__COMPLIANCE_REPLIES", "false")
        .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "20");
    let world = World::start(mode, options).await;
    let user = world.demo_user().await.expect("demo person");
    world.text("help").await;
    world.text("stop").await;
    world.text("unstop").await;
    eventually(
        "two consent changes",
        WAIT,
        || world.consent_events(&user),
        |events| events.len() == 2,
    )
    .await;
    world.nothing_more_to(PHONE, 0, Duration::from_secs(2)).await;
    let keywords: Vec<Option<String>> = world.inbound().await.into_iter().map(|r| r.keyword).collect();
    assert_eq!(
        keywords,
        [
            Some("HELP".to_owned()),
            Some("STOP".to_owned()),
            Some("UNSTOP".to_owned())
        ]
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_can_be_switched_off_embedded() {
    replies_can_be_switched_off(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn replies_can_be_switched_off_distributed() {
    replies_can_be_switched_off(Mode::Distributed).await;
}

async fn twilio_21610_opts_the_person_out(mode: Mode) {
    let world = World::start(mode, Options::default().with("NUDGE__SMS__SEGMENTS_PER_SECOND", "20")).await;
    let user = world.demo_user().await.expect("demo person");
    // The person replied STOP to Twilio directly (Twilio's own opt-out): Twilio refuses.
    world.fake.mark_unsubscribed(PHONE);
    send_sms(&world, &user, "Your weekly summary.", "summary")
        .await
        .expect("SendSms");
    let row = world.wait_outbound("summary", &["failed"], WAIT).await;
    assert_eq!(
        (row.error_code, row.attempts),
        (Some(21610), 1),
        "refused once, never retried"
    );
    eventually(
        "the opt-out",
        WAIT,
        || world.consent_events(&user),
        |events| *events == [event("opt_out", "twilio_21610", None)],
    )
    .await;
    let later = send_sms(&world, &user, "Another one.", "another")
        .await
        .expect("SendSms");
    assert_eq!(later.status, "suppressed");
    world.nothing_more_to(PHONE, 0, Duration::from_secs(1)).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn twilio_21610_opts_the_person_out_embedded() {
    twilio_21610_opts_the_person_out(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn twilio_21610_opts_the_person_out_distributed() {
    twilio_21610_opts_the_person_out(Mode::Distributed).await;
}
