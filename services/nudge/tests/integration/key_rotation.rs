//! Issue 13: key rotation, end to end in embedded mode. A new active key is
//! added with the old one kept; at start-up each service re-wraps its
//! person keys under the new key, and the api indexes emails and phones
//! again under it; the old key then leaves the ring and a person's
//! memories, tasks, reminders and messages still open, and their email
//! still logs in.
//!
//! The store side (both backends, concurrent replicas) is
//! `nudge-store`'s `person_keys::` tests.

use std::path::Path;
use std::time::Duration;

use crate::helpers::*;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use nudge::embedded::Stack;
use nudge_secure::{KeyRing, SecretString};
use tokio_util::sync::CancellationToken;

/// Every service's person-key table.
const TABLES: [&str; 4] = [
    "agent_person_keys",
    "sms_person_keys",
    "workers_person_keys",
    "api_person_keys",
];

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = diesel::sql_types::Text)]
    index: String,
}

/// The blind indexes of the api's emails and phones.
async fn identifier_indexes(data: &Path) -> Vec<String> {
    let settings = dev_settings(data, embedded_environment());
    let db = nudge_store::Db::connect(&settings.database).expect("db");
    let mut conn = db.conn().await.expect("connection");
    let sql = "SELECT email_index AS \"index\" FROM api_accounts UNION ALL SELECT phone_index FROM users";
    let rows: Vec<Index> =
        nudge_store::with_conn!(&mut conn, c => diesel::sql_query(sql).load(c).await).expect("indexes");
    rows.into_iter().map(|row| row.index).collect()
}

#[derive(QueryableByName)]
struct Wrapped {
    #[diesel(sql_type = diesel::sql_types::Binary)]
    wrapped_key: Vec<u8>,
}

/// A stack on `data`, and a webhook sender for it.
async fn start(data: &Path) -> (Stack, nudge::webhook::WebhookSender) {
    let stack = Stack::start(dev_settings(data, embedded_environment()), CancellationToken::new())
        .await
        .expect("stack starts");
    let sender = sender(&stack.settings, stack.ports.sms_router);
    (stack, sender)
}

/// Texts `body` and returns the reply (the `seen`-th SMS of this stack's outbox).
async fn say(stack: &Stack, sender: &nudge::webhook::WebhookSender, seen: &mut usize, body: &str) -> String {
    text(sender, body).await;
    *seen += 1;
    let expected = *seen;
    let port = stack.ports.sms_router;
    let all = eventually(body, Duration::from_secs(15), || outbox(port), |o| o.len() >= expected).await;
    all[expected - 1].body.clone()
}

/// Rewrites the data directory's `secrets.toml` with `keys` (id, base64),
/// `active` encrypting; the Twilio token is kept.
fn write_keys(data: &Path, keys: &[(&str, &str)], active: &str) {
    let path = data.join("secrets.toml");
    let old = std::fs::read_to_string(&path).expect("secrets.toml");
    let token = old
        .lines()
        .find(|line| line.starts_with("auth_token"))
        .expect("the Twilio token");
    let keys: String = keys.iter().map(|(id, key)| format!("{id} = \"{key}\"\n")).collect();
    let content = format!("[crypto]\nactive_key = \"{active}\"\n\n[crypto.keys]\n{keys}\n[twilio]\n{token}\n");
    std::fs::write(&path, content).expect("write secrets.toml");
}

/// The key `id` of the data directory's `secrets.toml` (base64).
fn key_of(data: &Path, id: &str) -> String {
    let secrets = std::fs::read_to_string(data.join("secrets.toml")).expect("secrets.toml");
    secrets
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{id} = \"")))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("the key")
        .to_owned()
}

