//! With `telemetry.otlp_endpoint` set, spans reach an OTLP collector over
//! gRPC, named after the service, with their attributes; and nothing is
//! exported without it. The collector here is a fake on loopback that
//! implements OTLP's `TraceService/Export`.
//!
//! One test in this binary: the tracing subscriber is global to the process.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nudge_config::Settings;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::any_value::Value;

/// A span as the fake collector received it: (service.name, span name, attributes).
type ExportedSpan = (String, String, HashMap<String, String>);

#[derive(Default, Clone)]
struct Received(Arc<Mutex<Vec<ExportedSpan>>>);

#[tonic::async_trait]
impl TraceService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut received = self.0.lock().expect("lock");
        for resource_spans in request.into_inner().resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref()?.value.as_ref())
                .map(text)
                .unwrap_or_default();
            for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
                let attributes = span
                    .attributes
                    .iter()
                    .filter_map(|kv| Some((kv.key.clone(), text(kv.value.as_ref()?.value.as_ref()?))))
                    .collect();
                received.push((service.clone(), span.name, attributes));
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::StringValue(s) => s.clone(),
        Value::IntValue(i) => i.to_string(),
        Value::BoolValue(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

async fn collector() -> (SocketAddr, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let received = Received::default();
    let service = TraceServiceServer::new(received.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream_of(listener))
            .await
            .expect("collector");
    });
    (address, received)
}

fn tokio_stream_of(
    listener: tokio::net::TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| stream);
        Some((accepted, listener))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_reach_the_otlp_collector_named_after_the_service() {
    let (address, received) = collector().await;
    let mut settings = Settings::default();
    settings.telemetry.otlp_endpoint = Some(format!("http://{address}"));
    settings.telemetry.filter = "info".to_owned();
    let guard = nudge_telemetry::init("nudge-workers", &settings).expect("telemetry");

    {
        let span = tracing::info_span!("reminder.send", reminder.id = "r-42", attempts = 2);
        let _entered = span.enter();
        tracing::info!("inside the span");
    }
    // Dropping the guard flushes the batch exporter.
    tokio::task::spawn_blocking(move || drop(guard)).await.expect("flush");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let spans = loop {
        let spans = received.0.lock().expect("lock").clone();
        if !spans.is_empty() || tokio::time::Instant::now() > deadline {
            break spans;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (service, name, attributes) = spans
        .iter()
        .find(|(_, name, _)| name == "reminder.send")
        .unwrap_or_else(|| panic!("the span was not exported; received {} spans", spans.len()));
    assert_eq!(service, "nudge-workers");
    assert_eq!(name, "reminder.send");
    assert_eq!(attributes.get("reminder.id").map(String::as_str), Some("r-42"));
    assert_eq!(attributes.get("attempts").map(String::as_str), Some("2"));
}
