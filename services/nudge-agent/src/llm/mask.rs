//! Personal data masked before text leaves Nudge for a model provider:
//! e-mail addresses, phone numbers, card numbers (Luhn), IBANs and other
//! long account numbers become placeholders (`[EMAIL_1]`, `[PHONE_1]`,
//! `[CARD_1]`, `[IBAN_1]`, `[ACCOUNT_1]`), and so do short secrets named by
//! their context (`[SECRET_1]`, see [`Masker::mask_secrets`]). The same value
//! gets the same placeholder within a turn, and placeholders are put back in
//! the tool arguments and the reply, so a fact keeps its real value.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretKind {
    /// Named a PIN or a code: the secret holds digits.
    Digits,
    /// Named a password: the secret may be any word.
    Password,
}

/// Words (or word sequences) that name a short secret, lowercase, without
/// their trailing punctuation or plural.
const SECRET_KEYWORDS: &[(&[&str], SecretKind)] = &[
    (&["mot", "de", "passe"], SecretKind::Password),
    (&["mots", "de", "passe"], SecretKind::Password),
    (&["pass", "phrase"], SecretKind::Password),
    (&["password"], SecretKind::Password),
    (&["passphrase"], SecretKind::Password),
    (&["passwd"], SecretKind::Password),
    (&["pwd"], SecretKind::Password),
    (&["mdp"], SecretKind::Password),
    (&["pin"], SecretKind::Digits),
    (&["nip"], SecretKind::Digits),
    (&["code"], SecretKind::Digits),
    (&["passcode"], SecretKind::Digits),
    (&["digicode"], SecretKind::Digits),
    (&["cvv"], SecretKind::Digits),
    (&["cvc"], SecretKind::Digits),
    (&["cvv2"], SecretKind::Digits),
    (&["cryptogramme"], SecretKind::Digits),
    (&["puk"], SecretKind::Digits),
    (&["otp"], SecretKind::Digits),
];

/// How many words after the keyword a PIN may come ("pin for the bank card is 4321").
const SECRET_WINDOW: usize = 6;

/// Words after which a number is a time, a date or an amount, not a secret.
const NOT_BEFORE_A_SECRET: &[&str] = &[
    "at", "in", "by", "before", "after", "until", "till", "around", "on", "every", "for", "à", "a", "dans", "vers",
    "avant", "après", "apres", "jusqu'à", "pendant", "chaque", "pour", "depuis", "from", "de", "des", "du", "x",
];

/// Words that follow "password is" without being the password.
const NOT_A_PASSWORD: &[&str] = &[
    "not",
    "no",
    "wrong",
    "right",
    "correct",
    "incorrect",
    "expired",
    "changed",
    "same",
    "different",
    "new",
    "too",
    "still",
    "now",
    "locked",
    "blocked",
    "pas",
    "plus",
    "faux",
    "bon",
    "expiré",
    "changé",
    "le",
    "la",
    "the",
    "a",
    "an",
    "un",
    "une",
    "my",
    "mon",
    "ma",
    "ton",
    "your",
    "in",
    "on",
    "at",
    "dans",
    "sur",
    "à",
    "toujours",
    "maintenant",
    "trop",
    "encore",
    "nouveau",
    "nouvelle",
    "bloqué",
    "perdu",
    "lost",
    "forgotten",
    "oublié",
];

/// The word without the punctuation around it.
fn bare(word: &str) -> &str {
    word.trim_matches(|c: char| {
        matches!(
            c,
            ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '.' | '\'' | '«' | '»'
        )
    })
}

/// The secret's part of a word: quotes, brackets, backslashes (of JSON
/// text) and a sentence's punctuation around it are not part of it.
fn secret_core(word: &str) -> &str {
    word.trim_matches(|c: char| "\"'«»“”()[]{}\\.,;".contains(c))
}

/// The word as a keyword is looked for: without the punctuation after it,
/// and only its last part after a quote, a bracket, a colon or an elision
/// (`{"text":"pin`, `l'code`).
fn keyword_form(word: &str) -> &str {
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    word.rsplit(|c: char| "\"'«“([{:\\".contains(c)).next().unwrap_or(word)
}

fn ends_sentence(word: &str) -> bool {
    word.ends_with(['.', '!', '?', ';', '\n'])
}

/// The keyword starting `words` and how many words it takes.
fn secret_keyword(words: &[String]) -> Option<(SecretKind, usize)> {
    SECRET_KEYWORDS.iter().find_map(|(keyword, kind)| {
        let matches = keyword.len() <= words.len()
            && keyword.iter().zip(words).enumerate().all(|(n, (expected, word))| {
                // Only the first word may be glued to what comes before it.
                let word = if n == 0 { keyword_form(word) } else { bare(word) };
                // "pins", "codes", "passwords": plural of the last word.
                let singular = word
                    .strip_suffix('s')
                    .filter(|w| n + 1 == keyword.len() && *w == *expected);
                word == *expected || singular.is_some()
            });
        matches.then_some((*kind, keyword.len()))
    })
}

