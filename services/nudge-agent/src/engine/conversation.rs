//! The conversational families of the local engine, read as people text
//! them: "done w the laundry", "busy, in 10", "what's on today?", "c quoi
//! ma liste", "cancel the dentist one", "annule le rappel de 17h",
//! "actually make it 6", "non plutôt jeudi", and several requests in one
//! message. Each reader takes a message already spelled out by `texting`
//! and either recognises it or leaves it to the next one; the words are in
//! `lexicon.rs`.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use nudge_core::Language;

use super::lexicon::{
    ACKNOWLEDGING, AGENDA_FILLER, AGENDA_NOUNS, AGENDA_TODAY, AGENDA_TOMORROW, CANCEL_FILLER, CANCEL_VERBS,
    CORRECTION_MARKERS, CORRECTION_OPENERS, CORRECTION_TRAILERS, DONE_LINKS, DONE_PHRASES, JOINERS, SNOOZE_CORE,
    SNOOZE_WORDS,
};
use super::words::{Words, fold};
use super::{Context, Intent, Understood, when_context};

/// Words that tell a short message is French when nothing else does.
const FRENCH_WORDS: &[&str] = &[
    "tard",
    "pas",
    "maintenant",
    "encore",
    "rappelle",
    "rappelle-moi",
    "moi",
    "repousse",
    "plutot",
    "non",
    "fait",
    "fini",
    "finie",
    "termine",
    "c'est",
    "quoi",
    "ma",
    "mes",
    "liste",
    "rappels",
    "rappel",
    "annule",
    "annuler",
    "supprime",
    "enleve",
    "efface",
    "demain",
    "aujourd'hui",
    "j'ai",
    "je",
    "le",
    "la",
    "les",
    "de",
    "du",
    "dans",
    "occupe",
    "occupee",
    "attends",
    "mets",
    "voulais",
    "avec",
    "celui",
    "pour",
    "finalement",
    "en",
    "taches",
    "journee",
    "programme",
    "prevu",
    "retire",
    "vire",
    "oups",
    "pardon",
    "desole",
    "tantot",
    "l'heure",
    "ca",
    "pris",
    "regle",
    "voila",
    "deja",
    "besoin",
    "mon",
    "des",
    "un",
    "une",
    "peu",
    "instant",
    "minutes",
    "h",
    "heure",
    "laisse",
    "tomber",
    "conduire",
    "travail",
    "boulot",
    "donne",
    "juste",
    "bon",
    "ouf",
    "enfin",
    "suis",
    "mets-le",
    "mets-la",
    "deplace",
    "decale",
    "chui",
    "conduis",
    "donne-moi",
    "laisse-moi",
    "remets",
    "suite",
    "d'accord",
    "oui",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "soir",
    "matin",
    "midi",
    "semaine",
    "prochaine",
    "prochain",
    "et",
    "puis",
    "aussi",
    "rendez-vous",
    "dentiste",
    "medecin",
    "quel",
    "quels",
    "quelles",
    "montre",
    "affiche",
    "planning",
];
const ENGLISH_WORDS: &[&str] = &[
    "later",
    "not",
    "now",
    "snooze",
    "done",
    "did",
    "it",
    "finished",
    "the",
    "my",
    "with",
    "what",
    "what's",
    "is",
    "on",
    "today",
    "tomorrow",
    "cancel",
    "delete",
    "remove",
    "actually",
    "make",
    "to",
    "instead",
    "wait",
    "sorry",
    "busy",
    "in",
    "an",
    "hour",
    "more",
    "yet",
    "reminders",
    "list",
    "one",
    "and",
    "i",
    "me",
    "you",
    "have",
    "do",
    "took",
    "them",
    "that",
    "this",
    "at",
    "for",
    "again",
    "right",
    "schedule",
    "tasks",
    "minutes",
    "give",
    "please",
    "thanks",
    "yes",
    "meant",
    "move",
    "push",
    "never",
    "mind",
    "about",
    "anything",
    "day",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "tonight",
    "morning",
    "evening",
    "then",
    "also",
    "all",
    "got",
    "just",
    "handled",
    "taken",
    "min",
    "mins",
    "hours",
    "bit",
    "while",
    "driving",
];

/// "18h", "9h30" are written in French; "5pm", "6am" in English.
fn clock_language(word: &str) -> Option<Language> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    if rest.len() == word.len() {
        return None;
    }
    if rest == "h"
        || rest
            .strip_prefix('h')
            .is_some_and(|m| m.chars().all(|c| c.is_ascii_digit()))
    {
        return Some(Language::Fr);
    }
    (rest.ends_with("am") || rest.ends_with("pm")).then_some(Language::En)
}