/// How many person keys each table holds, and how many of them are wrapped
/// by another key than `ring`'s active one.
async fn person_keys(data: &Path, ring: &KeyRing) -> Vec<(&'static str, usize, usize)> {
    let settings = dev_settings(data, embedded_environment());
    let db = nudge_store::Db::connect(&settings.database).expect("db");
    let mut conn = db.conn().await.expect("connection");
    let mut counts = Vec::new();
    for table in TABLES {
        let sql = format!("SELECT wrapped_key FROM {table}");
        let rows: Vec<Wrapped> =
            nudge_store::with_conn!(&mut conn, c => diesel::sql_query(&sql).load(c).await).expect("person keys");
        let stale = rows.iter().filter(|row| ring.needs_rotation(&row.wrapped_key)).count();
        counts.push((table, rows.len(), stale));
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_rewraps_person_keys_at_start_up_and_the_old_key_can_go() {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");

    // Under the first key: a memory, a task, a reminder, their replies.
    let (stack, sender) = start(&data).await;
    let mut seen = 0;
    say(&stack, &sender, &mut seen, "remember my sister is Léa").await;
    say(&stack, &sender, &mut seen, "add buy milk").await;
    say(&stack, &sender, &mut seen, "remind me in 2 hours to call the pharmacy").await;
    api::Client::new(stack.ports.api).sign_up("ada@example.com").await;
    stack.stop().await.expect("clean stop");
    let indexes = identifier_indexes(&data).await;
    assert_eq!(indexes.len(), 2, "Ada's email, the demo person's phone: {indexes:?}");
    assert!(indexes.iter().all(|i| i.starts_with("dev1:")), "{indexes:?}");

    // Rotation: a new active key, the old one kept to unwrap.
    let old = key_of(&data, "dev1");
    let new = KeyRing::generate_key();
    let new = new.expose_secret().to_owned();
    write_keys(&data, &[("dev1", &old), ("dev2", &new)], "dev2");
    let ring = KeyRing::new(
        "dev2",
        [
            ("dev1".to_owned(), SecretString::from(old.clone())),
            ("dev2".to_owned(), SecretString::from(new.clone())),
        ],
    )
    .expect("ring");
    let before = person_keys(&data, &ring).await;
    for table in ["agent_person_keys", "sms_person_keys", "workers_person_keys"] {
        assert!(
            before
                .iter()
                .any(|(t, rows, stale)| *t == table && *rows > 0 && rows == stale),
            "{table}: keys under the old key before the restart: {before:?}"
        );
    }

    let (stack, _) = start(&data).await;
    let after = eventually(
        "every person key re-wrapped under the new key",
        Duration::from_secs(15),
        || person_keys(&data, &ring),
        |counts| counts.iter().all(|(_, _, stale)| *stale == 0),
    )
    .await;
    assert_eq!(
        after.iter().map(|(_, rows, _)| rows).sum::<usize>(),
        before.iter().map(|(_, rows, _)| rows).sum::<usize>(),
        "the same keys, re-wrapped: {before:?} then {after:?}"
    );
    eventually(
        "every email and phone indexed under the new key",
        Duration::from_secs(15),
        || identifier_indexes(&data),
        |indexes| indexes.len() == 2 && indexes.iter().all(|i| i.starts_with("dev2:")),
    )
    .await;
    stack.stop().await.expect("clean stop");

    // The old key leaves the ring: everything still opens.
    write_keys(&data, &[("dev2", &new)], "dev2");
    let (stack, sender) = start(&data).await;
    let mut seen = 0;
    let memories = say(&stack, &sender, &mut seen, "what do you know about me").await;
    assert!(memories.contains("Léa"), "{memories}");
    let tasks = say(&stack, &sender, &mut seen, "tasks").await;
    assert!(tasks.contains("buy milk"), "{tasks}");
    let reminders = say(&stack, &sender, &mut seen, "reminders").await;
    assert!(reminders.contains("call the pharmacy"), "{reminders}");
    api::Client::new(stack.ports.api).login("ada@example.com", None).await;
    stack.stop().await.expect("clean stop");
}
