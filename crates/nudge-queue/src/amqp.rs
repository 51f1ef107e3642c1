//! RabbitMQ through lapin.
//!
//! Topology for a queue `q` under prefix `p`:
//! - `p.q`: durable work queue; rejected messages dead-letter to `p.q.dead`;
//! - `p.q.dead`: durable dead-letter queue, for an operator to inspect;
//! - `p.q.retry.<ms>`: one durable delay queue per retry delay; messages wait
//!   there (`x-message-ttl`) and dead-letter back into `p.q`. The delay is in
//!   the name so changing the settings declares new queues instead of
//!   clashing with the old arguments.
//!
//! Every exchange with the broker is bounded by [`BROKER_TIMEOUT`]: lapin's
//! futures wait for the broker's answer without a limit of their own, and a
//! broker that stops or starts at the wrong moment may never answer. A bound
//! turns such a wait into an error its caller already knows how to retry (the
//! scheduler's next round, the consumer's reconnection), instead of a
//! publisher or a consumer stalled for good.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{Disposition, Handler, Message, QueueError, RetryPolicy};

const ATTEMPT_HEADER: &str = "x-attempt";
const TRACEPARENT_HEADER: &str = "traceparent";
/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;
/// The longest any one exchange with the broker may take (see the module docs).
const BROKER_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a consumer waiting for deliveries checks that its channel is alive.
const LIVENESS_CHECK: Duration = Duration::from_secs(2);

/// Runs `work`, an exchange with the broker, at most [`BROKER_TIMEOUT`].
async fn bounded<T>(what: &'static str, work: impl Future<Output = Result<T, QueueError>>) -> Result<T, QueueError> {
    match tokio::time::timeout(BROKER_TIMEOUT, work).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(operation = what, "no answer from the message broker in time");
            Err(QueueError::Broker(format!(
                "no answer within {} s ({what})",
                BROKER_TIMEOUT.as_secs()
            )))
        }
    }
}

#[derive(Clone)]
pub struct AmqpQueue {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    prefix: String,
    prefetch: u16,
    policy: RetryPolicy,
    link: tokio::sync::Mutex<Option<Link>>,
    declared: Mutex<HashSet<String>>,
}

/// The shared connection and the confirm-mode channel used for publishing.
struct Link {
    connection: Arc<Connection>,
    publish: Channel,
}

