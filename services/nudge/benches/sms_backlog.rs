//! 500,000 inbound messages waiting for an absent agent, distributed mode:
//! `cargo bench -p nudge --bench sms_backlog`.
//!
//! The messages are written straight into PostgreSQL (as the webhook would
//! store them: encrypted with each person's key), spread over 2,000 people
//! the way a backlog is (a few people with thousands, most with a handful),
//! then the table is vacuumed and analysed. One `nudge serve sms-router`
//! (release binary, console transport) starts with the agent's address
//! pointing at a port nothing listens on. With no traffic, for `wait`
//! seconds, the benchmark measures the CPU time of every PostgreSQL backend
//! connected to the benchmark's database and of the parallel workers they
//! start (`/proc/<pid>/stat`, sampled every 50 ms), the rows of
//! `sms_inbound` PostgreSQL read (statistics views) and sms-router's own CPU.
//! Then it starts `nudge serve agent` on that port (local engine) and
//! measures, for `drain` seconds, how many messages are handed over per
//! second, and checks each person's messages went in the order received.
//!
//! Options after `--`: `messages=N` (500000), `people=P` (2000), `wait=S`
//! (30), `drain=S` (60; 0 skips the drain), `binary=PATH` (another `nudge`
//! binary, e.g. one built from an older tree). Results are Markdown on
//! standard output; see `docs/benchmarks.md`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use chrono::TimeDelta;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use nudge_harness::bench::options::Options;
use nudge_harness::bench::sms::connect_database;
use nudge_harness::bench::{
    Running, distributed_environment, free_port, load_average, migrate, nudge_binary, nudge_command, print_machine,
    process_cpu, runtime, scratch_dir,
};
use nudge_store::diesel_async::RunQueryDsl;
use nudge_store::schema::{agent_people, sms_inbound, sms_numbers};
use nudge_store::{Db, DbConn, PersonKeyTable, PersonKeys, with_conn};

/// What sms-router encrypts an inbound body with (its associated data).
const INBOUND_BODY: &[u8] = b"sms.inbound.body";

/// One multi-row insert (PostgreSQL only: the benchmark runs in distributed mode).
macro_rules! insert_rows {
    ($conn:expr, $rows:expr) => {{
        let DbConn::Postgres(c) = &mut $conn else {
            bail!("the backlog benchmark runs on PostgreSQL");
        };
        diesel::insert_into(sms_inbound::table)
            .values($rows)
            .execute(&mut **c)
            .await?;
    }};
}

struct Config {
    messages: usize,
    people: usize,
    wait: u64,
    drain: u64,
    binary: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let options = Options::from_arguments(&["messages", "people", "wait", "drain", "binary"])?;
    let config = Config {
        messages: options.get("messages", 500_000)?,
        people: options.get("people", 2_000)?,
        wait: options.get("wait", 30)?,
        drain: options.get("drain", 60)?,
        binary: options.text("binary").map(PathBuf::from),
    };
    ensure!(
        config.people >= 1 && config.messages >= config.people && config.wait >= 1,
        "messages >= people >= 1 and wait >= 1"
    );
    let runtime = runtime()?;
    println!("# sms-router: inbound backlog waiting for the agent (distributed mode)\n");
    print_machine();
    runtime.block_on(run(&config))?;
    println!("\nLoad average at the end: {}", load_average());
    Ok(())
}

/// How many messages each person has: person `i` weighs `1 / (i + 1)`
/// (a few people with thousands, most with a handful), at least one each.
fn distribution(messages: usize, people: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..people).map(|i| 1.0 / (i as f64 + 1.0)).collect();
    let total: f64 = weights.iter().sum();
    let spare = messages - people;
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| 1 + (w / total * spare as f64).floor() as usize)
        .collect();
    let missing = messages - counts.iter().sum::<usize>();
    counts[0] += missing;
    counts
}

