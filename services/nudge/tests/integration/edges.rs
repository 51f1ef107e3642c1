//! The edges of the embedded stack: bad webhooks, health and metrics, gRPC health.

use std::time::Duration;

use crate::helpers::*;
use nudge::embedded::Stack;
use nudge::webhook::{InboundSms, WebhookSender, new_message_sid};
use tokio_util::sync::CancellationToken;

async fn start(dir: &std::path::Path) -> Stack {
    nudge_telemetry::init_for_tests();
    Stack::start(dev_settings(dir, embedded_environment()), CancellationToken::new())
        .await
        .expect("stack starts")
}

async fn metrics(port: u16) -> String {
    reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_webhooks_are_refused_and_nothing_is_half_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let port = stack.ports.sms_router;
    let sender = sender(&stack.settings, port);
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/twilio/sms");
    let sms = |body: &'static str| InboundSms {
        message_sid: "SM0123456789abcdef0123456789abcdef",
        from: PHONE,
        to: NUDGE_NUMBER,
        body,
    };

    // Unsigned, forged (another auth token), and signed for another URL: 403.
    let params = sender.params(&sms("remind me in 2 minutes to drink water"));
    assert_eq!(sender.post(&params, None).await.expect("post").status(), 403);
    let forger = WebhookSender::new(
        &format!("http://127.0.0.1:{port}"),
        PUBLIC_BASE_URL,
        "AC00000000000000000000000000000000",
        "not-the-token".into(),
    );
    assert_eq!(
        forger
            .send(&sms("remind me in 2 minutes to drink water"))
            .await
            .expect("post"),
        403
    );
    let elsewhere = nudge_secure::twilio::compute_signature(
        stack.settings.twilio_auth_token().expect("token").expose_secret(),
        "https://attacker.example/twilio/sms",
        &params,
    );
    assert_eq!(
        sender.post(&params, Some(&elsewhere)).await.expect("post").status(),
        403
    );
    // A signature over other parameters (the body was changed in transit): 403.
    let signature = sender.signature(&params);
    let mut tampered = params.clone();
    tampered
        .iter_mut()
        .filter(|(k, _)| k == "Body")
        .for_each(|(_, v)| *v = "remind me in 1 minute to wire money".into());
    assert_eq!(
        sender.post(&tampered, Some(&signature)).await.expect("post").status(),
        403
    );

    // Malformed form bodies (a broken escape, invalid UTF-8): 400.
    for body in ["Body=%ZZ&From=%2B1", "Body=%FF%FE&From=%2B1"] {
        let response = http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", "x")
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 400, "{body}");
    }

    // Over 64 KiB: 413.
    let response = http
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("Body={}", "a".repeat(70 * 1024)))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 413);

    // Signed but invalid: each is a 400 naming the problem.
    let signed = |params: Vec<(String, String)>| {
        let signature = sender.signature(&params);
        let sender = &sender;
        async move {
            let response = sender.post(&params, Some(&signature)).await.expect("post");
            (response.status().as_u16(), response.text().await.expect("text"))
        }
    };
    let without = |name: &str| params.iter().filter(|(k, _)| k != name).cloned().collect::<Vec<_>>();
    let with = |name: &str, value: &str| {
        params
            .iter()
            .map(|(k, v)| {
                if k == name {
                    (k.clone(), value.to_owned())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect::<Vec<_>>()
    };
    let (status, body) = signed(without("MessageSid")).await;
    assert_eq!(status, 400);
    assert!(body.contains("MessageSid"), "{body}");
    let mut twice = params.clone();
    twice.push(("From".to_owned(), "+15145550111".to_owned()));
    let (status, body) = signed(twice).await;
    assert_eq!(status, 400);
    assert!(body.contains("From appears more than once"), "{body}");
    let (status, body) = signed(with("From", "514-555-0100")).await;
    assert_eq!(status, 400);
    assert!(body.contains("From"), "{body}");
    let long = "a".repeat(1601);
    let (status, body) = signed(with("Body", &long)).await;
    assert_eq!(status, 400);
    assert!(body.contains("1600"), "{body}");

    // An unknown Nudge number, or a phone that is not the owner's: 200, nothing processed, counted.
    let before = metrics(port).await;
    let unknown = InboundSms {
        message_sid: &new_message_sid(),
        from: PHONE,
        to: "+15145550142",
        body: "hello",
    };
    assert_eq!(sender.send(&unknown).await.expect("post"), 200);
    let stranger = InboundSms {
        message_sid: &new_message_sid(),
        from: "+33612345678",
        to: NUDGE_NUMBER,
        body: "hello",
    };
    assert_eq!(sender.send(&stranger).await.expect("post"), 200);
    let after = metrics(port).await;
    let delta = |outcome: &str| {
        let label = format!("outcome=\"{outcome}\"");
        counter(&after, "nudge_sms_inbound_total", &label) - counter(&before, "nudge_sms_inbound_total", &label)
    };
    assert_eq!(delta("unknown_number"), 1.0);
    assert_eq!(delta("unverified_sender"), 1.0);

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(outbox(port).await.is_empty(), "nothing was processed, nothing was sent");
    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_reports_health_readiness_and_metrics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let ports = stack.ports;
    for port in [
        ports.api,
        ports.agent,
        ports.workers,
        ports.sms_router,
        ports.sms_router_grpc,
    ] {
        let base = format!("http://127.0.0.1:{port}");
        let health = reqwest::get(format!("{base}/healthz")).await.expect("healthz");
        assert_eq!(health.status(), 200, "{base}/healthz");
        let ready = reqwest::get(format!("{base}/readyz")).await.expect("readyz");
        assert_eq!(ready.status(), 200, "{base}/readyz");
        let report: serde_json::Value = ready.json().await.expect("json");
        assert_eq!(report["status"], "ready", "{base}: {report}");
        assert_eq!(report["checks"]["database"], "ok", "{base}: {report}");
        let metrics = reqwest::get(format!("{base}/metrics")).await.expect("metrics");
        assert_eq!(metrics.status(), 200);
    }
    // The gRPC services answer grpc.health.v1 too.
    for port in [ports.agent, ports.workers, ports.sms_router_grpc] {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        let response = tonic_health::pb::health_client::HealthClient::new(channel)
            .check(tonic_health::pb::HealthCheckRequest { service: String::new() })
            .await
            .expect("health check")
            .into_inner();
        assert_eq!(
            response.status(),
            tonic_health::pb::health_check_response::ServingStatus::Serving,
            "port {port}"
        );
    }
    // The queue and cache checks are part of readiness where the service uses them.
    let workers: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{}/readyz", ports.workers))
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert_eq!(workers["checks"]["queue"], "ok");
    let sms: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{}/readyz", ports.sms_router))
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (sms["checks"]["queue"].as_str(), sms["checks"]["cache"].as_str()),
        (Some("ok"), Some("ok"))
    );
    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dev_outbox_is_served_in_embedded_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = start(dir.path()).await;
    let response = reqwest::get(format!("http://127.0.0.1:{}/dev/outbox", stack.ports.sms_router))
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let messages: Vec<serde_json::Value> = response.json().await.expect("json");
    assert!(messages.is_empty());
    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_fails_while_the_database_is_unreachable() {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut environment = embedded_environment();
    // Nothing listens on port 1: the pool cannot connect.
    environment.insert(
        "NUDGE__DATABASE__URL".to_owned(),
        "postgres://nudge@127.0.0.1:1/nudge".to_owned(),
    );
    environment.insert("NUDGE__DATABASE__CONNECT_TIMEOUT_SECONDS".to_owned(), "1".to_owned());
    let settings = dev_settings(dir.path(), environment);
    let shutdown = CancellationToken::new();
    let mut running = tokio::task::JoinSet::new();
    let workers = nudge_workers::Application::build(settings.clone(), shutdown.clone())
        .await
        .expect("workers start");
    let agent = nudge_agent::Application::build(settings.clone(), shutdown.clone())
        .await
        .expect("agent starts");
    let sms = nudge_sms_router::Application::build(settings.clone(), shutdown.clone())
        .await
        .expect("sms-router starts");
    let api = nudge_api::Application::build(settings, shutdown.clone())
        .await
        .expect("api starts");
    let ports = [
        ("workers", workers.port()),
        ("agent", agent.port()),
        ("sms-router", sms.port()),
        ("api", api.port()),
    ];
    running.spawn(workers.run_until_stopped());
    running.spawn(agent.run_until_stopped());
    running.spawn(sms.run_until_stopped());
    running.spawn(api.run_until_stopped());

    for (service, port) in ports {
        let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .expect("healthz");
        assert_eq!(health.status(), 200, "{service} is alive");
        let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .expect("readyz");
        assert_eq!(ready.status(), 503, "{service} is not ready");
        let report: serde_json::Value = ready.json().await.expect("json");
        assert_eq!(report["status"], "not_ready", "{service}");
        assert_eq!(report["checks"]["database"], "unreachable", "{service}");
    }

    shutdown.cancel();
    while let Some(stopped) = running.join_next().await {
        stopped
            .expect("join")
            .expect("clean stop: no task gave up while the database was away");
    }
}