impl AmqpQueue {
    pub(crate) async fn connect(
        url: &str,
        prefix: &str,
        prefetch: u16,
        policy: RetryPolicy,
    ) -> Result<Self, QueueError> {
        let queue = AmqpQueue {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                prefix: prefix.to_owned(),
                prefetch: prefetch.max(1),
                policy,
                link: tokio::sync::Mutex::new(None),
                declared: Mutex::new(HashSet::new()),
            }),
        };
        queue.link().await?;
        Ok(queue)
    }

    fn full_name(&self, name: &str) -> String {
        format!("{}.{name}", self.inner.prefix)
    }

    /// The live connection and publish channel, reconnecting if they were lost.
    async fn link(&self) -> Result<(Arc<Connection>, Channel), QueueError> {
        let mut link = self.inner.link.lock().await;
        if let Some(current) = link.as_ref()
            && current.connection.status().connected()
            && current.publish.status().connected()
        {
            return Ok((current.connection.clone(), current.publish.clone()));
        }
        // Bounded while holding the lock: the other callers wait for this attempt.
        let (connection, publish) = bounded("connect", async {
            let connection = Arc::new(
                Connection::connect(
                    &self.inner.url,
                    ConnectionProperties::default().with_connection_name(self.inner.prefix.clone().into()),
                )
                .await?,
            );
            let publish = connection.create_channel().await?;
            publish.confirm_select(ConfirmSelectOptions::default()).await?;
            Ok((connection, publish))
        })
        .await?;
        self.inner
            .declared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        *link = Some(Link {
            connection: connection.clone(),
            publish: publish.clone(),
        });
        Ok((connection, publish))
    }

    fn retry_queue(&self, name: &str, delay: Duration) -> String {
        format!("{}.retry.{}ms", self.full_name(name), delay.as_millis())
    }

    /// Declares the work, dead-letter and retry queues of `name` (once per connection).
    async fn declare(&self, channel: &Channel, name: &str) -> Result<(), QueueError> {
        if self
            .inner
            .declared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(name)
        {
            return Ok(());
        }
        let main = self.full_name(name);
        let dead = format!("{main}.dead");
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(dead.as_str().into(), durable, FieldTable::default())
            .await?;
        channel
            .queue_declare(main.as_str().into(), durable, dead_letter_to(&dead, None))
            .await?;
        for attempt in 1..self.inner.policy.max_attempts {
            let delay = self.inner.policy.delay_after(attempt);
            let retry = self.retry_queue(name, delay);
            channel
                .queue_declare(retry.as_str().into(), durable, dead_letter_to(&main, Some(delay)))
                .await?;
        }
        self.inner
            .declared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned());
        Ok(())
    }

    pub(crate) async fn publish(
        &self,
        name: &str,
        payload: &[u8],
        traceparent: Option<&str>,
    ) -> Result<(), QueueError> {
        // The wait for the connection counts: callers queue behind a reconnection.
        bounded("publish", async {
            let (_, channel) = self.link().await?;
            self.declare(&channel, name).await?;
            publish_confirmed(&channel, &self.full_name(name), payload, 1, traceparent).await
        })
        .await
    }

    pub(crate) async fn ping(&self) -> Result<(), QueueError> {
        bounded("ping", self.link()).await.map(|_| ())
    }

    /// Messages ready in a queue (`name` without prefix, e.g. `reminders.due.dead`).
    pub(crate) async fn depth(&self, name: &str) -> Result<u64, QueueError> {
        bounded("depth", self.depth_unbounded(name)).await
    }

    async fn depth_unbounded(&self, name: &str) -> Result<u64, QueueError> {
        let (connection, publish) = self.link().await?;
        let base = name.strip_suffix(".dead").unwrap_or(name);
        self.declare(&publish, base).await?;
        // A passive declare of a missing queue closes its channel: use a throwaway one.
        let channel = connection.create_channel().await?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let queue = channel
            .queue_declare(self.full_name(name).as_str().into(), passive, FieldTable::default())
            .await?;
        let _ = channel.close(200, "done".into()).await;
        Ok(u64::from(queue.message_count()))
    }

    /// Deletes the work, dead-letter and retry queues of `name`.
    pub(crate) async fn delete(&self, name: &str) -> Result<(), QueueError> {
        bounded("delete", self.delete_unbounded(name)).await
    }

    async fn delete_unbounded(&self, name: &str) -> Result<(), QueueError> {
        let (connection, _) = self.link().await?;
        let channel = connection.create_channel().await?;
        let main = self.full_name(name);
        let mut names = vec![format!("{main}.dead"), main];
        names.extend(
            (1..self.inner.policy.max_attempts).map(|a| self.retry_queue(name, self.inner.policy.delay_after(a))),
        );
        for queue in names {
            channel
                .queue_delete(queue.as_str().into(), lapin::options::QueueDeleteOptions::default())
                .await?;
        }
        self.inner
            .declared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
        let _ = channel.close(200, "done".into()).await;
        Ok(())
    }

    pub(crate) async fn consume(
        &self,
        name: &str,
        handler: Handler,
        shutdown: CancellationToken,
    ) -> Result<JoinHandle<()>, QueueError> {
        // Fail fast if the broker is unreachable at start-up; later losses are retried.
        let first = bounded("start consuming", self.start_consumer(name)).await?;
        let queue = self.clone();
        let name = name.to_owned();
        Ok(tokio::spawn(async move {
            queue.run_consumer(name, handler, shutdown, first).await
        }))
    }

    async fn start_consumer(&self, name: &str) -> Result<(Channel, lapin::Consumer), QueueError> {
        let (connection, publish) = self.link().await?;
        self.declare(&publish, name).await?;
        let channel = connection.create_channel().await?;
        channel
            .basic_qos(self.inner.prefetch, BasicQosOptions::default())
            .await?;
        let consumer = channel
            .basic_consume(
                self.full_name(name).as_str().into(),
                ShortString::from(format!("{}-{}", self.inner.prefix, name)),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok((channel, consumer))
    }

    async fn run_consumer(
        self,
        name: String,
        handler: Handler,
        shutdown: CancellationToken,
        first: (Channel, lapin::Consumer),
    ) {
        let permits = Arc::new(Semaphore::new(usize::from(self.inner.prefetch)));
        let mut in_flight = JoinSet::new();
        // Channels stay open until their in-flight messages are acknowledged:
        // closing one hands its unacknowledged messages back to the broker.
        let mut channels: Vec<Channel> = Vec::new();
        let mut current = Some(first);
        'consumers: while !shutdown.is_cancelled() {
            let (channel, mut consumer) = match current.take() {
                Some(pair) => pair,
                None => match bounded("start consuming", self.start_consumer(&name)).await {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(queue = %name, %error, "cannot consume; retrying in 1 s");
                        tokio::select! {
                            () = shutdown.cancelled() => break,
                            () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        }
                    }
                },
            };
            channels.push(channel.clone());
            loop {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break 'consumers;
                };
                let delivery = tokio::select! {
                    () = shutdown.cancelled() => {
                        // Stop new deliveries; prefetched ones go back to the queue.
                        let _ = bounded("cancel consuming", async {
                            Ok(channel.basic_cancel(consumer.tag(), BasicCancelOptions::default()).await?)
                        })
                        .await;
                        break 'consumers;
                    }
                    delivery = consumer.next() => delivery,
                    // A lost channel should end the stream; never rely on it alone.
                    () = tokio::time::sleep(LIVENESS_CHECK) => {
                        if channel.status().connected() {
                            continue;
                        }
                        tracing::warn!(queue = %name, "consumer channel closed; reconnecting");
                        continue 'consumers;
                    }
                };
                match delivery {
                    Some(Ok(delivery)) => {
                        let (queue, handler, name) = (self.clone(), handler.clone(), name.clone());
                        in_flight.spawn(async move {
                            let _permit = permit;
                            queue.handle(&name, &handler, delivery).await;
                        });
                        while in_flight.try_join_next().is_some() {}
                    }
                    Some(Err(error)) => {
                        tracing::warn!(queue = %name, %error, "consumer lost; reconnecting");
                        continue 'consumers;
                    }
                    None => {
                        tracing::warn!(queue = %name, "consumer stream ended; reconnecting");
                        continue 'consumers;
                    }
                }
            }
        }
        while in_flight.join_next().await.is_some() {}
        // A channel of a lost connection is closed already: closing it again
        // may wait for an answer that never comes.
        for channel in channels.into_iter().filter(|channel| channel.status().connected()) {
            let _ = bounded("close a channel", async {
                Ok(channel.close(200, "consumer stopped".into()).await?)
            })
            .await;
        }
    }

    async fn handle(&self, name: &str, handler: &Handler, delivery: lapin::message::Delivery) {
        let headers = delivery.properties.headers().as_ref();
        let attempt = headers
            .and_then(|h| h.inner().get(ATTEMPT_HEADER))
            .and_then(as_u32)
            .unwrap_or(1);
        let traceparent = headers
            .and_then(|h| h.inner().get(TRACEPARENT_HEADER))
            .and_then(|v| v.as_long_string())
            .map(|s| s.to_string());
        let message = Message {
            payload: delivery.data.clone(),
            attempt,
            traceparent,
        };
        let outcome = crate::run_handler(handler, &message, crate::UNAVAILABLE_HOLD).await;
        let acker = &delivery.acker;
        let nack = |requeue| {
            bounded("nack", async move {
                Ok(acker
                    .nack(BasicNackOptions {
                        requeue,
                        ..BasicNackOptions::default()
                    })
                    .await?)
            })
        };
        let ack = || bounded("ack", async { Ok(acker.ack(BasicAckOptions::default()).await?) });
        let acked = match self.inner.policy.disposition(attempt, &outcome, name) {
            Disposition::Ack => ack().await,
            Disposition::Dead => nack(false).await,
            Disposition::Retry { delay, next_attempt } => {
                let retry = self.retry_queue(name, delay);
                let parked = bounded("park for a retry", async {
                    let (_, channel) = self.link().await?;
                    publish_confirmed(
                        &channel,
                        &retry,
                        &message.payload,
                        next_attempt,
                        message.traceparent.as_deref(),
                    )
                    .await
                })
                .await;
                match parked {
                    Ok(()) => ack().await,
                    // Could not park it for later: hand it straight back to the queue.
                    Err(_) => nack(true).await,
                }
            }
        };
        if let Err(error) = acked {
            // The broker redelivers unacknowledged messages; the handler is idempotent.
            tracing::warn!(queue = %name, %error, "could not acknowledge a message");
        }
    }
}

