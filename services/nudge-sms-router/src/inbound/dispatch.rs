//! Hands stored inbound messages to the agent: oldest first, one at a time
//! per person, even with several sms-router replicas (a per-person lock in
//! the cache).
//!
//! What it costs does not depend on how many messages wait:
//!
//! - People are served in turns of at most `TURN` messages,
//!   `sms.dispatch_concurrency` at a time, from two lines: people whose
//!   message just arrived (first come, first served), and people whose turn
//!   ended with more waiting or whom the sweep found. The arrivals' line
//!   goes first, but every `ARRIVALS_PER_BACKLOG_TURN + 1`-th turn is the
//!   other line's. A person with thousands waiting never holds back one who
//!   has a single message; under more arrivals than the agent can take, they
//!   are answered in the order they came (none overtaken for ever), and a
//!   backlog still drains.
//! - A new message wakes the dispatcher for its person. Every
//!   `sms.dispatch_interval_ms` (or at once while a backlog drains) a sweep
//!   reads the next page of people who have a message waiting (a keyset skip
//!   scan over an index of the waiting messages: one index descent per
//!   person, never a read of every waiting row).
//! - When the agent cannot be reached, handing over pauses for everyone:
//!   one message is tried now and then (a probe, with a growing pause), the
//!   waiting rows are not touched, and the first success resumes the drain.
//!
//! A message the agent can never take (the request is wrong, or the person
//! is unknown to it for longer than `SET_ASIDE_AFTER`) is set aside: status
//! `failed` with `set_aside_reason` for an operator, a metric and a log; it
//! no longer holds back that person's later messages. Other failures are
//! retried with a growing pause and hold back that person's later messages,
//! so their order is kept.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use nudge_proto::agent::HandleInboundRequest;
use nudge_proto::{ErrorCode, ServiceError};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::store::{self, InboundRow};
use crate::metrics;
use crate::state::{Core, INBOUND_BODY};
use crate::store::inbound_status;

/// Turns from the arrivals' line before one from the other line, when both wait.
const ARRIVALS_PER_BACKLOG_TURN: u32 = 3;
/// Messages handed over in one person's turn before the next person's.
const TURN: usize = 16;
/// People read by one step of the sweep.
const SWEEP_PAGE: i64 = 100;
/// How long a person's lock lives if its holder dies.
const LOCK_TTL: Duration = Duration::from_secs(60);
/// Longest wait between two attempts to hand over one message.
const MAX_BACKOFF_SECONDS: i64 = 300;
/// Pauses between two probes of an agent that cannot be reached.
const FIRST_PROBE_PAUSE: Duration = Duration::from_secs(1);
const MAX_PROBE_PAUSE: Duration = Duration::from_secs(8);
/// Temporary failures in a row, across people, after which the agent is
/// treated as away (as when it cannot be reached).
const FAILURES_BEFORE_AWAY: u32 = 8;
/// How long a message whose person the agent does not know yet is retried
/// (a profile may still be on its way at sign-up) before it is set aside.
const SET_ASIDE_AFTER: TimeDelta = TimeDelta::minutes(10);

/// Asks the dispatcher to serve `user_id` now.
pub(crate) fn wake(core: &Core, user_id: &str) {
    let backing_off = core
        .backing_off
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(user_id)
        .is_some_and(|until| *until > Instant::now());
    if backing_off {
        // Their oldest message waits for a retry; this one waits behind it.
        return;
    }
    core.arrived
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(user_id.to_owned());
    core.inbound_arrived.notify_one();
}

pub(crate) async fn run(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut dispatcher = Dispatcher::new(core);
    dispatcher.run(&shutdown).await;
    Ok(())
}

/// How one person's turn ended.
#[derive(Debug, Default)]
struct TurnOutcome {
    /// Messages the agent took.
    handed_over: usize,
    /// The turn used all its messages: more may wait.
    more: bool,
    failure: Option<Failure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The agent cannot be reached: nobody can be served.
    AgentAway,
    /// This message failed for now; it is retried later.
    Temporary,
    /// The agent does not know this person yet; the message is retried later.
    PersonNotReady,
}

