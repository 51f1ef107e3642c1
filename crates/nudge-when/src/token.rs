//! Tokenizer: one pass over the message that splits it into words, digit runs
//! and punctuation. Words are lowercased and their diacritics folded (`é` →
//! `e`, `œ` → `oe`) so that the grammar matches unaccented SMS spellings
//! ("apres-demain"); every token keeps its byte range in the original text so
//! that the reminder text keeps the person's spelling.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Num,
    Punct,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    /// Byte range in the original text.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Byte range of the normalized form in [`Tokens::norm`].
    norm_start: usize,
    norm_end: usize,
    /// Value of a digit run (saturating) and its number of digits.
    pub(crate) value: u32,
    pub(crate) digits: u8,
    /// Whitespace (or a word-joining hyphen) separates it from the previous token.
    pub(crate) spaced: bool,
    /// The word carried diacritics in the original text.
    pub(crate) accented: bool,
    /// A word-joining hyphen precedes it ("mon-fri", "lundi-vendredi").
    pub(crate) hyphen: bool,
}

/// The tokens of one message and the buffer holding their normalized forms.
pub(crate) struct Tokens {
    norm: String,
    toks: Vec<Token>,
}

impl Tokens {
    pub(crate) fn new(text: &str) -> Self {
        let mut norm = String::with_capacity(text.len() + 8);
        let mut toks: Vec<Token> = Vec::with_capacity(text.len() / 3 + 1);
        let mut chars = text.char_indices().peekable();
        let mut spaced = true;
        let mut hyphen = false;
        while let Some((start, c)) = chars.next() {
            if c.is_whitespace() {
                spaced = true;
                continue;
            }
            let mut tok = Token {
                kind: Kind::Punct,
                start,
                end: start + c.len_utf8(),
                norm_start: norm.len(),
                norm_end: 0,
                value: 0,
                digits: 0,
                spaced,
                accented: false,
                hyphen,
            };
            if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
                tok.kind = Kind::Num;
                tok.value = d;
                tok.digits = 1;
                norm.push(c);
                while let Some(&(pos, c)) = chars.peek() {
                    let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) else {
                        break;
                    };
                    tok.value = tok.value.saturating_mul(10).saturating_add(d);
                    tok.digits = tok.digits.saturating_add(1);
                    tok.end = pos + 1;
                    norm.push(c);
                    chars.next();
                }
            } else if c.is_alphabetic() {
                tok.kind = Kind::Word;
                tok.accented = fold(c, &mut norm);
                while let Some(&(pos, c)) = chars.peek() {
                    // Some apostrophes are letters to Unicode ("aujourdʼhui").
                    if c.is_alphabetic() && !is_apostrophe(c) {
                        tok.accented |= fold(c, &mut norm);
                        tok.end = pos + c.len_utf8();
                        chars.next();
                    } else if is_apostrophe(c) && text[pos + c.len_utf8()..].starts_with(char::is_alphabetic) {
                        // An elision ends the word and stays attached to it:
                        // "d'ici" is "d'" + "ici", "aujourd'hui" is "aujourd'" + "hui".
                        norm.push('\'');
                        tok.end = pos + c.len_utf8();
                        chars.next();
                        break;
                    } else {
                        break;
                    }
                }
            } else if c == '-'
                && toks.last().is_some_and(|t| t.kind == Kind::Word && t.end == start)
                && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic())
            {
                // A hyphen inside a compound ("rappelle-moi", "après-demain",
                // "dix-sept") separates words like a space does.
                spaced = true;
                hyphen = true;
                continue;
            } else {
                norm.push(if is_apostrophe(c) { '\'' } else { c });
            }
            tok.norm_end = norm.len();
            toks.push(tok);
            spaced = false;
            hyphen = false;
        }
        Self { norm, toks }
    }

    pub(crate) fn len(&self) -> usize {
        self.toks.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    /// Normalized form of token `i`, or `""` past the end.
    pub(crate) fn norm(&self, i: usize) -> &str {
        self.toks
            .get(i)
            .and_then(|t| self.norm.get(t.norm_start..t.norm_end))
            .unwrap_or("")
    }

    /// Original text covered by tokens `from..to`.
    pub(crate) fn slice<'s>(&self, text: &'s str, from: usize, to: usize) -> &'s str {
        match (self.toks.get(from), to.checked_sub(1).and_then(|l| self.toks.get(l))) {
            (Some(a), Some(b)) if a.start <= b.end => text.get(a.start..b.end).unwrap_or(""),
            _ => "",
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '‘' | '`' | 'ʼ' | 'ʻ' | '՚' | 'ꞌ' | '＇' | '′' | '‵' | 'ʹ'
    )
}

/// Pushes the lowercase, diacritic-free form of `c`; returns whether it had a
/// diacritic.
fn fold(c: char, out: &mut String) -> bool {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return false;
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'À' | 'Á' | 'Â' | 'Ä' | 'Ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' | 'Í' | 'Ì' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => 'o',
        'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => 'u',
        'ç' | 'Ç' => 'c',
        'ñ' | 'Ñ' => 'n',
        'ÿ' | 'Ÿ' => 'y',
        'œ' | 'Œ' => {
            out.push_str("oe");
            return true;
        }
        'æ' | 'Æ' => {
            out.push_str("ae");
            return true;
        }
        _ => {
            out.extend(c.to_lowercase());
            return false;
        }
    };
    out.push(base);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        let t = Tokens::new(text);
        (0..t.len()).map(|i| t.norm(i).to_owned()).collect()
    }

    #[test]
    fn splits_words_numbers_and_elisions() {
        assert_eq!(
            norms("Rappelle-moi d'appeler à 14h30"),
            ["rappelle", "moi", "d'", "appeler", "a", "14", "h", "30"]
        );
        assert_eq!(norms("aujourd’hui 2:30pm"), ["aujourd'", "hui", "2", ":", "30", "pm"]);
        assert_eq!(norms("555-1234"), ["555", "-", "1234"]);
        assert_eq!(norms("Œuvre APRÈS-DEMAIN"), ["oeuvre", "apres", "demain"]);
    }

    #[test]
    fn keeps_original_spans_and_spacing() {
        let text = "boire de l'eau  dans 2min";
        let t = Tokens::new(text);
        assert_eq!(t.slice(text, 0, 4), "boire de l'eau");
        let two = t.get(5).map(|k| (k.kind, k.value, k.spaced));
        assert_eq!(two, Some((Kind::Num, 2, true)));
        assert!(t.get(6).is_some_and(|k| !k.spaced));
        assert!(t.get(2).is_some_and(|k| !k.accented));
        assert!(Tokens::new("à").get(0).is_some_and(|k| k.accented));
    }
}
