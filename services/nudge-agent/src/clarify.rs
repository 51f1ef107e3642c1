//! Questions about a reminder's time (`engine::clarify`): asking one short
//! question instead of scheduling a surprising time, keeping the readings
//! offered in `agent_pending_actions` (as `clarify:<doubt>:<unix seconds>,..`,
//! beside the message that asked), and creating the reminder from the
//! answer. The reminder's text is not kept with the question: it is read
//! again from that message, stored encrypted in `agent_messages`.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use nudge_core::Language;

use crate::confirm::{CONFIRM_WINDOW, clear_pending, pending_action, set_pending_action};
use crate::engine::{self, Clarification, Doubt, Intent};
use crate::error::AgentError;
use crate::reminders::{self, Services};
use crate::storage::Storage;
use crate::turn::Turn;
use crate::{replies, store};

const PREFIX: &str = "clarify:";

fn encode(doubt: Doubt, readings: &[DateTime<Utc>]) -> String {
    let times: Vec<String> = readings.iter().map(|r| r.timestamp().to_string()).collect();
    format!("{PREFIX}{}:{}", doubt.as_str(), times.join(","))
}

fn decode(action: &str) -> Option<(Doubt, Vec<DateTime<Utc>>)> {
    let rest = action.strip_prefix(PREFIX)?;
    let (doubt, times) = rest.split_once(':')?;
    let readings = times
        .split(',')
        .map(|t| t.parse::<i64>().ok().and_then(|t| Utc.timestamp_opt(t, 0).single()))
        .collect::<Option<Vec<_>>>()?;
    Some((Doubt::parse(doubt)?, readings))
}

/// A question about a time, still open.
pub(crate) struct OpenQuestion {
    pub(crate) readings: Vec<DateTime<Utc>>,
    pub(crate) asked_at: DateTime<Utc>,
    inbound_id: String,
}

/// The question about a time this person was asked and has not answered, if still open at `received_at`.
pub(crate) async fn open_question(
    storage: &Storage<'_>,
    user_id: &str,
    received_at: DateTime<Utc>,
) -> Result<Option<OpenQuestion>, AgentError> {
    let mut conn = storage.db.conn().await?;
    let Some((action, inbound_id, asked_at)) = pending_action(&mut conn, user_id).await? else {
        return Ok(None);
    };
    let asked_at = asked_at.and_utc();
    let open = received_at >= asked_at && received_at - asked_at <= CONFIRM_WINDOW;
    Ok(decode(&action).filter(|_| open).map(|(_, readings)| OpenQuestion {
        readings,
        asked_at,
        inbound_id,
    }))
}

/// Asks which time is meant, and keeps the readings for the answer.
pub(crate) async fn ask_about_time(
    storage: &Storage<'_>,
    turn: &Turn<'_>,
    clarification: &Clarification,
    lang: Language,
) -> Result<String, AgentError> {
    let mut conn = storage.db.conn().await?;
    set_pending_action(
        &mut conn,
        &turn.user(),
        &encode(clarification.doubt, &clarification.readings),
        turn.message_id,
        nudge_store::to_utc(turn.received_at),
    )
    .await?;
    Ok(question(turn, clarification, lang))
}

/// Creates the reminder at the reading chosen (`None`: the person said no).
pub(crate) async fn chosen(
    services: &Services<'_>,
    turn: &Turn<'_>,
    choice: Option<usize>,
    lang: Language,
) -> Result<String, AgentError> {
    let user = turn.user();
    let question = open_question(&services.storage, &user, turn.received_at).await?;
    let mut conn = services.storage.db.conn().await?;
    clear_pending(&mut conn, &user).await?;
    let (Some(question), Some(choice)) = (question, choice) else {
        return Ok(not_set(lang));
    };
    let Some(reading) = question.readings.get(choice).copied() else {
        return Ok(not_set(lang));
    };
    let Some(body) = store::inbound_body(&mut conn, &user, &question.inbound_id).await? else {
        return Ok(not_set(lang));
    };
    drop(conn);
    let original = services
        .storage
        .reader(&user)
        .await?
        .decrypt_to_string(&body, store::MESSAGE_BODY)
        .map_err(|e| AgentError::Internal(format!("message body: {e}")))?;
    // Read again as it was read when the question was asked.
    let context = engine::Context {
        now: turn.local(&question.asked_at),
        language: lang,
        last_listing: None,
    };
    let Intent::Clarify(clarification) = engine::understand(&original, &context).intent else {
        return Ok(not_set(lang));
    };
    let mut when = *clarification.when;
    when.at = reading.fixed_offset();
    when.alternatives.clear();
    let key = format!("sms:{}", turn.message_id);
    reminders::remind(services, turn, &when, clarification.urgent, lang, &key).await
}

