//! The rest of the public API (issue 6, point 5): memories, the
//! conversation, the person's number, usage and costs, integrations, and the
//! administrators' numbers, costs and plans. Over HTTP against a whole stack,
//! in embedded mode and on PostgreSQL and Redis (`--ignored`). SMS come in
//! through the signed Twilio webhook, as a person's texts would.

use std::time::Duration;

use crate::helpers::api::*;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

async fn memories_conversation_number_usage(api: &Api) {
    let ada_phone = "+15145550111";
    let ada = api.verified_person("ada@example.com", ada_phone).await;
    let ada_token = s(&ada, "access_token");
    let bob = api.verified_person("bob@example.com", "+15145550122").await;
    let bob_token = s(&bob, "access_token");
    let eve = api.sign_up("eve@example.com").await;
    let eve_token = s(&eve, "access_token");

    // Nothing without a token.
    for path in [
        "/v1/memories",
        "/v1/conversations/messages",
        "/v1/me/number",
        "/v1/me/usage",
        "/v1/integrations",
    ] {
        let (status, body) = api.call("GET", path, None, None).await;
        assert_error(status, &body, 401, "unauthenticated", "");
    }

    // The person's Nudge number (sms-router); none before a verified phone.
    let (status, number) = api.call("GET", "/v1/me/number", Some(&ada_token), None).await;
    assert_eq!(status, StatusCode::OK, "{number}");
    let ada_number = s(&number, "nudge_number");
    assert!(ada_number.starts_with('+'), "{number}");
    assert_eq!(number["opted_out"], json!(false));
    assert!(!number.to_string().contains(ada_phone), "never the person's phone");
    let (status, body) = api.call("GET", "/v1/me/number", Some(&eve_token), None).await;
    assert_error(status, &body, 404, "not_found", "");

    // Ada texts Nudge: the conversation shows her message and the reply, newest first.
    api.text_from(ada_phone, &ada_number, "remember my sister is Léa").await;
    let page = eventually(
        "the message and its reply",
        Duration::from_secs(15),
        || async {
            api.call("GET", "/v1/conversations/messages", Some(&ada_token), None)
                .await
                .1
        },
        |page| page["items"].as_array().is_some_and(|i| i.len() >= 2),
    )
    .await;
    let messages = items(&page);
    assert_eq!(messages.len(), 2, "{page}");
    assert_eq!(messages[0]["direction"], json!("out"));
    assert_eq!(messages[1]["direction"], json!("in"));
    assert_eq!(messages[1]["text"], json!("remember my sister is Léa"));
    assert_eq!(messages[1]["intent"], json!("remember"));
    assert_eq!(page["next_cursor"], Value::Null);
    // Pages of one.
    let (_, first) = api
        .call("GET", "/v1/conversations/messages?limit=1", Some(&ada_token), None)
        .await;
    assert_eq!(items(&first).len(), 1);
    assert_eq!(items(&first)[0]["id"], messages[0]["id"]);
    let cursor = s(&first, "next_cursor");
    let (_, second) = api
        .call(
            "GET",
            &format!("/v1/conversations/messages?limit=1&cursor={cursor}"),
            Some(&ada_token),
            None,
        )
        .await;
    assert_eq!(items(&second)[0]["id"], messages[1]["id"]);
    assert_eq!(second["next_cursor"], Value::Null);
    // Bob sees none of it, not even through Ada's cursor.
    let (status, bobs) = api
        .call("GET", "/v1/conversations/messages", Some(&bob_token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&bobs).is_empty(), "{bobs}");
    let (status, body) = api
        .call(
            "GET",
            &format!("/v1/conversations/messages?cursor={cursor}"),
            Some(&bob_token),
            None,
        )
        .await;
    // Well formed, but naming nothing in Bob's list: not found (issue 13, finding 12).
    assert_error(status, &body, 404, "not_found", "cursor");
    let (status, body) = api
        .call("GET", "/v1/conversations/messages?limit=0", Some(&ada_token), None)
        .await;
    assert_error(status, &body, 400, "invalid_argument", "limit");

    // Memories: the one texted, decrypted for Ada.
    let (status, page) = api.call("GET", "/v1/memories", Some(&ada_token), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let memories = items(&page);
    assert_eq!(memories.len(), 1, "{page}");
    assert!(s(&memories[0], "text").contains("sister is Léa"), "{page}");
    // Remembered through the API: new, then the same fact again.
    let (status, cat) = api
        .call(
            "POST",
            "/v1/memories",
            Some(&ada_token),
            Some(json!({"text": "my cat is Tom"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cat}");
    assert_eq!(cat["outcome"], json!("new"));
    let cat_id = s(&cat["memory"], "id");
    let (status, again) = api
        .call(
            "POST",
            "/v1/memories",
            Some(&ada_token),
            Some(json!({"text": "My cat is Tom"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["outcome"], json!("again"));
    assert_eq!(again["memory"]["id"], json!(cat_id));
    assert_eq!(again["memory"]["mentions"], json!(2));
    // An idempotency key seen before answers the same memory, with no new mention.
    let (status, tea) = api
        .call_with(
            "POST",
            "/v1/memories",
            Some(&ada_token),
            Some(json!({"text": "I like green tea"})),
            Some("tea-1"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tea}");
    let (_, tea_again) = api
        .call_with(
            "POST",
            "/v1/memories",
            Some(&ada_token),
            Some(json!({"text": "I like green tea"})),
            Some("tea-1"),
        )
        .await;
    assert_eq!(tea_again["memory"]["id"], tea["memory"]["id"]);
    assert_eq!(tea_again["memory"]["mentions"], json!(1));
    for bad in [
        json!({"text": "  "}),
        json!({"text": "x".repeat(501)}),
        json!({"fact": "x"}),
    ] {
        let (status, body) = api.call("POST", "/v1/memories", Some(&ada_token), Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let (_, page) = api.call("GET", "/v1/memories?limit=2", Some(&ada_token), None).await;
    assert_eq!(items(&page).len(), 2);
    assert_eq!(items(&page)[0]["text"], json!("I like green tea"), "newest first");
    let cursor = s(&page, "next_cursor");
    let (_, rest) = api
        .call(
            "GET",
            &format!("/v1/memories?limit=2&cursor={cursor}"),
            Some(&ada_token),
            None,
        )
        .await;
    assert_eq!(items(&rest).len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);

    // Owner only: Bob gets 404 for Ada's memory, reading or forgetting it.
    let (status, memory) = api
        .call("GET", &format!("/v1/memories/{cat_id}"), Some(&ada_token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{memory}");
    assert_eq!(memory["text"], json!("my cat is Tom"));
    for method in ["GET", "DELETE"] {
        let (status, body) = api
            .call(method, &format!("/v1/memories/{cat_id}"), Some(&bob_token), None)
            .await;
        assert_error(status, &body, 404, "not_found", "memory");
        assert!(!body.to_string().contains("Tom"));
    }
    let (_, bobs) = api.call("GET", "/v1/memories", Some(&bob_token), None).await;
    assert!(items(&bobs).is_empty(), "{bobs}");
    let (status, body) = api.call("GET", "/v1/memories/not-an-id", Some(&ada_token), None).await;
    assert_error(status, &body, 404, "not_found", "memory");
    // Forgetting is for good.
    let (status, _) = api
        .call("DELETE", &format!("/v1/memories/{cat_id}"), Some(&ada_token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for method in ["GET", "DELETE"] {
        let (status, body) = api
            .call(method, &format!("/v1/memories/{cat_id}"), Some(&ada_token), None)
            .await;
        assert_error(status, &body, 404, "not_found", "memory");
    }
    let (_, page) = api.call("GET", "/v1/memories", Some(&ada_token), None).await;
    assert_eq!(items(&page).len(), 2);

    // Usage and costs of the month: SMS from sms-router, models from the agent.
    let (status, body) = api
        .call("GET", "/v1/me/usage?month=2026-13", Some(&ada_token), None)
        .await;
    assert_error(status, &body, 400, "invalid_argument", "month");
    let (status, body) = api.call("GET", "/v1/me/usage?day=1", Some(&ada_token), None).await;
    assert_error(status, &body, 400, "invalid_argument", "day");
    let (status, usage) = api
        .call(
            "GET",
            &format!("/v1/me/usage?month={}", this_month()),
            Some(&ada_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert_eq!(usage["month"], json!(this_month()));
    assert_eq!(usage["sms"]["messages_in"], json!(1), "{usage}");
    assert_eq!(usage["sms"]["segments_in"], json!(1), "{usage}");
    assert!(usage["sms"]["currency"].is_string());
    assert_eq!(usage["model"]["requests"], json!(0), "the local engine answered");
    assert_eq!(usage["model"]["plan"], json!("user"));
    assert_eq!(usage["model"]["budget_micros"], json!(500_000));
    let (_, bob_usage) = api.call("GET", "/v1/me/usage", Some(&bob_token), None).await;
    assert_eq!(bob_usage["sms"]["messages_in"], json!(0), "{bob_usage}");
    let (_, old) = api
        .call("GET", "/v1/me/usage?month=2020-01", Some(&ada_token), None)
        .await;
    assert_eq!(old["sms"]["total_cost_micros"], json!(0), "{old}");

    // Integrations: known, none can be connected in this version.
    let (status, page) = api.call("GET", "/v1/integrations", Some(&ada_token), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let known = items(&page);
    assert_eq!(known.len(), 4);
    assert!(
        known
            .iter()
            .all(|i| i["available"] == json!(false) && i["state"] == json!("not_available"))
    );
    assert!(known.iter().any(|i| i["name"] == json!("google_calendar")));
    let (_, first) = api
        .call("GET", "/v1/integrations?limit=3", Some(&ada_token), None)
        .await;
    assert_eq!(items(&first).len(), 3);
    let cursor = s(&first, "next_cursor");
    let (_, rest) = api
        .call(
            "GET",
            &format!("/v1/integrations?cursor={cursor}"),
            Some(&ada_token),
            None,
        )
        .await;
    assert_eq!(items(&rest).len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memories_conversation_number_usage_embedded() {
    let api = Api::embedded(&[]).await;
    memories_conversation_number_usage(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn memories_conversation_number_usage_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    memories_conversation_number_usage(&api).await;
}

/// Issue 13, finding 7: an `Idempotency-Key` belongs to the person who sent
/// it. Another person's key neither fails (503 on memories, "already used"
/// on reminders and tasks, which told that someone held it) nor reaches
/// their data; one's own key sent again, even with another body, keeps its
/// first answer.
async fn idempotency_keys_are_per_person(api: &Api) {
    let ada = api.verified_person("ada@example.com", "+15145550111").await;
    let ada_token = s(&ada, "access_token");
    let bob = api.verified_person("bob@example.com", "+15145550122").await;
    let bob_token = s(&bob, "access_token");
    let due = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let cases = [
        (
            "/v1/memories",
            json!({"text": "I like green tea"}),
            json!({"text": "I like black coffee"}),
            json!({"text": "I like water"}),
        ),
        (
            "/v1/reminders",
            json!({"text": "call the dentist", "due_at": due}),
            json!({"text": "water the plants", "due_at": due}),
            json!({"text": "something else", "due_at": due}),
        ),
        (
            "/v1/tasks",
            json!({"text": "buy milk"}),
            json!({"text": "buy bread"}),
            json!({"text": "buy cheese"}),
        ),
    ];
    // The text of a created resource, wherever the answer keeps it.
    let text = |body: &Value| body.get("memory").unwrap_or(body)["text"].clone();
    let id = |body: &Value| body.get("memory").unwrap_or(body)["id"].clone();
    for (path, ada_body, bob_body, other_body) in cases {
        let (status, first) = api
            .call_with(
                "POST",
                path,
                Some(&ada_token),
                Some(ada_body.clone()),
                Some("shared-key-1"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {first}");
        let (status, bobs) = api
            .call_with(
                "POST",
                path,
                Some(&bob_token),
                Some(bob_body.clone()),
                Some("shared-key-1"),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{path}: another person's key is not in the way: {bobs}"
        );
        assert_eq!(text(&bobs), bob_body["text"], "{path}");
        // Bob's own key again, with another body: his first answer, nothing new
        // (reminders and tasks say 200; a memory repeats its first answer).
        let (status, again) = api
            .call_with("POST", path, Some(&bob_token), Some(other_body), Some("shared-key-1"))
            .await;
        let replayed = if path == "/v1/memories" {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, replayed, "{path}: {again}");
        assert_eq!(text(&again), bob_body["text"], "{path}");
        assert_eq!(id(&again), id(&bobs), "{path}");
        // Ada's key still answers Ada's resource.
        let (status, hers) = api
            .call_with(
                "POST",
                path,
                Some(&ada_token),
                Some(ada_body.clone()),
                Some("shared-key-1"),
            )
            .await;
        assert_eq!(status, replayed, "{path}: {hers}");
        assert_eq!(id(&hers), id(&first), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_are_per_person_embedded() {
    let api = Api::embedded(&[]).await;
    idempotency_keys_are_per_person(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn idempotency_keys_are_per_person_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    idempotency_keys_are_per_person(&api).await;
}

/// An administrator's session opened with MFA (the first administrator is
/// made in the database, as in production).
async fn administrator(api: &Api, email: &str) -> (Value, String) {
    let signed_up = api.sign_up(email).await;
    let token = s(&signed_up, "access_token");
    let (status, setup) = api
        .call(
            "POST",
            "/v1/me/mfa/totp",
            Some(&token),
            Some(json!({"current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let secret = s(&setup, "secret");
    let into = chrono::Utc::now().timestamp().rem_euclid(30);
    if into > 20 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(31 - into).unwrap_or(10))).await;
    }
    let (status, confirmed) = api
        .call(
            "POST",
            "/v1/me/mfa/totp/confirm",
            Some(&token),
            Some(json!({"code": otp_at(&secret, 0)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let db = api.db();
    let mut conn = db.conn().await.expect("conn");
    use nudge_store::diesel_async::RunQueryDsl as _;
    let sql = format!(
        "UPDATE api_accounts SET role = 'admin' WHERE id = '{}'",
        s(&signed_up, "user_id")
    );
    nudge_store::with_conn!(&mut conn, c => nudge_store::diesel::sql_query(sql.clone()).execute(c).await)
        .expect("update");
    let with_mfa = api.login(email, Some(otp_at(&secret, 1))).await;
    (signed_up, s(&with_mfa, "access_token"))
}

async fn administrators_numbers_costs_and_plans(api: &Api) {
    let bob_phone = "+15145550122";
    let bob = api.verified_person("bob@example.com", bob_phone).await;
    let bob_id = s(&bob, "user_id");
    let bob_token = s(&bob, "access_token");
    let (ada, ada_mfa) = administrator(api, "ada@example.com").await;
    let ada_id = s(&ada, "user_id");
    let ada_plain = s(&ada, "access_token");

    // Refused to people, and to an administrator without MFA.
    for path in ["/v1/admin/numbers", "/v1/admin/costs"] {
        let (status, body) = api.call("GET", path, Some(&bob_token), None).await;
        assert_error(status, &body, 403, "permission_denied", "administrators only");
        let (status, body) = api.call("GET", path, Some(&ada_plain), None).await;
        assert_error(status, &body, 403, "permission_denied", "MFA");
        let (status, body) = api.call("GET", path, None, None).await;
        assert_error(status, &body, 401, "unauthenticated", "");
    }

    // Numbers, by person id, without personal phones.
    let (status, numbers) = api.call("GET", "/v1/admin/numbers", Some(&ada_mfa), None).await;
    assert_eq!(status, StatusCode::OK, "{numbers}");
    let listed = items(&numbers);
    assert_eq!(listed.len(), 1, "{numbers}");
    assert_eq!(listed[0]["user_id"], json!(bob_id));
    assert!(s(&listed[0], "nudge_number").starts_with('+'));
    assert!(!numbers.to_string().contains(bob_phone), "no personal phone");

    // Costs: every person of the page, with their SMS and model usage.
    let (status, body) = api
        .call("GET", "/v1/admin/costs?month=november", Some(&ada_mfa), None)
        .await;
    assert_error(status, &body, 400, "invalid_argument", "month");
    let (status, costs) = api
        .call(
            "GET",
            &format!("/v1/admin/costs?month={}", this_month()),
            Some(&ada_mfa),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{costs}");
    assert_eq!(costs["month"], json!(this_month()));
    let people = costs["items"].as_array().expect("items");
    assert_eq!(people.len(), 2, "{costs}");
    let bobs = people.iter().find(|p| p["user_id"] == json!(bob_id)).expect("bob");
    assert!(bobs["sms"]["total_cost_micros"].is_i64(), "{bobs}");
    assert_eq!(bobs["model"]["plan"], json!("user"));
    assert!(!costs.to_string().contains("@example.com"), "no emails");
    let (_, first) = api.call("GET", "/v1/admin/costs?limit=1", Some(&ada_mfa), None).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
    assert!(first["next_cursor"].is_string(), "{first}");

    // Plans: premium applies the premium model budget at once.
    let (status, _) = api
        .call(
            "PUT",
            &format!("/v1/admin/people/{bob_id}/role"),
            Some(&ada_mfa),
            Some(json!({"role": "premium"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let bob_again = s(&api.login("bob@example.com", None).await, "access_token");
    let (_, usage) = api.call("GET", "/v1/me/usage", Some(&bob_again), None).await;
    assert_eq!(usage["model"]["plan"], json!("premium"), "{usage}");
    assert_eq!(usage["model"]["budget_micros"], json!(5_000_000));
    let (status, _) = api
        .call(
            "PUT",
            &format!("/v1/admin/people/{bob_id}/role"),
            Some(&ada_mfa),
            Some(json!({"role": "user"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let bob_again = s(&api.login("bob@example.com", None).await, "access_token");
    let (_, usage) = api.call("GET", "/v1/me/usage", Some(&bob_again), None).await;
    assert_eq!(usage["model"]["plan"], json!("user"), "{usage}");

    // Every administrator read is audited, with the administrator as actor.
    let db = api.db();
    let mut conn = db.conn().await.expect("conn");
    use nudge_store::diesel::{ExpressionMethods as _, QueryDsl as _};
    use nudge_store::diesel_async::RunQueryDsl as _;
    use nudge_store::schema::api_audit_events as events;
    let audited: Vec<(String, Option<String>)> = nudge_store::with_conn!(&mut conn, c => events::table
        .filter(events::actor_id.eq(&ada_id))
        .select((events::kind, events::detail))
        .load(c)
        .await)
    .expect("audit");
    let reads = |what: &str| {
        audited
            .iter()
            .filter(|(kind, detail)| kind == "admin_read" && detail.as_deref() == Some(what))
            .count()
    };
    assert_eq!(reads("numbers"), 1, "{audited:?}");
    assert_eq!(reads("costs"), 2, "{audited:?}");
    let refused: i64 = nudge_store::with_conn!(&mut conn, c => events::table
        .filter(events::actor_id.eq(&bob_id))
        .filter(events::kind.eq("admin_read"))
        .count()
        .get_result(c)
        .await)
    .expect("audit");
    assert_eq!(refused, 0, "a refused call reads nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_numbers_costs_and_plans_embedded() {
    let api = Api::embedded(&[]).await;
    administrators_numbers_costs_and_plans(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn administrators_numbers_costs_and_plans_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    administrators_numbers_costs_and_plans(&api).await;
}

async fn changing_the_phone(api: &Api) {
    let old_phone = "+15145550111";
    let new_phone = "+15145550133";
    let ada = api.verified_person("ada@example.com", old_phone).await;
    let ada_token = s(&ada, "access_token");
    let other_session = s(&api.login("ada@example.com", None).await, "access_token");
    let bob = api.verified_person("bob@example.com", "+15145550122").await;
    let bob_token = s(&bob, "access_token");
    let eve = api.sign_up("eve@example.com").await;
    let change = |phone: &str, password: &str| json!({"phone": phone, "current_password": password});

    // Re-authentication first; a verified phone first.
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&ada_token),
            Some(change(new_phone, "nope nope")),
        )
        .await;
    assert_error(status, &body, 403, "permission_denied", "current_password");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&ada_token),
            Some(json!({"phone": new_phone})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&s(&eve, "access_token")),
            Some(change(new_phone, PASSWORD)),
        )
        .await;
    assert_error(status, &body, 409, "failed_precondition", "phone");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&ada_token),
            Some(change(old_phone, PASSWORD)),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "phone");

    // The code goes to the new phone, from Ada's Nudge number.
    let (_, number) = api.call("GET", "/v1/me/number", Some(&ada_token), None).await;
    let ada_number = s(&number, "nudge_number");
    let seen = outbox(api.stack.ports.sms_router).await.len();
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&ada_token),
            Some(change(new_phone, PASSWORD)),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = api.last_code(seen).await;
    let sent = outbox(api.stack.ports.sms_router).await;
    let last = sent.last().expect("the code");
    assert_eq!((last.to.as_str(), last.from.as_str()), (new_phone, ada_number.as_str()));
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change/confirm",
            Some(&ada_token),
            Some(json!({"code": if code == "000000" { "111111" } else { "000000" }})),
        )
        .await;
    assert_error(status, &body, 400, "invalid_argument", "code");
    let (status, me) = api
        .call(
            "POST",
            "/v1/me/phone/change/confirm",
            Some(&ada_token),
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["phone"], json!(new_phone));
    assert_eq!(me["phone_verified"], json!(true));
    // Every other session is revoked; this one goes on.
    assert_eq!(
        api.call("GET", "/v1/me", Some(&other_session), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // sms-router now takes Ada's SMS from the new phone only.
    api.text_from(new_phone, &ada_number, "remember my bike is blue").await;
    api.text_from(old_phone, &ada_number, "remember my car is red").await;
    let page = eventually(
        "the new phone's message and its reply",
        Duration::from_secs(15),
        || async {
            api.call("GET", "/v1/conversations/messages", Some(&ada_token), None)
                .await
                .1
        },
        |page| page["items"].as_array().is_some_and(|i| i.len() >= 2),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts: Vec<Value> = items(&page).iter().map(|m| m["text"].clone()).collect();
    assert!(texts.contains(&json!("remember my bike is blue")), "{page}");
    assert!(!page.to_string().contains("car is red"), "{page}");

    // Bob cannot take Ada's phone.
    let seen = outbox(api.stack.ports.sms_router).await.len();
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&bob_token),
            Some(change(new_phone, PASSWORD)),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = api.last_code(seen).await;
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change/confirm",
            Some(&bob_token),
            Some(json!({"code": code})),
        )
        .await;
    assert_error(status, &body, 409, "already_exists", "phone");
    let (_, bob_me) = api.call("GET", "/v1/me", Some(&bob_token), None).await;
    assert_eq!(bob_me["phone"], json!("+15145550122"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_phone_embedded() {
    let api = Api::embedded(&[]).await;
    changing_the_phone(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn changing_the_phone_on_postgres_and_redis() {
    let api = Api::on_postgres_and_redis(&[]).await;
    changing_the_phone(&api).await;
}
