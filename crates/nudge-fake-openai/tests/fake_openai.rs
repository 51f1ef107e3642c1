//! The fake speaks OpenAI's chat-completions format and fails on cue.

use std::time::Duration;

use nudge_fake_openai::{FakeOpenAi, Step};
use serde_json::{Value, json};

fn request() -> Value {
    json!({ "model": "m", "messages": [{ "role": "user", "content": "hello" }] })
}

async fn post(fake: &FakeOpenAi, body: &Value, key: Option<&str>) -> (u16, String) {
    post_to(fake, "chat/completions", body, key).await
}

async fn post_to(fake: &FakeOpenAi, path: &str, body: &Value, key: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut builder = client
        .post(format!("{}/{path}", fake.base_url()))
        .timeout(Duration::from_millis(300))
        .json(body);
    if let Some(key) = key {
        builder = builder.bearer_auth(key);
    }
    match builder.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.expect("body"))
        }
        Err(error) if error.is_timeout() => (0, "timeout".to_owned()),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn plays_the_script_in_order_with_usage() {
    let fake = FakeOpenAi::start(
        vec![
            Step::reply("hi"),
            Step::call("create_reminder", json!({ "text": "tea", "when": "in 5 minutes" })),
        ],
        Some("sk-test"),
    )
    .await
    .expect("start");
    let (status, body) = post(&fake, &request(), Some("sk-test")).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["choices"][0]["message"]["content"], "hi");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert!(body["usage"]["total_tokens"].as_u64().expect("usage") > 0);
    let (_, body) = post(&fake, &request(), Some("sk-test")).await;
    let body: Value = serde_json::from_str(&body).expect("json");
    let call = &body["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "create_reminder");
    let arguments: Value = serde_json::from_str(call["function"]["arguments"].as_str().expect("text")).expect("json");
    assert_eq!(arguments["text"], "tea");
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(fake.requests().len(), 2);
    // Exhausted: a server error, in OpenAI's error format.
    let (status, body) = post(&fake, &request(), Some("sk-test")).await;
    assert_eq!(status, 500);
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["error"]["type"], "server_error");
}

#[tokio::test]
async fn refuses_a_wrong_key_and_a_bad_request() {
    let fake = FakeOpenAi::start(vec![Step::reply("hi")], Some("sk-test"))
        .await
        .expect("start");
    let (status, body) = post(&fake, &request(), Some("sk-wrong")).await;
    assert_eq!(status, 401);
    assert!(body.contains("invalid_api_key"), "{body}");
    let (status, body) = post(&fake, &json!({ "model": "m" }), Some("sk-test")).await;
    assert_eq!(status, 400);
    assert!(body.contains("invalid_request_error"), "{body}");
    assert!(body.contains("'messages'"), "names the missing field: {body}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn fails_on_cue() {
    let fake = FakeOpenAi::start(
        vec![
            Step::Hang,
            Step::Error(500),
            Step::Error(429),
            Step::Malformed,
            Step::WrongShape,
            Step::Forever(Box::new(Step::call("list_reminders", json!({})))),
        ],
        None,
    )
    .await
    .expect("start");
    assert_eq!(post(&fake, &request(), None).await, (0, "timeout".to_owned()));
    assert_eq!(post(&fake, &request(), None).await.0, 500);
    let (status, body) = post(&fake, &request(), None).await;
    assert_eq!(status, 429);
    assert!(body.contains("rate_limit_exceeded"));
    let (status, body) = post(&fake, &request(), None).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&body).is_err());
    let (_, body) = post(&fake, &request(), None).await;
    assert_eq!(body, r#"{"hello":"world"}"#);
    for _ in 0..5 {
        let (status, body) = post(&fake, &request(), None).await;
        assert_eq!(status, 200);
        assert!(body.contains("list_reminders"));
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn embeds_in_openai_format_with_related_words_close() {
    let fake = FakeOpenAi::start(Vec::new(), Some("sk-test")).await.expect("start");
    let body = json!({
        "model": "text-embedding-3-small",
        "input": ["my sister is Léa", "who is my sibling?", "my dentist is Dr Martin"]
    });
    let (status, text) = post_to(&fake, "embeddings", &body, Some("sk-test")).await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["object"], "list");
    assert_eq!(answer["model"], "text-embedding-3-small");
    assert!(answer["usage"]["prompt_tokens"].as_u64().expect("usage") > 0);
    let vectors: Vec<Vec<f32>> = answer["data"]
        .as_array()
        .expect("data")
        .iter()
        .enumerate()
        .map(|(i, item)| {
            assert_eq!(item["object"], "embedding");
            assert_eq!(item["index"], i);
            serde_json::from_value(item["embedding"].clone()).expect("floats")
        })
        .collect();
    assert!(
        vectors
            .iter()
            .all(|v| v.len() == nudge_fake_openai::EMBEDDING_DIMENSIONS)
    );
    // "sister" and "sibling" are one concept; the dentist shares nothing.
    assert!(
        cosine(&vectors[0], &vectors[1]) > 0.7,
        "{}",
        cosine(&vectors[0], &vectors[1])
    );
    assert!(cosine(&vectors[2], &vectors[1]).abs() < 0.01);
    // Deterministic, and `dimensions` is honoured.
    assert_eq!(vectors[0], nudge_fake_openai::embedding("my sister is Léa", 64));
    let (_, text) = post_to(
        &fake,
        "embeddings",
        &json!({ "model": "m", "input": "tea", "dimensions": 8 }),
        Some("sk-test"),
    )
    .await;
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["data"][0]["embedding"].as_array().expect("vector").len(), 8);
    assert_eq!(fake.embedding_requests().len(), 2);
    assert_eq!(fake.calls(), 0, "no chat request");
}

#[tokio::test]
async fn embeddings_refuse_and_fail_on_cue() {
    let fake = FakeOpenAi::start(Vec::new(), Some("sk-test")).await.expect("start");
    let body = json!({ "model": "m", "input": "tea" });
    let (status, text) = post_to(&fake, "embeddings", &body, Some("sk-wrong")).await;
    assert_eq!(status, 401);
    assert!(text.contains("invalid_api_key"), "{text}");
    let (status, text) = post_to(&fake, "embeddings", &json!({ "model": "m" }), Some("sk-test")).await;
    assert_eq!(status, 400);
    assert!(text.contains("invalid_request_error"), "{text}");
    assert!(text.contains("'input'"), "names the missing field: {text}");
    let (status, _) = post_to(
        &fake,
        "embeddings",
        &json!({ "model": "m", "input": "" }),
        Some("sk-test"),
    )
    .await;
    assert_eq!(status, 400);
    fake.fail_embeddings(Some(Step::Error(429)));
    let (status, text) = post_to(&fake, "embeddings", &body, Some("sk-test")).await;
    assert_eq!(status, 429);
    assert!(text.contains("rate_limit_exceeded"), "{text}");
    fake.fail_embeddings(Some(Step::Hang));
    assert_eq!(
        post_to(&fake, "embeddings", &body, Some("sk-test")).await,
        (0, "timeout".to_owned())
    );
    fake.fail_embeddings(None);
    assert_eq!(post_to(&fake, "embeddings", &body, Some("sk-test")).await.0, 200);
}
