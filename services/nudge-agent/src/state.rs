//! [`Core`]: what the agent holds for as long as it runs (the database, the
//! person keys, the clients of workers and sms-router, the model chain, the
//! vector cache), shared by its gRPC services. It does nothing itself: it
//! builds the small contexts the features' functions take ([`Storage`],
//! [`memory::Context`], [`reminders::Services`]), so that a function states
//! what it needs; the turn (`handle.rs`) puts them together.

use std::time::Duration;

use nudge_config::Settings;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_proto::workers::reminder_service_client::ReminderServiceClient;
use nudge_runtime::TracedChannel;
use nudge_store::Db;

use crate::storage::Storage;
use crate::{llm, memory, reminders};

pub(crate) struct Core {
    pub(crate) db: Db,
    /// Per-person keys of everything the agent seals for a person
    /// (`agent_person_keys`); their ring also keys the memory-term hashes.
    pub(crate) keys: nudge_store::PersonKeys,
    pub(crate) workers: ReminderServiceClient<TracedChannel>,
    pub(crate) sms: SmsRouterServiceClient<TracedChannel>,
    pub(crate) chain: llm::Chain,
    /// Decrypted memory vectors of the people served recently (recall by meaning).
    pub(crate) vectors: memory::vectors::VectorCache,
}

impl Core {
    /// The agent's parts as `settings` describe them, over `db`.
    pub(crate) fn new(settings: &Settings, db: Db) -> anyhow::Result<Core> {
        let timeout = Duration::from_millis(settings.services.rpc_timeout_ms);
        Ok(Core {
            db,
            keys: nudge_store::PersonKeys::new(settings.key_ring()?, nudge_store::PersonKeyTable::Agent),
            workers: ReminderServiceClient::new(nudge_runtime::grpc_channel(
                "workers",
                &settings.services.workers.url,
                timeout,
            )?),
            sms: SmsRouterServiceClient::new(nudge_runtime::grpc_channel(
                "sms-router",
                &settings.services.sms_router.url,
                timeout,
            )?),
            chain: llm::Chain::new(&settings.agent)?,
            vectors: Default::default(),
        })
    }

    pub(crate) fn storage(&self) -> Storage<'_> {
        Storage {
            db: &self.db,
            keys: &self.keys,
        }
    }

    /// What the memory feature's functions take (`memory::keep_fact`,
    /// `memory::recall`, ...).
    pub(crate) fn memory(&self) -> memory::Context<'_> {
        memory::Context {
            storage: self.storage(),
            chain: &self.chain,
            vectors: &self.vectors,
        }
    }

    /// What the reminders, tasks and settings take: workers and the storage.
    pub(crate) fn services(&self) -> reminders::Services<'_> {
        reminders::Services {
            storage: self.storage(),
            workers: &self.workers,
        }
    }
}

#[cfg(any(test, feature = "testing"))]
impl Core {
    /// A core over `db` for unit tests and the benchmarks' fixtures: providers from `settings`, the other
    /// services on a closed port.
    pub(crate) fn for_tests(db: &Db, keys: nudge_secure::KeyRing, settings: &Settings) -> Core {
        let channel = nudge_runtime::grpc_channel("closed-port (tests)", "http://127.0.0.1:9", Duration::from_secs(1))
            .expect("channel");
        Core {
            db: db.clone(),
            keys: nudge_store::PersonKeys::new(keys, nudge_store::PersonKeyTable::Agent),
            workers: ReminderServiceClient::new(channel.clone()),
            sms: SmsRouterServiceClient::new(channel),
            chain: llm::Chain::new(&settings.agent).expect("chain"),
            vectors: Default::default(),
        }
    }
}
