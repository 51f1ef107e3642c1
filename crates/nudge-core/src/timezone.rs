use std::fmt;
use std::str::FromStr;

use crate::InvalidValue;

/// An IANA time zone such as `America/Montreal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(chrono_tz::Tz);

impl Timezone {
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl FromStr for Timezone {
    type Err = InvalidValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        value
            .parse::<chrono_tz::Tz>()
            .map(Timezone)
            .map_err(|_| InvalidValue(format!("unknown IANA time zone {value:?}")))
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iana_names_only() {
        let tz: Timezone = "America/Montreal".parse().expect("valid");
        assert_eq!(tz.name(), "America/Montreal");
        assert!("Mars/Olympus".parse::<Timezone>().is_err());
    }
}
