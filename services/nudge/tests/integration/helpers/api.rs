//! The api's test world, shared by `api_identity`, `api_data` and `gdpr`: an
//! embedded stack (on SQLite, or on PostgreSQL and Redis) with quick argon2
//! and generous rate limits, and the calls every api test makes.

use std::collections::HashMap;
use std::time::Duration;

use nudge::embedded::Stack;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{dev_settings, embedded_environment, eventually, outbox};

/// Every test person's password.
pub(crate) const PASSWORD: &str = "correct horse battery";

/// Quick argon2, generous rate limits, no demo person, no refresh grace.
pub(crate) const QUICK: &[(&str, &str)] = &[
    ("NUDGE__API__ARGON2_MEMORY_KIB", "1024"),
    ("NUDGE__API__ARGON2_ITERATIONS", "1"),
    ("NUDGE__API__ANONYMOUS_PER_MINUTE", "1000"),
    ("NUDGE__API__AUTHENTICATED_PER_MINUTE", "1000"),
    ("NUDGE__API__PREMIUM_PER_MINUTE", "1000"),
    ("NUDGE__DEMO__ENABLED", "false"),
    // A replayed refresh token is a reuse at once (the grace window for two
    // tabs is tested on its own).
    ("NUDGE__API__REFRESH_REUSE_GRACE_SECONDS", "0"),
];

/// Embedded, [`QUICK`], then on `database` (with Redis under a cache prefix
/// of its own) when given, then `overrides`.
pub(crate) fn api_environment(
    database: Option<&nudge_testkit::TestDatabase>,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut environment = embedded_environment();
    for (k, v) in QUICK {
        environment.insert((*k).to_owned(), (*v).to_owned());
    }
    if let Some(database) = database {
        environment.insert("NUDGE__DATABASE__URL".to_owned(), database.url.clone());
        environment.insert("NUDGE__CACHE__URL".to_owned(), nudge_testkit::redis_url());
        environment.insert("NUDGE__CACHE__PREFIX".to_owned(), nudge_testkit::unique_name("apitest"));
    }
    for (k, v) in overrides {
        environment.insert((*k).to_owned(), (*v).to_owned());
    }
    environment
}

/// An HTTP client of one api server.
pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
}

