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
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{DeliveryOutcome, FakeTwilioConfig};
pub use signature::{sha256_hex, sign_json, signature};
pub use state::{FakeMessage, FakeNumber};

use state::AppState;

/// A running fake Twilio server.
pub struct FakeTwilio {
    state: Arc<AppState>,
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    server: JoinHandle<io::Result<()>>,
}

impl FakeTwilio {
    /// Binds `addr` (use `127.0.0.1:0` in tests) and serves in the background.
    pub async fn start(config: FakeTwilioConfig, addr: SocketAddr) -> io::Result<FakeTwilio> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, Arc::clone(&state), async {
            // A dropped sender also means stop.
            let _ = stopped.await;
        }));
        Ok(FakeTwilio {
            state,
            addr,
            stop,
            server,
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
        self.state.lock().injected = Some(state::InjectedFailure {
            remaining: count,
            http_status,
            twilio_code,
        });
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
        // The server may already be gone; either way we wait for it below.
        let _ = self.stop.send(());
        if let Ok(Err(error)) = self.server.await {
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
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "fake Twilio listening");
    let state = AppState::new(config);
    let result = serve(listener, Arc::clone(&state), shutdown).await;
    state.abort_lifecycles();
    result
}

async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // Answers at once, as Twilio's edge does: no Nagle wait for a delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, routes::router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
