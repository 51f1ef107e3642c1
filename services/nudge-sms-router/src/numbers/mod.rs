//! The number manager: one Twilio number per person, bought, configured,
//! assigned and released through Twilio's IncomingPhoneNumbers API.
//!
//! A purchase carries the friendly name `nudge <user id>`: if the assignment
//! is lost after Twilio sold us the number (a crash, the database away), the
//! next `ProvisionNumber` for that person finds the number by that name and
//! assigns it instead of buying another. Two calls for one person at once
//! are serialised by a lock in the cache.

use std::time::Duration;

use nudge_core::{Language, PhoneNumber, Timezone};
use nudge_proto::agent::{Person, UpsertPersonRequest};

use crate::error::RouterError;
use crate::state::Core;
use crate::transport::{IncomingNumber, NumberConfig, SendError, TwilioClient};
use crate::webhook;
use store::{Assignment, StoredPhone};

pub(crate) mod store;

/// How long one person's provisioning may hold its lock.
const PROVISION_LOCK: Duration = Duration::from_secs(60);
/// Numbers tried when another buyer takes the one we found first.
const PURCHASE_TRIES: usize = 3;

/// Where to look for a number.
pub(crate) struct Wanted {
    pub(crate) area_code: Option<String>,
    pub(crate) country: String,
}

/// A number a person has.
pub(crate) struct Provisioned {
    pub(crate) nudge_number: String,
    pub(crate) provider_sid: String,
    pub(crate) monthly_price_micros: i64,
    pub(crate) existing: bool,
}

fn twilio_error(what: &str, error: &SendError) -> RouterError {
    tracing::warn!(%error, "Twilio refused or failed: {what}");
    match error {
        SendError::Temporary { .. } => RouterError::Unavailable(format!("{what}: Twilio is unavailable, try again")),
        SendError::Refused { code, message, .. } => RouterError::FailedPrecondition(format!(
            "{what}: Twilio refused (code {}): {message}",
            code.unwrap_or_default()
        )),
    }
}

fn friendly_name(user_id: &str) -> String {
    format!("nudge {user_id}")
}

fn numbers_api(core: &Core) -> Result<&TwilioClient, RouterError> {
    core.numbers_api.as_ref().ok_or_else(|| {
        RouterError::FailedPrecondition(
            "numbers are bought through Twilio: set sms.transport = \"twilio\", or in embedded mode point \
             twilio.api_base_url at a fake Twilio on this machine (nudge fake-twilio)"
                .to_owned(),
        )
    })
}

fn number_config<'a>(core: &'a Core, friendly_name: &'a str, sms_url: &'a str) -> NumberConfig<'a> {
    NumberConfig {
        sms_url,
        status_callback: &core.status_callback_url,
        friendly_name,
    }
}

/// What `AssignNumber` tells the agent about the person.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AgentProfile {
    /// Their zone and language: the agent takes their messages from then on.
    Tell { timezone: Timezone, language: Language },
    /// Nothing (sms-router alone, benchmarks, or the caller tells the agent
    /// itself): the agent refuses their messages until it knows them.
    NumberOnly,
}

impl AgentProfile {
    /// Reads `AssignNumber`'s fields; a missing one is refused by name, with
    /// what the agent needs it for.
    pub(crate) fn from_request(timezone: &str, language: &str, number_only: bool) -> Result<AgentProfile, RouterError> {
        if number_only {
            if !timezone.is_empty() || !language.is_empty() {
                return Err(RouterError::field(
                    "number_only",
                    "tells the agent nothing: leave timezone and language empty, or unset number_only",
                ));
            }
            return Ok(AgentProfile::NumberOnly);
        }
        let required = |field: &str, example: &str| {
            RouterError::field(
                field,
                format!(
                    "is required ({example}): the agent answers a person only once it knows their time zone and \
                     language; or set number_only to record the number alone"
                ),
            )
        };
        if timezone.is_empty() {
            return Err(required("timezone", "an IANA time zone such as America/Montreal"));
        }
        if language.is_empty() {
            return Err(required("language", "en or fr"));
        }
        Ok(AgentProfile::Tell {
            timezone: timezone.parse().map_err(|e| RouterError::field("timezone", e))?,
            language: language.parse().map_err(|e| RouterError::field("language", e))?,
        })
    }
}

