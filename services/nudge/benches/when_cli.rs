//! `nudge when --jsonl` throughput: how many phrases per second the command
//! reads, parses and prints, pinned to one core (`taskset -c 0`), on a mixed
//! French/English corpus (one-offs, relative times, recurrences, texts
//! without a time). The target is at least 50,000 phrases per second.
//!
//! Run: `cargo bench -p nudge --bench when_cli`. Prints a Markdown table for
//! docs/benchmarks.md.
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use nudge_harness::bench::cpu_model;

include!("../../../crates/nudge-when/benches/corpus/phrases.rs");

/// This benchmark's own phrases, after [`SHARED_PHRASES`].
const OWN_PHRASES: &[&str] = &[
    "every weekday at 9am check email",
    "call 555-1234 about the car",
    "remind me in 2 minutes to drink water",
    "rappelle-moi dans 20 minutes de sortir le chien",
    "tomorrow at noon lunch with Léa",
    "vendredi à midi dîner avec Paul",
    "remind me on the 15th to pay the credit card",
    "le 15 de chaque mois payer la carte",
    "every year on march 5 call grandma",
    "tous les ans le 12 juin fête de maman",
    "at 7 in the evening take out the trash",
    "ce soir à 8h appeler Julie",
];
const LINES: usize = 200_000;
const RUNS: usize = 3;

fn main() -> anyhow::Result<()> {
    // `cargo bench` builds the binary with the bench (release) profile.
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_nudge"));
    let corpus = corpus(OWN_PHRASES);
    let input: String = corpus
        .iter()
        .cycle()
        .take(LINES)
        .map(|line| format!("{line}\n"))
        .collect();

    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut child = Command::new("taskset")
            .args(["-c", "0"])
            .arg(&binary)
            .args([
                "when",
                "--jsonl",
                "--now",
                "2026-03-04T10:00:00-05:00",
                "--tz",
                "America/Montreal",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("run nudge when (is taskset installed?)")?;
        let mut stdin = child.stdin.take().context("stdin")?;
        let chunk = input.clone();
        let feeder = std::thread::spawn(move || stdin.write_all(chunk.as_bytes()));
        let output = child.wait_with_output().context("nudge when output")?;
        let elapsed = started.elapsed();
        feeder.join().map_err(|_| anyhow::anyhow!("feeder panicked"))??;
        let lines = output.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
        ensure!(output.status.success(), "nudge when failed");
        ensure!(lines == LINES, "{lines} lines out for {LINES} in");
        let nulls = output.stdout.split(|b| *b == b'\n').filter(|l| *l == b"null").count();
        let expected_nulls = corpus
            .iter()
            .filter(|p| {
                [
                    "I have 2 cats",
                    "deux trois choses",
                    "buy 3 apples",
                    "call 555-1234 about the car",
                ]
                .contains(p)
            })
            .count()
            * (LINES / corpus.len());
        ensure!(nulls >= expected_nulls, "texts without a time must print null");
        rates.push(LINES as f64 / elapsed.as_secs_f64());
        std::thread::sleep(Duration::from_millis(200));
    }
    rates.sort_by(f64::total_cmp);
    let cpu = cpu_model().unwrap_or_default();
    println!("| `nudge when --jsonl`, one core ({cpu}) | phrases/s |");
    println!("|---|---:|");
    println!("| slowest of {RUNS} runs of {LINES} lines | {:.0} |", rates[0]);
    println!("| median | {:.0} |", rates[RUNS / 2]);
    println!("| fastest | {:.0} |", rates[RUNS - 1]);
    Ok(())
}
