//! A person's Nudge number and their month's usage and costs (sms-router
//! `GetNumber` and `GetUsage`, agent `GetModelUsage`), as the person
//! (`data`) and the administrators (`admin`) see them.

use chrono::{DateTime, Utc};
use nudge_proto::agent::{GetModelUsageRequest, GetModelUsageResponse};
use nudge_proto::sms::{GetUsageRequest, GetUsageResponse, NumberInfo};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::timestamps::time;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NumberView {
    /// The Nudge number the person texts (E.164).
    nudge_number: String,
    assigned_at: Option<DateTime<Utc>>,
    /// The person texted STOP: Nudge sends them nothing until START.
    opted_out: bool,
    /// What the number costs a month, in millionths of the SMS currency (0 for a number not bought through Twilio).
    monthly_price_micros: i64,
}

pub(crate) fn number_view(n: &NumberInfo) -> NumberView {
    NumberView {
        nudge_number: n.nudge_number.clone(),
        assigned_at: time(n.assigned_at.as_ref()),
        opted_out: n.opted_out,
        monthly_price_micros: n.monthly_price_micros,
    }
}

/// "YYYY-MM" (the current UTC month when absent).
pub(crate) fn month_of(month: Option<&str>) -> ApiResult<String> {
    let Some(month) = month else {
        return Ok(Utc::now().format("%Y-%m").to_string());
    };
    let valid = month.len() == 7
        && month.as_bytes().get(4) == Some(&b'-')
        && chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_ok();
    if valid {
        Ok(month.to_owned())
    } else {
        Err(ApiError::field("month", "must be YYYY-MM, e.g. 2026-11"))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SmsUsage {
    messages_in: i64,
    messages_out: i64,
    segments_in: i64,
    segments_out: i64,
    /// Millionths of `currency`.
    segment_cost_micros: i64,
    number_cost_micros: i64,
    total_cost_micros: i64,
    currency: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProviderUsageView {
    provider: String,
    requests: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    cost_micros: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ModelUsage {
    requests: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    /// Micro-dollars.
    cost_micros: u64,
    /// The plan whose monthly budget applies (`user` or `premium`).
    plan: String,
    budget_micros: u64,
    providers: Vec<ProviderUsageView>,
}

pub(crate) fn sms_usage(u: GetUsageResponse) -> SmsUsage {
    SmsUsage {
        messages_in: u.messages_in,
        messages_out: u.messages_out,
        segments_in: u.segments_in,
        segments_out: u.segments_out,
        segment_cost_micros: u.segment_cost_micros,
        number_cost_micros: u.number_cost_micros,
        total_cost_micros: u.total_cost_micros,
        currency: u.currency,
    }
}

pub(crate) fn model_usage(u: GetModelUsageResponse) -> ModelUsage {
    ModelUsage {
        requests: u.requests,
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
        cost_micros: u.cost_micros,
        plan: u.plan,
        budget_micros: u.budget_micros,
        providers: u
            .providers
            .into_iter()
            .map(|p| ProviderUsageView {
                provider: p.provider,
                requests: p.requests,
                prompt_tokens: p.prompt_tokens,
                completion_tokens: p.completion_tokens,
                cost_micros: p.cost_micros,
            })
            .collect(),
    }
}

/// One person's usage of `month`, from sms-router and the agent.
pub(crate) async fn usage_of(state: &State, user_id: &str, month: &str) -> ApiResult<(SmsUsage, ModelUsage)> {
    let sms = state
        .clients
        .sms
        .clone()
        .get_usage(GetUsageRequest {
            user_id: user_id.to_owned(),
            month: month.to_owned(),
        })
        .await?
        .into_inner();
    let model = state
        .clients
        .person_data
        .clone()
        .get_model_usage(GetModelUsageRequest {
            user_id: user_id.to_owned(),
            month: month.to_owned(),
        })
        .await?
        .into_inner();
    Ok((sms_usage(sms), model_usage(model)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(month: &str, valid: bool) {
        assert_eq!(month_of(Some(month)).is_ok(), valid, "{month}");
    }

    #[test]
    fn months() {
        check("2026-11", true);
        check("2026-13", false);
        check("2026-00", false);
        check("2026-1", false);
        check("2026/11", false);
        check("x", false);
        assert_eq!(month_of(None).map(|m| m.len()).ok(), Some(7));
    }
}
