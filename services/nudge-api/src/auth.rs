//! Accounts and sessions: sign-up, login, refresh (rotation with reuse
//! detection), logout, password change and reset, the sessions list.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, TimeDelta};
use nudge_proto::sms::{SendSmsRequest, SmsKind};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::error::{ApiError, ApiResult};
use crate::http::{Anonymous, Authenticated, Body, PageQuery, Validate, query, revoked_key};
use crate::state::State;
use crate::store::{self, RefreshUse, Session};
use crate::tokens::{self, unix_now};
use crate::views::account_changed;

type Data = web::Data<State>;

/// Lowercased, trimmed, a plausible address; never echoed in errors or logs.
pub(crate) fn normalize_email(field: &str, email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = (3..=254).contains(&email.len())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::field(field, "must be an email address"))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignUp {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
    #[schema(schema_with = crate::constraints::new_password)]
    password: String,
    #[schema(schema_with = crate::constraints::optional_timezone)]
    timezone: Option<String>,
    #[schema(schema_with = crate::constraints::optional_language)]
    language: Option<String>,
}

impl Validate for SignUp {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        crate::password::check_new("password", &self.password, &self.email)?;
        if let Some(zone) = &self.timezone {
            zone.parse::<nudge_core::Timezone>()
                .map_err(|_| ApiError::field("timezone", "must be an IANA time zone such as America/Montreal"))?;
        }
        if let Some(language) = &self.language {
            language
                .parse::<nudge_core::Language>()
                .map_err(|_| ApiError::field("language", "must be en or fr"))?;
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Tokens {
    user_id: String,
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
    session_id: String,
}

fn now() -> NaiveDateTime {
    nudge_store::now()
}

/// A new session (refresh-token family) and its first tokens.
async fn open_session(
    state: &State,
    account: &store::Account,
    user_agent: Option<String>,
    mfa: bool,
) -> ApiResult<Tokens> {
    let now = now();
    let session = Session {
        id: nudge_core::new_id(),
        user_id: account.id.clone(),
        user_agent,
        created_at: now,
        last_used_at: now,
        expires_at: now + refresh_lifetime(state),
        revoked_at: None,
        mfa,
    };
    let (refresh_token, hash) = tokens::new_refresh_token(&session.id);
    let mut conn = state.db.conn().await?;
    store::create_session(&mut conn, &session, &nudge_core::new_id(), &hash).await?;
    tokens_for(state, &account.id, &session.id, &account.role, mfa, refresh_token)
}

fn refresh_lifetime(state: &State) -> TimeDelta {
    TimeDelta::days(i64::try_from(state.settings.refresh_token_days).unwrap_or(30))
}

fn tokens_for(
    state: &State,
    user_id: &str,
    session_id: &str,
    role: &str,
    mfa: bool,
    refresh_token: String,
) -> ApiResult<Tokens> {
    let access_token = state
        .keys
        .issue_access(user_id, session_id, role, mfa, unix_now())
        .map_err(|e| ApiError::internal("cannot sign a token", e))?;
    Ok(Tokens {
        user_id: user_id.to_owned(),
        access_token,
        token_type: "Bearer",
        expires_in: state.keys.access_seconds,
        refresh_token,
        session_id: session_id.to_owned(),
    })
}

/// Revokes sessions in the database and tells every replica through the
/// cache, for as long as an access token of theirs can live.
pub(crate) async fn revoke(state: &State, session_ids: &[String], reason: &str) -> ApiResult<()> {
    let now = now();
    let mut conn = state.db.conn().await?;
    for id in session_ids {
        store::revoke_session(&mut conn, id, reason, now).await?;
    }
    drop(conn);
    let ttl = Duration::from_secs(state.keys.access_seconds + 10);
    for id in session_ids {
        state.cache.set(&revoked_key(id), b"1", Some(ttl)).await?;
    }
    Ok(())
}

pub(crate) async fn audit(state: &State, user_id: Option<&str>, kind: &str, detail: Option<&str>) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    store::audit(&mut conn, user_id, None, kind, detail, now()).await?;
    metrics::counter!("nudge_api_security_events_total", "kind" => kind.to_owned()).increment(1);
    Ok(())
}

/// The same answer whether or not the email has an account (no account
/// enumeration): 202 and no tokens; the person then logs in. For a taken
/// email nothing is created, and the owner, if their phone is verified, is
/// told by SMS (at most once an hour). Both paths hash the password, write
/// to the database once and start no wait on another service.
#[utoipa::path(post, path = "/v1/auth/signup", tag = "auth", request_body = SignUp, responses((status = 202, description = "the account is created, unless the email had one (the same answer either way); log in next", body = crate::openapi::Status), (status = 400, description = "invalid input; the message names the field", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody)))]
pub(crate) async fn sign_up(state: Data, _client: Anonymous, Body(body): Body<SignUp>) -> ApiResult<HttpResponse> {
    let hash = hash_password(&state, body.password).await?;
    let id = nudge_core::UserId::generate().as_str().to_owned();
    let account = store::NewAccount {
        id: &id,
        email: &body.email,
        password_hash: &hash,
        timezone: body.timezone.as_deref().unwrap_or("UTC"),
        language: body.language.as_deref().unwrap_or("en"),
    };
    let mut conn = state.db.conn().await?;
    match store::insert_account(&mut conn, &account, now()).await {
        Ok(()) => {
            drop(conn);
            audit(&state, Some(&id), "signup", None).await?;
            tracing::info!(user.id = %id, "account created");
        }
        Err(error) if nudge_store::is_unique_violation(&error) => {
            let owner = store::account_by_email(&mut conn, &body.email).await?;
            drop(conn);
            if let Some(owner) = owner {
                audit(&state, Some(&owner.id), "signup_existing", None).await?;
                let state = state.clone();
                // Off the answer's path, so that it takes no longer than a
                // creation; on the main runtime, so that it runs to its end.
                state.runtime.clone().spawn(async move {
                    if let Err(error) = tell_owner_of_sign_up(&state, &owner).await {
                        tracing::warn!(user.id = %owner.id, error = %error.message, "cannot tell the owner of a sign-up attempt");
                    }
                });
            }
        }
        Err(error) => return Err(error.into()),
    }
    Ok(no_store(HttpResponse::Accepted()).json(serde_json::json!({
        "status": "if this email had no account, it has one now: log in with it"
    })))
}

pub(crate) fn signup_notice_key(user_id: &str) -> String {
    format!("api:signup-notice:{user_id}")
}

/// Texts the owner of an email that someone tried to sign up with, at most
/// once an hour, when their phone is verified.
async fn tell_owner_of_sign_up(state: &State, owner: &store::Account) -> ApiResult<()> {
    if owner.phone_verified_at.is_none() {
        return Ok(());
    }
    let key = signup_notice_key(&owner.id);
    if !state.cache.set_if_absent(&key, b"1", Duration::from_secs(3600)).await? {
        return Ok(());
    }
    let body = "Nudge: someone tried to create an account with your email. If it was you, log in instead \
                (or reset your password). If not, you can ignore this."
        .to_owned();
    state
        .clients
        .sms
        .clone()
        .send_sms(SendSmsRequest {
            user_id: owner.id.clone(),
            body,
            idempotency_key: format!("signup-notice:{}", nudge_core::new_id()),
            kind: SmsKind::System.into(),
        })
        .await?;
    Ok(())
}

/// argon2 off the async threads: it is meant to be slow.
async fn hash_password(state: &State, password: String) -> ApiResult<String> {
    let hasher = state.hasher.clone();
    tokio::task::spawn_blocking(move || hasher.hash(&password))
        .await
        .map_err(|e| ApiError::internal("password hashing", e))?
        .map_err(|e| ApiError::internal("password hashing", e))
}

pub(crate) async fn verify_password(state: &State, password: String, phc: Option<String>) -> ApiResult<bool> {
    let hasher = state.hasher.clone();
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => hasher.verify(&password, &phc),
        None => {
            hasher.waste(&password);
            false
        }
    })
    .await
    .map_err(|e| ApiError::internal("password check", e))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
    #[schema(schema_with = crate::constraints::password)]
    password: String,
    /// With MFA on: the authenticator app's 6 digits, or a backup code.
    otp: Option<String>,
}

