//! Never a silent misreading: a reminder's time that is ambiguous ("03/04",
//! "Tuesday the 19th" when the 19th is a Wednesday), only partly understood
//! (time-like words left over: "at 6 ish or maybe 7"), in the past, or
//! more than `FAR` away without a written year is not scheduled: the
//! person is asked one short question, and their answer ("the 26th",
//! "6pm", "2", "soir", "yes") is read here against the readings offered.
//! The local engine and the model's `create_reminder` tool both go through
//! `doubt`.

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use nudge_when::When;

use super::lexicon::{EVENING, MORNING, ORDINALS, TIME_LIKE, TIME_LIKE_WEAK, YES};
use super::words::{Words, fold};

/// A reading further away than this is confirmed, unless a year was written.
pub(crate) const FAR: TimeDelta = TimeDelta::days(90);
/// A reading this far in the past is late typing, not a past time.
const PAST_TOLERANCE: TimeDelta = TimeDelta::seconds(60);

/// Why a time is asked about rather than scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Doubt {
    /// Several readings are as plausible: which one?
    Ambiguous,
    /// Time-like words were left unread: is this reading right?
    PartlyUnderstood,
    /// The reading is past: the same time, next, instead?
    Past,
    /// The reading is months away: really?
    Far,
}

impl Doubt {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Doubt::Ambiguous => "ambiguous",
            Doubt::PartlyUnderstood => "partly",
            Doubt::Past => "past",
            Doubt::Far => "far",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Doubt> {
        [Doubt::Ambiguous, Doubt::PartlyUnderstood, Doubt::Past, Doubt::Far]
            .into_iter()
            .find(|doubt| doubt.as_str() == text)
    }
}

/// A reminder held until the person answers, with the readings offered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clarification {
    pub(crate) when: Box<When>,
    pub(crate) urgent: bool,
    pub(crate) doubt: Doubt,
    /// The readings offered, in the order the question names them.
    pub(crate) readings: Vec<DateTime<Utc>>,
    /// The time-like words left unread (for `PartlyUnderstood`).
    pub(crate) unread: Vec<String>,
}

/// Time-like words left in a reminder's text by the parser ("ish", "or
/// thurs", "tomorrow"); a weak one ("or", "maybe") counts only next to a
/// number or another time-like word.
pub(crate) fn unread_time_words(text: &str) -> Vec<String> {
    let words = Words::new(text);
    let tokens: Vec<String> = (0..words.len())
        .filter_map(|i| words.word(i))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
                .to_owned()
        })
        .collect();
    let clock = |w: &str| {
        let digits = w.trim_start_matches(|c: char| c.is_ascii_digit());
        w.starts_with(|c: char| c.is_ascii_digit())
            && (matches!(
                digits,
                "am" | "pm" | "h" | "ish" | "hr" | "hrs" | "min" | "mins" | "pmish" | "amish"
            ) || digits.starts_with(':')
                || digits.starts_with('h') && digits[1..].chars().all(|c| c.is_ascii_digit()))
    };
    let number = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) && w.len() <= 2;
    let strong = |w: &str| clock(w) || (TIME_LIKE.contains(&w) && !TIME_LIKE_WEAK.contains(&w));
    let mut unread = Vec::new();
    for (i, word) in tokens.iter().enumerate() {
        let near = |j: Option<usize>| j.and_then(|j| tokens.get(j)).is_some_and(|w| strong(w) || number(w));
        let weak_flagged = TIME_LIKE_WEAK.contains(&word.as_str()) && (near(i.checked_sub(1)) || near(Some(i + 1)));
        if strong(word) || weak_flagged {
            unread.push(word.clone());
        }
    }
    // "call 2 friends or 3": numbers alone never count, only words next to them.
    unread
}

