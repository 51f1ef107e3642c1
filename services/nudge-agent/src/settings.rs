//! The person's settings asked for by text: time zone, quiet hours, nagging
//! and missed reminders (delivery settings, kept by workers), language and
//! whether models may answer (kept here).

use nudge_core::Language;
use nudge_proto::workers::{
    DeliverySettings, GetDeliverySettingsRequest, MissedPolicy, QuietHours, SetDeliverySettingsRequest,
};

use crate::engine::{MissedPolicyChoice, QuietHoursChoice};
use crate::error::AgentError;
use crate::reminders::Services;
use crate::storage::Storage;
use crate::turn::Turn;
use crate::{llm, replies, store};

/// The person's delivery settings, in the time zone the agent knows them
/// in (the agent is where a person sets it; quiet hours are local times).
async fn delivery_settings(services: &Services<'_>, turn: &Turn<'_>) -> Result<DeliverySettings, AgentError> {
    let mut settings = services
        .workers
        .clone()
        .get_delivery_settings(GetDeliverySettingsRequest { user_id: turn.user() })
        .await?
        .into_inner()
        .settings
        .ok_or_else(|| AgentError::Internal("GetDeliverySettings answered without settings".to_owned()))?;
    turn.person.timezone.name().clone_into(&mut settings.timezone);
    Ok(settings)
}

async fn store_delivery_settings(
    services: &Services<'_>,
    settings: DeliverySettings,
) -> Result<DeliverySettings, AgentError> {
    services
        .workers
        .clone()
        .set_delivery_settings(SetDeliverySettingsRequest {
            settings: Some(settings),
        })
        .await?
        .into_inner()
        .settings
        .ok_or_else(|| AgentError::Internal("SetDeliverySettings answered without settings".to_owned()))
}

pub(crate) async fn set_timezone(
    services: &Services<'_>,
    turn: &Turn<'_>,
    zone: chrono_tz::Tz,
    lang: Language,
) -> Result<String, AgentError> {
    let mut conn = services.storage.db.conn().await?;
    store::set_timezone(&mut conn, turn.person.user_id.as_str(), zone.name(), nudge_store::now()).await?;
    drop(conn);
    let mut settings = delivery_settings(services, turn).await?;
    settings.timezone = zone.name().to_owned();
    store_delivery_settings(services, settings).await?;
    let local = nudge_core::clock_time(&turn.received_at.with_timezone(&zone), lang);
    Ok(replies::timezone_set(lang, zone.name(), &local))
}

pub(crate) async fn set_quiet_hours(
    services: &Services<'_>,
    turn: &Turn<'_>,
    choice: QuietHoursChoice,
    lang: Language,
) -> Result<String, AgentError> {
    let mut settings = delivery_settings(services, turn).await?;
    settings.quiet_hours = match choice {
        QuietHoursChoice::Off => None,
        QuietHoursChoice::Window {
            start_minute,
            end_minute,
        } => Some(QuietHours {
            start_minute,
            end_minute,
        }),
    };
    store_delivery_settings(services, settings).await?;
    Ok(match choice {
        QuietHoursChoice::Off => replies::quiet_hours_off(lang),
        QuietHoursChoice::Window {
            start_minute,
            end_minute,
        } => {
            let clock = |minute: u32| {
                let time = chrono::NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default();
                nudge_core::clock_time(&chrono::NaiveDate::default().and_time(time).and_utc(), lang)
            };
            replies::quiet_hours_set(lang, &clock(start_minute), &clock(end_minute))
        }
    })
}

pub(crate) async fn set_nag(
    services: &Services<'_>,
    turn: &Turn<'_>,
    seconds: u32,
    lang: Language,
) -> Result<String, AgentError> {
    let mut settings = delivery_settings(services, turn).await?;
    settings.nag_interval_seconds = seconds;
    let settings = store_delivery_settings(services, settings).await?;
    Ok(if seconds == 0 {
        replies::nag_off(lang)
    } else {
        replies::nag_set(lang, seconds / 60, settings.nag_limit)
    })
}

pub(crate) async fn set_missed_policy(
    services: &Services<'_>,
    turn: &Turn<'_>,
    choice: MissedPolicyChoice,
    lang: Language,
) -> Result<String, AgentError> {
    let mut settings = delivery_settings(services, turn).await?;
    settings.missed_policy = match choice {
        MissedPolicyChoice::SendLate => MissedPolicy::SendLate,
        MissedPolicyChoice::RecordMissed => MissedPolicy::RecordMissed,
    }
    .into();
    store_delivery_settings(services, settings).await?;
    Ok(replies::missed_set(lang, choice == MissedPolicyChoice::SendLate))
}

/// The language the person wrote in becomes the one Nudge answers in.
pub(crate) async fn set_language(storage: &Storage<'_>, turn: &Turn<'_>, lang: Language) -> Result<String, AgentError> {
    let mut conn = storage.db.conn().await?;
    store::set_language(
        &mut conn,
        turn.person.user_id.as_str(),
        lang.as_str(),
        nudge_store::now(),
    )
    .await?;
    Ok(replies::language_set(lang))
}

/// "local only": whether the models may answer this person at all.
pub(crate) async fn set_local_only(
    storage: &Storage<'_>,
    turn: &Turn<'_>,
    on: bool,
    lang: Language,
) -> Result<String, AgentError> {
    let user = turn.user();
    let mut conn = storage.db.conn().await?;
    let mut preferences = llm::usage::preferences(&mut conn, &user).await?;
    preferences.local_only = on;
    llm::usage::save_preferences(&mut conn, &user, &preferences, nudge_store::now()).await?;
    Ok(replies::local_only(lang, on))
}
