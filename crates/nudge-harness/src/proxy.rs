//! A TCP proxy to the machine's PostgreSQL that a test or a benchmark can
//! cut and restore: a database outage for the services behind it, without
//! stopping the shared server the other tests use.
//!
//! Cut: every connection through it is closed and new ones are closed as soon
//! as they are accepted (the client sees its connection fail at once, as
//! when the server is stopped). Restore: new connections pass again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct CuttableProxy {
    /// The port on 127.0.0.1 to give the services instead of PostgreSQL's.
    pub port: u16,
    cut: Arc<AtomicBool>,
    /// Cancelled at a cut, closing every connection opened before it.
    connections: Arc<Mutex<CancellationToken>>,
    stop: CancellationToken,
}

impl CuttableProxy {
    /// A proxy to `upstream` (`host:port`) on a free port of 127.0.0.1.
    pub async fn start(upstream: String) -> anyhow::Result<CuttableProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let cut = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Mutex::new(CancellationToken::new()));
        let stop = CancellationToken::new();
        let (cut_flag, tokens, stopped) = (cut.clone(), connections.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                let client = tokio::select! {
                    () = stopped.cancelled() => return,
                    accepted = listener.accept() => match accepted {
                        Ok((client, _)) => client,
                        Err(_) => continue,
                    },
                };
                if cut_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let token = tokens.lock().unwrap_or_else(PoisonError::into_inner).clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let mut client = client;
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    tokio::select! {
                        () = token.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    }
                });
            }
        });
        Ok(CuttableProxy {
            port,
            cut,
            connections,
            stop,
        })
    }

    /// A proxy to the PostgreSQL of `nudge_testkit::postgres_admin_url`.
    pub async fn to_test_postgres() -> anyhow::Result<CuttableProxy> {
        CuttableProxy::start(postgres_address(&nudge_testkit::postgres_admin_url())).await
    }

    /// The database goes away: open connections are closed, new ones refused.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        let mut token = self.connections.lock().unwrap_or_else(PoisonError::into_inner);
        token.cancel();
        *token = CancellationToken::new();
    }

    /// The database is back.
    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }

    /// `url` (`postgres://user@host:port/db`) reached through this proxy.
    pub fn database_url(&self, url: &str) -> String {
        through_port(url, self.port)
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.stop.cancel();
        self.connections.lock().unwrap_or_else(PoisonError::into_inner).cancel();
    }
}

/// `host:port` of a `postgres://` URL (port 5432 when it names none).
fn postgres_address(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let address = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if address.contains(':') {
        address.to_owned()
    } else {
        format!("{address}:5432")
    }
}

/// `url` with `127.0.0.1:port` as its address.
pub fn through_port(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@"));
    format!("{scheme}://{}127.0.0.1:{port}/{path}", user.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            postgres_address("postgres://postgres@127.0.0.1:5432/test"),
            "127.0.0.1:5432"
        );
        assert_eq!(postgres_address("postgres://u:p@db/test"), "db:5432");
        assert_eq!(
            through_port("postgres://u:p@db:5433/nudge_test_1", 4000),
            "postgres://u:p@127.0.0.1:4000/nudge_test_1"
        );
        assert_eq!(
            through_port("postgres://127.0.0.1:5432/x", 4000),
            "postgres://127.0.0.1:4000/x"
        );
    }
}
