//! sms-router's metrics. Labels never carry a phone number or a body.

pub(crate) fn inbound(outcome: &'static str) {
    metrics::counter!("nudge_sms_inbound_total", "outcome" => outcome).increment(1);
}

pub(crate) fn inbound_segments(segments: u32) {
    metrics::counter!("nudge_sms_segments_total", "direction" => "inbound").increment(u64::from(segments));
}

pub(crate) fn outbound_queued(kind: &'static str, segments: u32) {
    metrics::counter!("nudge_sms_outbound_total", "kind" => kind, "status" => "queued").increment(1);
    metrics::counter!("nudge_sms_segments_total", "direction" => "outbound").increment(u64::from(segments));
}

pub(crate) fn outbound_result(status: &'static str) {
    metrics::counter!("nudge_sms_outbound_results_total", "status" => status).increment(1);
}

pub(crate) fn send_latency(seconds: f64) {
    metrics::histogram!("nudge_sms_send_duration_seconds").record(seconds);
}

pub(crate) fn status_callback(status: &str) {
    let status = match status {
        "queued" | "accepted" | "sending" | "sent" | "delivered" | "undelivered" | "failed" | "read" => {
            status.to_owned()
        }
        _ => "other".to_owned(),
    };
    metrics::counter!("nudge_sms_status_callbacks_total", "status" => status).increment(1);
}

pub(crate) fn dispatched(outcome: &'static str) {
    metrics::counter!("nudge_sms_inbound_dispatch_total", "outcome" => outcome).increment(1);
}
