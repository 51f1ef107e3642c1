use std::fmt;

use crate::InvalidValue;

/// A person's id. It comes from the verified phone pair or from a verified
/// token, never from a request body or a model's tool arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    pub fn parse(value: &str) -> Result<UserId, InvalidValue> {
        uuid::Uuid::parse_str(value)
            .map(|uuid| UserId(uuid.hyphenated().to_string()))
            .map_err(|_| InvalidValue("user_id must be a UUID".to_owned()))
    }

    pub fn generate() -> UserId {
        UserId(uuid::Uuid::now_v7().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_uuids() {
        let id = UserId::parse("0199A2B3-0000-7000-8000-000000000001").expect("valid");
        assert_eq!(id.as_str(), "0199a2b3-0000-7000-8000-000000000001");
        assert!(UserId::parse("alice").is_err());
        assert!(UserId::parse("").is_err());
    }
}
