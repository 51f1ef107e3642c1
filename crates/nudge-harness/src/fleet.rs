//! Nudge in distributed mode as separate processes on this machine's
//! PostgreSQL, RabbitMQ and Redis, with the fake Twilio in place of Twilio:
//! `nudge migrate`, then api, agent, sms-router and one or more workers
//! replicas. Used by the reminder tests that need real processes (several
//! replicas, kill -9, a RabbitMQ restart) and by the lateness benchmark.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt as _;
use nudge_fake_twilio::{FakeMessage, FakeTwilio, FakeTwilioConfig};
use nudge_proto::sms::AssignNumberRequest;
use nudge_testkit::TestDatabase;

use crate::process::{NudgeProcess, wait_ready};
use crate::reminders::{create, millis, reminder, sms_router, workers};
use crate::{eventually, free_port};

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "distributed-reminders-auth-token";
/// How long a service may take to answer `/readyz` after it starts.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment of a deployment on free ports.
pub struct Deployment {
    pub environment: HashMap<String, String>,
    pub sms_grpc: u16,
    pub workers: u16,
    /// api, agent, workers, sms-router.
    pub http_ports: [u16; 4],
}

/// Where a deployment's PostgreSQL database, RabbitMQ and Redis are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub database_url: String,
    pub queue_url: String,
    pub cache_url: String,
}

impl Endpoints {
    /// `database` on this machine's shared servers.
    pub fn shared(database: &TestDatabase) -> Endpoints {
        Endpoints {
            database_url: database.url.clone(),
            queue_url: nudge_testkit::rabbitmq_url(),
            cache_url: nudge_testkit::redis_url(),
        }
    }
}

/// A deployment's environment: distributed mode on `database`, a queue and
/// cache prefix of its own, the fake Twilio, quick scheduler settings.
pub fn deployment(database: &TestDatabase, fake: &FakeTwilio, prefix: &str) -> Deployment {
    deployment_on(&Endpoints::shared(database), fake, prefix)
}

