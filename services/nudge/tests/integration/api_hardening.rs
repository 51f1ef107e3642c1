//! Issue 13, findings 3, 4, 5, 8 and 11: the api's authentication
//! hardening, over HTTP against a whole stack, in embedded mode (SQLite, the
//! in-process cache) and on PostgreSQL and Redis (`--ignored`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::helpers::api::*;
use crate::helpers::process::{NudgeProcess, wait_ready};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const WRONG: &str = "not the password";

/// A client whose requests come from `127.0.0.<n>` (another loopback address).
fn client_from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, n]))
        .build()
        .expect("client")
}

/// The person's security events of `kind`.
async fn events(api: &Api, token: &str, kind: &str) -> usize {
    let (status, page) = api
        .call("GET", "/v1/me/security-events?limit=100", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    items(&page).iter().filter(|e| e["kind"] == json!(kind)).count()
}

// ---- finding 3: the lock-out holds under concurrency ----

/// 20 logins at once from 20 addresses, the right password at index 15: no
/// more than `api.login_max_failures` (5) passwords are checked; the others
/// are refused as locked without a check.
async fn login_lockout_holds_under_concurrency(api: &Api) {
    let tokens = api.sign_up("ada@example.com").await;
    let token = s(&tokens, "access_token");
    let url = format!("{}/v1/auth/login", api.base);
    let attempts = (0..20_u8).map(|i| {
        let url = url.clone();
        let password = if i == 15 { PASSWORD } else { WRONG };
        async move {
            client_from(i + 2)
                .post(url)
                .json(&json!({"email": "ada@example.com", "password": password}))
                .send()
                .await
                .expect("reachable")
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s != StatusCode::TOO_MANY_REQUESTS).count();
    eprintln!("20 logins at once: {checked} passwords checked: {statuses:?}");
    assert!(
        checked <= 5,
        "{checked} passwords checked, at most 5 allowed: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::OK, StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s)),
        "{statuses:?}"
    );
    let failed = events(api, &token, "login_failed").await;
    assert!(failed <= 5, "{failed} failures evaluated");
    // Locked now, even with the right password.
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": PASSWORD})),
        )
        .await;
    if statuses[15] != StatusCode::OK {
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
}

/// argon2 at its production cost: a check takes as long as it really does,
/// so the guesses overlap as an attacker's would.
const REAL_ARGON2: [(&str, &str); 2] = [
    ("NUDGE__API__ARGON2_MEMORY_KIB", "19456"),
    ("NUDGE__API__ARGON2_ITERATIONS", "2"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_lockout_holds_under_concurrency_embedded() {
    login_lockout_holds_under_concurrency(&Api::embedded(&REAL_ARGON2).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn login_lockout_holds_under_concurrency_on_postgres_and_redis() {
    login_lockout_holds_under_concurrency(&Api::on_postgres_and_redis(&REAL_ARGON2).await).await;
}

// ---- finding 4: re-authentication has the login's slow-down and lock ----

/// With an access token, wrong `current_password`s slow down and then lock,
/// on every endpoint that re-authenticates, even with the right password.
async fn reauthentication_locks_after_failures(api: &Api) {
    let tokens = api.sign_up("ada@example.com").await;
    let token = s(&tokens, "access_token");
    let change = |current: &str| json!({"current_password": current, "new_password": "a brand new passphrase"});
    let mut took = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let (status, body) = api
            .call("PUT", "/v1/me/password", Some(&token), Some(change(WRONG)))
            .await;
        took.push(started.elapsed());
        assert_error(status, &body, 403, "permission_denied", "current_password");
    }
    assert!(
        took[2] >= Duration::from_millis(400),
        "the third failure waits 400 ms: {took:?}"
    );
    // Locked: the right password is not even checked.
    let (status, body) = api
        .call("PUT", "/v1/me/password", Some(&token), Some(change(PASSWORD)))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/mfa/totp",
            Some(&token),
            Some(json!({"current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "TOTP setup too: {body}");
    let (status, body) = api
        .call(
            "DELETE",
            "/v1/me",
            Some(&token),
            Some(json!({"current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "erasure too: {body}");
    // The login shares the lock: a stolen token gives no extra guesses.
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(events(api, &token, "reauth_failed").await, 5);
    assert!(events(api, &token, "reauth_locked").await >= 3);

    // Another person: a success forgets the failures before it.
    let tokens = api.sign_up("bob@example.com").await;
    let token = s(&tokens, "access_token");
    for _ in 0..4 {
        let (status, _) = api
            .call(
                "POST",
                "/v1/me/mfa/totp",
                Some(&token),
                Some(json!({"current_password": WRONG})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, body) = api
        .call("PUT", "/v1/me/password", Some(&token), Some(change(PASSWORD)))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = api
        .call(
            "POST",
            "/v1/me/mfa/totp",
            Some(&token),
            Some(json!({"current_password": WRONG})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "counting again from zero");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reauthentication_locks_after_failures_embedded() {
    reauthentication_locks_after_failures(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn reauthentication_locks_after_failures_on_postgres_and_redis() {
    reauthentication_locks_after_failures(&Api::on_postgres_and_redis(&[]).await).await;
}

// ---- finding 5: revocation survives a restart ----

/// A logged-out session and a revoked one stay refused after a restart that
/// empties the cache (embedded: the process's memory; distributed: a Redis
/// without persistence, here a new prefix); a live one still works.
async fn revocation_survives_restart(api: Api) {
    api.sign_up("ada@example.com").await;
    let logged_out = s(&api.login("ada@example.com", None).await, "access_token");
    let revoked = api.login("ada@example.com", None).await;
    let live = s(&api.login("ada@example.com", None).await, "access_token");
    let (status, _) = api.call("POST", "/v1/auth/logout", Some(&logged_out), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api
        .call(
            "DELETE",
            &format!("/v1/sessions/{}", s(&revoked, "session_id")),
            Some(&live),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let revoked = s(&revoked, "access_token");
    for token in [&logged_out, &revoked] {
        let (status, body) = api.call("GET", "/v1/me", Some(token), None).await;
        assert_error(status, &body, 401, "unauthenticated", "revoked");
    }

    let api = api.restart(&[]).await;
    for (what, token) in [("logged out", &logged_out), ("revoked", &revoked)] {
        let (status, body) = api.call("GET", "/v1/me", Some(token), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        // And again, now from the cache filled by the first refusal.
        let (status, _) = api.call("GET", "/v1/me", Some(token), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}, twice");
    }
    // The live session's first request after the restart has a body refused
    // at once, while its session is read from the database: the request is
    // dropped half-way, and the api lives on.
    let (status, body) = api
        .call(
            "PUT",
            "/v1/me/password",
            Some(&live),
            Some(json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "new_password");
    let (status, body) = api.call("GET", "/v1/me", Some(&live), None).await;
    assert_eq!(status, StatusCode::OK, "the live session works: {body}");
    // Revoked after the restart, once the live session is in the cache.
    let (status, _) = api.call("POST", "/v1/auth/logout", Some(&live), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api.call("GET", "/v1/me", Some(&live), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_survives_restart_embedded() {
    revocation_survives_restart(Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn revocation_survives_restart_on_postgres_and_redis() {
    revocation_survives_restart(Api::on_postgres_and_redis(&[]).await).await;
}

// ---- finding 8: no account enumeration ----

/// Mean and standard deviation, in milliseconds.
fn mean_and_spread(samples: &[Duration]) -> (f64, f64) {
    let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    let n = f64::from(u32::try_from(ms.len()).expect("few"));
    let mean = ms.iter().sum::<f64>() / n;
    let variance = ms.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

async fn reset(api: &Api, email: &str) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let (status, body) = api
        .call("POST", "/v1/auth/password-reset", None, Some(json!({"email": email})))
        .await;
    (status, body, started.elapsed())
}

/// An existing account (with a verified phone) and an unknown email get the
/// same answers: 202 five times, then 429; and they take about as long (the
/// code goes out off the answer's path; figures printed).
async fn password_reset_does_not_reveal_accounts(api: &Api) {
    let mut existing = Vec::new();
    for i in 0..10 {
        let email = format!("person{i}@example.com");
        api.verified_person(&email, &format!("+1514555{:04}", 100 + i)).await;
        existing.push(email);
    }
    let unknown: Vec<String> = (0..10).map(|i| format!("nobody{i}@example.com")).collect();

    let seen = outbox(api.stack.ports.sms_router).await.len();
    let (mut on_existing, mut on_unknown) = (Vec::new(), Vec::new());
    for round in 0..5 {
        for (known, unknown) in existing.iter().zip(&unknown) {
            let (status, known_body, took) = reset(api, known).await;
            assert_eq!(status, StatusCode::ACCEPTED, "round {round}: {known_body}");
            on_existing.push(took);
            let (status, unknown_body, took) = reset(api, unknown).await;
            assert_eq!(status, StatusCode::ACCEPTED, "round {round}: {unknown_body}");
            on_unknown.push(took);
            assert_eq!(known_body, unknown_body);
        }
    }
    // The sixth request of the hour: 429 for both, with the same answer.
    let (known_status, known_body, _) = reset(api, &existing[0]).await;
    let (unknown_status, unknown_body, _) = reset(api, &unknown[0]).await;
    assert_eq!(known_status, StatusCode::TOO_MANY_REQUESTS, "{known_body}");
    assert_eq!(unknown_status, StatusCode::TOO_MANY_REQUESTS, "{unknown_body}");
    assert_eq!(known_body, unknown_body);
    // The codes did go out, to the existing people only.
    eventually(
        "50 reset codes",
        Duration::from_secs(30),
        || outbox(api.stack.ports.sms_router),
        |o| o.len() >= seen + 50,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(outbox(api.stack.ports.sms_router).await.len(), seen + 50);

    let (existing_mean, existing_spread) = mean_and_spread(&on_existing);
    let (unknown_mean, unknown_spread) = mean_and_spread(&on_unknown);
    eprintln!(
        "password reset over 50 calls each: existing account {existing_mean:.2} ms (sd {existing_spread:.2}), \
         unknown email {unknown_mean:.2} ms (sd {unknown_spread:.2})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_does_not_reveal_accounts_embedded() {
    password_reset_does_not_reveal_accounts(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn password_reset_does_not_reveal_accounts_on_postgres_and_redis() {
    password_reset_does_not_reveal_accounts(&Api::on_postgres_and_redis(&[]).await).await;
}

/// Signing up with a taken email answers exactly as a creation, changes
/// nothing, and tells the owner by SMS (once).
async fn sign_up_does_not_reveal_accounts(api: &Api) {
    api.verified_person("ada@example.com", "+15145550100").await;
    let attempt = |email: &str| json!({"email": email, "password": "someone else's passphrase"});
    let (taken_status, taken) = api
        .call("POST", "/v1/auth/signup", None, Some(attempt("ada@example.com")))
        .await;
    let (new_status, new) = api
        .call("POST", "/v1/auth/signup", None, Some(attempt("new@example.com")))
        .await;
    assert_eq!(taken_status, StatusCode::ACCEPTED, "{taken}");
    assert_eq!(new_status, StatusCode::ACCEPTED, "{new}");
    assert_eq!(taken, new, "the same answer");
    assert!(taken.get("access_token").is_none(), "no tokens: {taken}");
    // The new account exists; the taken one is unchanged.
    api.call("POST", "/v1/auth/login", None, Some(attempt("new@example.com")))
        .await
        .0
        .is_success()
        .then_some(())
        .expect("the new account logs in");
    let (status, _) = api
        .call("POST", "/v1/auth/login", None, Some(attempt("ada@example.com")))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    api.login("ada@example.com", None).await;
    // The owner is told, once.
    let told = eventually(
        "the owner's notice",
        Duration::from_secs(10),
        || outbox(api.stack.ports.sms_router),
        |o| o.iter().any(|sms| sms.body.contains("tried to create an account")),
    )
    .await;
    let before = told.len();
    let (status, _) = api
        .call("POST", "/v1/auth/signup", None, Some(attempt("ada@example.com")))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        outbox(api.stack.ports.sms_router).await.len(),
        before,
        "at most one notice an hour"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_does_not_reveal_accounts_embedded() {
    sign_up_does_not_reveal_accounts(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn sign_up_does_not_reveal_accounts_on_postgres_and_redis() {
    sign_up_does_not_reveal_accounts(&Api::on_postgres_and_redis(&[]).await).await;
}

// ---- finding 11: hygiene ----

#[track_caller]
fn assert_header(response: &reqwest::Response, name: &str, expected: &str) {
    assert_eq!(
        response.headers().get(name).and_then(|v| v.to_str().ok()),
        Some(expected),
        "{name} on {} {}",
        response.url().path(),
        response.status()
    );
}

/// Token responses are `Cache-Control: no-store`; every response has
/// `X-Content-Type-Options`, `X-Frame-Options` and `frame-ancestors`.
async fn token_responses_are_not_cached(api: &Api) {
    api.sign_up("ada@example.com").await;
    let credentials = json!({"email": "ada@example.com", "password": PASSWORD});
    let login = api
        .http
        .post(format!("{}/v1/auth/login", api.base))
        .json(&credentials)
        .send()
        .await
        .expect("reachable");
    assert_eq!(login.status(), StatusCode::OK);
    assert_header(&login, "cache-control", "no-store");
    assert_header(&login, "pragma", "no-cache");
    let tokens: Value = login.json().await.expect("json");
    let refresh = api
        .http
        .post(format!("{}/v1/auth/refresh", api.base))
        .json(&json!({"refresh_token": s(&tokens, "refresh_token")}))
        .send()
        .await
        .expect("reachable");
    assert_eq!(refresh.status(), StatusCode::OK);
    assert_header(&refresh, "cache-control", "no-store");
    let access = s(&tokens, "access_token");
    for (method, path, token) in [
        ("GET", "/v1/me", Some(access.as_str())),
        ("GET", "/v1/me", None),
        ("GET", "/v1/nothing-here", None),
        ("GET", "/", None),
        ("GET", "/healthz", None),
        ("GET", "/openapi.json", None),
    ] {
        let mut request = api
            .http
            .request(method.parse().expect("method"), format!("{}{path}", api.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("reachable");
        assert_header(&response, "x-content-type-options", "nosniff");
        assert_header(&response, "x-frame-options", "DENY");
        assert_header(&response, "content-security-policy", "frame-ancestors 'none'");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_responses_are_not_cached_embedded() {
    token_responses_are_not_cached(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn token_responses_are_not_cached_on_postgres_and_redis() {
    token_responses_are_not_cached(&Api::on_postgres_and_redis(&[]).await).await;
}

async fn refresh(api: &Api, token: &str) -> (StatusCode, Value) {
    api.call("POST", "/v1/auth/refresh", None, Some(json!({"refresh_token": token})))
        .await
}

/// Two tabs refreshing with the same token at once both get tokens and the
/// session lives on; the same token replayed after the grace window is a
/// reuse and revokes the session.
async fn concurrent_refreshes_within_the_grace_window_keep_the_session(api: &Api) {
    let tokens = api.sign_up("ada@example.com").await;
    let first = s(&tokens, "refresh_token");
    let ((one, a), (two, b)) = tokio::join!(refresh(api, &first), refresh(api, &first));
    assert_eq!((one, two), (StatusCode::OK, StatusCode::OK), "{a} {b}");
    for tab in [&a, &b] {
        let (status, body) = api.call("GET", "/v1/me", Some(&s(tab, "access_token")), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // A third tab, a moment later: still within the window.
    let (status, c) = refresh(api, &first).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let (status, _) = refresh(api, &s(&a, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "each tab's new token works");

    // A real reuse: the spent token after the window.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let (status, body) = refresh(api, &first).await;
    assert_error(status, &body, 401, "unauthenticated", "refresh_token");
    let (status, body) = api.call("GET", "/v1/me", Some(&s(&b, "access_token")), None).await;
    assert_error(status, &body, 401, "unauthenticated", "revoked");
    let (status, _) = refresh(api, &s(&b, "refresh_token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the whole family is gone");
}

const GRACE: [(&str, &str); 1] = [("NUDGE__API__REFRESH_REUSE_GRACE_SECONDS", "1")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_within_the_grace_window_keep_the_session_embedded() {
    concurrent_refreshes_within_the_grace_window_keep_the_session(&Api::embedded(&GRACE).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn concurrent_refreshes_within_the_grace_window_keep_the_session_on_postgres_and_redis() {
    concurrent_refreshes_within_the_grace_window_keep_the_session(&Api::on_postgres_and_redis(&GRACE).await).await;
}

/// Blank and control-character passwords, and passwords made from the
/// email's local part, are refused at sign-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_passwords_are_refused_embedded() {
    let api = Api::embedded(&[]).await;
    for (password, message) in [
        ("          ", "password: must not be only spaces"),
        (
            "correct\u{0}horse battery",
            "password: must not contain control characters",
        ),
        ("john1990!", "password: must not be made from your email address"),
        ("2024john1990", "password: must not be made from your email address"),
    ] {
        let (status, body) = api
            .call(
                "POST",
                "/v1/auth/signup",
                None,
                Some(json!({"email": "john1990@example.com", "password": password})),
            )
            .await;
        assert_error(status, &body, 400, "invalid_argument", message);
    }
}

/// `nudge dev` creates its database files for their owner only.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let api = Api::embedded(&[]).await;
    api.sign_up("ada@example.com").await;
    let mut checked = Vec::new();
    for name in ["nudge.db", "nudge.db-wal", "nudge.db-shm"] {
        let path = api.data_dir().join(name);
        if let Ok(metadata) = std::fs::metadata(&path) {
            assert_eq!(metadata.permissions().mode() & 0o777, 0o600, "{name}");
            checked.push(name);
        }
    }
    assert!(checked.contains(&"nudge.db"), "{checked:?}");
}

/// `nudge dev --no-repl` writes its log to standard output: the SMS it
/// sends (bodies, codes) are not echoed there; the dev outbox has them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_keeps_sms_bodies_off_the_log_stream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut environment: HashMap<String, String> = api_environment(None, &[]);
    let (api, sms_router) = free_service_ports(&mut environment);
    // The default of `nudge dev`: the console echo on.
    environment.insert("NUDGE__SMS__CONSOLE_ECHO".to_owned(), "true".to_owned());
    environment.insert("NUDGE__TELEMETRY__FILTER".to_owned(), "debug".to_owned());
    let data_dir = dir.path().join("data");
    let args = ["dev", "--no-repl", "--data-dir", data_dir.to_str().expect("utf-8 path")];
    let mut process = NudgeProcess::spawn(nudge_binary(), "nudge-dev", &args, &environment, dir.path());
    for port in [sms_router, api] {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
    }
    let client = Client::new(api);
    let tokens = client.sign_up("ada@example.com").await;
    let (status, body) = client
        .call(
            "POST",
            "/v1/me/phone",
            Some(&s(&tokens, "access_token")),
            Some(json!({"phone": "+15145550100"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let sent = eventually(
        "the code by SMS",
        Duration::from_secs(10),
        || outbox(sms_router),
        |o| o.iter().any(|sms| sms.to == "+15145550100"),
    )
    .await;
    let sms = sent.iter().find(|sms| sms.to == "+15145550100").expect("the code");
    let code = code_in(&sms.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(process.terminate(Duration::from_secs(15)), "nudge dev stops on SIGTERM");
    let log = std::fs::read_to_string(dir.path().join("nudge-dev.log")).expect("the log");
    assert!(log.contains("api listening") || !log.is_empty(), "the log was written");
    assert!(!log.contains(&code), "the code is in the log stream");
    assert!(!log.contains("+15145550100"), "the phone is in the log stream");
}

/// The counters finding 8 adds (reset requests under the email's hash, the
/// sign-up notice under the person's id) go with the person's erasure.
async fn erasure_forgets_the_enumeration_counters(api: &Api) {
    let tokens = api.verified_person("ada@example.com", "+15145550100").await;
    let (status, _, _) = reset(api, "ada@example.com").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/signup",
            None,
            Some(json!({"email": "ada@example.com", "password": "someone else's passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let kept = |prefix: &'static str| async move {
        let mut found = Vec::new();
        for cache in &api.stack.caches {
            found.extend(cache.entries(prefix).await.expect("entries"));
        }
        found
    };
    eventually(
        "the sign-up notice mark",
        Duration::from_secs(10),
        || kept("api:signup-notice:"),
        |found| !found.is_empty(),
    )
    .await;
    assert!(!kept("api:resets:").await.is_empty());
    let (status, body) = api
        .call(
            "DELETE",
            "/v1/me",
            Some(&s(&tokens, "access_token")),
            Some(json!({"current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(kept("api:resets:").await, Vec::new());
    assert_eq!(kept("api:signup-notice:").await, Vec::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_forgets_the_enumeration_counters_embedded() {
    erasure_forgets_the_enumeration_counters(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn erasure_forgets_the_enumeration_counters_on_postgres_and_redis() {
    erasure_forgets_the_enumeration_counters(&Api::on_postgres_and_redis(&[]).await).await;
}