/// "3:00 PM" when the readings share a day, "Tue Mar 19" when they share a time, else both.
fn options(readings: &[DateTime<chrono_tz::Tz>], now: &DateTime<chrono_tz::Tz>, lang: Language) -> Vec<String> {
    let same_day = readings.iter().all(|r| r.date_naive() == readings[0].date_naive());
    let same_time = readings.iter().all(|r| r.time() == readings[0].time());
    readings
        .iter()
        .map(|r| {
            if same_day {
                nudge_core::clock_time(r, lang)
            } else if same_time {
                match lang {
                    Language::En => r.format("%a %b %-d").to_string(),
                    Language::Fr => format!(
                        "{} {} {}",
                        replies::french_weekday(r.weekday()),
                        r.day(),
                        replies::french_month(r.month())
                    ),
                }
            } else {
                replies::when(r, now, lang)
            }
        })
        .collect()
}

fn question(turn: &Turn<'_>, clarification: &Clarification, lang: Language) -> String {
    let now = turn.now();
    let what = match (clarification.when.text.trim(), lang) {
        ("", Language::En) => "Your reminder".to_owned(),
        ("", Language::Fr) => "Ton rappel".to_owned(),
        (text, _) => text.to_owned(),
    };
    let local: Vec<_> = clarification.readings.iter().map(|r| turn.local(r)).collect();
    let first = local.first().map(|r| replies::when(r, &now, lang)).unwrap_or_default();
    let text = match clarification.doubt {
        Doubt::Ambiguous => {
            let options = options(&local, &now, lang);
            let (last, others) = options.split_last().map_or(("", &[][..]), |(l, o)| (l.as_str(), o));
            let numbers: Vec<String> = (1..=options.len()).map(|n| n.to_string()).collect();
            let (numbers_last, numbers_others) = numbers.split_last().map_or(("", &[][..]), |(l, o)| (l.as_str(), o));
            match lang {
                Language::En => format!(
                    "{what}: {} or {last}? Reply {} or {numbers_last}.",
                    others.join(", "),
                    numbers_others.join(", ")
                ),
                Language::Fr => format!(
                    "{what} : {} ou {last} ? Réponds {} ou {numbers_last}.",
                    others.join(", "),
                    numbers_others.join(", ")
                ),
            }
        }
        Doubt::PartlyUnderstood => {
            let unread = clarification.unread.join(" ");
            match lang {
                Language::En => format!(
                    "I read {first}: {what}, but not \"{unread}\". Is that right? Reply yes, or tell me the time."
                ),
                Language::Fr => format!(
                    "J'ai compris {first} : {what}, mais pas \"{unread}\". C'est bien ça ? Réponds oui, ou donne-moi l'heure."
                ),
            }
        }
        Doubt::Past => {
            let past = replies::when(&turn.local(&clarification.when.at), &now, lang);
            match lang {
                Language::En => format!(
                    "That time has already passed ({past}). Remind you {first} instead ({what})? Reply yes, or tell me the time."
                ),
                Language::Fr => format!(
                    "Ce moment est déjà passé ({past}). Je te le rappelle plutôt {first} ({what}) ? Réponds oui, ou donne-moi l'heure."
                ),
            }
        }
        Doubt::Far => {
            let months = local
                .first()
                .map_or(0, |r| (r.date_naive() - now.date_naive()).num_days() / 30);
            match lang {
                Language::En => format!("That's {first}, in about {months} months: {what}. Set it? Reply yes or no."),
                Language::Fr => {
                    format!("C'est {first}, dans environ {months} mois : {what}. Je le note ? Réponds oui ou non.")
                }
            }
        }
    };
    replies::fit(&capitalized(&text))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn not_set(lang: Language) -> String {
    match lang {
        Language::En => "OK, nothing set. Tell me when, for example: tomorrow at 6pm.".to_owned(),
        Language::Fr => "D'accord, rien de noté. Dis-moi quand, par exemple : demain à 18h.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_kept_and_read_back() {
        let readings = vec![
            Utc.with_ymd_and_hms(2026, 3, 19, 21, 0, 0).single().expect("valid"),
            Utc.with_ymd_and_hms(2026, 3, 26, 21, 0, 0).single().expect("valid"),
        ];
        let action = encode(Doubt::Ambiguous, &readings);
        assert_eq!(decode(&action), Some((Doubt::Ambiguous, readings)));
        assert_eq!(decode("forget_all"), None);
        assert_eq!(decode("clarify:ambiguous:x"), None);
    }
}
