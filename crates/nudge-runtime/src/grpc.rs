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

/// A gRPC client channel that carries the caller's trace context.
pub type TracedChannel = InterceptedService<Channel, TraceContextInterceptor>;

/// A lazily connected channel to `url` (e.g. `http://workers:8002`); each
/// call times out after `timeout`.
pub fn grpc_channel(url: &str, timeout: Duration) -> anyhow::Result<TracedChannel> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|e| anyhow::anyhow!("{url:?} is not a valid gRPC URL: {e}"))?
        .timeout(timeout)
        .connect_timeout(timeout)
        .tcp_nodelay(true);
    Ok(InterceptedService::new(
        endpoint.connect_lazy(),
        TraceContextInterceptor,
    ))
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
