//! A message as texted, rewritten into the words the engine's tables know:
//! SMS abbreviations and common typos spelled out ("tmrw" -> "tomorrow",
//! "dem" -> "demain", "rdv" -> "rendez-vous"), letters typed several times
//! squeezed ("doneee"), emojis that mean something turned into their word
//! ("✅" -> "done") and the others dropped, politeness at either end
//! dropped ("pls", "stp", "merci"). Words the tables do not know are kept as
//! written, so a reminder's text stays the person's own.

use nudge_core::Language;

use super::lexicon::{EMOJIS, POLITENESS, SHORTHANDS};
use super::words::fold;

/// Shorthands read only as a message's first word: elsewhere they are too
/// often part of the text ("vitamin c", "plan b").
const LEADING_ONLY: &[&str] = &["c", "g", "k", "r", "kk", "ces"];

/// Whether `c` is an emoji or a part of one (joiner, variation selector, skin tone).
fn is_emoji(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0xFE0F | 0x200D | 0x2190..=0x21FF)
}

/// The message with emojis replaced by their word (in `language`) or a space.
fn without_emojis(text: &str, language: Language) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some((_, english, french)) = EMOJIS.iter().find(|(emoji, _, _)| *emoji == c) {
            let word = if language == Language::Fr { french } else { english };
            // "⏰ 5pm call mom" asks for a reminder; "later ⏰" is only tone.
            let leading = out.trim().is_empty() || out.trim_end().ends_with(word);
            if (word.starts_with("remind") || word.starts_with("rappelle")) && !leading {
                out.push(' ');
                continue;
            }
            out.push(' ');
            out.push_str(word);
            out.push(' ');
        } else if is_emoji(c) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// "doneee" -> "done", "plsss" -> "pls": a letter typed three times or more, once.
fn squeezed(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let keep = if run >= 3 && c.is_alphabetic() { 1 } else { run };
        out.extend(std::iter::repeat_n(c, keep));
        i += run;
    }
    out
}

fn shorthand(folded: &str, first: bool) -> Option<&'static str> {
    if !first && LEADING_ONLY.contains(&folded) {
        return None;
    }
    SHORTHANDS
        .iter()
        .find(|(short, _)| *short == folded)
        .map(|(_, long)| *long)
}

/// One token spelled out: its core looked up (as typed, then squeezed), its
/// punctuation kept around the replacement.
fn spelled_out(token: &str, first: bool) -> String {
    let core_start = token.find(|c: char| c.is_alphanumeric()).unwrap_or(token.len());
    let core_end = token
        .rfind(|c: char| c.is_alphanumeric() || c == '/')
        .map_or(core_start, |i| i + token[i..].chars().next().map_or(1, char::len_utf8));
    if core_start >= core_end {
        return token.to_owned();
    }
    let (before, core, after) = (&token[..core_start], &token[core_start..core_end], &token[core_end..]);
    let folded = fold(core);
    let long = shorthand(&folded, first).or_else(|| {
        let squeezed = squeezed(&folded);
        (squeezed != folded).then(|| shorthand(&squeezed, first)).flatten()
    });
    match long {
        Some(long) => format!("{before}{long}{after}"),
        // "doneee", "laterrr", "finiii": a letter typed three times is typed for emphasis.
        None => format!("{before}{}{after}", squeezed(core)),
    }
}

/// The folded words of `phrase` match `tokens` from `at`, punctuation aside.
fn phrase_at(tokens: &[String], at: usize, phrase: &str) -> Option<usize> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    let matches = parts.iter().enumerate().all(|(i, part)| {
        tokens
            .get(at + i)
            .is_some_and(|t| fold(t).trim_matches(|c: char| !c.is_alphanumeric() && c != '\'') == *part)
    });
    matches.then_some(parts.len())
}

/// Politeness at the start or the end, when something else is said.
fn without_politeness(mut tokens: Vec<String>) -> Vec<String> {
    loop {
        let leading = POLITENESS.iter().filter_map(|p| phrase_at(&tokens, 0, p)).max();
        match leading {
            Some(n) if n < tokens.len() => {
                tokens.drain(..n);
            }
            _ => break,
        }
    }
    loop {
        let trailing = (1..tokens.len()).rev().find_map(|start| {
            POLITENESS
                .iter()
                .filter_map(|p| phrase_at(&tokens, start, p))
                .find(|n| start + n == tokens.len())
                .map(|_| start)
        });
        match trailing {
            Some(start) if start > 0 => {
                // Punctuation before "please" ("done, pls") goes with it.
                tokens.truncate(start);
                if let Some(last) = tokens.last_mut() {
                    let trimmed = last.trim_end_matches([',', ';', ':', '-']).to_owned();
                    *last = trimmed;
                }
                tokens.retain(|t| !t.is_empty());
            }
            _ => break,
        }
    }
    tokens
}

/// The message in the words the engine knows (see the module's comment).
/// Emojis alone are read in `language`, the person's.
pub(crate) fn normalize(text: &str, language: Language) -> String {
    let text = without_emojis(text, language);
    let tokens: Vec<String> = text
        .split_whitespace()
        .enumerate()
        .flat_map(|(i, token)| {
            spelled_out(token, i == 0)
                .split(' ')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let tokens = without_politeness(tokens);
    // "done !!!" -> "done !": repeated final punctuation is tone.
    // "c est fait": the "c" spelled out already says "est".
    let mut joined = tokens.join(" ").replacen("c'est est ", "c'est ", 1);
    while joined.ends_with("!!") || joined.ends_with("??") || joined.ends_with("..") {
        joined.pop();
    }
    joined
}

#[cfg(test)]
mod tests {
    use nudge_core::Language;

    fn normalize(text: &str) -> String {
        super::normalize(text, Language::En)
    }

    #[test]
    fn spelled_out() {
        assert_eq!(normalize("remind me tmrw at 5 pls"), "remind me tomorrow at 5");
        assert_eq!(normalize("rappel moi dem à 8h stp"), "rappel moi demain à 8h");
        assert_eq!(normalize("c quoi ma liste"), "c'est quoi ma liste");
        assert_eq!(normalize("take vitamin c at 8"), "take vitamin c at 8");
        assert_eq!(normalize("✅"), "done");
        assert_eq!(normalize("done✅👍"), "done done ok");
        assert_eq!(normalize("Doneee!!!"), "Done!");
        assert_eq!(normalize("thanks"), "thanks");
        assert_eq!(normalize("say hi to grandma at 5"), "say hi to grandma at 5");
        assert_eq!(
            normalize("RDV dentiste auj 15h"),
            "rendez-vous dentiste aujourd'hui 15h"
        );
    }
}
