//! What happens to an inbound SMS once its signature and parameters are
//! checked: who it is for, whether it is a compliance keyword, and what is
//! stored. Everything a message causes is written in one transaction with
//! it, before Twilio gets its answer; a retried MessageSid changes nothing.
//! A webhook spooled while the database was away comes through [`receive`]
//! too (`crate::spool::drain`), so it is treated exactly as a live one.

use std::sync::Arc;

use nudge_core::Language;
use nudge_core::sms::count_segments;

use crate::compliance::store::{ConsentChange, consent_language};
use crate::compliance::{self, Keyword};
use crate::error::RouterError;
use crate::metrics;
use crate::outbound::store::{StrangerReplyOutcome, finish_stranger_reply};
use crate::outbound::{self, OutboundKind, PendingReply};
use crate::state::{Core, INBOUND_BODY};
use crate::store::{consent_event, inbound_status, phones, stranger_status};
use store::{KeywordEffects, NewInbound};

pub(crate) mod dispatch;
pub(crate) mod sms;
pub(crate) mod store;
#[cfg(test)]
mod waiting_tests;
pub(crate) mod writer;

use sms::InboundSms;

/// What happened to an inbound SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InboundOutcome {
    /// Stored for the agent.
    Accepted,
    /// Its MessageSid was stored before: a retry, acknowledged and ignored.
    Duplicate,
    /// `To` is not a Nudge number.
    UnknownNumber,
    /// `From` is not the verified phone of the number's owner: recorded without its body.
    UnverifiedSender,
    /// STOP and the like: the person opted out.
    OptedOut,
    /// START and the like from an opted-out person: they opted back in.
    OptedIn,
    /// HELP, INFO, AIDE.
    Help,
    /// An ordinary message from a person who opted out: recorded, not shown to the agent.
    Held,
}

impl InboundOutcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InboundOutcome::Accepted => "accepted",
            InboundOutcome::Duplicate => "duplicate",
            InboundOutcome::UnknownNumber => "unknown_number",
            InboundOutcome::UnverifiedSender => "unverified_sender",
            InboundOutcome::OptedOut => "opt_out",
            InboundOutcome::OptedIn => "opt_in",
            InboundOutcome::Help => "help",
            InboundOutcome::Held => "held",
        }
    }
}

