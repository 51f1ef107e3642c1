//! The first reminder, end to end, in distributed mode: `nudge migrate`, then
//! the four services as four processes on this machine's PostgreSQL,
//! RabbitMQ and Redis, with the fake Twilio in place of Twilio (it also sends
//! signed delivery-status callbacks back to sms-router).

use std::time::Duration;

use crate::helpers::fleet::{ACCOUNT_SID, AUTH_TOKEN, Fleet};
use crate::helpers::*;
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use nudge::webhook::WebhookSender;
use nudge_core::Language;
use nudge_fake_twilio::{FakeMessage, FakeTwilio};

fn replies_to_phone(fake: &FakeTwilio) -> Vec<FakeMessage> {
    fake.messages()
        .into_iter()
        .filter(|m| m.to == PHONE && m.from == NUDGE_NUMBER)
        .collect()
}

async fn wait_for_sms(fake: &FakeTwilio, count: usize, timeout: Duration) -> Vec<FakeMessage> {
    eventually(
        "SMS at Twilio",
        timeout,
        || async { replies_to_phone(fake) },
        |m| m.len() >= count,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL, RabbitMQ and Redis"]
async fn the_slice_across_four_processes_on_postgres_rabbitmq_and_redis() {
    nudge_telemetry::init_for_tests();
    // Quicker than a fleet's scheduler, and the default catch-up window: the
    // reminders are "in 4 seconds".
    let fleet = Fleet::start(
        nudge_binary(),
        1,
        &[
            ("NUDGE__SCHEDULER__POLL_INTERVAL_MS", "100"),
            ("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "900"),
        ],
    )
    .await;
    let (fake, database) = (&fleet.fake, &fleet.database);
    let sms_router = fleet.deployment.http_ports[3];
    let sender = WebhookSender::new(
        &format!("http://127.0.0.1:{sms_router}"),
        &format!("http://127.0.0.1:{sms_router}"),
        ACCOUNT_SID,
        AUTH_TOKEN.into(),
    );
    // The api provisions the demo person in the background: ask for help until Nudge knows them.
    let mut sids = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while replies_to_phone(fake).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the demo person was not provisioned within 30 s"
        );
        sids.push(text(&sender, "help").await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Let answers to any help still in flight arrive before counting them.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let helps = replies_to_phone(fake).len();
    assert!(helps >= 1);
    assert!(
        replies_to_phone(fake)[0].body.starts_with("I'm Nudge."),
        "{:?}",
        replies_to_phone(fake)[0].body
    );

    // English, then French, a second apart so their order is known.
    let before = Utc::now();
    let english = text(&sender, "remind me in 4 seconds to drink water").await;
    wait_for_sms(fake, helps + 1, Duration::from_secs(10)).await;
    let french_sent_at = Utc::now();
    let french = text(&sender, "rappelle-moi dans 4 secondes de boire de l'eau").await;
    let after = Utc::now();
    let confirmations = wait_for_sms(fake, helps + 2, Duration::from_secs(10)).await;
    let clock = |language| {
        let mut times: Vec<String> = (0..=((after - before).num_seconds() + 5))
            .map(|s| montreal_clock(before + TimeDelta::seconds(s), language))
            .collect();
        times.dedup();
        times
    };
    let en = &confirmations[helps].body;
    assert!(
        clock(Language::En)
            .iter()
            .any(|t| *en == format!("Got it. I'll remind you at {t}: drink water.")),
        "{en}"
    );
    let fr = &confirmations[helps + 1].body;
    assert!(
        clock(Language::Fr)
            .iter()
            .any(|t| *fr == format!("C'est noté. Je te le rappelle à {t} : boire de l'eau.")),
        "{fr}"
    );

    // Twilio retries both webhooks: nothing new.
    resend(&sender, &english, "remind me in 4 seconds to drink water").await;
    resend(&sender, &french, "rappelle-moi dans 4 secondes de boire de l'eau").await;

    let all = wait_for_sms(fake, helps + 4, Duration::from_secs(20)).await;
    // Times are read to the second, so both may fall due in the same second, in either order.
    let reminder = |body: &str| all[helps + 2..].iter().find(|sms| sms.body == body).cloned();
    let english_reminder = reminder("Reminder: drink water. Reply DONE when it's done.").expect("English reminder");
    let french_reminder = reminder("Rappel : boire de l'eau. Réponds FAIT quand c'est fait.").expect("French reminder");
    // Measured from each webhook: "in 4 seconds" said at 10:00:07.6 is 10:00:11,
    // and the number's pace (1 SMS/s) may hold a reminder a second or two.
    for (sent_at, reminder) in [(before, &english_reminder), (french_sent_at, &french_reminder)] {
        let delay = reminder.date_created - sent_at;
        assert!(
            delay >= TimeDelta::seconds(3) && delay <= TimeDelta::seconds(8),
            "the reminder went out {delay} after it was asked for, not about 4 s"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        replies_to_phone(fake).len(),
        helps + 4,
        "no second reply and no second reminder"
    );

    // "fait" acknowledges the reminder sent last, "done" the other one (their
    // due times may share a second, so either may count as the last).
    let fait = text(&sender, "fait").await;
    let all = wait_for_sms(fake, helps + 5, Duration::from_secs(10)).await;
    let first = all[helps + 4]
        .body
        .strip_prefix("Bravo ! C'est noté comme fait : ")
        .expect("a French acknowledgement");
    let other = match first {
        "boire de l'eau." => "drink water",
        "drink water." => "boire de l'eau",
        unexpected => panic!("acknowledged {unexpected:?}"),
    };
    let done = text(&sender, "done").await;
    let all = wait_for_sms(fake, helps + 6, Duration::from_secs(10)).await;
    assert_eq!(all[helps + 5].body, format!("Nice work! Marked as done: {other}."));

    // The dev outbox does not exist in distributed mode.
    let outbox = reqwest::get(format!("http://127.0.0.1:{sms_router}/dev/outbox"))
        .await
        .expect("get");
    assert_eq!(outbox.status(), 404);

    // In PostgreSQL: one inbound row per MessageSid, and Twilio's delivery
    // callbacks (signed by the fake) moved every SMS to "delivered".
    let mut conn = AsyncPgConnection::establish(&database.url).await.expect("connect");
    use nudge_store::schema::{sms_inbound, sms_outbound};
    let stored: Vec<String> = sms_inbound::table
        .select(sms_inbound::message_sid)
        .load(&mut conn)
        .await
        .expect("sids");
    let unique: std::collections::HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "one row per MessageSid, retries included");
    for sid in [&english, &french, &fait, &done] {
        assert!(unique.contains(sid), "{sid} stored");
    }
    // Helps sent before the number was assigned were for an unknown number:
    // not stored. Each stored one got exactly one answer.
    let stored_helps = sids.iter().filter(|sid| unique.contains(sid)).count();
    assert_eq!(stored_helps, helps);
    assert_eq!(stored.len(), helps + 4);
    let statuses = eventually(
        "delivery callbacks",
        Duration::from_secs(10),
        || async {
            let mut conn = AsyncPgConnection::establish(&database.url).await.expect("connect");
            sms_outbound::table
                .select(sms_outbound::status)
                .load::<String>(&mut conn)
                .await
                .expect("statuses")
        },
        |statuses| statuses.iter().all(|s| s == "delivered"),
    )
    .await;
    assert_eq!(statuses.len(), helps + 6);

    // SIGTERM: each service finishes its work and exits cleanly, nothing
    // dead-lettered.
    fleet.stop().await;
}
