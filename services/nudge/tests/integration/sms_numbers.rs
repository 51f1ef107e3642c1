//! A number per person, in both modes: bought, configured, assigned,
//! listed and released through Twilio's IncomingPhoneNumbers API (the fake);
//! the inbound `To` finds the person, and a `From` that is not their
//! verified phone is recorded without its body and answered once, ever.

use std::time::Duration;

use crate::helpers::sms::{Mode, Options, STRANGER, World, assign, send_sms, this_month};
use crate::helpers::*;
use nudge_sms_router::client::{GetUsageRequest, ListNumbersRequest, ProvisionNumberRequest, ReleaseNumberRequest};

const WAIT: Duration = Duration::from_secs(15);
const OWNER: &str = "+15145550111";

async fn provision_and_release(mode: Mode) {
    let options = Options {
        sms_router_only: true,
        ..Options::default()
    }
    .with("NUDGE__SMS__SEGMENTS_PER_SECOND", "20")
    .with("NUDGE__SMS__NUMBER_MONTHLY_PRICE_MICROS", "1150000");
    let world = World::start(mode, options).await;
    let mut grpc = world.grpc().await;
    let user = uuid::Uuid::now_v7().to_string();
    let request = ProvisionNumberRequest {
        user_id: user.clone(),
        phone: OWNER.to_owned(),
        area_code: "212".to_owned(),
        country: String::new(),
    };
    let provisioned = grpc
        .provision_number(request.clone())
        .await
        .expect("ProvisionNumber")
        .into_inner();
    assert!(!provisioned.existing);
    assert!(provisioned.nudge_number.starts_with("+1212555"), "{provisioned:?}");
    assert!(provisioned.provider_sid.starts_with("PN"), "{provisioned:?}");
    assert_eq!(
        (provisioned.monthly_price_micros, provisioned.currency.as_str()),
        (1_150_000, "USD")
    );
    // Bought and configured at Twilio: its webhooks are the public URLs.
    let bought = world.fake.numbers();
    assert_eq!(bought.len(), 1);
    let number = &bought[0];
    assert_eq!(number.phone_number, provisioned.nudge_number);
    assert_eq!(number.sid, provisioned.provider_sid);
    assert_eq!(
        number.sms_url.as_deref(),
        Some(format!("{}/twilio/sms", world.public_base_url).as_str())
    );
    assert_eq!(number.sms_method, "POST");
    assert_eq!(
        number.status_callback.as_deref(),
        Some(format!("{}/twilio/status", world.public_base_url).as_str())
    );
    assert_eq!(number.friendly_name, format!("nudge {user}"));

    // Idempotent: a second call (a retry) buys nothing.
    let again = grpc.provision_number(request).await.expect("again").into_inner();
    assert!(again.existing);
    assert_eq!(again.nudge_number, provisioned.nudge_number);
    assert_eq!(world.fake.numbers().len(), 1);

    let listed = grpc
        .list_numbers(ListNumbersRequest::default())
        .await
        .expect("ListNumbers")
        .into_inner();
    let entry = listed.numbers.iter().find(|n| n.user_id == user).expect("listed");
    assert_eq!(
        (
            entry.nudge_number.as_str(),
            entry.provider_sid.as_str(),
            entry.monthly_price_micros
        ),
        (
            provisioned.nudge_number.as_str(),
            provisioned.provider_sid.as_str(),
            1_150_000
        )
    );

    // The inbound To finds the person; From must be their verified phone.
    let sid = world.text_from(OWNER, &provisioned.nudge_number, "hello").await;
    let row = world.inbound_by_sid(&sid).await.expect("stored");
    assert_eq!(row.user_id, user);
    assert_ne!(row.status, "rejected_sender");
    let strange = world.text_from(STRANGER, &provisioned.nudge_number, "hello").await;
    assert_eq!(
        world.inbound_by_sid(&strange).await.expect("stored").status,
        "rejected_sender"
    );
    // SendSms goes out from the new number to the verified phone.
    send_sms(&world, &user, "Welcome to Nudge.", "welcome")
        .await
        .expect("SendSms");
    let sent = world.wait_sent_to(OWNER, 1, WAIT).await;
    assert_eq!(sent[0].from, provisioned.nudge_number);

    let usage = grpc
        .get_usage(GetUsageRequest {
            user_id: user.clone(),
            month: this_month(),
        })
        .await
        .expect("GetUsage")
        .into_inner();
    assert_eq!(usage.number_cost_micros, 1_150_000);

    // Released at Twilio and forgotten here.
    let released = grpc
        .release_number(ReleaseNumberRequest { user_id: user.clone() })
        .await
        .expect("ReleaseNumber")
        .into_inner();
    assert_eq!(released.nudge_number, provisioned.nudge_number);
    assert!(released.released_at_provider);
    assert!(world.fake.numbers().is_empty());
    let listed = grpc
        .list_numbers(ListNumbersRequest::default())
        .await
        .expect("ListNumbers")
        .into_inner();
    assert!(listed.numbers.iter().all(|n| n.user_id != user));
    let gone = world.text_from(OWNER, &provisioned.nudge_number, "hello?").await;
    assert!(world.inbound_by_sid(&gone).await.is_none(), "no longer a Nudge number");
    let error = grpc
        .release_number(ReleaseNumberRequest { user_id: user.clone() })
        .await
        .expect_err("nothing to release");
    assert_eq!(error.code(), tonic::Code::NotFound);
    // The month's cost keeps the number held part of the month.
    let usage = grpc
        .get_usage(GetUsageRequest {
            user_id: user,
            month: this_month(),
        })
        .await
        .expect("GetUsage")
        .into_inner();
    assert_eq!(usage.number_cost_micros, 1_150_000);
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn provision_list_and_release_embedded() {
    provision_and_release(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn provision_list_and_release_distributed() {
    provision_and_release(Mode::Distributed).await;
}

async fn a_lost_purchase_is_adopted(mode: Mode) {
    let world = World::start(
        mode,
        Options {
            sms_router_only: true,
            ..Options::default()
        },
    )
    .await;
    let user = uuid::Uuid::now_v7().to_string();
    // Twilio sold us a number for this person, but the assignment was lost (a crash).
    let http = reqwest::Client::new();
    let bought: serde_json::Value = http
        .post(format!(
            "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
            world.fake.base_url(),
            crate::helpers::sms::ACCOUNT_SID
        ))
        .basic_auth(crate::helpers::sms::ACCOUNT_SID, Some(crate::helpers::sms::AUTH_TOKEN))
        .form(&[("AreaCode", "415"), ("FriendlyName", &format!("nudge {user}"))])
        .send()
        .await
        .expect("buy")
        .json()
        .await
        .expect("json");
    let provisioned = world
        .grpc()
        .await
        .provision_number(ProvisionNumberRequest {
            user_id: user,
            phone: OWNER.to_owned(),
            area_code: "212".to_owned(),
            country: String::new(),
        })
        .await
        .expect("ProvisionNumber")
        .into_inner();
    assert_eq!(
        provisioned.nudge_number,
        bought["phone_number"].as_str().expect("number")
    );
    let numbers = world.fake.numbers();
    assert_eq!(numbers.len(), 1, "nothing else bought");
    assert!(
        numbers[0]
            .sms_url
            .as_deref()
            .is_some_and(|u| u.ends_with("/twilio/sms"))
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_purchase_is_adopted_not_bought_again_embedded() {
    a_lost_purchase_is_adopted(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn a_lost_purchase_is_adopted_not_bought_again_distributed() {
    a_lost_purchase_is_adopted(Mode::Distributed).await;
}

/// Embedded mode with the console transport buys numbers only from a fake
/// Twilio on this machine.
#[tokio::test(flavor = "multi_thread")]
async fn console_transport_provisions_only_from_a_local_fake() {
    let world = World::start(
        Mode::Embedded,
        Options::default()
            .with("NUDGE__SMS__TRANSPORT", "console")
            .with("NUDGE__TWILIO__API_BASE_URL", "https://api.twilio.com"),
    )
    .await;
    let error = world
        .grpc()
        .await
        .provision_number(ProvisionNumberRequest {
            user_id: uuid::Uuid::now_v7().to_string(),
            phone: OWNER.to_owned(),
            area_code: String::new(),
            country: "CA".to_owned(),
        })
        .await
        .expect_err("no Twilio");
    assert_eq!(error.code(), tonic::Code::FailedPrecondition);
    assert!(error.message().contains("twilio.api_base_url"), "{}", error.message());
    world.stop().await;

    // Pointed at the fake (loopback), the console transport can provision.
    let world = World::start(
        Mode::Embedded,
        Options::default().with("NUDGE__SMS__TRANSPORT", "console"),
    )
    .await;
    let provisioned = world
        .grpc()
        .await
        .provision_number(ProvisionNumberRequest {
            user_id: uuid::Uuid::now_v7().to_string(),
            phone: OWNER.to_owned(),
            area_code: String::new(),
            country: "CA".to_owned(),
        })
        .await
        .expect("ProvisionNumber")
        .into_inner();
    assert!(provisioned.nudge_number.starts_with("+1416555"), "{provisioned:?}");
    world.stop().await;
}

async fn strangers(mode: Mode) {
    let world = World::start(mode, Options::default().with("NUDGE__SMS__SEGMENTS_PER_SECOND", "20")).await;
    let user = world.demo_user().await.expect("demo person");
    // A stranger texts three times: recorded each time, answered once.
    let mut sids = Vec::new();
    for body in ["hello", "who is this?", "hello again"] {
        sids.push(world.text_from(STRANGER, NUDGE_NUMBER, body).await);
    }
    let replies = world.wait_sent_to(STRANGER, 1, WAIT).await;
    assert_eq!(
        replies[0].body,
        "This Nudge number is private. / Ce numéro Nudge est privé."
    );
    assert_eq!(replies[0].from, NUDGE_NUMBER);
    // A second stranger who says STOP gets nothing, then or later.
    let other = "+447700900123";
    sids.push(world.text_from(other, NUDGE_NUMBER, "STOP").await);
    sids.push(world.text_from(other, NUDGE_NUMBER, "hello").await);
    // A third one gets their own single reply.
    let third = "+15145550177";
    sids.push(world.text_from(third, NUDGE_NUMBER, "hi").await);
    world.wait_sent_to(third, 1, WAIT).await;
    world.nothing_more_to(STRANGER, 1, Duration::from_secs(2)).await;
    world.nothing_more_to(other, 0, Duration::ZERO).await;
    world.nothing_more_to(third, 1, Duration::ZERO).await;

    // Recorded: the number's owner, no body, the phone only as its blind
    // index (keyed: not its plain SHA-256, which anyone could reverse).
    let ring = world.settings().key_ring().expect("key ring");
    for (sid, phone) in sids.iter().zip([STRANGER, STRANGER, STRANGER, other, other, third]) {
        let row = world.inbound_by_sid(sid).await.expect("recorded");
        assert_eq!(row.status, "rejected_sender");
        assert_eq!(row.user_id, user);
        assert_eq!(row.body_len, 0, "the body is not kept");
        let index = nudge_sms_router::sealing::phone_index(&ring, phone);
        assert_eq!(row.sender_hash.as_deref(), Some(index.as_str()));
        assert_ne!(index, nudge_fake_twilio::sha256_hex(phone.as_bytes()));
        assert!(!world.agent_saw(sid).await, "never shown to the agent");
    }
    // No table holds a stranger's phone in clear.
    let mut conn = world.db.conn().await.expect("db");
    for (table, columns) in [
        (
            "sms_inbound",
            "message_sid || user_id || status || COALESCE(sender_hash, '')",
        ),
        (
            "sms_stranger_replies",
            "nudge_number || sender_hash || user_id || status || COALESCE(provider_sid, '')",
        ),
        ("sms_outbound", "to_index"),
    ] {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let query = format!("SELECT COUNT(*) AS n FROM {table} WHERE {columns} LIKE '%33612345678%'");
        let found: Count = nudge_store::with_conn!(&mut conn, c => {
            nudge_store::diesel_async::RunQueryDsl::get_result(diesel::sql_query(&query), c).await
        })
        .expect("query");
        assert_eq!(found.n, 0, "{table}");
    }
    drop(conn);
    // The owner is served as usual.
    world.text("help").await;
    world.wait_sent_to(PHONE, 1, WAIT).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_are_recorded_and_answered_once_embedded() {
    strangers(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn strangers_are_recorded_and_answered_once_distributed() {
    strangers(Mode::Distributed).await;
}

/// AssignNumber keeps working (dev mode, tests, numbers bought by hand).
async fn assign_by_hand(mode: Mode) {
    let world = World::start(
        mode,
        Options {
            sms_router_only: true,
            ..Options::default()
        },
    )
    .await;
    let user = assign(&world, OWNER, "+15145550166").await;
    let sid = world.text_from(OWNER, "+15145550166", "hello").await;
    assert_eq!(world.inbound_by_sid(&sid).await.expect("stored").user_id, user);
    // Someone else cannot take it.
    let error = world
        .grpc()
        .await
        .assign_number(nudge_sms_router::client::AssignNumberRequest {
            user_id: uuid::Uuid::now_v7().to_string(),
            phone: "+15145550122".to_owned(),
            nudge_number: "+15145550166".to_owned(),
            timezone: String::new(),
            language: String::new(),
            number_only: true,
        })
        .await
        .expect_err("taken");
    assert_eq!(error.code(), tonic::Code::AlreadyExists);
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn numbers_assigned_by_hand_embedded() {
    assign_by_hand(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn numbers_assigned_by_hand_distributed() {
    assign_by_hand(Mode::Distributed).await;
}
