//! The SMS a reminder sends, in the reminder's language.

use chrono::{DateTime, TimeZone};
use nudge_core::{Language, clock_time};

pub(crate) fn reminder<Tz: TimeZone>(language: Language, what: &str, late_from: Option<&DateTime<Tz>>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    match (language, late_from) {
        (Language::En, None) => format!("Reminder: {what}. Reply DONE when it's done."),
        (Language::Fr, None) => format!("Rappel : {what}. Réponds FAIT quand c'est fait."),
        (Language::En, Some(due)) => format!(
            "Sorry, this reminder is late (it was for {}): {what}. Reply DONE when it's done.",
            clock_time(due, language)
        ),
        (Language::Fr, Some(due)) => format!(
            "Désolé, ce rappel arrive en retard (prévu à {}) : {what}. Réponds FAIT quand c'est fait.",
            clock_time(due, language)
        ),
    }
}

/// A nag: the reminder went out and nobody answered yet.
pub(crate) fn nag(language: Language, what: &str) -> String {
    match language {
        Language::En => format!("Still on your list: {what}. Reply DONE when it's done, or SNOOZE."),
        Language::Fr => format!("Toujours sur ta liste : {what}. Réponds FAIT quand c'est fait, ou PLUS TARD."),
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Paris;

    use nudge_core::sms::{SmsEncoding, count_segments};

    use super::*;

    #[test]
    fn on_time_and_late_in_both_languages() {
        let due = Paris.with_ymd_and_hms(2026, 3, 4, 15, 42, 0).single().expect("valid");
        assert_eq!(
            reminder::<chrono_tz::Tz>(Language::En, "drink water", None),
            "Reminder: drink water. Reply DONE when it's done."
        );
        assert_eq!(
            reminder::<chrono_tz::Tz>(Language::Fr, "boire de l'eau", None),
            "Rappel : boire de l'eau. Réponds FAIT quand c'est fait."
        );
        assert_eq!(
            reminder(Language::En, "drink water", Some(&due)),
            "Sorry, this reminder is late (it was for 3:42 PM): drink water. Reply DONE when it's done."
        );
        assert_eq!(
            reminder(Language::Fr, "boire de l'eau", Some(&due)),
            "Désolé, ce rappel arrive en retard (prévu à 15 h 42) : boire de l'eau. Réponds FAIT quand c'est fait."
        );
    }

    #[test]
    fn nags_in_both_languages() {
        assert_eq!(
            nag(Language::En, "drink water"),
            "Still on your list: drink water. Reply DONE when it's done, or SNOOZE."
        );
        assert_eq!(
            nag(Language::Fr, "boire de l'eau"),
            "Toujours sur ta liste : boire de l'eau. Réponds FAIT quand c'est fait, ou PLUS TARD."
        );
    }

    #[test]
    fn every_text_is_gsm7_and_one_segment_for_a_short_reminder() {
        let due = Paris.with_ymd_and_hms(2026, 3, 4, 15, 42, 0).single().expect("valid");
        for language in [Language::En, Language::Fr] {
            for text in [
                reminder::<chrono_tz::Tz>(language, "call mom", None),
                reminder(language, "call mom", Some(&due)),
                nag(language, "call mom"),
            ] {
                let count = count_segments(&text);
                assert_eq!(count.encoding, SmsEncoding::Gsm7, "{text}");
                assert_eq!(count.segments, 1, "{text}");
            }
        }
    }
}
