//! The provider chain: OpenAI-compatible providers tried in order (each with
//! its time limit, retries and circuit breaker), with tool calling bound to
//! the person, personal data masked before anything leaves, usage and cost
//! recorded per person and month, and a monthly budget per plan. A turn
//! with the models is `converse.rs`; when no provider gives a usable answer
//! in time, the caller falls back to the local engine: a person is never
//! left without an answer.

pub(crate) mod mask;
pub(crate) mod persona;
pub(crate) mod provider;
pub(crate) mod tools;
pub(crate) mod usage;

use std::collections::HashMap;
use std::time::Duration;

use nudge_config::AgentSettings;
use provider::Provider;

/// The configured providers and limits.
pub(crate) struct Chain {
    pub(crate) providers: Vec<Provider>,
    /// How long a reply may take, the local engine's reserve included.
    pub(crate) deadline: Duration,
    /// Model rounds (with tool calls) of one provider's attempt.
    pub(crate) max_rounds: u32,
    /// Messages of the conversation put in the model's context.
    pub(crate) context_messages: i64,
    budgets: HashMap<String, u64>,
}

impl Chain {
    pub(crate) fn new(settings: &AgentSettings) -> Result<Chain, nudge_config::ConfigError> {
        let providers = settings
            .providers
            .iter()
            .enumerate()
            .map(|(index, provider)| Provider::new(provider, index))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Chain {
            providers,
            deadline: Duration::from_millis(settings.reply_deadline_ms),
            max_rounds: settings.max_tool_rounds,
            context_messages: i64::from(settings.context_messages),
            budgets: settings.budgets.clone(),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    pub(crate) fn budget(&self, plan: &str) -> u64 {
        self.budgets
            .get(plan)
            .or_else(|| self.budgets.get("user"))
            .copied()
            .unwrap_or(0)
    }
}
