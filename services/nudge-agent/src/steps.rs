//! One action at a time, enforced in code for replies written by a model.
//!
//! The local engine's replies (`replies.rs`) carry one action each by design;
//! a model is only asked to (`llm/persona.rs`). A long list of things to do,
//! or three questions in one SMS, is exactly what an adult with ADHD cannot
//! act on, so a model's reply is shaped here before it is texted:
//!
//! - **Several steps.** A reply holding a list of two or more items is a list
//!   of steps. A list is either a block of lines that start with a marker
//!   (`1.`, `1)`, `-`, `•`, `*`, `+`, `–`, `Step 1:`, `Étape 1 :`), or markers
//!   `1.` / `1)`, `2.` / `2)` ... numbered from 1, in order, inside a sentence
//!   ("Plan: 1. take your meds 2. email Sam"). The list's kind is its first
//!   marker's (numbers or bullets): lines with the other kind of marker, and
//!   plain lines between two items, belong to the item above (sub-items,
//!   details); plain lines after the last item (the model's closing words) go
//!   with the last step; the lines before the first item are the lead-in.
//!   Nudge texts the lead-in and the first step only, numbered ("Step 1/3:"),
//!   with how to get the next one; the steps are kept (`agent_pending_steps`,
//!   encrypted, at most [`MAX_STEPS`]).
//! - **The next step.** While steps are kept, a message that only says
//!   "next", "ok", "what's next", "suivant", "et après ?" ...
//!   (`engine::asks_next_step`) gets the next step, from the local engine,
//!   without any model call; after the last step such a message gets "That
//!   was the last step" and the steps are gone. "done", "fait", "c'est fait"
//!   answer a reminder first: if one was sent and waits for its "done" (a
//!   medication reminder that fired during the steps), it is marked done and
//!   the steps stay kept; otherwise the "done" gets the next step (`act.rs`).
//!   Any other message drops the steps and is handled as usual, as does a
//!   "next" more than [`STEPS_WINDOW`] after the latest step. A retried
//!   message texts the same step again.
//! - **Several questions.** A reply asking two questions or more keeps its
//!   first question (and what comes before it) only; a list whose items are
//!   all questions keeps its lead-in and first question. Nothing is kept for
//!   later: the person's answer goes to the model, which may ask the next.
//! - **Data is not steps.** When a tool of the same turn returned a list (the
//!   person's reminders, tasks or memories, as `replies::numbered` writes
//!   them), the model's reply is showing that data: it is only fitted to the
//!   budget, never cut into steps. The local engine's replies and the
//!   confirmation questions of destructive actions never come here.
//! - **The SMS budget.** Every text is within two segments: the lead-in is
//!   dropped first if it does not fit, then the step is cut at a word
//!   (`replies::step`, `replies::fit`).

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_core::Language;
use nudge_store::schema::agent_pending_steps;
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

use crate::engine::fold;
use crate::error::AgentError;
use crate::replies;
use crate::storage::Storage;
use crate::turn::Turn;

/// Encryption context of the kept steps.
pub(crate) const STEPS_BODY: &[u8] = b"agent.steps.body";
/// How long after the latest step a "next" or a "done" still asks for the next one.
pub(crate) const STEPS_WINDOW: TimeDelta = TimeDelta::hours(2);
/// The most steps kept from one reply (the rest are dropped).
pub(crate) const MAX_STEPS: usize = 9;

/// A model's reply made fit for one SMS.
#[derive(Debug, PartialEq)]
pub(crate) struct Shaped {
    /// What to text now.
    pub(crate) reply: String,
    /// Every step of the reply, the one texted now first; empty when the
    /// reply was not a list of steps.
    pub(crate) steps: Vec<String>,
}

