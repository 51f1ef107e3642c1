use std::fmt;
use std::str::FromStr;

use crate::InvalidValue;

/// The languages Nudge speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Fr,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

impl FromStr for Language {
    type Err = InvalidValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "fr" | "fr-ca" | "fr-fr" | "french" | "français" => Ok(Language::Fr),
            "en" | "en-ca" | "en-us" | "en-gb" | "english" => Ok(Language::En),
            _ => Err(InvalidValue("language must be \"fr\" or \"en\"".to_owned())),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        assert_eq!("fr".parse(), Ok(Language::Fr));
        assert_eq!("EN".parse(), Ok(Language::En));
        assert_eq!("fr-CA".parse(), Ok(Language::Fr));
        assert!("de".parse::<Language>().is_err());
    }
}