impl Validate for Login {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        if self.password.is_empty() || self.password.chars().count() > crate::password::MAX_CHARS {
            return Err(ApiError::field("password", "must be 1 to 128 characters"));
        }
        Ok(())
    }
}

pub(crate) fn failures_key(account_id: Option<&str>, email: &str) -> String {
    use sha2::Digest as _;
    match account_id {
        Some(id) => format!("api:login-failures:{id}"),
        None => format!(
            "api:login-failures:unknown:{}",
            tokens::hex(&sha2::Sha256::digest(email.as_bytes())[..12])
        ),
    }
}

/// One guess at a person's password (a login or a re-authentication),
/// reserved in the cache before the password is checked: the counter is
/// incremented first, atomically for every replica, so that concurrent
/// guesses each take their own place and none is checked past the limit.
pub(crate) struct Attempt {
    key: String,
    /// This attempt's place among the failures counted in the window (1 = the first).
    number: i64,
}

/// Reserves an attempt on the failure counter `key`, or refuses with 429
/// once `api.login_max_failures` are counted (the account is locked until
/// the window of `api.login_lockout_seconds` ends).
pub(crate) async fn reserve_attempt(state: &State, key: String) -> ApiResult<Attempt> {
    let lockout = Duration::from_secs(state.settings.login_lockout_seconds);
    let number = state.cache.increment(&key, lockout).await?;
    if number > i64::from(state.settings.login_max_failures) {
        return Err(ApiError::too_many(
            "too many failed attempts; this account is locked for a while",
            state.settings.login_lockout_seconds,
        ));
    }
    Ok(Attempt { key, number })
}

