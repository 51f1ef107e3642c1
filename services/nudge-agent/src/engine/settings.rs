//! Settings by SMS: time zone, quiet hours, nagging, missed reminders, language.

use nudge_core::Language;

use super::words::Words;
use super::{Context, Intent, Understood, keyword};

/// A daily quiet window, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuietHoursChoice {
    Off,
    Window { start_minute: u32, end_minute: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MissedPolicyChoice {
    SendLate,
    RecordMissed,
}

const EN: Language = Language::En;
const FR: Language = Language::Fr;

const TIMEZONE: &[(&str, Language)] = &[
    ("timezone", EN),
    ("time zone", EN),
    ("tz", EN),
    ("my timezone is", EN),
    ("fuseau horaire", FR),
    ("fuseau", FR),
    ("mon fuseau horaire est", FR),
];
const QUIET: &[(&str, Language)] = &[
    ("quiet hours", EN),
    ("quiet", EN),
    ("do not disturb", EN),
    ("dnd", EN),
    ("heures calmes", FR),
    ("heures de silence", FR),
    ("silence", FR),
    ("ne pas deranger", FR),
];
const NAG: &[(&str, Language)] = &[
    ("nag", EN),
    ("nags", EN),
    ("nagging", EN),
    ("nudge", EN),
    ("nudges", EN),
    ("relance", FR),
    ("relances", FR),
    ("relancer", FR),
    ("relance-moi", FR),
];
const MISSED: &[(&str, Language)] = &[
    ("missed", EN),
    ("missed reminders", EN),
    ("manques", FR),
    ("rappels manques", FR),
];
const OFF: &[&str] = &[
    "off",
    "none",
    "no",
    "stop",
    "disable",
    "never",
    "aucune",
    "aucun",
    "non",
    "arret",
    "desactive",
    "jamais",
    "pas",
];
const ENGLISH: &[&str] = &["english", "in english", "speak english", "anglais", "en anglais"];
const FRENCH: &[&str] = &[
    "french",
    "in french",
    "speak french",
    "francais",
    "en francais",
    "parle francais",
    "parle-moi en francais",
];

/// A settings command, if the message is one.
pub(super) fn read(words: &Words<'_>, _context: &Context) -> Option<Understood> {
    if words.is_any(ENGLISH) {
        return Some(Understood {
            intent: Intent::SetLanguage,
            language: Language::En,
        });
    }
    if words.is_any(FRENCH) {
        return Some(Understood {
            intent: Intent::SetLanguage,
            language: Language::Fr,
        });
    }
    if let Some((used, language)) = keyword(words, TIMEZONE) {
        let zone = timezone(&words.rest(used));
        return Some(Understood {
            intent: Intent::SetTimezone(zone),
            language,
        });
    }
    if let Some((used, language)) = keyword(words, QUIET) {
        return Some(Understood {
            intent: Intent::SetQuietHours(quiet_hours(&words.rest(used))),
            language,
        });
    }
    if let Some((used, language)) = keyword(words, NAG) {
        return Some(Understood {
            intent: Intent::SetNag(nag_interval(&words.rest(used))),
            language,
        });
    }
    if let Some((used, language)) = keyword(words, MISSED) {
        return Some(Understood {
            intent: Intent::SetMissedPolicy(missed_policy(&words.rest(used))),
            language,
        });
    }
    None
}

/// Cities and regions people name, and the IANA zone they mean.
const PLACES: &[(&str, &str)] = &[
    ("montreal", "America/Montreal"),
    ("quebec", "America/Toronto"),
    ("toronto", "America/Toronto"),
    ("ottawa", "America/Toronto"),
    ("gatineau", "America/Toronto"),
    ("sherbrooke", "America/Toronto"),
    ("vancouver", "America/Vancouver"),
    ("calgary", "America/Edmonton"),
    ("edmonton", "America/Edmonton"),
    ("winnipeg", "America/Winnipeg"),
    ("regina", "America/Regina"),
    ("halifax", "America/Halifax"),
    ("moncton", "America/Moncton"),
    ("st john's", "America/St_Johns"),
    ("new york", "America/New_York"),
    ("nyc", "America/New_York"),
    ("boston", "America/New_York"),
    ("miami", "America/New_York"),
    ("chicago", "America/Chicago"),
    ("denver", "America/Denver"),
    ("los angeles", "America/Los_Angeles"),
    ("san francisco", "America/Los_Angeles"),
    ("seattle", "America/Los_Angeles"),
    ("eastern", "America/New_York"),
    ("central", "America/Chicago"),
    ("mountain", "America/Denver"),
    ("pacific", "America/Los_Angeles"),
    ("atlantic", "America/Halifax"),
    ("paris", "Europe/Paris"),
    ("france", "Europe/Paris"),
    ("lyon", "Europe/Paris"),
    ("marseille", "Europe/Paris"),
    ("bruxelles", "Europe/Brussels"),
    ("brussels", "Europe/Brussels"),
    ("belgique", "Europe/Brussels"),
    ("geneve", "Europe/Zurich"),
    ("geneva", "Europe/Zurich"),
    ("zurich", "Europe/Zurich"),
    ("suisse", "Europe/Zurich"),
    ("london", "Europe/London"),
    ("londres", "Europe/London"),
    ("berlin", "Europe/Berlin"),
    ("madrid", "Europe/Madrid"),
    ("rome", "Europe/Rome"),
    ("lisbon", "Europe/Lisbon"),
    ("lisbonne", "Europe/Lisbon"),
    ("dakar", "Africa/Dakar"),
    ("casablanca", "Africa/Casablanca"),
    ("alger", "Africa/Algiers"),
    ("algiers", "Africa/Algiers"),
    ("tunis", "Africa/Tunis"),
    ("abidjan", "Africa/Abidjan"),
    ("port-au-prince", "America/Port-au-Prince"),
    ("haiti", "America/Port-au-Prince"),
    ("utc", "UTC"),
    ("gmt", "UTC"),
];

fn timezone(text: &str) -> Option<chrono_tz::Tz> {
    let text = text.trim().trim_start_matches(['=', ':']).trim();
    let folded = super::fold(text);
    let folded = folded
        .trim_start_matches("is ")
        .trim_start_matches("est ")
        .trim_start_matches("to ")
        .trim();
    let folded = folded.trim_end_matches(['.', '!']);
    if let Some((_, zone)) = PLACES.iter().find(|(place, _)| *place == folded) {
        return zone.parse().ok();
    }
    // An IANA name, however it is capitalised: "europe/paris", "America/New York".
    let candidate = text.trim_end_matches(['.', '!']).replace(' ', "_");
    candidate.parse().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(&candidate))
    })
}

