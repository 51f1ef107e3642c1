//! Bad input at sms-router's edges, in both modes: a clear 4xx (or gRPC
//! INVALID_ARGUMENT) and nothing half-written. (`edges.rs` covers the
//! embedded basics: unsigned, forged, malformed, oversized, missing and
//! repeated parameters.)

use std::time::Duration;

use crate::helpers::sms::{AUTH_TOKEN, Mode, Options, World};
use crate::helpers::*;
use nudge::webhook::{InboundSms, new_message_sid};
use nudge_sms_router::client::{
    AssignNumberRequest, GetUsageRequest, ListNumbersRequest, ProvisionNumberRequest, SendSmsRequest, SmsKind,
};

async fn webhooks(mode: Mode) {
    let world = World::start(mode, Options::default()).await;
    let sender = world.sender();
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{}/twilio/sms", world.http_ports[0]);
    let base = |body: &str| {
        sender.params(&InboundSms {
            message_sid: "SM0123456789abcdef0123456789abcdef",
            from: PHONE,
            to: NUDGE_NUMBER,
            body,
        })
    };
    let signed = |params: Vec<(String, String)>| {
        let signature = sender.signature(&params);
        let sender = &sender;
        async move {
            let response = sender.post(&params, Some(&signature)).await.expect("post");
            (response.status().as_u16(), response.text().await.expect("text"))
        }
    };
    let replace = |params: &[(String, String)], name: &str, value: &str| -> Vec<(String, String)> {
        params
            .iter()
            .map(|(k, v)| {
                if k == name {
                    (k.clone(), value.to_owned())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect()
    };
    // Compliance keywords too: a STOP that is refused changes nothing.
    for body in ["remind me in 2 minutes to drink water", "STOP"] {
        let params = base(body);
        // Over 1,600 characters (Twilio's limit), also in UCS-2.
        for long in ["a".repeat(1601), "é".repeat(1601), "😀".repeat(1601)] {
            let (status, text) = signed(replace(&params, "Body", &long)).await;
            assert_eq!(status, 400, "{text}");
            assert!(text.contains("1600"), "{text}");
        }
        // Missing, or repeated, required parameters.
        for name in ["MessageSid", "From", "To", "Body"] {
            let without: Vec<_> = params.iter().filter(|(k, _)| k != name).cloned().collect();
            let (status, text) = signed(without).await;
            assert_eq!(status, 400);
            assert!(text.contains(&format!("missing parameter {name}")), "{text}");
            let mut twice = params.clone();
            let value = params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .expect("present");
            twice.push((name.to_owned(), value));
            let (status, text) = signed(twice).await;
            assert_eq!(status, 400);
            assert!(
                text.contains(&format!("parameter {name} appears more than once")),
                "{text}"
            );
        }
        let mut twice = params.clone();
        twice.push(("NumSegments".into(), "2".into()));
        assert_eq!(signed(twice).await.0, 400);
        // Numbers that are not E.164.
        for (name, value) in [
            ("From", "5145550100"),
            ("From", "+1 514 555 0100"),
            ("To", "+15145550199x"),
            ("To", ""),
            ("From", "+0145550100"),
        ] {
            let (status, text) = signed(replace(&params, name, value)).await;
            assert_eq!(status, 400, "{name}={value}: {text}");
            assert!(text.contains(name), "{text}");
        }
        // A MessageSid that is not Twilio's shape; segments out of range.
        for (name, value) in [
            ("MessageSid", "SM-1"),
            ("MessageSid", ""),
            ("NumSegments", "0"),
            ("NumSegments", "x"),
        ] {
            let (status, _) = signed(replace(&params, name, value)).await;
            assert_eq!(status, 400, "{name}={value}");
        }
    }
    // Bodies that are not a clean form: broken escapes, invalid UTF-8, not ASCII.
    for body in [
        &b"Body=%ZZ"[..],
        b"Body=%FF%FE&From=%2B1",
        b"Body=%C3",
        "Body=\u{e9}".as_bytes(),
        b"Body=\xff",
    ] {
        let response = http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", "x")
            .body(body.to_vec())
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 400, "{body:?}");
    }
    // Oversized: 413, signed or not.
    let huge = format!("Body={}", "a".repeat(70 * 1024));
    let response = http
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 413);
    // A content type Twilio never sends: 415.
    let response = http
        .post(&url)
        .header("Content-Type", "text/plain")
        .body("Body=hi")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 415);
    // JSON: invalid, not UTF-8, or a repeated member (signed): 400.
    for body in [
        &b"{"[..],
        b"{\"Body\":\"\xff\"}",
        br#"{"MessageSid":"SM1","MessageSid":"SM2","From":"+15145550100","To":"+15145550199","Body":"x"}"#,
    ] {
        let (signed_url, signature) =
            nudge_fake_twilio::sign_json(AUTH_TOKEN, &format!("{}/twilio/sms", world.public_base_url), body);
        let path = signed_url.trim_start_matches(&world.public_base_url);
        let response = http
            .post(format!("http://127.0.0.1:{}{path}", world.http_ports[0]))
            .header("Content-Type", "application/json")
            .header("X-Twilio-Signature", signature)
            .body(body.to_vec())
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 400, "{body:?}");
    }
    // A status callback without its MessageStatus (signed): 400, nothing changes.
    let callback: Vec<(String, String)> = vec![("MessageSid".into(), "SM0123".into())];
    let signature = nudge_secure::twilio::compute_signature(
        AUTH_TOKEN,
        &format!("{}/twilio/status", world.public_base_url),
        &callback,
    );
    let response = http
        .post(format!("http://127.0.0.1:{}/twilio/status", world.http_ports[0]))
        .header("X-Twilio-Signature", signature)
        .form(&callback)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 400);

    // Nothing was half-written: no message, no reply, no consent change.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(world.inbound().await.is_empty());
    assert!(world.outbound().await.is_empty());
    let user = world.demo_user().await.expect("demo person");
    assert!(world.consent_events(&user).await.is_empty());
    assert!(world.fake.messages().is_empty());
    // And a good one still goes through.
    let sid = new_message_sid();
    let status = sender
        .send(&InboundSms {
            message_sid: &sid,
            from: PHONE,
            to: NUDGE_NUMBER,
            body: "help",
        })
        .await
        .expect("post");
    assert_eq!(status, 200);
    world.wait_sent_to(PHONE, 1, Duration::from_secs(15)).await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_webhooks_get_a_clear_4xx_and_nothing_is_half_written_embedded() {
    webhooks(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn bad_webhooks_get_a_clear_4xx_and_nothing_is_half_written_distributed() {
    webhooks(Mode::Distributed).await;
}

async fn grpc(mode: Mode) {
    let world = World::start(mode, Options::default()).await;
    let user = world.demo_user().await.expect("demo person");
    let mut client = world.grpc().await;
    let send = |body: String, key: &str, kind: SmsKind, user_id: &str| SendSmsRequest {
        user_id: user_id.to_owned(),
        body,
        idempotency_key: key.to_owned(),
        kind: kind.into(),
    };
    for request in [
        send(String::new(), "k", SmsKind::Reply, &user),
        send("   ".into(), "k", SmsKind::Reply, &user),
        send("a".repeat(1601), "k", SmsKind::Reply, &user),
        send("hi".into(), "", SmsKind::Reply, &user),
        send("hi".into(), &"k".repeat(201), SmsKind::Reply, &user),
        send("hi".into(), "k", SmsKind::Unspecified, &user),
        send("hi".into(), "k", SmsKind::Reply, "not-a-user-id"),
    ] {
        let error = client.send_sms(request).await.expect_err("refused");
        assert_eq!(error.code(), tonic::Code::InvalidArgument, "{}", error.message());
        assert!(!error.message().contains(PHONE));
    }
    // Someone without a number: NOT_FOUND.
    let error = client
        .send_sms(send(
            "hi".into(),
            "k",
            SmsKind::Reply,
            &uuid::Uuid::now_v7().to_string(),
        ))
        .await
        .expect_err("no number");
    assert_eq!(error.code(), tonic::Code::NotFound);
    for request in [
        ProvisionNumberRequest {
            user_id: user.clone(),
            phone: "5145550100".into(),
            area_code: String::new(),
            country: String::new(),
        },
        ProvisionNumberRequest {
            user_id: user.clone(),
            phone: PHONE.into(),
            area_code: "12".into(),
            country: String::new(),
        },
        ProvisionNumberRequest {
            user_id: user.clone(),
            phone: PHONE.into(),
            area_code: String::new(),
            country: "Canada".into(),
        },
    ] {
        let error = client.provision_number(request).await.expect_err("refused");
        assert_eq!(error.code(), tonic::Code::InvalidArgument);
    }
    let error = client
        .assign_number(AssignNumberRequest {
            user_id: user.clone(),
            phone: PHONE.into(),
            nudge_number: "15145550199".into(),
            timezone: String::new(),
            language: String::new(),
            number_only: true,
        })
        .await
        .expect_err("refused");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    for month in ["2026-13", "2026-1", "november", ""] {
        let error = client
            .get_usage(GetUsageRequest {
                user_id: user.clone(),
                month: month.into(),
            })
            .await
            .expect_err("refused");
        assert_eq!(error.code(), tonic::Code::InvalidArgument, "{month}");
    }
    let error = client
        .list_numbers(ListNumbersRequest {
            page_size: 5000,
            page_token: String::new(),
        })
        .await
        .expect_err("refused");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    // Nothing stored, nothing sent, nothing bought.
    assert!(world.outbound().await.is_empty());
    assert!(world.fake.numbers().is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(world.fake.messages().is_empty());
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_grpc_requests_are_invalid_arguments_embedded() {
    grpc(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn bad_grpc_requests_are_invalid_arguments_distributed() {
    grpc(Mode::Distributed).await;
}
