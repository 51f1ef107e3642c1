//! A small fake of Twilio's REST API (version 2010-04-01) for tests and dev mode.
//!
//! It speaks the same wire format as `https://api.twilio.com`: form-encoded requests,
//! HTTP Basic auth (`AccountSid:AuthToken`), JSON resources and Twilio's JSON error
//! body (`code`, `message`, `more_info`, `status`). Shapes follow Twilio's OpenAPI
//! spec (`twilio/twilio-oai`, `spec/json/twilio_api_v2010.json`).
//!
//! Supported: Messages (create, fetch, list with the `To`, `From` and `DateSent`
//! filters), AvailablePhoneNumbers `Local` search, IncomingPhoneNumbers (buy, fetch,
//! update, release, list with the `PhoneNumber` and `FriendlyName` filters), signed
//! status callbacks (`sent` then `delivered`, or `undelivered`/`failed`), and fault
//! injection (failed or slow answers).

mod callbacks;
mod config;
mod error;
mod messages;
mod numbers;
mod resource;
mod routes;
mod segments;
mod signature;
mod state;

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

pub use config::{DeliveryOutcome, FakeTwilioConfig};
pub use signature::{sha256_hex, sign_json, signature};
pub use state::{FakeMessage, FakeNumber};

use state::AppState;

/// A running fake Twilio server.
pub struct FakeTwilio {
    state: Arc<AppState>,
    addr: SocketAddr,
    server: ServerHandle,
    task: JoinHandle<io::Result<()>>,
}

impl FakeTwilio {
    /// Binds `addr` (use `127.0.0.1:0` in tests) and serves in the background.
    pub async fn start(config: FakeTwilioConfig, addr: SocketAddr) -> io::Result<FakeTwilio> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config);
        let server = serve(listener, Arc::clone(&state))?;
        Ok(FakeTwilio {
            state,
            addr,
            server: server.handle(),
            task: tokio::spawn(server),
        })
    }

    /// Base URL to use instead of `https://api.twilio.com`, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every message accepted so far, oldest first, with its current status.
    pub fn messages(&self) -> Vec<FakeMessage> {
        self.state.lock().messages.clone()
    }

    /// Waits until at least `n` messages were accepted, or `timeout` passed;
    /// returns all messages either way.
    pub async fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<FakeMessage> {
        let mut accepted = self.state.subscribe_accepted();
        // On timeout we return what there is; the caller asserts on it.
        let _ = tokio::time::timeout(timeout, accepted.wait_for(|count| *count >= n)).await;
        self.messages()
    }

    /// IncomingPhoneNumbers the account currently owns.
    pub fn numbers(&self) -> Vec<FakeNumber> {
        self.state.lock().numbers.clone()
    }

    /// The next `count` message creates fail with this HTTP status and Twilio error
    /// code (e.g. 429/20429 or 500/20500), before any validation.
    pub fn fail_next(&self, count: usize, http_status: u16, twilio_code: u32) {
        self.fail_next_with_retry_after(count, http_status, twilio_code, None);
    }

    /// As [`FakeTwilio::fail_next`], each answer also carrying `Retry-After`
    /// (whole seconds) when given, as Twilio does when it throttles an
    /// account (429 with error 20429, "Too Many Requests") or is unavailable
    /// (503/20503).
    pub fn fail_next_with_retry_after(
        &self,
        count: usize,
        http_status: u16,
        twilio_code: u32,
        retry_after: Option<Duration>,
    ) {
        let mut inner = self.state.lock();
        inner.injected = Some(state::InjectedFailure {
            remaining: count,
            http_status,
            twilio_code,
            retry_after,
        });
        inner.failures_answered = 0;
    }

    /// Message creates answered with an injected failure since the last
    /// `fail_next` (none of them stored).
    pub fn failures_answered(&self) -> usize {
        self.state.lock().failures_answered
    }

    /// The next `count` message creates are accepted (stored, delivered, called
    /// back) but answered only after `delay`, as when the network or Twilio is
    /// slow: a client that times out cannot tell whether the message went out.
    pub fn delay_next_responses(&self, count: usize, delay: Duration) {
        self.state.lock().slow_responses = Some((count, delay));
    }

    /// Later sends to `to` fail with 400/21610, as after the recipient replied STOP.
    pub fn mark_unsubscribed(&self, to: &str) {
        self.state.lock().unsubscribed.insert(to.to_owned());
    }

    /// Outcome of messages accepted from now on.
    pub fn set_delivery_outcome(&self, outcome: DeliveryOutcome) {
        self.state.lock().delivery = outcome;
    }

    /// Stops accepting requests, waits for in-flight ones, and cancels pending
    /// status changes and callbacks.
    pub async fn shutdown(self) {
        self.server.stop(true).await;
        if let Ok(Err(error)) = self.task.await {
            tracing::warn!(%error, "fake Twilio server ended with an error");
        }
        self.state.abort_lifecycles();
    }
}

/// Serves the fake on `addr` until `shutdown` completes (for `nudge fake-twilio --port N`).
pub async fn serve_until(
    config: FakeTwilioConfig,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    tracing::info!(addr = %listener.local_addr()?, "fake Twilio listening");
    let state = AppState::new(config);
    let server = serve(listener, Arc::clone(&state))?;
    let handle = server.handle();
    let stopper = tokio::spawn(async move {
        shutdown.await;
        handle.stop(true).await;
    });
    let result = server.await;
    stopper.abort();
    state.abort_lifecycles();
    result
}

/// The server, not started yet: one worker (its own thread and runtime) is
/// plenty for a fake, and it runs beside whatever runtime started it.
fn serve(listener: TcpListener, state: Arc<AppState>) -> io::Result<Server> {
    let max_request_bytes = state.max_request_bytes;
    let state = web::Data::from(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::FormConfig::default().limit(max_request_bytes))
            .app_data(web::PayloadConfig::new(max_request_bytes))
            .wrap(from_fn(routes::authenticate))
            .configure(routes::configure)
    })
    .workers(1)
    // Answers at once, as Twilio's edge does: no Nagle wait for a delayed ACK.
    .tcp_nodelay(true)
    .disable_signals()
    .listen(listener)?
    .run())
}
