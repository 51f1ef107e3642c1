//! The workers and sms-router gRPC clients a fleet creates reminders and
//! assigns numbers with.

use chrono::{DateTime, Utc};
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_proto::workers::reminder_service_client::ReminderServiceClient;
use nudge_proto::workers::{CreateReminderRequest, CreateReminderResponse};
use prost_types::Timestamp;
use tonic::transport::Channel;

pub type Workers = ReminderServiceClient<Channel>;

/// A client of the workers gRPC API on `port`.
pub async fn workers(port: u16) -> Workers {
    ReminderServiceClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("workers gRPC reachable")
}

/// A client of sms-router's gRPC API on `port`.
pub async fn sms_router(port: u16) -> SmsRouterServiceClient<Channel> {
    SmsRouterServiceClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("sms-router gRPC reachable")
}

pub fn ts(at: DateTime<Utc>) -> Option<Timestamp> {
    Some(nudge_proto::time::to_timestamp(at))
}

/// `at` rounded to the millisecond, as workers stores it.
pub fn millis(at: DateTime<Utc>) -> DateTime<Utc> {
    nudge_store::to_utc(at).and_utc()
}

/// A one-off reminder in Montreal, in English.
pub fn reminder(user_id: &str, text: &str, due_at: DateTime<Utc>) -> CreateReminderRequest {
    CreateReminderRequest {
        user_id: user_id.to_owned(),
        text: text.to_owned(),
        due_at: ts(due_at),
        timezone: "America/Montreal".to_owned(),
        language: "en".to_owned(),
        idempotency_key: format!("test:{}", uuid::Uuid::new_v4()),
        rrule: String::new(),
        urgent: false,
    }
}

pub async fn create(workers: &mut Workers, request: CreateReminderRequest) -> CreateReminderResponse {
    workers.create_reminder(request).await.expect("created").into_inner()
}
