//! Provisioning a person (the demo person of `nudge dev`) across the
//! services: sms-router gets their Nudge number and verified phone, the agent
//! their time zone and language, workers the time zone reminders are
//! delivered in.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use nudge_config::Settings;
use nudge_core::{Language, PhoneNumber, Timezone};
use nudge_proto::sms::AssignNumberRequest;
use nudge_proto::workers::{GetDeliverySettingsRequest, SetDeliverySettingsRequest};
use nudge_store::{Db, PersonKeys};
use tokio_util::sync::CancellationToken;

use crate::state::Clients;
use crate::store;

/// A person to create (or find) and provision across the services.
#[derive(Debug, Clone)]
pub struct Provision {
    pub phone: PhoneNumber,
    pub nudge_number: PhoneNumber,
    pub timezone: Timezone,
    pub language: Language,
}

impl Provision {
    /// The demo person of `nudge dev`, from `demo.*` settings.
    pub fn demo(settings: &Settings) -> anyhow::Result<Provision> {
        Ok(Provision {
            phone: settings.demo_phone()?,
            nudge_number: settings.demo_nudge_number()?,
            timezone: settings.demo_timezone()?,
            language: settings.demo_language()?,
        })
    }
}

/// Creates the person if needed and tells workers, sms-router and the agent about them.
pub(crate) async fn provision(
    db: &Db,
    keys: &PersonKeys,
    clients: &Clients,
    person: &Provision,
) -> anyhow::Result<String> {
    let mut conn = db.conn().await?;
    let user_id = store::ensure_user(
        &mut conn,
        keys,
        person.phone.as_str(),
        person.timezone.name(),
        person.language.as_str(),
        nudge_store::now(),
    )
    .await?;
    drop(conn);
    // Workers deliver in the person's zone; their other delivery settings are kept.
    let mut settings = clients
        .workers
        .clone()
        .get_delivery_settings(GetDeliverySettingsRequest {
            user_id: user_id.clone(),
        })
        .await
        .context("workers GetDeliverySettings")?
        .into_inner()
        .settings
        .context("workers GetDeliverySettings answered without settings")?;
    person.timezone.name().clone_into(&mut settings.timezone);
    clients
        .workers
        .clone()
        .set_delivery_settings(SetDeliverySettingsRequest {
            settings: Some(settings),
        })
        .await
        .context("workers SetDeliverySettings")?;
    // The delivery zone before the number: whoever waits for the number (the
    // tests do) may then change delivery settings without this
    // read-modify-write putting the defaults back. AssignNumber with the zone
    // and language tells the agent too, before the number answers them.
    clients
        .sms
        .clone()
        .assign_number(AssignNumberRequest {
            user_id: user_id.clone(),
            phone: person.phone.as_str().to_owned(),
            nudge_number: person.nudge_number.as_str().to_owned(),
            timezone: person.timezone.name().to_owned(),
            language: person.language.as_str().to_owned(),
            number_only: false,
        })
        .await
        .context("sms-router AssignNumber")?;
    Ok(user_id)
}

/// Provisions `person`, retrying while the other services start, until done or stopped.
pub(crate) async fn provision_until_done(
    db: Db,
    keys: Arc<PersonKeys>,
    clients: Clients,
    person: Provision,
    done: tokio::sync::watch::Sender<bool>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut delay = Duration::from_millis(100);
    loop {
        match provision(&db, &keys, &clients, &person).await {
            Ok(user_id) => {
                tracing::info!(user.id = %user_id, "demo person provisioned");
                done.send_replace(true);
                return Ok(());
            }
            Err(error) => tracing::info!(
                error = format!("{error:#}"),
                "demo person not provisioned yet; retrying"
            ),
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}
