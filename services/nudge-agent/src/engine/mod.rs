//! The local engine: reads the core intents of a message, in French and
//! English, without any language model. It is the embedded default and the
//! last resort when every model provider is down, so it must be dependable:
//! keywords first (they are what the help text teaches), then the time
//! parser (`nudge-when`) for reminders. It never guesses silently: a message
//! it cannot place is answered with a question or the help.

pub(crate) mod clarify;
mod conversation;
mod lexicon;
mod memory;
mod settings;
mod texting;
mod words;

use chrono::{DateTime, Utc};
use nudge_core::Language;
use nudge_when::{LangHint, When, WhenError};

pub(crate) use clarify::{Answer, Clarification, Doubt};
pub(crate) use conversation::corrected;
pub(crate) use memory::ForgetTarget;
pub(crate) use settings::{MissedPolicyChoice, QuietHoursChoice};
use words::Words;
pub(crate) use words::fold;

/// What the numbers of the person's last list refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListingKind {
    Reminders,
    Tasks,
    Memories,
}

/// What the engine needs to read a message.
pub(crate) struct Context {
    pub(crate) now: DateTime<chrono_tz::Tz>,
    /// The person's language: used when the message does not tell.
    pub(crate) language: Language,
    pub(crate) last_listing: Option<ListingKind>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Intent {
    /// A reminder with its time (and recurrence).
    Remind {
        when: Box<When>,
        urgent: bool,
    },
    /// "remind me to X" without a time.
    RemindWithoutTime,
    /// A time was named but could not be placed (vague, contradictory ...).
    UnclearTime,
    /// A reminder whose time is asked about first (ambiguous, partly
    /// understood, past or far away): never scheduled silently.
    Clarify(Box<Clarification>),
    /// The answer to a `Clarify` question: the reading at this index.
    /// Read by `clarify::answer` against the question kept, never by `understand`.
    Choose(Option<usize>),
    /// Several requests in one message ("remind me to X at 5 and Y tomorrow"), each a `Remind`.
    Several(Vec<Intent>),
    /// "actually make it 6", "non plutôt jeudi": moves the reminder last created.
    Correct {
        when: Box<When>,
    },
    /// "cancel the dentist one", "annule le rappel de 17h": the reminder whose
    /// text has these words and (or) whose local time is this; neither: the one last created.
    CancelMatching {
        about: Vec<String>,
        at: Option<(u32, u32)>,
    },
    /// "what's on today?" (`false`), "j'ai quoi demain" (`true`).
    Agenda {
        tomorrow: bool,
    },
    /// Only a time ("in an hour", "dans 20 minutes"): snooze the last reminder to it.
    OnlyTime {
        at: DateTime<Utc>,
    },
    /// "done": the last reminder sent.
    Done,
    /// "snooze", "snooze 20", "plus tard": the last reminder again later (`None`: the default delay).
    Snooze {
        until: Option<DateTime<Utc>>,
    },
    ListReminders,
    /// "cancel 2" (an item of the last list) or "cancel" alone.
    Cancel {
        item: Option<usize>,
    },
    /// "change 2 to 5pm".
    Reschedule {
        item: usize,
        when: Option<Box<When>>,
    },
    AddTask {
        text: String,
        due: Option<Box<When>>,
    },
    ListTasks,
    /// "done 2" / "fait 2": an item of the last list is done.
    Complete {
        item: usize,
    },
    /// "move 3 to top" / "move 3 to 1".
    MoveTask {
        item: usize,
        to: usize,
    },
    SetTimezone(Option<chrono_tz::Tz>),
    SetQuietHours(Option<QuietHoursChoice>),
    /// Seconds between nags (`Some(0)`: no nagging); `None`: not understood.
    SetNag(Option<u32>),
    SetMissedPolicy(Option<MissedPolicyChoice>),
    SetLanguage,
    /// "remember my sister is Léa", or a fact told in passing.
    Remember {
        fact: String,
    },
    /// "what do you know about me" (`None`), "who is my sister" (`Some("sister")`).
    Recall {
        about: Option<String>,
    },
    Forget(ForgetTarget),
    /// Waits for a "yes".
    ForgetAll,
    /// Waits for a "yes".
    CancelAllReminders,
    /// "yes" / "oui" (`true`), "no" / "non" (`false`).
    Confirm(bool),
    /// "local only" / "mode local" (`true`): no model provider reads this person's messages.
    SetLocalOnly(bool),
    /// "next", "done", "suivant", "et après ?" while steps of a model's reply are
    /// kept (`steps.rs`): the next one. Read by `asks_next_step`, never by `understand`.
    NextStep,
    Help,
    Unknown,
}

impl Intent {
    /// A stable name, for metrics and the conversation log.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Intent::Remind { .. } => "remind",
            Intent::RemindWithoutTime => "remind_without_time",
            Intent::UnclearTime => "unclear_time",
            Intent::Clarify(_) => "clarify",
            Intent::Choose(_) => "choose",
            Intent::Several(_) => "several",
            Intent::Correct { .. } => "correct",
            Intent::CancelMatching { .. } => "cancel_matching",
            Intent::Agenda { .. } => "agenda",
            Intent::OnlyTime { .. } => "only_time",
            Intent::Done => "done",
            Intent::Snooze { .. } => "snooze",
            Intent::ListReminders => "list_reminders",
            Intent::Cancel { .. } => "cancel",
            Intent::Reschedule { .. } => "reschedule",
            Intent::AddTask { .. } => "add_task",
            Intent::ListTasks => "list_tasks",
            Intent::Complete { .. } => "complete",
            Intent::MoveTask { .. } => "move_task",
            Intent::SetTimezone(_) => "set_timezone",
            Intent::SetQuietHours(_) => "set_quiet_hours",
            Intent::SetNag(_) => "set_nag",
            Intent::SetMissedPolicy(_) => "set_missed_policy",
            Intent::SetLanguage => "set_language",
            Intent::Remember { .. } => "remember",
            Intent::Recall { .. } => "recall",
            Intent::Forget(_) => "forget",
            Intent::ForgetAll => "forget_all",
            Intent::CancelAllReminders => "cancel_all_reminders",
            Intent::Confirm(_) => "confirm",
            Intent::SetLocalOnly(_) => "set_local_only",
            Intent::NextStep => "next_step",
            Intent::Help => "help",
            Intent::Unknown => "unknown",
        }
    }
}

