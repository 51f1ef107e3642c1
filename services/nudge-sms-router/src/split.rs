//! Keeping each SMS within the segment budget (`sms.segment_budget`).
//!
//! A text that needs more segments than the budget goes out as several SMS,
//! in order, each within the budget: cut at sentence ends (`.`, `!`, `?`,
//! `…`, or a line break), then, for a sentence too long on its own, at
//! spaces, and only for a "word" longer than a whole budget, between
//! characters. Every part is counted on its own, so a part without the
//! emoji of another stays GSM-7 and carries 153 characters per segment.

use nudge_core::sms::{SmsEncoding, count_segments};

/// One SMS of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) text: String,
    pub(crate) segments: u32,
    pub(crate) encoding: SmsEncoding,
}

impl Part {
    fn new(text: &str) -> Part {
        let count = count_segments(text);
        Part {
            text: text.to_owned(),
            segments: count.segments,
            encoding: count.encoding,
        }
    }
}

/// `body` as SMS of at most `budget` segments each (one part if it fits).
pub(crate) fn split(body: &str, budget: u32) -> Vec<Part> {
    let budget = budget.max(1);
    if count_segments(body).segments <= budget {
        return vec![Part::new(body)];
    }
    let fits = |text: &str| count_segments(text.trim()).segments <= budget;
    let mut parts = Vec::new();
    let mut current = String::new();
    for sentence in sentences(body) {
        pack(&mut parts, &mut current, sentence, &fits, &|sentence| {
            let mut pieces = Vec::new();
            let mut piece = String::new();
            for word in words(sentence) {
                pack(&mut pieces, &mut piece, word, &fits, &|word| hard_split(word, &fits));
            }
            flush(&mut pieces, &mut piece);
            pieces
        });
    }
    flush(&mut parts, &mut current);
    parts.iter().map(|text| Part::new(text)).collect()
}

/// Adds `unit` to `current` if it still fits; else closes `current` and
/// starts again with `unit`, or with the pieces of `unit` if it is too long alone.
fn pack(
    parts: &mut Vec<String>,
    current: &mut String,
    unit: &str,
    fits: &dyn Fn(&str) -> bool,
    smaller: &dyn Fn(&str) -> Vec<String>,
) {
    let candidate = format!("{current}{unit}");
    if fits(&candidate) {
        *current = candidate;
        return;
    }
    flush(parts, current);
    if fits(unit) {
        current.push_str(unit);
        return;
    }
    let mut pieces = smaller(unit);
    // The last piece may still take more text after it.
    if let Some(last) = pieces.pop() {
        parts.extend(pieces);
        current.push_str(&last);
        current.push(' ');
    }
}

fn flush(parts: &mut Vec<String>, current: &mut String) {
    let text = current.trim();
    if !text.is_empty() {
        parts.push(text.to_owned());
    }
    current.clear();
}