/// The agent could not be reached: only probes until it answers.
struct Away {
    since: Instant,
    next_probe: Instant,
    pause: Duration,
}

struct Dispatcher {
    core: Arc<Core>,
    /// Turns served at once (`sms.dispatch_concurrency`).
    people_at_once: usize,
    /// People waiting for a turn.
    lines: Lines,
    /// People whose turn is running, and those of them who got a message meanwhile.
    serving: HashSet<String>,
    woken_while_served: HashSet<String>,
    /// The sweep's keyset cursor: the last person read (`""`: from the first).
    sweep_after: String,
    next_sweep: tokio::time::Instant,
    away: Option<Away>,
    failures_in_a_row: u32,
}

impl Dispatcher {
    fn new(core: Arc<Core>) -> Dispatcher {
        Dispatcher {
            people_at_once: usize::try_from(core.sms.dispatch_concurrency).unwrap_or(1),
            core,
            lines: Lines::default(),
            serving: HashSet::new(),
            woken_while_served: HashSet::new(),
            sweep_after: String::new(),
            next_sweep: tokio::time::Instant::now(),
            away: None,
            failures_in_a_row: 0,
        }
    }

    async fn run(&mut self, shutdown: &CancellationToken) {
        let mut turns: JoinSet<(String, anyhow::Result<TurnOutcome>)> = JoinSet::new();
        loop {
            self.take_arrivals();
            if !shutdown.is_cancelled() {
                self.start_turns(&mut turns, shutdown).await;
            }
            // The next probe or sweep, when a turn could start then (else a turn's end wakes us).
            let (wake_at, may_start) = match &self.away {
                Some(away) => (tokio::time::Instant::from_std(away.next_probe), turns.is_empty()),
                None => (self.next_sweep, turns.len() < self.people_at_once),
            };
            let timer = may_start && !shutdown.is_cancelled();
            tokio::select! {
                () = shutdown.cancelled(), if turns.is_empty() => return,
                Some(done) = turns.join_next(), if !turns.is_empty() => match done {
                    Ok((user_id, outcome)) => self.turn_ended(user_id, outcome),
                    Err(error) => tracing::error!(%error, "an inbound dispatch turn panicked"),
                },
                () = self.core.inbound_arrived.notified() => {}
                () = tokio::time::sleep_until(wake_at), if timer => {}
            }
        }
    }

    /// People who got a message join the arrivals' line.
    fn take_arrivals(&mut self) {
        let arrived = std::mem::take(&mut *self.core.arrived.lock().unwrap_or_else(PoisonError::into_inner));
        for user_id in arrived {
            if self.serving.contains(&user_id) {
                self.woken_while_served.insert(user_id);
            } else {
                self.lines.arrive(user_id);
            }
            // Already in line: one more message does not buy a better place.
        }
    }

    async fn start_turns(
        &mut self,
        turns: &mut JoinSet<(String, anyhow::Result<TurnOutcome>)>,
        shutdown: &CancellationToken,
    ) {
        // While the agent is away: one probe at a time, when its pause is over.
        let (slots, limit) = match &self.away {
            Some(away) if turns.is_empty() && Instant::now() >= away.next_probe => (1, 1),
            Some(_) => (0, 0),
            None => (self.people_at_once.saturating_sub(turns.len()), TURN),
        };
        for _ in 0..slots {
            let Some(user_id) = self.next_in_line().await else {
                if let Some(away) = &mut self.away {
                    // Nobody to probe with: look again after a pause.
                    away.next_probe = Instant::now() + away.pause;
                }
                break;
            };
            self.serving.insert(user_id.clone());
            let (core, shutdown) = (self.core.clone(), shutdown.clone());
            turns.spawn(async move {
                let outcome = serve_person(&core, &user_id, limit, &shutdown).await;
                (user_id, outcome)
            });
        }
    }

    /// The next person to serve: from the lines, else from the sweep.
    async fn next_in_line(&mut self) -> Option<String> {
        loop {
            while let Some(user_id) = self.lines.pop() {
                if !self.is_backing_off(&user_id) && !self.serving.contains(&user_id) {
                    return Some(user_id);
                }
            }
            if tokio::time::Instant::now() < self.next_sweep && self.away.is_none() {
                return None;
            }
            if !self.sweep().await {
                return None;
            }
        }
    }

