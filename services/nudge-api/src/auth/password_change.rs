//! Changing the password, from a signed-in session.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::account::{account_changed, audit, other_sessions, revoke};
use crate::error::{ApiError, ApiResult};
use crate::http::{Authenticated, Body, Validate};
use crate::second_factor::{Reauth, reauthenticate};
use crate::state::State;
use crate::store;

type Data = web::Data<State>;

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
#[utoipa::path(put, path = "/v1/me/password", tag = "me", security(("bearer" = [])), request_body = ChangePassword, responses((status = 204, description = "changed; other sessions revoked"), (status = 403, description = "current_password is wrong", body = crate::error::ErrorBody), (status = 401, description = "no valid token", body = crate::error::ErrorBody), (status = 429, description = "rate limited", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn change_password(
    state: Data,
    person: Authenticated,
    Body(body): Body<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.conn().await?;
    let account = store::account(&mut conn, &state.crypto, &person.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("authorization: this account no longer exists"))?;
    drop(conn);
    crate::password::check_new("new_password", &body.new_password, &account.email)?;
    let reauth = Reauth {
        current_password: body.current_password,
        otp: body.otp,
    };
    reauthenticate(&state, &account, reauth, "password_change").await?;
    let hash = state.hasher.hash_in_background(body.new_password).await?;
    let mut conn = state.db.conn().await?;
    store::set_password(&mut conn, &account.id, &hash, nudge_store::now()).await?;
    let others = other_sessions(&mut conn, &account.id, &person.session_id).await?;
    drop(conn);
    account_changed(&state, &account.id).await?;
    revoke(&state, &others, "password").await?;
    audit(&state, Some(&account.id), "password_changed", None).await?;
    Ok(HttpResponse::NoContent().finish())
}
