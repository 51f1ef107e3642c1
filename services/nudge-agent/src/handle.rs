//! Handling one inbound message, from reading it to the reply sent: the
//! turn (`AgentService.HandleInbound`), and the person's profile the agent
//! keeps (`AgentService.UpsertPerson`).

use chrono::{DateTime, Utc};
use nudge_core::{Language, Timezone, UserId};
use nudge_proto::sms::{SendSmsRequest, SmsKind};

use crate::error::AgentError;
use crate::state::Core;
use crate::storage::Storage;
use crate::store::MESSAGE_BODY;
use crate::{act, clarify, converse, engine, listing, steps, store, turn};

/// An inbound message as the agent receives it.
pub(crate) struct Inbound {
    pub(crate) user_id: UserId,
    pub(crate) message_id: String,
    pub(crate) body: String,
    pub(crate) received_at: DateTime<Utc>,
}

/// What handling a message did.
pub(crate) struct Handled {
    pub(crate) intent: &'static str,
    pub(crate) duplicate: bool,
    /// "local" or the provider's name.
    pub(crate) answered_by: String,
    pub(crate) tools: Vec<String>,
}

/// Keeps the person's time zone and language, as the api provisions them.
pub(crate) async fn upsert_person(
    storage: &Storage<'_>,
    user_id: &UserId,
    timezone: Timezone,
    language: Language,
) -> Result<(), AgentError> {
    let mut conn = storage.db.conn().await?;
    Ok(store::upsert_person(
        &mut conn,
        user_id.as_str(),
        timezone.name(),
        language.as_str(),
        nudge_store::now(),
    )
    .await?)
}

