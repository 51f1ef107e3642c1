//! The in-process queue of embedded mode.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{Disposition, Handler, Message, QueueError, RetryPolicy};

/// Handlers running at once per consumer.
const CONCURRENCY: usize = 16;

#[derive(Clone)]
pub struct MemoryQueue {
    inner: Arc<Inner>,
}

struct Inner {
    prefix: String,
    policy: RetryPolicy,
    queues: Mutex<HashMap<String, Arc<Lane>>>,
}

struct Lane {
    tx: mpsc::UnboundedSender<Message>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Message>>,
    depth: AtomicU64,
    dead: AtomicU64,
}

impl MemoryQueue {
    pub(crate) fn new(prefix: &str, policy: RetryPolicy) -> Self {
        MemoryQueue {
            inner: Arc::new(Inner {
                prefix: prefix.to_owned(),
                policy,
                queues: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn lane(&self, name: &str) -> Arc<Lane> {
        let key = format!("{}.{name}", self.inner.prefix);
        let mut queues = self.inner.queues.lock().unwrap_or_else(PoisonError::into_inner);
        queues
            .entry(key)
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                Arc::new(Lane {
                    tx,
                    rx: tokio::sync::Mutex::new(rx),
                    depth: AtomicU64::new(0),
                    dead: AtomicU64::new(0),
                })
            })
            .clone()
    }

    pub(crate) fn publish(
        &self,
        name: &str,
        payload: Vec<u8>,
        traceparent: Option<&str>,
        attempt: u32,
    ) -> Result<(), QueueError> {
        let lane = self.lane(name);
        lane.depth.fetch_add(1, Ordering::SeqCst);
        lane.tx
            .send(Message {
                payload,
                attempt,
                traceparent: traceparent.map(str::to_owned),
            })
            .map_err(|_| QueueError::Closed)
    }

    pub(crate) fn depth(&self, name: &str) -> u64 {
        self.lane(name).depth.load(Ordering::SeqCst)
    }

    pub(crate) fn dead_letters(&self, name: &str) -> u64 {
        self.lane(name).dead.load(Ordering::SeqCst)
    }

    pub(crate) fn consume(&self, name: &str, handler: Handler, shutdown: CancellationToken) -> JoinHandle<()> {
        let lane = self.lane(name);
        let queue = self.clone();
        let name = name.to_owned();
        tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(CONCURRENCY));
            let mut in_flight = JoinSet::new();
            loop {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let message = tokio::select! {
                    () = shutdown.cancelled() => break,
                    message = async { lane.rx.lock().await.recv().await } => message,
                };
                let Some(message) = message else { break };
                lane.depth.fetch_sub(1, Ordering::SeqCst);
                let (handler, queue, lane, name) = (handler.clone(), queue.clone(), lane.clone(), name.clone());
                in_flight.spawn(async move {
                    let _permit = permit;
                    let outcome = crate::run_handler(&handler, &message, crate::UNAVAILABLE_HOLD).await;
                    match queue.inner.policy.disposition(message.attempt, &outcome, &name) {
                        Disposition::Ack => {}
                        Disposition::Dead => {
                            lane.dead.fetch_add(1, Ordering::SeqCst);
                        }
                        Disposition::Retry { delay, next_attempt } => {
                            tokio::spawn(async move {
                                tokio::time::sleep(delay).await;
                                // Closed only when the process is ending; the
                                // publisher's own records bring the work back.
                                let _ =
                                    queue.publish(&name, message.payload, message.traceparent.as_deref(), next_attempt);
                            });
                        }
                    }
                });
                // Reap finished handlers so the set does not grow.
                while in_flight.try_join_next().is_some() {}
            }
            while in_flight.join_next().await.is_some() {}
        })
    }
}