/// Sentences with their trailing spaces: an end mark (and any closing
/// quotes or brackets) followed by white space, or a line break.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    // After an end mark (and its closers), before white space confirms it.
    let mut ended = false;
    // A sentence ended: the next visible character starts another.
    let mut boundary = false;
    for (index, c) in text.char_indices() {
        if c == '\n' {
            boundary = true;
            ended = false;
        } else if c.is_whitespace() {
            boundary |= ended;
            ended = false;
        } else {
            if boundary {
                out.push(&text[start..index]);
                start = index;
                boundary = false;
            }
            ended = matches!(c, '.' | '!' | '?' | '…') || (ended && matches!(c, '"' | '\'' | ')' | ']' | '»' | '”'));
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Words with their trailing spaces.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (index, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..index]);
            start = index;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A run without spaces longer than the budget, cut between characters.
fn hard_split(word: &str, fits: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        piece.push(c);
        if !fits(&piece) {
            piece.pop();
            pieces.push(std::mem::take(&mut piece));
            piece.push(c);
        }
    }
    if !piece.trim().is_empty() {
        pieces.push(piece);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(parts: &[Part]) -> Vec<&str> {
        parts.iter().map(|p| p.text.as_str()).collect()
    }

    fn normalized(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[track_caller]
    fn check_invariants(body: &str, budget: u32, parts: &[Part]) {
        for part in parts {
            assert!(part.segments <= budget, "{part:?} is over the budget {budget}");
            assert_eq!(count_segments(&part.text).segments, part.segments);
            assert!(!part.text.is_empty());
            assert_eq!(part.text.trim(), part.text);
        }
        let joined = parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" ");
        // Nothing lost, nothing added, in order (hard splits join without a space).
        assert_eq!(
            normalized(&joined).replace(' ', ""),
            normalized(body).replace(' ', ""),
            "content kept in order"
        );
    }

    #[test]
    fn a_text_within_the_budget_is_one_part_unchanged() {
        let body = "Got it. I'll remind you at 3:15 PM: drink water.";
        assert_eq!(split(body, 2), vec![Part::new(body)]);
        let two_segments = "a".repeat(306);
        assert_eq!(split(&two_segments, 2).len(), 1);
        assert_eq!(split(&two_segments, 1).len(), 2);
    }

    #[test]
    fn long_texts_split_at_sentence_ends() {
        let sentence = |n: usize| {
            format!(
                "Sentence number {n} is here to fill the message with words, {}.",
                "x".repeat(40)
            )
        };
        let sentences: Vec<String> = (1..=8).map(sentence).collect();
        let body = sentences.join(" ");
        assert!(count_segments(&body).segments > 2);
        let parts = split(&body, 2);
        check_invariants(&body, 2, &parts);
        assert!(parts.len() >= 2);
        for part in &parts {
            assert!(part.text.ends_with('.'), "cut at a sentence end: {:?}", part.text);
            assert!(part.text.starts_with("Sentence number "), "{:?}", part.text);
            assert_eq!(part.encoding, SmsEncoding::Gsm7);
        }
        // Greedy: each part but the last could not take the next sentence.
        for pair in parts.windows(2) {
            let next_sentence = pair[1].text.split_inclusive(". ").next().expect("sentence");
            let grown = format!("{} {}", pair[0].text, next_sentence.trim());
            assert!(count_segments(&grown).segments > 2, "{grown:?} would have fit");
        }
    }

    #[test]
    fn other_end_marks_and_line_breaks() {
        let body = format!(
            "{}! {}? \"{}.\" {}\n{}",
            "a".repeat(150),
            "b".repeat(150),
            "c".repeat(150),
            "d".repeat(100),
            "e".repeat(100)
        );
        let parts = split(&body, 1);
        check_invariants(&body, 1, &parts);
        assert_eq!(parts.len(), 5, "{:#?}", texts(&parts));
        assert!(
            parts[2].text.ends_with(".\""),
            "the closing quote stays with its sentence"
        );
        // Decimal points and abbreviations glued to text are not ends.
        assert_eq!(
            sentences("It costs 3.50 today. Really"),
            ["It costs 3.50 today. ", "Really"]
        );
    }

    #[test]
    fn a_sentence_too_long_alone_splits_at_spaces() {
        let body = (0..120).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
        let parts = split(&body, 1);
        check_invariants(&body, 1, &parts);
        assert!(parts.len() >= 5);
        for part in &parts {
            assert!(part.text.starts_with("word"), "cut between words: {:?}", part.text);
            assert!(!part.text.ends_with(' '));
        }
    }

    #[test]
    fn a_word_longer_than_the_budget_is_cut() {
        let body = format!("Here: {} and the end.", "z".repeat(400));
        let parts = split(&body, 1);
        check_invariants(&body, 1, &parts);
        assert!(parts.iter().all(|p| p.text.chars().count() <= 160));
    }

    #[test]
    fn each_part_is_counted_on_its_own() {
        // The emoji makes only its own part UCS-2.
        let gsm = format!("{}.", "g".repeat(300));
        let body = format!("{gsm} Bravo 🎉 {}.", "u".repeat(50));
        let parts = split(&body, 2);
        check_invariants(&body, 2, &parts);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].encoding, SmsEncoding::Gsm7);
        assert_eq!(parts[0].segments, 2);
        assert_eq!(parts[1].encoding, SmsEncoding::Ucs2);
        // French accents outside GSM-7 make UCS-2 parts of 67 units per segment.
        let french = "Il faut que tu sois prêt à partir. ".repeat(12);
        let parts = split(&french, 2);
        check_invariants(&french, 2, &parts);
        assert!(parts.iter().all(|p| p.encoding == SmsEncoding::Ucs2));
    }

    #[test]
    fn the_longest_body_fits_in_bounded_parts() {
        let body = "Lorem ipsum dolor sit amet, consectetur. ".repeat(40);
        let body = &body[..1600];
        let parts = split(body, 2);
        check_invariants(body, 2, &parts);
        let total: u32 = parts.iter().map(|p| p.segments).sum();
        assert!(total <= 12, "{total}");
    }
}
