//! `telemetry.*`: logs and traces.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// Defaults to `pretty` in embedded mode and `json` in distributed mode.
    pub format: Option<LogFormat>,
    /// A tracing env-filter directive, e.g. `info,nudge_workers=debug`.
    pub filter: String,
    /// OTLP/gRPC collector endpoint, e.g. `http://otel-collector:4317`. Off when absent.
    pub otlp_endpoint: Option<String>,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            format: None,
            filter: "info".to_owned(),
            otlp_endpoint: None,
        }
    }
}
