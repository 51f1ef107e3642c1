//! Lexical ranking, pure: the words of a memory (folded, light stemming,
//! stopwords out) as keyed hashes, their weights (rarer words weigh more),
//! and the pruned scoring over the term index ([`Scores`]); the subject of a
//! fact (a newer one supersedes it) and relative dates made absolute.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime};
use nudge_core::Language;

use crate::engine::fold;

/// Keyed-hash context of a memory's indexed terms.
pub(crate) const MEMORY_TERM: &[u8] = b"agent.memory.term";

/// Bytes kept of a term's keyed hash (128 bits: collisions are out of reach).
const TERM_HASH_LEN: usize = 16;

/// The keyed hash under which a term of the person's memories is indexed:
/// the person is part of the hashed data, so the same word of two people
/// gives two hashes.
pub(crate) fn term_hash(keys: &nudge_secure::KeyRing, user_id: &str, term: &str) -> Vec<u8> {
    let data = [user_id.as_bytes(), &[0], term.as_bytes()].concat();
    keys.keyed_hash(MEMORY_TERM, &data)[..TERM_HASH_LEN].to_vec()
}

/// The distinct keyed hashes of a text's terms.
pub(crate) fn term_hashes(keys: &nudge_secure::KeyRing, user_id: &str, text: &str) -> Vec<Vec<u8>> {
    let distinct: HashSet<String> = terms(text).into_iter().collect();
    let mut hashes: Vec<Vec<u8>> = distinct.iter().map(|t| term_hash(keys, user_id, t)).collect();
    hashes.sort();
    hashes.dedup();
    hashes
}

/// A memory holding one of the query's terms, from the index.
#[derive(Debug, Clone)]
pub(crate) struct Posting {
    pub(crate) memory_id: String,
    pub(crate) term: Vec<u8>,
}

/// A query term as [`rank`] weighs it: rarer terms weigh more.
#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    pub(crate) term: Vec<u8>,
    pub(crate) weight: f64,
}

/// The query's terms (`wanted`, keyed hashes) that some memory holds, with
/// [`rank`]'s weights (`frequency`: how many active memories hold each term;
/// `total`: how many active memories there are), heaviest (rarest) first.
pub(crate) fn weigh(wanted: &[Vec<u8>], frequency: &HashMap<Vec<u8>, usize>, total: usize) -> Vec<Weighted> {
    let mut weighted: Vec<Weighted> = wanted
        .iter()
        .filter_map(|term| {
            let n = frequency.get(term).copied().filter(|n| *n > 0)?;
            Some(Weighted {
                term: term.clone(),
                weight: (1.0 + total as f64 / n as f64).ln(),
            })
        })
        .collect();
    weighted.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.term.cmp(&b.term)));
    weighted
}

/// Slack on score bounds, far above the rounding error of summing a few
/// weights and far below [`quantized`]'s precision: a bound is only trusted
/// to exclude a memory when it is below the threshold by more than this.
const BOUND_SLACK: f64 = 1e-6;

/// Scores of a query built from the index, rarest term first, reading as
/// few index rows as an exact top `limit` allows (max-score pruning):
///
/// 1. The holders of each term are read in full, rarest term first, until
///    `limit` memories score more than all the unread terms together: a
///    memory holding none of the terms read so far cannot reach the top.
/// 2. The unread (common) terms are then looked up only for the memories
///    that, holding them all, could still reach the `limit`-th score.
///
/// The result is [`rank`]'s for every memory that can be shown, ties at the
/// cut included (a memory left out could neither enter the top `limit` nor
/// tie with its last one), so the index ranks exactly as a full scan does.
#[derive(Debug)]
pub(crate) struct Scores<'a> {
    terms: &'a [Weighted],
    /// How many of `terms` have been read in full.
    read: usize,
    /// Score so far of each memory holding a term read, summed in `terms` order.
    partial: HashMap<String, f64>,
    limit: usize,
}

impl<'a> Scores<'a> {
    pub(crate) fn new(terms: &'a [Weighted], limit: usize) -> Scores<'a> {
        Scores {
            terms,
            read: 0,
            partial: HashMap::new(),
            limit,
        }
    }

    /// The next term whose holders must be read in full, or `None` once the
    /// memories holding none of the terms read so far are out of the running.
    pub(crate) fn next_to_read(&self) -> Option<&'a [u8]> {
        let term = self.terms.get(self.read)?;
        let unread: f64 = self.terms[self.read..].iter().map(|t| t.weight).sum();
        let above = self.partial.values().filter(|s| **s > unread + BOUND_SLACK).count();
        (above < self.limit).then_some(term.term.as_slice())
    }

