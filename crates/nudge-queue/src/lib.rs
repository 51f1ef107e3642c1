//! Durable work queues: RabbitMQ in distributed mode, an in-process queue in
//! embedded mode, with the same behaviour:
//!
//! - publishing returns once the broker has confirmed the message (publisher
//!   confirms; messages are persistent and queues durable);
//! - a consumer acknowledges a message only after its handler succeeded;
//! - a failed handler's message is delivered again after a growing delay, up
//!   to `queue.max_attempts` deliveries, then parked in the queue's
//!   dead-letter queue (`<name>.dead`) for an operator to inspect; a handler
//!   that reports a dependency unavailable is first run again in place for
//!   up to [`UNAVAILABLE_HOLD`], so a short database outage costs no attempt;
//! - any message may be delivered more than once, so handlers are idempotent.
//!
//! The in-process queue keeps messages in memory only. Embedded mode relies on
//! the database for durability: a publisher records its work in a table
//! first, and re-publishes whatever was not confirmed done (the scheduler's
//! leases, sms-router's outbound sweep).

mod amqp;
mod memory;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use nudge_config::QueueSettings;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue.url is not a memory:// or amqp:// URL")]
    UnsupportedUrl,
    #[error("cannot reach the message broker: {0}")]
    Broker(String),
    #[error("the broker refused the message (negative confirm)")]
    Nacked,
    #[error("the queue is shut down")]
    Closed,
}

impl From<lapin::Error> for QueueError {
    fn from(error: lapin::Error) -> Self {
        QueueError::Broker(error.to_string())
    }
}

/// A message as a handler sees it.
#[derive(Debug, Clone)]
pub struct Message {
    pub payload: Vec<u8>,
    /// 1 for the first delivery, 2 for the first retry ...
    pub attempt: u32,
    /// The W3C `traceparent` of the publisher, when there was one.
    pub traceparent: Option<String>,
}

/// Why a handler did not finish its work.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct HandlerError {
    pub reason: String,
    /// `false` when trying again cannot help (a malformed payload): the
    /// message goes straight to the dead-letter queue.
    pub retryable: bool,
    /// A dependency (a database, another service) is away: the consumer
    /// keeps the message and runs the handler again (see [`UNAVAILABLE_HOLD`])
    /// before counting a failed attempt, so an outage of a few seconds does
    /// not use up the message's attempts and dead-letter it.
    pub unavailable: bool,
}

impl HandlerError {
    pub fn retry(reason: impl Into<String>) -> Self {
        HandlerError {
            reason: reason.into(),
            retryable: true,
            unavailable: false,
        }
    }

    /// A dependency is unreachable: worth trying again soon, in place.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        HandlerError {
            reason: reason.into(),
            retryable: true,
            unavailable: true,
        }
    }

    pub fn reject(reason: impl Into<String>) -> Self {
        HandlerError {
            reason: reason.into(),
            retryable: false,
            unavailable: false,
        }
    }
}

/// How long a consumer holds a message whose handler reports a dependency
/// unavailable, running it again with a growing pause (0.25 s up to 2 s),
/// before the failure counts as an attempt.
pub const UNAVAILABLE_HOLD: Duration = Duration::from_secs(30);

/// Runs `handler` on `message`; while it reports a dependency unavailable,
/// runs it again, for at most `hold`.
async fn run_handler(handler: &Handler, message: &Message, hold: Duration) -> Result<(), HandlerError> {
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    let mut held = false;
    loop {
        let outcome = handler(message.clone()).await;
        match &outcome {
            Err(error) if error.unavailable && started.elapsed() + pause < hold => {
                if !held {
                    tracing::info!(error = %error.reason, "a dependency is unavailable; holding the message");
                    held = true;
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            _ => return outcome,
        }
    }
}

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send>>;
pub type Handler = Arc<dyn Fn(Message) -> HandlerFuture + Send + Sync>;

/// What the consumer does with a message once its handler returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disposition {
    Ack,
    /// Deliver again after this delay, as attempt `next_attempt`.
    Retry {
        delay: Duration,
        next_attempt: u32,
    },
    Dead,
}

#[derive(Debug, Clone)]
struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
}

impl RetryPolicy {
    fn from_settings(settings: &QueueSettings) -> Self {
        RetryPolicy {
            max_attempts: settings.max_attempts,
            base_delay: Duration::from_millis(settings.retry_delay_ms),
        }
    }

    /// Delay before delivery `attempt + 1`: base, 2 x base, 4 x base ...
    fn delay_after(&self, attempt: u32) -> Duration {
        self.base_delay.saturating_mul(1 << attempt.saturating_sub(1).min(16))
    }

    fn disposition(&self, attempt: u32, outcome: &Result<(), HandlerError>, queue: &str) -> Disposition {
        match outcome {
            Ok(()) => Disposition::Ack,
            Err(error) => {
                let dead = !error.retryable || attempt >= self.max_attempts;
                tracing::warn!(queue, attempt, dead, error = %error.reason, "message handler failed");
                metrics::counter!("nudge_queue_handler_failures_total", "queue" => queue.to_owned()).increment(1);
                if dead {
                    metrics::counter!("nudge_queue_dead_lettered_total", "queue" => queue.to_owned()).increment(1);
                    Disposition::Dead
                } else {
                    Disposition::Retry {
                        delay: self.delay_after(attempt),
                        next_attempt: attempt + 1,
                    }
                }
            }
        }
    }
}

/// A connection to the queueing system.
#[derive(Clone)]
pub enum Queue {
    Memory(memory::MemoryQueue),
    Amqp(amqp::AmqpQueue),
}