    fn is_backing_off(&self, user_id: &str) -> bool {
        self.core
            .backing_off
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(user_id)
            .is_some_and(|until| *until > Instant::now())
    }

    /// Reads the next page of people with a message waiting into the line;
    /// `false` when it added nobody.
    async fn sweep(&mut self) -> bool {
        let page = async {
            let mut conn = self.core.db.conn().await?;
            anyhow::Ok(store::waiting_people(&mut conn, &self.sweep_after, SWEEP_PAGE).await?)
        }
        .await;
        let people = match page {
            Ok(people) => people,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "cannot look for waiting inbound messages");
                self.next_sweep = tokio::time::Instant::now() + self.core.dispatch_interval;
                return false;
            }
        };
        let full_page = people.len() >= usize::try_from(SWEEP_PAGE).unwrap_or(usize::MAX);
        match people.last() {
            // More people after these: the next page as soon as the line is served.
            Some(last) if full_page => self.sweep_after.clone_from(last),
            // The end: start again from the first after a pause.
            _ => {
                self.sweep_after.clear();
                self.next_sweep = tokio::time::Instant::now() + self.core.dispatch_interval;
            }
        }
        let mut added = false;
        for user_id in people {
            if !self.serving.contains(&user_id) && !self.is_backing_off(&user_id) && self.lines.requeue(user_id) {
                added = true;
            }
        }
        added || full_page
    }

    fn turn_ended(&mut self, user_id: String, outcome: anyhow::Result<TurnOutcome>) {
        self.serving.remove(&user_id);
        let woken = self.woken_while_served.remove(&user_id);
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                // A database or cache error: the sweep finds them again.
                tracing::warn!(user.id = %user_id, error = format!("{error:#}"), "inbound dispatch failed");
                return;
            }
        };
        if outcome.handed_over > 0 {
            self.failures_in_a_row = 0;
            if let Some(away) = self.away.take() {
                tracing::info!(
                    agent.address = %self.core.agent_url,
                    away_seconds = away.since.elapsed().as_secs(),
                    "the agent answers again; handing over inbound messages resumed"
                );
            }
        }
        match outcome.failure {
            Some(Failure::AgentAway) => self.agent_away(),
            Some(Failure::Temporary) => {
                self.failures_in_a_row += 1;
                if self.failures_in_a_row >= FAILURES_BEFORE_AWAY {
                    self.agent_away();
                }
            }
            Some(Failure::PersonNotReady) | None => {}
        }
        if outcome.failure == Some(Failure::AgentAway) || outcome.more {
            // Their turn is over: to the back of the line (and the next probe tries someone else).
            self.lines.requeue(user_id);
        } else if woken {
            // A message came during their turn, perhaps after it looked.
            self.lines.arrive(user_id);
        }
    }

    /// Nobody is served until a probe succeeds; the pause between probes grows.
    fn agent_away(&mut self) {
        let now = Instant::now();
        match &mut self.away {
            Some(away) => {
                away.pause = (away.pause * 2).min(MAX_PROBE_PAUSE);
                away.next_probe = now + away.pause;
            }
            None => {
                self.away = Some(Away {
                    since: now,
                    next_probe: now + FIRST_PROBE_PAUSE,
                    pause: FIRST_PROBE_PAUSE,
                });
                metrics::dispatch_paused();
            }
        }
    }
}

/// People waiting for a turn, in two lines: those whose message just
/// arrived, first come first served, and the others (a turn ended with more
/// waiting, or the sweep found them). Someone is in at most one line, once.
#[derive(Debug, Default)]
struct Lines {
    arrivals: VecDeque<String>,
    others: VecDeque<String>,
    queued: HashSet<String>,
    /// Turns taken from `arrivals` since the last one from `others`.
    arrivals_in_a_row: u32,
}

impl Lines {
    /// `user_id` got a message: to the back of the arrivals' line, unless
    /// already in a line (one more message does not buy a better place).
    fn arrive(&mut self, user_id: String) -> bool {
        let new = self.queued.insert(user_id.clone());
        if new {
            self.arrivals.push_back(user_id);
        }
        new
    }