/// An intent and the language to answer in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Understood {
    pub(crate) intent: Intent,
    pub(crate) language: Language,
}

const EN: Language = Language::En;
const FR: Language = Language::Fr;

const DONE: &[(&str, Language)] = &[
    ("done", EN),
    ("did it", EN),
    ("i did it", EN),
    ("finished", EN),
    ("all done", EN),
    ("ok done", EN),
    ("completed", EN),
    ("fait", FR),
    ("c'est fait", FR),
    ("cest fait", FR),
    ("fini", FR),
    ("termine", FR),
    ("ok fait", FR),
    ("je l'ai fait", FR),
];
const HELP: &[(&str, Language)] = &[
    ("help", EN),
    ("info", EN),
    ("?", EN),
    ("commands", EN),
    ("menu", EN),
    ("aide", FR),
    ("commandes", FR),
];
const LIST_REMINDERS: &[(&str, Language)] = &[
    ("list", EN),
    ("reminders", EN),
    ("my reminders", EN),
    ("list reminders", EN),
    ("show reminders", EN),
    ("show my reminders", EN),
    ("what are my reminders", EN),
    ("rappels", FR),
    ("mes rappels", FR),
    ("liste", FR),
    ("liste des rappels", FR),
    ("voir mes rappels", FR),
    ("quels sont mes rappels", FR),
];
const LIST_TASKS: &[(&str, Language)] = &[
    ("tasks", EN),
    ("my tasks", EN),
    ("todo", EN),
    ("to do", EN),
    ("to-do", EN),
    ("todo list", EN),
    ("my list", EN),
    ("list tasks", EN),
    ("show tasks", EN),
    ("taches", FR),
    ("mes taches", FR),
    ("a faire", FR),
    ("ma liste", FR),
    ("liste des taches", FR),
    ("liste de taches", FR),
];
const SNOOZE: &[(&str, Language)] = &[
    ("snooze", EN),
    ("later", EN),
    ("remind me later", EN),
    ("not now", EN),
    ("plus tard", FR),
    ("rappelle-moi plus tard", FR),
    ("rappelle moi plus tard", FR),
    ("pas maintenant", FR),
    ("repousse", FR),
];
const CANCEL: &[(&str, Language)] = &[
    ("cancel", EN),
    ("delete", EN),
    ("remove", EN),
    ("stop reminder", EN),
    ("annule", FR),
    ("annuler", FR),
    ("supprime", FR),
    ("supprimer", FR),
    ("enleve", FR),
    ("efface", FR),
];
const RESCHEDULE: &[(&str, Language)] = &[
    ("change", EN),
    ("move", EN),
    ("reschedule", EN),
    ("modifie", FR),
    ("modifier", FR),
    ("deplace", FR),
    ("reporte", FR),
    ("decale", FR),
    ("change", FR),
];
const ADD_TASK: &[(&str, Language)] = &[
    ("add", EN),
    ("todo", EN),
    ("to do", EN),
    ("task", EN),
    ("new task", EN),
    ("ajoute", FR),
    ("ajouter", FR),
    ("tache", FR),
    ("a faire", FR),
    ("nouvelle tache", FR),
];
const COMPLETE: &[(&str, Language)] = &[
    ("done", EN),
    ("did", EN),
    ("check", EN),
    ("complete", EN),
    ("finished", EN),
    ("fait", FR),
    ("fini", FR),
    ("coche", FR),
    ("termine", FR),
];
/// Words that make a message a reminder request even before a time is found.
pub(super) const REMIND_WORDS: &[(&str, Language)] = &[
    ("remind me", EN),
    ("remind", EN),
    ("reminder", EN),
    ("set a reminder", EN),
    ("don't let me forget", EN),
    ("dont let me forget", EN),
    ("rappelle-moi", FR),
    ("rappelle moi", FR),
    ("rappel", FR),
    ("rappelle", FR),
    ("n'oublie pas", FR),
    ("noublie pas", FR),
    ("fais-moi penser", FR),
    ("fais moi penser", FR),
];

