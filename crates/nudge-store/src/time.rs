use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};

/// The current instant as stored: UTC, truncated to milliseconds so both
/// backends keep exactly the same value (PostgreSQL keeps microseconds,
/// SQLite keeps what it is given as text).
pub fn now() -> NaiveDateTime {
    truncate(Utc::now()).naive_utc()
}

/// Converts an instant to its stored form.
pub fn to_utc(at: DateTime<Utc>) -> NaiveDateTime {
    truncate(at).naive_utc()
}

fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at)
}