impl Attempt {
    /// The password was right: the failures are forgotten.
    pub(crate) async fn succeeded(self, state: &State) -> ApiResult<()> {
        state.cache.delete(&self.key).await?;
        Ok(())
    }

    /// Not a guess after all (the right password, the second factor still to
    /// come): the reservation is taken back, the earlier failures stay.
    pub(crate) async fn withdrawn(self, state: &State) -> ApiResult<()> {
        state.cache.decrement(&self.key).await?;
        Ok(())
    }

    /// A wrong guess: it stays counted, and each one answers more slowly,
    /// 100 ms, 200 ms, 400 ms ... up to 3.2 s.
    pub(crate) async fn failed(self) {
        let exponent = u32::try_from(self.number.clamp(1, 6) - 1).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(100 * 2_u64.pow(exponent))).await;
    }
}

#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = Login, responses((status = 200, body = Tokens), (status = 401, description = "wrong email or password", body = crate::openapi::ErrorBody), (status = 400, description = "invalid input; the message names the field", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited, or the account is locked after failed attempts", body = crate::openapi::ErrorBody)))]
pub(crate) async fn login(state: Data, client: Anonymous, Body(body): Body<Login>) -> ApiResult<HttpResponse> {
    let mut conn = state.db.conn().await?;
    let account = store::account_by_email(&mut conn, &body.email).await?;
    drop(conn);
    let key = failures_key(account.as_ref().map(|a| a.id.as_str()), &body.email);
    let attempt = match reserve_attempt(&state, key).await {
        Ok(attempt) => attempt,
        Err(locked) => {
            if let Some(account) = &account {
                audit(&state, Some(&account.id), "login_locked", None).await?;
            }
            return Err(locked);
        }
    };
    let phc = account.as_ref().map(|a| a.password_hash.clone());
    let mut refusal = ApiError::unauthenticated("email or password is wrong");
    if verify_password(&state, body.password, phc).await? {
        let account = account
            .clone()
            .ok_or_else(|| ApiError::internal("login", "verified without an account"))?;
        match crate::mfa::second_factor(&state, &account, body.otp.as_deref()).await {
            Ok(mfa) => {
                attempt.succeeded(&state).await?;
                // A change made in the database without the api (the first
                // administrator's role) shows from the next login on.
                account_changed(&state, &account.id).await?;
                audit(&state, Some(&account.id), if mfa { "login_mfa" } else { "login" }, None).await?;
                let tokens = open_session(&state, &account, client.user_agent, mfa).await?;
                return Ok(no_store(HttpResponse::Ok()).json(tokens));
            }
            // A missing code is not a failure: the app asks for it next.
            Err(error) if body.otp.is_none() => {
                attempt.withdrawn(&state).await?;
                return Err(error);
            }
            Err(error) => refusal = error,
        }
    }
    if let Some(account) = &account {
        audit(&state, Some(&account.id), "login_failed", None).await?;
    }
    metrics::counter!("nudge_api_login_failures_total").increment(1);
    attempt.failed().await;
    Err(refusal)
}

