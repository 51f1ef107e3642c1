//! Issue 13, findings 1 and 13: a phone becomes a person's only when the
//! code texted to it comes back. Before that nothing is bound to it: no
//! Nudge number, no reminder, no task, nothing it texts stored for the
//! account; codes to phones not verified yet are limited per account, per
//! phone, per prefix and in all; SMS pumping buys no number. In embedded
//! mode, and on PostgreSQL and Redis (`--ignored`); the pumping test runs
//! the four services in distributed mode against the fake Twilio.

use std::time::Duration;

use crate::helpers::api::*;
use crate::helpers::reminders::{reminder, workers};
use crate::helpers::sms::{Mode, Options, VERIFICATION_NUMBER, World};
use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::json;

/// A phone the attacker does not own.
const VICTIM: &str = "+15145550177";

/// The SMS Nudge sent after the first `seen`, once there are more.
async fn sent_after(api: &Api, seen: usize) -> Vec<Sms> {
    let all = eventually(
        "an SMS",
        Duration::from_secs(10),
        || outbox(api.stack.ports.sms_router),
        |o| o.len() > seen,
    )
    .await;
    all.into_iter().skip(seen).collect()
}

async fn an_unverified_account_cannot_text_any_phone(api: &Api) {
    let eve = api.sign_up("eve@example.com").await;
    let token = s(&eve, "access_token");
    let eve_id = s(&eve, "user_id");
    let seen = outbox(api.stack.ports.sms_router).await.len();
    let (status, body) = api
        .call("POST", "/v1/me/phone", Some(&token), Some(json!({"phone": VICTIM})))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // The code, and only the code, goes to the phone, from the verification number.
    let sent = sent_after(api, seen).await;
    assert_eq!(sent.len(), 1, "one SMS: the code");
    assert_eq!(sent[0].to, VICTIM);
    assert_eq!(sent[0].from, nudge_config::CONSOLE_VERIFICATION_NUMBER);
    let code = code_in(&sent[0].body);

    // Nothing is bound to the phone: no number to text it from.
    let (status, body) = api.call("GET", "/v1/me/number", Some(&token), None).await;
    assert_error(status, &body, 404, "not_found", "");
    // Reminders and tasks are refused, saying what to do.
    let due = (Utc::now() + TimeDelta::minutes(1)).to_rfc3339();
    let nagging = json!({"text": "call me back", "due_at": due, "urgent": true, "rrule": "FREQ=MINUTELY"});
    let (status, body) = api.call("POST", "/v1/reminders", Some(&token), Some(nagging)).await;
    assert_error(status, &body, 409, "failed_precondition", "phone: not verified yet");
    let (status, body) = api
        .call("POST", "/v1/tasks", Some(&token), Some(json!({"text": "call me back"})))
        .await;
    assert_error(status, &body, 409, "failed_precondition", "phone: not verified yet");
    // The owner of reminders refuses her too, whoever asks (finding 13).
    let mut workers = workers(api.stack.ports.workers).await;
    let refused = workers
        .create_reminder(reminder(&eve_id, "call me back", Utc::now() + TimeDelta::minutes(1)))
        .await
        .expect_err("no number, no reminder");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(refused.message().contains("no Nudge number"), "{}", refused.message());

    // The victim answers the code's number: nothing of it is the account's.
    api.text_from(
        VICTIM,
        nudge_config::CONSOLE_VERIFICATION_NUMBER,
        "who is this? I live at 12 Elm St",
    )
    .await;
    api.text_from(VICTIM, NUDGE_NUMBER, "and my pin is 9876").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, export) = api.call("GET", "/v1/me/export", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{export}");
    let export = export.to_string();
    assert!(!export.contains("Elm St") && !export.contains("9876"), "{export}");
    let (status, page) = api.call("GET", "/v1/conversations/messages", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(items(&page).is_empty(), "{page}");

    // The right code makes the phone hers: her own number, then reminders.
    let (status, me) = api
        .call("POST", "/v1/me/phone/verify", Some(&token), Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, number) = api.call("GET", "/v1/me/number", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{number}");
    let due = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
    let (status, body) = api
        .call(
            "POST",
            "/v1/reminders",
            Some(&token),
            Some(json!({"text": "call mom", "due_at": due})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The code was spent by the verification.
    let (status, body) = api
        .call("POST", "/v1/me/phone/verify", Some(&token), Some(json!({"code": code})))
        .await;
    assert_error(status, &body, 409, "failed_precondition", "already verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_account_cannot_text_any_phone_embedded() {
    an_unverified_account_cannot_text_any_phone(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn an_unverified_account_cannot_text_any_phone_on_postgres_and_redis() {
    an_unverified_account_cannot_text_any_phone(&Api::on_postgres_and_redis(&[]).await).await;
}

/// Asks for a code to `phone` as a new account; the status.
async fn ask_code(api: &Api, email: &str, phone: &str) -> (StatusCode, serde_json::Value) {
    let token = s(&api.sign_up(email).await, "access_token");
    api.call("POST", "/v1/me/phone", Some(&token), Some(json!({"phone": phone})))
        .await
}

async fn codes_to_unverified_phones_are_limited(api: &Api) {
    // Per phone: the fourth code to one phone in the hour is refused,
    // whichever account asks.
    for n in 0..3 {
        let (status, body) = ask_code(api, &format!("p{n}@example.com"), "+15145550001").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body) = ask_code(api, "p3@example.com", "+15145550001").await;
    assert_error(status, &body, 429, "resource_exhausted", "this phone");
    // Per prefix (5 here): other phones of +1514555... until the prefix is spent.
    for n in 2..4 {
        let (status, body) = ask_code(api, &format!("q{n}@example.com"), &format!("+151455500{n:02}")).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body) = ask_code(api, "q9@example.com", "+15145550009").await;
    assert_error(status, &body, 429, "resource_exhausted", "numbers like this one");
    // In all (8 here): other prefixes until the hour's codes are spent.
    for n in 0..3 {
        let (status, body) = ask_code(api, &format!("r{n}@example.com"), &format!("+3361234567{n}")).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body) = ask_code(api, "r9@example.com", "+447900000000").await;
    assert_error(
        status,
        &body,
        429,
        "resource_exhausted",
        "too many codes are being sent",
    );
    let codes = outbox(api.stack.ports.sms_router)
        .await
        .into_iter()
        .filter(|sms| sms.from == nudge_config::CONSOLE_VERIFICATION_NUMBER)
        .count();
    assert_eq!(codes, 8, "only the codes allowed went out");
}

const SMALL_LIMITS: &[(&str, &str)] = &[
    ("NUDGE__API__PHONE_CODES_PER_HOUR", "8"),
    ("NUDGE__API__PHONE_CODES_PER_PHONE_PER_HOUR", "3"),
    ("NUDGE__API__PHONE_CODES_PER_PREFIX_PER_HOUR", "5"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_to_unverified_phones_are_limited_embedded() {
    codes_to_unverified_phones_are_limited(&Api::embedded(SMALL_LIMITS).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn codes_to_unverified_phones_are_limited_on_postgres_and_redis() {
    codes_to_unverified_phones_are_limited(&Api::on_postgres_and_redis(SMALL_LIMITS).await).await;
}

/// 1,000 sign-ups from one client, each asking for a code to another phone
/// (premium-rate ranges, as pumpers do): Twilio (the fake) gets at most the
/// configured number of codes, and no number is bought.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL, Redis and RabbitMQ"]
async fn sms_pumping_buys_no_number_and_sends_at_most_the_configured_codes() {
    const ALLOWED: usize = 25;
    let options = Options {
        sms_router_only: false,
        ..Options::default()
    }
    .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "1000")
    .with("NUDGE__API__ARGON2_MEMORY_KIB", "64")
    .with("NUDGE__API__ARGON2_ITERATIONS", "1")
    .with("NUDGE__API__ANONYMOUS_PER_MINUTE", "100000")
    .with("NUDGE__API__PHONE_CODES_PER_HOUR", &ALLOWED.to_string())
    .with("NUDGE__API__PHONE_CODES_PER_PREFIX_PER_HOUR", "10");
    let world = World::start(Mode::Distributed, options).await;
    let client = Client::new(world.api_port.expect("the api runs"));
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..1000 {
        let tokens = client.sign_up(&format!("pump{n}@example.com")).await;
        // Ranges of a few countries, a different phone each time.
        let prefix = ["+4479", "+8823", "+3706", "+9607"][n % 4];
        let phone = format!("{prefix}{:07}", n);
        let (status, body) = client
            .call(
                "POST",
                "/v1/me/phone",
                Some(&s(&tokens, "access_token")),
                Some(json!({"phone": phone})),
            )
            .await;
        match status.as_u16() {
            202 => accepted += 1,
            429 => refused += 1,
            other => panic!("{other}: {body}"),
        }
    }
    assert!(accepted > 0 && accepted <= ALLOWED, "{accepted} codes accepted");
    assert_eq!(accepted + refused, 1000);
    // What was accepted reaches Twilio; nothing more comes.
    world.fake.wait_for_messages(accepted, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let messages = world.fake.messages();
    assert_eq!(messages.len(), accepted, "only the allowed codes reached Twilio");
    assert!(messages.iter().all(|m| m.from == VERIFICATION_NUMBER));
    assert!(world.fake.numbers().is_empty(), "no number bought");
    world.stop().await;
}

/// Finding 13: a reminder for a person with no number is refused when it is
/// created, with an error saying why, instead of being dead-lettered later.
async fn reminders_for_a_person_without_a_number_are_refused(api: &Api) {
    let mut workers = workers(api.stack.ports.workers).await;
    let person = crate::helpers::reminders::random_user();
    let due = Utc::now() + TimeDelta::hours(1);
    let refused = workers
        .create_reminder(reminder(&person, "take the pills", due))
        .await
        .expect_err("no number, no reminder");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(refused.message().contains("no Nudge number"), "{}", refused.message());
    // Once they have a number, the same request is accepted.
    crate::helpers::reminders::sms_router(api.stack.ports.sms_router_grpc)
        .await
        .assign_number(crate::helpers::reminders::AssignNumberRequest {
            user_id: person.clone(),
            phone: "+15145550155".to_owned(),
            nudge_number: "+15145550156".to_owned(),
            timezone: String::new(),
            language: String::new(),
            number_only: true,
        })
        .await
        .expect("a number");
    workers
        .create_reminder(reminder(&person, "take the pills", due))
        .await
        .expect("accepted with a number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_for_a_person_without_a_number_are_refused_embedded() {
    reminders_for_a_person_without_a_number_are_refused(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn reminders_for_a_person_without_a_number_are_refused_on_postgres_and_redis() {
    reminders_for_a_person_without_a_number_are_refused(&Api::on_postgres_and_redis(&[]).await).await;
}