fn as_u32(value: &AMQPValue) -> Option<u32> {
    match value {
        AMQPValue::LongUInt(v) => Some(*v),
        AMQPValue::LongInt(v) => u32::try_from(*v).ok(),
        AMQPValue::LongLongInt(v) => u32::try_from(*v).ok(),
        _ => None,
    }
}

fn dead_letter_to(queue: &str, ttl: Option<Duration>) -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(LongString::from("")),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(LongString::from(queue)),
    );
    if let Some(ttl) = ttl {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(millis));
    }
    arguments
}

async fn publish_confirmed(
    channel: &Channel,
    routing_key: &str,
    payload: &[u8],
    attempt: u32,
    traceparent: Option<&str>,
) -> Result<(), QueueError> {
    let mut headers = FieldTable::default();
    headers.insert(ATTEMPT_HEADER.into(), AMQPValue::LongUInt(attempt));
    if let Some(traceparent) = traceparent {
        headers.insert(
            TRACEPARENT_HEADER.into(),
            AMQPValue::LongString(LongString::from(traceparent)),
        );
    }
    let properties = BasicProperties::default()
        .with_delivery_mode(PERSISTENT)
        .with_headers(headers);
    let confirm = channel
        .basic_publish(
            "".into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            payload,
            properties,
        )
        .await?
        .await?;
    if confirm.is_ack() {
        Ok(())
    } else {
        Err(QueueError::Nacked)
    }
}
