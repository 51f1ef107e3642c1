// The phrases both `when` benchmarks parse: this crate's `parse` (the
// parser in-process) and `nudge`'s `when_cli` (the command), which includes
// this file with `include!` so that the two measure the same texts without
// one depending on the other. Each adds phrases of its own.
//
// A subdirectory, so that Cargo does not take this file for a benchmark.

/// One-offs, relative times, recurrences and texts without a time, in French and English.
const SHARED_PHRASES: &[&str] = &[
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
    "buy 3 apples",
];

/// The shared phrases, then a benchmark's `own`.
fn corpus(own: &[&'static str]) -> Vec<&'static str> {
    SHARED_PHRASES.iter().chain(own).copied().collect()
}
