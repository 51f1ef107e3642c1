//! `nudge when --score FILE` without building the `nudge` binary: scores the
//! parser on JSON-lines cases (see `nudge_when::score`).
//!
//! ```text
//! cargo run -p nudge-when --example score -- chrono.jsonl
//! ```

fn main() -> std::io::Result<()> {
    use std::io::Write as _;
    let Some(path) = std::env::args().nth(1) else {
        writeln!(std::io::stderr().lock(), "usage: score <cases.jsonl>")?;
        std::process::exit(2);
    };
    let input = std::io::BufReader::new(std::fs::File::open(path)?);
    nudge_when::score::score(input, std::io::stdout().lock())?;
    Ok(())
}