async fn run(config: &Config) -> anyhow::Result<()> {
    let binary = match &config.binary {
        Some(path) => path.clone(),
        None => nudge_binary(env!("CARGO_BIN_EXE_nudge"), "sms_backlog")?,
    };
    let dir = scratch_dir()?;
    let database = nudge_testkit::TestDatabase::postgres().await;
    let prefix = nudge_testkit::unique_name("nudge-bench-");
    let key = nudge_secure::KeyRing::generate_key();
    let (http, grpc, agent_port, workers_port) = (free_port()?, free_port()?, free_port()?, free_port()?);
    let environment: HashMap<String, String> = distributed_environment(database.url.clone(), &prefix, &key)
        .into_iter()
        .chain([
            ("NUDGE__TWILIO__AUTH_TOKEN", "bench-backlog-token".to_owned()),
            ("NUDGE__SMS__TRANSPORT", "console".to_owned()),
            ("NUDGE__SMS__CONSOLE_ECHO", "false".to_owned()),
            ("NUDGE__DEMO__ENABLED", "false".to_owned()),
            ("NUDGE__SERVICES__SHUTDOWN_GRACE_SECONDS", "10".to_owned()),
            ("NUDGE__TELEMETRY__FILTER", "info".to_owned()),
            ("NUDGE__SERVICES__SMS_ROUTER__PORT", http.to_string()),
            ("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", grpc.to_string()),
            ("NUDGE__SERVICES__SMS_ROUTER__URL", format!("http://127.0.0.1:{grpc}")),
            ("NUDGE__SERVICES__AGENT__PORT", agent_port.to_string()),
            ("NUDGE__SERVICES__AGENT__URL", format!("http://127.0.0.1:{agent_port}")),
            (
                "NUDGE__SERVICES__WORKERS__URL",
                format!("http://127.0.0.1:{workers_port}"),
            ),
        ])
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    migrate(&binary, &environment, dir.path(), Duration::from_secs(120)).await?;

    let db = connect_database(&database.url)?;
    let counts = distribution(config.messages, config.people);
    let started = Instant::now();
    let people = store_backlog(&db, key.expose_secret(), &counts).await?;
    let mut conn = db.conn().await?;
    with_conn!(&mut conn, c => diesel::sql_query("VACUUM ANALYZE sms_inbound").execute(c).await)?;
    println!(
        "- Backlog: {} messages of {} people (largest {}, median {}, smallest {}), written and analysed in {:.1} s",
        config.messages,
        config.people,
        counts[0],
        counts[counts.len() / 2],
        counts[counts.len() - 1],
        started.elapsed().as_secs_f64()
    );
    println!("- Binary: `{}`\n", binary.display());

    let mut router = Running::spawn(
        "sms-router",
        nudge_command(&binary, &["serve", "sms-router"], &environment),
        dir.path().join("sms-router.log"),
    )?;
    router.wait_ready(http).await?;
    // Its first rounds find the backlog and the absent agent.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let rows_before = rows_read(&db).await?;
    let (router_before, waited) = (router.cpu(), Instant::now());
    let database_name = database.postgres_name().context("a PostgreSQL database")?.to_owned();
    let cpu = postgres_cpu_during(&database_name, tokio::time::sleep(Duration::from_secs(config.wait))).await;
    let seconds = waited.elapsed().as_secs_f64();
    router.ensure_alive()?;
    // Statistics reach the views within a second or so.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows = rows_read(&db).await? - rows_before;
    let router_cpu = router.cpu().saturating_sub(router_before);
    let pending = pending(&db).await?;
    println!("## Waiting, agent absent, no traffic ({seconds:.1} s)\n");
    println!("| Measure | Value |\n|---|---:|");
    println!(
        "| **PostgreSQL CPU (backends of this database and their parallel workers)** | **{:.2} s = {:.1} % of a core** |",
        cpu.as_secs_f64(),
        100.0 * cpu.as_secs_f64() / seconds
    );
    println!("| Rows of sms_inbound read | {rows} ({:.0}/s) |", rows as f64 / seconds);
    println!(
        "| sms-router CPU | {:.2} s = {:.1} % of a core |",
        router_cpu.as_secs_f64(),
        100.0 * router_cpu.as_secs_f64() / seconds
    );
    println!("| Messages still waiting | {pending} |");
    println!();

    if config.drain > 0 {
        drain(config, &binary, &environment, dir.path(), &db, &people, agent_port).await?;
    }
    router.stop().await?;
    let queue = nudge_queue::Queue::connect(&nudge_config::QueueSettings {
        url: nudge_testkit::rabbitmq_url(),
        prefix,
        ..Default::default()
    })
    .await?;
    queue.delete("sms.outbound").await?;
    Ok(())
}