/// What asks for the next step of a list Nudge is texting one at a time: the
/// whole message, folded, final punctuation ignored ("et après ?").
const NEXT_STEP: &[&str] = &[
    "next",
    "next step",
    "next one",
    "next please",
    "ok next",
    "what's next",
    "whats next",
    "what next",
    "what now",
    "then what",
    "and then",
    "then",
    "go on",
    "continue",
    "ready",
    "ok",
    "okay",
    "k",
    "got it",
    "done",
    "done it",
    "did it",
    "i did it",
    "all done",
    "ok done",
    "finished",
    "suivant",
    "suivante",
    "la suite",
    "suite",
    "et la suite",
    "etape suivante",
    "prochaine etape",
    "et apres",
    "apres",
    "et ensuite",
    "ensuite",
    "et maintenant",
    "on continue",
    "d'accord",
    "daccord",
    "c'est bon",
    "cest bon",
    "fait",
    "c'est fait",
    "cest fait",
    "ok fait",
    "je l'ai fait",
    "fini",
    "termine",
    "pret",
    "prete",
];

/// Whether the whole message asks for the next step ("next", "done", "suivant",
/// "c'est fait", "et après ?"). Only meaningful while steps are kept: the caller
/// checks that first, otherwise "done" is a reminder's and "ok" is chat.
pub(crate) fn asks_next_step(text: &str) -> bool {
    let folded = Words::new(text).folded_text();
    NEXT_STEP.contains(&folded.trim_end_matches(['.', '!', '?', ' ']))
}

/// The longest phrase of `table` the message starts with (the first listed on a tie).
pub(super) fn keyword(words: &Words<'_>, table: &[(&str, Language)]) -> Option<(usize, Language)> {
    let mut best: Option<(usize, Language)> = None;
    for (phrase, language) in table {
        if let Some(n) = words.starts_with_any(&[phrase])
            && best.is_none_or(|(longest, _)| n > longest)
        {
            best = Some((n, *language));
        }
    }
    best
}

fn whole(words: &Words<'_>, table: &[(&str, Language)]) -> Option<Language> {
    let text = words.folded_text();
    table
        .iter()
        .find(|(phrase, _)| *phrase == text)
        .map(|(_, language)| *language)
}

/// Reads `text`: spelled out first (`texting`), then several requests, then one.
pub(crate) fn understand(text: &str, context: &Context) -> Understood {
    let normalized = texting::normalize(text, context.language);
    let mut understood =
        conversation::several(&normalized, context).unwrap_or_else(|| understand_one(&normalized, context));
    // Emojis and punctuation alone ("✅", "💤") say nothing of the language: the person's.
    if !text.chars().any(char::is_alphabetic) {
        understood.language = context.language;
    }
    understood
}

