//! Whether a person can be texted at all: a reminder is accepted only for a
//! person who has a Nudge number (given once their phone is verified), so a
//! reminder never waits for a send that can only fail. sms-router owns the
//! numbers; its answer is asked once per person and remembered a minute.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use nudge_proto::sms::GetNumberRequest;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_runtime::TracedChannel;

use crate::error::WorkersError;

/// How long a "this person has a number" answer is used without asking again.
const REMEMBERED_FOR: Duration = Duration::from_secs(60);
/// People remembered at most; beyond, the memory starts over.
const MAX_PEOPLE: usize = 100_000;

/// People known to have a number, and when that was learnt; sms-router, to
/// ask about the others.
pub(crate) struct Reachable {
    seen: Mutex<HashMap<String, Instant>>,
    sms: SmsRouterServiceClient<TracedChannel>,
    /// Where `sms` calls (`services.sms_router.url`), for the logs.
    sms_router_url: String,
}

impl Reachable {
    pub(crate) fn new(sms: SmsRouterServiceClient<TracedChannel>, sms_router_url: String) -> Reachable {
        Reachable {
            seen: Mutex::new(HashMap::new()),
            sms,
            sms_router_url,
        }
    }

    fn knows(&self, user_id: &str) -> bool {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.get(user_id).is_some_and(|at| at.elapsed() < REMEMBERED_FOR)
    }

    fn remember(&self, user_id: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= MAX_PEOPLE {
            seen.clear();
        }
        seen.insert(user_id.to_owned(), Instant::now());
    }

    /// Forgets a person (erased on this replica).
    pub(crate) fn forget(&self, user_id: &str) {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).remove(user_id);
    }

    /// Refuses a person who has no Nudge number: nothing could text them.
    pub(crate) async fn ensure(&self, user_id: &str) -> Result<(), WorkersError> {
        if self.knows(user_id) {
            return Ok(());
        }
        let asked = self
            .sms
            .clone()
            .get_number(GetNumberRequest {
                user_id: user_id.to_owned(),
            })
            .await;
        match asked {
            Ok(_) => {
                self.remember(user_id);
                Ok(())
            }
            Err(status) if status.code() == tonic::Code::NotFound => Err(WorkersError::FailedPrecondition(
                "user_id: this person has no Nudge number yet (their phone is not verified), so no reminder could reach them"
                    .to_owned(),
            )),
            Err(status) => {
                tracing::warn!(
                    service = "sms-router",
                    address = %self.sms_router_url,
                    code = ?status.code(),
                    "sms-router did not answer GetNumber"
                );
                Err(WorkersError::Unavailable("sms-router is unavailable, try again".to_owned()))
            }
        }
    }
}