    /// To the back of the other line, unless already in a line.
    fn requeue(&mut self, user_id: String) -> bool {
        let new = self.queued.insert(user_id.clone());
        if new {
            self.others.push_back(user_id);
        }
        new
    }

    /// The arrivals' line first, except every `ARRIVALS_PER_BACKLOG_TURN +
    /// 1`-th turn while the other line waits too.
    fn pop(&mut self) -> Option<String> {
        let others_turn = !self.others.is_empty()
            && (self.arrivals_in_a_row >= ARRIVALS_PER_BACKLOG_TURN || self.arrivals.is_empty());
        let user_id = if others_turn {
            self.arrivals_in_a_row = 0;
            self.others.pop_front()?
        } else {
            let user_id = self.arrivals.pop_front()?;
            self.arrivals_in_a_row += 1;
            user_id
        };
        self.queued.remove(&user_id);
        Some(user_id)
    }
}

/// One turn: hands over up to `limit` of the person's messages, in order,
/// under their lock.
async fn serve_person(
    core: &Core,
    user_id: &str,
    limit: usize,
    shutdown: &CancellationToken,
) -> anyhow::Result<TurnOutcome> {
    let lock_key = format!("sms:inbound:{user_id}");
    let Some(lock) = core.cache.try_lock(&lock_key, LOCK_TTL).await? else {
        return Ok(TurnOutcome::default()); // Another replica is serving this person.
    };
    let result = serve_locked(core, user_id, limit, shutdown).await;
    if let Err(error) = core.cache.unlock(lock).await {
        tracing::warn!(%error, "could not release an inbound lock; it will expire");
    }
    result
}

async fn serve_locked(
    core: &Core,
    user_id: &str,
    limit: usize,
    shutdown: &CancellationToken,
) -> anyhow::Result<TurnOutcome> {
    let mut outcome = TurnOutcome::default();
    let mut conn = core.db.conn().await?;
    let messages = store::waiting_messages(&mut conn, user_id, i64::try_from(limit).unwrap_or(i64::MAX)).await?;
    if messages.is_empty() {
        return Ok(outcome);
    }
    let reader = core.keys.for_reading(&mut conn, user_id).await?;
    drop(conn); // Do not hold a connection across the calls to the agent.
    let count = messages.len();
    for message in messages {
        if shutdown.is_cancelled() {
            return Ok(outcome);
        }
        let now = nudge_store::now();
        if message.next_attempt_at > now {
            // Waiting for a retry; later messages wait behind it.
            let until = (message.next_attempt_at - now).to_std().unwrap_or_default();
            back_off(core, user_id, until);
            return Ok(outcome);
        }
        let body = match reader.decrypt_to_string(&message.body, INBOUND_BODY) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(inbound.id = %message.id, %error, "cannot decrypt an inbound message");
                set_aside(core, &message, "undecryptable", "the stored body cannot be decrypted").await?;
                continue;
            }
        };
        let request = HandleInboundRequest {
            user_id: user_id.to_owned(),
            message_id: message.id.clone(),
            body,
            received_at: Some(nudge_proto::time::to_timestamp(message.received_at.and_utc())),
        };
        match core.agent.clone().handle_inbound(request).await {
            Ok(_) => {
                let mut conn = core.db.conn().await?;
                store::finish_inbound(&mut conn, &message.id, inbound_status::DISPATCHED, nudge_store::now()).await?;
                metrics::dispatched("handled");
                outcome.handed_over += 1;
            }
            Err(status) => {
                let cause = cause_chain(&status);
                let error = ServiceError::from(status);
                if let Some(reason) = never_taken(&error, &message) {
                    tracing::error!(
                        inbound.id = %message.id,
                        user.id = %user_id,
                        reason,
                        %error,
                        "the agent can never take this inbound message; set aside"
                    );
                    set_aside(core, &message, reason, &error.to_string()).await?;
                    continue;
                }
                if error.code == ErrorCode::Unavailable {
                    // Not this message's fault: nothing is recorded on it.
                    // The hop that failed: the agent itself, or a service
                    // the agent calls (its answer names it, e.g. "workers
                    // is unavailable").
                    let hop = if error.message.starts_with("agent ") || !cause.is_empty() {
                        "cannot reach the agent (gRPC HandleInbound); handing over paused"
                    } else {
                        "the agent cannot reach a service it needs (named in the error); handing over paused"
                    };
                    tracing::warn!(
                        inbound.id = %message.id,
                        agent.address = %core.agent_url,
                        %error,
                        cause,
                        "{hop}"
                    );
                    outcome.failure = Some(Failure::AgentAway);
                    return Ok(outcome);
                }
                let attempts = message.attempts + 1;
                let backoff = (1_i64 << attempts.clamp(0, 9)).min(MAX_BACKOFF_SECONDS);
                tracing::warn!(
                    inbound.id = %message.id,
                    agent.address = %core.agent_url,
                    attempts,
                    %error,
                    cause,
                    "the agent did not take an inbound message (gRPC HandleInbound); will retry"
                );
                let mut conn = core.db.conn().await?;
                store::retry_inbound_later(
                    &mut conn,
                    &message.id,
                    attempts,
                    nudge_store::now() + TimeDelta::seconds(backoff),
                )
                .await?;
                back_off(core, user_id, Duration::from_secs(backoff.unsigned_abs()));
                metrics::dispatched("retry");
                outcome.failure = Some(if error.code == ErrorCode::FailedPrecondition {
                    Failure::PersonNotReady
                } else {
                    Failure::Temporary
                });
                return Ok(outcome);
            }
        }
    }
    if outcome.handed_over > 0 {
        core.backing_off
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(user_id);
    }
    outcome.more = count == limit;
    Ok(outcome)
}

