//! GDPR (issue 6, point 7): the person's export (articles 15 and 20), their
//! erasure (article 17), their consent records, and the AI transparency text.
//!
//! The api owns the account, sessions, codes, consents and the audit log; the
//! other services each serve `nudge.privacy.v1.PrivacyService` for their own
//! tables, and the api calls them with the user id of the access token.
//!
//! Erasure order, so that a failed erasure can simply be asked again (every
//! step is idempotent, and the account is deleted last, so the person can
//! still authenticate to retry): re-authentication; every session revoked
//! (on every replica at once, through the cache); sms-router (the number is
//! released first, so nothing more comes in or goes out), workers, agent;
//! the person's cache entries; the api's rows. The audit log keeps the
//! person's events (kind and time) under a pseudonym, `erased:` and a keyed
//! hash (HMAC-SHA256 under the api's code key) of the user id: no id, email
//! or phone in clear, and the erasure itself is recorded the same way.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_proto::privacy::{ErasePersonRequest, ExportPersonRequest};
use nudge_runtime::privacy::instant;
use nudge_store::schema::{
    api_accounts, api_audit_events, api_backup_codes, api_codes, api_consents, api_refresh_tokens, api_sessions, users,
};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::account::{account_of, audit, revoke};
use crate::cache_keys::{resets_prefix, signup_notice_key};
use crate::constraints::CONSENT_KINDS;
use crate::error::{ApiError, ApiResult};
use crate::http::{Anonymous, Authenticated, Body, Validate, query};
use crate::pagination::{Page, PageQuery, page_of_rows, rows_to_read};
use crate::second_factor::{Reauth, reauthenticate};
use crate::state::State;

type Data = web::Data<State>;

/// The version of the AI transparency text (and of the consent it supports).
pub(crate) const AI_TRANSPARENCY_VERSION: &str = "2026-11-24";
const AI_TRANSPARENCY_EN: &str = include_str!("../data/ai-transparency.en.md");
const AI_TRANSPARENCY_FR: &str = include_str!("../data/ai-transparency.fr.md");

/// The pseudonym that replaces an erased person's id in the audit log.
fn pseudonym(state: &State, user_id: &str) -> String {
    let hash = state.keys.code_hash(user_id, "erased-person");
    format!("erased:{}", &hash[..32])
}

/// Everything Nudge holds about the person, as one JSON document.
#[utoipa::path(get, path = "/v1/me/export", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, description = "one JSON document: generated_at, api (account, sessions, security events, consents), agent, workers, sms", body = Object),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody),
        (status = 429, description = "rate limited", body = crate::error::ErrorBody),
        (status = 503, description = "a service did not answer; try again", body = crate::error::ErrorBody)))]
pub(crate) async fn export(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    let mut conn = state.db.conn().await?;
    let api = export_api(&mut conn, &account).await?;
    drop(conn);
    let mut document = json!({
        "format": "nudge-export/1",
        "generated_at": chrono::Utc::now().to_rfc3339(),
        "user_id": account.id,
        "api": api,
    });
    for (service, mut client) in state.clients.privacy.all() {
        let answer = client
            .export_person(ExportPersonRequest {
                user_id: account.id.clone(),
            })
            .await?
            .into_inner();
        let part: Value = serde_json::from_str(&answer.json).map_err(|e| ApiError::internal(service, e))?;
        document[service] = part;
    }
    audit(&state, Some(&account.id), "data_exported", None).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", "attachment; filename=\"nudge-export.json\""))
        .insert_header(("Cache-Control", "no-store"))
        .json(document))
}

