//! Acceptance of issue 6: rate limits hold across two api OS processes
//! (`nudge serve api` twice, on two ports) sharing PostgreSQL and Redis.
//! The counters live in Redis, so a person or an address gets the same
//! allowance whichever process answers.

use std::time::Duration;

use crate::helpers::fleet::{deployment, fake_twilio};
use crate::helpers::nudge_binary;
use crate::helpers::process::{NudgeProcess, wait_ready};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn rate_limits_hold_across_two_api_processes_sharing_redis() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = nudge_testkit::TestDatabase::postgres().await;
    let fake = fake_twilio().await;
    let prefix = nudge_testkit::unique_name("nudge-limits-");
    let mut environment = deployment(&database, &fake, &prefix).environment;
    for (key, value) in [
        ("NUDGE__DEMO__ENABLED", "false"),
        ("NUDGE__API__ARGON2_MEMORY_KIB", "1024"),
        ("NUDGE__API__ARGON2_ITERATIONS", "1"),
        ("NUDGE__API__ANONYMOUS_PER_MINUTE", "5"),
        ("NUDGE__API__AUTHENTICATED_PER_MINUTE", "4"),
        ("NUDGE__TELEMETRY__FILTER", "warn"),
    ] {
        environment.insert(key.to_owned(), value.to_owned());
    }
    NudgeProcess::run(nudge_binary(), "migrate", &["migrate"], &environment, dir.path());
    let ports = [crate::helpers::free_port(), crate::helpers::free_port()];
    let mut processes = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let mut environment = environment.clone();
        environment.insert("NUDGE__SERVICES__API__PORT".to_owned(), port.to_string());
        processes.push(NudgeProcess::spawn(
            nudge_binary(),
            &format!("api-{i}"),
            &["serve", "api"],
            &environment,
            dir.path(),
        ));
    }
    for port in ports {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
    }
    // Windows are calendar minutes: do not start right before one ends.
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 40 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(61 - second).unwrap_or(20))).await;
    }
    let http = reqwest::Client::new();
    let url = |i: usize, path: &str| format!("http://127.0.0.1:{}{path}", ports[i % 2]);

    // Two anonymous requests of the five allowed per address: sign-up
    // (202, the same answer for a taken email), then login.
    let account = json!({"email": "rate@example.com", "password": "correct horse battery"});
    let response = http
        .post(url(0, "/v1/auth/signup"))
        .json(&account)
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let response = http
        .post(url(0, "/v1/auth/login"))
        .json(&account)
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("json");
    let access = tokens["access_token"].as_str().expect("token").to_owned();

    // With a token: four a minute for this person, alternating processes.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = http
            .get(url(i, "/v1/me"))
            .bearer_auth(&access)
            .send()
            .await
            .expect("reachable");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);

    // Without a token: the three left for this address, then 429 with Retry-After.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = http
            .post(url(i + 1, "/v1/auth/refresh"))
            .json(&json!({"refresh_token": "no.such-token"}))
            .send()
            .await
            .expect("reachable");
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=60).contains(&retry), "{retry}");
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["error"]["code"], json!("resource_exhausted"));
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);

    for mut process in processes {
        assert!(
            process.terminate(Duration::from_secs(15)),
            "an api process did not stop cleanly on SIGTERM"
        );
    }
}
