//! The api's identity and REST API (issue 6), over HTTP against a whole
//! stack: in embedded mode (SQLite, in-process cache) and on PostgreSQL and
//! Redis (`--ignored`). Phone codes are read from the dev outbox, as the
//! person would read them on their phone.

use std::time::Duration;

use crate::helpers::api::*;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

async fn accounts_tokens_and_sessions(api: &Api) {
    let tokens = api.sign_up("Ada@Example.com").await;
    // A taken email: the same answer as a creation (issue 13, finding 8), and nothing changes.
    let (status, body) = api
        .call(
            "POST",
            "/v1/auth/signup",
            None,
            Some(json!({"email": "ada@example.com", "password": "another long one"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "another long one"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the taken account's password is unchanged"
    );
    let (status, body) = api
        .call(
            "POST",
            "/v1/auth/signup",
            None,
            Some(json!({"email": "bob@example.com", "password": "password1"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "password: is too common");
    let (status, body) = api
        .call(
            "POST",
            "/v1/auth/signup",
            None,
            Some(json!({"email": "bob@example.com", "password": "short"})),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        "invalid_argument",
        "password: must be at least 8 characters",
    );
    let (status, body) = api
        .call(
            "POST",
            "/v1/auth/signup",
            None,
            Some(json!({"email": "not an email", "password": "correct horse"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "email");

    let access = s(&tokens, "access_token");
    let (status, me) = api.call("GET", "/v1/me", Some(&access), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], json!("ada@example.com"));
    assert_eq!(me["role"], json!("user"));
    assert_eq!(me["phone_verified"], json!(false));

    // Wrong password, then right.
    let (status, body) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "wrong one!"})),
        )
        .await;
    assert_error(status, &body, 401, "unauthenticated", "wrong");
    let (status, second) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ADA@example.com", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");

    // Two sessions, the current one marked.
    let (status, sessions) = api.call("GET", "/v1/sessions", Some(&access), None).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let items = sessions["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{sessions}");
    assert_eq!(items.iter().filter(|s| s["current"] == json!(true)).count(), 1);
    // Pagination: one a page.
    let (_, page) = api.call("GET", "/v1/sessions?limit=1", Some(&access), None).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    let cursor = s(&page, "next_cursor");
    let (_, page2) = api
        .call(
            "GET",
            &format!("/v1/sessions?limit=1&cursor={cursor}"),
            Some(&access),
            None,
        )
        .await;
    assert_eq!(page2["items"].as_array().map(Vec::len), Some(1));
    assert_ne!(page["items"][0]["id"], page2["items"][0]["id"]);
    assert_eq!(page2["next_cursor"], Value::Null);
    let (status, body) = api.call("GET", "/v1/sessions?limit=0", Some(&access), None).await;
    assert_error(status, &body, 400, "invalid_argument", "limit");

    // Refresh rotates; the old refresh token, replayed, revokes the family.
    let refresh1 = s(&second, "refresh_token");
    let (status, rotated) = api
        .call(
            "POST",
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let refresh2 = s(&rotated, "refresh_token");
    assert_ne!(refresh1, refresh2);
    assert_eq!(rotated["session_id"], second["session_id"]);
    let rotated_access = s(&rotated, "access_token");
    assert_eq!(
        api.call("GET", "/v1/me", Some(&rotated_access), None).await.0,
        StatusCode::OK
    );
    let (status, body) = api
        .call(
            "POST",
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh1})),
        )
        .await;
    assert_error(status, &body, 401, "unauthenticated", "refresh_token");
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh2})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the newest token of a reused family is dead too"
    );
    let (status, body) = api.call("GET", "/v1/me", Some(&rotated_access), None).await;
    assert_error(status, &body, 401, "unauthenticated", "revoked");
    // The first session is untouched.
    assert_eq!(api.call("GET", "/v1/me", Some(&access), None).await.0, StatusCode::OK);

    // Another person cannot see or revoke Ada's sessions.
    let bob = api.sign_up("bob@example.com").await;
    let bob_access = s(&bob, "access_token");
    let ada_session = s(&tokens, "session_id");
    let (status, body) = api
        .call(
            "DELETE",
            &format!("/v1/sessions/{ada_session}"),
            Some(&bob_access),
            None,
        )
        .await;
    assert_error(status, &body, 404, "not_found", "session");
    assert_eq!(api.call("GET", "/v1/me", Some(&access), None).await.0, StatusCode::OK);
    let (_, bob_sessions) = api.call("GET", "/v1/sessions", Some(&bob_access), None).await;
    assert_eq!(bob_sessions["items"].as_array().map(Vec::len), Some(1));

    // Password change: the current password is required, other sessions end.
    let (status, third) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let third_access = s(&third, "access_token");
    let (status, body) = api
        .call(
            "PUT",
            "/v1/me/password",
            Some(&access),
            Some(json!({"current_password": "nope nope", "new_password": "a brand new secret"})),
        )
        .await;
    assert_error(status, &body, 403, "permission_denied", "current_password");
    let (status, body) = api
        .call(
            "PUT",
            "/v1/me/password",
            Some(&access),
            Some(json!({"current_password": "correct horse battery", "new_password": "a brand new secret"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        api.call("GET", "/v1/me", Some(&third_access), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(api.call("GET", "/v1/me", Some(&access), None).await.0, StatusCode::OK);
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");

    // The security events, the person's own, with no secret in them.
    let (status, events) = api
        .call("GET", "/v1/me/security-events?limit=100", Some(&access), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in [
        "signup",
        "login",
        "login_failed",
        "refresh_reuse",
        "reauth_failed",
        "password_changed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let text = events.to_string();
    assert!(
        !text.contains("ada@example.com") && !text.contains("correct horse"),
        "{text}"
    );
    let (_, bob_events) = api.call("GET", "/v1/me/security-events", Some(&bob_access), None).await;
    assert_eq!(
        bob_events["items"].as_array().map(Vec::len),
        Some(2),
        "bob's signup and login only: {bob_events}"
    );

    // Logout ends the session at once, on every replica (cache).
    let (status, _) = api.call("POST", "/v1/auth/logout", Some(&access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = api.call("GET", "/v1/me", Some(&access), None).await;
    assert_error(status, &body, 401, "unauthenticated", "revoked");
    let (status, body) = api.call("GET", "/v1/me", None, None).await;
    assert_error(status, &body, 401, "unauthenticated", "bearer");
    let (status, body) = api.call("GET", "/v1/me", Some("e30.e30.e30"), None).await;
    assert_error(status, &body, 401, "unauthenticated", "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_tokens_and_sessions_embedded() {
    let api = Api::embedded(&[]).await;
    accounts_tokens_and_sessions(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn accounts_tokens_and_sessions_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    accounts_tokens_and_sessions(&api).await;
}

async fn phone_resources_and_owner_only(api: &Api) {
    let ada = api.verified_person("ada@example.com", "+15145550111").await;
    let ada_token = s(&ada, "access_token");
    let bob = api.verified_person("bob@example.com", "+15145550122").await;
    let bob_token = s(&bob, "access_token");

    // The same phone cannot be verified twice.
    let eve = api.sign_up("eve@example.com").await;
    let eve_token = s(&eve, "access_token");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/verify",
            Some(&eve_token),
            Some(json!({"code": "12345"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "code");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/verify",
            Some(&eve_token),
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "code: is wrong");
    let (status, body) = api
        .call("POST", "/v1/me/phone", Some(&eve_token), Some(json!({"phone": "514"})))
        .await;
    assert_error(status, &body, 400, "invalid_argument", "phone");

    // Ada's reminder and task.
    let due = (chrono::Utc::now() + chrono::TimeDelta::hours(3)).to_rfc3339();
    let (status, reminder) = api
        .call(
            "POST",
            "/v1/reminders",
            Some(&ada_token),
            Some(json!({"text": "call the dentist", "due_at": due})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reminder}");
    let reminder_id = s(&reminder, "id");
    assert_eq!(reminder["status"], json!("scheduled"));
    let (status, task) = api
        .call("POST", "/v1/tasks", Some(&ada_token), Some(json!({"text": "buy milk"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let task_id = s(&task, "id");
    let (status, body) = api
        .call("POST", "/v1/tasks", Some(&ada_token), Some(json!({"text": "  "})))
        .await;
    assert_error(status, &body, 400, "invalid_argument", "text");
    let (status, body) = api
        .call(
            "POST",
            "/v1/reminders",
            Some(&ada_token),
            Some(json!({"text": "x", "due_at": "tomorrow"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "due_at");
    // A place is from 1 to the int32 the document states; past the list is
    // the end, past the document is refused.
    for position in [json!(0), json!(2_147_483_648_u64), json!(-1)] {
        let (status, body) = api
            .call(
                "POST",
                &format!("/v1/tasks/{task_id}/move"),
                Some(&ada_token),
                Some(json!({ "position": position })),
            )
            .await;
        assert_error(status, &body, 400, "invalid_argument", "position");
    }

    // Ada sees hers.
    let (status, list) = api.call("GET", "/v1/reminders", Some(&ada_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], json!(reminder_id));
    let (status, one) = api
        .call("GET", &format!("/v1/reminders/{reminder_id}"), Some(&ada_token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["text"], json!("call the dentist"));

    // Bob gets 404 and no data on every one of Ada's ids, and an empty list.
    for (method, path, body) in [
        ("GET", format!("/v1/reminders/{reminder_id}"), None),
        (
            "PATCH",
            format!("/v1/reminders/{reminder_id}"),
            Some(json!({"text": "mine now"})),
        ),
        ("DELETE", format!("/v1/reminders/{reminder_id}"), None),
        ("POST", format!("/v1/tasks/{task_id}/complete"), None),
        (
            "POST",
            format!("/v1/tasks/{task_id}/move"),
            Some(json!({"position": 1})),
        ),
        ("DELETE", format!("/v1/tasks/{task_id}"), None),
        ("DELETE", format!("/v1/sessions/{}", s(&ada, "session_id")), None),
        ("GET", "/v1/reminders/not-a-uuid".to_owned(), None),
    ] {
        let (status, answer) = api.call(method, &path, Some(&bob_token), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], json!("not_found"));
        let text = answer.to_string();
        assert!(!text.contains("dentist") && !text.contains("milk"), "{text}");
    }
    let (_, bob_reminders) = api.call("GET", "/v1/reminders", Some(&bob_token), None).await;
    assert_eq!(bob_reminders["items"], json!([]));
    let (_, bob_tasks) = api.call("GET", "/v1/tasks", Some(&bob_token), None).await;
    assert_eq!(bob_tasks["items"], json!([]));

    // Ada's things are intact, and she can change them.
    let (status, changed) = api
        .call(
            "PATCH",
            &format!("/v1/reminders/{reminder_id}"),
            Some(&ada_token),
            Some(json!({"text": "call the dentist at 9"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["text"], json!("call the dentist at 9"));
    let (status, done) = api
        .call("POST", &format!("/v1/tasks/{task_id}/complete"), Some(&ada_token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], json!("done"));
    let (status, cancelled) = api
        .call(
            "DELETE",
            &format!("/v1/reminders/{reminder_id}"),
            Some(&ada_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["status"], json!("cancelled"));

    // Settings.
    let (status, settings) = api
        .call(
            "PATCH",
            "/v1/me/settings",
            Some(&ada_token),
            Some(json!({"quiet_hours": {"start": "22:00", "end": "07:30"}, "nag_limit": 3})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["quiet_hours"], json!({"start": "22:00", "end": "07:30"}));
    assert_eq!(settings["nag_limit"], json!(3));
    let (_, bob_settings) = api.call("GET", "/v1/me/settings", Some(&bob_token), None).await;
    assert_eq!(bob_settings["quiet_hours"], Value::Null);
    let (status, body) = api
        .call(
            "PATCH",
            "/v1/me/settings",
            Some(&ada_token),
            Some(json!({"quiet_hours": {"start": "25:00", "end": "07:00"}})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "quiet_hours.start");

    // Password reset by SMS code to the verified phone: every session ends.
    let seen = outbox(api.stack.ports.sms_router).await.len();
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/password-reset",
            None,
            Some(json!({"email": "ada@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/password-reset",
            None,
            Some(json!({"email": "nobody@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "the same answer for an unknown address");
    let code = api.last_code(seen).await;
    let confirm = json!({"email": "ada@example.com", "code": code, "new_password": "reset and renewed"});
    let (status, body) = api
        .call("POST", "/v1/auth/password-reset/confirm", None, Some(confirm.clone()))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = api
        .call("POST", "/v1/auth/password-reset/confirm", None, Some(confirm))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a code works once");
    assert_eq!(
        api.call("GET", "/v1/me", Some(&ada_token), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "reset and renewed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_resources_and_owner_only_embedded() {
    let api = Api::embedded(&[]).await;
    phone_resources_and_owner_only(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn phone_resources_and_owner_only_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    phone_resources_and_owner_only(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_slow_down_then_lock() {
    let api = Api::embedded(&[("NUDGE__API__LOGIN_MAX_FAILURES", "3")]).await;
    api.sign_up("ada@example.com").await;
    let wrong = json!({"email": "ada@example.com", "password": "not the one"});
    let mut took = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let (status, _) = api.call("POST", "/v1/auth/login", None, Some(wrong.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        took.push(started.elapsed());
    }
    assert!(
        took[2] >= Duration::from_millis(400),
        "the third failure waits 400 ms: {took:?}"
    );
    assert!(took[2] > took[0], "{took:?}");
    let right = json!({"email": "ada@example.com", "password": "correct horse battery"});
    let response = api
        .http
        .post(format!("{}/v1/auth/login", api.base))
        .json(&right)
        .send()
        .await
        .expect("reachable");
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked, even with the right password"
    );
    assert_eq!(response.headers()["retry-after"], "900");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], json!("resource_exhausted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_checked_and_errors_name_the_field() {
    let api = Api::embedded(&[("NUDGE__API__MAX_BODY_BYTES", "2048")]).await;
    for (body, expected) in [
        (json!({"email": "a@b.co"}), "password: is required"),
        (
            json!({"email": "a@b.co", "password": "correct horse", "admin": true}),
            "admin: is not a known field",
        ),
        (
            json!({"email": 5, "password": "correct horse"}),
            "email: has the wrong type",
        ),
        (
            json!({"email": "a@b.co", "password": "correct horse", "language": "de"}),
            "language: must be en or fr",
        ),
        (
            json!({"email": "a@b.co", "password": "correct horse", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (json!([1, 2]), "body: must be a JSON object"),
    ] {
        let (status, answer) = api.call("POST", "/v1/auth/signup", None, Some(body.clone())).await;
        assert_error(status, &answer, 400, "invalid_argument", expected);
    }
    let url = format!("{}/v1/auth/signup", api.base);
    let response = api
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.expect("json");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("body: not valid JSON"),
        "{answer}"
    );
    let response = api
        .http
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = json!({"email": "a@b.co", "password": "x".repeat(4000)});
    let response = api.http.post(&url).json(&big).send().await.expect("reachable");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.expect("json envelope");
    assert_eq!(answer["error"]["code"], json!("invalid_argument"));
    let (status, answer) = api.call("GET", "/v1/nothing-here", None, None).await;
    assert_error(status, &answer, 404, "not_found", "route");
}

async fn rate_limits(api: &Api, second_api_port: u16) {
    // Windows are calendar minutes: do not start right before one ends.
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(61 - second).unwrap_or(15))).await;
    }
    let ports = [api.stack.ports.api, second_api_port];
    // Two anonymous requests of the five allowed (sign-up, login).
    let tokens = api.sign_up("rate@example.com").await;
    let access = s(&tokens, "access_token");
    // With a token: four a minute for this person, whichever server answers.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = api
            .http
            .get(format!("http://127.0.0.1:{}/v1/me", ports[i % 2]))
            .bearer_auth(&access)
            .send()
            .await
            .expect("reachable");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
    // Without a token: per IP, the three left, then 429 with Retry-After.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = api
            .http
            .post(format!("http://127.0.0.1:{}/v1/auth/refresh", ports[i % 2]))
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
    // An unknown refresh token is 401; past the limit, 429.
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);
}

const LIMITS: [(&str, &str); 2] = [
    ("NUDGE__API__ANONYMOUS_PER_MINUTE", "5"),
    ("NUDGE__API__AUTHENTICATED_PER_MINUTE", "4"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after_embedded() {
    let api = Api::embedded(&LIMITS).await;
    // One server: the "second" is the same one (in-process counters are per process).
    rate_limits(&api, api.stack.ports.api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn rate_limits_hold_across_two_api_servers_sharing_redis() {
    let api = Api::on_postgres_and_redis(&LIMITS).await;
    let mut settings = api.stack.settings.clone();
    settings.services.api.port = 0;
    let shutdown = CancellationToken::new();
    let second = nudge_api::Application::build(settings, shutdown.clone())
        .await
        .expect("second api");
    let port = second.port();
    let running = tokio::spawn(second.run_until_stopped());
    rate_limits(&api, port).await;
    shutdown.cancel();
    running.await.expect("join").expect("second api stops");
}

/// Issue 13, finding 6: behind a trusted proxy each client has its own
/// anonymous allowance; a header from a peer that is not trusted changes
/// nothing (the test client, 127.0.0.1, plays the proxy).
async fn anonymous_limits_behind_a_trusted_proxy(api: &Api, trusted: bool) {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(61 - second).unwrap_or(15))).await;
    }
    let from = |client: &'static str| {
        let request = api
            .http
            .post(format!("{}/v1/auth/refresh", api.base))
            .header("X-Forwarded-For", format!("198.51.100.77, {client}"))
            .json(&json!({"refresh_token": "no.such-token"}));
        async move { request.send().await.expect("reachable").status().as_u16() }
    };
    let mut first = Vec::new();
    for _ in 0..6 {
        first.push(from("203.0.113.1").await);
    }
    assert_eq!(first, [401, 401, 401, 401, 401, 429]);
    // Another client behind the same proxy.
    let other = from("203.0.113.2").await;
    if trusted {
        assert_eq!(other, 401, "its own allowance");
    } else {
        assert_eq!(other, 429, "an untrusted peer's header is not believed");
    }
}

const BEHIND_A_PROXY: [(&str, &str); 2] = [
    ("NUDGE__API__ANONYMOUS_PER_MINUTE", "5"),
    ("NUDGE__API__TRUSTED_PROXIES", "127.0.0.1,::1"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_limits_per_client_behind_a_trusted_proxy_embedded() {
    let api = Api::embedded(&BEHIND_A_PROXY).await;
    anonymous_limits_behind_a_trusted_proxy(&api, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn anonymous_limits_per_client_behind_a_trusted_proxy_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&BEHIND_A_PROXY).await;
    anonymous_limits_behind_a_trusted_proxy(&api, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_limits_ignore_forwarded_headers_by_default() {
    let api = Api::embedded(&[("NUDGE__API__ANONYMOUS_PER_MINUTE", "5")]).await;
    anonymous_limits_behind_a_trusted_proxy(&api, false).await;
}

/// Issue 13, finding 12: a known path asked with a method it does not serve
/// answers 405 with `Allow` (the methods the document lists), not 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_methods_answer_405_with_allow() {
    let api = Api::embedded(&[]).await;
    let (_, doc) = api.call("GET", "/openapi.json", None, None).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        let declared: Vec<String> = item
            .as_object()
            .expect("path item")
            .keys()
            .filter(|k| ["get", "put", "post", "delete", "patch"].contains(&k.as_str()))
            .map(|k| k.to_uppercase())
            .collect();
        let concrete = path.replace("{id}", "00000000-0000-7000-8000-000000000000");
        for method in ["GET", "PUT", "POST", "DELETE", "PATCH", "TRACE", "OPTIONS", "HEAD"] {
            if declared.iter().any(|d| d == method) {
                continue;
            }
            let response = api
                .http
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                    format!("{}{concrete}", api.base),
                )
                .send()
                .await
                .expect("reachable");
            assert_eq!(response.status().as_u16(), 405, "{method} {path}");
            let allow = response.headers()["allow"].to_str().expect("ascii").to_owned();
            let mut allowed: Vec<&str> = allow.split(", ").collect();
            allowed.sort_unstable();
            let mut expected: Vec<&str> = declared.iter().map(String::as_str).collect();
            expected.sort_unstable();
            assert_eq!(allowed, expected, "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked}");
    // An unknown path is still 404.
    let (status, body) = api.call("TRACE", "/v1/no-such-thing", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = api.call("PATCH", "/v1/reminders/a/b", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Issue 13, finding 12: the document states what the server enforces
/// (schemathesis with every check, in `.ci/schemathesis`, proves the rest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_states_the_constraints() {
    let api = Api::embedded(&[]).await;
    let (_, doc) = api.call("GET", "/openapi.json", None, None).await;
    let schemas = &doc["components"]["schemas"];
    let limit = doc["paths"]["/v1/tasks"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit")["schema"]
        .clone();
    assert_eq!(
        (limit["minimum"].clone(), limit["maximum"].clone()),
        (json!(1), json!(100))
    );
    let text = &schemas["NewMemory"]["properties"]["text"];
    assert_eq!(
        (text["minLength"].clone(), text["maxLength"].clone()),
        (json!(1), json!(500))
    );
    let position = &schemas["MoveTask"]["properties"]["position"];
    assert_eq!(
        (
            position["minimum"].clone(),
            position["maximum"].clone(),
            position["format"].clone()
        ),
        (json!(1), json!(i32::MAX), json!("int32"))
    );
    assert_eq!(
        schemas["RoleChange"]["properties"]["role"]["enum"],
        json!(["user", "premium", "admin"])
    );
    assert_eq!(schemas["SignUp"]["properties"]["password"]["minLength"], json!(8));
    assert_eq!(schemas["SignUp"]["properties"]["email"]["format"], json!("email"));
    assert_eq!(
        schemas["SettingsChange"]["properties"]["nag_limit"]["maximum"],
        json!(20)
    );
    assert_eq!(
        schemas["NewConsent"]["properties"]["kind"]["enum"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    assert_eq!(
        schemas["PhoneCode"]["properties"]["code"]["pattern"],
        json!("^[0-9]{6}$")
    );
    // A change holds at least one field that is not null.
    assert_eq!(
        schemas["ReminderChange"]["allOf"][1]["anyOf"].as_array().map(Vec::len),
        Some(4)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let api = Api::embedded(&[]).await;
    let (status, doc) = api.call("GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap_or_default().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        json!("bearer")
    );
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            operations += 1;
            // Every documented operation is served: never the unknown-route 404.
            let concrete = path.replace("{id}", "00000000-0000-7000-8000-000000000000");
            let (status, body) = api.call(&method.to_uppercase(), &concrete, None, None).await;
            assert!(
                !(status == StatusCode::NOT_FOUND && body["error"]["message"] == json!("route not found")),
                "{method} {path} is documented but not served"
            );
            assert_ne!(status.as_u16(), 405, "{method} {path}");
        }
    }
    assert_eq!(operations, 47, "every operation of routes.rs is documented");
    let response = api
        .http
        .get(format!("{}/docs", api.base))
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("html").contains("/openapi.json"));
}

/// Gives the account `user_id` a role directly in the database (the first
/// administrator is made this way; later ones through the admin API).
async fn set_role_in_database(api: &Api, user_id: &str, role: &str) {
    use nudge_store::diesel_async::RunQueryDsl as _;
    let db = nudge_store::Db::connect(&api.stack.settings.database).expect("db");
    let mut conn = db.conn().await.expect("conn");
    let sql = format!("UPDATE api_accounts SET role = '{role}' WHERE id = '{user_id}'");
    let n = nudge_store::with_conn!(&mut conn, c => nudge_store::diesel::sql_query(sql.clone()).execute(c).await)
        .expect("update");
    assert_eq!(n, 1);
}

/// Waits for the start of a fresh 30-second step, so that codes of this
/// step and the next are distinct and valid for the whole test.
async fn fresh_step() {
    let into = chrono::Utc::now().timestamp().rem_euclid(30);
    if into > 20 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(31 - into).unwrap_or(10))).await;
    }
}

async fn mfa_and_administrators(api: &Api) {
    let ada = api.sign_up("ada@example.com").await;
    let ada_access = s(&ada, "access_token");
    // Setting MFA up needs the password again.
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/mfa/totp",
            Some(&ada_access),
            Some(json!({"current_password": "nope nope"})),
        )
        .await;
    assert_error(status, &body, 403, "permission_denied", "current_password");
    let (status, setup) = api
        .call(
            "POST",
            "/v1/me/mfa/totp",
            Some(&ada_access),
            Some(json!({"current_password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let secret = s(&setup, "secret");
    assert!(s(&setup, "otpauth_uri").starts_with("otpauth://totp/"));
    fresh_step().await;
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/mfa/totp/confirm",
            Some(&ada_access),
            Some(json!({"code": otp_at(&secret, 3)})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "code");
    let (status, confirmed) = api
        .call(
            "POST",
            "/v1/me/mfa/totp/confirm",
            Some(&ada_access),
            Some(json!({"code": otp_at(&secret, 0)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let backup: Vec<String> = confirmed["backup_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(backup.len(), 10);

    // Login now needs a second factor; the code used to confirm is spent.
    let login = |otp: Option<String>| {
        let mut body = json!({"email": "ada@example.com", "password": "correct horse battery"});
        if let Some(otp) = otp {
            body["otp"] = json!(otp);
        }
        body
    };
    let (status, body) = api.call("POST", "/v1/auth/login", None, Some(login(None))).await;
    assert_error(status, &body, 401, "unauthenticated", "otp: a code");
    let (status, body) = api
        .call("POST", "/v1/auth/login", None, Some(login(Some(otp_at(&secret, 0)))))
        .await;
    assert_error(status, &body, 401, "unauthenticated", "already used");
    // The next step's code (one step of drift) works, once.
    let next = otp_at(&secret, 1);
    let (status, with_mfa) = api
        .call("POST", "/v1/auth/login", None, Some(login(Some(next.clone()))))
        .await;
    assert_eq!(status, StatusCode::OK, "{with_mfa}");
    let (status, body) = api.call("POST", "/v1/auth/login", None, Some(login(Some(next)))).await;
    assert_error(status, &body, 401, "unauthenticated", "already used");
    // A backup code works once.
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(login(Some(backup[0].to_uppercase()))),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api
        .call("POST", "/v1/auth/login", None, Some(login(Some(backup[0].clone()))))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Administrators: the role and a session opened with MFA.
    let bob = api.sign_up("bob@example.com").await;
    let bob_id = s(&bob, "user_id");
    let mfa_access = s(&with_mfa, "access_token");
    let (status, body) = api.call("GET", "/v1/admin/people", Some(&mfa_access), None).await;
    assert_error(status, &body, 403, "permission_denied", "administrators only");
    set_role_in_database(api, &s(&ada, "user_id"), "admin").await;
    let (status, body) = api.call("GET", "/v1/admin/people", Some(&ada_access), None).await;
    assert_error(status, &body, 403, "permission_denied", "MFA");
    let (status, people) = api.call("GET", "/v1/admin/people", Some(&mfa_access), None).await;
    assert_eq!(status, StatusCode::OK, "{people}");
    assert_eq!(people["items"].as_array().map(Vec::len), Some(2));
    assert!(!people.to_string().contains("@example.com"), "no emails in the list");
    let (status, body) = api
        .call(
            "PUT",
            &format!("/v1/admin/people/{bob_id}/role"),
            Some(&mfa_access),
            Some(json!({"role": "root"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "role");
    let (status, _) = api
        .call(
            "PUT",
            &format!("/v1/admin/people/{bob_id}/role"),
            Some(&mfa_access),
            Some(json!({"role": "premium"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Bob's old token (role user) is revoked; he logs in again as premium.
    assert_eq!(
        api.call("GET", "/v1/me", Some(&s(&bob, "access_token")), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, bob_again) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "bob@example.com", "password": "correct horse battery"})),
        )
        .await;
    let (_, bob_me) = api
        .call("GET", "/v1/me", Some(&s(&bob_again, "access_token")), None)
        .await;
    assert_eq!(bob_me["role"], json!("premium"));
    // Changing the password with MFA on needs a second factor too.
    let (status, body) = api
        .call(
            "PUT",
            "/v1/me/password",
            Some(&mfa_access),
            Some(json!({"current_password": "correct horse battery", "new_password": "a brand new secret"})),
        )
        .await;
    assert_error(status, &body, 403, "permission_denied", "otp");
    // An administrator cannot turn MFA off.
    let (status, body) = api
        .call(
            "DELETE",
            "/v1/me/mfa/totp",
            Some(&mfa_access),
            Some(json!({"current_password": "correct horse battery", "otp": backup[1]})),
        )
        .await;
    assert_error(status, &body, 403, "permission_denied", "administrators must keep MFA");
    // Every administrator action is audited, with the administrator as actor.
    let db = nudge_store::Db::connect(&api.stack.settings.database).expect("db");
    let mut conn = db.conn().await.expect("conn");
    use nudge_store::diesel::{ExpressionMethods as _, QueryDsl as _};
    use nudge_store::diesel_async::RunQueryDsl as _;
    use nudge_store::schema::api_audit_events as events;
    let ada_id = s(&ada, "user_id");
    let audited: Vec<(String, Option<String>)> = nudge_store::with_conn!(&mut conn, c => events::table
        .filter(events::actor_id.eq(&ada_id))
        .select((events::kind, events::user_id))
        .load(c)
        .await)
    .expect("audit");
    assert!(audited.contains(&("admin_read".to_owned(), None)), "{audited:?}");
    assert!(
        audited.contains(&("role_changed".to_owned(), Some(bob_id.clone()))),
        "{audited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_and_administrators_embedded() {
    let api = Api::embedded(&[]).await;
    mfa_and_administrators(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn mfa_and_administrators_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    mfa_and_administrators(&api).await;
}
