//! Reads one phrase per argument and prints what the parser makes of it, in
//! the zone and at the time given by `NOW` (RFC 3339) and `TZ` (IANA), for
//! trying phrases while working on the grammar.
//!
//! ```text
//! NOW=2026-03-04T10:00:00-05:00 TZ=America/Montreal cargo run -p nudge-when --example when -- "demain à 6h"
//! ```

fn main() {
    use chrono::DateTime;
    let tz: nudge_when::Tz = std::env::var("TZ")
        .ok()
        .and_then(|z| z.parse().ok())
        .unwrap_or(nudge_when::Tz::America__Montreal);
    let now = std::env::var("NOW")
        .ok()
        .and_then(|n| DateTime::parse_from_rfc3339(&n).ok())
        .map_or_else(|| chrono::Utc::now().with_timezone(&tz), |n| n.with_timezone(&tz));
    let ctx = nudge_when::Context::new(now);
    for phrase in std::env::args().skip(1) {
        match nudge_when::parse(&phrase, &ctx) {
            Ok(when) => println!(
                "{phrase:?}\t{}\talternatives {:?}\tend {:?}",
                when.to_json(),
                when.alternatives.iter().map(|a| a.to_rfc3339()).collect::<Vec<_>>(),
                when.end.map(|e| e.to_rfc3339())
            ),
            Err(error) => println!("{phrase:?}\terror: {error}"),
        }
    }
}
