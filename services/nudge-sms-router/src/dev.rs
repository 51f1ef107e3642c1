//! `GET /dev/outbox`: the SMS Nudge sent, oldest first (embedded mode only).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::webhook::WebState;
use crate::{OUTBOUND_BODY, store};

pub(crate) const OUTBOX_PATH: &str = "/dev/outbox";

#[derive(Deserialize)]
pub(crate) struct OutboxQuery {
    /// The most recent messages to return (default 100, at most 1000).
    limit: Option<i64>,
}

pub(crate) async fn outbox(query: web::Query<OutboxQuery>, state: web::Data<WebState>) -> HttpResponse {
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
                let body = readers[&row.user_id]
                    .decrypt_to_string(&row.body, OUTBOUND_BODY)
                    .unwrap_or_default();
                serde_json::json!({
                    "id": row.id,
                    "user_id": row.user_id,
                    "kind": row.kind,
                    "from": row.from_number,
                    "to": row.to_number,
                    "body": body,
                    "segments": row.segments,
                    "status": row.status,
                    "provider_sid": row.provider_sid,
                    "time": row.created_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                })
            })
            .collect();
        Ok::<_, nudge_store::StoreError>(messages)
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
