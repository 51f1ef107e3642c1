//! Helpers shared by the `nudge` integration tests.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use nudge::webhook::{InboundSms, WebhookSender, new_message_sid};
use nudge_config::{Settings, Sources};
pub(crate) use nudge_harness::{eventually, fleet, free_port, process};
use serde_json::Value;

pub(crate) const PHONE: &str = "+15145550100";
pub(crate) const NUDGE_NUMBER: &str = "+15145550199";
/// What the tests tell sms-router Twilio signs: a public URL in front of a proxy.
pub(crate) const PUBLIC_BASE_URL: &str = "https://nudge.example.test";

/// An SMS as sms-router recorded it (dev outbox) or the fake Twilio received it.
#[derive(Debug, Clone)]
pub(crate) struct Sms {
    pub(crate) to: String,
    pub(crate) from: String,
    pub(crate) body: String,
    pub(crate) time: DateTime<Utc>,
}

/// The `nudge` binary, for the processes of `process` and `fleet`.
pub(crate) fn nudge_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_nudge"))
}

/// Environment for an embedded stack on free ports, quiet and quick.
pub(crate) fn embedded_environment() -> HashMap<String, String> {
    [
        ("NUDGE__SERVICES__API__PORT", "0"),
        ("NUDGE__SERVICES__AGENT__PORT", "0"),
        ("NUDGE__SERVICES__WORKERS__PORT", "0"),
        ("NUDGE__SERVICES__SMS_ROUTER__PORT", "0"),
        ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", "0"),
        ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "5"),
        ("NUDGE__SMS__CONSOLE_ECHO", "false"),
        ("NUDGE__SMS__DISPATCH_INTERVAL_MS", "200"),
        ("NUDGE__SCHEDULER__POLL_INTERVAL_MS", "100"),
        ("NUDGE__TWILIO__PUBLIC_BASE_URL", PUBLIC_BASE_URL),
        ("NUDGE__TELEMETRY__FILTER", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Settings like `nudge dev`'s for `data_dir`, with `environment` instead of the process's.
pub(crate) fn dev_settings(data_dir: &Path, environment: HashMap<String, String>) -> Settings {
    let secrets = nudge::dev::prepare_data_dir(data_dir).expect("data dir");
    Settings::load(Sources {
        defaults: vec![
            (
                "database.url".to_owned(),
                format!("sqlite://{}", data_dir.join("nudge.db").display()),
            ),
            ("demo.enabled".to_owned(), "true".to_owned()),
        ],
        files: vec![secrets],
        environment: Some(environment),
    })
    .expect("settings")
}

/// Free ports for the four services of a `nudge dev` process, set in
/// `environment`; returns the api's and sms-router's (webhook) ports.
pub(crate) fn free_service_ports(environment: &mut HashMap<String, String>) -> (u16, u16) {
    let (api, sms_router) = (free_port(), free_port());
    for (key, port) in [
        ("NUDGE__SERVICES__API__PORT", api),
        ("NUDGE__SERVICES__AGENT__PORT", free_port()),
        ("NUDGE__SERVICES__WORKERS__PORT", free_port()),
        ("NUDGE__SERVICES__SMS_ROUTER__PORT", sms_router),
        ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", free_port()),
    ] {
        environment.insert(key.to_owned(), port.to_string());
    }
    (api, sms_router)
}

pub(crate) fn sender(settings: &Settings, sms_router_port: u16) -> WebhookSender {
    WebhookSender::new(
        &format!("http://127.0.0.1:{sms_router_port}"),
        &settings.twilio.public_base_url,
        &settings.twilio.account_sid,
        settings.twilio_auth_token().expect("token").clone(),
    )
}

/// Texts `body` from the demo phone; returns the MessageSid used.
pub(crate) async fn text(sender: &WebhookSender, body: &str) -> String {
    let sid = new_message_sid();
    resend(sender, &sid, body).await;
    sid
}

/// Sends a webhook with a given MessageSid (a Twilio retry when the sid was used).
pub(crate) async fn resend(sender: &WebhookSender, sid: &str, body: &str) {
    let status = sender
        .send(&InboundSms {
            message_sid: sid,
            from: PHONE,
            to: NUDGE_NUMBER,
            body,
        })
        .await
        .expect("sms-router reachable");
    assert_eq!(status.as_u16(), 200, "webhook accepted");
}

/// The dev outbox of an embedded stack as sms-router answers it, oldest first.
pub(crate) async fn outbox_entries(sms_router_port: u16) -> Vec<Value> {
    let url = format!("http://127.0.0.1:{sms_router_port}/dev/outbox?limit=1000");
    reqwest::get(&url)
        .await
        .expect("outbox")
        .json()
        .await
        .expect("outbox json")
}

/// Reads the dev outbox of an embedded stack.
pub(crate) async fn outbox(sms_router_port: u16) -> Vec<Sms> {
    outbox_entries(sms_router_port)
        .await
        .into_iter()
        .map(|m| Sms {
            to: m["to"].as_str().unwrap_or_default().to_owned(),
            from: m["from"].as_str().unwrap_or_default().to_owned(),
            body: m["body"].as_str().unwrap_or_default().to_owned(),
            time: m["time"].as_str().and_then(|t| t.parse().ok()).expect("time"),
        })
        .collect()
}

/// The time of day `at` shows in Montreal, as Nudge writes it in `language`.
pub(crate) fn montreal_clock(at: DateTime<Utc>, language: nudge_core::Language) -> String {
    nudge_core::clock_time(&at.with_timezone(&chrono_tz::America::Montreal), language)
}

/// Sums the samples of a Prometheus counter whose labels contain `labels`.
pub(crate) fn counter(metrics: &str, name: &str, labels: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(name) && line[name.len()..].starts_with('{') && line.contains(labels))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub(crate) mod api;
pub(crate) mod reminders;
pub(crate) mod sms;
