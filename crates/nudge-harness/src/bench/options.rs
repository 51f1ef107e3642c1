//! The `key=value` options a benchmark takes after `--`. `cargo bench`
//! passes flags of its own (`--bench`), so words starting with `-` are not
//! options; a key given twice keeps its last value, as the benchmarks'
//! own loops did before this module. A benchmark may also take bare words
//! (`api_auth`'s `embedded`, say), listed apart from its keys. A word
//! `NUDGE__KEY=value` is a setting of the services the benchmark starts
//! (`NUDGE__DATABASE__MAX_CONNECTIONS=16`), passed on to those that take
//! them ([`Options::service_settings`]).

use std::str::FromStr;

use anyhow::{Context as _, bail};

/// The options of one run, every key checked against the benchmark's list.
pub struct Options {
    given: Vec<(String, String)>,
    words: Vec<String>,
    settings: Vec<(String, String)>,
}

impl Options {
    /// This process's options; an unknown key is an error that names it and
    /// lists `known`, so that a typo does not silently run the defaults.
    pub fn from_arguments(known: &[&str]) -> anyhow::Result<Options> {
        Options::parse(std::env::args().skip(1), known, &[])
    }

    /// As [`Options::from_arguments`], with the bare words `words` allowed too.
    pub fn from_arguments_and_words(known: &[&str], words: &[&str]) -> anyhow::Result<Options> {
        Options::parse(std::env::args().skip(1), known, words)
    }

    /// As [`Options::from_arguments_and_words`], from `arguments` (the program name left out).
    pub fn parse(
        arguments: impl IntoIterator<Item = String>,
        known: &[&str],
        words: &[&str],
    ) -> anyhow::Result<Options> {
        let mut options = Options {
            given: Vec::new(),
            words: Vec::new(),
            settings: Vec::new(),
        };
        for argument in arguments.into_iter().filter(|a| !a.starts_with('-')) {
            if words.contains(&argument.as_str()) {
                options.words.push(argument);
                continue;
            }
            let key_value = argument.split_once('=');
            if let Some((key, value)) = key_value
                && key.starts_with("NUDGE__")
            {
                options.settings.push((key.to_owned(), value.to_owned()));
                continue;
            }
            if words.is_empty() && key_value.is_none() {
                bail!("options are key=value");
            }
            match key_value {
                Some((key, value)) if known.contains(&key) => options.given.push((key.to_owned(), value.to_owned())),
                Some((key, _)) if words.is_empty() => bail!("unknown option {key:?}: {}", known.join(", ")),
                _ => bail!("unknown option {argument:?}: {}", [words, known].concat().join(", ")),
            }
        }
        Ok(options)
    }

    /// The services' settings given (`NUDGE__KEY=value`), in their order.
    pub fn service_settings(&self) -> &[(String, String)] {
        &self.settings
    }

    /// The bare words given, in their order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The text given for `key`, if any (the last one).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.given
            .iter()
            .rev()
            .find(|(given, _)| given == key)
            .map(|(_, value)| value.as_str())
    }

    /// The value given for `key`, or `default`; a value that does not parse
    /// is an error naming the key.
    pub fn get<T>(&self, key: &str, default: T) -> anyhow::Result<T>
    where
        T: FromStr,
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        match self.text(key) {
            Some(value) => value.parse().with_context(|| format!("option {key}={value}")),
            None => Ok(default),
        }
    }

    /// As [`Options::get`], for a number that must be above zero (a rate,
    /// a count of people): zero or less is an error naming the key.
    pub fn positive<T>(&self, key: &str, default: T) -> anyhow::Result<T>
    where
        T: FromStr + PartialOrd + Default,
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        let value = self.get(key, default)?;
        if value <= T::default() {
            bail!("option {key} must be positive");
        }
        Ok(value)
    }

    /// Whether `key` was set to `1`, `true` or `yes`.
    pub fn switch(&self, key: &str) -> bool {
        matches!(self.text(key), Some("1" | "true" | "yes"))
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(arguments: &[&str]) -> anyhow::Result<Options> {
        Options::parse(arguments.iter().map(|a| (*a).to_owned()), &["rate", "people"], &[])
    }

    #[test]
    fn values_defaults_and_the_last_of_a_repeated_key() {
        let options = parse(&["--bench", "rate=5", "rate=7"]).expect("valid options");
        assert_eq!(options.get("rate", 1_u32).expect("a number"), 7);
        assert_eq!(options.get("people", 20_usize).expect("the default"), 20);
    }

    #[test]
    fn service_settings_are_kept_apart_from_the_options() {
        let options = parse(&["rate=5", "NUDGE__DATABASE__MAX_CONNECTIONS=16"]).expect("valid options");
        assert_eq!(
            options.service_settings(),
            [("NUDGE__DATABASE__MAX_CONNECTIONS".to_owned(), "16".to_owned())]
        );
        assert_eq!(options.get("rate", 1_u32).expect("a number"), 5);
        assert!(parse(&["NUDGE_DATABASE=1"]).is_err(), "one underscore: not a setting");
    }

    #[test]
    fn an_unknown_key_is_named_with_the_known_ones() {
        let error = parse(&["rat=5"]).err().expect("an unknown key");
        assert_eq!(error.to_string(), "unknown option \"rat\": rate, people");
    }

    #[test]
    fn a_value_that_does_not_parse_names_its_key() {
        let options = parse(&["rate=fast"]).expect("known key");
        let error = options.get("rate", 1_u32).expect_err("not a number");
        assert_eq!(error.to_string(), "option rate=fast");
        assert!(parse(&["rate"]).is_err(), "a word without `=` is not an option");
        let zero = parse(&["rate=0"]).expect("known key");
        let error = zero.positive("rate", 1_u32).expect_err("zero is not positive");
        assert_eq!(error.to_string(), "option rate must be positive");
        assert_eq!(
            parse(&[]).expect("none").positive("rate", 4_u32).expect("the default"),
            4
        );
    }

    #[test]
    fn words_are_kept_in_order_and_listed_with_the_keys() {
        let arguments = ["distributed", "rate=3", "embedded"].map(str::to_owned);
        let options = Options::parse(arguments, &["rate"], &["embedded", "distributed"]).expect("valid");
        assert_eq!(options.words(), ["distributed", "embedded"]);
        assert_eq!(options.get("rate", 1_u32).expect("a number"), 3);
        let error = Options::parse(["local".to_owned()], &["rate"], &["embedded", "distributed"])
            .err()
            .expect("an unknown word");
        assert_eq!(
            error.to_string(),
            "unknown option \"local\": embedded, distributed, rate"
        );
    }
}