impl Client {
    pub(crate) fn new(port: u16) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// One request; the body as JSON (`Null` when empty, a string when not JSON).
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_with(method, path, token, body, None).await
    }

    /// [`Client::call`] with an `Idempotency-Key`.
    pub(crate) async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("api reachable");
        let status = response.status();
        let text = response.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// Signs up with [`PASSWORD`] (202, no tokens: the answer is the same
    /// for a taken email), then logs in; returns the tokens.
    pub(crate) async fn sign_up(&self, email: &str) -> Value {
        let (status, body) = self
            .call(
                "POST",
                "/v1/auth/signup",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        self.login(email, None).await
    }

    /// Logs in with [`PASSWORD`] and, when given, a TOTP code; returns the tokens.
    pub(crate) async fn login(&self, email: &str, otp: Option<String>) -> Value {
        let mut body = json!({"email": email, "password": PASSWORD});
        if let Some(otp) = otp {
            body["otp"] = json!(otp);
        }
        let (status, tokens) = self.call("POST", "/v1/auth/login", None, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        tokens
    }
}

/// An embedded stack with the api's test settings.
pub(crate) struct Api {
    pub(crate) stack: Stack,
    pub(crate) client: Client,
    _dir: tempfile::TempDir,
    _database: Option<nudge_testkit::TestDatabase>,
}

impl std::ops::Deref for Api {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Api {
    /// On SQLite.
    pub(crate) async fn embedded(overrides: &[(&str, &str)]) -> Api {
        Api::start(None, overrides).await
    }

    /// On a PostgreSQL database of its own, and Redis.
    pub(crate) async fn on_postgres_and_redis(overrides: &[(&str, &str)]) -> Api {
        Api::start(Some(nudge_testkit::TestDatabase::postgres().await), overrides).await
    }

    pub(crate) async fn start(database: Option<nudge_testkit::TestDatabase>, overrides: &[(&str, &str)]) -> Api {
        Api::start_in(tempfile::tempdir().expect("temp dir"), database, overrides).await
    }

    /// In the data directory `dir` (SQLite file, secrets).
    pub(crate) async fn start_in(
        dir: tempfile::TempDir,
        database: Option<nudge_testkit::TestDatabase>,
        overrides: &[(&str, &str)],
    ) -> Api {
        nudge_telemetry::init_for_tests();
        let settings = dev_settings(dir.path(), api_environment(database.as_ref(), overrides));
        let stack = Stack::start(settings, CancellationToken::new())
            .await
            .expect("stack starts");
        Api {
            client: Client::new(stack.ports.api),
            stack,
            _dir: dir,
            _database: database,
        }
    }

    /// The last six-digit code texted by Nudge (dev outbox), once there are
    /// more than `seen` SMS.
    pub(crate) async fn last_code(&self, seen: usize) -> String {
        let all = eventually(
            "a code by SMS",
            Duration::from_secs(10),
            || outbox(self.stack.ports.sms_router),
            |o| o.len() > seen,
        )
        .await;
        code_in(&all.last().expect("an SMS").body)
    }

    /// Signs up and verifies a phone; returns the tokens.
    pub(crate) async fn verified_person(&self, email: &str, phone: &str) -> Value {
        let tokens = self.sign_up(email).await;
        let token = s(&tokens, "access_token");
        let seen = outbox(self.stack.ports.sms_router).await.len();
        let (status, body) = self
            .call("POST", "/v1/me/phone", Some(&token), Some(json!({"phone": phone})))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let code = self.last_code(seen).await;
        let (status, me) = self
            .call("POST", "/v1/me/phone/verify", Some(&token), Some(json!({"code": code})))
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["phone_verified"], json!(true));
        assert_eq!(me["phone"], json!(phone));
        tokens
    }

    /// Texts `body` from `phone` to `nudge_number` through the signed webhook.
    pub(crate) async fn text_from(&self, phone: &str, nudge_number: &str, body: &str) {
        let sender = super::sender(&self.stack.settings, self.stack.ports.sms_router);
        let status = sender
            .send(&nudge::webhook::InboundSms {
                message_sid: &nudge::webhook::new_message_sid(),
                from: phone,
                to: nudge_number,
                body,
            })
            .await
            .expect("sms-router reachable");
        assert_eq!(status.as_u16(), 200);
    }

    /// Stops the stack and starts a new one on the same data directory and
    /// database, with a cache that starts empty (in process memory; or a
    /// new Redis prefix, as a Redis without persistence after a restart).
    pub(crate) async fn restart(self, overrides: &[(&str, &str)]) -> Api {
        let Api {
            stack, _dir, _database, ..
        } = self;
        stack.stop().await.expect("the stack stops");
        Api::start_in(_dir, _database, overrides).await
    }

    /// The data directory (`nudge dev --data-dir`).
    pub(crate) fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub(crate) fn db(&self) -> nudge_store::Db {
        nudge_store::Db::connect(&self.stack.settings.database).expect("db")
    }
}

/// The six-digit code in an SMS.
pub(crate) fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() == 6)
        .unwrap_or_else(|| panic!("no code in the SMS"))
        .to_owned()
}

/// A string field of a JSON object.
#[track_caller]
pub(crate) fn s(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .to_owned()
}

/// The items of a page.
#[track_caller]
pub(crate) fn items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("a page: {page}"))
}

/// The error envelope: status, code, and a message naming the problem.
#[track_caller]
pub(crate) fn assert_error(status: StatusCode, body: &Value, expected_status: u16, code: &str, message_has: &str) {
    assert_eq!(status.as_u16(), expected_status, "{body}");
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_has),
        "{message:?} should contain {message_has:?}"
    );
}

/// The TOTP code `offset_steps` 30-second steps from now.
pub(crate) fn otp_at(secret: &str, offset_steps: i64) -> String {
    let now = chrono::Utc::now().timestamp() + offset_steps * 30;
    nudge_api::tokens::totp_code(secret, u64::try_from(now).expect("after 1970")).expect("code")
}