async fn export_api(conn: &mut DbConn, account: &crate::store::Account) -> ApiResult<Value> {
    let user_id = account.id.as_str();
    type SessionRow = (
        String,
        Option<String>,
        NaiveDateTime,
        NaiveDateTime,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let sessions: Vec<SessionRow> = with_conn!(conn, c => {
        api_sessions::table
            .filter(api_sessions::user_id.eq(user_id))
            .order(api_sessions::created_at)
            .select((
                api_sessions::id,
                api_sessions::user_agent,
                api_sessions::created_at,
                api_sessions::last_used_at,
                api_sessions::expires_at,
                api_sessions::revoked_at,
            ))
            .load(c)
            .await
    })?;
    let events: Vec<(String, Option<String>, NaiveDateTime)> = with_conn!(conn, c => {
        api_audit_events::table
            .filter(api_audit_events::user_id.eq(user_id))
            .order(api_audit_events::id)
            .select((api_audit_events::kind, api_audit_events::detail, api_audit_events::created_at))
            .load(c)
            .await
    })?;
    let consents = consent_rows(conn, user_id, None, i64::MAX).await?;
    Ok(json!({
        "account": {
            "id": account.id,
            "email": account.email,
            "role": account.role,
            "phone": account.phone,
            "phone_verified_at": account.phone_verified_at.map(instant),
            "timezone": account.timezone,
            "language": account.language,
            "mfa": account.totp_enabled_at.is_some(),
            "created_at": instant(account.created_at),
        },
        "sessions": sessions.into_iter().map(|(id, user_agent, created_at, last_used_at, expires_at, revoked_at)| json!({
            "id": id,
            "user_agent": user_agent,
            "created_at": instant(created_at),
            "last_used_at": instant(last_used_at),
            "expires_at": instant(expires_at),
            "revoked_at": revoked_at.map(instant),
        })).collect::<Vec<_>>(),
        "security_events": events.into_iter().map(|(kind, detail, created_at)| json!({
            "kind": kind, "detail": detail, "created_at": instant(created_at),
        })).collect::<Vec<_>>(),
        "consents": consents.into_iter().rev().map(ConsentView::from).collect::<Vec<_>>(),
    }))
}

/// Erases the person from every service; needs re-authentication.
#[utoipa::path(delete, path = "/v1/me", tag = "privacy", security(("bearer" = [])), request_body = Reauth,
    responses((status = 204, description = "erased: every service's data, the Nudge number released, every session revoked"),
        (status = 403, description = "re-authentication failed", body = crate::error::ErrorBody),
        (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody),
        (status = 429, description = "rate limited", body = crate::error::ErrorBody),
        (status = 503, description = "a service did not answer; nothing is lost by asking again", body = crate::error::ErrorBody)))]
pub(crate) async fn erase(state: Data, person: Authenticated, Body(body): Body<Reauth>) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    reauthenticate(&state, &account, body, "erasure").await?;
    let user_id = account.id.as_str();

    // Every session dies at once, on every replica.
    let mut conn = state.db.conn().await?;
    let sessions: Vec<String> = with_conn!(&mut conn, c => {
        api_sessions::table
            .filter(api_sessions::user_id.eq(user_id))
            .filter(api_sessions::revoked_at.is_null())
            .select(api_sessions::id)
            .load(c)
            .await
    })?;
    drop(conn);
    revoke(&state, &sessions, "erased").await?;

    let mut summary = Vec::new();
    let mut number_released = false;
    for (service, mut client) in state.clients.privacy.all() {
        let answer = client
            .erase_person(ErasePersonRequest {
                user_id: user_id.to_owned(),
            })
            .await?
            .into_inner();
        number_released |= answer.number_released;
        let rows: u64 = answer.tables.iter().map(|t| t.rows).sum();
        summary.push(format!("{service}:{rows}"));
    }

    // The person's cache entries: rate-limit windows, login failures, code counters.
    let cache = &state.cache;
    cache.delete_prefixed(&format!("api:rate:person:{user_id}:")).await?;
    cache.delete(&format!("api:login-failures:{user_id}")).await?;
    // The stamp of the remembered `GET /v1/me` answers (every session is
    // revoked already, so nothing creates it again), and this replica's answer.
    cache.delete(&crate::views::stamp_key(user_id)).await?;
    state.views.forget(user_id);
    for purpose in ["phone", "reset"] {
        cache
            .delete_prefixed(&format!("api:codes:{purpose}:{user_id}:"))
            .await?;
    }
    // The reset requests counted under the email's hash, and the sign-up notice.
    cache.delete_prefixed(&resets_prefix(&account.email)).await?;
    cache.delete(&signup_notice_key(user_id)).await?;

    let pseudonym = pseudonym(&state, user_id);
    let mut conn = state.db.conn().await?;
    let api_rows = erase_api(&state, &mut conn, user_id, &pseudonym).await?;
    summary.push(format!("api:{api_rows}"));
    summary.push(format!("number_released:{number_released}"));
    crate::store::audit(
        &mut conn,
        Some(&pseudonym),
        None,
        "person_erased",
        Some(&summary.join(" ")),
        nudge_store::now(),
    )
    .await?;
    drop(conn);
    // Last of the services to erase: its checkpoint also clears the WAL of
    // the others' deletes on a shared SQLite file.
    state.db.scrub_after_erasure(ERASED_TABLES).await;
    metrics::counter!("nudge_api_security_events_total", "kind" => "person_erased").increment(1);
    tracing::info!(user.id = %pseudonym, "person erased");
    Ok(HttpResponse::NoContent().finish())
}

