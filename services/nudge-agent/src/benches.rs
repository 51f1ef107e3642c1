//! Benchmarks of the local engine and of recall (ignored; run in release):
//! `cargo test -p nudge-agent --release --lib benches -- --ignored --nocapture --test-threads 1`.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
use std::time::{Duration, Instant};

use chrono::TimeZone as _;
use nudge_core::Language;

use crate::engine::{Context, understand};

const MESSAGES: &[&str] = &[
    "remind me in 20 minutes to stretch",
    "rappelle-moi demain à 8h de prendre mes médicaments",
    "done",
    "c'est fait",
    "snooze 20",
    "plus tard",
    "list",
    "mes rappels",
    "cancel 2",
    "add buy milk",
    "ajoute appeler le garage demain à 10h",
    "tasks",
    "done 1",
    "remember my sister is Léa",
    "what do you know about me?",
    "qu'est-ce que tu sais sur moi",
    "forget my sister",
    "timezone Europe/Paris",
    "every weekday at 9am stand-up",
    "blue elephants dance",
];

#[test]
#[ignore = "benchmark: run in release with --nocapture"]
fn local_engine_throughput_on_one_core() {
    let now = chrono_tz::Europe::Paris
        .with_ymd_and_hms(2026, 3, 4, 10, 0, 0)
        .single()
        .expect("valid");
    let context = Context {
        now,
        language: Language::En,
        last_listing: None,
    };
    let mut read = 0usize;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        for message in MESSAGES {
            std::hint::black_box(understand(std::hint::black_box(message), &context));
            read += 1;
        }
    }
    let rate = read as f64 / started.elapsed().as_secs_f64();
    println!("local engine: {rate:.0} messages per second on one thread ({read} messages)");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --nocapture"]
async fn recall_over_ten_thousand_memories() {
    use std::time::Duration;

    let database = nudge_testkit::TestDatabase::sqlite();
    let mut settings = nudge_config::Settings::default();
    settings.database.url = database.url.clone();
    let db = nudge_store::Db::connect(&settings.database).expect("db");
    db.migrate().await.expect("migrate");
    let keys =
        nudge_secure::KeyRing::new("k1", [("k1".to_owned(), nudge_secure::KeyRing::generate_key())]).expect("keys");
    let channel = nudge_runtime::grpc_channel("http://127.0.0.1:9", Duration::from_secs(1)).expect("channel");
    let core = crate::Core {
        db: db.clone(),
        keys: keys.clone(),
        workers: nudge_proto::workers::reminder_service_client::ReminderServiceClient::new(channel.clone()),
        sms: nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient::new(channel),
        chain: crate::llm::Chain::new(&settings.agent).expect("chain"),
    };
    let user = "0190a000-0000-7000-8000-000000000001";
    let subjects = [
        "sister",
        "brother",
        "dentist",
        "doctor",
        "friend",
        "boss",
        "cat",
        "neighbour",
    ];
    let mut conn = db.conn().await.expect("conn");
    for i in 0..10_000 {
        let fact = format!(
            "my {} number {i} likes {} and lives in town {}",
            subjects[i % subjects.len()],
            ["tea", "coffee", "chess", "running", "jazz"][i % 5],
            i % 97
        );
        let body = keys.encrypt_str(&fact, crate::memory::MEMORY_BODY);
        let terms = crate::memory::term_hashes(&keys, user, &fact);
        let memory = crate::memory::NewMemory {
            body: &body,
            terms: &terms,
            terms_key: keys.active_key_id().as_str(),
        };
        crate::memory::insert(&mut conn, user, memory, &format!("bench:{i}"), None, nudge_store::now())
            .await
            .expect("insert");
    }
    drop(conn);
    let mut times = Vec::new();
    for i in 0..100 {
        let query = format!("who is my {} who likes jazz", subjects[i % subjects.len()]);
        let started = Instant::now();
        let found = core.search_memories(user, &query, 5).await.expect("recall");
        times.push(started.elapsed());
        assert_eq!(found.len(), 5);
    }
    times.sort();
    println!(
        "recall over 10,000 memories of one person (SQLite, term index + decrypt the shown): p50 {:?} p95 {:?} max {:?}",
        times[50], times[95], times[99]
    );
}
