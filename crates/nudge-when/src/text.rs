//! The reminder's text: what remains of the message once the time expression,
//! the reminder command ("remind me to", "rappelle-moi de", "n'oublie pas
//! de", …), politeness and the glue words around the time expression are
//! removed. Kept parts keep their original spelling and are joined by a space.

use crate::Lang;
use crate::grammar::Span;
use crate::token::{Kind, Tokens};

/// Reminder commands, matched at the start of what remains (longest first).
/// The glue after them ("to", "de", "that", …) goes with [`LEADING_GLUE`].
const COMMANDS: &[&[&str]] = &[
    &["can", "you", "remind", "me"],
    &["could", "you", "remind", "me"],
    &["would", "you", "remind", "me"],
    &["will", "you", "remind", "me"],
    &["can", "u", "remind", "me"],
    &["remind", "me"],
    &["remind", "us"],
    &["set", "a", "reminder"],
    &["set", "reminder"],
    &["create", "a", "reminder"],
    &["add", "a", "reminder"],
    &["new", "reminder"],
    &["reminder"],
    &["don'", "t", "let", "me", "forget"],
    &["dont", "let", "me", "forget"],
    &["do", "not", "let", "me", "forget"],
    &["don'", "t", "forget"],
    &["dont", "forget"],
    &["do", "not", "forget"],
    &["nudge", "me"],
    &["ping", "me"],
    &["tell", "me"],
    &["alert", "me"],
    &["remember"],
    &["peux", "tu", "me", "rappeler"],
    &["tu", "peux", "me", "rappeler"],
    &["pourrais", "tu", "me", "rappeler"],
    &["peux", "tu", "me", "faire", "penser"],
    &["tu", "peux", "me", "faire", "penser"],
    &["rappelle", "moi"],
    &["rappelles", "moi"],
    &["rapelle", "moi"],
    &["rappel", "moi"],
    &["rappele", "moi"],
    &["rappelle", "nous"],
    &["rappel"],
    &["n'", "oublie", "pas"],
    &["n'", "oublies", "pas"],
    &["noublie", "pas"],
    &["oublie", "pas"],
    &["oublies", "pas"],
    &["ne", "me", "laisse", "pas", "oublier"],
    &["ne", "m'", "laisse", "pas", "oublier"],
    &["fais", "moi", "penser"],
    &["fait", "moi", "penser"],
    &["faites", "moi", "penser"],
];

const POLITE: &[&[&str]] = &[
    &["s'", "il", "te", "plait"],
    &["s'", "il", "vous", "plait"],
    &["thank", "you"],
    &["please"],
    &["pls"],
    &["plz"],
    &["svp"],
    &["stp"],
    &["merci"],
    &["thanks"],
    &["thx"],
    &["hey"],
    &["ok"],
    &["okay"],
];

/// Words that link the command to the task ("remind me *to* call mom").
const LEADING_GLUE: &[&str] = &[
    "to", "that", "about", "of", "for", "de", "d'", "que", "qu'", "pour", ":", ",", "-", ";",
];

/// Prepositions left dangling next to a removed time expression ("call mom
/// *at*" once "5pm" is gone is impossible, but "*at* around 5" can leave "at").
const EDGE_GLUE: &[&str] = &[
    "at", "@", "on", "in", "by", "for", "pour", "dans", "vers", "around", ",", ";", ":", "-",
];

/// Words that alone do not make a task ("tomorrow *and* at 5").
const FILLER: &[&str] = &["and", "et", "or", "ou", "then", "puis", "pis"];

pub(crate) fn reminder_text(t: &Tokens, text: &str, spans: &[Span], lang: Lang) -> String {
    let n = t.len();
    let mut keep = vec![true; n];
    for &(a, b) in spans {
        for k in keep.iter_mut().take(b).skip(a) {
            *k = false;
        }
    }
    let is = |k: usize, set: &[&str]| set.contains(&t.norm(k));
    let edge_a = |k: usize| lang == Lang::Fr && t.norm(k) == "a";
    let edge = |k: usize| is(k, EDGE_GLUE) || edge_a(k);

    // Runs of kept tokens, trimmed of glue where they touch a time expression.
    let mut kept: Vec<usize> = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if !keep[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && keep[j] {
            j += 1;
        }
        let (mut a, mut b) = (i, j);
        if a > 0 {
            while a < b && edge(a) {
                a += 1;
            }
        }
        if b < n {
            while b > a && edge(b - 1) {
                b -= 1;
            }
        }
        if !(a..b).all(|k| edge(k) || is(k, FILLER) || is_punct(t, k)) {
            kept.extend(a..b);
        }
        i = j;
    }

    // The command, politeness and linking words at the start.
    let mut front = 0;
    loop {
        let before = front;
        // French "à" links too: "fais-moi penser à acheter du lait".
        while front < kept.len() && (is_punct(t, kept[front]) || is(kept[front], LEADING_GLUE) || edge_a(kept[front])) {
            front += 1;
        }
        for alts in [POLITE, COMMANDS] {
            if let Some(len) = alts.iter().map(|ws| prefix_len(t, &kept[front..], ws)).find(|&l| l > 0) {
                front += len;
            }
        }
        if front == before {
            break;
        }
    }
    let mut kept = kept.split_off(front);
    // Politeness and punctuation at the end.
    while let Some(&last) = kept.last() {
        if is_punct(t, last) {
            kept.pop();
            continue;
        }
        let Some(len) = POLITE.iter().map(|ws| suffix_len(t, &kept, ws)).find(|&l| l > 0) else {
            break;
        };
        kept.truncate(kept.len() - len);
    }

    let mut out = String::with_capacity(text.len());
    let mut k = 0;
    while k < kept.len() {
        let mut e = k + 1;
        while e < kept.len() && kept[e] == kept[e - 1] + 1 {
            e += 1;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t.slice(text, kept[k], kept[e - 1] + 1));
        k = e;
    }
    let trimmed = out
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '.' | '!' | '?' | '–' | '—'));
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_owned()
    }
}

/// Sentence punctuation, which never starts or ends a reminder's text (other
/// symbols such as ")", "%", "$" or emoji are kept).
fn is_punct(t: &Tokens, k: usize) -> bool {
    t.get(k).is_some_and(|tok| tok.kind == Kind::Punct)
        && matches!(t.norm(k), "." | "," | ";" | ":" | "!" | "?" | "-" | "–" | "—" | "…")
}

/// Number of tokens of `kept` that `words` matches at its start, 0 if none.
fn prefix_len(t: &Tokens, kept: &[usize], words: &[&str]) -> usize {
    let matches = kept.len() >= words.len() && words.iter().zip(kept).all(|(w, &k)| t.norm(k) == *w);
    if matches { words.len() } else { 0 }
}

fn suffix_len(t: &Tokens, kept: &[usize], words: &[&str]) -> usize {
    let matches = kept.len() >= words.len() && words.iter().rev().zip(kept.iter().rev()).all(|(w, &k)| t.norm(k) == *w);
    if matches { words.len() } else { 0 }
}