/// The language of a short message: by its words, `fallback` on a tie.
pub(super) fn language_of_words(words: &[String], fallback: Language) -> Language {
    let french = words
        .iter()
        .filter(|w| FRENCH_WORDS.contains(&w.as_str()) || clock_language(w) == Some(Language::Fr))
        .count();
    let english = words
        .iter()
        .filter(|w| ENGLISH_WORDS.contains(&w.as_str()) || clock_language(w) == Some(Language::En))
        .count();
    match french.cmp(&english) {
        std::cmp::Ordering::Greater => Language::Fr,
        std::cmp::Ordering::Less => Language::En,
        std::cmp::Ordering::Equal => fallback,
    }
}

/// The folded words of a message, punctuation around them removed, empty ones dropped.
fn bare_words(words: &Words<'_>) -> Vec<String> {
    (0..words.len())
        .filter_map(|i| words.word(i))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '+')
                .to_owned()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// How many of `phrases` (space-separated, folded) `tokens` start with at `at`: the longest.
fn phrase_len(tokens: &[String], at: usize, phrases: &[&str]) -> Option<usize> {
    phrases
        .iter()
        .filter(|phrase| {
            phrase
                .split(' ')
                .enumerate()
                .all(|(i, part)| tokens.get(at + i).is_some_and(|t| t == part))
        })
        .map(|phrase| phrase.split(' ').count())
        .max()
}

/// "done w the laundry", "ok did it", "fait!", "c'est fait pour le linge", "✅".
pub(super) fn done(words: &Words<'_>, context: &Context) -> Option<Understood> {
    let tokens = bare_words(words);
    let mut at = 0;
    while at < tokens.len() && ACKNOWLEDGING.contains(&tokens[at].as_str()) {
        at += 1;
    }
    let mut taken = phrase_len(&tokens, at, DONE_PHRASES)?;
    // "done done", "fait fait", "done ✅": the same word again is emphasis.
    while let Some(again) = phrase_len(&tokens, at + taken, DONE_PHRASES) {
        taken += again;
    }
    let rest = &tokens[at + taken..];
    // "done 2" / "fait 1" are items of a list (read before); "did you" is a question.
    if rest
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()) || w == "you" || w == "u")
    {
        return None;
    }
    // A time after it makes it something else ("fait les courses demain").
    if !rest.is_empty() {
        let rest_text = rest.join(" ");
        if nudge_when::parse(&rest_text, &when_context(context, None))
            .is_ok_and(|when| when.text.is_empty() || when.grain <= nudge_when::Grain::Hour)
        {
            return None;
        }
        // Only "done" words with their thing ("done with X", "fini la lessive"), not "did the dishes yesterday?".
        let linked = DONE_LINKS.contains(&rest[0].as_str()) || rest.len() <= 4;
        if !linked || words.folded_text().ends_with('?') {
            return None;
        }
    }
    let language = language_of_words(&tokens, context.language);
    Some(Understood {
        intent: Intent::Done,
        language,
    })
}

/// A bare number of minutes ("10", "10 min", "10 more minutes"), 1 to 240.
fn minutes(tokens: &[String]) -> Option<i64> {
    let (number, unit) = match tokens {
        [n] => (n, None),
        [n, unit] => (n, Some(unit.as_str())),
        [n, more, unit] if matches!(more.as_str(), "more" | "de" | "extra") => (n, Some(unit.as_str())),
        [n, unit, plus] if matches!(plus.as_str(), "more" | "plus" | "encore") => (n, Some(unit.as_str())),
        [n, unit, de, plus] if de == "de" && plus == "plus" => (n, Some(unit.as_str())),
        _ => return None,
    };
    let n: i64 = number.trim_end_matches("min").parse().ok()?;
    let unit_ok = unit.is_none_or(|u| {
        matches!(
            u,
            "minutes" | "minute" | "min" | "mins" | "more" | "plus" | "m" | "mn" | "minutos" | "minuten"
        )
    });
    (unit_ok && (1..=240).contains(&n)).then_some(n)
}