/// Gives `user_id` the number `nudge_number`, answering `phone`. With
/// [`AgentProfile::Tell`] the agent learns the person first: once the number
/// answers them, their messages are taken; if the agent cannot be reached,
/// nothing is recorded and the caller may retry.
pub(crate) async fn assign(
    core: &Core,
    user_id: &str,
    phone: &PhoneNumber,
    nudge_number: &PhoneNumber,
    profile: AgentProfile,
) -> Result<(), RouterError> {
    let mut conn = core.db.conn().await?;
    if let Some(owner) = store::number_by_nudge_number(&mut conn, nudge_number.as_str()).await?
        && owner.user_id != user_id
    {
        return Err(RouterError::AlreadyExists(
            "this Nudge number belongs to someone else".to_owned(),
        ));
    }
    if let AgentProfile::Tell { timezone, language } = profile {
        drop(conn); // Not held across the call to the agent.
        core.agent
            .clone()
            .upsert_person(UpsertPersonRequest {
                person: Some(Person {
                    user_id: user_id.to_owned(),
                    timezone: timezone.name().to_owned(),
                    language: language.as_str().to_owned(),
                }),
            })
            .await?;
        conn = core.db.conn().await?;
    }
    let current = store::number_by_user(&mut conn, user_id).await?;
    // The same number again keeps what Nudge knows of it (bought through Twilio or not).
    let provider_sid = current
        .filter(|n| n.nudge_number == nudge_number.as_str())
        .and_then(|n| n.provider_sid);
    let phone = StoredPhone::seal(&mut conn, &core.keys, user_id, phone.as_str()).await?;
    store::assign_number(
        &mut conn,
        &Assignment {
            user_id,
            nudge_number: nudge_number.as_str(),
            phone: &phone,
            provider_sid: provider_sid.as_deref(),
            monthly_price_micros: number_price(core),
            now: nudge_store::now(),
        },
    )
    .await?;
    tracing::info!(user.id = %user_id, "number assigned");
    Ok(())
}

fn number_price(core: &Core) -> i32 {
    i32::try_from(core.sms.number_monthly_price_micros).unwrap_or(i32::MAX)
}

pub(crate) async fn provision(
    core: &Core,
    user_id: &str,
    phone: &PhoneNumber,
    wanted: &Wanted,
) -> Result<Provisioned, RouterError> {
    let api = numbers_api(core)?;
    let lock_key = format!("sms:provision:{user_id}");
    let lock = core
        .cache
        .try_lock(&lock_key, PROVISION_LOCK)
        .await
        .map_err(|e| RouterError::Unavailable(format!("cache: {e}")))?
        .ok_or_else(|| {
            RouterError::Unavailable("a number is being provisioned for this person already; try again".to_owned())
        })?;
    let result = provision_locked(core, api, user_id, phone, wanted).await;
    if let Err(error) = core.cache.unlock(lock).await {
        tracing::warn!(%error, "could not release a provisioning lock; it will expire");
    }
    result
}

async fn provision_locked(
    core: &Core,
    api: &TwilioClient,
    user_id: &str,
    phone: &PhoneNumber,
    wanted: &Wanted,
) -> Result<Provisioned, RouterError> {
    let mut conn = core.db.conn().await?;
    if let Some(current) = store::number_by_user(&mut conn, user_id).await? {
        // Idempotent: a person keeps their number; their verified phone is updated.
        let nudge_number = PhoneNumber::parse(&current.nudge_number)
            .map_err(|_| RouterError::Internal("a stored Nudge number is not E.164".to_owned()))?;
        drop(conn);
        // ProvisionNumber carries no profile: its caller (the api) tells the agent.
        assign(core, user_id, phone, &nudge_number, AgentProfile::NumberOnly).await?;
        return Ok(Provisioned {
            nudge_number: current.nudge_number,
            provider_sid: current.provider_sid.unwrap_or_default(),
            monthly_price_micros: i64::from(number_price(core)),
            existing: true,
        });
    }
    drop(conn);
    let name = friendly_name(user_id);
    let sms_url = format!("{}{}", core.public_base_url, webhook::SMS_PATH);
    let config = number_config(core, &name, &sms_url);
    // A purchase whose assignment was lost: adopt it.
    let orphan = api
        .numbers_named(&name)
        .await
        .map_err(|e| twilio_error("looking for this person's number", &e))?
        .into_iter()
        .next();
    let bought = match orphan {
        Some(number) => {
            tracing::info!(user.id = %user_id, "a number bought earlier for this person is assigned now");
            api.configure_number(&number.sid, &config)
                .await
                .map_err(|e| twilio_error("configuring the number", &e))?
        }
        None => buy(api, wanted, &config).await?,
    };
    let nudge_number = PhoneNumber::parse(&bought.phone_number)
        .map_err(|_| RouterError::Internal("Twilio sold a number that is not E.164".to_owned()))?;
    let mut conn = core.db.conn().await?;
    if store::number_by_nudge_number(&mut conn, nudge_number.as_str())
        .await?
        .is_some()
    {
        return Err(RouterError::Internal(
            "Twilio sold a number that is assigned to someone else already".to_owned(),
        ));
    }
    let phone = StoredPhone::seal(&mut conn, &core.keys, user_id, phone.as_str()).await?;
    store::assign_number(
        &mut conn,
        &Assignment {
            user_id,
            nudge_number: nudge_number.as_str(),
            phone: &phone,
            provider_sid: Some(&bought.sid),
            monthly_price_micros: number_price(core),
            now: nudge_store::now(),
        },
    )
    .await?;
    crate::metrics::number_event("provisioned");
    tracing::info!(user.id = %user_id, number.sid = %bought.sid, "number bought and assigned");
    Ok(Provisioned {
        nudge_number: bought.phone_number,
        provider_sid: bought.sid,
        monthly_price_micros: i64::from(number_price(core)),
        existing: false,
    })
}