    /// The terms [`Scores::next_to_read`] would give next if each were read
    /// in turn (rarest first), as many as fit in `rows` index rows by
    /// `frequency` (at least one): reading all of them in one round trip ranks
    /// the same, as reading a term in full is never wrong, only more work.
    pub(crate) fn next_batch(&self, frequency: &HashMap<Vec<u8>, usize>, rows: usize) -> Vec<&'a [u8]> {
        if self.next_to_read().is_none() {
            return Vec::new();
        }
        let mut batch = Vec::new();
        let mut total = 0;
        for term in &self.terms[self.read..] {
            let n = frequency.get(&term.term).copied().unwrap_or(0);
            if !batch.is_empty() && total + n > rows {
                break;
            }
            total += n;
            batch.push(term.term.as_slice());
        }
        batch
    }

    /// The holders of the term [`Scores::next_to_read`] gave.
    pub(crate) fn read(&mut self, holders: impl IntoIterator<Item = String>) {
        let Some(term) = self.terms.get(self.read) else {
            return;
        };
        for id in holders {
            *self.partial.entry(id).or_default() += term.weight;
        }
        self.read += 1;
    }

    /// The terms not read in full (the most common), and the memories that
    /// could still reach the top `limit` if they held them all: only these
    /// must be looked up for those terms ([`Scores::complete`]).
    pub(crate) fn to_complete(&self) -> (Vec<Vec<u8>>, Vec<String>) {
        let unread = &self.terms[self.read..];
        if unread.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let most: f64 = unread.iter().map(|t| t.weight).sum();
        let threshold = self.threshold();
        let ids = self
            .partial
            .iter()
            .filter(|(_, score)| **score + most + BOUND_SLACK >= threshold)
            .map(|(id, _)| id.clone())
            .collect();
        (unread.iter().map(|t| t.term.clone()).collect(), ids)
    }

    /// The `limit`-th best score so far (a lower bound of the final one).
    fn threshold(&self) -> f64 {
        let mut scores: Vec<f64> = self.partial.values().copied().collect();
        if scores.len() < self.limit || self.limit == 0 {
            return 0.0;
        }
        let (_, nth, _) = scores.select_nth_unstable_by(self.limit - 1, |a, b| b.total_cmp(a));
        *nth
    }

    /// The memories of [`Scores::to_complete`] with the unread terms they
    /// hold (postings), then the candidates: every memory scoring at least
    /// as much as the `limit`-th, with its score, best first, so ties at the
    /// cut can be broken by age ([`best`]).
    pub(crate) fn complete(self, held: &[Posting], checked: &[String]) -> Vec<(i64, String)> {
        let unread = &self.terms[self.read..];
        let checked: HashSet<&str> = checked.iter().map(String::as_str).collect();
        let mut holds: HashMap<&str, HashSet<&[u8]>> = HashMap::new();
        for posting in held {
            holds
                .entry(posting.memory_id.as_str())
                .or_default()
                .insert(posting.term.as_slice());
        }
        let no_terms = HashSet::new();
        let mut scored: Vec<(i64, String)> = self
            .partial
            .iter()
            .filter(|(id, _)| unread.is_empty() || checked.contains(id.as_str()))
            .map(|(id, partial)| {
                let holds = holds.get(id.as_str()).unwrap_or(&no_terms);
                let score = unread
                    .iter()
                    .filter(|t| holds.contains(t.term.as_slice()))
                    .fold(*partial, |sum, t| sum + t.weight);
                (quantized(score), id.clone())
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        if self.limit == 0 {
            return Vec::new();
        }
        if let Some(cut) = scored.get(self.limit - 1).map(|(score, _)| *score) {
            scored.retain(|(score, _)| *score >= cut);
        }
        scored
    }
}

/// The best `limit` of the candidates ([`Scores::complete`]), given when each was created
/// (`created`: id -> creation; a candidate missing from it is left out):
/// higher score first, then the later one, as [`rank`] orders.
pub(crate) fn best(
    candidates: &[(i64, String)],
    created: &HashMap<String, NaiveDateTime>,
    limit: usize,
) -> Vec<String> {
    let mut ordered: Vec<(i64, NaiveDateTime, &str)> = candidates
        .iter()
        .filter_map(|(score, id)| created.get(id).map(|at| (*score, *at, id.as_str())))
        .collect();
    ordered.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(a.2)));
    ordered
        .into_iter()
        .take(limit)
        .map(|(_, _, id)| id.to_owned())
        .collect()
}