/// "later", "not now", "busy rn", "plus tard stp", "💤", "dans 10", "10 more min", "give me an hour".
pub(super) fn snooze(words: &Words<'_>, context: &Context) -> Option<Understood> {
    let tokens = bare_words(words);
    if tokens.is_empty() {
        return None;
    }
    let language = language_of_words(&tokens, context.language);
    let snooze_words = |slice: &[String]| slice.iter().all(|w| SNOOZE_WORDS.contains(&w.as_str()));
    if snooze_words(&tokens) && tokens.iter().any(|w| SNOOZE_CORE.contains(&w.as_str())) {
        return Some(Understood {
            intent: Intent::Snooze { until: None },
            language,
        });
    }
    // A prefix of "not now" words, then how long.
    let now = context.now.with_timezone(&Utc);
    for split in 0..tokens.len() {
        let (prefix, tail) = tokens.split_at(split);
        if !snooze_words(prefix) {
            break;
        }
        let tail: Vec<String> = tail
            .iter()
            .skip_while(|w| {
                matches!(
                    w.as_str(),
                    "in" | "dans" | "another" | "for" | "like" | "genre" | "une" | "un" | "pour" | "ds"
                )
            })
            .cloned()
            .collect();
        // "10" alone is not a snooze; "in 10", "10 min", "busy 10" are.
        let introduced = tail.len() < tokens.len() - split || tail.len() >= 2 || !prefix.is_empty();
        // What the time parser reads alone ("dans 20 minutes") is its own: a time, not a snooze word.
        let parsed_alone = split == 0
            && nudge_when::parse(&tokens.join(" "), &when_context(context, Some(language)))
                .is_ok_and(|when| when.text.is_empty());
        if let Some(n) = minutes(&tail)
            && introduced
            && !parsed_alone
        {
            return Some(Understood {
                intent: Intent::Snooze {
                    until: Some(now + TimeDelta::minutes(n)),
                },
                language,
            });
        }
        // A time after "not now" words: "busy, in an hour"; "remind me tomorrow" is not a snooze.
        if tail.is_empty() || !prefix.iter().any(|w| SNOOZE_CORE.contains(&w.as_str())) {
            continue;
        }
        let tail_text = tokens[split..].join(" ");
        let relative = match language {
            Language::En if !tail_text.starts_with("in ") => format!("in {tail_text}"),
            Language::Fr if !tail_text.starts_with("dans ") => format!("dans {tail_text}"),
            _ => tail_text.clone(),
        };
        let until = [relative.as_str(), tail_text.as_str()].iter().find_map(|candidate| {
            nudge_when::parse(candidate, &when_context(context, Some(language)))
                .ok()
                .filter(|when| when.text.is_empty() && when.rrule.is_none())
                .map(|when| when.at.with_timezone(&Utc))
                .filter(|at| *at > now && *at - now <= TimeDelta::hours(24))
        });
        if let Some(until) = until {
            return Some(Understood {
                intent: Intent::Snooze { until: Some(until) },
                language,
            });
        }
    }
    None
}

/// "what's on today?", "c quoi ma liste", "j'ai quoi demain", "my schedule pls".
pub(super) fn agenda(words: &Words<'_>, context: &Context) -> Option<Understood> {
    let tokens = bare_words(words);
    let known = |w: &String| {
        let w = w.as_str();
        AGENDA_FILLER.contains(&w)
            || AGENDA_NOUNS.contains(&w)
            || AGENDA_TODAY.contains(&w)
            || AGENDA_TOMORROW.contains(&w)
    };
    if tokens.is_empty() || !tokens.iter().all(known) {
        return None;
    }
    let has = |table: &[&str]| tokens.iter().any(|w| table.contains(&w.as_str()));
    // "today?" or "what's on today" asks; "demain" alone is a time (a snooze), not a question.
    let question = words.rest(0).trim_end().ends_with('?')
        || has(&[
            "what",
            "what's",
            "whats",
            "quoi",
            "quel",
            "quels",
            "quelles",
            "anything",
            "show",
            "montre",
            "affiche",
            "voir",
            "qu'est-ce",
            "qu'est",
            "que",
            "j'ai",
            "have",
            "got",
            "my",
            "ma",
            "mon",
            "mes",
            "prevu",
            "planned",
        ]);
    let language = language_of_words(&tokens, context.language);
    let understood = |intent| Some(Understood { intent, language });
    let tasks = has(&["tasks", "taches", "todo", "todos", "to-do", "to-dos"]) || (has(&["faire"]) && has(&["a"]));
    if tasks {
        return understood(Intent::ListTasks);
    }
    if has(AGENDA_TOMORROW) && (question || has(AGENDA_NOUNS)) {
        return understood(Intent::Agenda { tomorrow: true });
    }
    if has(&["today", "aujourd'hui", "auj", "tonight", "journee", "day"]) && (question || has(AGENDA_NOUNS)) {
        return understood(Intent::Agenda { tomorrow: false });
    }
    if has(AGENDA_NOUNS) {
        // "my list" / "ma liste" is the person's to-do list; the other nouns are reminders.
        let list_only = !has(&[
            "reminders",
            "reminder",
            "rappels",
            "rappel",
            "schedule",
            "agenda",
            "planning",
            "calendar",
            "programme",
            "horaire",
            "plans",
            "lineup",
        ]);
        if list_only && has(&["my", "ma", "mes"]) {
            return understood(Intent::ListTasks);
        }
        return understood(Intent::ListReminders);
    }
    None
}