/// The api's tables an erasure deletes from, scrubbed after it.
const ERASED_TABLES: &[&str] = &[
    "api_person_keys",
    "api_refresh_tokens",
    "api_sessions",
    "api_codes",
    "api_backup_codes",
    "api_consents",
    "api_audit_events",
    "users",
    "api_accounts",
];

/// Deletes the api's rows of the person (their key first: their TOTP
/// secret, wherever a copy lies, can no longer be opened; the account last)
/// and pseudonymises their audit events; returns the rows deleted.
async fn erase_api(state: &State, conn: &mut DbConn, user_id: &str, pseudonym: &str) -> ApiResult<usize> {
    let mut deleted = state.crypto.erase(conn, user_id).await?;
    let sessions: Vec<String> = with_conn!(conn, c => {
        api_sessions::table
            .filter(api_sessions::user_id.eq(user_id))
            .select(api_sessions::id)
            .load(c)
            .await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(api_refresh_tokens::table.filter(api_refresh_tokens::session_id.eq_any(&sessions)))
            .execute(c)
            .await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(api_sessions::table.filter(api_sessions::user_id.eq(user_id))).execute(c).await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(api_codes::table.filter(api_codes::user_id.eq(user_id))).execute(c).await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(api_backup_codes::table.filter(api_backup_codes::user_id.eq(user_id))).execute(c).await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(api_consents::table.filter(api_consents::user_id.eq(user_id))).execute(c).await
    })?;
    // The trail stays, under the pseudonym, without details (session and code ids).
    with_conn!(conn, c => {
        diesel::update(api_audit_events::table.filter(api_audit_events::user_id.eq(user_id)))
            .set((
                api_audit_events::user_id.eq(pseudonym),
                api_audit_events::detail.eq(None::<String>),
            ))
            .execute(c)
            .await
    })?;
    with_conn!(conn, c => {
        diesel::update(api_audit_events::table.filter(api_audit_events::actor_id.eq(user_id)))
            .set(api_audit_events::actor_id.eq(pseudonym))
            .execute(c)
            .await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(users::table.filter(users::id.eq(user_id))).execute(c).await
    })?;
    deleted += with_conn!(conn, c => {
        diesel::delete(api_accounts::table.filter(api_accounts::id.eq(user_id))).execute(c).await
    })?;
    Ok(deleted)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ConsentView {
    id: String,
    /// terms, privacy, ai_processing or sms.
    kind: String,
    granted: bool,
    version: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

type ConsentRow = (String, String, bool, String, NaiveDateTime);

impl From<ConsentRow> for ConsentView {
    fn from((id, kind, granted, version, created_at): ConsentRow) -> Self {
        ConsentView {
            id,
            kind,
            granted,
            version,
            created_at: created_at.and_utc(),
        }
    }
}

/// The person's consent records, newest first.
async fn consent_rows(
    conn: &mut DbConn,
    user_id: &str,
    before: Option<&str>,
    limit: i64,
) -> ApiResult<Vec<ConsentRow>> {
    Ok(with_conn!(conn, c => {
        let mut rows = api_consents::table
            .filter(api_consents::user_id.eq(user_id))
            .select((
                api_consents::id,
                api_consents::kind,
                api_consents::granted,
                api_consents::version,
                api_consents::created_at,
            ))
            .order(api_consents::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(before) = before {
            rows = rows.filter(api_consents::id.lt(before.to_owned()));
        }
        rows.load(c).await
    })?)
}

/// The person's consent trail, newest first (each grant or withdrawal is a record).
#[utoipa::path(get, path = "/v1/me/consents", tag = "privacy", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page<ConsentView>),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody),
        (status = 429, description = "rate limited", body = crate::error::ErrorBody),
        (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_consents(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let page: PageQuery = query(&req)?;
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let rows = consent_rows(&mut conn, &person.user_id, page.cursor()?, rows_to_read(limit)).await?;
    let (rows, next_cursor) = page_of_rows(rows, limit, |r| &r.0);
    let items: Vec<ConsentView> = rows.into_iter().map(ConsentView::from).collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewConsent {
    /// terms, privacy, ai_processing or sms.
    #[schema(schema_with = crate::constraints::consent_kind)]
    kind: String,
    /// true grants, false withdraws.
    granted: bool,
    /// The version of the text agreed to, 1 to 40 characters (letters, digits, `.`, `-`, `_`).
    #[schema(schema_with = crate::constraints::consent_version)]
    version: String,
}

impl Validate for NewConsent {
    fn validate(&mut self) -> ApiResult<()> {
        if !CONSENT_KINDS.contains(&self.kind.as_str()) {
            return Err(ApiError::field("kind", "must be terms, privacy, ai_processing or sms"));
        }
        let version = self.version.trim();
        if version.is_empty()
            || version.len() > crate::constraints::MAX_CONSENT_VERSION_CHARS
            || !version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(ApiError::field(
                "version",
                "must be 1 to 40 letters, digits, '.', '-' or '_'",
            ));
        }
        self.version = version.to_owned();
        Ok(())
    }
}

/// Records a consent granted or withdrawn (appended; nothing is overwritten).
#[utoipa::path(post, path = "/v1/me/consents", tag = "privacy", security(("bearer" = [])), request_body = NewConsent,
    responses((status = 201, body = ConsentView),
        (status = 400, description = "invalid input; the message names the field", body = crate::error::ErrorBody),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody),
        (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn record_consent(
    state: Data,
    person: Authenticated,
    Body(body): Body<NewConsent>,
) -> ApiResult<HttpResponse> {
    let account = account_of(&state, &person).await?;
    let id = nudge_core::new_id();
    let now = nudge_store::now();
    let mut conn = state.db.conn().await?;
    with_conn!(&mut conn, c => {
        diesel::insert_into(api_consents::table)
            .values((
                api_consents::id.eq(&id),
                api_consents::user_id.eq(&account.id),
                api_consents::kind.eq(&body.kind),
                api_consents::granted.eq(body.granted),
                api_consents::version.eq(&body.version),
                api_consents::created_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    drop(conn);
    let kind = if body.granted {
        "consent_granted"
    } else {
        "consent_withdrawn"
    };
    audit(&state, Some(&account.id), kind, Some(&body.kind)).await?;
    Ok(HttpResponse::Created().json(ConsentView::from((id, body.kind, body.granted, body.version, now))))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AiTransparency {
    version: String,
    /// English, Markdown.
    en: String,
    /// French, Markdown.
    fr: String,
}

/// What the AI does with a person's messages, in English and French (public).
#[utoipa::path(get, path = "/v1/ai-transparency", tag = "privacy",
    responses((status = 200, body = AiTransparency),
        (status = 429, description = "rate limited", body = crate::error::ErrorBody)))]
pub(crate) async fn ai_transparency(_client: Anonymous) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(AiTransparency {
        version: AI_TRANSPARENCY_VERSION.to_owned(),
        en: AI_TRANSPARENCY_EN.to_owned(),
        fr: AI_TRANSPARENCY_FR.to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_transparency_texts_in_docs_are_the_ones_served() {
        let docs = include_str!("../../../docs/ai-transparency.md");
        for text in [super::AI_TRANSPARENCY_EN, super::AI_TRANSPARENCY_FR] {
            assert!(docs.contains(text.trim()), "docs/ai-transparency.md is out of date");
        }
    }
}
