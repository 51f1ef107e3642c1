//! The reminder lifecycle in distributed mode: `nudge migrate`, then the
//! services as processes on this machine's PostgreSQL, RabbitMQ and Redis,
//! with the fake Twilio in place of Twilio. Also two workers replicas on one
//! database and queue: each occurrence is sent exactly once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::helpers::fleet::{Fleet, deployment, exactly_once, fake_twilio, percentile, stop};
use crate::helpers::process::{NudgeProcess, wait_ready};
use crate::helpers::reminders::*;
use crate::helpers::*;
use chrono::{DateTime, TimeDelta, Utc};
use nudge_fake_twilio::{FakeMessage, FakeTwilio};
use nudge_testkit::TestDatabase;

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
    NudgeProcess::run(nudge_binary(), "migrate", &["migrate"], env, dir.path());
    let services: Vec<NudgeProcess> = ["api", "agent", "workers", "sms-router"]
        .into_iter()
        .map(|service| NudgeProcess::spawn(nudge_binary(), service, &["serve", service], env, dir.path()))
        .collect();
    for port in deployment.http_ports {
        wait_ready(&format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await;
    }
    // The api is ready once it has provisioned the demo person (delivery zone,
    // then number, then agent), so its read-modify-write of their delivery
    // settings cannot undo the ones this test sets next.
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
    assert_between("first nag", sent[1].date_created - sent[0].date_created, 0, 3_000);
    assert_between("second nag", sent[2].date_created - sent[1].date_created, 0, 3_000);
    let database_settings = nudge_config::DatabaseSettings {
        url: database.url.clone(),
        ..nudge_config::DatabaseSettings::default()
    };
    let arrivals: Vec<_> = sent.iter().map(|sms| sms.date_created).collect();
    assert_nags_follow_their_sends(&database_settings, &stretch.id, &arrivals, 2_000).await;
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
                .filter(sms_numbers::nudge_number.eq(NUDGE_NUMBER))
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

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn two_workers_replicas_send_each_occurrence_exactly_once() {
    nudge_telemetry::init_for_tests();
    let fleet = Fleet::start(nudge_binary(), 2, &[]).await;
    let people = fleet.people(40).await;
    let phones: HashSet<String> = people.iter().map(|(_, phone)| phone.clone()).collect();

    // 200 reminders due within 6 s, created through both replicas. Each
    // person gets one every 1.2 s: sms-router paces each number (1 SMS/s).
    let start = Utc::now() + TimeDelta::seconds(4);
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut reminders = Vec::new();
    for i in 0..200_usize {
        let (user, _) = &people[i % people.len()];
        let round = (i / people.len()) as i64;
        let at = millis(start + TimeDelta::milliseconds(round * 1_200 + (i % people.len()) as i64 * 25));
        let text = format!("task number {i:03}");
        due.insert(text.clone(), at);
        reminders.push((user.clone(), text, at));
    }
    fleet.create_reminders(reminders, 32).await;

    eventually(
        "200 reminders at Twilio",
        Duration::from_secs(30),
        || async { fleet.reminders_sent(&phones, "task number").len() },
        |sent| *sent >= 200,
    )
    .await;
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Exactly one SMS per occurrence. How late they went out is reported,
    // not judged: `benches/reminders_lateness.rs` measures it.
    let lateness = exactly_once(&fleet.reminders_sent(&phones, "task number"), &due);
    let (p50, p99) = (percentile(&lateness, 0.5), percentile(&lateness, 0.99));
    eprintln!("lateness over 200 reminders and two replicas: p50 {p50} ms, p99 {p99} ms");
    assert!(lateness[0] >= -5, "none before its time: {lateness:?}");

    // Both replicas did part of the work.
    for port in &fleet.workers_ports {
        let metrics = Fleet::metrics(*port).await;
        assert!(
            counter(&metrics, "nudge_reminders_sent_total", "kind=\"due\"") > 0.0,
            "workers on {port} sent nothing"
        );
    }
    fleet.stop().await;
}
