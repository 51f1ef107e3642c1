//! The person's sessions (list, revoke one) and their security events.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::account::{audit, revoke};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, query};
use crate::pagination::{Page, PageQuery, page_of_rows, rows_to_read};
use crate::state::State;
use crate::store;

type Data = web::Data<State>;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SessionView {
    id: String,
    current: bool,
    user_agent: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    last_used_at: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(get, path = "/v1/sessions", tag = "sessions", security(("bearer" = [])), params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")), responses((status = 200, body = Page<SessionView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_sessions(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let page: PageQuery = query(&req)?;
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let sessions = store::list_sessions(
        &mut conn,
        &person.user_id,
        nudge_store::now(),
        page.cursor()?,
        rows_to_read(limit),
    )
    .await?;
    let (sessions, next_cursor) = page_of_rows(sessions, limit, |s| &s.id);
    let items = sessions
        .into_iter()
        .map(|s| SessionView {
            current: s.id == person.session_id,
            id: s.id,
            user_agent: s.user_agent,
            created_at: s.created_at.and_utc(),
            last_used_at: s.last_used_at.and_utc(),
            expires_at: s.expires_at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(delete, path = "/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204, description = "revoked"), (status = 404, description = "not one of the caller's live sessions", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn revoke_session(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let mut conn = state.db.conn().await?;
    let session = store::session(&mut conn, &id).await?;
    drop(conn);
    // Another person's session is not found, exactly like a missing one.
    match session {
        Some(session) if session.user_id == person.user_id && session.revoked_at.is_none() => {
            revoke(&state, std::slice::from_ref(&session.id), "revoked").await?;
            audit(&state, Some(&person.user_id), "session_revoked", Some(&session.id)).await?;
            Ok(HttpResponse::NoContent().finish())
        }
        _ => Err(ApiError::not_found("session")),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AuditView {
    id: String,
    kind: String,
    detail: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The person's own security events, newest first.
#[utoipa::path(get, path = "/v1/me/security-events", tag = "me", security(("bearer" = [])), params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")), responses((status = 200, body = Page<AuditView>), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_audit_events(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let page: PageQuery = query(&req)?;
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let events = store::audit_events(&mut conn, &person.user_id, page.cursor()?, rows_to_read(limit)).await?;
    let (events, next_cursor) = page_of_rows(events, limit, |e| &e.id);
    let items = events
        .into_iter()
        .map(|e| AuditView {
            id: e.id,
            kind: e.kind,
            detail: e.detail,
            created_at: e.created_at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}