/// A time ("9:30", "8h30", "15h", "9am"), or a date ("22/11", "2026-11-22").
fn is_time_or_date(word: &str) -> bool {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let separated = word.contains([':', '/', '-']) && !word.contains(|c: char| c.is_alphabetic());
    let hour = |rest: &str| {
        ["h", "am", "pm", "min", "mn", "heures", "hours", "hrs"]
            .iter()
            .any(|suffix| {
                rest.strip_prefix(suffix)
                    .is_some_and(|tail| tail.chars().all(|c| c.is_ascii_digit()))
            })
    };
    let leading: String = word.chars().take_while(char::is_ascii_digit).collect();
    let rest = &word[leading.len()..];
    (separated && digits <= 8) || (!leading.is_empty() && leading.len() <= 2 && hour(rest))
}

/// Whether `word` looks like a PIN or a code: three digits or more, letters
/// allowed ("4B21"), at most 12 characters, not a time or a date.
fn looks_like_a_pin(word: &str) -> bool {
    let word = secret_core(word);
    let digits = word.chars().filter(char::is_ascii_digit).count();
    digits >= 3
        && word.chars().count() <= 12
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '#' || c == '*')
        && !is_time_or_date(word)
}

/// The index of the PIN within the window after a PIN-like keyword.
fn digit_secret(words: &[String], from: usize, keyword: &str) -> Option<usize> {
    if ends_sentence(keyword) {
        return None;
    }
    let end = (from + SECRET_WINDOW).min(words.len());
    for at in from..end {
        let word = &words[at];
        if looks_like_a_pin(word) {
            let before = if at == 0 { "" } else { bare(&words[at - 1]) };
            return (!NOT_BEFORE_A_SECRET.contains(&before)).then_some(at);
        }
        if ends_sentence(word) || secret_keyword(&words[at..]).is_some() {
            return None;
        }
    }
    None
}