/// Why the agent will never take this message (a metric label), if so.
fn never_taken(error: &ServiceError, message: &InboundRow) -> Option<&'static str> {
    match error.code {
        ErrorCode::InvalidArgument | ErrorCode::NotFound => Some(error.code.as_str()),
        // The person's profile may still be on its way: only after a while.
        ErrorCode::FailedPrecondition
            if nudge_store::now().signed_duration_since(message.received_at) >= SET_ASIDE_AFTER =>
        {
            Some(error.code.as_str())
        }
        _ => None,
    }
}

async fn set_aside(core: &Core, message: &InboundRow, reason: &'static str, detail: &str) -> anyhow::Result<()> {
    let stored = format!("{reason}: {detail}");
    let mut conn = core.db.conn().await?;
    store::set_aside_inbound(&mut conn, &message.id, &stored, nudge_store::now()).await?;
    metrics::set_aside(reason);
    metrics::dispatched("refused");
    Ok(())
}

fn back_off(core: &Core, user_id: &str, until: Duration) {
    core.backing_off
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(user_id.to_owned(), Instant::now() + until);
}

/// What a failed call's error says went wrong below gRPC ("tcp connect
/// error: Connection refused"), empty when it carries nothing.
fn cause_chain(status: &tonic::Status) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        causes.push(error.to_string());
        source = error.source();
    }
    causes.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn popped(lines: &mut Lines) -> Vec<String> {
        std::iter::from_fn(|| lines.pop()).collect()
    }

    #[test]
    fn arrivals_are_served_in_the_order_they_came() {
        let mut lines = Lines::default();
        for user in ["a", "b", "c", "b"] {
            lines.arrive(user.to_owned());
        }
        assert_eq!(popped(&mut lines), ["a", "b", "c"], "first come, first served, once");
    }

    #[test]
    fn arrivals_go_first_but_the_others_still_get_a_turn_in_four() {
        let mut lines = Lines::default();
        for user in ["x", "y"] {
            lines.requeue(user.to_owned());
        }
        for n in 0..7 {
            lines.arrive(format!("a{n}"));
        }
        assert!(!lines.arrive("x".to_owned()), "already in a line");
        assert_eq!(popped(&mut lines), ["a0", "a1", "a2", "x", "a3", "a4", "a5", "y", "a6"]);
        assert!(lines.arrive("x".to_owned()), "served, so in no line");
    }
}
