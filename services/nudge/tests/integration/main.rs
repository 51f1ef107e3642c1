//! The `nudge` integration tests, one binary with one module per area
//! (`cargo test -p nudge --test integration sms_outbound::`), sharing `helpers`.
//! One binary links once, where one per file linked 26 times.

mod helpers;

mod agent_sms;
mod api_data;
mod api_hardening;
mod api_identity;
mod api_rate_limits_processes;
mod cli;
mod crash_recovery;
mod distributed_slice;
mod edges;
mod embedded_slice;
mod gdpr;
mod key_rotation;
mod operator_first_hour;
mod reminders_distributed;
mod reminders_kill_workers;
mod reminders_manage;
mod reminders_missed;
mod reminders_nagging;
mod reminders_quiet_hours;
mod sealed_identifiers;
mod security_phone;
mod sms_compliance;
mod sms_dispatch;
mod sms_edges;
mod sms_idempotency;
mod sms_numbers;
mod sms_outbound;
mod sms_sender;
mod sms_signatures;
mod sms_spool;
mod sms_usage;