impl Queue {
    /// Connects (RabbitMQ) or creates (in-process) the queueing system.
    pub async fn connect(settings: &QueueSettings) -> Result<Queue, QueueError> {
        let policy = RetryPolicy::from_settings(settings);
        if settings.url.starts_with("memory://") {
            Ok(Queue::Memory(memory::MemoryQueue::new(&settings.prefix, policy)))
        } else if settings.url.starts_with("amqp://") || settings.url.starts_with("amqps://") {
            Ok(Queue::Amqp(
                amqp::AmqpQueue::connect(&settings.url, &settings.prefix, settings.prefetch, policy).await?,
            ))
        } else {
            Err(QueueError::UnsupportedUrl)
        }
    }

    /// Publishes `payload` to the queue `name` and waits for the broker's confirmation.
    pub async fn publish(&self, name: &str, payload: &[u8], traceparent: Option<&str>) -> Result<(), QueueError> {
        let result = match self {
            Queue::Memory(queue) => queue.publish(name, payload.to_vec(), traceparent, 1),
            Queue::Amqp(queue) => queue.publish(name, payload, traceparent).await,
        };
        let outcome = if result.is_ok() { "confirmed" } else { "failed" };
        metrics::counter!("nudge_queue_published_total", "queue" => name.to_owned(), "outcome" => outcome).increment(1);
        result
    }

    /// Starts consuming `name`. The returned task runs until `shutdown` is
    /// cancelled, then finishes the messages in flight and returns.
    pub async fn consume(
        &self,
        name: &str,
        handler: Handler,
        shutdown: CancellationToken,
    ) -> Result<JoinHandle<()>, QueueError> {
        match self {
            Queue::Memory(queue) => Ok(queue.consume(name, handler, shutdown)),
            Queue::Amqp(queue) => queue.consume(name, handler, shutdown).await,
        }
    }

    /// Whether published messages survive this process. When they do not
    /// (in-process queue), whatever a previous run had queued is gone, and
    /// publishers re-publish their unfinished work at start-up.
    pub fn is_durable(&self) -> bool {
        matches!(self, Queue::Amqp(_))
    }

    /// Succeeds when the broker is reachable.
    pub async fn ping(&self) -> Result<(), QueueError> {
        match self {
            Queue::Memory(_) => Ok(()),
            Queue::Amqp(queue) => queue.ping().await,
        }
    }

    /// Messages waiting in `name` (not counting those being handled).
    pub async fn depth(&self, name: &str) -> Result<u64, QueueError> {
        match self {
            Queue::Memory(queue) => Ok(queue.depth(name)),
            Queue::Amqp(queue) => queue.depth(name).await,
        }
    }

    /// Removes the queue `name` with its retry and dead-letter queues, and
    /// every message in them. For tests and operators.
    pub async fn delete(&self, name: &str) -> Result<(), QueueError> {
        match self {
            Queue::Memory(_) => Ok(()),
            Queue::Amqp(queue) => queue.delete(name).await,
        }
    }

    /// Messages parked in the dead-letter queue of `name`.
    pub async fn dead_letters(&self, name: &str) -> Result<u64, QueueError> {
        match self {
            Queue::Memory(queue) => Ok(queue.dead_letters(name)),
            Queue::Amqp(queue) => queue.depth(&format!("{name}.dead")).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
        }
    }

    /// A handler that reports its dependency unavailable `failures` times, then succeeds.
    fn flaky(failures: usize, calls: Arc<std::sync::atomic::AtomicUsize>) -> Handler {
        Arc::new(move |_message: Message| {
            let calls = calls.clone();
            Box::pin(async move {
                let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if call < failures {
                    Err(HandlerError::unavailable("database away"))
                } else {
                    Ok(())
                }
            })
        })
    }

    fn message() -> Message {
        Message {
            payload: b"{}".to_vec(),
            attempt: 1,
            traceparent: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_unavailable_dependency_is_waited_for_in_place() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let outcome = run_handler(&flaky(3, calls.clone()), &message(), UNAVAILABLE_HOLD).await;
        assert!(outcome.is_ok(), "{outcome:?}");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_hold_the_failure_counts_as_an_attempt() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = tokio::time::Instant::now();
        let outcome = run_handler(&flaky(usize::MAX, calls.clone()), &message(), Duration::from_secs(5)).await;
        let error = outcome.expect_err("still unavailable");
        assert!(error.unavailable && error.retryable);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        // 0.25 + 0.5 + 1 + 2 s of pauses fit in 5 s; the next 2 s would not.
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 5);
        // An ordinary failure is not held.
        let plain: Handler = Arc::new(|_| Box::pin(async { Err(HandlerError::retry("bug")) }));
        let started = tokio::time::Instant::now();
        assert!(run_handler(&plain, &message(), UNAVAILABLE_HOLD).await.is_err());
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn retries_back_off_then_dead_letter() {
        let failed = Err(HandlerError::retry("down"));
        assert_eq!(
            policy().disposition(1, &failed, "q"),
            Disposition::Retry {
                delay: Duration::from_millis(100),
                next_attempt: 2
            }
        );
        assert_eq!(
            policy().disposition(2, &failed, "q"),
            Disposition::Retry {
                delay: Duration::from_millis(200),
                next_attempt: 3
            }
        );
        assert_eq!(policy().disposition(3, &failed, "q"), Disposition::Dead);
    }

    #[test]
    fn permanent_failures_skip_the_retries() {
        assert_eq!(
            policy().disposition(1, &Err(HandlerError::reject("bad payload")), "q"),
            Disposition::Dead
        );
        assert_eq!(policy().disposition(1, &Ok(()), "q"), Disposition::Ack);
    }
}
