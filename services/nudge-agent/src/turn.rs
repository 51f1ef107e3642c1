//! The message being handled: who it is from, and what was shown them last.

use chrono::{DateTime, Utc};
use nudge_core::{Timezone, UserId};

use crate::engine::ListingKind;

/// The person a message is from, as the agent knows them.
pub(crate) struct Person {
    pub(crate) user_id: UserId,
    pub(crate) timezone: Timezone,
}

/// One message being handled.
pub(crate) struct Turn<'a> {
    pub(crate) person: &'a Person,
    pub(crate) message_id: &'a str,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) listing: Option<(ListingKind, Vec<String>)>,
}

impl Turn<'_> {
    pub(crate) fn user(&self) -> String {
        self.person.user_id.as_str().to_owned()
    }

    pub(crate) fn local<T: chrono::TimeZone>(&self, at: &DateTime<T>) -> DateTime<chrono_tz::Tz> {
        at.with_timezone(&self.person.timezone.tz())
    }

    pub(crate) fn now(&self) -> DateTime<chrono_tz::Tz> {
        self.local(&self.received_at)
    }

    /// The id behind item `n` of the last list, if it was a list of `kind`.
    pub(crate) fn item(&self, n: usize) -> Option<(ListingKind, &str)> {
        let (kind, ids) = self.listing.as_ref()?;
        ids.get(n.checked_sub(1)?).map(|id| (*kind, id.as_str()))
    }
}