/// [`deployment`] on any servers.
pub fn deployment_on(endpoints: &Endpoints, fake: &FakeTwilio, prefix: &str) -> Deployment {
    let [api, agent, workers, sms_router, sms_grpc] = [free_port(), free_port(), free_port(), free_port(), free_port()];
    let key = nudge_secure::KeyRing::generate_key();
    let mut environment: HashMap<String, String> = [
        ("NUDGE__MODE", "distributed".to_owned()),
        ("NUDGE__DATABASE__URL", endpoints.database_url.clone()),
        ("NUDGE__QUEUE__URL", endpoints.queue_url.clone()),
        ("NUDGE__QUEUE__PREFIX", prefix.to_owned()),
        ("NUDGE__QUEUE__RETRY_DELAY_MS", "200".to_owned()),
        ("NUDGE__CACHE__URL", endpoints.cache_url.clone()),
        ("NUDGE__CACHE__PREFIX", prefix.to_owned()),
        ("NUDGE__CRYPTO__ACTIVE_KEY", "k1".to_owned()),
        ("NUDGE__CRYPTO__KEYS__K1", key.expose_secret().to_owned()),
        ("NUDGE__TWILIO__ACCOUNT_SID", ACCOUNT_SID.to_owned()),
        ("NUDGE__SMS__VERIFICATION_NUMBER", "+15005550006".to_owned()),
        ("NUDGE__TWILIO__AUTH_TOKEN", AUTH_TOKEN.to_owned()),
        ("NUDGE__TWILIO__API_BASE_URL", fake.base_url()),
        (
            "NUDGE__TWILIO__PUBLIC_BASE_URL",
            format!("http://127.0.0.1:{sms_router}"),
        ),
        ("NUDGE__DEMO__ENABLED", "true".to_owned()),
        ("NUDGE__SCHEDULER__POLL_INTERVAL_MS", "250".to_owned()),
        ("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "2".to_owned()),
        ("NUDGE__SMS__DISPATCH_INTERVAL_MS", "200".to_owned()),
        ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "10".to_owned()),
        ("NUDGE__TELEMETRY__FILTER", "info".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (service, port, url_port) in [
        ("API", api, api),
        ("AGENT", agent, agent),
        ("WORKERS", workers, workers),
        ("SMS_ROUTER", sms_router, sms_grpc),
    ] {
        environment.insert(format!("NUDGE__SERVICES__{service}__PORT"), port.to_string());
        environment.insert(
            format!("NUDGE__SERVICES__{service}__URL"),
            format!("http://127.0.0.1:{url_port}"),
        );
    }
    environment.insert(
        "NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT".to_owned(),
        sms_grpc.to_string(),
    );
    Deployment {
        environment,
        sms_grpc,
        workers,
        http_ports: [api, agent, workers, sms_router],
    }
}

/// The fake Twilio on a free port, with the deployment's credentials.
pub async fn fake_twilio() -> FakeTwilio {
    FakeTwilio::start(
        FakeTwilioConfig {
            account_sid: ACCOUNT_SID.to_owned(),
            auth_token: AUTH_TOKEN.to_owned(),
            ..Default::default()
        },
        "127.0.0.1:0".parse().expect("address"),
    )
    .await
    .expect("fake Twilio")
}

/// Stops `services` with SIGTERM (each must exit cleanly), checks nothing
/// was dead-lettered, and deletes the deployment's queues.
pub async fn stop(services: Vec<NudgeProcess>, prefix: &str) {
    stop_on(services, &nudge_testkit::rabbitmq_url(), prefix).await;
}

/// [`stop`] for a deployment whose RabbitMQ is at `queue_url`.
pub async fn stop_on(services: Vec<NudgeProcess>, queue_url: &str, prefix: &str) {
    for mut service in services {
        assert!(
            service.terminate(Duration::from_secs(15)),
            "a service did not stop cleanly on SIGTERM"
        );
    }
    let queue = nudge_queue::Queue::connect(&nudge_config::QueueSettings {
        url: queue_url.to_owned(),
        prefix: prefix.to_owned(),
        ..Default::default()
    })
    .await
    .expect("queue");
    for name in ["reminders.due", "sms.outbound"] {
        assert_eq!(
            queue.dead_letters(name).await.expect("dead letters"),
            0,
            "{name}: nothing dead-lettered"
        );
        queue.delete(name).await.expect("cleanup");
    }
}

/// The value at rank `p` (0 to 1) of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> i64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// One of a fleet's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Api,
    Agent,
    SmsRouter,
    /// A workers replica, by index.
    Workers(usize),
}

/// A running deployment with `workers` replicas of the workers service.
pub struct Fleet {
    pub database: TestDatabase,
    pub endpoints: Endpoints,
    pub fake: FakeTwilio,
    pub prefix: String,
    pub deployment: Deployment,
    /// The HTTP (and gRPC) port of each workers replica.
    pub workers_ports: Vec<u16>,
    /// The `nudge` binary every service runs.
    nudge: PathBuf,
    /// api, agent, sms-router, then the workers replicas.
    services: Vec<NudgeProcess>,
    dir: tempfile::TempDir,
}

impl Fleet {
    /// Migrates a new PostgreSQL database and starts every service, with
    /// `settings` added to (or replacing) the deployment's environment.
    pub async fn start(nudge: &Path, workers_replicas: usize, settings: &[(&str, &str)]) -> Fleet {
        let database = TestDatabase::postgres().await;
        let endpoints = Endpoints::shared(&database);
        Fleet::start_on(nudge, database, endpoints, workers_replicas, settings).await
    }

    /// [`Fleet::start`] on the servers `endpoints` name, `database` being
    /// their database.
    pub async fn start_on(
        nudge: &Path,
        database: TestDatabase,
        endpoints: Endpoints,
        workers_replicas: usize,
        settings: &[(&str, &str)],
    ) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = fake_twilio().await;
        let prefix = nudge_testkit::unique_name("nudge-test-");
        let mut deployment = deployment_on(&endpoints, &fake, &prefix);
        for (key, value) in settings {
            deployment.environment.insert((*key).to_owned(), (*value).to_owned());
        }
        NudgeProcess::run(nudge, "migrate", &["migrate"], &deployment.environment, dir.path());
        let workers_ports: Vec<u16> = std::iter::once(deployment.workers)
            .chain((1..workers_replicas).map(|_| free_port()))
            .collect();
        let mut fleet = Fleet {
            database,
            endpoints,
            fake,
            prefix,
            deployment,
            workers_ports,
            nudge: nudge.to_owned(),
            services: Vec::new(),
            dir,
        };
        let services: Vec<NudgeProcess> = [Service::Api, Service::Agent, Service::SmsRouter]
            .into_iter()
            .chain((0..workers_replicas).map(Service::Workers))
            .map(|service| fleet.spawn(service))
            .collect();
        fleet.services = services;
        for port in fleet.ready_ports() {
            wait_ready(&format!("http://127.0.0.1:{port}/readyz"), READY_TIMEOUT).await;
        }
        fleet
    }

    /// The HTTP port of every service (api, agent, sms-router, each workers replica).
    fn ready_ports(&self) -> Vec<u16> {
        let [api, agent, _, sms_router] = self.deployment.http_ports;
        [api, agent, sms_router]
            .into_iter()
            .chain(self.workers_ports.clone())
            .collect()
    }

    /// Whether every service answers `/readyz` with 200 right now.
    pub async fn all_ready(&self) -> bool {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("HTTP client");
        for port in self.ready_ports() {
            let ready = http
                .get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .await
                .is_ok_and(|response| response.status() == 200);
            if !ready {
                return false;
            }
        }
        true
    }

    fn index(service: Service) -> usize {
        match service {
            Service::Api => 0,
            Service::Agent => 1,
            Service::SmsRouter => 2,
            Service::Workers(replica) => 3 + replica,
        }
    }

    fn spawn(&self, service: Service) -> NudgeProcess {
        let mut environment = self.deployment.environment.clone();
        let (name, role) = match service {
            Service::Api => ("api".to_owned(), "api"),
            Service::Agent => ("agent".to_owned(), "agent"),
            Service::SmsRouter => ("sms-router".to_owned(), "sms-router"),
            Service::Workers(replica) => {
                environment.insert(
                    "NUDGE__SERVICES__WORKERS__PORT".to_owned(),
                    self.workers_ports[replica].to_string(),
                );
                (format!("workers-{replica}"), "workers")
            }
        };
        NudgeProcess::spawn(&self.nudge, &name, &["serve", role], &environment, self.dir.path())
    }

    /// kill -9 of a service: no chance to finish anything.
    pub fn kill_9(&mut self, service: Service) {
        self.services[Fleet::index(service)].kill_9();
    }

    /// Starts a service again (same ports) after [`Fleet::kill_9`], without
    /// waiting for it to be ready.
    pub fn respawn(&mut self, service: Service) {
        self.services[Fleet::index(service)] = self.spawn(service);
    }

    /// kill -9 of a workers replica: no chance to finish anything.
    pub fn kill_workers(&mut self, replica: usize) {
        self.kill_9(Service::Workers(replica));
    }

    /// Starts a workers replica again (same port) and waits until it is ready.
    pub async fn restart_workers(&mut self, replica: usize) {
        self.respawn(Service::Workers(replica));
        wait_ready(
            &format!("http://127.0.0.1:{}/readyz", self.workers_ports[replica]),
            READY_TIMEOUT,
        )
        .await;
    }

    /// `count` people, each with a phone and a Nudge number of their own:
    /// (user id, phone).
    pub async fn people(&self, count: usize) -> Vec<(String, String)> {
        self.assign_numbers(count, None).await
    }

    /// [`Fleet::people`] the agent also knows (Montreal, English), so that
    /// what they text is answered.
    pub async fn people_who_text(&self, count: usize) -> Vec<(String, String)> {
        self.assign_numbers(count, Some(("America/Montreal", "en"))).await
    }

    /// Gives `count` new people a number; with a (time zone, language),
    /// sms-router also tells the agent about them.
    async fn assign_numbers(&self, count: usize, person: Option<(&str, &str)>) -> Vec<(String, String)> {
        let mut sms = sms_router(self.deployment.sms_grpc).await;
        let people: Vec<(String, String)> = (0..count)
            .map(|i| (uuid::Uuid::new_v4().to_string(), format!("+1438{:07}", 1_000_000 + i)))
            .collect();
        let (timezone, language) = person.unwrap_or_default();
        for (i, (user, phone)) in people.iter().enumerate() {
            sms.assign_number(AssignNumberRequest {
                user_id: user.clone(),
                phone: phone.clone(),
                nudge_number: format!("+1450{:07}", 1_000_000 + i),
                timezone: timezone.to_owned(),
                language: language.to_owned(),
                number_only: person.is_none(),
            })
            .await
            .expect("number assigned");
        }
        people
    }

    /// Creates one reminder per (person, text, due time), through the
    /// workers replicas in turn, `concurrency` at a time.
    pub async fn create_reminders(&self, reminders: Vec<(String, String, DateTime<Utc>)>, concurrency: usize) {
        let mut clients = Vec::new();
        for port in &self.workers_ports {
            clients.push(workers(*port).await);
        }
        futures::stream::iter(reminders.into_iter().enumerate())
            .map(|(i, (user, text, due))| {
                let mut client = clients[i % clients.len()].clone();
                async move { create(&mut client, reminder(&user, &text, due)).await }
            })
            .buffer_unordered(concurrency)
            .for_each(|created| async move { assert!(created.created, "a reminder was not created") })
            .await;
    }

    /// A thousand reminders about to fire, for the tests that disturb a fleet
    /// while they do: 250 people with 4 reminders each, due over 6 s from 12 s
    /// on, each person's 1.5 s apart (sms-router sends at most one SMS a
    /// second from a number), texts `"{word} {round}-{person:03}"`. Returns
    /// once the first 50 are at Twilio.
    pub async fn a_thousand_reminders_about_to_fire(&self, word: &str) -> Burst {
        const PEOPLE: usize = 250;
        const PER_PERSON: usize = 4;
        let people = self.people(PEOPLE).await;
        let phones: HashSet<String> = people.iter().map(|(_, phone)| phone.clone()).collect();
        let start = Utc::now() + TimeDelta::seconds(12);
        let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
        let mut reminders = Vec::new();
        for round in 0..PER_PERSON {
            for (i, (user, _)) in people.iter().enumerate() {
                let at = millis(start + TimeDelta::milliseconds(round as i64 * 1_500 + i as i64 * 6));
                let text = format!("{word} {round}-{i:03}");
                due.insert(text.clone(), at);
                reminders.push((user.clone(), text, at));
            }
        }
        self.create_reminders(reminders, 32).await;
        assert!(Utc::now() < start, "creating the reminders took too long for this test");
        let prefix = format!("{word} ");
        let first_sent = eventually(
            "the first reminders at Twilio",
            Duration::from_secs(30),
            || async { self.reminders_sent(&phones, &prefix).len() },
            |sent| *sent >= 50,
        )
        .await;
        Burst {
            phones,
            due,
            first_sent,
            prefix,
        }
    }

    /// The reminders the fake Twilio received (their first send, not nags)
    /// whose text starts with `prefix`, for the given phones.
    pub fn reminders_sent(&self, phones: &HashSet<String>, prefix: &str) -> Vec<FakeMessage> {
        let start = format!("Reminder: {prefix}");
        self.fake
            .messages()
            .into_iter()
            .filter(|m| phones.contains(&m.to) && m.body.starts_with(&start))
            .collect()
    }

    /// A service's Prometheus metrics.
    pub async fn metrics(port: u16) -> String {
        reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text")
    }

    /// Stops every service (SIGTERM, each must exit cleanly) and the fake.
    pub async fn stop(self) {
        stop_on(self.services, &self.endpoints.queue_url, &self.prefix).await;
        self.fake.shutdown().await;
        drop(self.dir);
    }
}