/// "22-7", "22h-7h", "10pm to 7am", "de 22h à 7h", "from 22:30 to 06:45", "off".
fn quiet_hours(text: &str) -> Option<QuietHoursChoice> {
    let folded = super::fold(text.trim());
    let folded = folded.trim_end_matches(['.', '!']);
    if OFF.contains(&folded) {
        return Some(QuietHoursChoice::Off);
    }
    let cleaned = folded
        .trim_start_matches(':')
        .trim()
        .trim_start_matches("from ")
        .trim_start_matches("de ")
        .trim_start_matches("entre ");
    let separators = [
        " to ",
        " until ",
        " - ",
        "-",
        " a ",
        " au ",
        " jusqu'a ",
        " et ",
        " and ",
    ];
    let (start, end) = separators.iter().find_map(|sep| cleaned.split_once(sep))?;
    let (start, end) = (clock_minutes(start.trim())?, clock_minutes(end.trim())?);
    (start != end).then_some(QuietHoursChoice::Window {
        start_minute: start,
        end_minute: end,
    })
}

/// "22", "22h", "22h30", "22:30", "10pm", "10:30 pm", "7am", "7 h" -> minutes after midnight.
fn clock_minutes(text: &str) -> Option<u32> {
    let text = text.replace(' ', "");
    let (text, pm) = if let Some(t) = text.strip_suffix("pm").or_else(|| text.strip_suffix("p.m.")) {
        (t.to_owned(), Some(true))
    } else if let Some(t) = text.strip_suffix("am").or_else(|| text.strip_suffix("a.m.")) {
        (t.to_owned(), Some(false))
    } else {
        (text, None)
    };
    let (hours, minutes) = match text.split_once(['h', ':']) {
        Some((h, "")) => (h.parse::<u32>().ok()?, 0),
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None => (text.parse::<u32>().ok()?, 0),
    };
    let hours = match pm {
        Some(true) if (1..=11).contains(&hours) => hours + 12,
        Some(false) if hours == 12 => 0,
        Some(_) if !(1..=12).contains(&hours) => return None,
        _ => hours,
    };
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// "off", "every 15 minutes", "toutes les 10 minutes", "aux 20 min", "15", "every hour".
fn nag_interval(text: &str) -> Option<u32> {
    let folded = super::fold(text.trim());
    let folded = folded.trim_end_matches(['.', '!']).trim_start_matches(':').trim();
    if OFF.contains(&folded) {
        return Some(0);
    }
    let words: Vec<&str> = folded
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "every" | "each" | "toutes" | "tous" | "les" | "aux" | "a" | "chaque" | "me"
            )
        })
        .collect();
    let (count, unit) = match words.as_slice() {
        [unit] if unit.starts_with("hour") || unit.starts_with("heure") => (1, "hour"),
        [count] => (count.trim_end_matches("min").parse::<u32>().ok()?, "min"),
        [count, unit, ..] => (count.parse::<u32>().ok()?, *unit),
        _ => return None,
    };
    let seconds = if unit.starts_with("hour") || unit.starts_with("heure") || unit == "h" {
        count.checked_mul(3600)?
    } else if unit.starts_with("min") || unit == "mn" {
        count.checked_mul(60)?
    } else {
        return None;
    };
    (60..=24 * 3600).contains(&seconds).then_some(seconds)
}

