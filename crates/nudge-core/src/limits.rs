//! Limits more than one service enforces or states (workers enforces the
//! nag settings; the api's OpenAPI document states them).

/// The most nags a person may ask for.
pub const MAX_NAG_LIMIT: u32 = 20;
/// The longest nag interval, in seconds (a day).
pub const MAX_NAG_INTERVAL_SECONDS: u32 = 24 * 60 * 60;