/// A clock time written as digits: "17h", "9h30", "5pm", "5:30pm", "10:30"
/// (a bare "5" is not one: it is read by the parser's conventions).
pub(crate) fn clock_of(word: &str) -> Option<(u32, u32)> {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != ':');
    let digits_end = word.find(|c: char| !c.is_ascii_digit())?;
    let hour: u32 = word[..digits_end].parse().ok()?;
    let rest = &word[digits_end..];
    let (minute_text, suffix) = match rest.strip_prefix(['h', ':']) {
        Some(after) => {
            let end = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
            (&after[..end], &after[end..])
        }
        None => ("", rest),
    };
    let minute: u32 = if minute_text.is_empty() {
        0
    } else {
        minute_text.parse().ok()?
    };
    let colon = rest.starts_with(':');
    let hour = match suffix {
        "pm" | "p" if (1..=12).contains(&hour) => hour % 12 + 12,
        "am" | "a" if (1..=12).contains(&hour) => hour % 12,
        "" if rest.starts_with('h') || (colon && !minute_text.is_empty()) => hour,
        _ => return None,
    };
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// Whether a clock written without "am"/"pm" or "h" ("5:30") leaves the half of the day open.
fn twelve_hour(word: &str) -> bool {
    let word = fold(word);
    !word.contains('h') && !word.contains("am") && !word.contains("pm")
}

/// The one clock time the message writes as digits outside a duration
/// ("dans 1h30" is a duration), if it writes exactly one; and whether its
/// half of the day is left open ("5:30").
fn written_clock(message: &str) -> Option<(u32, u32, bool)> {
    let tokens: Vec<String> = message.split_whitespace().map(fold).collect();
    let mut found: Vec<(u32, u32, bool)> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| tokens.get(j)).map(String::as_str);
        if matches!(
            before,
            Some("dans" | "ds" | "in" | "d'ici" | "pendant" | "for" | "within" | "les" | "every" | "toutes" | "tous")
        ) {
            continue;
        }
        if let Some(clock) = clock_of(token)
            && !found.iter().any(|(h, m, _)| (*h, *m) == clock)
        {
            found.push((clock.0, clock.1, twelve_hour(token)));
        }
    }
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// A time-like word: a day or part of day, a clock time, a small number.
fn time_ish(word: &str) -> bool {
    let number = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) && word.len() <= 2;
    number
        || clock_of(word).is_some()
        || TIME_LIKE.contains(&word)
        || matches!(
            word,
            "day" | "jour" | "apres-demain" | "after" | "d'apres" | "celle" | "weekend" | "week-end"
        )
}

/// "tomorrow or thursday", "à 6h ou 7h", "next week or the week after": a
/// choice between times left to Nudge, whatever the parser made of it.
fn offered_choice(message: &str) -> Option<String> {
    let tokens: Vec<String> = message
        .split_whitespace()
        .map(|w| {
            fold(w)
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-' && c != ':')
                .to_owned()
        })
        .collect();
    tokens.iter().enumerate().find_map(|(i, word)| {
        if !matches!(word.as_str(), "or" | "ou") || i == 0 {
            return None;
        }
        let before = &tokens[i - 1];
        let after = &tokens[i + 1..tokens.len().min(i + 4)];
        let before_ok = time_ish(before) && !matches!(before.as_str(), "or" | "ou" | "maybe" | "peut-etre");
        (before_ok && after.iter().any(|w| time_ish(w) && !matches!(w.as_str(), "or" | "ou")))
            .then(|| format!("{before} {word} {}", after.join(" ")))
    })
}

/// Whether the message writes the year of `at` ("2027", "'27").
fn year_written(message: &str, at: &DateTime<Utc>) -> bool {
    let year = at.year().to_string();
    message.contains(&year)
}

