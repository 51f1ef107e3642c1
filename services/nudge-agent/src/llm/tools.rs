//! The tools a model may call. Each is bound to the person of the turn in
//! code: no tool takes a person, a user id or a phone number, and none sends
//! an SMS (the reply goes to the person who wrote, and only there). A tool
//! call is validated and turned into the same intent the local engine would
//! read, then carried out by `act`; a bad call is answered to the model as
//! an error, never a crash. Destructive actions only ask the person, who
//! must answer "yes"/"oui" by SMS.

use async_openai::types::chat::{ChatCompletionTool, ChatCompletionTools, FunctionObject};
use chrono::{TimeDelta, Utc};
use nudge_core::Language;
use serde_json::{Value, json};

use crate::engine::{Doubt, ForgetTarget, Intent, QuietHoursChoice, clarify};

/// (name, description, JSON schema of the arguments)
const TOOLS: &[(&str, &str, &str)] = &[
    (
        "create_reminder",
        "Create a reminder for the person. `when` is a time expression in the person's words, e.g. 'tomorrow at 9am', 'in 20 minutes', 'every monday at 8', 'demain à 9h'.",
        r#"{"type":"object","properties":{"text":{"type":"string","description":"what to remind"},"when":{"type":"string"},"urgent":{"type":"boolean"},"confirmed":{"type":"boolean","description":"true only after the person confirmed a time months away"}},"required":["text","when"]}"#,
    ),
    (
        "list_reminders",
        "List the person's open reminders, numbered.",
        r#"{"type":"object","properties":{}}"#,
    ),
    (
        "edit_reminder",
        "Move a reminder of the last list (by its number) to a new time.",
        r#"{"type":"object","properties":{"item":{"type":"integer","minimum":1},"when":{"type":"string"}},"required":["item","when"]}"#,
    ),
    (
        "cancel_reminder",
        "Cancel a reminder of the last list, by its number.",
        r#"{"type":"object","properties":{"item":{"type":"integer","minimum":1}},"required":["item"]}"#,
    ),
    (
        "cancel_all_reminders",
        "Ask the person to confirm cancelling all their reminders (they must answer YES by SMS).",
        r#"{"type":"object","properties":{}}"#,
    ),
    (
        "snooze_reminder",
        "Snooze the reminder that was just sent, by a number of minutes (default 10).",
        r#"{"type":"object","properties":{"minutes":{"type":"integer","minimum":1,"maximum":1440}}}"#,
    ),
    (
        "reminder_done",
        "Mark the reminder that was just sent as done.",
        r#"{"type":"object","properties":{}}"#,
    ),
    (
        "add_task",
        "Add a task to the person's list, optionally with a due time expression.",
        r#"{"type":"object","properties":{"text":{"type":"string"},"due":{"type":"string"}},"required":["text"]}"#,
    ),
    (
        "list_tasks",
        "List the person's open tasks, numbered.",
        r#"{"type":"object","properties":{}}"#,
    ),
    (
        "complete_task",
        "Mark a task of the last list done, by its number.",
        r#"{"type":"object","properties":{"item":{"type":"integer","minimum":1}},"required":["item"]}"#,
    ),
    (
        "remember",
        "Keep a fact about the person in long-term memory (e.g. 'my sister is Léa').",
        r#"{"type":"object","properties":{"fact":{"type":"string"}},"required":["fact"]}"#,
    ),
    (
        "recall",
        "Search what you know about the person; without a query, list it all.",
        r#"{"type":"object","properties":{"query":{"type":"string"}}}"#,
    ),
    (
        "forget",
        "Forget one fact about the person, by words from it or its number in the last list.",
        r#"{"type":"object","properties":{"query":{"type":"string"},"item":{"type":"integer","minimum":1}}}"#,
    ),
    (
        "forget_everything",
        "Ask the person to confirm forgetting everything you know about them (they must answer YES by SMS).",
        r#"{"type":"object","properties":{}}"#,
    ),
    (
        "set_timezone",
        "Set the person's time zone (IANA name such as Europe/Paris, or a city).",
        r#"{"type":"object","properties":{"timezone":{"type":"string"}},"required":["timezone"]}"#,
    ),
    (
        "set_quiet_hours",
        "Set quiet hours (no reminders), from start_hour to end_hour (0-23), or off.",
        r#"{"type":"object","properties":{"start_hour":{"type":"integer","minimum":0,"maximum":23},"end_hour":{"type":"integer","minimum":0,"maximum":23},"off":{"type":"boolean"}}}"#,
    ),
    (
        "set_language",
        "Set the language Nudge writes in.",
        r#"{"type":"object","properties":{"language":{"type":"string","enum":["fr","en"]}},"required":["language"]}"#,
    ),
    (
        "set_nag_interval",
        "Set how many minutes between nags about an unanswered reminder (0: no nagging).",
        r#"{"type":"object","properties":{"minutes":{"type":"integer","minimum":0,"maximum":1440}},"required":["minutes"]}"#,
    ),
    (
        "help",
        "What Nudge can do, in a short SMS.",
        r#"{"type":"object","properties":{}}"#,
    ),
    (
        "handoff",
        "Hand the conversation to another profile: planner (reminders, tasks), coach (focus, feeling stuck), support (help, settings, memory, privacy).",
        r#"{"type":"object","properties":{"profile":{"type":"string","enum":["planner","coach","support"]}},"required":["profile"]}"#,
    ),
];

