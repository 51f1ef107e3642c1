//! Parsing throughput on a mixed French/English corpus (one-offs, relative
//! times, recurrences, messages without a time). Criterion reports it in
//! elements (phrases) per second; the target is at least 50,000 per second on
//! one core.

use std::hint::black_box;

use chrono::TimeZone;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nudge_when::{Context, Tz, parse, run_jsonl};

const CORPUS: &[&str] = &[
    "rappelle-moi de boire de l'eau dans 2 minutes",
    "remind me to call mom tomorrow at 5",
    "le 5 mars à 14h30",
    "March 5 at 2:30pm",
    "2026-03-05 14:30",
    "dans une heure et demie",
    "in half an hour",
    "après-demain",
    "à soir on sort les vidanges",
    "lundi prochain à 13h conférence",
    "next friday pick up the cake",
    "this weekend clean the garage",
    "demain matin appeler le garage",
    "quinze heures trente rendez-vous",
    "at three thirty meeting with Bob",
    "au souper prendre mes pilules",
    "tous les jours à 8h prendre mes vitamines",
    "every weekday at 9 check email",
    "every 2 weeks on monday pay rent",
    "le premier de chaque mois payer le loyer",
    "every 3 hours drink water",
    "chaque mardi et jeudi à 18h cours de yoga",
    "n'oublie pas de sortir les poubelles demain soir",
    "don't let me forget to water the plants tonight",
    "in 30 seconds",
    "dans 30 secondes",
    "I have 2 cats",
    "deux trois choses",
    "call 555-1234",
    "buy 3 apples",
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
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(CORPUS.len() as u64));
    group.bench_function("mixed_corpus", |b| {
        b.iter(|| {
            for phrase in CORPUS {
                let _ = black_box(parse(black_box(phrase), &ctx));
            }
        });
    });
    let input = CORPUS.join("\n");
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
