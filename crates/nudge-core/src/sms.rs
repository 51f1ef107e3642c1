//! SMS encoding and segment counting, as carriers count them.
//!
//! A text that fits the GSM-7 alphabet travels 160 characters in one
//! segment, or 153 per segment when split (7 septets carry the
//! concatenation header); characters of the extension table (`€ [ ] { } ^ ~
//! \ |` and form feed) take two septets, and never straddle two segments.
//! Any other character makes the whole text UCS-2: 70 UTF-16 units in one
//! segment, 67 per segment when split, a surrogate pair never split.

/// The GSM 03.38 basic character set.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 03.38 extension table (each costs an escape plus the character).
const GSM_EXTENDED: &str = "\u{c}^{}\\[~]|€";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// How a text will travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCount {
    pub encoding: SmsEncoding,
    pub segments: u32,
}

fn gsm_septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENDED.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts the segments `text` needs.
pub fn count_segments(text: &str) -> SegmentCount {
    let septets: Option<Vec<usize>> = text.chars().map(gsm_septets).collect();
    match septets {
        Some(units) => SegmentCount {
            encoding: SmsEncoding::Gsm7,
            segments: pack(&units, 160, 153),
        },
        None => {
            let units: Vec<usize> = text.chars().map(char::len_utf16).collect();
            SegmentCount {
                encoding: SmsEncoding::Ucs2,
                segments: pack(&units, 70, 67),
            }
        }
    }
}

/// Segments needed for characters of the given sizes, never splitting one.
fn pack(units: &[usize], single: usize, per_part: usize) -> u32 {
    let total: usize = units.iter().sum();
    if total <= single {
        return 1;
    }
    let mut segments = 1;
    let mut used = 0;
    for &size in units {
        if used + size > per_part {
            segments += 1;
            used = 0;
        }
        used += size;
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, encoding: SmsEncoding, segments: u32) {
        assert_eq!(count_segments(text), SegmentCount { encoding, segments }, "{text:?}");
    }

    #[test]
    fn gsm7_limits() {
        check("", SmsEncoding::Gsm7, 1);
        check(&"a".repeat(160), SmsEncoding::Gsm7, 1);
        check(&"a".repeat(161), SmsEncoding::Gsm7, 2);
        check(&"a".repeat(306), SmsEncoding::Gsm7, 2);
        check(&"a".repeat(307), SmsEncoding::Gsm7, 3);
        // French accents of the basic table stay GSM-7.
        check("C'est noté, à 15 h 42 : boire de l'eau.", SmsEncoding::Gsm7, 1);
    }

    #[test]
    fn extension_characters_count_twice_and_are_not_split() {
        check(&"€".repeat(80), SmsEncoding::Gsm7, 1);
        check(&"€".repeat(81), SmsEncoding::Gsm7, 2);
        // 152 septets then a two-septet character: it moves to the next segment.
        check(&format!("{}€{}", "a".repeat(152), "a".repeat(10)), SmsEncoding::Gsm7, 2);
    }

    #[test]
    fn ucs2_limits() {
        // 'ê' and 'ç' lower case are not in GSM-7 (only 'Ç').
        check("Tu es prêt ?", SmsEncoding::Ucs2, 1);
        check(&"ê".repeat(70), SmsEncoding::Ucs2, 1);
        check(&"ê".repeat(71), SmsEncoding::Ucs2, 2);
        // An emoji is two UTF-16 units.
        check(&"🙂".repeat(35), SmsEncoding::Ucs2, 1);
        check(&"🙂".repeat(36), SmsEncoding::Ucs2, 2);
    }
}