/// Shapes a model's reply in `language`; `data_shown`: a tool of the turn returned a list.
pub(crate) fn shape(text: &str, language: Language, data_shown: bool) -> Shaped {
    let text = text.trim();
    let plain = |reply: &str| Shaped {
        reply: replies::fit(reply),
        steps: Vec::new(),
    };
    if data_shown {
        return plain(text);
    }
    if let Some(list) = find_list(text) {
        if list.items.iter().all(|item| item.trim_end().ends_with('?')) {
            let first = <[String]>::first(&list.items).map(String::as_str).unwrap_or_default();
            return plain(&join_lines(&list.lead, first));
        }
        let mut steps = list.items;
        steps.truncate(MAX_STEPS);
        let reply = replies::step(language, &list.lead, &steps[0], 1, steps.len());
        return Shaped { reply, steps };
    }
    match question_ends(text).as_slice() {
        [first, _, ..] => plain(text[..*first].trim()),
        _ => plain(text),
    }
}

/// Whether `text` holds a list (of two items or more).
pub(crate) fn is_list(text: &str) -> bool {
    find_list(text).is_some()
}

fn join_lines(lead: &str, item: &str) -> String {
    if lead.is_empty() {
        item.to_owned()
    } else {
        format!("{lead}\n{item}")
    }
}

/// A list found in a text.
#[derive(Debug, PartialEq)]
struct List {
    /// What comes before the first item.
    lead: String,
    /// The items without their markers; the closing words go with the last.
    items: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Numbers,
    Bullets,
}

fn find_list(text: &str) -> Option<List> {
    line_list(text).or_else(|| inline_list(text))
}

/// The marker a line starts with: its kind and the rest of the line (not empty).
fn marker(line: &str) -> Option<(Kind, &str)> {
    let line = line.trim();
    fn item(kind: Kind, rest: &str) -> Option<(Kind, &str)> {
        let rest = rest.trim();
        (!rest.is_empty()).then_some((kind, rest))
    }
    for bullet in ['-', '•', '*', '+', '–', '—', '·'] {
        if let Some(rest) = line.strip_prefix(bullet)
            && rest.starts_with(char::is_whitespace)
        {
            return item(Kind::Bullets, rest);
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=2).contains(&digits) {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(['.', ')'])
            && rest.starts_with(char::is_whitespace)
        {
            return item(Kind::Numbers, rest);
        }
    }
    // "Step 1: ...", "Étape 2 : ..."
    let mut parts = line.splitn(2, char::is_whitespace);
    let word = parts.next()?;
    if matches!(fold(word).as_str(), "step" | "etape") {
        let rest = parts.next()?.trim_start();
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if (1..=2).contains(&digits) {
            let rest = rest[digits..].trim_start();
            if let Some(rest) = rest.strip_prefix([':', '.', ')', '-'])
                && !rest.trim().is_empty()
            {
                return Some((Kind::Numbers, rest.trim()));
            }
        }
    }
    None
}

/// A list written as lines that start with a marker.
fn line_list(text: &str) -> Option<List> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let first = lines.iter().position(|line| marker(line).is_some())?;
    let (kind, _) = marker(lines[first])?;
    let lead = lines[..first]
        .iter()
        .filter(|line| !line.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let mut items: Vec<String> = Vec::new();
    // Lines since the last item: (is a sub-item, text).
    let mut pending: Vec<(bool, &str)> = Vec::new();
    for line in &lines[first..] {
        match marker(line) {
            Some((this, rest)) if this == kind => {
                if let Some(last) = items.last_mut() {
                    for (_, text) in pending.drain(..) {
                        last.push('\n');
                        last.push_str(text);
                    }
                }
                items.push(rest.to_owned());
            }
            Some(_) => pending.push((true, line)),
            None if line.is_empty() => {}
            None => pending.push((false, line)),
        }
    }
    if items.len() < 2 {
        return None;
    }
    // Sub-items and the closing words both go with the last step.
    if let Some(last) = items.last_mut() {
        for (_, text) in pending {
            last.push('\n');
            last.push_str(text);
        }
    }
    Some(List { lead, items })
}

/// Where the inline marker `n.` or `n)` starts and its item begins, at or after `from`.
fn inline_marker(text: &str, n: usize, from: usize) -> Option<(usize, usize)> {
    let digits = n.to_string();
    let mut at = from;
    while let Some(found) = text.get(at..)?.find(&digits) {
        let start = at + found;
        let after = start + digits.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, ':' | ',' | ';' | '(' | '-'));
        let mut rest = text[after..].chars();
        let closes = matches!(rest.next(), Some('.' | ')'));
        let spaced = rest.next().is_some_and(char::is_whitespace);
        if before_ok && closes && spaced {
            return Some((start, after + 1));
        }
        at = after;
    }
    None
}

