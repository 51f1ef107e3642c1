//! Tokens of a message, folded for matching: lower case, accents removed,
//! typographic apostrophes straightened. The original tokens are kept so
//! free text (a task, a reminder) is returned as the person wrote it.

/// A message split on whitespace, with a folded copy of each token.
pub(crate) struct Words<'a> {
    original: Vec<&'a str>,
    folded: Vec<String>,
}

/// Lower case without accents, straight apostrophes; trailing punctuation kept.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            '\u{2019}' | '\u{2018}' | '`' | '´' => out.push('\''),
            other => out.push(other),
        }
    }
    out
}

impl<'a> Words<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let original: Vec<&str> = text.split_whitespace().collect();
        let folded = original.iter().map(|w| fold(w)).collect();
        Words { original, folded }
    }

    pub(crate) fn len(&self) -> usize {
        self.original.len()
    }

    /// The folded token at `i`, without surrounding punctuation.
    pub(crate) fn word(&self, i: usize) -> Option<&str> {
        self.folded
            .get(i)
            .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ',' | '!' | '?' | ':' | ';' | '#')))
    }

    /// The whole message folded, words joined by single spaces, trailing punctuation removed.
    pub(crate) fn folded_text(&self) -> String {
        self.folded.join(" ").trim_end_matches(['.', '!', '?', ' ']).to_owned()
    }

    /// If the message starts with one of `phrases` (folded, space-separated),
    /// the number of tokens it takes.
    pub(crate) fn starts_with_any(&self, phrases: &[&str]) -> Option<usize> {
        phrases.iter().filter_map(|phrase| self.starts_with(phrase)).max()
    }

    fn starts_with(&self, phrase: &str) -> Option<usize> {
        let parts: Vec<&str> = phrase.split(' ').collect();
        let matches = parts.iter().enumerate().all(|(i, part)| {
            let last = i + 1 == parts.len();
            match self.folded.get(i) {
                // The last word of the phrase may carry punctuation ("snooze:", "done!").
                Some(word) if last => word.trim_end_matches([':', ',', '.', '!', '?']) == *part,
                Some(word) => word == part,
                None => false,
            }
        });
        matches.then_some(parts.len())
    }

    /// Whether the whole message (ignoring final punctuation) is one of `phrases`.
    pub(crate) fn is_any(&self, phrases: &[&str]) -> bool {
        let text = self.folded_text();
        phrases.contains(&text.as_str())
    }

    /// The original text from token `from` on, single-spaced.
    pub(crate) fn rest(&self, from: usize) -> String {
        self.original
            .get(from..)
            .map(|words| words.join(" "))
            .unwrap_or_default()
    }

    /// A 1-based item number at `i` ("2", "#2", "2.", "no 2"); returns it and the tokens used.
    pub(crate) fn number_at(&self, i: usize) -> Option<(usize, usize)> {
        let (skip, word) = match self.word(i)? {
            "no" | "number" | "numero" | "n°" | "le" | "la" | "reminder" | "rappel" | "task" | "tache" => {
                (1, self.word(i + 1)?)
            }
            word => (0, word),
        };
        let n: usize = word.parse().ok().filter(|n| (1..=99).contains(n))?;
        Some((n, skip + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("Rappelle-moi À 8h, DÉJÀ fait’"), "rappelle-moi a 8h, deja fait'");
        assert_eq!(fold("Tâches"), "taches");
    }

    #[test]
    fn phrases_and_rest() {
        let words = Words::new("Ajoute  acheter du Lait");
        assert_eq!(words.starts_with_any(&["ajoute", "add"]), Some(1));
        assert_eq!(words.rest(1), "acheter du Lait");
        let words = Words::new("C’est fait !");
        assert!(words.is_any(&["c'est fait"]));
        let words = Words::new("cancel #2");
        assert_eq!(words.number_at(1), Some((2, 1)));
        let words = Words::new("annule le 3");
        assert_eq!(words.number_at(1), Some((3, 2)));
        assert_eq!(Words::new("cancel 0").number_at(1), None);
    }
}