/// Starts the agent and measures the drain for `config.drain` seconds.
async fn drain(
    config: &Config,
    binary: &std::path::Path,
    environment: &HashMap<String, String>,
    dir: &std::path::Path,
    db: &Db,
    people: &[String],
    agent_port: u16,
) -> anyhow::Result<()> {
    let before = pending(db).await?;
    let mut agent = Running::spawn(
        "agent",
        nudge_command(binary, &["serve", "agent"], environment),
        dir.join("agent.log"),
    )?;
    let started = Instant::now();
    agent.wait_ready(agent_port).await?;
    let ready_after = started.elapsed();
    let mut first = None;
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(config.drain) + ready_after + Duration::from_secs(10);
    while Instant::now() < deadline {
        let left = pending(db).await?;
        if left < before && first.is_none() {
            first = Some((Instant::now(), left));
        }
        if let Some((at, _)) = first {
            samples.push((at.elapsed(), left));
            if at.elapsed() >= Duration::from_secs(config.drain) || left == 0 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    agent.ensure_alive()?;
    let Some((first_at, first_left)) = first else {
        bail!("nothing was handed over within {:?} of the agent's start", config.drain);
    };
    let (span, last_left) = samples.last().copied().unwrap_or_default();
    let handed = first_left - last_left;
    let out_of_order = out_of_order(db).await?;
    let set_aside = failed(db).await?;
    println!(
        "## Drain, once the agent is back ({:.1} s measured)\n",
        span.as_secs_f64()
    );
    println!("| Measure | Value |\n|---|---:|");
    println!("| Agent ready after | {:.2} s |", ready_after.as_secs_f64());
    println!(
        "| First message handed over after the agent's start | {:.2} s |",
        first_at.duration_since(started).as_secs_f64()
    );
    println!(
        "| **Handed over** | **{handed} in {:.1} s = {:.0} messages/s** |",
        span.as_secs_f64(),
        handed as f64 / span.as_secs_f64().max(0.001)
    );
    println!("| Still waiting at the end | {last_left} |");
    println!("| People with a message handed over before an older one of theirs | {out_of_order} |");
    println!("| Messages set aside | {set_aside} |");
    println!("| People | {} |", people.len());
    agent.stop().await?;
    ensure!(
        out_of_order == 0,
        "{out_of_order} people had their messages out of order"
    );
    Ok(())
}

/// Writes the backlog: each person's key, number and agent profile, then
/// their messages, received 50 ms apart from six hours ago.
async fn store_backlog(db: &Db, key: &str, counts: &[usize]) -> anyhow::Result<Vec<String>> {
    let ring = nudge_secure::KeyRing::new("k1", [("k1".to_owned(), key.to_owned().into())])?;
    let keys = PersonKeys::new(ring, PersonKeyTable::Sms);
    let mut conn = db.conn().await?;
    let now = nudge_store::now();
    let first = now - TimeDelta::hours(6);
    let mut people = Vec::with_capacity(counts.len());
    let mut rows = Vec::new();
    for (person, count) in counts.iter().enumerate() {
        let user_id = uuid::Uuid::now_v7().to_string();
        let cipher = keys.for_writing(&mut conn, &user_id).await?;
        let (phone, number) = (format!("+1514{person:07}"), format!("+1438{person:07}"));
        let (phone_index, phone_sealed) =
            nudge_sms_router::sealing::number_phone(keys.ring(), &cipher, &user_id, &phone);
        with_conn!(&mut conn, c => {
            diesel::insert_into(sms_numbers::table)
                .values((
                    sms_numbers::id.eq(uuid::Uuid::now_v7().to_string()),
                    sms_numbers::user_id.eq(&user_id),
                    sms_numbers::nudge_number.eq(&number),
                    sms_numbers::phone_index.eq(&phone_index),
                    sms_numbers::phone_sealed.eq(&phone_sealed),
                    sms_numbers::created_at.eq(now),
                    sms_numbers::updated_at.eq(now),
                ))
                .execute(c)
                .await?;
            diesel::insert_into(agent_people::table)
                .values((
                    agent_people::user_id.eq(&user_id),
                    agent_people::timezone.eq("America/Montreal"),
                    agent_people::language.eq("en"),
                    agent_people::updated_at.eq(now),
                ))
                .execute(c)
                .await
        })?;
        for index in 0..*count {
            let received_at = first + TimeDelta::milliseconds(50 * i64::try_from(index)?);
            rows.push((
                sms_inbound::id.eq(uuid::Uuid::now_v7().to_string()),
                sms_inbound::message_sid.eq(format!("SM{}", uuid::Uuid::new_v4().simple())),
                sms_inbound::user_id.eq(user_id.clone()),
                sms_inbound::status.eq("pending"),
                sms_inbound::body.eq(cipher.encrypt_str(&format!("thanks {index}"), INBOUND_BODY)),
                sms_inbound::num_segments.eq(1),
                sms_inbound::received_at.eq(received_at),
                sms_inbound::attempts.eq(0),
                sms_inbound::next_attempt_at.eq(received_at),
            ));
            if rows.len() == 1_000 {
                insert_rows!(conn, &rows);
                rows.clear();
            }
        }
        people.push(user_id);
    }
    if !rows.is_empty() {
        insert_rows!(conn, &rows);
    }
    Ok(people)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(db: &Db, query: &str) -> anyhow::Result<i64> {
    let mut conn = db.conn().await?;
    let row: Count = with_conn!(&mut conn, c => diesel::sql_query(query).get_result(c).await)?;
    Ok(row.n)
}

async fn pending(db: &Db) -> anyhow::Result<i64> {
    count(db, "SELECT COUNT(*) AS n FROM sms_inbound WHERE status = 'pending'").await
}

async fn failed(db: &Db) -> anyhow::Result<i64> {
    count(db, "SELECT COUNT(*) AS n FROM sms_inbound WHERE status = 'failed'").await
}

/// People with a waiting message older than one of theirs handed over.
async fn out_of_order(db: &Db) -> anyhow::Result<i64> {
    count(
        db,
        "SELECT COUNT(DISTINCT d.user_id) AS n FROM sms_inbound d JOIN sms_inbound p \
         ON p.user_id = d.user_id AND p.status = 'pending' AND p.received_at < d.received_at \
         WHERE d.status = 'dispatched'",
    )
    .await
}

/// Rows of `sms_inbound` read so far, by sequential scans and through indexes.
async fn rows_read(db: &Db) -> anyhow::Result<i64> {
    count(
        db,
        "SELECT (COALESCE(t.seq_tup_read, 0) + COALESCE((SELECT SUM(i.idx_tup_read) \
         FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0))::BIGINT AS n \
         FROM pg_stat_user_tables t WHERE t.relname = 'sms_inbound'",
    )
    .await
}

/// CPU time of the PostgreSQL processes working for this database while
/// `work` runs: its backends (their command line names the database) and
/// the parallel workers they start (named after their leader's pid), found
/// by looking at `/proc` every 50 ms (a worker that lives less than that may
/// be missed, so the figure is a floor).
async fn postgres_cpu_during(database: &str, work: impl std::future::Future<Output = ()>) -> Duration {
    let mut first: HashMap<i32, Duration> = HashMap::new();
    let mut last: HashMap<i32, Duration> = HashMap::new();
    let mut started = true;
    tokio::pin!(work);
    loop {
        let ours = postgres_processes(database);
        for (pid, cpu) in ours {
            // Processes already running at the start count from there; later ones from zero.
            first.entry(pid).or_insert(if started { cpu } else { Duration::ZERO });
            last.insert(pid, cpu);
        }
        started = false;
        tokio::select! {
            () = &mut work => break,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    last.iter()
        .map(|(pid, cpu)| cpu.saturating_sub(first.get(pid).copied().unwrap_or_default()))
        .sum()
}

/// (pid, CPU so far) of the PostgreSQL processes of `database`.
fn postgres_processes(database: &str) -> Vec<(i32, Duration)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut backends = Vec::new();
    let mut workers = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read_to_string(entry.path().join("cmdline")) else {
            continue;
        };
        if !cmdline.starts_with("postgres: ") {
            continue;
        }
        let words: Vec<&str> = cmdline.split_whitespace().collect();
        if words.contains(&database) {
            backends.push(pid);
        } else if let Some(leader) = cmdline.split("parallel worker for PID ").nth(1) {
            workers.push((
                pid,
                leader.trim_matches(char::from(0)).trim().parse::<i32>().unwrap_or(0),
            ));
        }
    }
    let ours: Vec<i32> = workers
        .into_iter()
        .filter(|(_, leader)| backends.contains(leader))
        .map(|(pid, _)| pid)
        .chain(backends.iter().copied())
        .collect();
    ours.into_iter()
        .map(|pid| (pid, process_cpu(pid.unsigned_abs())))
        .collect()
}
