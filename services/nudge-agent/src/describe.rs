//! Recurrences in words: "every weekday at 9:00 AM", "tous les jours à 8 h 00".
//! Covers the rules `nudge-when` produces; anything else reads as "on a
//! repeating schedule" rather than something wrong.

use nudge_core::Language;

struct Rule<'a> {
    freq: &'a str,
    interval: u32,
    by_day: Vec<&'a str>,
    by_month_day: Option<i32>,
    by_month: Option<u32>,
    hour: Option<u32>,
    minute: u32,
}

fn parse(rrule: &str) -> Option<Rule<'_>> {
    let mut rule = Rule {
        freq: "",
        interval: 1,
        by_day: Vec::new(),
        by_month_day: None,
        by_month: None,
        hour: None,
        minute: 0,
    };
    for part in rrule.split(';') {
        let (key, value) = part.split_once('=')?;
        match key {
            "FREQ" => rule.freq = value,
            "INTERVAL" => rule.interval = value.parse().ok()?,
            "BYDAY" => rule.by_day = value.split(',').collect(),
            "BYMONTHDAY" => rule.by_month_day = Some(value.parse().ok()?),
            "BYMONTH" => rule.by_month = Some(value.parse().ok()?),
            "BYHOUR" => rule.hour = Some(value.parse().ok()?),
            "BYMINUTE" => rule.minute = value.parse().ok()?,
            _ => return None,
        }
    }
    Some(rule)
}

fn clock(hour: u32, minute: u32, language: Language) -> String {
    match language {
        Language::En => {
            let (h, suffix) = match hour {
                0 => (12, "AM"),
                1..=11 => (hour, "AM"),
                12 => (12, "PM"),
                _ => (hour - 12, "PM"),
            };
            format!("{h}:{minute:02} {suffix}")
        }
        Language::Fr => format!("{hour} h {minute:02}"),
    }
}

fn weekday(code: &str, language: Language) -> Option<&'static str> {
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    let index = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        .iter()
        .position(|d| *d == code)?;
    Some(match language {
        Language::En => EN[index],
        Language::Fr => FR[index],
    })
}

fn join(items: &[String], language: Language) -> String {
    let and = match language {
        Language::En => "and",
        Language::Fr => "et",
    };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

fn ordinal(n: i32, language: Language) -> String {
    match (language, n) {
        (Language::En, -1) => "last".to_owned(),
        (Language::En, 1) => "first".to_owned(),
        (Language::En, 2) => "second".to_owned(),
        (Language::En, 3) => "third".to_owned(),
        (Language::En, 4) => "fourth".to_owned(),
        (Language::Fr, -1) => "dernier".to_owned(),
        (Language::Fr, 1) => "premier".to_owned(),
        (Language::Fr, n) => format!("{n}e"),
        (Language::En, n) => format!("{n}th"),
    }
}

fn day_of_month(n: i32, language: Language) -> String {
    match language {
        Language::En => match n {
            1 | 21 | 31 => format!("{n}st"),
            2 | 22 => format!("{n}nd"),
            3 | 23 => format!("{n}rd"),
            _ => format!("{n}th"),
        },
        Language::Fr if n == 1 => "1er".to_owned(),
        Language::Fr => n.to_string(),
    }
}

fn month(n: u32, language: Language) -> &'static str {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR: [&str; 12] = [
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
    let index = n.saturating_sub(1) as usize;
    match language {
        Language::En => EN.get(index).copied().unwrap_or(""),
        Language::Fr => FR.get(index).copied().unwrap_or(""),
    }
}

/// "every day at 8:00 AM", "chaque mardi et jeudi à 9 h 00", "every 3 hours".
pub(crate) fn recurrence(rrule: &str, language: Language) -> String {
    describe(rrule, language).unwrap_or_else(|| match language {
        Language::En => "on a repeating schedule".to_owned(),
        Language::Fr => "de façon régulière".to_owned(),
    })
}

