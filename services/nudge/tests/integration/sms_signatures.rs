//! Twilio's signature, through the real endpoints, in both modes: over the
//! public URL as configured (behind a proxy), with the port variants Twilio
//! produces, over every parameter received (including ones Twilio adds
//! later, and repeated ones), and JSON bodies signed through `bodySHA256`.
//! (`nudge_secure::twilio` is tested against the examples of Twilio's
//! documentation and SDKs; these tests check the service uses it right.)

use std::time::Duration;

use crate::helpers::sms::{AUTH_TOKEN, Mode, Options, World, assign};
use nudge::webhook::{InboundSms, WebhookSender, new_message_sid};

const OWNER: &str = "+15145550111";
const NUMBER: &str = "+15145550188";

fn signed_for(world: &World, public_base_url: &str) -> WebhookSender {
    WebhookSender::new(
        &format!("http://127.0.0.1:{}", world.http_ports[0]),
        public_base_url,
        crate::helpers::sms::ACCOUNT_SID,
        AUTH_TOKEN.into(),
    )
}

async fn post(sender: &WebhookSender, sid: &str) -> u16 {
    sender
        .send(&InboundSms {
            message_sid: sid,
            from: OWNER,
            to: NUMBER,
            body: "remind me in 10 minutes to stretch",
        })
        .await
        .expect("post")
        .as_u16()
}

/// sms-router configured with `configured` as its public URL accepts (or not)
/// requests signed for each of `signed`.
async fn check_ports(mode: Mode, configured: &str, signed: &[(&str, u16)]) {
    let options = Options {
        public_base_url: Some(configured.to_owned()),
        sms_router_only: true,
        ..Options::default()
    };
    let world = World::start(mode, options).await;
    let user = assign(&world, OWNER, NUMBER).await;
    for (signing_url, expected) in signed {
        let sid = new_message_sid();
        let status = post(&signed_for(&world, signing_url), &sid).await;
        assert_eq!(status, *expected, "configured {configured}, signed for {signing_url}");
        let stored = world.inbound_by_sid(&sid).await;
        if *expected == 200 {
            assert_eq!(stored.expect("stored").user_id, user);
        } else {
            assert!(stored.is_none(), "refused, so not stored");
        }
    }
    world.stop().await;
}

