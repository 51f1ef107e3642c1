//! Personal data masked before text leaves Nudge for a model provider:
//! e-mail addresses, phone numbers, card numbers (Luhn), IBANs and other
//! long account numbers become placeholders (`[EMAIL_1]`, `[PHONE_1]`,
//! `[CARD_1]`, `[IBAN_1]`, `[ACCOUNT_1]`). The same value gets the same
//! placeholder within a turn, and placeholders are put back in the tool
//! arguments and the reply, so a fact keeps its real value.

/// The placeholders of one turn.
#[derive(Debug, Default)]
pub(crate) struct Masker {
    /// (placeholder, original)
    values: Vec<(String, String)>,
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let double = d * 2;
                if double > 9 { double - 9 } else { double }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_email(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && local.chars().all(|c| c.is_alphanumeric() || "._%+-".contains(c))
        && domain.chars().all(|c| c.is_alphanumeric() || ".-".contains(c))
}

fn is_iban(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    chars.len() >= 15
        && chars.len() <= 34
        && chars[..2].iter().all(char::is_ascii_uppercase)
        && chars[2..4].iter().all(char::is_ascii_digit)
        && chars[4..].iter().all(char::is_ascii_alphanumeric)
}

impl Masker {
    fn placeholder(&mut self, kind: &str, original: &str) -> String {
        if let Some((placeholder, _)) = self.values.iter().find(|(_, value)| value == original) {
            return placeholder.clone();
        }
        let n = self
            .values
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("[{kind}_")))
            .count()
            + 1;
        let placeholder = format!("[{kind}_{n}]");
        self.values.push((placeholder.clone(), original.to_owned()));
        placeholder
    }

    /// `text` with personal data replaced by placeholders.
    pub(crate) fn mask(&mut self, text: &str) -> String {
        // Words first: e-mail addresses and IBANs.
        let mut words = Vec::new();
        for word in text.split(' ') {
            let core = word.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '.'));
            if !core.is_empty() && is_email(core) {
                let placeholder = self.placeholder("EMAIL", core);
                words.push(word.replacen(core, &placeholder, 1));
            } else if !core.is_empty() && is_iban(core) {
                let placeholder = self.placeholder("IBAN", core);
                words.push(word.replacen(core, &placeholder, 1));
            } else {
                words.push(word.to_owned());
            }
        }
        self.mask_numbers(&words.join(" "))
    }

    /// Runs of digits (with spaces, dashes, dots, parentheses, a leading +).
    fn mask_numbers(&mut self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            let starts = chars[i].is_ascii_digit()
                || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                || (chars[i] == '(' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
            let after_word = i > 0 && chars[i - 1].is_alphanumeric();
            if !starts || after_word {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let mut end = i;
            let mut last_digit = i;
            while end < chars.len() && (chars[end].is_ascii_digit() || " -.()+".contains(chars[end])) {
                if chars[end].is_ascii_digit() {
                    last_digit = end;
                }
                // At most two separators in a row, then a digit: "8 h" is not part of a number.
                if !chars[end].is_ascii_digit()
                    && chars[end] != '+'
                    && !chars[end + 1..(end + 3).min(chars.len())]
                        .iter()
                        .any(char::is_ascii_digit)
                {
                    break;
                }
                end += 1;
            }
            let run: String = chars[i..=last_digit].iter().collect();
            let digits: Vec<u32> = run.chars().filter_map(|c| c.to_digit(10)).collect();
            let kind = match digits.len() {
                13..=19 if luhn(&digits) => Some("CARD"),
                10..=15 => Some("PHONE"),
                8..=9 if run.starts_with('+') => Some("PHONE"),
                16.. => Some("ACCOUNT"),
                8..=9 if run.chars().all(|c| c.is_ascii_digit()) => Some("ACCOUNT"),
                _ => None,
            };
            // A date such as 2026-11-22 is not personal data.
            let date = run.len() == 10 && run.chars().filter(|c| *c == '-').count() == 2 && run.starts_with("20");
            match kind {
                Some(kind) if !date => {
                    let placeholder = self.placeholder(kind, run.trim());
                    out.push_str(&placeholder);
                }
                _ => out.push_str(&run),
            }
            i = last_digit + 1;
        }
        out
    }

    /// `text` with the placeholders put back.
    pub(crate) fn restore(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (placeholder, original) in &self.values {
            text = text.replace(placeholder, original);
        }
        text
    }

    /// Whether anything was masked.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: &str) {
        let mut masker = Masker::default();
        let masked = masker.mask(text);
        assert_eq!(masked, expected, "{text}");
        assert_eq!(masker.restore(&masked), text, "restored");
    }

    #[test]
    fn masks_personal_data_and_restores_it() {
        check("my email is lea.martin@example.com.", "my email is [EMAIL_1].");
        check("text +1 514 555 0199 now", "text [PHONE_1] now");
        check("call me at (514) 555-0199", "call me at [PHONE_1]");
        check("appelle le 06 12 34 56 78", "appelle le [PHONE_1]");
        check("card 4111 1111 1111 1111 exp 12/29", "card [CARD_1] exp 12/29");
        check("IBAN FR7630006000011234567890189 ok", "IBAN [IBAN_1] ok");
        check("account 12345678", "account [ACCOUNT_1]");
        check(
            "a@b.co and again a@b.co, or c@d.org",
            "[EMAIL_1] and again [EMAIL_1], or [EMAIL_2]",
        );
    }

    #[test]
    fn leaves_times_dates_and_small_numbers() {
        for text in [
            "remind me at 8h30 tomorrow",
            "exam on 2026-11-22 at 3:00 PM",
            "le 22/11/2026 à 15h",
            "cancel 2",
            "snooze 20",
            "I have 3 cats and 1500 steps",
        ] {
            let mut masker = Masker::default();
            assert_eq!(masker.mask(text), text);
            assert!(masker.is_empty(), "{text}");
        }
    }
}
