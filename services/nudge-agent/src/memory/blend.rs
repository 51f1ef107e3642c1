//! Ranking by words and meaning, pure: a memory's [`blend`] of its lexical
//! score and its vector's cosine with the query,
//! `0.5 * lexical / W + 0.5 * max(cosine, 0)`, where `lexical` is
//! [`lexical::rank`]'s score and `W` the score of a memory holding all the
//! query's known words; and the bound ([`fused`]) that tells a recall
//! ([`semantic::blended_candidates`](super::semantic::blended_candidates))
//! when the memories left out of its candidates can no longer reach the cut.
//!
//! - Words always count: a memory sharing no word with the query is shown
//!   only if its cosine is at least [`MEANING_ONLY_MIN_COSINE`].
//! - A memory with no vector (kept while the provider failed, or embedded by
//!   another model) keeps its lexical score alone (`lexical / W`).

use super::lexical;

/// The cosine similarity at or above which a memory sharing no word with the
/// query is still shown (by meaning alone).
pub(crate) const MEANING_ONLY_MIN_COSINE: f32 = 0.5;

/// Weight of the lexical score (normalized by the best one) in the combined score; the
/// cosine has the rest.
const LEXICAL_WEIGHT: f64 = 0.5;

/// A memory's score by words and meaning for a query, or `None` when it is
/// not shown: `lexical` is its [`lexical::rank`] score, `total_weight` the
/// score of a memory holding all the query's known words, `cosine` its
/// vector's cosine with the query's (`None`: no vector).
pub(crate) fn blend(lexical: f64, total_weight: f64, cosine: Option<f32>) -> Option<f64> {
    let words = if total_weight > 0.0 {
        lexical / total_weight
    } else {
        0.0
    };
    match cosine {
        None if words > 0.0 => Some(words),
        None => None,
        Some(cosine) if words > 0.0 => {
            Some(LEXICAL_WEIGHT * words + (1.0 - LEXICAL_WEIGHT) * f64::from(cosine.max(0.0)))
        }
        Some(cosine) if cosine >= MEANING_ONLY_MIN_COSINE => Some((1.0 - LEXICAL_WEIGHT) * f64::from(cosine)),
        Some(_) => None,
    }
}

/// What is known of the memories left out of a recall's candidates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LeftOut {
    /// Each memory left out scores less than this by words (0: none shares a word).
    pub(crate) lexical_below: f64,
    /// The highest cosine of a memory with a vector left out (`None`: no
    /// memory with a vector is left out).
    pub(crate) cosine_at_most: Option<f32>,
    /// Whether some of the person's memories have no vector.
    pub(crate) some_without_vector: bool,
}

/// Slack on the bound of [`fused`]: far above the rounding of a blend, far
/// below any difference that matters.
const BOUND_SLACK: f64 = 1e-6;