async fn port_variants(mode: Mode) {
    // Twilio may sign the URL with or without the scheme's default port.
    check_ports(
        mode,
        "https://nudge.example.test:443",
        &[
            ("https://nudge.example.test", 200),
            ("https://nudge.example.test:443", 200),
            ("https://nudge.example.test:8443", 403),
            ("http://nudge.example.test", 403),
        ],
    )
    .await;
    check_ports(
        mode,
        "https://nudge.example.test",
        &[
            ("https://nudge.example.test:443", 200),
            ("https://nudge.example.test", 200),
            ("https://other.example.test", 403),
        ],
    )
    .await;
    check_ports(
        mode,
        "http://nudge.example.test",
        &[
            ("http://nudge.example.test:80", 200),
            ("http://nudge.example.test:8080", 403),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn port_variants_embedded() {
    port_variants(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn port_variants_distributed() {
    port_variants(Mode::Distributed).await;
}

async fn every_parameter_is_signed(mode: Mode) {
    let options = Options {
        public_base_url: Some("https://sms.nudge.example.test/".to_owned()),
        sms_router_only: true,
        ..Options::default()
    };
    let world = World::start(mode, options).await;
    assign(&world, OWNER, NUMBER).await;
    let sender = world.sender();
    let sms = |sid: &'static str| InboundSms {
        message_sid: sid,
        from: OWNER,
        to: NUMBER,
        body: "hello",
    };
    // Parameters Twilio may add one day, and repeated ones, are signed with the rest.
    let sid = "SM00000000000000000000000000000001";
    let mut params = sender.params(&sms(sid));
    params.push(("AddOns".into(), r#"{"status":"successful","results":{}}"#.into()));
    params.push(("SomethingNew2031".into(), "x".into()));
    params.push(("MediaContentType0".into(), "image/png".into()));
    params.push(("MediaContentType0".into(), "image/jpeg".into()));
    let signature = sender.signature(&params);
    assert_eq!(
        sender.post(&params, Some(&signature)).await.expect("post").status(),
        200
    );
    // The order of the repeated values does not matter...
    let sid = "SM00000000000000000000000000000002";
    let mut params = sender.params(&sms(sid));
    params.push(("MediaContentType0".into(), "image/png".into()));
    params.push(("MediaContentType0".into(), "image/jpeg".into()));
    let signature = sender.signature(&params);
    params.reverse();
    assert_eq!(
        sender.post(&params, Some(&signature)).await.expect("post").status(),
        200
    );
    // ... but every parameter counts: one dropped, one added, one changed: 403.
    let sid = "SM00000000000000000000000000000003";
    let params = sender.params(&sms(sid));
    let signature = sender.signature(&params);
    let dropped: Vec<_> = params.iter().filter(|(k, _)| k != "ToCity").cloned().collect();
    let mut added = params.clone();
    added.push(("Extra".into(), "1".into()));
    let mut changed = params.clone();
    changed
        .iter_mut()
        .filter(|(k, _)| k == "NumMedia")
        .for_each(|(_, v)| *v = "1".into());
    for tampered in [dropped, added, changed] {
        assert_eq!(
            sender.post(&tampered, Some(&signature)).await.expect("post").status(),
            403
        );
    }
    // Status callbacks are checked the same way.
    let http = reqwest::Client::new();
    let callback = [("MessageSid", "SM0123"), ("MessageStatus", "delivered")];
    let url = format!("http://127.0.0.1:{}/twilio/status", world.http_ports[0]);
    let unsigned = http.post(&url).form(&callback).send().await.expect("post");
    assert_eq!(unsigned.status(), 403);
    let owned: Vec<(String, String)> = callback.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let good =
        nudge_secure::twilio::compute_signature(AUTH_TOKEN, "https://sms.nudge.example.test:443/twilio/status", &owned);
    let signed = http
        .post(&url)
        .header("X-Twilio-Signature", good)
        .form(&callback)
        .send()
        .await
        .expect("post");
    assert_eq!(signed.status(), 204, "an unknown message, acknowledged");

    let stored: Vec<String> = world.inbound().await.into_iter().map(|r| r.message_sid).collect();
    assert_eq!(
        stored,
        [
            "SM00000000000000000000000000000001",
            "SM00000000000000000000000000000002"
        ]
    );
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_parameter_is_signed_embedded() {
    every_parameter_is_signed(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn every_parameter_is_signed_distributed() {
    every_parameter_is_signed(Mode::Distributed).await;
}

async fn json_bodies(mode: Mode) {
    let options = Options {
        public_base_url: Some("https://sms.nudge.example.test".to_owned()),
        sms_router_only: true,
        ..Options::default()
    };
    let world = World::start(mode, options).await;
    assign(&world, OWNER, NUMBER).await;
    let http = reqwest::Client::new();
    let post = |path_and_query: String, body: Vec<u8>, signature: Option<String>| {
        let request = http
            .post(format!("http://127.0.0.1:{}{path_and_query}", world.http_ports[0]))
            .header("Content-Type", "application/json")
            .body(body);
        let request = match signature {
            Some(signature) => request.header("X-Twilio-Signature", signature),
            None => request,
        };
        async move { request.send().await.expect("post").status().as_u16() }
    };
    let body = |sid: &str| {
        serde_json::json!({ "MessageSid": sid, "From": OWNER, "To": NUMBER, "Body": "hello", "NumSegments": "1" })
            .to_string()
            .into_bytes()
    };
    let path = |url: &str| url.trim_start_matches("https://sms.nudge.example.test").to_owned();

    let good = body("SM000000000000000000000000000000j1");
    let (url, signature) = nudge_fake_twilio::sign_json(AUTH_TOKEN, "https://sms.nudge.example.test/twilio/sms", &good);
    assert_eq!(post(path(&url), good.clone(), Some(signature.clone())).await, 200);
    // The body changed after signing: its hash no longer matches the URL's.
    let altered = body("SM000000000000000000000000000000j2");
    assert_eq!(post(path(&url), altered, Some(signature.clone())).await, 403);
    // No bodySHA256, or no signature: 403.
    assert_eq!(post("/twilio/sms".into(), good.clone(), Some(signature)).await, 403);
    assert_eq!(post(path(&url), good, None).await, 403);
    // Signed, but a required member twice, or not an object: 400.
    let twice = br#"{"MessageSid":"SM000000000000000000000000000000j3","From":"+15145550111","From":"+15145550112","To":"+15145550188","Body":"x"}"#;
    let (url, signature) = nudge_fake_twilio::sign_json(AUTH_TOKEN, "https://sms.nudge.example.test/twilio/sms", twice);
    assert_eq!(post(path(&url), twice.to_vec(), Some(signature)).await, 400);
    let (url, signature) =
        nudge_fake_twilio::sign_json(AUTH_TOKEN, "https://sms.nudge.example.test/twilio/sms", b"[1]");
    assert_eq!(post(path(&url), b"[1]".to_vec(), Some(signature)).await, 400);

    tokio::time::sleep(Duration::from_millis(200)).await;
    let stored: Vec<String> = world.inbound().await.into_iter().map(|r| r.message_sid).collect();
    assert_eq!(stored, ["SM000000000000000000000000000000j1"]);
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_bodies_are_signed_through_body_sha256_embedded() {
    json_bodies(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn json_bodies_are_signed_through_body_sha256_distributed() {
    json_bodies(Mode::Distributed).await;
}

/// Issue 13, finding 10: an unsigned JSON body is refused before it is read
/// (403, not a 400 describing it), and a signed one that is not an object
/// gets a 400 that names the problem, never the value.
async fn webhook_never_echoes_the_body(mode: Mode) {
    let options = Options {
        public_base_url: Some("https://sms.nudge.example.test".to_owned()),
        sms_router_only: true,
        ..Options::default()
    };
    let world = World::start(mode, options).await;
    let http = reqwest::Client::new();
    let secret = br#""my bank pin is 4321""#;
    for path in ["/twilio/sms", "/twilio/status"] {
        let url = format!("http://127.0.0.1:{}{path}", world.http_ports[0]);
        let unsigned = http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(secret.to_vec())
            .send()
            .await
            .expect("post");
        assert_eq!(unsigned.status(), 403, "{path}: the signature is checked first");
        let text = unsigned.text().await.expect("body");
        assert!(!text.contains("4321") && !text.contains("bank"), "{path}: {text}");

        let (signed_url, signature) =
            nudge_fake_twilio::sign_json(AUTH_TOKEN, &format!("https://sms.nudge.example.test{path}"), secret);
        let signed = http
            .post(signed_url.replace(
                "https://sms.nudge.example.test",
                &format!("http://127.0.0.1:{}", world.http_ports[0]),
            ))
            .header("Content-Type", "application/json")
            .header("X-Twilio-Signature", signature)
            .body(secret.to_vec())
            .send()
            .await
            .expect("post");
        assert_eq!(signed.status(), 400, "{path}: signed, but not an object");
        let text = signed.text().await.expect("body");
        assert!(text.contains("not a JSON object"), "{path}: {text}");
        assert!(!text.contains("4321") && !text.contains("bank"), "{path}: {text}");
    }
    // A signed form whose values are wrong is named by parameter, not by value.
    let sender = world.sender();
    let mut params = sender.params(&InboundSms {
        message_sid: "SM000000000000000000000000000000e1",
        from: OWNER,
        to: NUMBER,
        body: "hello",
    });
    params
        .iter_mut()
        .filter(|(k, _)| k == "From")
        .for_each(|(_, v)| *v = "pin 4321".into());
    let signature = sender.signature(&params);
    let response = sender.post(&params, Some(&signature)).await.expect("post");
    assert_eq!(response.status(), 400);
    let text = response.text().await.expect("body");
    assert!(text.contains("From") && !text.contains("4321"), "{text}");
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_never_echoes_the_body_embedded() {
    webhook_never_echoes_the_body(Mode::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn webhook_never_echoes_the_body_distributed() {
    webhook_never_echoes_the_body(Mode::Distributed).await;
}
