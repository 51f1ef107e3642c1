//! Reads one phrase per argument and prints what the parser makes of it
//! (`When::to_json()`, the alternatives and the end), at the time given by
//! `NOW` (RFC 3339) in the zone `TZ` (IANA), for trying phrases while working
//! on the grammar.
//!
//! ```text
//! NOW=2026-03-04T10:00:00-05:00 TZ=America/Montreal cargo run -p nudge-when --example when -- "demain à 6h"
//! ```

fn main() -> std::io::Result<()> {
    use std::io::Write as _;
    let tz: nudge_when::Tz = std::env::var("TZ")
        .ok()
        .and_then(|z| z.parse().ok())
        .unwrap_or(nudge_when::Tz::America__Montreal);
    let now = std::env::var("NOW")
        .ok()
        .and_then(|n| chrono::DateTime::parse_from_rfc3339(&n).ok())
        .map_or_else(|| chrono::Utc::now().with_timezone(&tz), |n| n.with_timezone(&tz));
    let ctx = nudge_when::Context::new(now);
    let mut out = std::io::stdout().lock();
    for phrase in std::env::args().skip(1) {
        match nudge_when::parse(&phrase, &ctx) {
            Ok(when) => {
                let alternatives: Vec<String> = when.alternatives.iter().map(|a| a.to_rfc3339()).collect();
                let end = when.end.map(|e| e.to_rfc3339());
                writeln!(
                    out,
                    "{phrase:?}\t{}\talternatives {alternatives:?}\tend {end:?}",
                    when.to_json()
                )?;
            }
            Err(error) => writeln!(out, "{phrase:?}\terror: {error}")?,
        }
    }
    Ok(())
}
