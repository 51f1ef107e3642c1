//! The local engine's throughput on one core: `cargo bench -p nudge-agent --bench local_engine`.
//! Criterion reports it in elements (messages) per second over a mixed
//! French/English set of the messages people send most.

use std::hint::black_box;

use chrono::TimeZone as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nudge_agent::testing::LocalEngine;
use nudge_core::Language;

const MESSAGES: &[&str] = &[
    "remind me in 20 minutes to stretch",
    "rappelle-moi demain à 8h de prendre mes médicaments",
    "done",
    "c'est fait",
    "snooze 20",
    "plus tard",
    "list",
    "mes rappels",
    "cancel 2",
    "add buy milk",
    "ajoute appeler le garage demain à 10h",
    "tasks",
    "done 1",
    "remember my sister is Léa",
    "what do you know about me?",
    "qu'est-ce que tu sais sur moi",
    "forget my sister",
    "timezone Europe/Paris",
    "every weekday at 9am stand-up",
    "blue elephants dance",
];

fn local_engine(criterion: &mut Criterion) {
    let now = chrono_tz::Europe::Paris
        .with_ymd_and_hms(2026, 3, 4, 10, 0, 0)
        .single()
        .expect("valid");
    let engine = LocalEngine::new(now, Language::En);
    let mut group = criterion.benchmark_group("local engine");
    group.throughput(Throughput::Elements(MESSAGES.len() as u64));
    group.bench_function("messages on one thread", |bencher| {
        bencher.iter(|| {
            for message in MESSAGES {
                black_box(engine.understand(black_box(message)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, local_engine);
criterion_main!(benches);