/// Words that carry no meaning for recall.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "my",
    "me",
    "i",
    "is",
    "are",
    "am",
    "to",
    "of",
    "at",
    "in",
    "on",
    "and",
    "or",
    "for",
    "do",
    "you",
    "what",
    "whats",
    "what's",
    "about",
    "know",
    "that",
    "it",
    "be",
    "with",
    "le",
    "la",
    "les",
    "l",
    "un",
    "une",
    "des",
    "de",
    "du",
    "d",
    "mon",
    "ma",
    "mes",
    "je",
    "j",
    "tu",
    "est",
    "c",
    "c'est",
    "que",
    "qu",
    "quoi",
    "sur",
    "moi",
    "et",
    "ou",
    "en",
    "au",
    "aux",
    "pour",
    "avec",
    "sais",
    "sait",
    "quel",
    "quelle",
    "qui",
    "who",
    "where",
    "when",
    "ce",
    "cest",
    "s'appelle",
    "sappelle",
    "named",
    "called",
];

/// Folded words of a text, without punctuation, lightly stemmed.
pub(crate) fn terms(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .flat_map(|word| word.split('\''))
        .filter(|word| !word.is_empty() && !STOPWORDS.contains(word))
        .map(stem)
        .collect()
}

/// Plural and common endings off, so "médicaments" finds "médicament".
fn stem(word: &str) -> String {
    let word = word.trim_end_matches(['s', 'x']);
    let word = if word.len() > 5 {
        word.trim_end_matches("ing")
    } else {
        word
    };
    word.to_owned()
}