/// A local clock time named in a description ("17h", "5pm", "5:30"), read by the time parser.
fn clock_in(text: &str, language: Language, context: &Context) -> Option<(u32, u32)> {
    let when = nudge_when::parse(text, &when_context(context, Some(language))).ok()?;
    (when.grain <= nudge_when::Grain::Hour && when.rrule.is_none()).then(|| {
        let local = when.at.with_timezone(&context.now.timezone());
        (local.hour(), local.minute())
    })
}

/// "cancel the dentist one", "annule le rappel de 17h", "delete that", "nvm the 5pm".
pub(super) fn cancel_described(words: &Words<'_>, context: &Context) -> Option<Understood> {
    let tokens = bare_words(words);
    let taken = phrase_len(&tokens, 0, CANCEL_VERBS)?;
    let rest: Vec<&String> = tokens[taken..].iter().collect();
    if rest.is_empty() || (rest.len() == 1 && rest[0].chars().all(|c| c.is_ascii_digit() || c == '#')) {
        return None;
    }
    let language = language_of_words(&tokens, context.language);
    let understood = |intent| Some(Understood { intent, language });
    let last = [
        "that",
        "it",
        "this",
        "ca",
        "ça",
        "le dernier",
        "the last one",
        "last one",
        "the last",
        "celui-la",
        "celui-ci",
        "that one",
        "this one",
        "ce rappel",
        "that reminder",
        "this reminder",
        "the last reminder",
        "le dernier rappel",
        "mon dernier rappel",
        "my last reminder",
    ];
    let rest_text = rest.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" ");
    if last.contains(&rest_text.as_str()) {
        return understood(Intent::CancelMatching {
            about: Vec::new(),
            at: None,
        });
    }
    let mut about = Vec::new();
    let mut at = None;
    for word in &rest {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            at = at.or_else(|| super::clarify::clock_of(word)).or_else(|| {
                let spelled = match language {
                    Language::En => format!("at {word}"),
                    Language::Fr => format!("à {word}h"),
                };
                clock_in(&spelled, language, context)
            });
            continue;
        }
        // "d'appeler" names "appeler".
        let word = word
            .strip_prefix("d'")
            .or_else(|| word.strip_prefix("l'"))
            .unwrap_or(word.as_str())
            .to_owned();
        let word = &word;
        if CANCEL_FILLER.contains(&word.as_str()) || matches!(word.as_str(), "am" | "pm" | "h") || word.len() < 2 {
            continue;
        }
        about.push((*word).clone());
    }
    if about.is_empty() && at.is_none() {
        return None;
    }
    understood(Intent::CancelMatching { about, at })
}

/// "actually make it 6", "non plutôt jeudi", "change that to 7pm", "sorry I meant tuesday".
pub(super) fn correction(words: &Words<'_>, context: &Context) -> Option<Understood> {
    let tokens = bare_words(words);
    let mut at = 0;
    let mut marked = false;
    while at < tokens.len() {
        // "en fait", "je voulais dire": two-word openers.
        if CORRECTION_OPENERS.contains(&tokens[at].as_str()) {
            marked |= CORRECTION_MARKERS.contains(&tokens[at].as_str());
            at += 1;
        } else {
            break;
        }
    }
    let mut rest: Vec<String> = tokens[at..].to_vec();
    // "not 5 but 6", "pas 17h mais 18h", "not 5, 6": what follows counts.
    let timelike = |w: &String| w.starts_with(|c: char| c.is_ascii_digit());
    if let Some(i) = rest.iter().position(|w| w == "but" || w == "mais") {
        marked |= rest[..i].iter().any(|w| w == "not" || w == "pas" || w == "non");
        rest.drain(..=i);
    } else if rest.first().is_some_and(|w| w == "not" || w == "pas") && rest.len() > 2 && timelike(&rest[1]) {
        rest.drain(..2);
        marked = true;
    }
    while rest.last().is_some_and(|w| CORRECTION_TRAILERS.contains(&w.as_str())) {
        marked |= matches!(rest.last().map(String::as_str), Some("instead" | "rather" | "plutot"));
        rest.pop();
    }
    if !marked || rest.is_empty() || rest.len() > 5 {
        return None;
    }
    let language = language_of_words(&tokens, context.language);
    let text = rest.join(" ");
    let bare_hour = text.chars().all(|c| c.is_ascii_digit()) || text.ends_with("ish");
    let text = match (bare_hour, language) {
        (true, Language::En) => format!("at {}", text.trim_end_matches("ish")),
        (true, Language::Fr) => format!("à {}h", text.trim_end_matches("ish")),
        (false, _) => text,
    };
    let when = nudge_when::parse(&text, &when_context(context, Some(language))).ok()?;
    if !when.text.is_empty() || when.rrule.is_some() {
        return None;
    }
    Some(Understood {
        intent: Intent::Correct { when: Box::new(when) },
        language,
    })
}