/// The names of every tool.
pub(crate) fn names() -> Vec<&'static str> {
    TOOLS.iter().map(|(name, _, _)| *name).collect()
}

/// The tool definitions, for the names in `allowed` (every tool when `None`).
pub(crate) fn definitions(allowed: Option<&[&str]>) -> Vec<ChatCompletionTools> {
    TOOLS
        .iter()
        .filter(|(name, _, _)| allowed.is_none_or(|allowed| allowed.contains(name)))
        .map(|(name, description, schema)| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: (*name).to_owned(),
                    description: Some((*description).to_owned()),
                    parameters: serde_json::from_str(schema).ok(),
                    strict: None,
                },
            })
        })
        .collect()
}

/// A model's tool call, read: the intent to carry out, and the language to write in.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) intent: Intent,
    pub(crate) language: Option<Language>,
}

fn string(arguments: &Value, field: &str) -> Result<Option<String>, String> {
    match arguments.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Err(format!("`{field}` is empty")),
        Some(Value::String(text)) if text.chars().count() > 500 => Err(format!("`{field}` is too long")),
        Some(Value::String(text)) => Ok(Some(text.trim().to_owned())),
        Some(_) => Err(format!("`{field}` must be a string")),
    }
}

fn required(arguments: &Value, field: &str) -> Result<String, String> {
    string(arguments, field)?.ok_or_else(|| format!("`{field}` is required"))
}

fn integer(arguments: &Value, field: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, String> {
    match arguments.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let n = value
                .as_i64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| format!("`{field}` must be an integer"))?;
            if range.contains(&n) {
                Ok(Some(n))
            } else {
                Err(format!(
                    "`{field}` must be between {} and {}",
                    range.start(),
                    range.end()
                ))
            }
        }
    }
}

fn item(arguments: &Value) -> Result<usize, String> {
    let n = integer(arguments, "item", 1..=99)?.ok_or("`item` is required")?;
    usize::try_from(n).map_err(|_| "`item` is out of range".to_owned())
}

fn when_context(now: chrono::DateTime<chrono_tz::Tz>, language: Language) -> nudge_when::Context {
    let mut context = nudge_when::Context::new(now);
    context.lang = match language {
        Language::Fr => nudge_when::LangHint::Fr,
        Language::En => nudge_when::LangHint::En,
    };
    context
}

