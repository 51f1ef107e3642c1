//! `agent.*`: the language-model provider chain, budgets and conversation
//! limits (issue 5). No provider configured means the local engine only.

use std::collections::HashMap;

use nudge_secure::SecretString;
use serde::Deserialize;

use crate::error::ConfigError;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSettings {
    /// OpenAI-compatible providers, tried in order before the local engine.
    pub providers: Vec<ProviderSettings>,
    /// The whole answer (every provider tried, then the local engine) within this time.
    pub reply_deadline_ms: u64,
    /// Model rounds in one turn (each may call tools) before the provider is given up.
    pub max_tool_rounds: u32,
    /// Recent messages of the conversation sent as context.
    pub context_messages: u32,
    /// Monthly model budget per plan, in micro-dollars (`user`, `premium`).
    pub budgets: HashMap<String, u64>,
}

impl Default for AgentSettings {
    fn default() -> Self {
        AgentSettings {
            providers: Vec::new(),
            reply_deadline_ms: 8_000,
            max_tool_rounds: 4,
            context_messages: 6,
            budgets: [("user".to_owned(), 500_000), ("premium".to_owned(), 5_000_000)].into(),
        }
    }
}

fn default_timeout_ms() -> u64 {
    8_000
}
fn default_retries() -> u32 {
    1
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown_seconds() -> u64 {
    60
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// A short name, for logs, metrics and usage records ("gemini", "ollama").
    pub name: String,
    /// The OpenAI-compatible base URL, up to `/v1` (or the provider's equivalent).
    pub base_url: String,
    pub model: String,
    /// The provider's embedding model ("text-embedding-3-small"): when set, memories and
    /// recall queries are embedded (masked) to rank recall by meaning as well as by words.
    #[serde(default)]
    pub embedding_model: Option<String>,
    /// The environment variable holding the API key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// A file holding the API key (a mounted secret).
    #[serde(default)]
    pub api_key_file: Option<String>,
    /// One request's time limit.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Retries of a failed request (timeouts, 429 and 5xx) before the next provider.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Consecutive failures that open the circuit breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long an open breaker skips the provider before one trial request.
    #[serde(default = "default_breaker_cooldown_seconds")]
    pub breaker_cooldown_seconds: u64,
    /// Price of one million prompt tokens, in micro-dollars (0: free, e.g. Ollama).
    #[serde(default)]
    pub input_micros_per_million: u64,
    /// Price of one million completion tokens, in micro-dollars.
    #[serde(default)]
    pub output_micros_per_million: u64,
}

impl ProviderSettings {
    /// Whether using it costs nothing (a local model): still allowed over budget.
    pub fn is_free(&self) -> bool {
        self.input_micros_per_million == 0 && self.output_micros_per_million == 0
    }

    /// The API key: from `api_key_env`, else `api_key_file`, else none (local servers).
    pub fn api_key(&self, index: usize) -> Result<Option<SecretString>, ConfigError> {
        if let Some(variable) = &self.api_key_env {
            return match std::env::var(variable) {
                Ok(value) if !value.trim().is_empty() => Ok(Some(SecretString::from(value.trim().to_owned()))),
                _ => Err(ConfigError::Invalid(format!(
                    "`agent.providers[{index}].api_key_env` names {variable}, which is not set"
                ))),
            };
        }
        if let Some(path) = &self.api_key_file {
            return match std::fs::read_to_string(path) {
                Ok(value) if !value.trim().is_empty() => Ok(Some(SecretString::from(value.trim().to_owned()))),
                Ok(_) => Err(ConfigError::Invalid(format!(
                    "`agent.providers[{index}].api_key_file` is empty"
                ))),
                Err(error) => Err(ConfigError::Invalid(format!(
                    "`agent.providers[{index}].api_key_file` cannot be read: {error}"
                ))),
            };
        }
        Ok(None)
    }
}

impl AgentSettings {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let refuse = |key: String, problem: &str| Err(ConfigError::Invalid(format!("`{key}` {problem}")));
        if !(1_000..=120_000).contains(&self.reply_deadline_ms) {
            return refuse("agent.reply_deadline_ms".to_owned(), "must be between 1000 and 120000");
        }
        if !(1..=10).contains(&self.max_tool_rounds) {
            return refuse("agent.max_tool_rounds".to_owned(), "must be between 1 and 10");
        }
        if self.context_messages > 50 {
            return refuse("agent.context_messages".to_owned(), "must be at most 50");
        }
        for plan in self.budgets.keys() {
            if !matches!(plan.as_str(), "user" | "premium") {
                return refuse(format!("agent.budgets.{plan}"), "is not a plan (user, premium)");
            }
        }
        let mut names = Vec::new();
        for (i, provider) in self.providers.iter().enumerate() {
            let key = |field: &str| format!("agent.providers[{i}].{field}");
            if provider.name.trim().is_empty() || names.contains(&provider.name) {
                return refuse(key("name"), "must be set and unique");
            }
            names.push(provider.name.clone());
            if !provider.base_url.starts_with("http://") && !provider.base_url.starts_with("https://") {
                return refuse(key("base_url"), "must be an http:// or https:// URL");
            }
            if provider.model.trim().is_empty() {
                return refuse(key("model"), "is required");
            }
            if provider.embedding_model.as_ref().is_some_and(|m| m.trim().is_empty()) {
                return refuse(
                    key("embedding_model"),
                    "must not be empty (leave it out for no embeddings)",
                );
            }
            if provider.api_key_env.is_some() && provider.api_key_file.is_some() {
                return refuse(key("api_key_env"), "and api_key_file cannot both be set");
            }
            if !(100..=120_000).contains(&provider.timeout_ms) {
                return refuse(key("timeout_ms"), "must be between 100 and 120000");
            }
            if provider.retries > 5 {
                return refuse(key("retries"), "must be at most 5");
            }
            if provider.breaker_failures == 0 {
                return refuse(key("breaker_failures"), "must be at least 1");
            }
        }
        Ok(())
    }
}