/// A numbered list inside a sentence: "1. this 2. that", numbered from 1, in order.
fn inline_list(text: &str) -> Option<List> {
    let mut marks: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    for n in 1..=99 {
        let Some((start, begins)) = inline_marker(text, n, from) else {
            break;
        };
        marks.push((start, begins));
        from = begins;
    }
    if marks.len() < 2 {
        return None;
    }
    let lead = text[..marks[0].0].trim().to_owned();
    let items = marks
        .iter()
        .enumerate()
        .map(|(i, (_, begins))| {
            let end = marks.get(i + 1).map_or(text.len(), |(next, _)| *next);
            let item = text[*begins..end].trim();
            if i + 1 == marks.len() {
                item.to_owned()
            } else {
                trim_joiners(item)
            }
        })
        .collect::<Vec<_>>();
    if items.iter().any(String::is_empty) {
        return None;
    }
    Some(List { lead, items })
}

/// "email Sam, and" -> "email Sam".
fn trim_joiners(item: &str) -> String {
    let mut item = item.trim_end_matches([',', ';', ' ']);
    loop {
        let folded = fold(item);
        let Some(joiner) = [" and then", " and", " then", " et puis", " puis", " et", " ensuite"]
            .iter()
            .find(|joiner| folded.ends_with(*joiner))
        else {
            break;
        };
        // The ending is ASCII, as long folded as written.
        let Some(kept) = item.get(..item.len().saturating_sub(joiner.len())) else {
            break;
        };
        item = kept.trim_end_matches([',', ';', ' ']);
    }
    item.to_owned()
}

