//! Conversions between `google.protobuf.Timestamp` and chrono.

use chrono::{DateTime, Utc};

use crate::ServiceError;

pub fn to_timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// Reads a required timestamp field; `field` names it in the error.
pub fn from_timestamp(at: Option<&prost_types::Timestamp>, field: &str) -> Result<DateTime<Utc>, ServiceError> {
    let at = at.ok_or_else(|| ServiceError::invalid_argument(format!("{field} is required")))?;
    let nanos =
        u32::try_from(at.nanos).map_err(|_| ServiceError::invalid_argument(format!("{field} has negative nanos")))?;
    DateTime::from_timestamp(at.seconds, nanos)
        .ok_or_else(|| ServiceError::invalid_argument(format!("{field} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_the_instant() {
        let at = DateTime::parse_from_rfc3339("2026-03-08T07:30:00.250Z")
            .map(|d| d.with_timezone(&Utc))
            .expect("valid date");
        assert_eq!(from_timestamp(Some(&to_timestamp(at)), "due_at"), Ok(at));
    }

    #[test]
    fn missing_field_is_named() {
        let err = from_timestamp(None, "due_at").expect_err("must fail");
        assert_eq!(err.message, "due_at is required");
    }
}