/// Reads one request, already spelled out.
fn understand_one(text: &str, context: &Context) -> Understood {
    let words = Words::new(text);
    let understood = |intent, language| Understood { intent, language };
    if words.len() == 0 {
        return understood(Intent::Help, context.language);
    }
    for (table, intent) in [
        (DONE, Intent::Done),
        (HELP, Intent::Help),
        (LIST_REMINDERS, Intent::ListReminders),
        (LIST_TASKS, Intent::ListTasks),
    ] {
        if let Some(language) = whole(&words, table) {
            return understood(intent, language);
        }
    }
    // "c'est quoi ma liste" asks for the list, not for a memory named "ma liste".
    if let Some(agenda) = conversation::agenda(&words, context) {
        return agenda;
    }
    if let Some(memory) = memory::read(&words) {
        return memory;
    }
    if let Some(language) = whole(&words, SNOOZE) {
        return understood(Intent::Snooze { until: None }, language);
    }
    if let Some((used, language)) = keyword(&words, SNOOZE) {
        return understood(
            Intent::Snooze {
                until: snooze_until(&words, used, language, context),
            },
            language,
        );
    }
    if let Some((used, language)) = keyword(&words, COMPLETE)
        && let Some((item, _)) = words.number_at(used)
    {
        return understood(Intent::Complete { item }, language);
    }
    if let Some((used, language)) = keyword(&words, CANCEL)
        && let Some((item, _)) = words.number_at(used)
    {
        return understood(Intent::Cancel { item: Some(item) }, language);
    }
    if let Some(cancel) = conversation::cancel_described(&words, context) {
        return cancel;
    }
    if let Some((_, language)) = keyword(&words, CANCEL) {
        return understood(Intent::Cancel { item: None }, language);
    }
    if let Some((used, language)) = keyword(&words, RESCHEDULE)
        && let Some((item, taken)) = words.number_at(used)
    {
        return understood(reschedule(&words, item, used + taken, language, context), language);
    }
    if let Some(setting) = settings::read(&words, context) {
        return setting;
    }
    for family in [conversation::done, conversation::correction, conversation::snooze] {
        if let Some(understood) = family(&words, context) {
            return understood;
        }
    }
    if let Some((used, language)) = keyword(&words, ADD_TASK)
        && used < words.len()
    {
        return understood(add_task(&words.rest(used), language, context), language);
    }
    let read = reminder(text, &words, context);
    if read.intent == Intent::Unknown
        && let Some(fact) = memory::told_fact(&words)
    {
        return fact;
    }
    read
}

pub(super) fn when_context(context: &Context, language: Option<Language>) -> nudge_when::Context {
    let mut when = nudge_when::Context::new(context.now);
    when.lang = match language {
        Some(Language::Fr) => LangHint::Fr,
        Some(Language::En) => LangHint::En,
        None => LangHint::Auto,
    };
    when
}

fn language_of(when: &When) -> Language {
    match when.lang {
        nudge_when::Lang::Fr => Language::Fr,
        nudge_when::Lang::En => Language::En,
    }
}

/// "snooze 20", "snooze 1h", "snooze until 5pm", "plus tard dans 30 minutes".
fn snooze_until(words: &Words<'_>, used: usize, language: Language, context: &Context) -> Option<DateTime<Utc>> {
    let rest = words.rest(used);
    let rest = rest.trim_start_matches([':', ',']).trim();
    if rest.is_empty() {
        return None;
    }
    if let Ok(minutes) = rest.trim_end_matches(['m', 'n', 'i', 's']).trim().parse::<u32>()
        && (1..=24 * 60).contains(&minutes)
    {
        return Some(context.now.with_timezone(&Utc) + chrono::TimeDelta::minutes(i64::from(minutes)));
    }
    let relative = match language {
        Language::En if !rest.starts_with("in ") && !rest.starts_with("until ") => format!("in {rest}"),
        Language::Fr if !rest.starts_with("dans ") && !rest.starts_with("jusqu") => format!("dans {rest}"),
        _ => rest.to_owned(),
    };
    [relative.as_str(), rest]
        .iter()
        .find_map(|candidate| nudge_when::parse(candidate, &when_context(context, Some(language))).ok())
        .filter(|when| when.rrule.is_none())
        .map(|when| when.at.with_timezone(&Utc))
}

fn reschedule(words: &Words<'_>, item: usize, from: usize, language: Language, context: &Context) -> Intent {
    let rest = words.rest(from);
    let target = fold(rest.trim());
    let target = target
        .trim_start_matches("to ")
        .trim_start_matches("en ")
        .trim_start_matches("a ")
        .trim();
    // "move 3 to top", "déplace 3 en premier", "move 3 to 1": a task's place in the list.
    if context.last_listing == Some(ListingKind::Tasks) || matches!(target, "top" | "first" | "premier" | "haut") {
        let to = match target {
            "top" | "the top" | "first" | "premier" | "haut" | "1er" => Some(1),
            other => other
                .trim_start_matches('#')
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=99).contains(n)),
        };
        if let Some(to) = to {
            return Intent::MoveTask { item, to };
        }
    }
    let when = nudge_when::parse(&rest, &when_context(context, Some(language))).ok();
    Intent::Reschedule {
        item,
        when: when.map(Box::new),
    }
}

