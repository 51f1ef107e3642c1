//! sms-router's metrics. Labels never carry a phone number or a body.
//!
//! - `nudge_sms_messages_total{direction, status}`: inbound messages by
//!   outcome (`accepted`, `duplicate`, `unknown_number`,
//!   `unverified_sender`, `opt_out`, `opt_in`, `help`, `held`,
//!   `bad_request`, `forbidden`) and outbound SMS by status (`queued`,
//!   `sent`, `delivered`, `undelivered`, `failed`, `suppressed` ...);
//! - `nudge_sms_segments_total{direction}`;
//! - `nudge_sms_send_duration_seconds` (one Messages API call),
//!   `nudge_sms_webhook_duration_seconds{path}` (a webhook, until its answer);
//! - `nudge_sms_sender_stage_seconds{stage}`: where the sender's time goes,
//!   per claim (`claim`: finding the heads and claiming them) and per SMS
//!   (`prepare`: key, opt-out and spooled-STOP checks; `pace`: the number's
//!   slot; `send`: the Messages API call; `record`: the result stored);
//! - `nudge_sms_outbound_queue_depth{status}` (`queued`, `sending`);
//! - `nudge_sms_consent_changes_total{event, source}` (opt-outs and opt-ins);
//! - and, kept from before: `nudge_sms_inbound_total{outcome}`,
//!   `nudge_sms_outbound_total{kind, status}`,
//!   `nudge_sms_outbound_results_total{status}`,
//!   `nudge_sms_status_callbacks_total{status}`,
//!   `nudge_sms_inbound_dispatch_total{outcome}`;
//! - `nudge_sms_spooled_total{kind}` (webhooks kept in the spool while the
//!   database was away: `inbound`, `status`),
//!   `nudge_sms_spool_drained_total{kind, outcome}` (spooled webhooks
//!   stored once it returned; `outcome` as in `nudge_sms_inbound_total`, or
//!   `stored` for a status), `nudge_sms_webhook_refusals_total{path, reason}`
//!   (a verified webhook answered 503: `database_and_spool`, `database_no_spool`),
//!   `nudge_sms_webhooks_late_total{path}` (verified webhooks the database
//!   had not stored within `sms.webhook_store_deadline_ms`: then answered
//!   as soon as the spool or the database keeps them, whichever first).
//! - `nudge_sms_inbound_set_aside_total{reason}`: inbound messages the agent
//!   can never take (`invalid_argument`, `not_found`, `failed_precondition`,
//!   `undecryptable`), kept with `set_aside_reason`, never retried;
//! - `nudge_sms_inbound_dispatch_paused_total`: times handing over paused
//!   because the agent could not be reached.

pub(crate) fn inbound(outcome: &'static str) {
    metrics::counter!("nudge_sms_inbound_total", "outcome" => outcome).increment(1);
    message("inbound", outcome);
}

pub(crate) fn message(direction: &'static str, status: &'static str) {
    metrics::counter!("nudge_sms_messages_total", "direction" => direction, "status" => status).increment(1);
}

pub(crate) fn inbound_segments(segments: u32) {
    metrics::counter!("nudge_sms_segments_total", "direction" => "inbound").increment(u64::from(segments));
}

pub(crate) fn outbound_queued(kind: &'static str, segments: u32) {
    metrics::counter!("nudge_sms_outbound_total", "kind" => kind, "status" => "queued").increment(1);
    metrics::counter!("nudge_sms_segments_total", "direction" => "outbound").increment(u64::from(segments));
    message("outbound", "queued");
}

pub(crate) fn outbound_result(status: &'static str) {
    metrics::counter!("nudge_sms_outbound_results_total", "status" => status).increment(1);
}

pub(crate) fn send_latency(seconds: f64) {
    metrics::histogram!("nudge_sms_send_duration_seconds").record(seconds);
}

pub(crate) fn sender_stage(stage: &'static str, seconds: f64) {
    metrics::histogram!("nudge_sms_sender_stage_seconds", "stage" => stage).record(seconds);
}

pub(crate) fn webhook_latency(path: &'static str, seconds: f64) {
    metrics::histogram!("nudge_sms_webhook_duration_seconds", "path" => path).record(seconds);
}

pub(crate) fn queue_depth(status: &'static str, depth: i64) {
    metrics::gauge!("nudge_sms_outbound_queue_depth", "status" => status).set(depth as f64);
}

pub(crate) fn consent_change(event: &'static str, source: &'static str) {
    metrics::counter!("nudge_sms_consent_changes_total", "event" => event, "source" => source).increment(1);
}

pub(crate) fn number_event(event: &'static str) {
    metrics::counter!("nudge_sms_numbers_total", "event" => event).increment(1);
}

/// A Twilio status as a label: Twilio's known statuses, else `other`.
pub(crate) fn status_label(status: &str) -> &'static str {
    match status {
        "queued" => "queued",
        "accepted" => "accepted",
        "scheduled" => "scheduled",
        "sending" => "sending",
        "sent" => "sent",
        "delivered" => "delivered",
        "undelivered" => "undelivered",
        "failed" => "failed",
        "read" => "read",
        "canceled" => "canceled",
        "partially_delivered" => "partially_delivered",
        _ => "other",
    }
}

pub(crate) fn status_callback(status: &str) {
    metrics::counter!("nudge_sms_status_callbacks_total", "status" => status_label(status)).increment(1);
}

pub(crate) fn dispatched(outcome: &'static str) {
    metrics::counter!("nudge_sms_inbound_dispatch_total", "outcome" => outcome).increment(1);
}

pub(crate) fn spooled(kind: &'static str) {
    metrics::counter!("nudge_sms_spooled_total", "kind" => kind).increment(1);
}

pub(crate) fn spool_drained(kind: &'static str, outcome: &'static str) {
    metrics::counter!("nudge_sms_spool_drained_total", "kind" => kind, "outcome" => outcome).increment(1);
}

pub(crate) fn webhook_late(path: &'static str) {
    metrics::counter!("nudge_sms_webhooks_late_total", "path" => path).increment(1);
}

pub(crate) fn webhook_refused(path: &'static str, reason: &'static str) {
    metrics::counter!("nudge_sms_webhook_refusals_total", "path" => path, "reason" => reason).increment(1);
}

pub(crate) fn set_aside(reason: &'static str) {
    metrics::counter!("nudge_sms_inbound_set_aside_total", "reason" => reason).increment(1);
}

pub(crate) fn dispatch_paused() {
    metrics::counter!("nudge_sms_inbound_dispatch_paused_total").increment(1);
}