/// A response that carries tokens: never stored by a browser or a proxy
/// (RFC 6749 5.1).
pub(crate) fn no_store(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::PRAGMA, "no-cache"));
    response
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Refresh {
    #[schema(schema_with = crate::constraints::refresh_token)]
    refresh_token: String,
}

impl Validate for Refresh {
    fn validate(&mut self) -> ApiResult<()> {
        if self.refresh_token.is_empty() || self.refresh_token.len() > crate::constraints::MAX_REFRESH_TOKEN_BYTES {
            return Err(ApiError::field("refresh_token", "is not a refresh token"));
        }
        Ok(())
    }
}

#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = Refresh, responses((status = 200, body = Tokens), (status = 401, description = "invalid, spent (the session is then revoked) or revoked", body = crate::openapi::ErrorBody), (status = 400, description = "invalid input; the message names the field", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody)))]
pub(crate) async fn refresh(state: Data, _client: Anonymous, Body(body): Body<Refresh>) -> ApiResult<HttpResponse> {
    let refused = || ApiError::unauthenticated("refresh_token: invalid, expired or revoked");
    let now = now();
    let mut conn = state.db.conn().await?;
    let grace = TimeDelta::seconds(i64::try_from(state.settings.refresh_reuse_grace_seconds).unwrap_or(0));
    let session_id = match store::use_refresh(&mut conn, &tokens::refresh_hash(&body.refresh_token), now).await? {
        RefreshUse::Unknown => return Err(refused()),
        // Spent within the grace window: two tabs (or a retry after a lost
        // answer) refreshing with the same token at once. Both get tokens of
        // the same session (Auth0's "reuse interval", Okta's grace period).
        RefreshUse::Reused { session_id, used_at } if now - used_at <= grace => session_id,
        RefreshUse::Reused { session_id, .. } => {
            // A spent token came back: it was stolen, or the person's copy was.
            // Either way the whole family goes.
            drop(conn);
            let owner = {
                let mut conn = state.db.conn().await?;
                store::session(&mut conn, &session_id).await?.map(|s| s.user_id)
            };
            revoke(&state, std::slice::from_ref(&session_id), "reuse").await?;
            audit(&state, owner.as_deref(), "refresh_reuse", Some(&session_id)).await?;
            tracing::warn!(session.id = %session_id, "refresh token reused: session revoked");
            return Err(refused());
        }
        RefreshUse::Fresh { session_id } => session_id,
    };
    let session = store::session(&mut conn, &session_id).await?.ok_or_else(refused)?;
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(refused());
    }
    let account = store::account(&mut conn, &session.user_id).await?.ok_or_else(refused)?;
    let (refresh_token, hash) = tokens::new_refresh_token(&session.id);
    store::insert_refresh(&mut conn, &nudge_core::new_id(), &session.id, &hash, now).await?;
    store::touch_session(&mut conn, &session.id, now, now + refresh_lifetime(&state)).await?;
    drop(conn);
    let tokens = tokens_for(
        &state,
        &account.id,
        &session.id,
        &account.role,
        session.mfa,
        refresh_token,
    )?;
    Ok(no_store(HttpResponse::Ok()).json(tokens))
}

#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204, description = "the session is revoked"), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody)))]
pub(crate) async fn logout(state: Data, person: Authenticated) -> ApiResult<HttpResponse> {
    revoke(&state, std::slice::from_ref(&person.session_id), "logout").await?;
    audit(&state, Some(&person.user_id), "logout", None).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SessionView {
    id: String,
    current: bool,
    user_agent: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    last_used_at: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/sessions", tag = "sessions", security(("bearer" = [])), params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")), responses((status = 200, body = Page<SessionView>), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody)))]
pub(crate) async fn list_sessions(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let page: PageQuery = query(&req)?;
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let mut sessions = store::list_sessions(
        &mut conn,
        &person.user_id,
        now(),
        page.cursor()?,
        i64::try_from(limit + 1).unwrap_or(101),
    )
    .await?;
    let next_cursor = if sessions.len() > limit {
        sessions.truncate(limit);
        sessions.last().map(|s| s.id.clone())
    } else {
        None
    };
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

#[utoipa::path(delete, path = "/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204, description = "revoked"), (status = 404, description = "not one of the caller's live sessions", body = crate::openapi::ErrorBody), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody)))]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePassword {
    #[schema(schema_with = crate::constraints::password)]
    current_password: String,
    #[schema(schema_with = crate::constraints::new_password)]
    new_password: String,
    /// Required when MFA is on.
    otp: Option<String>,
}