/// Reminders sent to a fleet's people while a test disturbs it.
pub struct Burst {
    /// The people's phones.
    pub phones: HashSet<String>,
    /// Each reminder's due time, by text.
    pub due: HashMap<String, DateTime<Utc>>,
    /// How many were at Twilio when the burst returned.
    pub first_sent: usize,
    /// What their texts start with.
    prefix: String,
}

impl Burst {
    /// Waits until every reminder of the burst is at Twilio, at most `timeout`.
    pub async fn wait_until_all_sent(&self, fleet: &Fleet, timeout: Duration) {
        eventually(
            "1,000 reminders at Twilio",
            timeout,
            || async { fleet.reminders_sent(&self.phones, &self.prefix).len() },
            |sent| *sent >= self.due.len(),
        )
        .await;
    }

    /// Once all are at Twilio: gives a duplicate every chance to show up,
    /// checks each reminder was sent exactly once and none before its time,
    /// and prints the lateness after `what` happened.
    pub async fn check_each_sent_once(&self, fleet: &Fleet, what: &str) {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let lateness = exactly_once(&fleet.reminders_sent(&self.phones, &self.prefix), &self.due);
        eprintln!(
            "{what}: 1,000 sent once each; lateness p50 {} ms, p99 {} ms, max {} ms",
            percentile(&lateness, 0.5),
            percentile(&lateness, 0.99),
            lateness[lateness.len() - 1]
        );
        assert!(lateness[0] >= -5, "none before its time: {:?}", &lateness[..5]);
    }
}

/// The reminder text of a first send, from its SMS body.
pub fn reminder_text(body: &str) -> &str {
    body.trim_start_matches("Reminder: ")
        .trim_end_matches(". Reply DONE when it's done.")
}

/// Checks every text in `due` was sent exactly once and returns each send's
/// lateness in milliseconds (fake Twilio's acceptance minus due time), sorted.
#[track_caller]
pub fn exactly_once(sent: &[FakeMessage], due: &HashMap<String, DateTime<Utc>>) -> Vec<i64> {
    let mut per_text: HashMap<&str, usize> = HashMap::new();
    for message in sent {
        *per_text.entry(reminder_text(&message.body)).or_default() += 1;
    }
    let mut twice: Vec<_> = per_text.iter().filter(|(_, n)| **n > 1).collect();
    twice.sort();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    let mut missing: Vec<&String> = due
        .keys()
        .filter(|text| !per_text.contains_key(text.as_str()))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "{} never sent, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    assert_eq!(sent.len(), due.len(), "exactly one SMS per reminder");
    let mut lateness: Vec<i64> = sent
        .iter()
        .map(|m| (m.date_created - due[reminder_text(&m.body)]).num_milliseconds())
        .collect();
    lateness.sort_unstable();
    lateness
}