fn missed_policy(text: &str) -> Option<MissedPolicyChoice> {
    let folded = super::fold(text);
    if ["late", "send", "envoie", "envoyer", "retard"]
        .iter()
        .any(|w| folded.contains(w))
    {
        Some(MissedPolicyChoice::SendLate)
    } else if ["skip", "ignore", "record", "note", "oublie", "laisse", "garde"]
        .iter()
        .any(|w| folded.contains(w))
    {
        Some(MissedPolicyChoice::RecordMissed)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_forms() {
        for (text, minutes) in [
            ("22", 1320),
            ("22h", 1320),
            ("22h30", 1350),
            ("22:30", 1350),
            ("10pm", 1320),
            ("10:30 pm", 1350),
            ("7am", 420),
            ("12am", 0),
            ("12pm", 720),
            ("7 h", 420),
            ("0h", 0),
        ] {
            assert_eq!(clock_minutes(text), Some(minutes), "{text}");
        }
        for text in ["25h", "13pm", "7h75", "soon"] {
            assert_eq!(clock_minutes(text), None, "{text}");
        }
    }

    #[test]
    fn quiet_hour_forms() {
        let window = |start_minute, end_minute| {
            Some(QuietHoursChoice::Window {
                start_minute,
                end_minute,
            })
        };
        assert_eq!(quiet_hours("22-7"), window(1320, 420));
        assert_eq!(quiet_hours("22h-7h"), window(1320, 420));
        assert_eq!(quiet_hours("10pm to 7am"), window(1320, 420));
        assert_eq!(quiet_hours("de 22h à 7h"), window(1320, 420));
        assert_eq!(quiet_hours("from 22:30 to 06:45"), window(1350, 405));
        assert_eq!(quiet_hours("entre 23h et 6h30"), window(1380, 390));
        assert_eq!(quiet_hours("off"), Some(QuietHoursChoice::Off));
        assert_eq!(quiet_hours("aucune"), Some(QuietHoursChoice::Off));
        assert_eq!(quiet_hours("at night"), None);
        assert_eq!(quiet_hours("22-22"), None);
    }

    #[test]
    fn nag_forms() {
        assert_eq!(nag_interval("every 15 minutes"), Some(900));
        assert_eq!(nag_interval("toutes les 10 minutes"), Some(600));
        assert_eq!(nag_interval("aux 20 min"), Some(1200));
        assert_eq!(nag_interval("15"), Some(900));
        assert_eq!(nag_interval("every hour"), Some(3600));
        assert_eq!(nag_interval("toutes les 2 heures"), Some(7200));
        assert_eq!(nag_interval("off"), Some(0));
        assert_eq!(nag_interval("non"), Some(0));
        assert_eq!(nag_interval("sometimes"), None);
        assert_eq!(nag_interval("every 0 minutes"), None);
    }

    #[test]
    fn time_zones() {
        assert_eq!(timezone("Paris"), Some(chrono_tz::Europe::Paris));
        assert_eq!(timezone("montréal"), Some(chrono_tz::America::Montreal));
        assert_eq!(timezone("Europe/Paris"), Some(chrono_tz::Europe::Paris));
        assert_eq!(timezone("america/new_york"), Some(chrono_tz::America::New_York));
        assert_eq!(timezone("America/New York"), Some(chrono_tz::America::New_York));
        assert_eq!(timezone("is Vancouver"), Some(chrono_tz::America::Vancouver));
        assert_eq!(timezone("Atlantis"), None);
    }

    #[test]
    fn missed_policies() {
        assert_eq!(missed_policy("send late"), Some(MissedPolicyChoice::SendLate));
        assert_eq!(missed_policy("envoie en retard"), Some(MissedPolicyChoice::SendLate));
        assert_eq!(missed_policy("skip"), Some(MissedPolicyChoice::RecordMissed));
        assert_eq!(missed_policy("ignore-les"), Some(MissedPolicyChoice::RecordMissed));
        assert_eq!(missed_policy("whatever"), None);
    }
}