/// Stores one inbound SMS and everything it causes (live, or drained from the spool).
pub(crate) async fn receive(core: &Arc<Core>, sms: &InboundSms) -> Result<InboundOutcome, RouterError> {
    let mut conn = core.db.conn().await?;
    let Some(route) = store::route(&mut conn, sms.to.as_str()).await? else {
        return Ok(InboundOutcome::UnknownNumber);
    };
    let now = nudge_store::now();
    let id = nudge_core::new_id();
    let segments = i32::try_from(sms.segments).unwrap_or(i32::MAX);
    let matched = compliance::classify(&sms.body);
    let keyword = matched.map(|m| m.word);

    if !phones::is(core.keys.ring(), &route.phone_index, sms.from.as_str()) {
        // A stranger: recorded without the body, their phone only as its
        // blind index (keyed: the phone cannot be guessed from it without
        // the key ring).
        let sender_hash = phones::index(core.keys.ring(), sms.from.as_str());
        let inbound = NewInbound {
            id: &id,
            message_sid: &sms.message_sid,
            user_id: &route.user_id,
            status: inbound_status::REJECTED_SENDER,
            body: &[],
            num_segments: segments,
            received_at: sms.received_at,
            next_attempt_at: sms.received_at,
            sender_hash: Some(&sender_hash),
            keyword,
        };
        let reply_status = if matched.is_some_and(|m| m.keyword == Keyword::OptOut) {
            // They asked for nothing: never answer them.
            Some(stranger_status::SKIPPED)
        } else if core.sms.stranger_reply {
            Some(stranger_status::PENDING)
        } else {
            None
        };
        let (stored, reply) = store::store_stranger(&mut conn, &inbound, sms.to.as_str(), reply_status).await?;
        drop(conn);
        if !stored {
            return Ok(InboundOutcome::Duplicate);
        }
        metrics::inbound_segments(sms.segments);
        tracing::info!(inbound.id = %id, user.id = %route.user_id, "message from a stranger recorded");
        if let Some(reply_id) = reply {
            let core = core.clone();
            let (from, to) = (sms.to.as_str().to_owned(), sms.from.as_str().to_owned());
            tokio::spawn(async move { answer_stranger(core, &reply_id, &from, &to).await });
        }
        return Ok(InboundOutcome::UnverifiedSender);
    }

    let mut inbound = NewInbound {
        id: &id,
        message_sid: &sms.message_sid,
        user_id: &route.user_id,
        status: inbound_status::PENDING,
        body: &[],
        num_segments: segments,
        received_at: sms.received_at,
        next_attempt_at: sms.received_at,
        sender_hash: None,
        keyword: None,
    };
    let cipher = core.keys.for_writing(&mut conn, &route.user_id).await?;
    let ciphertext = cipher.encrypt_str(&sms.body, INBOUND_BODY);
    inbound.body = &ciphertext;

    let effect = match matched {
        Some(m) if m.keyword == Keyword::OptOut => Some((m, InboundOutcome::OptedOut)),
        Some(m) if m.keyword == Keyword::Help => Some((m, InboundOutcome::Help)),
        // START from someone not opted out is an ordinary message ("yes" answers questions).
        Some(m) if m.keyword == Keyword::OptIn && route.opted_out => Some((m, InboundOutcome::OptedIn)),
        _ => None,
    };
    let Some((matched, outcome)) = effect else {
        // The common case: one insert.
        // Committed with whatever else arrives at once (group commit),
        // without holding a connection while it waits.
        drop(conn);
        let row = writer::InboundToStore {
            id: id.clone(),
            message_sid: sms.message_sid.clone(),
            user_id: route.user_id.clone(),
            status: if route.opted_out {
                inbound_status::HELD
            } else {
                inbound_status::PENDING
            },
            body: ciphertext.clone(),
            num_segments: segments,
            received_at: sms.received_at,
        };
        let inserted = core.inbound_writer.insert(&core.db, row).await?;
        if !inserted {
            return Ok(InboundOutcome::Duplicate);
        }
        metrics::inbound_segments(sms.segments);
        if route.opted_out {
            tracing::info!(inbound.id = %id, user.id = %route.user_id, "message from an opted-out person held");
            return Ok(InboundOutcome::Held);
        }
        tracing::info!(inbound.id = %id, user.id = %route.user_id, "inbound SMS stored");
        dispatch::wake(core, &route.user_id);
        return Ok(InboundOutcome::Accepted);
    };

    inbound.status = inbound_status::COMPLIANCE;
    inbound.keyword = Some(matched.word);
    let language = match outcome {
        // The confirmation speaks the language of the opt-out it undoes.
        InboundOutcome::OptedIn => consent_language(&mut conn, &route.user_id)
            .await?
            .and_then(|l| l.parse().ok())
            .unwrap_or(Language::En),
        _ => matched.language,
    };
    let consent = match outcome {
        InboundOutcome::OptedOut | InboundOutcome::OptedIn => Some(ConsentChange {
            user_id: &route.user_id,
            opted_out: outcome == InboundOutcome::OptedOut,
            language: matched.language.as_str(),
            source: consent_event::SOURCE_SMS,
            keyword: Some(matched.word),
            inbound_id: None,
            outbound_id: None,
            now,
        }),
        _ => None,
    };
    let reply_text = match outcome {
        InboundOutcome::Help => Some(compliance::help_text(language)),
        InboundOutcome::OptedIn => Some(compliance::opt_in_text(language)),
        _ => None,
    }
    .filter(|_| core.sms.compliance_replies);
    let reply = match reply_text {
        Some(text) => Some(
            outbound::prepare_reply(
                core,
                &cipher,
                &route.user_id,
                sms.to.as_str(),
                sms.from.as_str(),
                text,
                &format!("compliance:{id}"),
            )
            .await,
        ),
        None => None,
    };
    let effects = KeywordEffects {
        inbound,
        consent,
        reply: reply.as_ref().map(PendingReply::row),
    };
    let stored = store::store_keyword(&mut conn, &effects).await?;
    drop(conn);
    if !stored {
        return Ok(InboundOutcome::Duplicate);
    }
    metrics::inbound_segments(sms.segments);
    match outcome {
        InboundOutcome::OptedOut => metrics::consent_change(consent_event::OPT_OUT, consent_event::SOURCE_SMS),
        InboundOutcome::OptedIn => metrics::consent_change(consent_event::OPT_IN, consent_event::SOURCE_SMS),
        _ => {}
    }
    if reply.is_some() {
        metrics::outbound_queued(OutboundKind::Compliance.as_str(), 1);
        core.outbound_stored.notify_one();
    }
    tracing::info!(
        inbound.id = %id,
        user.id = %route.user_id,
        keyword = matched.word,
        outcome = outcome.as_str(),
        "compliance keyword handled"
    );
    Ok(outcome)
}

/// Sends a stranger their one reply, straight from the number (not
/// through the queue: their phone is kept only in memory), within the
/// number's pace. At most once: if this fails, it is not tried again.
async fn answer_stranger(core: Arc<Core>, reply_id: &str, from: &str, to: &str) {
    let text = compliance::STRANGER_TEXT;
    let segments = count_segments(text).segments;
    let (status, sid, code) = match outbound::wait_for_pace(&core, from, segments).await {
        Err(error) => {
            tracing::warn!(%error, "cannot pace a reply to a stranger; not answering");
            (stranger_status::FAILED, None, None)
        }
        Ok(()) => {
            let callback = format!("{}?s={reply_id}", core.status_callback_url);
            let sent = core
                .transport
                .send(crate::transport::Outgoing {
                    from,
                    to,
                    body: text,
                    status_callback: &callback,
                })
                .await;
            outbound::paced(&core, from, segments).await;
            match sent {
                Ok(sid) => {
                    metrics::message("outbound", "sent");
                    (stranger_status::SENT, Some(sid), None)
                }
                Err(error) => {
                    tracing::warn!(%error, "the reply to a stranger was not sent");
                    (stranger_status::FAILED, None, error.code())
                }
            }
        }
    };
    let segments = i32::try_from(segments).unwrap_or(1);
    let result = match core.db.conn().await {
        Ok(mut conn) => finish_stranger_reply(
            &mut conn,
            reply_id,
            &StrangerReplyOutcome {
                status,
                provider_sid: sid.as_deref(),
                segments,
                error_code: code,
                now: nudge_store::now(),
            },
        )
        .await
        .map_err(RouterError::from),
        Err(error) => Err(RouterError::from(error)),
    };
    if let Err(error) = result {
        tracing::warn!(%error, "could not record the reply to a stranger");
    }
}
