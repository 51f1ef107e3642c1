//! `agent_usage` (tokens and cost per person, month and provider) and
//! `agent_preferences` (plan, local engine only, budget notice).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use nudge_store::schema::{agent_preferences, agent_usage};
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

/// A person's model preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Preferences {
    pub(crate) plan: String,
    pub(crate) local_only: bool,
    pub(crate) budget_told_month: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            plan: "user".to_owned(),
            local_only: false,
            budget_told_month: None,
        }
    }
}

pub(crate) async fn preferences(conn: &mut DbConn, user_id: &str) -> QueryResult<Preferences> {
    let row: Option<(String, bool, Option<String>)> = with_conn!(conn, c => {
        agent_preferences::table
            .find(user_id)
            .select((
                agent_preferences::plan,
                agent_preferences::local_only,
                agent_preferences::budget_told_month,
            ))
            .first(c)
            .await
            .optional()
    })?;
    Ok(row
        .map(|(plan, local_only, budget_told_month)| Preferences {
            plan,
            local_only,
            budget_told_month,
        })
        .unwrap_or_default())
}

pub(crate) async fn save_preferences(
    conn: &mut DbConn,
    user_id: &str,
    preferences: &Preferences,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, c => {
        diesel::insert_into(agent_preferences::table)
            .values((
                agent_preferences::user_id.eq(user_id),
                agent_preferences::plan.eq(&preferences.plan),
                agent_preferences::local_only.eq(preferences.local_only),
                agent_preferences::budget_told_month.eq(&preferences.budget_told_month),
                agent_preferences::updated_at.eq(now),
            ))
            .on_conflict(agent_preferences::user_id)
            .do_update()
            .set((
                agent_preferences::plan.eq(&preferences.plan),
                agent_preferences::local_only.eq(preferences.local_only),
                agent_preferences::budget_told_month.eq(&preferences.budget_told_month),
                agent_preferences::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// One model request's usage.
pub(crate) struct Usage<'a> {
    pub(crate) month: &'a str,
    pub(crate) provider: &'a str,
    pub(crate) prompt_tokens: u32,
    pub(crate) completion_tokens: u32,
    pub(crate) cost_micros: u64,
}

/// Adds one request's usage.
pub(crate) async fn record(conn: &mut DbConn, user_id: &str, usage: &Usage<'_>, now: NaiveDateTime) -> QueryResult<()> {
    let (month, provider) = (usage.month, usage.provider);
    let prompt = i32::try_from(usage.prompt_tokens).unwrap_or(i32::MAX);
    let completion = i32::try_from(usage.completion_tokens).unwrap_or(i32::MAX);
    let cost = i32::try_from(usage.cost_micros).unwrap_or(i32::MAX);
    with_conn!(conn, c => {
        diesel::insert_into(agent_usage::table)
            .values((
                agent_usage::user_id.eq(user_id),
                agent_usage::month.eq(month),
                agent_usage::provider.eq(provider),
                agent_usage::requests.eq(1),
                agent_usage::prompt_tokens.eq(prompt),
                agent_usage::completion_tokens.eq(completion),
                agent_usage::cost_micros.eq(cost),
                agent_usage::updated_at.eq(now),
            ))
            .on_conflict((agent_usage::user_id, agent_usage::month, agent_usage::provider))
            .do_update()
            .set((
                agent_usage::requests.eq(agent_usage::requests + 1),
                agent_usage::prompt_tokens.eq(agent_usage::prompt_tokens + prompt),
                agent_usage::completion_tokens.eq(agent_usage::completion_tokens + completion),
                agent_usage::cost_micros.eq(agent_usage::cost_micros + cost),
                agent_usage::updated_at.eq(now),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// What the person's model use cost this month, in micro-dollars.
pub(crate) async fn month_cost(conn: &mut DbConn, user_id: &str, month: &str) -> QueryResult<u64> {
    let costs: Vec<i32> = with_conn!(conn, c => {
        agent_usage::table
            .filter(agent_usage::user_id.eq(user_id))
            .filter(agent_usage::month.eq(month))
            .select(agent_usage::cost_micros)
            .load(c)
            .await
    })?;
    Ok(costs.into_iter().map(|c| u64::try_from(c).unwrap_or(0)).sum())
}