fn describe(rrule: &str, language: Language) -> Option<String> {
    let rule = parse(rrule)?;
    let (en, fr) = (language == Language::En, language == Language::Fr);
    let at = rule.hour.map(|h| match language {
        Language::En => format!(" at {}", clock(h, rule.minute, language)),
        Language::Fr => format!(" à {}", clock(h, rule.minute, language)),
    });
    let at = at.unwrap_or_default();
    let n = rule.interval;
    Some(match rule.freq {
        "MINUTELY" | "HOURLY" => {
            let unit = match (rule.freq, en) {
                ("MINUTELY", true) => "minute",
                ("MINUTELY", false) => "minute",
                (_, true) => "hour",
                (_, false) => "heure",
            };
            match (n, en) {
                (1, true) => format!("every {unit}"),
                (1, false) => format!("toutes les {unit}s"),
                (n, true) => format!("every {n} {unit}s"),
                (n, false) => format!("toutes les {n} {unit}s"),
            }
        }
        "DAILY" => match (n, en) {
            (1, true) => format!("every day{at}"),
            (1, false) => format!("tous les jours{at}"),
            (2, true) => format!("every other day{at}"),
            (2, false) => format!("un jour sur deux{at}"),
            (n, true) => format!("every {n} days{at}"),
            (n, false) => format!("tous les {n} jours{at}"),
        },
        "WEEKLY" => {
            let mut days: Vec<&str> = rule.by_day.clone();
            days.sort_by_key(|d| ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].iter().position(|x| x == d));
            let days_text = if days == ["MO", "TU", "WE", "TH", "FR"] {
                if en {
                    "weekday".to_owned()
                } else {
                    "jour de semaine".to_owned()
                }
            } else if days == ["SA", "SU"] {
                if en {
                    "Saturday and Sunday".to_owned()
                } else {
                    "samedi et dimanche".to_owned()
                }
            } else {
                let names: Option<Vec<String>> = days.iter().map(|d| weekday(d, language).map(str::to_owned)).collect();
                join(&names?, language)
            };
            match (n, en, days.is_empty()) {
                (1, true, true) => format!("every week{at}"),
                (1, false, true) => format!("chaque semaine{at}"),
                (1, true, false) => format!("every {days_text}{at}"),
                (1, false, false) => format!("chaque {days_text}{at}"),
                (n, true, _) => format!("every {n} weeks on {days_text}{at}"),
                (n, false, _) => format!("toutes les {n} semaines le {days_text}{at}"),
            }
        }
        "MONTHLY" => {
            let which = if let Some(day) = rule.by_month_day {
                match (en, day) {
                    (true, -1) => "the last day".to_owned(),
                    (false, -1) => "le dernier jour".to_owned(),
                    (true, day) => format!("the {}", day_of_month(day, language)),
                    (false, day) => format!("le {}", day_of_month(day, language)),
                }
            } else {
                let code = rule.by_day.first()?;
                let split = code.len().checked_sub(2)?;
                let (ord, day) = code.split_at(split);
                let ord: i32 = ord.parse().ok()?;
                let day = weekday(day, language)?;
                if en {
                    format!("the {} {day}", ordinal(ord, language))
                } else {
                    format!("le {} {day}", ordinal(ord, language))
                }
            };
            match (n, fr) {
                (1, false) => format!("on {which} of every month{at}"),
                (1, true) => format!("{which} de chaque mois{at}"),
                (n, false) => format!("on {which} of every {n} months{at}"),
                (n, true) => format!("{which} tous les {n} mois{at}"),
            }
        }
        "YEARLY" => {
            let (month_number, day) = (rule.by_month?, rule.by_month_day?);
            match en {
                true => format!("every year on {} {day}{at}", month(month_number, language)),
                false => format!(
                    "tous les ans le {} {}{at}",
                    day_of_month(day, language),
                    month(month_number, language)
                ),
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(rrule: &str, en: &str, fr: &str) {
        assert_eq!(recurrence(rrule, Language::En), en, "{rrule}");
        assert_eq!(recurrence(rrule, Language::Fr), fr, "{rrule}");
    }

    #[test]
    fn the_rules_the_parser_writes() {
        check(
            "FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
            "every day at 8:00 AM",
            "tous les jours à 8 h 00",
        );
        check(
            "FREQ=DAILY;INTERVAL=2;BYHOUR=20;BYMINUTE=30",
            "every other day at 8:30 PM",
            "un jour sur deux à 20 h 30",
        );
        check(
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
            "every weekday at 9:00 AM",
            "chaque jour de semaine à 9 h 00",
        );
        check(
            "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0",
            "every Tuesday and Thursday at 9:00 AM",
            "chaque mardi et jeudi à 9 h 00",
        );
        check(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
            "every 2 weeks on Monday at 9:00 AM",
            "toutes les 2 semaines le lundi à 9 h 00",
        );
        check(
            "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
            "on the 1st of every month at 9:00 AM",
            "le 1er de chaque mois à 9 h 00",
        );
        check(
            "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0",
            "on the last Friday of every month at 5:00 PM",
            "le dernier vendredi de chaque mois à 17 h 00",
        );
        check(
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0",
            "every year on March 5 at 9:00 AM",
            "tous les ans le 5 mars à 9 h 00",
        );
        check("FREQ=HOURLY;INTERVAL=3", "every 3 hours", "toutes les 3 heures");
        check("FREQ=MINUTELY;INTERVAL=30", "every 30 minutes", "toutes les 30 minutes");
        check(
            "FREQ=SECONDLY;INTERVAL=5",
            "on a repeating schedule",
            "de façon régulière",
        );
    }
}
