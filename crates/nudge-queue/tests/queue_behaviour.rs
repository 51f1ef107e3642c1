//! One behaviour, two implementations: the in-process queue and RabbitMQ.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nudge_config::QueueSettings;
use nudge_queue::{Handler, HandlerError, Message, Queue};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const QUEUE: &str = "work";

fn settings(url: &str) -> QueueSettings {
    QueueSettings {
        url: url.to_owned(),
        prefix: nudge_testkit::unique_name("nudge-test-"),
        max_attempts: 3,
        prefetch: 4,
        retry_delay_ms: 50,
    }
}

/// A handler that reports each delivery and fails according to `fail`.
fn recording(
    fail: impl Fn(&Message) -> Option<HandlerError> + Send + Sync + 'static,
) -> (Handler, mpsc::UnboundedReceiver<Message>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let fail = Arc::new(fail);
    let handler: Handler = Arc::new(move |message: Message| {
        let (tx, fail) = (tx.clone(), fail.clone());
        Box::pin(async move {
            let outcome = fail(&message);
            let _ = tx.send(message);
            outcome.map_or(Ok(()), Err)
        })
    });
    (handler, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Message>) -> Message {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a delivery within 10 s")
        .expect("handler alive")
}

async fn wait_for_dead_letters(queue: &Queue, expected: u64) {
    for _ in 0..100 {
        if queue.dead_letters(QUEUE).await.expect("dead letters") == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {expected} dead letters, found {}",
        queue.dead_letters(QUEUE).await.unwrap_or(0)
    );
}

async fn delivers_retries_and_dead_letters(url: &str) {
    let queue = Queue::connect(&settings(url)).await.expect("connect");
    queue.ping().await.expect("ping");
    let shutdown = CancellationToken::new();
    // "flaky" fails once, "poison" always, "bad" is rejected outright.
    let (handler, mut rx) = recording(|message| match (message.payload.as_slice(), message.attempt) {
        (b"flaky", 1) => Some(HandlerError::retry("first try fails")),
        (b"poison", _) => Some(HandlerError::retry("always fails")),
        (b"bad", _) => Some(HandlerError::reject("malformed")),
        _ => None,
    });
    let consumer = queue.consume(QUEUE, handler, shutdown.clone()).await.expect("consume");

    queue
        .publish(
            QUEUE,
            b"hello",
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        )
        .await
        .expect("publish");
    let hello = next(&mut rx).await;
    assert_eq!((hello.payload.as_slice(), hello.attempt), (&b"hello"[..], 1));
    assert_eq!(
        hello.traceparent.as_deref(),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    );

    queue.publish(QUEUE, b"flaky", None).await.expect("publish");
    assert_eq!(next(&mut rx).await.attempt, 1);
    let retried = next(&mut rx).await;
    assert_eq!((retried.payload.as_slice(), retried.attempt), (&b"flaky"[..], 2));

    queue.publish(QUEUE, b"poison", None).await.expect("publish");
    let attempts: Vec<u32> = [next(&mut rx).await, next(&mut rx).await, next(&mut rx).await]
        .iter()
        .map(|m| m.attempt)
        .collect();
    assert_eq!(attempts, vec![1, 2, 3], "three deliveries, then the dead-letter queue");
    wait_for_dead_letters(&queue, 1).await;

    queue.publish(QUEUE, b"bad", None).await.expect("publish");
    assert_eq!(next(&mut rx).await.attempt, 1);
    wait_for_dead_letters(&queue, 2).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.try_recv().is_err(), "no delivery after the dead-letter queue");

    shutdown.cancel();
    consumer.await.expect("consumer stops");
    queue.delete(QUEUE).await.expect("cleanup");
}

async fn shutdown_finishes_in_flight_work(url: &str) {
    let queue = Queue::connect(&settings(url)).await.expect("connect");
    let shutdown = CancellationToken::new();
    let finished = Arc::new(AtomicU32::new(0));
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let handler: Handler = {
        let finished = finished.clone();
        Arc::new(move |_message| {
            let (finished, started_tx) = (finished.clone(), started_tx.clone());
            Box::pin(async move {
                let _ = started_tx.send(());
                tokio::time::sleep(Duration::from_millis(300)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        })
    };
    let consumer = queue.consume(QUEUE, handler, shutdown.clone()).await.expect("consume");
    queue.publish(QUEUE, b"slow", None).await.expect("publish");
    tokio::time::timeout(Duration::from_secs(10), started_rx.recv())
        .await
        .expect("handler started");
    shutdown.cancel();
    consumer.await.expect("consumer stops");
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "the handler in flight completed before the consumer returned"
    );
    assert_eq!(
        queue.depth(QUEUE).await.expect("depth"),
        0,
        "and its message was acknowledged"
    );
    queue.delete(QUEUE).await.expect("cleanup");
}

#[tokio::test]
async fn memory_queue_delivers_retries_and_dead_letters() {
    delivers_retries_and_dead_letters("memory://").await;
}

#[tokio::test]
async fn memory_queue_shutdown_finishes_in_flight_work() {
    shutdown_finishes_in_flight_work("memory://").await;
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn rabbitmq_delivers_retries_and_dead_letters() {
    delivers_retries_and_dead_letters(&nudge_testkit::rabbitmq_url()).await;
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn rabbitmq_shutdown_finishes_in_flight_work() {
    shutdown_finishes_in_flight_work(&nudge_testkit::rabbitmq_url()).await;
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn rabbitmq_keeps_unconsumed_messages() {
    let settings = settings(&nudge_testkit::rabbitmq_url());
    let queue = Queue::connect(&settings).await.expect("connect");
    for i in 0..3_u8 {
        queue.publish(QUEUE, &[i], None).await.expect("publish");
    }
    // A second connection (another replica, or this one after a restart) sees them.
    let other = Queue::connect(&settings).await.expect("connect again");
    assert_eq!(other.depth(QUEUE).await.expect("depth"), 3);
    queue.delete(QUEUE).await.expect("cleanup");
}

#[tokio::test]
async fn unreachable_rabbitmq_is_an_error() {
    let settings = settings("amqp://guest:guest@127.0.0.1:1/%2f");
    assert!(Queue::connect(&settings).await.is_err());
}
