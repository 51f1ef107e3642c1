use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use nudge_telemetry::propagation::{TraceContextInterceptor, set_parent_from_headers};
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tracing::Instrument as _;

use crate::Readiness;

/// A gRPC client channel to one Nudge service: it carries the caller's
/// trace context, and a call that cannot reach the service is logged once,
/// here, naming the service and its address (see [`ServiceChannel`]).
pub type TracedChannel = InterceptedService<ServiceChannel, TraceContextInterceptor>;

/// A lazily connected channel to `service` (its name in logs, e.g.
/// `"workers"`) at `url` (e.g. `http://workers:8002`); each call times out
/// after `timeout`.
pub fn grpc_channel(service: &'static str, url: &str, timeout: Duration) -> anyhow::Result<TracedChannel> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|e| anyhow::anyhow!("{service}: {url:?} is not a valid gRPC URL: {e}"))?
        .timeout(timeout)
        .connect_timeout(timeout)
        .tcp_nodelay(true);
    Ok(InterceptedService::new(
        ServiceChannel {
            inner: endpoint.connect_lazy(),
            hop: Arc::new(Hop {
                service,
                address: url.to_owned(),
            }),
        },
        TraceContextInterceptor,
    ))
}

/// A [`Channel`] that knows which service it reaches. When a call does not
/// reach the service (connection refused, timeout), the failure is logged
/// here with the service, the address and the cause (a bare "tcp connect
/// error" named neither), and the caller gets a status of the same kind
/// whose message names the service but not its address (it may travel on,
/// towards a public answer).
#[derive(Debug, Clone)]
pub struct ServiceChannel {
    inner: Channel,
    hop: Arc<Hop>,
}

#[derive(Debug)]
struct Hop {
    service: &'static str,
    address: String,
}

impl Hop {
    fn failed(&self, method: &str, error: tonic::transport::Error) -> tonic::Status {
        let mut cause = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(inner) = source {
            // hyper's and tonic's layers often repeat the same words.
            let text = inner.to_string();
            if !cause.ends_with(&text) {
                cause.push_str(": ");
                cause.push_str(&text);
            }
            source = inner.source();
        }
        let code = tonic::Status::from_error(Box::new(error)).code();
        let (code, what) = match code {
            tonic::Code::Cancelled | tonic::Code::DeadlineExceeded => {
                (tonic::Code::DeadlineExceeded, "did not answer in time")
            }
            _ => (tonic::Code::Unavailable, "is unavailable"),
        };
        tracing::warn!(
            rpc.service = self.service,
            rpc.method = method,
            address = %self.address,
            error = %cause,
            "{} at {} {what}",
            self.service,
            self.address,
        );
        tonic::Status::new(code, format!("{} {what}, try again", self.service))
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for ServiceChannel {
    type Response = http::Response<tonic::body::Body>;
    type Error = tonic::Status;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, tonic::Status>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), tonic::Status>> {
        self.inner
            .poll_ready(context)
            .map_err(|error| self.hop.failed("", error))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let hop = Arc::clone(&self.hop);
        let response = self.inner.call(request);
        Box::pin(async move { response.await.map_err(|error| hop.failed(&method, error)) })
    }
}

/// Serves `routes` (gRPC, plus `grpc.health.v1`) and `/healthz`, `/readyz`
/// and `/metrics` (HTTP/1.1) on one listener, until `shutdown` is cancelled;
/// then lets in-flight calls finish, for at most `grace`.
pub async fn serve_grpc(
    service: &'static str,
    listener: tokio::net::TcpListener,
    routes: tonic::service::Routes,
    readiness: Readiness,
    shutdown: CancellationToken,
    grace: Duration,
) -> anyhow::Result<()> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    // The empty service name stands for the whole server.
    health_reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let router = routes
        .add_service(health_service)
        .into_axum_router()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(move || ready(readiness.clone())))
        .route("/metrics", get(|| async { nudge_telemetry::render_metrics() }))
        .layer(axum::middleware::from_fn(move |request, next| {
            trace_call(service, request, next)
        }));
    let stopping = shutdown.clone();
    // axum leaves Nagle's algorithm on: a response written in several small
    // frames (gRPC headers, message, trailers) then waits for the peer's
    // delayed ACK, about 40 ms, on some calls.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY on a gRPC connection");
        }
    });
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        stopping.cancelled().await;
        health_reporter
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
    });
    let server = tokio::spawn(server.into_future());
    shutdown.cancelled().await;
    match crate::finish_within(grace, service, server).await {
        Some(Ok(result)) => Ok(result?),
        Some(Err(join_error)) => Err(anyhow::anyhow!("{service} server task failed: {join_error}")),
        None => Ok(()),
    }
}

async fn ready(readiness: Readiness) -> Response {
    let report = readiness.check().await;
    let status = if report.ready() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(report.to_json())).into_response()
}

/// Traces each gRPC call (continuing the caller's trace) and records its duration.
async fn trace_call(service: &'static str, request: Request, next: Next) -> Response {
    let is_grpc = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    if !is_grpc {
        return next.run(request).await;
    }
    let method = request.uri().path().to_owned();
    let span = tracing::info_span!("grpc.request", rpc.service = service, rpc.method = %method);
    set_parent_from_headers(&span, request.headers());
    let started = Instant::now();
    let response = next.run(request).instrument(span).await;
    metrics::histogram!("nudge_grpc_server_duration_seconds", "service" => service, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex, PoisonError};

    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;

    use super::*;

    /// What the code under test logs, as text.
    #[derive(Clone, Default)]
    struct Logs(Arc<Mutex<Vec<u8>>>);

    impl Logs {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
        }
    }

    impl Write for Logs {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Calls `service` at `url` and returns the caller's status and the logs.
    async fn call(service: &'static str, url: &str, timeout: Duration) -> (tonic::Status, String) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let channel = grpc_channel(service, url, timeout).expect("channel");
        let status = HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
            .expect_err("nothing answers there");
        (status, logs.text())
    }

    #[tokio::test]
    async fn a_refused_call_is_logged_naming_the_service_and_its_address() {
        // A port nothing listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", closed.local_addr().expect("address"));
        drop(closed);
        let (status, logs) = call("workers", &url, Duration::from_secs(5)).await;
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_eq!(status.message(), "workers is unavailable, try again");
        assert!(
            logs.contains(&format!("workers at {url} is unavailable")),
            "the log names the hop that failed: {logs}"
        );
        assert!(logs.contains("grpc.health.v1.Health/Check"), "and the call: {logs}");
        assert!(logs.contains("tcp connect error"), "and the cause: {logs}");
        assert!(!logs.contains("agent"), "and no other service: {logs}");
        assert_eq!(logs.lines().count(), 1, "logged once: {logs}");
    }

    #[tokio::test]
    async fn a_call_without_answer_is_logged_naming_the_service_and_its_address() {
        // Accepts connections (the kernel's backlog) but never speaks HTTP/2.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", silent.local_addr().expect("address"));
        let (status, logs) = call("agent", &url, Duration::from_millis(300)).await;
        assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
        assert_eq!(status.message(), "agent did not answer in time, try again");
        assert!(
            logs.contains(&format!("agent at {url} did not answer in time")),
            "the log names the hop that failed: {logs}"
        );
        drop(silent);
    }
}