/// Whether `when`, read from `message` at `now`, must be asked about first.
pub(crate) fn doubt(
    when: &When,
    message: &str,
    now: DateTime<chrono_tz::Tz>,
) -> Option<(Doubt, Vec<DateTime<Utc>>, Vec<String>)> {
    let at = when.at.with_timezone(&Utc);
    let now_utc = now.with_timezone(&Utc);
    let mut readings = vec![at];
    for alternative in &when.alternatives {
        let alternative = alternative.with_timezone(&Utc);
        // The other half of the day ("at 5": 5 pm or 5 am; "at 6") is
        // settled by the clock convention, and the confirmation says
        // "5:00 PM" in full, so a wrong half is seen at once and corrected
        // ("actually 6am", "non, 6h du matin"): asking at every "at 5"
        // would make the most common message a quiz, and would stop
        // "call mom at 5 and dad at 6" from being two reminders.
        if (alternative - at).num_minutes().abs() == 12 * 60 {
            continue;
        }
        if !readings.contains(&alternative) && (when.rrule.is_some() || alternative >= now_utc - PAST_TOLERANCE) {
            readings.push(alternative);
        }
    }
    if readings.len() > 1 {
        // The past reading of an ambiguous pair is no reading at all.
        if at < now_utc - PAST_TOLERANCE && when.rrule.is_none() {
            readings.remove(0);
        }
        if readings.len() > 1 {
            return Some((Doubt::Ambiguous, readings, Vec::new()));
        }
    }
    let at = readings[0];
    let unread = unread_time_words(&when.text);
    if !unread.is_empty() {
        return Some((Doubt::PartlyUnderstood, vec![at], unread));
    }
    if let Some(choice) = offered_choice(message) {
        return Some((Doubt::PartlyUnderstood, vec![at], vec![choice]));
    }
    if when.rrule.is_some() {
        return None;
    }
    // "à 6h" read as 18:00, "5:30pm" read as another time: the clock written wins, or is asked about.
    let local = at.with_timezone(&now.timezone());
    if let Some((hour, minute, open_half)) = written_clock(message)
        && (local.hour(), local.minute()) != (hour, minute)
        && !(open_half && (local.hour() % 12, local.minute()) == (hour % 12, minute))
    {
        use chrono::TimeZone as _;
        let time = chrono::NaiveTime::from_hms_opt(hour, minute, 0)?;
        let mut written = now
            .timezone()
            .from_local_datetime(&local.date_naive().and_time(time))
            .earliest()?;
        if written.with_timezone(&Utc) < now_utc - PAST_TOLERANCE {
            written += TimeDelta::days(1);
        }
        return Some((Doubt::Ambiguous, vec![written.with_timezone(&Utc), at], Vec::new()));
    }
    if at < now_utc - PAST_TOLERANCE {
        // The same clock time, next: tomorrow at 5 for "yesterday at 5".
        let local = at.with_timezone(&now.timezone());
        let mut next = now.date_naive().and_time(local.time());
        if next <= now.naive_local() {
            next += TimeDelta::days(1);
        }
        use chrono::TimeZone as _;
        let next = now
            .timezone()
            .from_local_datetime(&next)
            .earliest()?
            .with_timezone(&Utc);
        return Some((Doubt::Past, vec![next], Vec::new()));
    }
    if at - now_utc > FAR && !year_written(message, &at) {
        return Some((Doubt::Far, vec![at], Vec::new()));
    }
    None
}

/// What an answer to a question about a time says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The reading at this index.
    Pick(usize),
    /// "no": none of them.
    No,
    /// Not an answer: the message is something else.
    Other,
}