impl Validate for ChangePassword {
    fn validate(&mut self) -> ApiResult<()> {
        if self.current_password.is_empty() {
            return Err(ApiError::field("current_password", "is required"));
        }
        // The email check happens in the handler, once the account is known.
        crate::password::check_new("new_password", &self.new_password, "")
    }
}

/// Changing the password needs the current one (re-authentication) and
/// signs every other session out.
#[utoipa::path(put, path = "/v1/me/password", tag = "me", security(("bearer" = [])), request_body = ChangePassword, responses((status = 204, description = "changed; other sessions revoked"), (status = 403, description = "current_password is wrong", body = crate::openapi::ErrorBody), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody)))]
pub(crate) async fn change_password(
    state: Data,
    person: Authenticated,
    Body(body): Body<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.conn().await?;
    let account = store::account(&mut conn, &person.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("authorization: this account no longer exists"))?;
    drop(conn);
    crate::password::check_new("new_password", &body.new_password, &account.email)?;
    let reauth = crate::mfa::Reauth {
        current_password: body.current_password,
        otp: body.otp,
    };
    crate::mfa::reauthenticate(&state, &account, reauth, "password_change").await?;
    let hash = hash_password(&state, body.new_password).await?;
    let mut conn = state.db.conn().await?;
    store::set_password(&mut conn, &account.id, &hash, now()).await?;
    let others: Vec<String> = store::live_session_ids(&mut conn, &account.id)
        .await?
        .into_iter()
        .filter(|id| *id != person.session_id)
        .collect();
    drop(conn);
    account_changed(&state, &account.id).await?;
    revoke(&state, &others, "password").await?;
    audit(&state, Some(&account.id), "password_changed", None).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetRequest {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
}

impl Validate for ResetRequest {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        Ok(())
    }
}

/// The reset-request counters of an email address (its hash, never the address).
pub(crate) fn resets_prefix(email: &str) -> String {
    use sha2::Digest as _;
    format!(
        "api:resets:{}:",
        tokens::hex(&sha2::Sha256::digest(email.as_bytes())[..12])
    )
}

/// Reset requests of one email address an hour, whether or not it has an account.
const RESETS_PER_HOUR: i64 = 5;

/// Sends a reset code by SMS to the account's verified phone. The answer
/// is the same whether or not the account exists, in status, rate and time:
/// the limit counts per email address (hashed) for every address, and the
/// code is sent off the answer's path (its own limit's refusal is swallowed).
#[utoipa::path(post, path = "/v1/auth/password-reset", tag = "auth", request_body = ResetRequest, responses((status = 202, description = "a code was sent if the account has a verified phone", body = crate::openapi::Status), (status = 400, description = "invalid input; the message names the field", body = crate::openapi::ErrorBody), (status = 429, description = "more than 5 requests this hour for this email, whether or not it has an account", body = crate::openapi::ErrorBody)))]
pub(crate) async fn request_reset(
    state: Data,
    _client: Anonymous,
    Body(body): Body<ResetRequest>,
) -> ApiResult<HttpResponse> {
    let now_seconds = unix_now();
    let asked = state
        .cache
        .increment(
            &format!("{}{}", resets_prefix(&body.email), now_seconds / 3600),
            Duration::from_secs(3700),
        )
        .await?;
    if asked > RESETS_PER_HOUR {
        return Err(ApiError::too_many(
            "too many codes requested; wait before asking again",
            3600 - now_seconds % 3600,
        ));
    }
    let mut conn = state.db.conn().await?;
    let account = store::account_by_email(&mut conn, &body.email).await?;
    drop(conn);
    if let Some(account) = account.filter(|a| a.phone_verified_at.is_some()) {
        let state = state.clone();
        // On the main runtime, so that it runs to its end.
        state.runtime.clone().spawn(async move {
            match send_code(&state, &account.id, "reset", None, "password reset").await {
                Ok(code) => {
                    if let Err(error) = audit(&state, Some(&account.id), "password_reset_requested", Some(&code)).await
                    {
                        tracing::warn!(user.id = %account.id, error = %error.message, "cannot audit a reset request");
                    }
                }
                Err(error) => {
                    tracing::warn!(user.id = %account.id, error = %error.message, "password reset code not sent");
                }
            }
        });
    }
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "if this account has a verified phone, a code was sent to it by SMS"
    })))
}