async fn buy(api: &TwilioClient, wanted: &Wanted, config: &NumberConfig<'_>) -> Result<IncomingNumber, RouterError> {
    let mut last_error = None;
    for _ in 0..PURCHASE_TRIES {
        let available = api
            .available_numbers(&wanted.country, wanted.area_code.as_deref())
            .await
            .map_err(|e| twilio_error("searching for a number", &e))?;
        let Some(candidate) = available.into_iter().next() else {
            return Err(RouterError::FailedPrecondition(
                "Twilio has no local number available there; try another area code".to_owned(),
            ));
        };
        match api.buy_number(&candidate, config).await {
            Ok(number) => return Ok(number),
            // Someone else bought it between the search and the purchase.
            Err(SendError::Refused { code: Some(21422), .. }) => {
                tracing::info!("the number found was taken meanwhile; searching again");
                last_error = Some("the numbers found were taken meanwhile");
            }
            Err(error) => return Err(twilio_error("buying the number", &error)),
        }
    }
    Err(RouterError::Unavailable(
        last_error.unwrap_or("no number could be bought").to_owned(),
    ))
}

/// Releases the person's number at Twilio (when Nudge bought it) and
/// forgets the assignment; returns the number and whether Twilio released one.
pub(crate) async fn release(core: &Core, user_id: &str) -> Result<(String, bool), RouterError> {
    let mut conn = core.db.conn().await?;
    let number = store::number_by_user(&mut conn, user_id)
        .await?
        .ok_or_else(|| RouterError::NotFound("this person has no Nudge number".to_owned()))?;
    drop(conn);
    let at_provider = match &number.provider_sid {
        Some(sid) => {
            numbers_api(core)?
                .release_number(sid)
                .await
                .map_err(|e| twilio_error("releasing the number", &e))?;
            true
        }
        None => false,
    };
    let mut conn = core.db.conn().await?;
    store::release_number(&mut conn, user_id, nudge_store::now()).await?;
    crate::metrics::number_event("released");
    tracing::info!(user.id = %user_id, at_provider, "number released");
    Ok((number.nudge_number, at_provider))
}

/// Checks the place to look for a number: a NANP area code or an ISO country.
pub(crate) fn wanted(area_code: &str, country: &str, default_country: &str) -> Result<Wanted, RouterError> {
    let area_code = area_code.trim();
    let country = country.trim().to_ascii_uppercase();
    let nanp =
        |code: &str| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with(['0', '1']);
    if !(area_code.is_empty() || nanp(area_code)) {
        return Err(RouterError::Invalid(
            "area_code: must be three digits, the first 2 to 9".to_owned(),
        ));
    }
    let iso = |code: &str| code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
    if !(country.is_empty() || iso(&country)) {
        return Err(RouterError::Invalid(
            "country: must be an ISO 3166 code such as US or CA".to_owned(),
        ));
    }
    Ok(Wanted {
        area_code: (!area_code.is_empty()).then(|| area_code.to_owned()),
        country: if country.is_empty() {
            default_country.to_owned()
        } else {
            country
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_to_look() {
        let w = wanted("415", "", "US").expect("valid");
        assert_eq!((w.area_code.as_deref(), w.country.as_str()), (Some("415"), "US"));
        let w = wanted("", "ca", "US").expect("valid");
        assert_eq!((w.area_code, w.country.as_str()), (None, "CA"));
        for bad in ["41", "4155", "015", "1aa"] {
            assert!(wanted(bad, "", "US").is_err(), "{bad}");
        }
        assert!(wanted("", "USA", "US").is_err());
        assert!(wanted("", "U1", "US").is_err());
    }
}