/// Where `text` splits into requests: byte ranges between joiners.
fn pieces(text: &str) -> Vec<&str> {
    let lower = text.to_ascii_lowercase();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for joiner in JOINERS {
        let mut from = 0;
        while let Some(found) = lower[from..].find(joiner) {
            let start = from + found;
            let end = start + joiner.len();
            if !cuts.iter().any(|(s, e)| start < *e && end > *s) {
                cuts.push((start, end));
            }
            from = end;
        }
    }
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for (start, end) in cuts {
        out.push(text[from..start].trim());
        from = end;
    }
    out.push(text[from..].trim());
    out.into_iter().filter(|piece| !piece.is_empty()).collect()
}

/// "remind me to call mom at 5 and buy milk tomorrow", "rappelle-moi d'appeler
/// maman à 17h et d'acheter du lait demain": each request with its own time.
pub(super) fn several(text: &str, context: &Context) -> Option<Understood> {
    let pieces = pieces(text);
    if pieces.len() < 2 || pieces.len() > 5 {
        return None;
    }
    let first = super::understand_one(pieces[0], context);
    let Intent::Remind { .. } = first.intent else {
        return None;
    };
    let lead = Words::new(pieces[0]);
    let (taken, _) = super::keyword(&lead, super::REMIND_WORDS)?;
    let command = lead
        .rest(0)
        .split_whitespace()
        .take(taken)
        .collect::<Vec<_>>()
        .join(" ");
    let mut parts = vec![first.intent];
    for piece in &pieces[1..] {
        let piece_words = Words::new(piece);
        let asked = super::keyword(&piece_words, super::REMIND_WORDS).is_some();
        let folded = fold(piece);
        let spelled = if asked {
            (*piece).to_owned()
        } else if first.language == Language::En
            && !folded.starts_with("to ")
            && !folded.starts_with("at ")
            && !folded.starts_with("in ")
        {
            format!("{command} to {piece}")
        } else {
            format!("{command} {piece}")
        };
        match super::understand_one(&spelled, context).intent {
            intent @ Intent::Remind { .. } => parts.push(intent),
            // "... at 8am and 8pm": the same thing at another time.
            _ => match (super::understand_one(piece, context).intent, &parts[0]) {
                (Intent::OnlyTime { at }, Intent::Remind { when, urgent }) => {
                    let mut when = when.clone();
                    when.at = at.fixed_offset();
                    when.alternatives.clear();
                    parts.push(Intent::Remind { when, urgent: *urgent });
                }
                _ => return None,
            },
        }
    }
    Some(Understood {
        intent: Intent::Several(parts),
        language: first.language,
    })
}

/// When a correction moves a reminder: a time alone keeps its day, a day
/// alone keeps its time, both replace both.
pub(crate) fn corrected(
    old: DateTime<chrono_tz::Tz>,
    new: &nudge_when::When,
    now: DateTime<chrono_tz::Tz>,
) -> DateTime<chrono_tz::Tz> {
    use chrono::TimeZone as _;
    let zone = now.timezone();
    let new_local = new.at.with_timezone(&zone);
    let (date, time) = if new.grain >= nudge_when::Grain::Day {
        (new_local.date_naive(), old.time())
    } else if new_local.date_naive() == now.date_naive() && old.date_naive() != now.date_naive() {
        // "make it 6" about tomorrow's reminder is tomorrow at 6.
        (old.date_naive(), new_local.time())
    } else {
        (new_local.date_naive(), new_local.time())
    };
    zone.from_local_datetime(&date.and_time(time))
        .earliest()
        .unwrap_or(new_local)
}