/// Creates a one-time code, stores its hash, and texts it: to `phone`, a
/// phone not verified yet (being verified, or the new one of a change), or
/// else to the person's verified phone. Returns the code's id.
pub(crate) async fn send_code(
    state: &State,
    user_id: &str,
    purpose: &str,
    phone: Option<&str>,
    what: &str,
) -> ApiResult<String> {
    // At most five codes an hour per person and purpose.
    let hour = unix_now() / 3600;
    let wait = 3600 - unix_now() % 3600;
    let sent = state
        .cache
        .increment(&format!("api:codes:{purpose}:{user_id}:{hour}"), CODE_WINDOW)
        .await?;
    if sent > 5 {
        return Err(ApiError::too_many(
            "too many codes requested; wait before asking again",
            wait,
        ));
    }
    if let Some(phone) = phone {
        limit_codes_to_unverified(state, phone, hour, wait).await?;
    }
    let id = nudge_core::new_id();
    let code = tokens::new_code();
    let now = now();
    let ttl = i64::try_from(state.settings.code_ttl_seconds).unwrap_or(600);
    let mut conn = state.db.conn().await?;
    store::insert_code(
        &mut conn,
        &store::NewCode {
            id: &id,
            user_id,
            purpose,
            phone,
            code_hash: &state.keys.code_hash(&code, &id),
            expires_at: now + TimeDelta::seconds(ttl),
        },
        now,
    )
    .await?;
    drop(conn);
    let minutes = ttl / 60;
    let body = format!("Nudge {what} code: {code}. It expires in {minutes} minutes. Never share it.");
    let mut sms = state.clients.sms.clone();
    match phone {
        // A phone being checked gets the code; the person's number (if any)
        // is not bound to it until the code comes back.
        Some(phone) => {
            sms.send_phone_check(nudge_proto::sms::SendPhoneCheckRequest {
                user_id: user_id.to_owned(),
                phone: phone.to_owned(),
                body,
                idempotency_key: format!("code:{id}"),
            })
            .await?;
        }
        None => {
            sms.send_sms(SendSmsRequest {
                user_id: user_id.to_owned(),
                body,
                idempotency_key: format!("code:{id}"),
                kind: SmsKind::System.into(),
            })
            .await?;
        }
    }
    Ok(id)
}

/// How long a code counter lives: its clock hour, and a little more.
const CODE_WINDOW: Duration = Duration::from_secs(3700);

/// The brake on SMS pumping: codes to phones that are not verified yet,
/// per phone, per prefix (premium-rate ranges share one) and in all, per
/// clock hour. Each counter is taken only once the narrower one allowed
/// the code, so a flood at one phone does not spend everyone's allowance.
async fn limit_codes_to_unverified(state: &State, phone: &str, hour: u64, wait: u64) -> ApiResult<()> {
    let settings = &state.settings;
    // Phones only as keyed hashes, even in keys that live an hour.
    let prefix: String = phone.chars().take(6).collect();
    let limits = [
        (
            "phone",
            format!("phone:{}", &state.keys.code_hash(phone, "code-limit:phone")[..24]),
            settings.phone_codes_per_phone_per_hour,
            "too many codes sent to this phone; wait before asking again",
        ),
        (
            "prefix",
            format!("prefix:{}", &state.keys.code_hash(&prefix, "code-limit:prefix")[..24]),
            settings.phone_codes_per_prefix_per_hour,
            "too many codes sent to numbers like this one; wait before asking again",
        ),
        (
            "all",
            "all".to_owned(),
            settings.phone_codes_per_hour,
            "too many codes are being sent; wait before asking again",
        ),
    ];
    for (name, scope, allowed, refusal) in limits {
        let sent = state
            .cache
            .increment(&format!("api:codes:unverified:{scope}:{hour}"), CODE_WINDOW)
            .await?;
        if sent > i64::from(allowed) {
            metrics::counter!("nudge_api_phone_codes_refused_total", "limit" => name).increment(1);
            return Err(ApiError::too_many(refusal, wait));
        }
    }
    Ok(())
}

