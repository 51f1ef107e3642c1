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

/// A time of day as people write it: "3:42 PM" in English, "15 h 42" in French.
pub fn clock_time<Tz: chrono::TimeZone>(at: &chrono::DateTime<Tz>, language: Language) -> String
where
    Tz::Offset: fmt::Display,
{
    match language {
        Language::En => at.format("%-I:%M %p").to_string(),
        Language::Fr => at.format("%-H h %M").to_string(),
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

    #[test]
    fn clock_times_in_each_language() {
        use chrono::TimeZone as _;
        let at = chrono_tz::America::Montreal
            .with_ymd_and_hms(2026, 3, 4, 15, 42, 0)
            .single()
            .expect("valid");
        assert_eq!(clock_time(&at, Language::En), "3:42 PM");
        assert_eq!(clock_time(&at, Language::Fr), "15 h 42");
        let morning = chrono_tz::America::Montreal
            .with_ymd_and_hms(2026, 3, 4, 9, 5, 0)
            .single()
            .expect("valid");
        assert_eq!(clock_time(&morning, Language::En), "9:05 AM");
        assert_eq!(clock_time(&morning, Language::Fr), "9 h 05");
    }
}
