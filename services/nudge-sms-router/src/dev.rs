//! `GET /dev/outbox`: the SMS Nudge sent, oldest first (embedded mode only),
//! to a client on the same machine only: the codes it shows are secrets.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::error::RouterError;
use crate::outbound::store;
use crate::state::OUTBOUND_BODY;
use crate::webhook::WebState;

pub(crate) const OUTBOX_PATH: &str = "/dev/outbox";

#[derive(Deserialize)]
pub(crate) struct OutboxQuery {
    /// The most recent messages to return (default 100, at most 1000).
    limit: Option<i64>,
}

/// Whether the request comes from this machine (a loopback address). A
/// proxy's forwarding headers are not read: the outbox is never proxied.
fn from_this_machine(req: &HttpRequest) -> bool {
    req.peer_addr().is_some_and(|peer| match peer.ip() {
        std::net::IpAddr::V6(ip) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        ip => ip.is_loopback(),
    })
}

pub(crate) async fn outbox(
    req: HttpRequest,
    query: web::Query<OutboxQuery>,
    state: web::Data<WebState>,
) -> HttpResponse {
    if !from_this_machine(&req) {
        // As if there were no such page.
        return HttpResponse::NotFound().finish();
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let core = state.core.clone();
    let rows = nudge_runtime::http::on_main(&state.runtime, async move {
        let mut conn = core.db.conn().await?;
        let rows = store::recent_outbound(&mut conn, limit).await?;
        let mut readers = std::collections::HashMap::new();
        for row in &rows {
            if !readers.contains_key(&row.user_id) {
                let reader = core.keys.for_reading(&mut conn, &row.user_id).await?;
                readers.insert(row.user_id.clone(), reader);
            }
        }
        let messages: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|row| {
                let reader = &readers[&row.user_id];
                let body = reader.decrypt_to_string(&row.body, OUTBOUND_BODY).unwrap_or_default();
                let to = row.to(reader).unwrap_or_default();
                serde_json::json!({
                    "id": row.id,
                    "user_id": row.user_id,
                    "kind": row.kind,
                    "from": row.from_number,
                    "to": to,
                    "body": body,
                    "segments": row.segments,
                    "status": row.status,
                    "provider_sid": row.provider_sid,
                    "time": row.created_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                })
            })
            .collect();
        Ok::<_, RouterError>(messages)
    })
    .await;
    match rows {
        Ok(Ok(messages)) => HttpResponse::Ok().json(messages),
        Ok(Err(error)) => {
            tracing::error!(%error, "cannot read the outbox");
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, finding 11: the outbox answers only on loopback.
    #[test]
    fn outbox_answers_only_on_loopback() {
        let from = |peer: Option<&str>| {
            let mut req = actix_web::test::TestRequest::get().uri(OUTBOX_PATH);
            if let Some(peer) = peer {
                req = req.peer_addr(peer.parse().expect("address"));
            }
            from_this_machine(&req.to_http_request())
        };
        assert!(from(Some("127.0.0.1:5000")));
        assert!(from(Some("127.8.9.10:5000")));
        assert!(from(Some("[::1]:5000")));
        assert!(from(Some("[::ffff:127.0.0.1]:5000")));
        assert!(!from(Some("192.0.2.2:5000")));
        assert!(!from(Some("10.0.0.7:5000")));
        assert!(!from(Some("[fd00::2]:5000")));
        assert!(!from(Some("[::ffff:192.0.2.2]:5000")));
        assert!(!from(None), "no peer address: refused");
    }
}
