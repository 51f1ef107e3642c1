//! The gRPC contracts between Nudge's services, generated at build time from
//! `proto/`, and the error vocabulary shared by every service.
//!
//! Generated types stay at the edges: each service converts them to its own
//! domain types in its gRPC layer.

mod error;
pub mod time;

pub use error::{ErrorCode, ServiceError};

/// `nudge.agent.v1`: the agent service.
pub mod agent {
    #![allow(clippy::all, reason = "generated code, not ours to lint")]
    tonic::include_proto!("nudge.agent.v1");
}

/// `nudge.workers.v1`: reminders and the scheduler.
pub mod workers {
    #![allow(clippy::all, reason = "generated code, not ours to lint")]
    tonic::include_proto!("nudge.workers.v1");
}

/// `nudge.sms.v1`: the SMS router.
pub mod sms {
    #![allow(clippy::all, reason = "generated code, not ours to lint")]
    tonic::include_proto!("nudge.sms.v1");
}

/// `nudge.privacy.v1`: GDPR export and erasure, served by every service that
/// holds personal data (agent, workers, sms-router).
pub mod privacy {
    #![allow(clippy::all, reason = "generated code, not ours to lint")]
    tonic::include_proto!("nudge.privacy.v1");
}
