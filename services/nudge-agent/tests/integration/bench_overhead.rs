//! Benchmarks over the real gRPC surface (ignored; run in release):
//! `cargo test -p nudge-agent --release --test integration bench_overhead -- --ignored --nocapture`.
//!
//! Agent overhead without model time: a message in over gRPC
//! (`HandleInbound`) to its reply out (`SendSms` on the fake sms-router),
//! with the fake provider answering at once, on SQLite.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use crate::helpers::{Backend, Harness, provider};
use nudge_fake_openai::{FakeOpenAi, Step};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn overhead_of_a_model_answer() {
    model_answer(None).await;
}

/// The same with an embedding model: each message is embedded too, to
/// recall the person's memories by meaning for the model's context.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn overhead_of_a_model_answer_with_embeddings() {
    model_answer(Some("text-embedding-3-small")).await;
}

async fn model_answer(embedding_model: Option<&str>) {
    let fake = FakeOpenAi::start(vec![Step::Forever(Box::new(Step::reply("Sure, done.")))], None)
        .await
        .expect("fake");
    let mut h = Harness::start_with(Backend::Sqlite, "en", |settings| {
        settings.agent.providers = vec![nudge_config::ProviderSettings {
            embedding_model: embedding_model.map(str::to_owned),
            ..provider("fake", &fake.base_url())
        }];
        settings.agent.budgets.insert("user".to_owned(), u64::MAX / 2);
    })
    .await;
    for _ in 0..50 {
        h.turn("hello there").await;
    }
    let mut times = Vec::new();
    for i in 0..500 {
        let started = Instant::now();
        let said = h.turn(&format!("how is it going {i}")).await;
        times.push(started.elapsed());
        assert_eq!(said.answered_by, "fake");
    }
    if embedding_model.is_some() {
        assert!(fake.embedding_requests().len() >= 500, "each message was embedded");
    }
    // The provider's own time, measured the same way against the fake alone.
    let client = reqwest::Client::new();
    let mut provider_times = Vec::new();
    for _ in 0..500 {
        let body = serde_json::json!({ "model": "m", "messages": [{ "role": "user", "content": "hi" }] });
        let started = Instant::now();
        client
            .post(format!("{}/chat/completions", fake.base_url()))
            .json(&body)
            .send()
            .await
            .expect("fake answers");
        provider_times.push(started.elapsed());
    }
    times.sort();
    provider_times.sort();
    println!(
        "model path{}, message in to reply out: p50 {:?} p99 {:?} max {:?} (n = {})",
        if embedding_model.is_some() {
            " with embeddings"
        } else {
            ""
        },
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        times.len()
    );
    println!(
        "one fake-provider round trip alone: p50 {:?} p99 {:?}",
        percentile(&provider_times, 0.5),
        percentile(&provider_times, 0.99)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn overhead_of_a_local_answer() {
    let mut h = Harness::start(Backend::Sqlite, "en").await;
    let mut times = Vec::new();
    for i in 0..500 {
        let started = Instant::now();
        h.turn(if i % 2 == 0 {
            "help"
        } else {
            "what do you know about me"
        })
        .await;
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "local engine path, message in to reply out: p50 {:?} p99 {:?} (n = {})",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len()
    );
}