/// Reads a tool call. `Err` is the message to give back to the model.
pub(crate) fn read(
    name: &str,
    arguments: &str,
    now: chrono::DateTime<chrono_tz::Tz>,
    language: Language,
) -> Result<Call, String> {
    let arguments: Value = if arguments.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(arguments).map_err(|e| format!("the arguments are not valid JSON: {e}"))?
    };
    if !arguments.is_object() {
        return Err("the arguments must be a JSON object".to_owned());
    }
    let call = |intent| Ok(Call { intent, language: None });
    match name {
        "create_reminder" => {
            let text = required(&arguments, "text")?;
            let when = required(&arguments, "when")?;
            let urgent = arguments.get("urgent").and_then(Value::as_bool).unwrap_or(false);
            let mut parsed = nudge_when::parse(&when, &when_context(now, language))
                .map_err(|e| format!("`when` could not be read as a time ({e}); use words like 'tomorrow at 9am'"))?;
            let confirmed = arguments.get("confirmed").and_then(Value::as_bool).unwrap_or(false);
            // The model's time goes through the same check as the local engine's: never a silent misreading.
            if let Some((doubt, readings, unread)) = clarify::doubt(&parsed, &when, now)
                && !(confirmed && doubt == Doubt::Far)
            {
                return Err(doubt_for_the_model(doubt, &readings, &unread, now));
            }
            parsed.text = text;
            call(Intent::Remind {
                when: Box::new(parsed),
                urgent,
            })
        }
        "list_reminders" => call(Intent::ListReminders),
        "edit_reminder" => {
            let item = item(&arguments)?;
            let when = required(&arguments, "when")?;
            let parsed = nudge_when::parse(&when, &when_context(now, language))
                .map_err(|e| format!("`when` could not be read as a time ({e})"))?;
            call(Intent::Reschedule {
                item,
                when: Some(Box::new(parsed)),
            })
        }
        "cancel_reminder" => call(Intent::Cancel {
            item: Some(item(&arguments)?),
        }),
        "cancel_all_reminders" => call(Intent::CancelAllReminders),
        "snooze_reminder" => {
            let minutes = integer(&arguments, "minutes", 1..=1440)?;
            call(Intent::Snooze {
                until: minutes.map(|m| now.with_timezone(&Utc) + TimeDelta::minutes(m)),
            })
        }
        "reminder_done" => call(Intent::Done),
        "add_task" => {
            let text = required(&arguments, "text")?;
            let due = match string(&arguments, "due")? {
                Some(due) => Some(Box::new(
                    nudge_when::parse(&due, &when_context(now, language))
                        .map_err(|e| format!("`due` could not be read as a time ({e})"))?,
                )),
                None => None,
            };
            call(Intent::AddTask { text, due })
        }
        "list_tasks" => call(Intent::ListTasks),
        "complete_task" => call(Intent::Complete {
            item: item(&arguments)?,
        }),
        "remember" => call(Intent::Remember {
            fact: required(&arguments, "fact")?,
        }),
        "recall" => call(Intent::Recall {
            about: string(&arguments, "query")?,
        }),
        "forget" => match (integer(&arguments, "item", 1..=99)?, string(&arguments, "query")?) {
            (Some(n), _) => call(Intent::Forget(ForgetTarget::Item(
                usize::try_from(n).map_err(|_| "`item` is out of range")?,
            ))),
            (None, Some(query)) => call(Intent::Forget(ForgetTarget::Matching(query))),
            (None, None) => Err("give `query` or `item`".to_owned()),
        },
        "forget_everything" => call(Intent::ForgetAll),
        "set_timezone" => {
            let zone = required(&arguments, "timezone")?;
            let parsed: chrono_tz::Tz = zone
                .parse()
                .map_err(|_| format!("`timezone` {zone:?} is not an IANA time zone such as Europe/Paris"))?;
            call(Intent::SetTimezone(Some(parsed)))
        }
        "set_quiet_hours" => {
            if arguments.get("off").and_then(Value::as_bool) == Some(true) {
                return call(Intent::SetQuietHours(Some(QuietHoursChoice::Off)));
            }
            let start = integer(&arguments, "start_hour", 0..=23)?.ok_or("`start_hour` is required")?;
            let end = integer(&arguments, "end_hour", 0..=23)?.ok_or("`end_hour` is required")?;
            if start == end {
                return Err("`start_hour` and `end_hour` must differ".to_owned());
            }
            let minutes = |h: i64| u32::try_from(h * 60).unwrap_or(0);
            call(Intent::SetQuietHours(Some(QuietHoursChoice::Window {
                start_minute: minutes(start),
                end_minute: minutes(end),
            })))
        }
        "set_language" => {
            let language = required(&arguments, "language")?
                .parse::<Language>()
                .map_err(|_| "`language` must be fr or en".to_owned())?;
            Ok(Call {
                intent: Intent::SetLanguage,
                language: Some(language),
            })
        }
        "set_nag_interval" => {
            let minutes = integer(&arguments, "minutes", 0..=1440)?.ok_or("`minutes` is required")?;
            call(Intent::SetNag(Some(u32::try_from(minutes * 60).unwrap_or(0))))
        }
        "help" => call(Intent::Help),
        other => Err(format!(
            "there is no tool named {other:?}; the tools are: {}",
            names().join(", ")
        )),
    }
}