/// Reads `text` as an answer to the question about `readings` (shown in `zone`).
pub(crate) fn answer(text: &str, readings: &[DateTime<Utc>], zone: chrono_tz::Tz, asked_at: DateTime<Utc>) -> Answer {
    let normalized = super::texting::normalize(text, nudge_core::Language::En);
    let words = Words::new(&normalized);
    let folded = words.folded_text();
    let folded = folded
        .trim_start_matches(['(', '#'])
        .trim_start_matches("the ")
        .trim_end_matches([')', '.', '!', ' '])
        .trim()
        .to_owned();
    let local: Vec<DateTime<chrono_tz::Tz>> = readings.iter().map(|r| r.with_timezone(&zone)).collect();
    let pick = |i: usize| {
        if i < readings.len() {
            Answer::Pick(i)
        } else {
            Answer::Other
        }
    };
    if YES.contains(&folded.as_str()) || YES.contains(&folded.trim_start_matches("oh ").trim()) {
        return if readings.len() == 1 {
            Answer::Pick(0)
        } else {
            Answer::Other
        };
    }
    if matches!(
        folded.as_str(),
        "no" | "non"
            | "nope"
            | "nah"
            | "n"
            | "neither"
            | "aucun"
            | "ni l'un ni l'autre"
            | "no thanks"
            | "non merci"
            | "cancel"
            | "annule"
    ) {
        return Answer::No;
    }
    if let Some((_, n)) = ORDINALS.iter().find(|(word, _)| *word == folded) {
        return pick(n - 1);
    }
    // Morning or evening ("6 am or 6 pm?").
    let morning = MORNING.contains(&folded.as_str());
    let evening = EVENING.contains(&folded.as_str());
    if morning || evening {
        let found: Vec<usize> = (0..local.len())
            .filter(|&i| (local[i].hour() >= 12) == evening)
            .collect();
        return match found.as_slice() {
            [one] => Answer::Pick(*one),
            _ => Answer::Other,
        };
    }
    // A number: a day of the month offered ("the 26th", "le 26"), else a place in the question ("2").
    let number_text = folded
        .trim_start_matches("le ")
        .trim_start_matches("option ")
        .trim_end_matches("th")
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("er")
        .trim_end_matches('e');
    if let Ok(n) = number_text.parse::<u32>() {
        let by_day: Vec<usize> = (0..local.len()).filter(|&i| local[i].day() == n).collect();
        if let [one] = by_day.as_slice() {
            return Answer::Pick(*one);
        }
        let by_hour: Vec<usize> = (0..local.len())
            .filter(|&i| local[i].hour() == n || local[i].hour() == n + 12)
            .collect();
        if let [one] = by_hour.as_slice() {
            return Answer::Pick(*one);
        }
        if (1..=readings.len()).contains(&(n as usize)) {
            return Answer::Pick(n as usize - 1);
        }
        return Answer::Other;
    }
    // A month named ("April" for "3 April or 4 March?").
    let month = month_named(&folded);
    if let Some(month) = month {
        let found: Vec<usize> = (0..local.len()).filter(|&i| local[i].month() == month).collect();
        if let [one] = found.as_slice() {
            return Answer::Pick(*one);
        }
    }
    // Anything else the time parser reads as one of the readings ("6pm", "18h", "tuesday 26").
    let mut context = nudge_when::Context::new(asked_at.with_timezone(&zone));
    context.lang = nudge_when::LangHint::Auto;
    if let Ok(when) = nudge_when::parse(&normalized, &context)
        && when.text.is_empty()
    {
        let read = when.at.with_timezone(&zone);
        let same = |i: &usize| {
            let offered = local[*i];
            match when.grain {
                nudge_when::Grain::Day | nudge_when::Grain::Week => offered.date_naive() == read.date_naive(),
                _ => offered.hour() == read.hour() && offered.minute() == read.minute(),
            }
        };
        let found: Vec<usize> = (0..local.len()).filter(same).collect();
        if let [one] = found.as_slice() {
            return Answer::Pick(*one);
        }
    }
    Answer::Other
}

fn month_named(folded: &str) -> Option<u32> {
    const MONTHS: [(&str, &str, &str); 12] = [
        ("jan", "january", "janvier"),
        ("feb", "february", "fevrier"),
        ("mar", "march", "mars"),
        ("apr", "april", "avril"),
        ("may", "may", "mai"),
        ("jun", "june", "juin"),
        ("jul", "july", "juillet"),
        ("aug", "august", "aout"),
        ("sep", "september", "septembre"),
        ("oct", "october", "octobre"),
        ("nov", "november", "novembre"),
        ("dec", "december", "decembre"),
    ];
    let words: Vec<String> = folded.split_whitespace().map(|w| fold(w.trim_matches('.'))).collect();
    let found: Vec<u32> = (0..12u32)
        .filter(|&m| {
            let (short, en, fr) = MONTHS[m as usize];
            words.iter().any(|w| w == short || w == en || w == fr)
        })
        .map(|m| m + 1)
        .collect();
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
