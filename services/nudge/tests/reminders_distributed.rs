//! The reminder lifecycle in distributed mode: `nudge migrate`, then the
//! services as processes on this machine's PostgreSQL, RabbitMQ and Redis,
//! with the fake Twilio in place of Twilio. Also two workers replicas on one
//! database and queue: each occurrence is sent exactly once.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::process::{NudgeProcess, wait_ready};
use common::reminders::*;
use common::*;
use nudge_fake_twilio::{FakeMessage, FakeTwilio, FakeTwilioConfig};
use nudge_testkit::TestDatabase;

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "distributed-reminders-auth-token";

struct Deployment {
    environment: HashMap<String, String>,
    sms_grpc: u16,
    workers: u16,
    http_ports: [u16; 4],
}

/// The environment of a deployment on free ports (as in `distributed_slice.rs`).
fn deployment(database: &TestDatabase, fake: &FakeTwilio, prefix: &str) -> Deployment {
    let [api, agent, workers, sms_router, sms_grpc] = [free_port(), free_port(), free_port(), free_port(), free_port()];
    let key = nudge_secure::KeyRing::generate_key();
    let mut environment: HashMap<String, String> = [
        ("NUDGE__MODE", "distributed".to_owned()),
        ("NUDGE__DATABASE__URL", database.url.clone()),
        ("NUDGE__QUEUE__URL", nudge_testkit::rabbitmq_url()),
        ("NUDGE__QUEUE__PREFIX", prefix.to_owned()),
        ("NUDGE__QUEUE__RETRY_DELAY_MS", "200".to_owned()),
        ("NUDGE__CACHE__URL", nudge_testkit::redis_url()),
        ("NUDGE__CACHE__PREFIX", prefix.to_owned()),
        ("NUDGE__CRYPTO__ACTIVE_KEY", "k1".to_owned()),
        ("NUDGE__CRYPTO__KEYS__K1", key.expose_secret().to_owned()),
        ("NUDGE__TWILIO__ACCOUNT_SID", ACCOUNT_SID.to_owned()),
        ("NUDGE__TWILIO__AUTH_TOKEN", AUTH_TOKEN.to_owned()),
        ("NUDGE__TWILIO__API_BASE_URL", fake.base_url()),
        (
            "NUDGE__TWILIO__PUBLIC_BASE_URL",
            format!("http://127.0.0.1:{sms_router}"),
        ),
        ("NUDGE__DEMO__ENABLED", "true".to_owned()),
        ("NUDGE__SCHEDULER__POLL_INTERVAL_MS", "250".to_owned()),
        ("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "2".to_owned()),
        ("NUDGE__SMS__DISPATCH_INTERVAL_MS", "200".to_owned()),
        ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "10".to_owned()),
        ("NUDGE__TELEMETRY__FILTER", "info".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (service, port, url_port) in [
        ("API", api, api),
        ("AGENT", agent, agent),
        ("WORKERS", workers, workers),
        ("SMS_ROUTER", sms_router, sms_grpc),
    ] {
        environment.insert(format!("NUDGE__SERVICES__{service}__PORT"), port.to_string());
        environment.insert(
            format!("NUDGE__SERVICES__{service}__URL"),
            format!("http://127.0.0.1:{url_port}"),
        );
    }
    environment.insert(
        "NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT".to_owned(),
        sms_grpc.to_string(),
    );
    Deployment {
        environment,
        sms_grpc,
        workers,
        http_ports: [api, agent, workers, sms_router],
    }
}

async fn fake_twilio() -> FakeTwilio {
    FakeTwilio::start(
        FakeTwilioConfig {
            account_sid: ACCOUNT_SID.to_owned(),
            auth_token: AUTH_TOKEN.to_owned(),
            ..Default::default()
        },
        "127.0.0.1:0".parse().expect("address"),
    )
    .await
    .expect("fake Twilio")
}

fn about(fake: &FakeTwilio, text: &str) -> Vec<FakeMessage> {
    fake.messages()
        .into_iter()
        .filter(|m| m.to == PHONE && m.body.contains(text))
        .collect()
}

async fn wait_about(fake: &FakeTwilio, text: &str, count: usize, timeout: Duration) -> Vec<FakeMessage> {
    eventually(
        &format!("{count} SMS about {text:?} at Twilio"),
        timeout,
        || async { about(fake, text) },
        |m| m.len() >= count,
    )
    .await
}

async fn stop(mut services: Vec<NudgeProcess>, prefix: &str) {
    for service in &mut services {
        assert!(
            service.terminate(Duration::from_secs(15)),
            "a service did not stop cleanly on SIGTERM"
        );
    }
    let queue = nudge_queue::Queue::connect(&nudge_config::QueueSettings {
        url: nudge_testkit::rabbitmq_url(),
        prefix: prefix.to_owned(),
        ..Default::default()
    })
    .await
    .expect("queue");
    for name in ["reminders.due", "sms.outbound"] {
        assert_eq!(
            queue.dead_letters(name).await.expect("dead letters"),
            0,
            "{name}: nothing dead-lettered"
        );
        queue.delete(name).await.expect("cleanup");
    }
}

#[track_caller]
fn assert_between(what: &str, delay: TimeDelta, min_ms: i64, max_ms: i64) {
    assert!(
        delay >= TimeDelta::milliseconds(min_ms) && delay <= TimeDelta::milliseconds(max_ms),
        "{what}: {delay} is not within [{min_ms} ms, {max_ms} ms]"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn the_lifecycle_across_processes_on_postgres_rabbitmq_and_redis() {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::postgres().await;
    let fake = fake_twilio().await;
    let prefix = nudge_testkit::unique_name("nudge-test-");
    let deployment = deployment(&database, &fake, &prefix);
    let env = &deployment.environment;
    NudgeProcess::run("migrate", &["migrate"], env, dir.path());
    let services: Vec<NudgeProcess> = ["api", "agent", "workers", "sms-router"]
        .into_iter()
        .map(|service| NudgeProcess::spawn(service, &["serve", service], env, dir.path()))
        .collect();
    for port in deployment.http_ports {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
    }
    // The api provisions the demo person in the background: wait until
    // sms-router knows their number (texting "help" would queue paced replies).
    let user = demo_user_with_number(&database.url).await;
    let mut w = workers(deployment.workers).await;

    // Nagging up to the limit, then "done".
    set_delivery(&mut w, delivery(&user, 2, 2)).await;
    let due = millis(Utc::now() + TimeDelta::seconds(3));
    let stretch = create(&mut w, reminder(&user, "stretch the calves", due))
        .await
        .reminder
        .expect("reminder");
    let sent = wait_about(&fake, "stretch the calves", 3, Duration::from_secs(20)).await;
    assert_eq!(sent[0].body, english("stretch the calves"));
    assert_eq!(sent[1].body, english_nag("stretch the calves"));
    assert_eq!(sent[2].body, english_nag("stretch the calves"));
    assert_between("first send", sent[0].date_created - due, -5, 1_000);
    assert_between("first nag", sent[1].date_created - sent[0].date_created, 1_990, 3_000);
    assert_between("second nag", sent[2].date_created - sent[1].date_created, 1_990, 3_000);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(about(&fake, "stretch the calves").len(), 3, "the limit holds");
    let acknowledged = done(&mut w, &user, "done:stretch").await.expect("acknowledged");
    assert_eq!(
        (acknowledged.id.as_str(), acknowledged.status, acknowledged.nags_sent),
        (stretch.id.as_str(), i32::from(ReminderStatus::Done), 2)
    );

    // Snooze: sent again at `until`, one nag after it, none before.
    set_delivery(&mut w, delivery(&user, 2, 1)).await;
    let mom = create(&mut w, reminder(&user, "call mom", Utc::now() + TimeDelta::seconds(2)))
        .await
        .reminder
        .expect("reminder");
    wait_about(&fake, "call mom", 1, Duration::from_secs(10)).await;
    wait_until_sent(&w, &user, &mom.id).await;
    let until = millis(Utc::now() + TimeDelta::seconds(3));
    let snoozed = snooze(&mut w, &user, until, "snooze:mom").await.expect("snoozed");
    assert_eq!(instant(&snoozed.due_at), until);
    let sent = wait_about(&fake, "call mom", 3, Duration::from_secs(15)).await;
    assert_eq!(
        sent.iter().map(|m| m.body.clone()).collect::<Vec<_>>(),
        vec![english("call mom"), english("call mom"), english_nag("call mom")]
    );
    assert_between("snoozed send", sent[1].date_created - until, -5, 1_000);
    done(&mut w, &user, "done:mom").await.expect("acknowledged");

    // A recurring reminder: after its first send and "done", its next occurrence.
    let dtstart = millis(Utc::now() + TimeDelta::seconds(2));
    let mut request = reminder(&user, "drink water", dtstart);
    request.rrule = "FREQ=MINUTELY;INTERVAL=2".to_owned();
    let recurring = create(&mut w, request).await.reminder.expect("reminder");
    wait_about(&fake, "drink water", 1, Duration::from_secs(10)).await;
    wait_until_sent(&w, &user, &recurring.id).await;
    let acknowledged = done(&mut w, &user, "done:water").await.expect("acknowledged");
    assert_eq!(acknowledged.id, recurring.id);
    assert_eq!(acknowledged.status, i32::from(ReminderStatus::Scheduled));
    assert_eq!(instant(&acknowledged.due_at), dtstart + TimeDelta::minutes(2));

    // Missed while "down" (created already past the 2 s catch-up window), recorded as missed.
    let mut settings = delivery(&user, 0, 0);
    settings.missed_policy = MissedPolicy::RecordMissed.into();
    set_delivery(&mut w, settings).await;
    let past = create(&mut w, reminder(&user, "pay rent", Utc::now() - TimeDelta::seconds(30)))
        .await
        .reminder
        .expect("reminder");
    let missed = eventually(
        "recorded as missed",
        Duration::from_secs(10),
        || {
            let mut w = w.clone();
            let (user, id) = (user.clone(), past.id.clone());
            async move { get(&mut w, &user, &id).await }
        },
        |r| r.status == i32::from(ReminderStatus::Missed),
    )
    .await;
    assert_eq!(missed.id, past.id);
    assert!(about(&fake, "pay rent").is_empty());

    // List and cancel; another person's id is NOT_FOUND.
    let listed = w
        .list_reminders(ListRemindersRequest {
            user_id: user.clone(),
            include_finished: true,
        })
        .await
        .expect("list")
        .into_inner()
        .reminders;
    assert_eq!(listed.len(), 4);
    let (status, _) = code(
        w.cancel_reminder(CancelReminderRequest {
            user_id: random_user(),
            reminder_id: recurring.id.clone(),
        })
        .await,
    );
    assert_eq!(status, tonic::Code::NotFound);
    let cancelled = w
        .cancel_reminder(CancelReminderRequest {
            user_id: user.clone(),
            reminder_id: recurring.id.clone(),
        })
        .await
        .expect("cancel")
        .into_inner()
        .reminder
        .expect("reminder");
    assert_eq!(cancelled.status, i32::from(ReminderStatus::Cancelled));

    stop(services, &prefix).await;
    fake.shutdown().await;
}

/// The demo person's user id, once sms-router has assigned them their number.
async fn demo_user_with_number(url: &str) -> String {
    use diesel::prelude::*;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use nudge_store::schema::sms_numbers;
    eventually(
        "the demo person's number",
        Duration::from_secs(30),
        || async {
            let mut conn = AsyncPgConnection::establish(url).await.expect("connect");
            sms_numbers::table
                .filter(sms_numbers::phone.eq(PHONE))
                .select(sms_numbers::user_id)
                .first::<String>(&mut conn)
                .await
                .optional()
                .expect("query")
        },
        Option::is_some,
    )
    .await
    .expect("provisioned")
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn two_workers_replicas_send_each_occurrence_exactly_once() {
    nudge_telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::postgres().await;
    let fake = fake_twilio().await;
    let prefix = nudge_testkit::unique_name("nudge-test-");
    let deployment = deployment(&database, &fake, &prefix);
    let env = &deployment.environment;
    NudgeProcess::run("migrate", &["migrate"], env, dir.path());
    let second_workers = free_port();
    let mut second_env = env.clone();
    second_env.insert("NUDGE__SERVICES__WORKERS__PORT".to_owned(), second_workers.to_string());
    let mut services: Vec<NudgeProcess> = ["api", "agent", "workers", "sms-router"]
        .into_iter()
        .map(|service| NudgeProcess::spawn(service, &["serve", service], env, dir.path()))
        .collect();
    services.push(NudgeProcess::spawn(
        "workers-2",
        &["serve", "workers"],
        &second_env,
        dir.path(),
    ));
    for port in deployment.http_ports.into_iter().chain([second_workers]) {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
    }

    // Forty people, each with a Nudge number.
    let mut sms = sms_router(deployment.sms_grpc).await;
    let people: Vec<(String, String)> = (0..40)
        .map(|i| (random_user(), format!("+1514555{:04}", 2000 + i)))
        .collect();
    for (i, (user, phone)) in people.iter().enumerate() {
        sms.assign_number(AssignNumberRequest {
            user_id: user.clone(),
            phone: phone.clone(),
            nudge_number: format!("+1514556{:04}", 2000 + i),
        })
        .await
        .expect("number assigned");
    }

    // 200 reminders due within 6 s, created through both replicas. Each
    // person gets one every 1.2 s: sms-router paces each number (1 SMS/s).
    let replicas = [workers(deployment.workers).await, workers(second_workers).await];
    let start = Utc::now() + TimeDelta::seconds(4);
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut creating = tokio::task::JoinSet::new();
    for i in 0..200_usize {
        let (user, _) = &people[i % people.len()];
        let round = (i / people.len()) as i64;
        let at = millis(start + TimeDelta::milliseconds(round * 1_200 + (i % people.len()) as i64 * 25));
        let text = format!("task number {i:03}");
        due.insert(text.clone(), at);
        let mut client = replicas[i % 2].clone();
        let request = reminder(user, &text, at);
        creating.spawn(async move { create(&mut client, request).await });
    }
    while let Some(created) = creating.join_next().await {
        assert!(created.expect("created").created);
    }

    let phones: HashSet<&str> = people.iter().map(|(_, phone)| phone.as_str()).collect();
    let reminders_sent = || {
        fake.messages()
            .into_iter()
            .filter(|m| phones.contains(m.to.as_str()) && m.body.starts_with("Reminder: task number"))
            .collect::<Vec<_>>()
    };
    eventually(
        "200 reminders at Twilio",
        Duration::from_secs(30),
        || async { reminders_sent() },
        |m| m.len() >= 200,
    )
    .await;
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent = reminders_sent();
    let mut per_text: HashMap<String, usize> = HashMap::new();
    for message in &sent {
        *per_text.entry(message.body.clone()).or_default() += 1;
    }
    let twice: Vec<_> = per_text.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:#?}");
    assert_eq!(sent.len(), 200, "exactly one SMS per occurrence");
    assert_eq!(per_text.len(), 200);

    // How late they went out (the benchmark's measure, on a small scale).
    let mut lateness: Vec<i64> = sent
        .iter()
        .map(|m| {
            let text = m
                .body
                .trim_start_matches("Reminder: ")
                .trim_end_matches(". Reply DONE when it's done.");
            (m.date_created - due[text]).num_milliseconds()
        })
        .collect();
    lateness.sort_unstable();
    let (p50, p99) = (percentile(&lateness, 0.5), percentile(&lateness, 0.99));
    eprintln!("lateness over 200 reminders and two replicas: p50 {p50} ms, p99 {p99} ms");
    assert!(lateness[0] >= -5, "none before its time: {lateness:?}");
    assert!(p99 < 2_000, "p99 lateness {p99} ms");

    // Both replicas did part of the work.
    for port in [deployment.workers, second_workers] {
        let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        assert!(
            counter(&metrics, "nudge_reminders_sent_total", "kind=\"due\"") > 0.0,
            "workers on {port} sent nothing"
        );
    }
    stop(services, &prefix).await;
    fake.shutdown().await;
}
