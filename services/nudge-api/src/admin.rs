//! The administrators' endpoints: the people and their roles, the Nudge
//! numbers, the costs. They need the admin role and a session opened with
//! MFA (`account::administrator`), and every call is audited (`admin_read`,
//! detail `people`, `numbers` or `costs`; a role change, `role_changed`).
//! They show ids and Nudge's own numbers, never a person's phone, email or
//! messages.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use nudge_proto::ErrorCode;
use nudge_proto::sms::ListNumbersRequest;
use serde::{Deserialize, Serialize};

use crate::account::{account_changed, administrator, revoke};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate, query};
use crate::pagination::{Page, PageQuery, page_of_rows, rows_to_read};
use crate::state::State;
use crate::store;
use crate::usage::{ModelUsage, NumberView, SmsUsage, month_of, number_view, usage_of};

type Data = web::Data<State>;

async fn audit_read(state: &State, admin_id: &str, what: &str) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    store::audit_by(&mut conn, None, admin_id, "admin_read", Some(what), nudge_store::now()).await?;
    Ok(())
}

/// A page of accounts, by id, for an administrator's read of `what`
/// (audited as `admin_read`).
async fn accounts_page(
    state: &State,
    admin_id: &str,
    page: &PageQuery,
    what: &str,
) -> ApiResult<(Vec<store::Account>, Option<String>)> {
    let limit = page.limit()?;
    let mut conn = state.db.conn().await?;
    let accounts = store::list_accounts(&mut conn, &state.crypto, page.cursor()?, rows_to_read(limit)).await?;
    store::audit_by(&mut conn, None, admin_id, "admin_read", Some(what), nudge_store::now()).await?;
    Ok(page_of_rows(accounts, limit, |account| &account.id))
}

// ---- people ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PersonView {
    id: String,
    role: String,
    phone_verified: bool,
    mfa: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(get, path = "/v1/admin/people", tag = "admin", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Page<PersonView>), (status = 403, description = "not an administrator with MFA", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn list_people(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let admin = administrator(&state, &person).await?;
    let page: PageQuery = query(&req)?;
    let (accounts, next_cursor) = accounts_page(&state, &admin.id, &page, "people").await?;
    let items = accounts
        .into_iter()
        .map(|a| PersonView {
            phone_verified: a.phone_verified_at.is_some(),
            mfa: a.totp_enabled_at.is_some(),
            id: a.id,
            role: a.role,
            created_at: a.created_at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleChange {
    /// user, premium or admin.
    #[schema(schema_with = crate::constraints::role)]
    role: String,
}

impl Validate for RoleChange {
    fn validate(&mut self) -> ApiResult<()> {
        if crate::constraints::ROLES.contains(&self.role.as_str()) {
            Ok(())
        } else {
            Err(ApiError::field("role", "must be user, premium or admin"))
        }
    }
}

#[utoipa::path(put, path = "/v1/admin/people/{id}/role", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = RoleChange,
    responses((status = 204, description = "changed; the person's sessions are revoked so the new role applies"),
        (status = 404, body = crate::error::ErrorBody), (status = 403, description = "not an administrator with MFA", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn change_role(
    state: Data,
    person: Authenticated,
    path: web::Path<String>,
    Body(body): Body<RoleChange>,
) -> ApiResult<HttpResponse> {
    let admin = administrator(&state, &person).await?;
    let id = path.into_inner();
    let mut conn = state.db.conn().await?;
    if !store::set_role(&mut conn, &id, &body.role, nudge_store::now()).await? {
        return Err(ApiError::not_found("person"));
    }
    drop(conn);
    account_changed(&state, &id).await?;
    let mut conn = state.db.conn().await?;
    // The agent applies the plan's model budget: premium for premium people
    // and administrators.
    let plan = if body.role == "user" { "user" } else { "premium" };
    state
        .clients
        .person_data
        .clone()
        .set_plan(nudge_proto::agent::SetPlanRequest {
            user_id: id.clone(),
            plan: plan.to_owned(),
        })
        .await?;
    store::audit_by(
        &mut conn,
        Some(&id),
        &admin.id,
        "role_changed",
        Some(&body.role),
        nudge_store::now(),
    )
    .await?;
    let sessions = if id == admin.id {
        Vec::new()
    } else {
        store::live_session_ids(&mut conn, &id).await?
    };
    drop(conn);
    revoke(&state, &sessions, "role").await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- numbers and costs ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AdminNumberView {
    user_id: String,
    #[serde(flatten)]
    number: NumberView,
    /// Bought through Twilio by Nudge (false: assigned by hand or in dev mode).
    bought: bool,
}

#[utoipa::path(get, path = "/v1/admin/numbers", tag = "admin", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the Nudge numbers assigned now, by person id (no personal phones); audited", body = Page<AdminNumberView>), (status = 403, description = "not an administrator with MFA", body = crate::error::ErrorBody),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_numbers(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let admin = administrator(&state, &person).await?;
    let q: PageQuery = query(&req)?;
    let limit = q.limit()?;
    let page_token = q.cursor()?.unwrap_or_default().to_owned();
    audit_read(&state, &admin.id, "numbers").await?;
    let answer = state
        .clients
        .sms
        .clone()
        .list_numbers(ListNumbersRequest {
            page_size: i32::try_from(limit).unwrap_or(20),
            page_token,
        })
        .await
        .map_err(|status| match ErrorCode::from_grpc(status.code()) {
            ErrorCode::InvalidArgument => ApiError::field("limit", "must be a whole number from 1 to 100"),
            _ => ApiError::from(status),
        })?
        .into_inner();
    let items = answer
        .numbers
        .iter()
        .map(|n| AdminNumberView {
            user_id: n.user_id.clone(),
            number: number_view(n),
            bought: !n.provider_sid.is_empty(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: Some(answer.next_page_token).filter(|t| !t.is_empty()),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CostsQuery {
    month: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PersonCosts {
    user_id: String,
    role: String,
    created_at: DateTime<Utc>,
    sms: SmsUsage,
    model: ModelUsage,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CostsPage {
    month: String,
    /// One person each, by id.
    items: Vec<PersonCosts>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/admin/costs", tag = "admin", security(("bearer" = [])),
    params(("month" = Option<String>, Query, description = "YYYY-MM (UTC); the current month when absent"), ("limit" = Option<u32>, Query, description = "1 to 100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "a page of people (by id) with their SMS and model usage and cost for the month; audited", body = CostsPage), (status = 403, description = "not an administrator with MFA", body = crate::error::ErrorBody),
        (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_costs(state: Data, person: Authenticated, req: HttpRequest) -> ApiResult<HttpResponse> {
    let admin = administrator(&state, &person).await?;
    let q: CostsQuery = query(&req)?;
    let month = month_of(q.month.as_deref())?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (accounts, next_cursor) = accounts_page(&state, &admin.id, &page, "costs").await?;
    let mut items = Vec::with_capacity(accounts.len());
    for account in accounts {
        let (sms, model) = usage_of(&state, &account.id, &month).await?;
        items.push(PersonCosts {
            user_id: account.id,
            role: account.role,
            created_at: account.created_at.and_utc(),
            sms,
            model,
        });
    }
    Ok(HttpResponse::Ok().json(CostsPage {
        month,
        items,
        next_cursor,
    }))
}
