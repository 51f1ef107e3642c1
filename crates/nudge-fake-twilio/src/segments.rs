//! SMS segment counting, as Twilio's `message-segment-calculator`
//! (github.com/TwilioDevEd/message-segment-calculator) does it.
//!
//! A body that is all GSM-7 is encoded in septets: 160 per single segment, 153
//! per segment once a User Data Header is needed; characters of the extension
//! table take two septets (escape + char). Anything else makes the whole body
//! UCS-2: 70 UTF-16 code units, or 67 per segment (astral characters such as
//! emoji take two units). A character is never split across segments.

/// GSM 03.38 basic character set (the calculator's `UnicodeToGSM` table).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// GSM 03.38 extension table: each costs an escape septet plus itself.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

pub(crate) fn count_segments(body: &str) -> u32 {
    let gsm7: Option<Vec<usize>> = body
        .chars()
        .map(|c| {
            if GSM7_BASIC.contains(c) {
                Some(1)
            } else if GSM7_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .collect();
    let (units, single, multi) = match gsm7 {
        Some(septets) => (septets, 160, 153),
        None => (body.chars().map(char::len_utf16).collect(), 70, 67),
    };
    if units.iter().sum::<usize>() <= single {
        return 1;
    }
    let mut segments = 1;
    let mut used = 0;
    for size in units {
        if used + size > multi {
            segments += 1;
            used = 0;
        }
        used += size;
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::count_segments;

    #[test]
    fn gsm7_single_and_multi_segment_limits() {
        assert_eq!(count_segments("hello"), 1);
        assert_eq!(count_segments(&"a".repeat(160)), 1);
        assert_eq!(count_segments(&"a".repeat(161)), 2);
        assert_eq!(count_segments(&"a".repeat(306)), 2);
        assert_eq!(count_segments(&"a".repeat(307)), 3);
        assert_eq!(count_segments(&"a".repeat(1600)), 11);
    }

    #[test]
    fn gsm7_basic_set_includes_accents_and_greek() {
        assert_eq!(count_segments(&"é".repeat(160)), 1);
        assert_eq!(count_segments(&"Δ".repeat(160)), 1);
    }

    #[test]
    fn extension_chars_take_two_septets_and_are_not_split() {
        assert_eq!(count_segments(&"€".repeat(80)), 1);
        assert_eq!(count_segments(&format!("{}a", "€".repeat(80))), 2);
        assert_eq!(count_segments(&format!("{}{{", "a".repeat(159))), 2);
        // 152 + '{' would need 154 septets in segment one: '{' moves to segment two.
        assert_eq!(count_segments(&format!("{}{{{}", "a".repeat(152), "a".repeat(151))), 2);
        assert_eq!(count_segments(&format!("{}{{{}", "a".repeat(152), "a".repeat(152))), 3);
    }

    #[test]
    fn ucs2_limits_and_surrogate_pairs() {
        assert_eq!(count_segments("ç"), 1); // ç (U+00E7) is not GSM-7: UCS-2
        assert_eq!(count_segments(&"ç".repeat(70)), 1);
        assert_eq!(count_segments(&"ç".repeat(71)), 2);
        assert_eq!(count_segments(&format!("{}😀", "a".repeat(68))), 1);
        assert_eq!(count_segments(&format!("{}😀", "a".repeat(69))), 2);
        // The emoji does not fit in segment one's 67th unit, so it starts segment two.
        assert_eq!(count_segments(&format!("{}😀{}", "a".repeat(66), "a".repeat(65))), 2);
        assert_eq!(count_segments(&format!("{}😀{}", "a".repeat(66), "a".repeat(66))), 3);
    }
}
