//! Times as the other services send them (protobuf `Timestamp`), as the
//! api answers them.

use chrono::{DateTime, Utc};

pub(crate) fn time(at: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}