/// The highest [`blend`] a memory left out could reach (`None`: none can be shown).
fn left_out_best(left_out: LeftOut, total_weight: f64) -> Option<f64> {
    let words = if total_weight > 0.0 {
        left_out.lexical_below / total_weight
    } else {
        0.0
    };
    let with_vector = left_out.cosine_at_most.and_then(|cosine| {
        if words > 0.0 {
            Some(LEXICAL_WEIGHT * words + (1.0 - LEXICAL_WEIGHT) * f64::from(cosine.max(0.0)))
        } else {
            // Sharing no word: shown only from the threshold up.
            (cosine >= MEANING_ONLY_MIN_COSINE).then(|| (1.0 - LEXICAL_WEIGHT) * f64::from(cosine))
        }
    });
    let without_vector = (left_out.some_without_vector && words > 0.0).then_some(words);
    match (with_vector, without_vector) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The candidates (id, exact lexical score, cosine) scoring at least as much
/// as the `limit`-th by [`blend`], with their blend (quantized), best first
/// (a tie at the cut is broken by age later, [`lexical::best`]); `None` when
/// a memory left out (`left_out`) might still reach the cut, and the lists
/// must be widened.
pub(crate) fn fused(
    candidates: &[(String, f64, Option<f32>)],
    total_weight: f64,
    left_out: LeftOut,
    limit: usize,
) -> Option<Vec<(i64, String)>> {
    let mut scored: Vec<(i64, String)> = candidates
        .iter()
        .filter_map(|(id, lexical, cosine)| {
            blend(*lexical, total_weight, *cosine).map(|score| (lexical::quantized(score), id.clone()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let Some(last) = limit.checked_sub(1) else {
        return Some(Vec::new());
    };
    let cut = scored.get(last).map(|(score, _)| *score);
    if let Some(best) = left_out_best(left_out, total_weight) {
        // A memory left out scores less than `best`: it is out when the cut is higher.
        let cut = cut?;
        if lexical::unquantized(cut) < best + BOUND_SLACK {
            return None;
        }
    }
    if let Some(cut) = cut {
        scored.retain(|(score, _)| *score >= cut);
    }
    Some(scored)
}

/// The first `n` of `ranked` (by cosine, best first) and those tied with the
/// `n`-th, and the highest cosine of the rest (`None`: nothing left).
pub(crate) fn closest<T>(ranked: &[(f32, T)], n: usize) -> (&[(f32, T)], Option<f32>) {
    let mut taken = n.min(ranked.len());
    if let Some((cut, _)) = taken.checked_sub(1).and_then(|last| ranked.get(last)) {
        taken += ranked[taken..].iter().take_while(|(cosine, _)| cosine >= cut).count();
    }
    let (close, rest) = ranked.split_at(taken);
    (close, rest.first().map(|(cosine, _)| *cosine))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_meaning_blend() {
        // No vector: the share of the query's words, weighted.
        assert_eq!(blend(2.0, 4.0, None), Some(0.5));
        assert_eq!(blend(0.0, 4.0, None), None);
        // Both: half words, half meaning; a negative cosine counts as 0.
        assert_eq!(blend(4.0, 4.0, Some(0.5)), Some(0.75));
        assert_eq!(blend(2.0, 4.0, Some(-0.9)), Some(0.25));
        // Meaning alone: from the threshold up.
        assert_eq!(blend(0.0, 4.0, Some(0.5)), Some(0.25));
        assert_eq!(blend(0.0, 4.0, Some(0.49)), None);
        // A query none of whose words a memory holds: meaning alone.
        assert_eq!(blend(0.0, 0.0, Some(0.75)), Some(0.375));
    }

    fn nothing_left_out() -> LeftOut {
        LeftOut {
            lexical_below: 0.0,
            cosine_at_most: None,
            some_without_vector: false,
        }
    }

    fn ids(found: &[(i64, String)]) -> Vec<&str> {
        found.iter().map(|(_, id)| id.as_str()).collect()
    }

    #[test]
    fn fused_keeps_the_ties_at_the_cut_and_waits_for_certainty() {
        // (Values exact in binary, so the blends are exact.)
        let candidates = vec![
            ("a".to_owned(), 4.0, Some(0.75)),
            ("b".to_owned(), 4.0, Some(0.125)),
            ("c".to_owned(), 2.0, None),
            ("d".to_owned(), 0.0, Some(0.625)),
            ("e".to_owned(), 0.0, Some(0.25)),
            ("f".to_owned(), 1.0, Some(0.375)),
        ];
        // a 0.875, b 0.5625, c 0.5, d 0.3125, f 0.3125; e not shown.
        let found = fused(&candidates, 4.0, nothing_left_out(), 3).expect("nothing left out");
        assert_eq!(ids(&found), ["a", "b", "c"]);
        // The 4th and 5th tie: both kept for the age tie-break.
        let found = fused(&candidates, 4.0, nothing_left_out(), 4).expect("nothing left out");
        assert_eq!(ids(&found), ["a", "b", "c", "d", "f"]);
        // Fewer shown than asked: all of them.
        assert_eq!(fused(&candidates, 4.0, nothing_left_out(), 9).expect("all").len(), 5);
        // A memory left out with a vector may score up to 0.5 * 1/4 + 0.5 * 0.75 = 0.5
        // (below the 2nd, 0.5625, not below the 3rd, 0.5).
        let left_out = LeftOut {
            lexical_below: 1.0,
            cosine_at_most: Some(0.75),
            some_without_vector: false,
        };
        assert_eq!(ids(&fused(&candidates, 4.0, left_out, 2).expect("certain")), ["a", "b"]);
        assert_eq!(fused(&candidates, 4.0, left_out, 3), None);
        // One without a vector left out may score up to 3/4 by words alone.
        let left_out = LeftOut {
            lexical_below: 3.0,
            cosine_at_most: None,
            some_without_vector: true,
        };
        assert_eq!(ids(&fused(&candidates, 4.0, left_out, 1).expect("certain")), ["a"]);
        assert_eq!(fused(&candidates, 4.0, left_out, 2), None);
        // Sharing no word and below the threshold, what is left out is never shown.
        let left_out = LeftOut {
            lexical_below: 0.0,
            cosine_at_most: Some(0.46875),
            some_without_vector: true,
        };
        assert_eq!(fused(&candidates, 4.0, left_out, 9).expect("certain").len(), 5);
        // At the threshold it may be shown.
        let left_out = LeftOut {
            cosine_at_most: Some(0.5),
            ..left_out
        };
        assert_eq!(fused(&candidates, 4.0, left_out, 9), None);
    }

    /// The widening a recall does ([`relevant_memories`](crate::memory::recall::relevant_memories)), over
    /// in-memory scores: the best `n` by words and by cosine (ties
    /// included), each blended with its exact score on the other side, `n`
    /// growing fourfold until [`fused`] is certain.
    fn widened(memories: &[(f64, Option<f32>)], total_weight: f64, limit: usize, first: usize) -> Vec<usize> {
        let mut by_words: Vec<(i64, usize)> = memories
            .iter()
            .enumerate()
            .filter(|(_, (lexical, _))| *lexical > 0.0)
            .map(|(i, (lexical, _))| (lexical::quantized(*lexical), i))
            .collect();
        by_words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut by_meaning: Vec<(f32, usize)> = memories
            .iter()
            .enumerate()
            .filter_map(|(i, (_, cosine))| cosine.map(|c| (c, i)))
            .collect();
        by_meaning.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let some_without_vector = memories.iter().any(|(_, cosine)| cosine.is_none());
        let mut n = first;
        loop {
            let words_cut = by_words.get(n - 1).map(|(score, _)| *score);
            let words: Vec<usize> = by_words
                .iter()
                .take_while(|(score, _)| words_cut.is_none_or(|cut| *score >= cut))
                .map(|(_, i)| *i)
                .collect();
            let (close, cosine_at_most) = closest(&by_meaning, n);
            let mut chosen: Vec<usize> = words.iter().chain(close.iter().map(|(_, i)| i)).copied().collect();
            chosen.sort_unstable();
            chosen.dedup();
            let candidates: Vec<(String, f64, Option<f32>)> = chosen
                .iter()
                .map(|i| (i.to_string(), memories[*i].0, memories[*i].1))
                .collect();
            let left_out = LeftOut {
                lexical_below: if words.len() < n {
                    0.0
                } else {
                    words_cut.map_or(0.0, lexical::unquantized)
                },
                cosine_at_most,
                some_without_vector,
            };
            if let Some(found) = fused(&candidates, total_weight, left_out, limit) {
                // Ties to the later memory, as recall breaks them by age.
                let mut found: Vec<(i64, usize)> = found
                    .into_iter()
                    .map(|(score, id)| (score, id.parse().expect("index")))
                    .collect();
                found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
                return found.into_iter().take(limit).map(|(_, i)| i).collect();
            }
            n *= 4;
        }
    }

    /// The blend of every memory, best first, a tie to the later memory.
    fn exhaustive(memories: &[(f64, Option<f32>)], total_weight: f64, limit: usize) -> Vec<usize> {
        let mut scored: Vec<(i64, usize)> = memories
            .iter()
            .enumerate()
            .filter_map(|(i, (lexical, cosine))| {
                blend(*lexical, total_weight, *cosine).map(|score| (lexical::quantized(score), i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        scored.into_iter().take(limit).map(|(_, i)| i).collect()
    }

    #[test]
    fn widening_ranks_as_blending_every_memory() {
        // A small deterministic generator: many ties on both sides, some
        // memories without a vector, some cosines negative.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let weights = [2.2, 1.8, 0.7];
        let total_weight: f64 = weights.iter().sum();
        let mut widened_cases = 0;
        for case in 0..3_000 {
            let most = if next(2) == 0 { 300 } else { next(300) + 1 };
            let count = 1 + usize::try_from(next(most)).expect("small");
            // Per case: how rare the words are, how many memories have a
            // vector, how much meaning follows the words (as with real
            // embeddings) rather than noise, and how close in meaning
            // memories are at most.
            let rarity = 2 + next(60);
            let without_vector = next(4);
            let follows = next(5) as f32 / 4.0;
            let scale = if next(2) == 0 { 1.0 } else { (1 + next(4)) as f32 / 4.0 };
            let memories: Vec<(f64, Option<f32>)> = (0..count)
                .map(|_| {
                    let lexical = weights
                        .iter()
                        .filter(|_| next(rarity) == 0)
                        .fold(0.0, |sum, weight| sum + weight);
                    let noise = (next(21) as f32 - 6.0) / 14.0;
                    let cosine = scale * (follows * (lexical / total_weight) as f32 + (1.0 - follows) * noise);
                    let vector = without_vector == 0 || next(2 * without_vector + 2) != 0;
                    (lexical, vector.then_some(cosine))
                })
                .collect();
            let limit = 1 + usize::try_from(next(6)).expect("small");
            let first = 1 + usize::try_from(next(12)).expect("small");
            let expected = exhaustive(&memories, total_weight, limit);
            assert_eq!(widened(&memories, total_weight, limit, first), expected, "case {case}");
            if first < count && !expected.is_empty() {
                widened_cases += 1;
            }
        }
        assert!(widened_cases > 500, "the cases exercise the bound: {widened_cases}");
    }
}