/// The index of the password after a password-like keyword.
fn password_secret(words: &[String], from: usize, keyword: &str) -> Option<usize> {
    if keyword.ends_with(['.', '!', '?', ';']) {
        return None;
    }
    let links = ["is", "est", "c'est", "was", "=", ":", "it's", "sera", "était", "etait"];
    let end = (from + SECRET_WINDOW).min(words.len());
    let mut linked = keyword.ends_with(':') || keyword.ends_with('=');
    let mut at = from;
    while at < end {
        let word = &words[at];
        if word.is_empty() {
            at += 1;
            continue;
        }
        if !linked && (links.contains(&bare(word)) || links.contains(&word.as_str()) || word.ends_with(':')) {
            linked = true;
            // "password is: x", "wifi: x", "c'est x".
            at += 1;
            continue;
        }
        if linked {
            let core = bare(word);
            return (!core.is_empty() && !NOT_A_PASSWORD.contains(&core)).then_some(at);
        }
        // No link yet: a word with a digit or a symbol right after the keyword is one.
        if at == from && word.chars().any(|c| c.is_ascii_digit() || "@#$%&*!_".contains(c)) && !is_time_or_date(word) {
            let before = bare(keyword);
            return (!NOT_BEFORE_A_SECRET.contains(&before)).then_some(at);
        }
        if ends_sentence(word) || secret_keyword(&words[at..]).is_some() {
            return None;
        }
        at += 1;
    }
    None
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
        // Short secrets first, by their context; then e-mail addresses and IBANs.
        let text = self.mask_secrets(text);
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

    /// Short secrets, found by the word that names them: a PIN, a code, a
    /// CVV, a password, in French or English ("my bank pin is 4321", "mon
    /// NIP c'est 4321", "wifi password: hunter22", "le mot de passe du wifi
    /// est soleil"). A secret too short to look like a number of its own
    /// (the number pass takes eight digits and more) is only recognisable
    /// this way.
    ///
    /// - After a PIN-like word (pin, code, nip, cvv, digicode, ...), within
    ///   the next few words of the same sentence, the first word holding
    ///   three or more digits is the secret, unless it is a time or a date,
    ///   or follows a word such as "at", "à", "in", "dans" ("code review at
    ///   1530" keeps its time; "remind me at 9" has no such word at all).
    /// - After a password-like word (password, passphrase, mot de passe,
    ///   mdp, ...), the word after "is", "est", "c'est", ":" or "=" is the
    ///   secret, whatever it looks like, unless it is a common word such as
    ///   "not" or "expired"; with no such link, only a next word holding a
    ///   digit or a symbol ("password hunter2").
    fn mask_secrets(&mut self, text: &str) -> String {
        let mut words: Vec<String> = text.split(' ').map(str::to_owned).collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase().replace('’', "'")).collect();
        let mut i = 0;
        while i < words.len() {
            let Some((kind, length)) = secret_keyword(&lower[i..]) else {
                i += 1;
                continue;
            };
            let after = i + length;
            let last_keyword_word = &lower[after - 1];
            let found = match kind {
                SecretKind::Digits => digit_secret(&lower, after, last_keyword_word),
                SecretKind::Password => password_secret(&lower, after, last_keyword_word),
            };
            match found {
                Some(at) => {
                    let word = words[at].clone();
                    let core = secret_core(&word);
                    if !core.is_empty() {
                        let placeholder = self.placeholder("SECRET", core);
                        words[at] = word.replacen(core, &placeholder, 1);
                    }
                    i = at + 1;
                }
                None => i = after,
            }
        }
        // The same secret said again elsewhere ("4321, yes 4321") is masked too.
        for word in &mut words {
            let core = secret_core(word);
            if let Some((placeholder, _)) = self
                .values
                .iter()
                .find(|(placeholder, value)| placeholder.starts_with("[SECRET_") && value == core)
            {
                *word = word.replacen(core, placeholder, 1);
            }
        }
        words.join(" ")
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

    /// Issue 13, finding 9: short secrets are masked by what names them.
    #[test]
    fn short_secrets_are_masked_by_context() {
        // English.
        check("remember my bank pin is 4321", "remember my bank pin is [SECRET_1]");
        check("my PIN: 4321", "my PIN: [SECRET_1]");
        check("pin 0000 for the garage", "pin [SECRET_1] for the garage");
        check(
            "the pin for my bank card is 9876.",
            "the pin for my bank card is [SECRET_1].",
        );
        check("door code is 4B21#", "door code is [SECRET_1]");
        check("the code to the building: 1984", "the code to the building: [SECRET_1]");
        check("my CVV is 123", "my CVV is [SECRET_1]");
        check("cvc 987 exp 12/29", "cvc [SECRET_1] exp 12/29");
        check("passcode 246810", "passcode [SECRET_1]");
        check("my password is hunter2", "my password is [SECRET_1]");
        check("wifi password: correcthorse", "wifi password: [SECRET_1]");
        check(
            "the netflix password is \"Sunny!Day\".",
            "the netflix password is \"[SECRET_1]\".",
        );
        check("password hunter22 for the router", "password [SECRET_1] for the router");
        check("my passwords = s3cr3t", "my passwords = [SECRET_1]");
        check("pin is 4321, yes 4321", "pin is [SECRET_1], yes [SECRET_1]");
        // French.
        check(
            "retiens que mon code de carte c'est 4321",
            "retiens que mon code de carte c'est [SECRET_1]",
        );
        check("mon NIP est 4321", "mon NIP est [SECRET_1]");
        check("mon nip: 4321", "mon nip: [SECRET_1]");
        check(
            "le digicode de l'immeuble est 12A45",
            "le digicode de l'immeuble est [SECRET_1]",
        );
        check(
            "le mot de passe du wifi est soleil",
            "le mot de passe du wifi est [SECRET_1]",
        );
        check("mot de passe : Chat-Noir-77", "mot de passe : [SECRET_1]");
        check("mon mdp c’est azerty123", "mon mdp c’est [SECRET_1]");
        check(
            "code pin 1234 pour le téléphone",
            "code pin [SECRET_1] pour le téléphone",
        );
        check("le cryptogramme est 456", "le cryptogramme est [SECRET_1]");
        check("mon code secret: 7777", "mon code secret: [SECRET_1]");
        // In a tool's JSON result, as the model would read a memory back.
        check(
            r#"{"memories":[{"text":"my bank pin is 4321"}]}"#,
            r#"{"memories":[{"text":"my bank pin is [SECRET_1]"}]}"#,
        );
    }

    #[test]
    fn times_dates_and_ordinary_words_are_not_secrets() {
        for text in [
            "remind me at 9",
            "remind me at 4321",
            "remind me to change my pin at 9",
            "remind me to change my pin at 1530",
            "code review at 1530 tomorrow",
            "code review on 2026-11-22",
            "pin the poster in 2027",
            "rappelle-moi à 9h de changer mon code",
            "rappelle-moi de changer mon code PIN à 15h30",
            "le code de la route dans 3 jours",
            "my password is not working",
            "my password expired, remind me in 2 hours",
            "mon mot de passe est trop long",
            "change my password at 9:30",
            "the code is ready.",
            "I wrote 300 lines of code today",
            "mon code. 2026 est une bonne année",
            "cancel 2",
            "snooze 20",
        ] {
            let mut masker = Masker::default();
            assert_eq!(masker.mask(text), text);
            assert!(masker.is_empty(), "{text}");
        }
    }
}
