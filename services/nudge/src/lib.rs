//! The `nudge` command's building blocks, shared with the integration tests
//! and benchmarks: the embedded stack ([`embedded`]), the `nudge dev` data
//! directory and terminal ([`dev`]), a sender of signed Twilio webhooks
//! ([`webhook`]), and `nudge text` ([`text`]).

pub mod dev;
pub mod embedded;
pub mod text;
pub mod webhook;
