//! Collects every word written in a string literal of the parser's source
//! (`src/grammar/`, `src/lexicon/`) into `starters.rs`: the words a time
//! expression can be made of. The scanner skips a word token outside that
//! set (and outside the lexicon) without trying every recogniser at it, the
//! parser's main cost. The set is a superset by construction (every word
//! any table or recogniser compares with, first or not), so a skip never
//! hides a reading; adding a table entry adds its words here by itself.
//! `lexicon/markers.rs` (the words that tell the language) is left out:
//! no recogniser reads it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn main() {
    let mut words = BTreeSet::new();
    for folder in ["src/grammar", "src/lexicon"] {
        println!("cargo::rerun-if-changed={folder}");
        let mut files: Vec<_> = fs::read_dir(folder)
            .unwrap_or_else(|e| panic!("{folder}: {e}"))
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            // The language markers are common words, never read as time.
            .filter(|path| path.file_name().is_none_or(|name| name != "markers.rs"))
            .collect();
        files.sort();
        for file in files {
            let source = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            // Whole-line comments hold examples ("call mom at 5"), and a
            // file's tests (at its end) phrases: neither are words the parser
            // compares with.
            let code = source.lines().take_while(|line| line.trim() != "#[cfg(test)]");
            for line in code.filter(|line| !line.trim_start().starts_with("//")) {
                collect_line(line, &mut words);
            }
        }
    }
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    let mut code = String::from(
        "/// Every word of the parser's string literals (see build.rs), sorted.\npub(crate) const STARTERS: &[&str] = &[\n",
    );
    for word in &words {
        code.push_str(&format!("    {word:?},\n"));
    }
    code.push_str("];\n");
    fs::write(Path::new(&out).join("starters.rs"), code).expect("write starters.rs");
}

/// The words of the string literals on one line (literals here are on one
/// line; a stray quote in a comment only adds words, which is safe).
fn collect_line(line: &str, words: &mut BTreeSet<String>) {
    // Character literals holding a quote would pair with a real one.
    let line = line.replace("'\"'", "").replace("'\\\"'", "");
    let mut chars = line.chars();
    let mut literal: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut literal, c) {
            (None, '"') => literal = Some(String::new()),
            (Some(text), '\\') => {
                if let Some(escaped) = chars.next() {
                    text.push(escaped);
                }
            }
            (Some(text), '"') => {
                for word in text.split_whitespace() {
                    words.insert(word.to_lowercase());
                }
                literal = None;
            }
            (Some(text), c) => text.push(c),
            (None, _) => {}
        }
    }
    if let Some(text) = literal {
        for word in text.split_whitespace() {
            words.insert(word.to_lowercase());
        }
    }
}