/// A fact's text compared for duplicates: folded, punctuation and spacing ignored.
pub(crate) fn normalized(text: &str) -> String {
    fold(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a fact is about, to find the one it contradicts: the words before
/// "is" / "est" / "c'est" / "s'appelle" ... ("my sister"), or else, for a fact
/// holding numbers ("je prends mes médicaments à 8h"), its words without them.
pub(crate) fn subject(text: &str) -> Option<String> {
    let words = normalized(text);
    let padded = format!(" {words} ");
    for copula in [
        " is ",
        " are ",
        " was ",
        " est ",
        " sont ",
        " c'est ",
        " s'appelle ",
        " se nomme ",
        " vit ",
        " lives ",
        " habite ",
        " works ",
        " travaille ",
    ] {
        if let Some(at) = padded.find(copula) {
            let before = padded[..at].trim();
            let count = before.split(' ').count();
            if !before.is_empty() && count <= 5 {
                return Some(format!("{before}{}", copula.trim_end()));
            }
        }
    }
    if words.chars().any(|c| c.is_ascii_digit()) {
        let rest: Vec<&str> = words
            .split(' ')
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .collect();
        if rest.len() >= 2 {
            return Some(rest.join(" "));
        }
    }
    None
}

/// Words that make a date in a fact relative to when it was said.
const RELATIVE: &[&str] = &[
    "today",
    "tonight",
    "tomorrow",
    "next",
    "this",
    "in",
    "aujourd'hui",
    "aujourdhui",
    "ce",
    "cette",
    "demain",
    "apres-demain",
    "prochain",
    "prochaine",
    "dans",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

/// The fact with a relative date written as an absolute one:
/// "my exam is tomorrow" said on 2026-03-04 -> "my exam is on 2026-03-05".
/// Facts without a relative date, or whose date cannot be read, are kept as written.
pub(crate) fn absolute(text: &str, now: DateTime<chrono_tz::Tz>, language: Language) -> String {
    let folded = fold(text);
    let relative = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .any(|w| RELATIVE.contains(&w));
    if !relative {
        return text.to_owned();
    }
    let mut context = nudge_when::Context::new(now);
    context.lang = match language {
        Language::Fr => nudge_when::LangHint::Fr,
        Language::En => nudge_when::LangHint::En,
    };
    let Ok(when) = nudge_when::parse(text, &context) else {
        return text.to_owned();
    };
    if when.rrule.is_some() || when.text.is_empty() {
        return text.to_owned();
    }
    let at = when.at.with_timezone(&now.timezone());
    let with_time = when.grain <= nudge_when::Grain::Hour;
    let date = match (language, with_time) {
        (Language::En, false) => format!("on {}", at.format("%Y-%m-%d")),
        (Language::En, true) => format!(
            "on {} at {}",
            at.format("%Y-%m-%d"),
            nudge_core::clock_time(&at, language)
        ),
        (Language::Fr, false) => format!("le {}", at.format("%d/%m/%Y")),
        (Language::Fr, true) => format!(
            "le {} à {}",
            at.format("%d/%m/%Y"),
            nudge_core::clock_time(&at, language)
        ),
    };
    format!("{} {date}", when.text.trim_end_matches([',', ' ']))
}

/// A score compared at a precision that the order its weights were summed in
/// cannot change: equal scores tie (and the later memory wins).
/// Scores are compared to 1e-9: sums of the same weights in another order tie.
const QUANTUM: f64 = 1e9;

pub(crate) fn quantized(score: f64) -> i64 {
    (score * QUANTUM).round() as i64
}

/// The score a [`quantized`] one stands for.
pub(crate) fn unquantized(score: i64) -> f64 {
    score as f64 / QUANTUM
}

/// Memories ranked for `query`: the indexes of `texts` that share words
/// with it, best first (rarer words weigh more; a tie goes to the later one).
pub(crate) fn rank(query: &str, texts: &[String]) -> Vec<usize> {
    let mut scored: Vec<(i64, usize)> = lexical_scores(query, texts)
        .into_iter()
        .enumerate()
        .filter(|(_, score)| *score > 0.0)
        .map(|(index, score)| (quantized(score), index))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().map(|(_, index)| index).collect()
}

/// The lexical score of each of `texts` for `query`, as [`rank`] orders them
/// (0: no word shared).
pub(crate) fn lexical_scores(query: &str, texts: &[String]) -> Vec<f64> {
    let wanted: HashSet<String> = terms(query).into_iter().collect();
    if wanted.is_empty() {
        return vec![0.0; texts.len()];
    }
    let docs: Vec<HashSet<String>> = texts.iter().map(|t| terms(t).into_iter().collect()).collect();
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    for doc in &docs {
        for term in doc {
            if wanted.contains(term) {
                *frequency.entry(term.as_str()).or_default() += 1;
            }
        }
    }
    let total = docs.len() as f64;
    docs.iter()
        .map(|doc| {
            wanted
                .iter()
                .filter(|term| doc.contains(*term))
                .map(|term| {
                    let n = frequency.get(term.as_str()).copied().unwrap_or(1) as f64;
                    (1.0 + total / n).ln()
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::Europe::Paris;

    use super::*;

    #[track_caller]
    fn check_subject(text: &str, expected: Option<&str>) {
        assert_eq!(subject(text).as_deref(), expected, "{text}");
    }

    #[test]
    fn subjects() {
        check_subject("my sister is Léa", Some("my sister is"));
        check_subject("My sister is Zoé!", Some("my sister is"));
        check_subject("ma sœur s'appelle Léa", Some("ma soeur s'appelle"));
        check_subject("je prends mes médicaments à 8h", Some("je prends mes medicaments a"));
        check_subject("je prends mes médicaments à 9h30", Some("je prends mes medicaments a"));
        check_subject("I love pizza", None);
    }

    #[test]
    fn duplicates_compare_folded() {
        assert_eq!(normalized("My sister is  Léa."), normalized("my SISTER is lea"));
        assert_ne!(normalized("my sister is Léa"), normalized("my sister is Zoé"));
    }

    #[test]
    fn relative_dates_become_absolute() {
        let now = Paris.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).single().expect("valid");
        assert_eq!(
            absolute("my exam is tomorrow", now, Language::En),
            "my exam is on 2026-03-05"
        );
        assert_eq!(
            absolute("mon rendez-vous chez le dentiste est demain à 15h", now, Language::Fr),
            "mon rendez-vous chez le dentiste est le 05/03/2026 à 15 h 00"
        );
        assert_eq!(absolute("my sister is Léa", now, Language::En), "my sister is Léa");
        assert_eq!(
            absolute("je prends mes médicaments à 8h", now, Language::Fr),
            "je prends mes médicaments à 8h"
        );
    }

    /// Runs [`Scores`] over an in-memory index (`docs[i]`: the terms memory
    /// `i` holds), reading only what it asks for; returns the candidates and
    /// how many index rows were read.
    fn pruned(docs: &[Vec<u8>], wanted: &[Vec<u8>], limit: usize) -> (Vec<(i64, String)>, usize) {
        pruned_in_batches(docs, wanted, limit, 0)
    }

    /// The same, reading the next terms' holders [`Scores::next_batch`] at a
    /// time (up to `batch_rows` rows; 0: one term at a time).
    fn pruned_in_batches(
        docs: &[Vec<u8>],
        wanted: &[Vec<u8>],
        limit: usize,
        batch_rows: usize,
    ) -> (Vec<(i64, String)>, usize) {
        let mut frequency = HashMap::new();
        for doc in docs {
            for term in doc {
                *frequency.entry(vec![*term]).or_default() += 1;
            }
        }
        let terms = weigh(wanted, &frequency, docs.len());
        let mut scores = Scores::new(&terms, limit);
        let mut rows = 0;
        loop {
            let batch = scores.next_batch(&frequency, batch_rows);
            if batch.is_empty() {
                break;
            }
            for term in batch {
                let holders: Vec<String> = (0..docs.len())
                    .filter(|i| docs[*i].contains(&term[0]))
                    .map(|i| format!("{i:05}"))
                    .collect();
                rows += holders.len();
                scores.read(holders);
            }
        }
        let (unread, ids) = scores.to_complete();
        let held: Vec<Posting> = ids
            .iter()
            .flat_map(|id| {
                let doc = &docs[id.parse::<usize>().expect("id")];
                unread
                    .iter()
                    .filter(|t| doc.contains(&t[0]))
                    .map(|t| Posting {
                        memory_id: id.clone(),
                        term: t.clone(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        rows += held.len();
        (scores.complete(&held, &ids), rows)
    }

    /// The same with every row read (no pruning: all terms read in full).
    fn exhaustive(docs: &[Vec<u8>], wanted: &[Vec<u8>], limit: usize) -> Vec<(i64, String)> {
        let mut frequency = HashMap::new();
        for doc in docs {
            for term in doc {
                *frequency.entry(vec![*term]).or_default() += 1;
            }
        }
        let terms = weigh(wanted, &frequency, docs.len());
        let mut scores = Scores::new(&terms, limit);
        for term in &terms {
            scores.read(
                (0..docs.len())
                    .filter(|i| docs[*i].contains(&term.term[0]))
                    .map(|i| format!("{i:05}")),
            );
        }
        scores.complete(&[], &[])
    }

    #[test]
    fn pruning_keeps_every_memory_that_can_be_shown() {
        // Memories over 8 terms of very different frequencies (term t held by
        // about one memory in 2^(t % 4 + 0..)), many of them tied.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let count = 1 + (next() % 400) as usize;
            let docs: Vec<Vec<u8>> = (0..count)
                .map(|_| (0..8u8).filter(|t| next() % (1 << (t % 4)) == 0).collect())
                .collect();
            let wanted: Vec<Vec<u8>> = (0..8u8).filter(|_| next() % 3 != 0).map(|t| vec![t]).collect();
            for limit in [1, 5, 20] {
                let expected = exhaustive(&docs, &wanted, limit);
                let (found, _) = pruned(&docs, &wanted, limit);
                assert_eq!(found, expected, "round {round}, limit {limit}");
                for batch_rows in [50, 400] {
                    let (found, _) = pruned_in_batches(&docs, &wanted, limit, batch_rows);
                    assert_eq!(found, expected, "round {round}, limit {limit}, batches of {batch_rows}");
                }
            }
        }
    }

    #[test]
    fn pruning_skips_the_rows_of_a_word_every_memory_holds() {
        // Term 0 in every memory, 1 in a fifth, 2 in an eighth.
        let docs: Vec<Vec<u8>> = (0..10_000)
            .map(|i| {
                let mut doc = vec![0];
                if i % 5 == 0 {
                    doc.push(1);
                }
                if i % 8 == 0 {
                    doc.push(2);
                }
                doc
            })
            .collect();
        let wanted = vec![vec![0], vec![1], vec![2]];
        let (found, rows) = pruned(&docs, &wanted, 5);
        assert_eq!(found, exhaustive(&docs, &wanted, 5));
        // All of 2 and 1, then 0 for the 250 holding both: not 13,250 rows.
        assert_eq!(rows, 1250 + 2000 + 250);
        // In batches of 4,000 rows: 2 and 1 in one round trip, 0 still pruned.
        let (found, rows) = pruned_in_batches(&docs, &wanted, 5, 4_000);
        assert_eq!(found, exhaustive(&docs, &wanted, 5));
        assert_eq!(rows, 1250 + 2000 + 250);
    }

    #[test]
    fn recall_ranks_by_shared_rare_words() {
        let texts: Vec<String> = [
            "my sister is Léa",
            "je prends mes médicaments à 8h",
            "my dentist is Dr Martin",
            "my sister lives in Lyon",
            "I like tea",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(rank("who is my sister?", &texts), vec![3, 0]);
        assert_eq!(rank("médicament", &texts), vec![1]);
        assert_eq!(rank("dentist", &texts), vec![2]);
        assert_eq!(rank("lea lyon", &texts).len(), 2);
        assert!(rank("what is my", &texts).is_empty());
        assert!(rank("bicycle", &texts).is_empty());
    }
}