/// What the model is told instead of a reminder at a surprising time: what to ask the person.
fn doubt_for_the_model(
    doubt: Doubt,
    readings: &[chrono::DateTime<Utc>],
    unread: &[String],
    now: chrono::DateTime<chrono_tz::Tz>,
) -> String {
    let shown: Vec<String> = readings
        .iter()
        .map(|r| r.with_timezone(&now.timezone()).format("%a %Y-%m-%d %H:%M").to_string())
        .collect();
    match doubt {
        Doubt::Ambiguous => format!(
            "`when` has several readings ({}): ask the person which one in one short question, then call again with that exact date and time",
            shown.join(" or ")
        ),
        Doubt::PartlyUnderstood => format!(
            "`when` was only partly understood (not: {}); ask the person for the exact time, then call again",
            unread.join(" ")
        ),
        Doubt::Past => format!(
            "`when` is in the past; ask the person whether they mean {} instead, then call again with that time",
            shown.join(", ")
        ),
        Doubt::Far => format!(
            "`when` reads as {}, months away; confirm the date with the person, then call again with `confirmed: true`",
            shown.join(", ")
        ),
    }
}

/// Whether the intent changes something (its writes are keyed per call).
pub(crate) fn writes(intent: &Intent) -> bool {
    !matches!(
        intent,
        Intent::ListReminders | Intent::ListTasks | Intent::Recall { .. } | Intent::Help
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::Europe::Paris;

    use super::*;

    fn now() -> chrono::DateTime<chrono_tz::Tz> {
        Paris.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).single().expect("valid")
    }

    #[track_caller]
    fn refused(name: &str, arguments: &str, expected: &str) {
        let error = read(name, arguments, now(), Language::En).expect_err("refused");
        assert!(error.contains(expected), "{error}");
    }

    #[test]
    fn bad_calls_are_answered_with_an_error() {
        refused("send_sms", r#"{"to":"+15145550199","body":"hi"}"#, "no tool named");
        refused("create_reminder", "{not json", "not valid JSON");
        refused("create_reminder", "[1]", "JSON object");
        refused("create_reminder", r#"{"text":"tea"}"#, "`when` is required");
        refused(
            "create_reminder",
            r#"{"text":"tea","when":"whenever"}"#,
            "could not be read",
        );
        refused(
            "create_reminder",
            r#"{"text":42,"when":"in 5 minutes"}"#,
            "must be a string",
        );
        refused("cancel_reminder", r#"{"item":0}"#, "between 1 and 99");
        refused("cancel_reminder", r#"{}"#, "`item` is required");
        refused("set_timezone", r#"{"timezone":"Mars/Olympus"}"#, "IANA");
        refused("set_quiet_hours", r#"{"start_hour":22,"end_hour":22}"#, "differ");
        refused("forget", r#"{}"#, "query");
    }

    #[test]
    fn good_calls_read_as_intents() {
        let call = read(
            "create_reminder",
            r#"{"text":"call mom","when":"tomorrow at 5pm","user_id":"someone-else"}"#,
            now(),
            Language::En,
        )
        .expect("read");
        match call.intent {
            Intent::Remind { when, urgent } => {
                assert_eq!(when.text, "call mom");
                assert_eq!(when.at.with_timezone(&Paris).format("%d %H:%M").to_string(), "05 17:00");
                assert!(!urgent);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read("cancel_reminder", r#"{"item":"2"}"#, now(), Language::En).map(|c| c.intent),
            Ok(Intent::Cancel { item: Some(2) })
        ));
        assert!(matches!(
            read("list_reminders", "", now(), Language::En).map(|c| c.intent),
            Ok(Intent::ListReminders)
        ));
        assert_eq!(definitions(None).len(), names().len());
    }
}
