//! The `nudge-store` integration tests, one binary with one module per area
//! (`cargo test -p nudge-store --test integration transactions::`).

mod backends;
mod person_keys;
mod transactions;