/// The byte offsets just after each question mark that ends a sentence.
fn question_ends(text: &str) -> Vec<usize> {
    text.char_indices()
        .filter(|(i, c)| {
            *c == '?'
                && text[i + 1..]
                    .chars()
                    .next()
                    .is_none_or(|next| next.is_whitespace() || matches!(next, '"' | ')' | '»' | '!' | '.'))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Steps kept for the person.
pub(crate) struct Pending {
    steps: Vec<String>,
    /// Steps texted so far; one more than the steps once the end was told.
    sent: usize,
    pub(crate) language: Language,
    /// The message that texted the latest step.
    inbound_id: String,
    updated_at: NaiveDateTime,
}

impl Pending {
    /// Whether a "next" in message `inbound_id`, received at `received_at`, asks for these steps.
    pub(crate) fn open_for(&self, inbound_id: &str, received_at: DateTime<Utc>) -> bool {
        if self.inbound_id == inbound_id {
            // A retry of the message that texted the latest step.
            return true;
        }
        let received = nudge_store::to_utc(received_at);
        self.sent <= self.steps.len() && self.updated_at <= received && received - self.updated_at <= STEPS_WINDOW
    }

    /// The text of step `number` (from 1), or the end.
    fn text(&self, number: usize) -> String {
        match self.steps.get(number.saturating_sub(1)) {
            Some(step) => replies::step(self.language, "", step, number, self.steps.len()),
            None => replies::steps_finished(self.language),
        }
    }
}

type Row = (Vec<u8>, i32, String, String, NaiveDateTime);

async fn load(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<Row>> {
    with_conn!(conn, c => {
        agent_pending_steps::table
            .find(user_id)
            .select((
                agent_pending_steps::steps,
                agent_pending_steps::sent,
                agent_pending_steps::language,
                agent_pending_steps::inbound_id,
                agent_pending_steps::updated_at,
            ))
            .first(c)
            .await
            .optional()
    })
}

/// Keeps `steps` (encrypted) with `sent` of them texted, the latest by `inbound_id`.
async fn save(
    conn: &mut DbConn,
    user_id: &str,
    steps: (&[u8], i32),
    sent: i32,
    language: &str,
    inbound_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let (body, total) = steps;
    with_conn!(conn, c => {
        diesel::insert_into(agent_pending_steps::table)
            .values((
                agent_pending_steps::user_id.eq(user_id),
                agent_pending_steps::steps.eq(body),
                agent_pending_steps::total.eq(total),
                agent_pending_steps::sent.eq(sent),
                agent_pending_steps::language.eq(language),
                agent_pending_steps::inbound_id.eq(inbound_id),
                agent_pending_steps::updated_at.eq(at),
            ))
            .on_conflict(agent_pending_steps::user_id)
            .do_update()
            .set((
                agent_pending_steps::steps.eq(body),
                agent_pending_steps::total.eq(total),
                agent_pending_steps::sent.eq(sent),
                agent_pending_steps::language.eq(language),
                agent_pending_steps::inbound_id.eq(inbound_id),
                agent_pending_steps::updated_at.eq(at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Moves the steps on to `sent`, texted by `inbound_id`.
async fn advance(conn: &mut DbConn, user_id: &str, sent: i32, inbound_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::update(agent_pending_steps::table.find(user_id))
            .set((
                agent_pending_steps::sent.eq(sent),
                agent_pending_steps::inbound_id.eq(inbound_id),
                agent_pending_steps::updated_at.eq(at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

async fn delete(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::delete(agent_pending_steps::table.find(user_id)).execute(c).await
    })?;
    Ok(())
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The steps kept for the person, if any (unreadable ones are dropped).
pub(crate) async fn pending(storage: &Storage<'_>, user_id: &str) -> Result<Option<Pending>, AgentError> {
    let mut conn = storage.db.conn().await?;
    let Some((body, sent, language, inbound_id, updated_at)) = load(&mut conn, user_id).await? else {
        return Ok(None);
    };
    let reader = storage.keys.for_reading(&mut conn, user_id).await?;
    let steps = reader
        .decrypt_to_string(&body, STEPS_BODY)
        .ok()
        .and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok());
    let (Some(steps), Ok(language)) = (steps, language.parse::<Language>()) else {
        tracing::warn!(user.id = %user_id, "kept steps unreadable, dropped");
        delete(&mut conn, user_id).await?;
        return Ok(None);
    };
    Ok(Some(Pending {
        steps,
        sent: usize::try_from(sent).unwrap_or(0),
        language,
        inbound_id,
        updated_at,
    }))
}

/// Keeps a reply's steps, the first just texted in answer to `inbound_id`.
pub(crate) async fn keep(
    storage: &Storage<'_>,
    user_id: &str,
    inbound_id: &str,
    steps: &[String],
    language: Language,
    received_at: DateTime<Utc>,
) -> Result<(), AgentError> {
    let json = serde_json::to_string(steps).map_err(|e| AgentError::Internal(e.to_string()))?;
    let mut conn = storage.db.conn().await?;
    let body = storage
        .keys
        .for_writing(&mut conn, user_id)
        .await?
        .encrypt_str(&json, STEPS_BODY);
    Ok(save(
        &mut conn,
        user_id,
        (&body, count(steps.len())),
        1,
        language.as_str(),
        inbound_id,
        nudge_store::to_utc(received_at),
    )
    .await?)
}

/// Drops the steps kept for the person.
pub(crate) async fn forget(storage: &Storage<'_>, user_id: &str) -> Result<(), AgentError> {
    let mut conn = storage.db.conn().await?;
    Ok(delete(&mut conn, user_id).await?)
}

/// The next step (or the end), for a "next"; the same text again for a retried message.
pub(crate) async fn next(storage: &Storage<'_>, turn: &Turn<'_>, language: Language) -> Result<String, AgentError> {
    let user = turn.user();
    let Some(pending) = pending(storage, &user).await? else {
        return Ok(replies::steps_finished(language));
    };
    if pending.inbound_id == turn.message_id {
        return Ok(pending.text(pending.sent));
    }
    let mut conn = storage.db.conn().await?;
    if pending.sent > pending.steps.len() {
        delete(&mut conn, &user).await?;
        return Ok(replies::steps_finished(pending.language));
    }
    let next = pending.sent + 1;
    advance(
        &mut conn,
        &user,
        count(next),
        turn.message_id,
        nudge_store::to_utc(turn.received_at),
    )
    .await?;
    Ok(pending.text(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: Language = Language::En;
    const FR: Language = Language::Fr;

    /// The steps a reply is cut into ("" when it is not a list of steps) and what is texted now.
    #[track_caller]
    fn check(text: &str, language: Language, steps: &[&str], reply: &str) {
        let shaped = shape(text, language, false);
        assert_eq!(shaped.steps, steps, "{text:?}");
        assert_eq!(shaped.reply, reply, "{text:?}");
        assert!(nudge_core::sms::count_segments(&shaped.reply).segments <= 2, "{text:?}");
    }

    #[test]
    fn numbered_lists_are_cut_into_steps() {
        check(
            "Here's the plan:\n1. Take your meds\n2. Email Sam\n3. Book the dentist",
            EN,
            &["Take your meds", "Email Sam", "Book the dentist"],
            "Here's the plan:\nStep 1/3: Take your meds\nText NEXT when you want the next one.",
        );
        check(
            "1) Take your meds\n2) Email Sam",
            EN,
            &["Take your meds", "Email Sam"],
            "Step 1/2: Take your meds\nText NEXT when you want the next one.",
        );
        check(
            "Step 1: open the laptop\nStep 2: open the file",
            EN,
            &["open the laptop", "open the file"],
            "Step 1/2: open the laptop\nText NEXT when you want the next one.",
        );
    }

    #[test]
    fn bullets_are_steps_too() {
        for bullet in ["-", "•", "*", "+"] {
            check(
                &format!("Let's go:\n{bullet} fill a glass of water\n{bullet} take the pill"),
                EN,
                &["fill a glass of water", "take the pill"],
                "Let's go:\nStep 1/2: fill a glass of water\nText NEXT when you want the next one.",
            );
        }
    }

    #[test]
    fn french_lists() {
        check(
            "Voici le plan :\n1. Prends tes médicaments\n2. Écris à Sam\n3. Appelle le dentiste",
            FR,
            &["Prends tes médicaments", "Écris à Sam", "Appelle le dentiste"],
            "Voici le plan :\nÉtape 1/3 : Prends tes médicaments\nÉcris SUIVANT quand tu veux la suite.",
        );
        check(
            "Étape 1 : ouvre l'ordi\nÉtape 2 : ouvre le fichier",
            FR,
            &["ouvre l'ordi", "ouvre le fichier"],
            "Étape 1/2 : ouvre l'ordi\nÉcris SUIVANT quand tu veux la suite.",
        );
    }

    #[test]
    fn mixed_text_sub_items_and_closing_words() {
        check(
            "Ok! Small steps.\n\n1. Pack the bag\n   - socks\n   - charger\n2. Put it by the door\nYou've got this!",
            EN,
            &[
                "Pack the bag\n- socks\n- charger",
                "Put it by the door\nYou've got this!",
            ],
            "Ok! Small steps.\nStep 1/2: Pack the bag\n- socks\n- charger\nText NEXT when you want the next one.",
        );
        // A detail line between two items belongs to the item above.
        check(
            "- Stand up\n  (just that)\n- Walk to the kitchen",
            EN,
            &["Stand up\n(just that)", "Walk to the kitchen"],
            "Step 1/2: Stand up\n(just that)\nText NEXT when you want the next one.",
        );
    }

    #[test]
    fn a_list_inside_a_sentence() {
        check(
            "Try this: 1. take your meds, 2. email Sam, and 3. book the dentist.",
            EN,
            &["take your meds", "email Sam", "book the dentist."],
            "Try this:\nStep 1/3: take your meds\nText NEXT when you want the next one.",
        );
        check(
            "On y va : 1) range le bureau, puis 2) ouvre le dossier et 3) lis la première page.",
            FR,
            &["range le bureau", "ouvre le dossier", "lis la première page."],
            "On y va :\nÉtape 1/3 : range le bureau\nÉcris SUIVANT quand tu veux la suite.",
        );
    }

    #[test]
    fn numbers_that_are_not_a_list_stay() {
        for text in [
            "Your reminder is at 2.30 PM, 1 hour from now.",
            "Done: I'll remind you to drink tea in 20 minutes.",
            "- just one thing: drink water",
            "1. Drink water",
            "Take 1. Then rest.",
        ] {
            check(text, EN, &[], text);
        }
    }

    #[test]
    fn several_questions_keep_the_first() {
        check(
            "Sure! What time works? And should it repeat every day?",
            EN,
            &[],
            "Sure! What time works?",
        );
        check(
            "D'accord. Tu veux un rappel ? Pour quelle heure ? Et quel jour ?",
            FR,
            &[],
            "D'accord. Tu veux un rappel ?",
        );
        check(
            "A few questions:\n1. What time?\n2. Which day?",
            EN,
            &[],
            "A few questions:\nWhat time?",
        );
        check(
            "Hi! What can I do for you today?",
            EN,
            &[],
            "Hi! What can I do for you today?",
        );
    }

    #[test]
    fn data_from_a_tool_is_untouched() {
        let list = "Your reminders:\n1. call mom - 5:00 PM\n2. pay rent - tomorrow 9:00 AM";
        assert!(is_list(list));
        let shaped = shape(list, EN, true);
        assert_eq!(shaped.reply, list);
        assert!(shaped.steps.is_empty());
        // What `replies::numbered` writes is a list.
        let numbered = replies::numbered(
            EN,
            &replies::tasks_title(EN),
            &["a".to_owned(), "b".to_owned()],
            &replies::tasks_footer(EN),
        );
        assert!(is_list(&numbered), "{numbered}");
        assert!(!is_list("Done: I'll remind you to drink tea in 20 minutes."));
    }

    #[test]
    fn steps_stay_within_the_budget() {
        let long = "word ".repeat(120);
        let text = format!("{}\n1. {long}\n2. short", "Lead in. ".repeat(20));
        let shaped = shape(&text, EN, false);
        assert_eq!(shaped.steps.len(), 2);
        assert!(nudge_core::sms::count_segments(&shaped.reply).segments <= 2);
        assert!(shaped.reply.starts_with("Step 1/2: word"), "{}", shaped.reply);
        assert!(shaped.reply.ends_with("...\nText NEXT when you want the next one."));
        // The lead-in goes first when the step does not leave it room.
        let text = format!("{}\n1. {}\n2. short", "Lead in. ".repeat(10), "word ".repeat(40));
        let shaped = shape(&text, EN, false);
        assert!(shaped.reply.starts_with("Step 1/2: word word"), "{}", shaped.reply);
        // Too many steps: the first MAX_STEPS.
        let many: String = (1..=12).map(|n| format!("{n}. step {n}\n")).collect();
        let shaped = shape(&many, EN, false);
        assert_eq!(shaped.steps.len(), MAX_STEPS);
        assert!(shaped.reply.starts_with("Step 1/9: step 1"));
    }

    #[test]
    fn pending_steps_open_within_the_window() {
        let at = chrono::Utc::now();
        let pending = Pending {
            steps: vec!["a".to_owned(), "b".to_owned()],
            sent: 1,
            language: EN,
            inbound_id: "in-1".to_owned(),
            updated_at: nudge_store::to_utc(at),
        };
        assert!(pending.open_for("in-2", at + TimeDelta::minutes(30)));
        assert!(!pending.open_for("in-2", at + STEPS_WINDOW + TimeDelta::minutes(1)));
        assert!(pending.open_for("in-1", at + STEPS_WINDOW * 3), "a retry");
        assert_eq!(pending.text(2), "Last step (2/2): b");
        assert_eq!(pending.text(3), "That was the last step. Nice work!");
        let done = Pending { sent: 3, ..pending };
        assert!(!done.open_for("in-3", at + TimeDelta::minutes(1)));
    }

    fn core(db: &nudge_store::Db) -> crate::state::Core {
        let keys =
            nudge_secure::KeyRing::new("k1", [("k1".to_owned(), nudge_secure::KeyRing::generate_key())]).expect("keys");
        crate::state::Core::for_tests(db, keys, &nudge_config::Settings::default())
    }

    /// Kept, encrypted, advanced once per message (a retry texts the same step),
    /// exported decrypted and erased with the person's data.
    async fn kept_advanced_exported_erased(database: nudge_testkit::TestDatabase) {
        const USER: &str = "0190a000-0000-7000-8000-0000000000b1";
        let mut settings = nudge_config::Settings::default();
        settings.database.url = database.url.clone();
        let db = nudge_store::Db::connect(&settings.database).expect("db");
        db.migrate().await.expect("migrate");
        let core = core(&db);
        let person = crate::turn::Person {
            user_id: nudge_core::UserId::parse(USER).expect("id"),
            timezone: "Europe/Paris".parse().expect("zone"),
        };
        let start = chrono::Utc::now();
        let turn = |message_id: &'static str, minutes: i64| Turn {
            person: &person,
            message_id,
            received_at: start + TimeDelta::minutes(minutes),
            listing: None,
        };
        let steps = ["Prends tes médicaments".to_owned(), "Écris à Sam".to_owned()];
        keep(&core.storage(), USER, "in-1", &steps, FR, start)
            .await
            .expect("kept");
        let mut conn = db.conn().await.expect("conn");
        let (body, ..) = load(&mut conn, USER).await.expect("load").expect("a row");
        assert!(!String::from_utf8_lossy(&body).contains("Sam"), "encrypted at rest");
        drop(conn);
        let kept = super::pending(&core.storage(), USER)
            .await
            .expect("read")
            .expect("kept");
        assert!(kept.open_for("in-2", start + TimeDelta::minutes(5)));
        let last = "Dernière étape (2/2) : Écris à Sam";
        assert_eq!(next(&core.storage(), &turn("in-2", 5), EN).await.expect("next"), last);
        assert_eq!(
            next(&core.storage(), &turn("in-2", 5), EN).await.expect("retry"),
            last,
            "a retry texts the same step"
        );
        let mut conn = db.conn().await.expect("conn");
        let export = crate::privacy::export(&core, &mut conn, USER).await.expect("export");
        assert_eq!(export["pending_steps"]["steps"][1], "Écris à Sam", "{export}");
        assert_eq!(export["pending_steps"]["sent"], 2);
        drop(conn);
        let finished = "C'était la dernière étape. Bien joué !";
        assert_eq!(
            next(&core.storage(), &turn("in-3", 9), FR).await.expect("end"),
            finished
        );
        let kept = super::pending(&core.storage(), USER)
            .await
            .expect("read")
            .expect("kept until another message");
        assert!(!kept.open_for("in-4", start + TimeDelta::minutes(10)), "none left");
        let mut conn = db.conn().await.expect("conn");
        let erased = crate::privacy::erase(&core, &mut conn, USER).await.expect("erase");
        assert!(
            erased.iter().any(|t| t.table == "agent_pending_steps" && t.rows == 1),
            "{erased:?}"
        );
        drop(conn);
        assert!(pending(&core.storage(), USER).await.expect("read").is_none());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn kept_advanced_exported_erased_on_sqlite() {
        kept_advanced_exported_erased(nudge_testkit::TestDatabase::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL"]
    async fn kept_advanced_exported_erased_on_postgres() {
        kept_advanced_exported_erased(nudge_testkit::TestDatabase::postgres().await).await;
    }
}
