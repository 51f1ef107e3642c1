//! A RabbitMQ restart under load, the way the reminders scheduler and its
//! consumer use the queue: many publishes in flight, deliveries being handled
//! when the broker goes away. Once it is back, publishing and consuming carry
//! on by themselves and every confirmed message is handled.
//!
//! This binary holds this one test only: it restarts the machine's RabbitMQ,
//! which no other test may be using at the time (test binaries run one after
//! the other).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nudge_config::QueueSettings;
use nudge_queue::{Handler, Message, Queue};
use nudge_testkit::rabbitmq_node::{self, RestartGuard};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const QUEUE: &str = "due";
/// Publishes in flight at once, as the scheduler publishes a claimed batch.
const IN_FLIGHT: u64 = 64;
/// The most confirmed messages left unhandled before the publisher waits.
/// The handler takes 50 ms with 16 prefetched, about 300 messages a second:
/// an unbounded publisher outruns it by tens of thousands of messages on a
/// fast machine, and the drain, not the restart, would decide the outcome.
const MAX_BACKLOG: usize = 2_000;

type Ids = Arc<Mutex<HashSet<u64>>>;

fn count(ids: &Ids) -> usize {
    ids.lock().expect("ids").len()
}

/// Waits until `check` holds, at most `within`; panics naming `what` otherwise.
async fn eventually(what: &str, within: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Publishes fresh ids in rounds of [`IN_FLIGHT`] concurrent publishes until
/// `stop`; an id whose publish failed is published again in the next round,
/// at once: the harshest publisher, reconnecting as often as it can while the
/// broker stops and starts. It waits while more than [`MAX_BACKLOG`] confirmed
/// messages are still unhandled, as the scheduler's claim bounds its backlog.
async fn publish_until(queue: Queue, confirmed: Ids, consumed: Ids, stop: CancellationToken) {
    let mut next_id = 0u64;
    let mut failed: Vec<u64> = Vec::new();
    while !stop.is_cancelled() {
        if count(&confirmed).saturating_sub(count(&consumed)) > MAX_BACKLOG {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let mut round: Vec<u64> = std::mem::take(&mut failed);
        while (round.len() as u64) < IN_FLIGHT {
            round.push(next_id);
            next_id += 1;
        }
        let mut publishing = JoinSet::new();
        for id in round {
            let queue = queue.clone();
            publishing.spawn(async move { (id, queue.publish(QUEUE, &id.to_be_bytes(), None).await) });
        }
        while let Some(joined) = publishing.join_next().await {
            match joined.expect("publish task") {
                (id, Ok(())) => {
                    confirmed.lock().expect("confirmed").insert(id);
                }
                (id, Err(_)) => failed.push(id),
            }
        }
        if failed.is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs RabbitMQ, and restarts it (rabbitmqctl)"]
async fn publishing_and_consuming_resume_after_a_broker_restart() {
    nudge_telemetry::init_for_tests();
    let settings = QueueSettings {
        url: nudge_testkit::rabbitmq_url(),
        prefix: nudge_testkit::unique_name("nudge-restart-"),
        max_attempts: 5,
        prefetch: 16,
        retry_delay_ms: 200,
    };
    let queue = Queue::connect(&settings).await.expect("RabbitMQ reachable");
    let consumed: Ids = Arc::default();
    let handler: Handler = {
        let consumed = consumed.clone();
        Arc::new(move |message: Message| {
            let consumed = consumed.clone();
            Box::pin(async move {
                // Long enough that every prefetched delivery is being handled when the broker stops.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let id = u64::from_be_bytes(message.payload.as_slice().try_into().expect("an 8-byte id"));
                consumed.lock().expect("consumed").insert(id);
                Ok(())
            })
        })
    };
    let shutdown = CancellationToken::new();
    let consumer = queue
        .consume(QUEUE, handler, shutdown.clone())
        .await
        .expect("consumer started");
    let confirmed: Ids = Arc::default();
    let stop_publishing = CancellationToken::new();
    let publisher = tokio::spawn(publish_until(
        queue.clone(),
        confirmed.clone(),
        consumed.clone(),
        stop_publishing.clone(),
    ));

    eventually(
        "500 messages handled before the restart",
        Duration::from_secs(30),
        || count(&consumed) >= 500,
    )
    .await;
    let guard = RestartGuard;
    let stopped_at = Instant::now();
    assert!(rabbitmq_node::stop(), "rabbitmqctl shutdown failed");
    assert!(
        rabbitmq_node::start(Duration::from_secs(120)),
        "RabbitMQ did not start again"
    );
    let down_for = stopped_at.elapsed();
    drop(guard);
    let confirmed_at_restart = count(&confirmed);

    eventually(
        "2,000 more messages confirmed after the restart (publishing resumed)",
        Duration::from_secs(60),
        || count(&confirmed) >= confirmed_at_restart + 2_000,
    )
    .await;
    stop_publishing.cancel();
    publisher.await.expect("publisher");
    let all_confirmed = confirmed.lock().expect("confirmed").clone();
    let unhandled = || all_confirmed.difference(&consumed.lock().expect("consumed")).count();
    let deadline = Instant::now() + Duration::from_secs(60);
    while unhandled() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} of {} confirmed messages not handled within 60 s after the restart ({} handled, {} waiting in the queue)",
            unhandled(),
            all_confirmed.len(),
            count(&consumed),
            queue
                .depth(QUEUE)
                .await
                .map_or_else(|e| e.to_string(), |d| d.to_string())
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "RabbitMQ down for {down_for:?}; {} confirmed ({confirmed_at_restart} before it was back), all handled",
        all_confirmed.len()
    );
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(30), consumer)
        .await
        .expect("the consumer stops")
        .expect("consumer task");
    queue.delete(QUEUE).await.expect("queues deleted");
}