/// Checks a code against the person's latest one for `purpose` and spends
/// it. Five wrong attempts burn the code.
pub(crate) async fn check_code(state: &State, user_id: &str, purpose: &str, code: &str) -> ApiResult<store::Code> {
    let found = matching_code(state, user_id, purpose, code).await?;
    spend_code(state, &found).await?;
    Ok(found)
}

fn refused_code() -> ApiError {
    ApiError::field("code", "is wrong or expired; ask for a new one")
}

/// The person's latest code for `purpose` if `code` is it, unspent (the
/// attempt is counted): for work that must succeed before the code is spent.
pub(crate) async fn matching_code(state: &State, user_id: &str, purpose: &str, code: &str) -> ApiResult<store::Code> {
    let mut conn = state.db.conn().await?;
    let found = store::latest_code(&mut conn, user_id, purpose)
        .await?
        .ok_or_else(refused_code)?;
    if found.used_at.is_some() || found.expires_at <= now() || found.attempts >= 5 {
        return Err(refused_code());
    }
    store::count_code_attempt(&mut conn, &found.id).await?;
    let expected = state.keys.code_hash(code, &found.id);
    if !bool::from(expected.as_bytes().ct_eq(found.code_hash.as_bytes())) {
        return Err(refused_code());
    }
    Ok(found)
}

/// Spends a code found by [`matching_code`]; refused if it was spent meanwhile.
pub(crate) async fn spend_code(state: &State, code: &store::Code) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    if store::use_code(&mut conn, &code.id, now()).await? {
        Ok(())
    } else {
        Err(refused_code())
    }
}

pub(crate) fn check_code_format(code: &str) -> ApiResult<()> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::field("code", "must be the 6 digits received by SMS"))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetConfirm {
    #[schema(schema_with = crate::constraints::email)]
    email: String,
    #[schema(schema_with = crate::constraints::code)]
    code: String,
    #[schema(schema_with = crate::constraints::new_password)]
    new_password: String,
}

impl Validate for ResetConfirm {
    fn validate(&mut self) -> ApiResult<()> {
        self.email = normalize_email("email", &self.email)?;
        check_code_format(&self.code)?;
        crate::password::check_new("new_password", &self.new_password, &self.email)
    }
}

/// Sets a new password with a reset code, and signs every session out.
#[utoipa::path(post, path = "/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm, responses((status = 204, description = "password set; every session revoked"), (status = 400, description = "invalid input; the message names the field", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody)))]
pub(crate) async fn confirm_reset(
    state: Data,
    _client: Anonymous,
    Body(body): Body<ResetConfirm>,
) -> ApiResult<HttpResponse> {
    let refused = || ApiError::field("code", "is wrong or expired; ask for a new one");
    let mut conn = state.db.conn().await?;
    let account = store::account_by_email(&mut conn, &body.email)
        .await?
        .ok_or_else(refused)?;
    drop(conn);
    check_code(&state, &account.id, "reset", &body.code).await?;
    let hash = hash_password(&state, body.new_password).await?;
    let mut conn = state.db.conn().await?;
    store::set_password(&mut conn, &account.id, &hash, now()).await?;
    let sessions = store::live_session_ids(&mut conn, &account.id).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    revoke(&state, &sessions, "reset").await?;
    state
        .cache
        .delete(&failures_key(Some(&account.id), &account.email))
        .await?;
    audit(&state, Some(&account.id), "password_reset", None).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AuditView {
    id: String,
    kind: String,
    detail: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The person's own security events, newest first.
#[utoipa::path(get, path = "/v1/me/security-events", tag = "me", security(("bearer" = [])), params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")), responses((status = 200, body = Page<AuditView>), (status = 401, description = "no valid token", body = crate::openapi::ErrorBody), (status = 429, description = "rate limited", body = crate::openapi::ErrorBody), (status = 400, body = crate::openapi::ErrorBody)))]
pub(crate) async fn list_audit_events(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let page: PageQuery = query(&req)?;
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let mut events = store::audit_events(
        &mut conn,
        &person.user_id,
        page.cursor()?,
        i64::try_from(limit + 1).unwrap_or(101),
    )
    .await?;
    let next_cursor = if events.len() > limit {
        events.truncate(limit);
        events.last().map(|e| e.id.clone())
    } else {
        None
    };
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
