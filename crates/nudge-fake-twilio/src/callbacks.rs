//! Simulated delivery of an accepted message and its status callbacks.
//!
//! Twilio POSTs `application/x-www-form-urlencoded` callbacks to the message's
//! `StatusCallback` on each status change after creation (none for the initial
//! `queued`/`accepted`), signed with `X-Twilio-Signature`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header;

use crate::config::DeliveryOutcome;
use crate::resource::API_VERSION;
use crate::signature::signature;
use crate::state::{AppState, FakeMessage, Inner};

const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Stores an accepted message and starts its simulated delivery.
pub(crate) fn accept(state: &Arc<AppState>, inner: &mut Inner, message: FakeMessage) {
    let outcome = inner.delivery;
    let sid = message.sid.clone();
    state.store_accepted(inner, message);
    while inner.lifecycles.try_join_next().is_some() {}
    inner
        .lifecycles
        .spawn_on(run(Arc::clone(state), sid, outcome), &state.runtime);
}

/// Walks message `sid` through the statuses of `outcome`, POSTing a callback
/// after each step when the message has a `StatusCallback`.
async fn run(state: Arc<AppState>, sid: String, outcome: DeliveryOutcome) {
    let steps: &[(&str, Option<u32>)] = match outcome {
        DeliveryOutcome::Delivered => &[("sent", None), ("delivered", None)],
        DeliveryOutcome::Undelivered { error_code } => &[("sent", None), ("undelivered", Some(error_code))],
        DeliveryOutcome::Failed { error_code } => &[("failed", Some(error_code))],
    };
    for &(status, error_code) in steps {
        tokio::time::sleep(state.status_step_delay).await;
        let Some(message) = state.advance(&sid, status, error_code) else {
            return;
        };
        if let Some(url) = &message.status_callback {
            post(&state, url, &message).await;
        }
    }
}

async fn post(state: &AppState, url: &str, message: &FakeMessage) {
    let mut params = vec![
        ("AccountSid", state.account_sid.clone()),
        ("ApiVersion", API_VERSION.to_owned()),
        ("From", message.from.clone()),
        ("MessageSid", message.sid.clone()),
        ("MessageStatus", message.status.clone()),
        ("SmsSid", message.sid.clone()),
        ("SmsStatus", message.status.clone()),
        ("To", message.to.clone()),
    ];
    if let Some(error_code) = message.error_code {
        params.push(("ErrorCode", error_code.to_string()));
    }
    if let Some(service) = &message.messaging_service_sid {
        params.push(("MessagingServiceSid", service.clone()));
    }
    if matches!(message.status.as_str(), "delivered" | "undelivered") {
        // Carrier DLR "done date", YYMMDDhhmm (Twilio changelog, 2023-02-14).
        params.push(("RawDlrDoneDate", Utc::now().format("%y%m%d%H%M").to_string()));
    }
    let result = state
        .http
        .post(url)
        .header("X-Twilio-Signature", signature(&state.auth_token, url, &params))
        .header(header::USER_AGENT, "TwilioProxy/1.1")
        .timeout(CALLBACK_TIMEOUT)
        .form(&params)
        .send()
        .await;
    match result {
        Ok(response) if !response.status().is_success() => {
            tracing::warn!(%url, status = %response.status(), "status callback was not accepted");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%url, %error, "status callback failed"),
    }
}
