//! `services.*`: where each service listens and where the others reach it.

use serde::Deserialize;

/// Where a service listens and where the others reach it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    pub host: String,
    /// The main port: HTTP for api and sms-router, gRPC (plus HTTP/1.1 health
    /// and metrics) for agent and workers. 0 picks a free port.
    pub port: u16,
    /// sms-router only: its internal gRPC port, kept off the public webhook port.
    #[serde(default)]
    pub grpc_port: Option<u16>,
    /// The URL other services call it on (its gRPC endpoint). Unset, it
    /// follows `host` and the gRPC port (`grpc_port`, else `port`): moving a
    /// service's port moves the address the others call.
    #[serde(default)]
    pub url: String,
}
impl ServiceSettings {
    fn local(port: u16, grpc_port: Option<u16>) -> Self {
        ServiceSettings {
            host: "127.0.0.1".to_owned(),
            port,
            grpc_port,
            url: String::new(),
        }
        .with_address_from_port()
    }

    /// Fills an unset `url` from `host` and the gRPC port. An unspecified
    /// bind address (`0.0.0.0`, `::`) is reached on loopback.
    pub(crate) fn with_address_from_port(mut self) -> Self {
        if self.url.is_empty() {
            let host = match self.host.as_str() {
                "0.0.0.0" | "" => "127.0.0.1".to_owned(),
                "::" | "[::]" => "[::1]".to_owned(),
                host if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
                host => host.to_owned(),
            };
            self.url = format!("http://{host}:{}", self.grpc_port.unwrap_or(self.port));
        }
        self
    }
}
/// Per-key defaults of the service addresses. They differ per service, so
/// they are given to the loader key by key (a serde default would replace a
/// whole `services.X` table as soon as one of its keys is set).
pub(crate) fn service_defaults() -> Vec<(String, ServiceSettings)> {
    let services = ServicesSettings::default();
    vec![
        ("api".to_owned(), services.api),
        ("agent".to_owned(), services.agent),
        ("workers".to_owned(), services.workers),
        ("sms_router".to_owned(), services.sms_router),
    ]
}
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServicesSettings {
    pub api: ServiceSettings,
    pub agent: ServiceSettings,
    pub workers: ServiceSettings,
    pub sms_router: ServiceSettings,
    /// How long a stopping service waits for in-flight work.
    pub shutdown_grace_seconds: u64,
    /// Timeout of one service-to-service call.
    pub rpc_timeout_ms: u64,
}
impl ServicesSettings {
    /// Every service's unset `url` from its host and port.
    pub(crate) fn with_addresses_from_ports(self) -> Self {
        ServicesSettings {
            api: self.api.with_address_from_port(),
            agent: self.agent.with_address_from_port(),
            workers: self.workers.with_address_from_port(),
            sms_router: self.sms_router.with_address_from_port(),
            ..self
        }
    }
}
impl Default for ServicesSettings {
    fn default() -> Self {
        ServicesSettings {
            api: ServiceSettings::local(8000, None),
            agent: ServiceSettings::local(8001, None),
            workers: ServiceSettings::local(8002, None),
            sms_router: ServiceSettings::local(8003, Some(9003)),
            shutdown_grace_seconds: 25,
            rpc_timeout_ms: 10_000,
        }
    }
}
