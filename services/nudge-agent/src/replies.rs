//! What Nudge answers, in French and English: short (one SMS segment when
//! possible), one action at a time, kind, never shaming.
//!
//! Texts avoid characters outside the GSM-7 alphabet where French allows it
//! (no « », no emoji), since one such character halves an SMS segment.

use chrono::{DateTime, Datelike, TimeZone};
use nudge_core::{Language, clock_time};

/// "3:42 PM" / "15 h 42", with "tomorrow" or the date when not today.
pub(crate) fn when<Tz: TimeZone>(at: &DateTime<Tz>, now: &DateTime<Tz>, language: Language) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let days = at.date_naive().signed_duration_since(now.date_naive()).num_days();
    match language {
        Language::En => {
            let time = clock_time(at, language);
            match days {
                0 => format!("at {time}"),
                1 => format!("tomorrow at {time}"),
                _ => format!("on {} at {time}", at.format("%a %b %-d")),
            }
        }
        Language::Fr => {
            let time = clock_time(at, language);
            match days {
                0 => format!("à {time}"),
                1 => format!("demain à {time}"),
                _ => format!("le {} {} à {time}", at.day(), french_month(at.month())),
            }
        }
    }
}

fn french_month(month: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    MONTHS.get(month.saturating_sub(1) as usize).copied().unwrap_or("")
}

pub(crate) fn reminder_set(language: Language, when: &str, what: &str) -> String {
    match language {
        Language::En => format!("Got it. I'll remind you {when}: {what}."),
        Language::Fr => format!("C'est noté. Je te le rappelle {when} : {what}."),
    }
}

pub(crate) fn done(language: Language, what: Option<&str>) -> String {
    match (language, what) {
        (Language::En, Some(what)) => format!("Nice work! Marked as done: {what}."),
        (Language::Fr, Some(what)) => format!("Bravo ! C'est noté comme fait : {what}."),
        (Language::En, None) => "Nothing is waiting for an answer right now. Text me what to remind you of.".to_owned(),
        (Language::Fr, None) => "Aucun rappel n'attend de réponse. Écris-moi ce que je dois te rappeler.".to_owned(),
    }
}

pub(crate) fn help(language: Language) -> String {
    match language {
        Language::En => {
            "I'm Nudge. Text me: remind me in 20 minutes to stretch. Reply DONE when a reminder is done.".to_owned()
        }
        Language::Fr => {
            "Je suis Nudge. Écris-moi : rappelle-moi dans 20 minutes de m'étirer. Réponds FAIT quand c'est fait."
                .to_owned()
        }
    }
}

pub(crate) fn not_understood(language: Language) -> String {
    match language {
        Language::En => "Sorry, I didn't get that. Try: remind me in 20 minutes to stretch.".to_owned(),
        Language::Fr => "Désolé, je n'ai pas compris. Essaie : rappelle-moi dans 20 minutes de m'étirer.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::America::Montreal;
    use nudge_core::sms::{SmsEncoding, count_segments};

    use super::*;

    #[test]
    fn times_read_naturally() {
        let now = Montreal
            .with_ymd_and_hms(2026, 3, 4, 15, 40, 0)
            .single()
            .expect("valid");
        let soon = Montreal
            .with_ymd_and_hms(2026, 3, 4, 15, 42, 0)
            .single()
            .expect("valid");
        let tomorrow = Montreal.with_ymd_and_hms(2026, 3, 5, 9, 5, 0).single().expect("valid");
        let later = Montreal.with_ymd_and_hms(2026, 3, 9, 20, 0, 0).single().expect("valid");
        assert_eq!(when(&soon, &now, Language::En), "at 3:42 PM");
        assert_eq!(when(&soon, &now, Language::Fr), "à 15 h 42");
        assert_eq!(when(&tomorrow, &now, Language::En), "tomorrow at 9:05 AM");
        assert_eq!(when(&tomorrow, &now, Language::Fr), "demain à 9 h 05");
        assert_eq!(when(&later, &now, Language::En), "on Mon Mar 9 at 8:00 PM");
        assert_eq!(when(&later, &now, Language::Fr), "le 9 mars à 20 h 00");
    }

    #[test]
    fn fixed_replies_fit_one_gsm7_segment() {
        for language in [Language::En, Language::Fr] {
            for text in [help(language), not_understood(language), done(language, None)] {
                let count = count_segments(&text);
                assert_eq!((count.encoding, count.segments), (SmsEncoding::Gsm7, 1), "{text}");
            }
        }
    }
}
