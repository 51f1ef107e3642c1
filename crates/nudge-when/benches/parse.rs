//! Parsing throughput on a mixed French/English corpus (one-offs, relative
//! times, recurrences, messages without a time). Criterion reports it in
//! elements (phrases) per second; the target is at least 100,000 per second
//! on one core (issue 15; run it under `taskset -c 0`).

use std::hint::black_box;

use chrono::TimeZone;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nudge_when::{Context, Tz, parse, run_jsonl};

include!("corpus/phrases.rs");

/// This benchmark's own phrases, after [`SHARED_PHRASES`].
const OWN_PHRASES: &[&str] = &[
    "every weekday at 9 check email",
    "call 555-1234",
    "rdv chez le coiffeur le 12 mars à 10h30",
    "doctor appt march 10 at 9:45am",
    "dentist on the 15th at 2",
    "fais-moi penser de sortir le chien dans 1h30",
    "every tuesday and thursday at 9",
    "du lundi au vendredi à 7h",
    "tonight at midnight",
    "later",
    "peux-tu me rappeler de prendre mes pilules à 9h du soir",
    "Pick up dry cleaning Thursday after 5",
];

#[expect(clippy::unwrap_used, reason = "a fixed, valid benchmark clock")]
fn context() -> Context {
    Context::new(
        Tz::America__Montreal
            .with_ymd_and_hms(2026, 3, 4, 10, 0, 0)
            .single()
            .unwrap(),
    )
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    let corpus = corpus(OWN_PHRASES);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("mixed_corpus", |b| {
        b.iter(|| {
            for phrase in &corpus {
                let _ = black_box(parse(black_box(phrase), &ctx));
            }
        });
    });
    let input = corpus.join("\n");
    let mut output = Vec::with_capacity(input.len() * 4);
    group.bench_function("run_jsonl", |b| {
        b.iter(|| {
            output.clear();
            run_jsonl(black_box(input.as_bytes()), &mut output, &ctx)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
