//! What sms-router's HTTP handlers, gRPC service and background tasks
//! share: the database, the cache, the clients of Twilio and the agent, the
//! settings, and the signals that wake the sender and the dispatcher.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nudge_cache::Cache;
use nudge_config::SmsSettings;
use nudge_proto::agent::agent_service_client::AgentServiceClient;
use nudge_runtime::TracedChannel;
use nudge_secure::SecretString;
use nudge_store::{Db, PersonKeys};
use tokio::sync::Notify;

use crate::{spool, transport};

/// Encryption context of inbound bodies (see `nudge_secure::crypto`).
pub(crate) const INBOUND_BODY: &[u8] = b"sms.inbound.body";
/// Encryption context of outbound bodies.
pub(crate) const OUTBOUND_BODY: &[u8] = b"sms.outbound.body";

/// What sms-router shares between its HTTP handlers, gRPC service and background tasks.
pub(crate) struct Core {
    pub(crate) db: Db,
    pub(crate) cache: Cache,
    /// Per-person keys of message bodies (`sms_person_keys`); the ring for
    /// sms-router's own fixed replies (START, HELP).
    pub(crate) keys: PersonKeys,
    pub(crate) auth_token: SecretString,
    /// `twilio.public_base_url` without a trailing slash.
    pub(crate) public_base_url: String,
    /// Where Twilio posts delivery statuses (public base URL + `/twilio/status`).
    pub(crate) status_callback_url: String,
    pub(crate) agent: AgentServiceClient<TracedChannel>,
    /// The agent's address (`services.agent.url`), named in logs when it fails.
    pub(crate) agent_url: String,
    pub(crate) transport: transport::Transport,
    /// Twilio's REST API for numbers: with the Twilio transport, or in
    /// embedded mode when `twilio.api_base_url` is a fake on this machine.
    pub(crate) numbers_api: Option<transport::TwilioClient>,
    pub(crate) sms: SmsSettings,
    /// Texts codes to phones that have no Nudge number yet (`sms.verification_number`).
    pub(crate) verification_number: String,
    pub(crate) default_country: String,
    /// True when no other replica can exist (in-process cache): at start-up,
    /// every claim left by the previous process is stale.
    pub(crate) lone_replica: bool,
    /// Wakes the dispatcher when a message arrives, with the people to serve.
    pub(crate) inbound_arrived: Notify,
    pub(crate) arrived: Mutex<HashSet<String>>,
    /// People whose oldest message waits for a retry, and until when: a new
    /// message of theirs need not wake the dispatcher before then.
    pub(crate) backing_off: Mutex<HashMap<String, Instant>>,
    pub(crate) dispatch_interval: Duration,
    /// Wakes the sender: a row was stored, or a send finished.
    pub(crate) outbound_stored: Notify,
    pub(crate) outbound_done: Notify,
    /// Where webhooks wait while the database is away (none in embedded mode).
    pub(crate) spool: spool::Spool,
    /// How long a webhook's store is waited for before it is spooled
    /// (`sms.webhook_store_deadline_ms`; none without a spool, or when 0).
    pub(crate) webhook_store_deadline: Option<Duration>,
    /// Commits the common inbound rows in batches (group commit).
    pub(crate) inbound_writer: crate::inbound::writer::InboundWriter,
}
