//! The agent's integration tests, one binary: the evaluation harness
//! (scripted conversations with the local engine and with a fake model
//! provider), long-term memory by SMS, and the gRPC overhead benchmarks
//! (ignored; run in release). `helpers` starts an agent against fake
//! workers and sms-router over gRPC.

mod helpers;

mod bench_overhead;
mod memory;
mod scenarios_local;
mod scenarios_provider;
