//! The operator's first hour (issue 17): a number given by `AssignNumber`
//! makes a person the agent answers, or the call says what is missing; and
//! `nudge text` texts Nudge as that person and prints the answer. Both modes.

use std::time::Duration;

use nudge::text::{TextOptions, text};
use nudge_sms_router::client::AssignNumberRequest;

use crate::helpers::dev_settings;
use crate::helpers::sms::{ACCOUNT_SID, AUTH_TOKEN, Mode, Options, World};

/// A person of the operator's, and the number bought for them by hand.
const PHONE: &str = "+15145550171";
const NUMBER: &str = "+15145550172";

fn request(timezone: &str, language: &str, number_only: bool) -> AssignNumberRequest {
    AssignNumberRequest {
        user_id: uuid::Uuid::now_v7().to_string(),
        phone: PHONE.to_owned(),
        nudge_number: NUMBER.to_owned(),
        timezone: timezone.to_owned(),
        language: language.to_owned(),
        number_only,
    }
}

/// The settings `nudge text` reads: those of the services it talks to.
fn operator_settings(world: &World) -> nudge_config::Settings {
    let environment = [
        ("NUDGE__TWILIO__ACCOUNT_SID", ACCOUNT_SID.to_owned()),
        ("NUDGE__TWILIO__AUTH_TOKEN", AUTH_TOKEN.to_owned()),
        ("NUDGE__TWILIO__API_BASE_URL", world.fake.base_url()),
        ("NUDGE__TWILIO__PUBLIC_BASE_URL", world.public_base_url.clone()),
        ("NUDGE__SERVICES__SMS_ROUTER__PORT", world.http_ports[0].to_string()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    dev_settings(&world.dir.path().join("operator"), environment)
}

async fn assign_number_provisions_the_person_or_says_what_is_missing(mode: Mode) {
    let world = World::start(mode, Options::default()).await;
    let mut sms = world.grpc().await;
    for (timezone, language, number_only, field) in [
        ("", "fr", false, "timezone: is required"),
        ("America/Montreal", "", false, "language: is required"),
        ("Mars/Olympus", "fr", false, "timezone:"),
        ("America/Montreal", "fr", true, "number_only:"),
    ] {
        let refused = sms
            .assign_number(request(timezone, language, number_only))
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
        assert!(
            refused.message().starts_with(field),
            "{:?} names {field}",
            refused.message()
        );
    }
    let refused = sms.assign_number(request("", "", false)).await.expect_err("refused");
    assert!(
        refused
            .message()
            .contains("the agent answers a person only once it knows")
            && refused.message().contains("number_only"),
        "says why and the way out: {}",
        refused.message()
    );
    assert_eq!(world.user_of(NUMBER).await, None, "nothing recorded");

    // With a zone and a language the agent learns the person with the
    // number: their first text is answered (a number alone made a person
    // the agent refused, retried forever).
    sms.assign_number(request("America/Montreal", "fr", false))
        .await
        .expect("assigned");
    let answers = text(
        &operator_settings(&world),
        &TextOptions {
            from: PHONE,
            to: NUMBER,
            body: "rappelle-moi demain à 9 h d'appeler maman",
            sms_router: None,
            wait: Duration::from_secs(30),
        },
    )
    .await
    .expect("answered");
    assert!(!answers.is_empty());
    let sent: Vec<String> = world.sent_to(PHONE).into_iter().map(|m| m.body).collect();
    assert_eq!(
        answers.iter().map(|a| a.body.clone()).collect::<Vec<_>>(),
        sent,
        "what `nudge text` printed is what Twilio was asked to send"
    );
    assert!(
        sent.iter().any(|body| body.contains("9 h")),
        "answered in French, in their zone: {sent:?}"
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn assign_number_provisions_the_person_or_says_what_is_missing_embedded() {
    assign_number_provisions_the_person_or_says_what_is_missing(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn assign_number_provisions_the_person_or_says_what_is_missing_distributed() {
    assign_number_provisions_the_person_or_says_what_is_missing(Mode::Distributed).await;
}