/// Handles one message. Every step is idempotent (keyed on the message
/// id), so a retry after a failure part-way redoes nothing twice.
pub(crate) async fn handle_inbound(core: &Core, inbound: Inbound) -> Result<Handled, AgentError> {
    let storage = core.storage();
    let started = std::time::Instant::now();
    let user = inbound.user_id.as_str();
    let mut conn = storage.db.conn().await?;
    let Some(person) = store::person(&mut conn, user).await? else {
        // sms-router knows the person but their profile has not reached us
        // yet (provisioning in flight): have the message retried shortly.
        return Err(AgentError::FailedPrecondition(
            "this person's profile has not reached the agent yet".to_owned(),
        ));
    };
    let timezone: Timezone = person
        .timezone
        .parse()
        .map_err(|e: nudge_core::InvalidValue| AgentError::Internal(e.0))?;
    let language: Language = person
        .language
        .parse()
        .map_err(|e: nudge_core::InvalidValue| AgentError::Internal(e.0))?;
    let body = storage
        .keys
        .for_writing(&mut conn, user)
        .await?
        .encrypt_str(&inbound.body, MESSAGE_BODY);
    let handled_before = store::record_inbound(&mut conn, user, &inbound.message_id, &body, nudge_store::now()).await?;
    drop(conn);
    let listing = listing::load(&storage, user).await?;
    let steps = steps::pending(&storage, user).await?;
    // Times are read from when the person sent the message, so a retry reads them the same way.
    let context = engine::Context {
        now: inbound.received_at.with_timezone(&timezone.tz()),
        language,
        last_listing: listing.as_ref().map(|(kind, _)| *kind),
    };
    // While steps of a model's reply are kept, "next" / "suivant" asks for the next one (`steps.rs`).
    // "done" / "fait" stays a reminder's answer first: a medication reminder that fired during the
    // steps must not be left nagging; with no reminder waiting, it asks for the next step (`act.rs`).
    let steps_open = steps
        .as_ref()
        .is_some_and(|pending| pending.open_for(&inbound.message_id, inbound.received_at));
    let understood = engine::understand(&inbound.body, &context);
    let understood = match &steps {
        Some(pending)
            if steps_open && understood.intent != engine::Intent::Done && engine::asks_next_step(&inbound.body) =>
        {
            engine::Understood {
                intent: engine::Intent::NextStep,
                language: pending.language,
            }
        }
        _ => understood,
    };
    // An answer to a question about a time ("the 26th", "6pm", "2", "yes") completes the reminder held (`clarify.rs`).
    let understood = match clarify::open_question(&storage, user, inbound.received_at).await? {
        Some(question) => {
            let choice =
                match engine::clarify::answer(&inbound.body, &question.readings, timezone.tz(), question.asked_at) {
                    engine::Answer::Pick(index) => Some(Some(index)),
                    engine::Answer::No => Some(None),
                    engine::Answer::Other => None,
                };
            match choice {
                Some(choice) => engine::Understood {
                    intent: engine::Intent::Choose(choice),
                    language: understood.language,
                },
                None => understood,
            }
        }
        None => understood,
    };
    let step_done = steps_open && understood.intent == engine::Intent::Done;
    let intent = understood.intent.name();
    if handled_before {
        return Ok(Handled {
            intent,
            duplicate: true,
            answered_by: String::new(),
            tools: Vec::new(),
        });
    }
    if steps.is_some() && understood.intent != engine::Intent::NextStep && !step_done {
        // Anything but a "next" or a "done" drops the steps kept.
        steps::forget(&storage, user).await?;
    }
    let person = turn::Person {
        user_id: inbound.user_id.clone(),
        timezone,
    };
    let turn = turn::Turn {
        person: &person,
        message_id: &inbound.message_id,
        received_at: inbound.received_at,
        listing,
    };
    let acting = act::Context {
        services: core.services(),
        memory: core.memory(),
    };
    // The model chain first (when configured), the local engine otherwise or
    // when it gives no answer. A "yes"/"no" answers a question Nudge asked,
    // "next" (or "done") asks for a step kept, and "local only" is about the models
    // themselves: only the local engine reads those, never a model.
    let answer = if core.chain.is_empty()
        || step_done
        || matches!(
            understood.intent,
            engine::Intent::Confirm(_)
                | engine::Intent::Choose(_)
                | engine::Intent::SetLocalOnly(_)
                | engine::Intent::NextStep
        ) {
        None
    } else {
        converse::converse(
            &converse::Context {
                act: &acting,
                chain: &core.chain,
                sms: &core.sms,
            },
            &turn,
            &inbound.body,
            understood.language,
            started,
        )
        .await?
    };
    if let Some(answer) = &answer
        && answer.steps.len() > 1
    {
        // One step at a time: the first is in the reply, the others wait for "next".
        steps::keep(
            &storage,
            user,
            &inbound.message_id,
            &answer.steps,
            understood.language,
            inbound.received_at,
        )
        .await?;
    }
    let (reply, intent, answered_by, tools) = match answer {
        Some(answer) => (answer.reply, "model", answer.provider, answer.tools),
        None => (
            act::act(&acting, &turn, &understood).await?,
            intent,
            "local".to_owned(),
            Vec::new(),
        ),
    };
    let sent = core
        .sms
        .clone()
        .send_sms(SendSmsRequest {
            user_id: user.to_owned(),
            body: reply.clone(),
            idempotency_key: format!("reply:{}", inbound.message_id),
            kind: SmsKind::Reply.into(),
        })
        .await?
        .into_inner();
    let mut conn = storage.db.conn().await?;
    if !sent.duplicate {
        let reply_body = storage
            .keys
            .for_writing(&mut conn, user)
            .await?
            .encrypt_str(&reply, MESSAGE_BODY);
        store::record_reply(&mut conn, user, &reply_body, nudge_store::now()).await?;
    }
    store::mark_handled(&mut conn, &inbound.message_id, intent, nudge_store::now()).await?;
    let language = understood.language.as_str();
    metrics::counter!("nudge_agent_messages_total", "intent" => intent, "language" => language).increment(1);
    tracing::info!(user.id = %user, inbound.id = %inbound.message_id, intent, answered_by, "message handled");
    Ok(Handled {
        intent,
        duplicate: false,
        answered_by,
        tools,
    })
}
