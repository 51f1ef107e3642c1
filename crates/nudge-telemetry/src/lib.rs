//! Logs, traces and metrics, set up once per process.
//!
//! - tracing: human-readable output in embedded mode, JSON lines in
//!   distributed mode, filtered by `telemetry.filter`;
//! - OpenTelemetry: spans exported over OTLP/gRPC when
//!   `telemetry.otlp_endpoint` is set, and W3C `traceparent` carried on every
//!   gRPC call ([`propagation`]);
//! - Prometheus: one global recorder; every service renders it at `/metrics`.
//!
//! Never log a phone number, a message body, a token or a key: log ids.

pub mod propagation;

use std::sync::OnceLock;

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use nudge_config::{LogFormat, Settings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Flushes exported spans when dropped; keep it alive until the process ends.
#[must_use = "spans are flushed when the guard is dropped"]
pub struct TelemetryGuard {
    tracer_provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.tracer_provider.take() {
            // Nowhere left to report a failed flush at exit.
            let _ = provider.shutdown();
        }
    }
}

/// Where log lines go.
#[derive(Debug, Clone)]
pub enum LogTarget {
    Stdout,
    /// Appended to a file (`nudge dev` keeps the terminal for the conversation).
    File(std::path::PathBuf),
}

/// Installs the global tracing subscriber (logging to standard output) and
/// the metrics recorder.
///
/// `service` names the process in exported spans (`nudge-workers`, or `nudge`
/// for the all-in-one process).
pub fn init(service: &'static str, settings: &Settings) -> anyhow::Result<TelemetryGuard> {
    init_with_target(service, settings, &LogTarget::Stdout)
}

/// [`init`], logging to `target`.
pub fn init_with_target(
    service: &'static str,
    settings: &Settings,
    target: &LogTarget,
) -> anyhow::Result<TelemetryGuard> {
    let writer = match target {
        LogTarget::Stdout => BoxMakeWriter::new(std::io::stdout),
        LogTarget::File(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?;
            BoxMakeWriter::new(std::sync::Mutex::new(file))
        }
    };
    let filter = EnvFilter::try_new(&settings.telemetry.filter)
        .with_context(|| format!("telemetry.filter {:?} is not a valid filter", settings.telemetry.filter))?;
    let fmt_layer = match settings.log_format() {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(matches!(target, LogTarget::Stdout))
            .compact()
            .boxed(),
    };
    let tracer_provider = match &settings.telemetry.otlp_endpoint {
        Some(endpoint) => Some(otlp_provider(service, endpoint)?),
        None => None,
    };
    let otel_layer = tracer_provider
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer(service)));
    opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .context("a tracing subscriber is already installed")?;
    metrics_handle();
    Ok(TelemetryGuard { tracer_provider })
}

fn otlp_provider(service: &'static str, endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .with_context(|| format!("cannot build the OTLP exporter for telemetry.otlp_endpoint {endpoint:?}"))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build())
}

/// Logs to the test writer (shown only for failing tests). Safe to call many times.
pub fn init_for_tests() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let filter = EnvFilter::try_from_env("NUDGE_TEST_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
        // Another harness may have installed one already; theirs is fine too.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
        metrics_handle();
    });
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".to_owned()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first (a test harness);
        // the handle then renders an empty page, which is still valid.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The Prometheus text exposition of every metric in the process.
pub fn render_metrics() -> String {
    let handle = metrics_handle();
    handle.run_upkeep();
    handle.render()
}