fn add_task(text: &str, language: Language, context: &Context) -> Intent {
    let text = text.trim_start_matches([':', ',', '-']).trim();
    match nudge_when::parse(text, &when_context(context, Some(language))) {
        Ok(when) if !when.text.is_empty() && when.rrule.is_none() => Intent::AddTask {
            text: when.text.clone(),
            due: Some(Box::new(when)),
        },
        _ => Intent::AddTask {
            text: text.to_owned(),
            due: None,
        },
    }
}

/// The last resort: a reminder, if the message names a time.
fn reminder(text: &str, words: &Words<'_>, context: &Context) -> Understood {
    // "urgent: remind me ..." reads as "remind me ..." marked urgent.
    if matches!(words.word(0), Some("urgent" | "urgence" | "urgently")) && words.len() > 1 {
        let rest = words.rest(1);
        let mut understood = reminder(&rest, &Words::new(&rest), context);
        if let Intent::Remind { urgent, .. } = &mut understood.intent {
            *urgent = true;
        }
        return understood;
    }
    let asked = keyword(words, REMIND_WORDS).map(|(_, language)| language);
    let folded = words.folded_text();
    let urgent = ["urgent", "urgence", "important!!"].iter().any(|w| folded.contains(w));
    let guessed = asked.unwrap_or_else(|| guess_language(&folded, context.language));
    match nudge_when::parse(text, &when_context(context, None)) {
        Ok(when) => {
            let language = language_of(&when);
            let mut when = when;
            if urgent {
                when.text = strip_urgent(&when.text);
            }
            if when.text.is_empty() {
                if asked.is_some() {
                    return Understood {
                        intent: Intent::RemindWithoutTime,
                        language,
                    };
                }
                let at = when.at.with_timezone(&Utc);
                return Understood {
                    intent: Intent::OnlyTime { at },
                    language,
                };
            }
            // Without "remind me", only a precise time or a recurrence makes a
            // reminder: "je suis fatigué aujourd'hui" is not one.
            let precise = when.grain <= nudge_when::Grain::Hour || when.rrule.is_some();
            if asked.is_none() && !precise {
                return Understood {
                    intent: Intent::Unknown,
                    language: guessed,
                };
            }
            // Never a silent misreading: an ambiguous, partly read, past or far time is asked about.
            if let Some((doubt, readings, unread)) = clarify::doubt(&when, text, context.now) {
                return Understood {
                    intent: Intent::Clarify(Box::new(Clarification {
                        when: Box::new(when),
                        urgent,
                        doubt,
                        readings,
                        unread,
                    })),
                    language,
                };
            }
            Understood {
                intent: Intent::Remind {
                    when: Box::new(when),
                    urgent,
                },
                language,
            }
        }
        Err(WhenError::NoTime) if asked.is_some() => Understood {
            intent: Intent::RemindWithoutTime,
            language: guessed,
        },
        Err(WhenError::NoTime) => Understood {
            intent: Intent::Unknown,
            language: guessed,
        },
        Err(_) => Understood {
            intent: Intent::UnclearTime,
            language: guessed,
        },
    }
}

fn strip_urgent(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| {
            !matches!(
                fold(w).trim_matches(|c: char| !c.is_alphanumeric()),
                "urgent" | "urgence" | "urgently"
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches([',', ':', '-', ' '])
        .to_owned()
}

/// The language a text is written in, when no keyword told.
pub(crate) fn guess_language(folded: &str, fallback: Language) -> Language {
    const FRENCH: &[&str] = &[
        " je ", " tu ", " de ", " le ", " la ", " les ", " des ", " un ", " une ", " et ", " est ", " pas ", "merci",
        "bonjour", "salut", " moi", " oui", " non ", "qu'", "c'est", " pour ", " avec ",
    ];
    const ENGLISH: &[&str] = &[
        " i ",
        " the ",
        " to ",
        " my ",
        " me ",
        " and ",
        " is ",
        " not ",
        "thanks",
        "thank you",
        "hello",
        " hi ",
        " yes",
        " no ",
        " for ",
        " with ",
        " you",
    ];
    let padded = format!(" {folded} ");
    let french = FRENCH.iter().filter(|w| padded.contains(*w)).count();
    let english = ENGLISH.iter().filter(|w| padded.contains(*w)).count();
    match french.cmp(&english) {
        std::cmp::Ordering::Greater => Language::Fr,
        std::cmp::Ordering::Less => Language::En,
        std::cmp::Ordering::Equal => fallback,
    }
}

#[cfg(test)]
mod ambiguity_tests;
#[cfg(test)]
mod family_tests;
#[cfg(test)]
mod tests;
