use std::fmt;

use crate::InvalidValue;

/// A phone number in E.164 form (`+` then 8 to 15 digits, no leading zero).
///
/// Phone numbers are personal data: `Debug` hides the digits and there is no
/// `Display`, so one cannot end up in a log line by accident. Use
/// [`PhoneNumber::as_str`] where the number itself is needed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// What [`PhoneNumber::parse`] accepts, as a regular expression (for
    /// API documents; tested against `parse`).
    pub const PATTERN: &'static str = "^\\+[1-9][0-9]{7,14}$";

    pub fn parse(value: &str) -> Result<PhoneNumber, InvalidValue> {
        let digits = value
            .strip_prefix('+')
            .ok_or_else(|| InvalidValue("phone number must start with +".to_owned()))?;
        let valid =
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        if !valid {
            return Err(InvalidValue(
                "phone number must be E.164: + then 8 to 15 digits".to_owned(),
            ));
        }
        Ok(PhoneNumber(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, valid: bool) {
        assert_eq!(PhoneNumber::parse(input).is_ok(), valid, "{input}");
    }

    #[test]
    fn e164_rules() {
        check("+15145550100", true);
        check("+33612345678", true);
        check("+4915123456789", true);
        check("15145550100", false);
        check("+1 514 555 0100", false);
        check("+0145550100", false);
        check("+1234567", false);
        check("+1234567890123456", false);
        check("+1514555010a", false);
        check("", false);
    }

    #[test]
    fn debug_hides_the_digits() {
        let phone = PhoneNumber::parse("+15145550100").expect("valid");
        assert!(!format!("{phone:?}").contains("5550100"));
    }
}
