//! What the request handlers share.

use nudge_cache::Cache;
use nudge_config::ApiSettings;
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_proto::agent::person_data_service_client::PersonDataServiceClient;
use nudge_proto::agent::task_service_client::TaskServiceClient;
use nudge_proto::privacy::privacy_service_client::PrivacyServiceClient;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_proto::workers::reminder_service_client::ReminderServiceClient;
use nudge_runtime::TracedChannel;
use nudge_store::Db;

use crate::password::Hasher;
use crate::tokens::TokenKeys;

#[derive(Clone)]
pub(crate) struct Clients {
    pub(crate) agent: AgentServiceClient<TracedChannel>,
    pub(crate) tasks: TaskServiceClient<TracedChannel>,
    pub(crate) person_data: PersonDataServiceClient<TracedChannel>,
    pub(crate) sms: SmsRouterServiceClient<TracedChannel>,
    pub(crate) workers: ReminderServiceClient<TracedChannel>,
    /// GDPR export and erasure in every other service.
    pub(crate) privacy: PrivacyClients,
}

pub(crate) struct State {
    pub(crate) db: Db,
    pub(crate) cache: Cache,
    pub(crate) keys: TokenKeys,
    /// Seals TOTP secrets, under each person's key (`api_person_keys`).
    pub(crate) crypto: std::sync::Arc<nudge_store::PersonKeys>,
    pub(crate) hasher: Hasher,
    pub(crate) settings: ApiSettings,
    pub(crate) clients: Clients,
    /// SMS go to the console (embedded mode): a person without a Twilio
    /// number gets a made-up one, as the demo person does.
    pub(crate) console_numbers: bool,
    /// `GET /v1/me` answers remembered under the account's stamp.
    pub(crate) views: crate::views::AccountViews,
    /// The service's main runtime (multi-threaded), for work that must not
    /// be dropped half-way on an HTTP worker thread: a SQLite query dropped
    /// there panics (diesel-async waits for it with `block_in_place`), and
    /// a worker drops its tasks when it stops.
    pub(crate) runtime: tokio::runtime::Handle,
}

/// The services that hold personal data besides the api, in erasure order.
#[derive(Clone)]
pub(crate) struct PrivacyClients {
    pub(crate) sms: PrivacyServiceClient<TracedChannel>,
    pub(crate) workers: PrivacyServiceClient<TracedChannel>,
    pub(crate) agent: PrivacyServiceClient<TracedChannel>,
}

/// The largest export one service may answer with.
const MAX_EXPORT_BYTES: usize = 512 * 1024 * 1024;

impl PrivacyClients {
    pub(crate) fn connect(
        services: &nudge_config::ServicesSettings,
        timeout: std::time::Duration,
    ) -> anyhow::Result<Self> {
        // A person's export is one message per service, as large as all they
        // kept there: tonic's default of 4 MiB refused a busy person's.
        let client = |service: &'static str, url: &str| -> anyhow::Result<PrivacyServiceClient<TracedChannel>> {
            Ok(
                PrivacyServiceClient::new(nudge_runtime::grpc_channel(service, url, timeout)?)
                    .max_decoding_message_size(MAX_EXPORT_BYTES),
            )
        };
        Ok(PrivacyClients {
            sms: client("sms-router", &services.sms_router.url)?,
            workers: client("workers", &services.workers.url)?,
            agent: client("agent", &services.agent.url)?,
        })
    }

    pub(crate) fn all(&self) -> [(&'static str, PrivacyServiceClient<TracedChannel>); 3] {
        [
            ("sms", self.sms.clone()),
            ("workers", self.workers.clone()),
            ("agent", self.agent.clone()),
        ]
    }
}
