//! The `nudge` command's building blocks, shared with the integration tests
//! and benchmarks: the embedded stack ([`embedded`]), the `nudge dev` data
//! directory and terminal ([`dev`]), and a sender of signed Twilio webhooks
//! ([`webhook`]).

pub mod dev;
pub mod embedded;
pub mod webhook;
