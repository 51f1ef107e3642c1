//! What every Nudge service needs around its own logic: stopping on
//! SIGTERM, health and readiness endpoints, Prometheus `/metrics`, serving
//! gRPC (with `grpc.health.v1`) next to those HTTP endpoints on one port, and
//! traced gRPC client channels; the shared parts of the GDPR privacy service.

mod grpc;
mod health;
pub mod http;
pub mod privacy;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use grpc::{ServiceChannel, TracedChannel, grpc_channel, serve_grpc};
pub use health::{Readiness, ReadinessReport};

/// After a key rotation, re-wraps the service's person keys still wrapped by
/// an older key ([`nudge_store::PersonKeys::rewrap_after_rotation`]), in the
/// background, until done or `shutdown`. `parts` names the keys and the
/// database in the service's `state`.
pub fn rewrap_person_keys<S>(
    shutdown: CancellationToken,
    state: std::sync::Arc<S>,
    parts: fn(&S) -> (&nudge_store::PersonKeys, &nudge_store::Db),
) where
    S: Send + Sync + 'static,
{
    tokio::spawn(async move {
        let (keys, db) = parts(&state);
        tokio::select! {
            _ = keys.rewrap_after_rotation(db) => {}
            () = shutdown.cancelled() => {}
        }
    });
}

/// How long [`retry_until_done`] waits after a failure.
const JOB_RETRY: Duration = Duration::from_secs(30);

/// Runs a start-up job over the database (e.g. sealing the rows an earlier
/// version wrote in the clear) until it completes or `shutdown`: tried again
/// every 30 s while it fails (the database away), each failure logged as a
/// warning starting with `failing` ("cannot seal phones yet"). Returns the
/// job's result, or `None` when stopped first.
pub async fn retry_until_done<T, E, F, Fut>(
    shutdown: &CancellationToken,
    failing: &'static str,
    mut job: F,
) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    loop {
        let outcome = tokio::select! {
            outcome = job() => outcome,
            () = shutdown.cancelled() => return None,
        };
        match outcome {
            Ok(done) => return Some(done),
            Err(error) => tracing::warn!(%error, "{failing}; retrying in 30 s"),
        }
        tokio::select! {
            () = tokio::time::sleep(JOB_RETRY) => {}
            () = shutdown.cancelled() => return None,
        }
    }
}

/// A token cancelled when the process receives SIGTERM or SIGINT (Ctrl-C).
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stop signal received; finishing in-flight work");
        cancel.cancel();
    });
    token
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut sigterm) => {
            tokio::select! {
                _ = sigterm.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the process");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Waits for `task` to finish, at most `grace` after shutdown began.
pub async fn finish_within<T>(grace: Duration, what: &str, task: impl std::future::Future<Output = T>) -> Option<T> {
    match tokio::time::timeout(grace, task).await {
        Ok(value) => Some(value),
        Err(_) => {
            tracing::warn!(
                what,
                grace_seconds = grace.as_secs(),
                "did not finish in time; stopping anyway"
            );
            None
        }
    }
}

/// A named background task of a service.
pub type ServiceTask = (&'static str, tokio::task::JoinHandle<anyhow::Result<()>>);

/// Waits for a stopping service's tasks (call it once shutdown began), at
/// most `grace` in all, and returns the first error. Tasks still running
/// after `grace` are abandoned.
pub async fn join_tasks(service: &str, tasks: Vec<ServiceTask>, grace: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + grace;
    let mut first_error = None;
    for (name, task) in tasks {
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => {
                tracing::error!(service, task = name, error = format!("{error:#}"), "task failed");
                first_error.get_or_insert(error);
            }
            Ok(Err(join_error)) => {
                tracing::error!(service, task = name, %join_error, "task panicked");
                first_error.get_or_insert(anyhow::anyhow!("{service}: {name} panicked"));
            }
            Err(_) => tracing::warn!(service, task = name, "still running after the grace period; abandoned"),
        }
    }
    tracing::info!(service, "stopped");
    first_error.map_or(Ok(()), Err)
}

/// The exit code of a binary whose work returned `result`; an error is
/// printed on standard error as one line with its causes (no backtrace).
pub fn exit_code(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
