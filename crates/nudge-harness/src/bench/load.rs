//! The open-loop load generator of the HTTP benchmarks and the figures they
//! report from it. Open loop: request `i` is due at `start + i / rate`,
//! whatever happened to the earlier ones, so a slow answer cannot slow the
//! load down (no coordinated omission).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::print_latency_row;

/// The load generators' HTTP client: enough idle connections that an open
/// loop at a thousand requests a second does not wait for one.
pub fn load_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(1024)
        .build()?)
}

/// What happened to one request.
pub struct Outcome {
    /// When it was due, when it left, when its answer came.
    pub due: Instant,
    pub left: Instant,
    pub answered: Instant,
    /// Its HTTP status; 0: no answer.
    pub status: u16,
    /// What the caller tagged the request with (a MessageSid's index, say).
    pub tag: usize,
}

/// Sends `requests` open loop at `rate` per second, each by the future
/// `send` makes of it (which answers the HTTP status, 0 for none), tagged
/// with the number `send` gives; returns every outcome and how many were
/// not sent because more than `max_in_flight` were waiting.
pub async fn open_loop<R, F, Fut>(
    requests: Vec<R>,
    rate: u32,
    max_in_flight: usize,
    send: F,
) -> anyhow::Result<(Vec<Outcome>, usize)>
where
    F: Fn(R) -> (usize, Fut),
    Fut: Future<Output = u16> + Send + 'static,
{
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut skipped = 0;
    let period = Duration::from_secs(1) / rate;
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(requests.len());
    for (index, request) in requests.into_iter().enumerate() {
        let due = start + period * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        if in_flight.load(Ordering::Relaxed) >= max_in_flight {
            skipped += 1;
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (tag, answer) = send(request);
        let in_flight = in_flight.clone();
        tasks.push(tokio::spawn(async move {
            let left = Instant::now();
            let status = answer.await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            Outcome {
                due: due.into_std(),
                left,
                answered: Instant::now(),
                status,
                tag,
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    Ok((outcomes, skipped))
}

/// Whether a warm-up went well enough to measure after it: more than nine
/// answers in ten were 200.
pub fn warmed_up(warm: &[Outcome]) -> bool {
    warm.iter().filter(|o| o.status == 200).count() > warm.len() * 9 / 10
}

/// The figures of one measured open-loop run.
pub struct LoadFigures {
    pub sent: usize,
    pub skipped: usize,
    pub ok: usize,
    /// Answers other than 200, by status (0: no answer).
    pub errors: BTreeMap<u16, usize>,
    /// From the first request's due time to the last answer.
    pub span: Duration,
    pub from_due: Vec<Duration>,
    pub from_sent: Vec<Duration>,
    pub late_starts: Vec<Duration>,
}

impl LoadFigures {
    pub fn of(outcomes: &[Outcome], skipped: usize) -> anyhow::Result<LoadFigures> {
        let mut errors: BTreeMap<u16, usize> = BTreeMap::new();
        for outcome in outcomes.iter().filter(|o| o.status != 200) {
            *errors.entry(outcome.status).or_default() += 1;
        }
        let first_due = outcomes.iter().map(|o| o.due).min().context("no requests")?;
        let last_answer = outcomes.iter().map(|o| o.answered).max().context("no requests")?;
        let ok: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 200).collect();
        Ok(LoadFigures {
            sent: outcomes.len(),
            skipped,
            ok: ok.len(),
            errors,
            span: last_answer - first_due,
            from_due: ok.iter().map(|o| o.answered - o.due).collect(),
            from_sent: ok.iter().map(|o| o.answered - o.left).collect(),
            late_starts: outcomes
                .iter()
                .map(|o| o.left.saturating_duration_since(o.due))
                .collect(),
        })
    }

    /// The latency table (header included) with the rows named `names`:
    /// from the due time, from the moment it left, the generator's lateness.
    #[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
    pub fn print_latencies(&self, names: [&str; 3]) {
        println!("| Measure | Count | p50 | p90 | p99 | p99.9 | max | mean |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (name, values) in names
            .into_iter()
            .zip([&self.from_due, &self.from_sent, &self.late_starts])
        {
            print_latency_row(name, values);
        }
        println!();
    }

    /// The requests line (`errors_note` follows the errors) and the achieved rate line.
    #[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
    pub fn print_requests(&self, errors_note: &str, max_in_flight: usize) {
        println!(
            "- Requests: {} sent, {} answered 200, errors {:?}{errors_note}, {} not sent (more than {max_in_flight} waiting).",
            self.sent, self.ok, self.errors, self.skipped
        );
        println!(
            "- Achieved rate: {:.1} requests/s answered 200 ({} in {:.2} s, first due to last answer).",
            self.ok as f64 / self.span.as_secs_f64(),
            self.ok,
            self.span.as_secs_f64()
        );
    }
}

/// `- CPU of {name} during the measured run: …`, without its final full stop.
pub fn cpu_share(name: &str, cpu: Duration, measured: Duration) -> String {
    format!(
        "- CPU of {name} during the measured run: {:.1} s over {:.1} s ({:.0} % of one core)",
        cpu.as_secs_f64(),
        measured.as_secs_f64(),
        100.0 * cpu.as_secs_f64() / measured.as_secs_f64()
    )
}
