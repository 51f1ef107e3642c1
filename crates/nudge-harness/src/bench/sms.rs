//! What the SMS benchmarks share around sms-router: its ports, the people
//! and their numbers, the fake Twilio, and the exactly-once check of what
//! sms_inbound holds after a run.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Context as _;
use diesel::QueryableByName;
use futures::StreamExt as _;
use nudge_fake_twilio::{FakeTwilio, FakeTwilioConfig};
use nudge_proto::sms::AssignNumberRequest;
use nudge_proto::sms::sms_router_service_client::SmsRouterServiceClient;
use nudge_store::{Db, with_conn};

use super::webhooks::PUBLIC_BASE_URL;
use super::{Running, free_port, person_number, person_phone};

/// An (HTTP, gRPC) pair of free ports for each of `replicas` sms-routers.
pub fn replica_ports(replicas: usize) -> anyhow::Result<Vec<(u16, u16)>> {
    (0..replicas).map(|_| Ok((free_port()?, free_port()?))).collect()
}

/// sms-router's settings when only its webhook is measured: Twilio's API is
/// never called, and the agent is absent (its port closed), so the
/// dispatcher keeps the stored messages pending, as during an agent outage.
pub fn webhook_only_settings() -> anyhow::Result<Vec<(&'static str, String)>> {
    let closed_agent_port = free_port()?;
    Ok(vec![
        ("NUDGE__TWILIO__PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_owned()),
        ("NUDGE__TWILIO__API_BASE_URL", "http://127.0.0.1:1".to_owned()),
        (
            "NUDGE__SERVICES__AGENT__URL",
            format!("http://127.0.0.1:{closed_agent_port}"),
        ),
    ])
}

/// A new user id for each of `people` persons, in order.
pub fn new_users(people: usize) -> Vec<String> {
    (0..people).map(|_| uuid::Uuid::now_v7().to_string()).collect()
}

/// Gives person `i` (user `users[i]`) their Nudge number through the
/// sms-router on `grpc_port`, `in_flight` calls at a time; no agent is told
/// (`number_only`): in these benchmarks sms-router runs without one.
pub async fn assign_numbers(grpc_port: u16, users: &[String], in_flight: usize) -> anyhow::Result<()> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{grpc_port}"))?
        .connect()
        .await?;
    let client = SmsRouterServiceClient::new(channel);
    let assignments = users.iter().enumerate().map(|(person, user)| {
        let mut client = client.clone();
        async move {
            client
                .assign_number(AssignNumberRequest {
                    user_id: user.clone(),
                    phone: person_phone(person),
                    nudge_number: person_number(person),
                    timezone: String::new(),
                    language: String::new(),
                    number_only: true,
                })
                .await
        }
    });
    let results: Vec<_> = futures::stream::iter(assignments)
        .buffer_unordered(in_flight)
        .collect()
        .await;
    for result in results {
        result.context("AssignNumber")?;
    }
    Ok(())
}

