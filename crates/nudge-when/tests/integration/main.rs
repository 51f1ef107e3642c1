//! The parser's integration tests, one binary: the public API (`api`),
//! daylight saving (`dst`), and the phrase tables: how people text reminders, in French and English, with the
//! expected `When::to_json()` (or error). Every table reads its phrases on
//! Wednesday 2026-03-04 at 10:00 in America/Montreal (EST, -05:00; clocks
//! spring forward on Sunday 2026-03-08, so later dates are -04:00).

mod api;
mod common;
mod dst;
mod en_absolute;
mod en_as_people_text;
mod en_negative;
mod en_others_wrote;
mod en_recurrence;
mod en_relative;
mod en_text;
mod fr_absolute;
mod fr_as_people_text;
mod fr_negative;
mod fr_others_wrote;
mod fr_recurrence;
mod fr_relative;
mod fr_text;
mod other_clocks;