/// The in-repo fake Twilio on a free loopback port, knowing sms-router by
/// `account_sid` and `auth_token`.
pub async fn start_fake_twilio(account_sid: &str, auth_token: &str) -> anyhow::Result<FakeTwilio> {
    FakeTwilio::start(
        FakeTwilioConfig {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            ..Default::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await
    .context("cannot start the fake Twilio")
}

/// The benchmark's database at `url` (the direct one, not a proxy's).
pub fn connect_database(url: &str) -> anyhow::Result<Db> {
    Ok(Db::connect(&nudge_config::DatabaseSettings {
        url: url.to_owned(),
        ..Default::default()
    })?)
}

/// Each replica's CPU time so far, for [`cpu_since`].
pub fn cpu_now(replicas: &[Running]) -> Vec<Duration> {
    replicas.iter().map(Running::cpu).collect()
}

/// Each replica's name and the CPU time it used since `before` ([`cpu_now`]).
pub fn cpu_since(replicas: &[Running], before: Vec<Duration>) -> Vec<(String, Duration)> {
    replicas
        .iter()
        .zip(before)
        .map(|(replica, before)| (replica.name.clone(), replica.cpu().saturating_sub(before)))
        .collect()
}

/// One series of a Prometheus histogram: its label value, how many
/// observations, and their sum (seconds).
#[derive(Debug, Clone, Default)]
pub struct HistogramSeries {
    pub label: String,
    pub count: f64,
    pub sum: f64,
}

/// The `_count` and `_sum` of `metric`'s series by `label`, added over the
/// `/metrics` pages of the services on `http_ports`.
pub async fn histogram_totals(http_ports: &[u16], metric: &str, label: &str) -> anyhow::Result<Vec<HistogramSeries>> {
    let mut series: Vec<HistogramSeries> = Vec::new();
    for port in http_ports {
        let page = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
            .await?
            .error_for_status()?
            .text()
            .await?;
        for line in page.lines() {
            let Some(rest) = line.strip_prefix(metric) else {
                continue;
            };
            let (is_count, rest) = if let Some(rest) = rest.strip_prefix("_count{") {
                (true, rest)
            } else if let Some(rest) = rest.strip_prefix("_sum{") {
                (false, rest)
            } else {
                continue;
            };
            let Some((labels, number)) = rest.split_once("} ") else {
                continue;
            };
            let Some(value) = labels
                .split(',')
                .find_map(|pair| pair.strip_prefix(label)?.strip_prefix("=\"")?.strip_suffix('"'))
            else {
                continue;
            };
            let number: f64 = number.trim().parse().unwrap_or(0.0);
            let entry = match series.iter_mut().position(|s| s.label == value) {
                Some(index) => &mut series[index],
                None => {
                    series.push(HistogramSeries {
                        label: value.to_owned(),
                        ..HistogramSeries::default()
                    });
                    series.last_mut().expect("just pushed")
                }
            };
            if is_count {
                entry.count += number;
            } else {
                entry.sum += number;
            }
        }
    }
    Ok(series)
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    distinct_sids: i64,
}

#[derive(QueryableByName)]
struct Sid {
    #[diesel(sql_type = diesel::sql_types::Text)]
    message_sid: String,
}

/// Exactly once, checked after a run: one sms_inbound row per distinct
/// MessageSid acknowledged (answered 200), none missing.
pub struct ExactlyOnce {
    pub distinct_acked: usize,
    pub rows: i64,
    pub distinct_rows: i64,
    /// Acknowledged MessageSids that sms_inbound does not hold.
    pub lost: usize,
}

impl ExactlyOnce {
    /// Compares `acknowledged` with what sms_inbound holds in the database at `url`.
    pub async fn check(url: &str, acknowledged: &HashSet<&str>) -> anyhow::Result<ExactlyOnce> {
        use nudge_store::diesel_async::RunQueryDsl;
        let db = connect_database(url)?;
        let mut conn = db.conn().await?;
        let counts: Counts = with_conn!(&mut conn, c => {
            diesel::sql_query(
                "SELECT COUNT(*) AS rows, COUNT(DISTINCT message_sid) AS distinct_sids FROM sms_inbound",
            )
            .get_result(c)
            .await
        })?;
        let stored: Vec<Sid> = with_conn!(&mut conn, c => {
            diesel::sql_query("SELECT message_sid FROM sms_inbound").load(c).await
        })?;
        let stored: HashSet<String> = stored.into_iter().map(|s| s.message_sid).collect();
        Ok(ExactlyOnce {
            distinct_acked: acknowledged.len(),
            rows: counts.rows,
            distinct_rows: counts.distinct_sids,
            lost: acknowledged.iter().filter(|sid| !stored.contains(**sid)).count(),
        })
    }

    /// The `- Exactly once{scope}: …` and `- Check: …` lines.
    #[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
    pub fn print(&self, scope: &str) {
        println!(
            "- Exactly once{scope}: {} distinct MessageSids acknowledged; sms_inbound holds {} rows, \
             {} distinct MessageSids; {} acknowledged MessageSids missing.",
            self.distinct_acked, self.rows, self.distinct_rows, self.lost
        );
        let verdict = if self.lost == 0 && self.rows == self.distinct_rows && self.rows as usize == self.distinct_acked
        {
            "**none lost, none doubled**"
        } else {
            "**MISMATCH**"
        };
        println!("- Check: {verdict}.");
    }
}
