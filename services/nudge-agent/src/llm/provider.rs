//! One OpenAI-compatible provider (through async-openai): a time limit per
//! request, bounded retries, and a circuit breaker.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{CreateChatCompletionRequest, CreateChatCompletionResponse};
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput};
use nudge_config::ProviderSettings;

/// Why a request to a provider gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CallError {
    #[error("the circuit breaker is open")]
    BreakerOpen,
    #[error("no answer in time")]
    Timeout,
    #[error("HTTP {0}")]
    Status(u16),
    #[error("the answer is not a chat completion")]
    Malformed,
    #[error("the request failed: {0}")]
    Transport(String),
    #[error("the reply deadline is near")]
    NoTimeLeft,
}

impl CallError {
    fn retryable(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Malformed | CallError::Transport(_) => true,
            CallError::Status(status) => *status == 429 || *status >= 500,
            CallError::BreakerOpen | CallError::NoTimeLeft => false,
        }
    }

    /// A stable label for metrics.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            CallError::BreakerOpen => "breaker_open",
            CallError::Timeout => "timeout",
            CallError::Status(_) => "status",
            CallError::Malformed => "malformed",
            CallError::Transport(_) => "transport",
            CallError::NoTimeLeft => "deadline",
        }
    }
}

/// Closed (requests go), open (skipped until the cool-down ends), half-open
/// (one trial request: success closes, failure opens again).
#[derive(Debug)]
pub(crate) struct Breaker {
    threshold: u32,
    cooldown: Duration,
    failures: u32,
    opened_at: Option<Instant>,
    trial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            cooldown,
            failures: 0,
            opened_at: None,
            trial: false,
        }
    }

    pub(crate) fn state(&self, now: Instant) -> BreakerState {
        match self.opened_at {
            None => BreakerState::Closed,
            Some(_) if self.trial => BreakerState::HalfOpen,
            Some(at) if now.duration_since(at) >= self.cooldown => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        }
    }

    /// Whether a request may go now (in half-open, only the one trial).
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        match self.opened_at {
            None => true,
            Some(at) if !self.trial && now.duration_since(at) >= self.cooldown => {
                self.trial = true;
                true
            }
            Some(_) => false,
        }
    }

    pub(crate) fn success(&mut self) {
        self.failures = 0;
        self.opened_at = None;
        self.trial = false;
    }

    pub(crate) fn failure(&mut self, now: Instant) {
        if self.trial {
            self.trial = false;
            self.opened_at = Some(now);
            return;
        }
        self.failures += 1;
        if self.failures >= self.threshold {
            self.opened_at = Some(now);
        }
    }
}

/// A configured provider.
pub(crate) struct Provider {
    pub(crate) name: String,
    pub(crate) model: String,
    client: Client<OpenAIConfig>,
    timeout: Duration,
    retries: u32,
    breaker: Mutex<Breaker>,
    embedding_model: Option<String>,
    /// The embeddings endpoint's own breaker (same settings).
    embedding_breaker: Mutex<Breaker>,
    pub(crate) input_micros_per_million: u64,
    pub(crate) output_micros_per_million: u64,
    pub(crate) free: bool,
}

impl Provider {
    pub(crate) fn new(settings: &ProviderSettings, index: usize) -> Result<Provider, nudge_config::ConfigError> {
        let key = settings.api_key(index)?;
        let config = OpenAIConfig::new()
            .with_api_base(settings.base_url.trim_end_matches('/'))
            .with_api_key(key.as_ref().map(|k| k.expose_secret().to_owned()).unwrap_or_default());
        Ok(Provider {
            name: settings.name.clone(),
            model: settings.model.clone(),
            // Our own retries, time limits and breaker decide: the client's
            // built-in retry layer (3 retries with backoff on 429/5xx) is left out.
            client: Client::with_config(config)
                .with_http_service(async_openai::middleware::ReqwestService::new(reqwest::Client::new())),
            timeout: Duration::from_millis(settings.timeout_ms),
            retries: settings.retries,
            breaker: Mutex::new(Breaker::new(
                settings.breaker_failures,
                Duration::from_secs(settings.breaker_cooldown_seconds),
            )),
            embedding_model: settings.embedding_model.clone(),
            embedding_breaker: Mutex::new(Breaker::new(
                settings.breaker_failures,
                Duration::from_secs(settings.breaker_cooldown_seconds),
            )),
            input_micros_per_million: settings.input_micros_per_million,
            output_micros_per_million: settings.output_micros_per_million,
            free: settings.is_free(),
        })
    }

    /// Which endpoint `breaker` guards: `chat` or `embeddings` (a metrics label).
    fn endpoint(&self, breaker: &Mutex<Breaker>) -> &'static str {
        if std::ptr::eq(breaker, &self.breaker) {
            "chat"
        } else {
            "embeddings"
        }
    }

    /// Publishes a breaker's state (0 closed, 1 half-open, 2 open).
    fn publish_breaker(&self, breaker: &Mutex<Breaker>) {
        let state = match breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .state(Instant::now())
        {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen => 1.0,
            BreakerState::Open => 2.0,
        };
        metrics::gauge!(
            "nudge_agent_provider_breaker_state",
            "provider" => self.name.clone(),
            "endpoint" => self.endpoint(breaker)
        )
        .set(state);
    }

    /// The cost of a request, in micro-dollars.
    pub(crate) fn cost_micros(&self, prompt_tokens: u32, completion_tokens: u32) -> u64 {
        (u64::from(prompt_tokens) * self.input_micros_per_million
            + u64::from(completion_tokens) * self.output_micros_per_million)
            .div_ceil(1_000_000)
    }

    /// One chat completion, retried when that may help, before `deadline`.
    pub(crate) async fn complete(
        &self,
        request: &CreateChatCompletionRequest,
        deadline: Instant,
    ) -> Result<CreateChatCompletionResponse, CallError> {
        let client = &self.client;
        self.call(&self.breaker, deadline, move || async move {
            match client.chat().create(request.clone()).await {
                Ok(response) if response.choices.is_empty() => Err(CallError::Malformed),
                Ok(response) => Ok(response),
                Err(error) => Err(call_error(error)),
            }
        })
        .await
    }

    /// The embedding model, if the provider has one.
    pub(crate) fn embedding_model(&self) -> Option<&str> {
        self.embedding_model.as_deref()
    }

    /// Whether an embeddings request may go now (its own breaker: a failing
    /// embeddings endpoint never stops chat).
    pub(crate) fn embeddings_allowed(&self) -> bool {
        self.embedding_model.is_some()
            && self
                .embedding_breaker
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .state(Instant::now())
                != BreakerState::Open
    }

    /// The vectors of `inputs` (in order) and the prompt tokens spent, from the
    /// embedding model, retried when that may help, before `deadline`.
    pub(crate) async fn embed(&self, inputs: &[String], deadline: Instant) -> Result<(Vec<Vec<f32>>, u32), CallError> {
        let Some(model) = &self.embedding_model else {
            return Err(CallError::Malformed);
        };
        let request = CreateEmbeddingRequest {
            model: model.clone(),
            input: EmbeddingInput::StringArray(inputs.to_vec()),
            ..CreateEmbeddingRequest::default()
        };
        let (client, request) = (&self.client, &request);
        self.call(&self.embedding_breaker, deadline, move || async move {
            let response = client.embeddings().create(request.clone()).await.map_err(call_error)?;
            let mut data = response.data;
            data.sort_by_key(|embedding| embedding.index);
            let vectors: Vec<Vec<f32>> = data.into_iter().map(|embedding| embedding.embedding).collect();
            let dimensions = vectors.first().map_or(0, Vec::len);
            if vectors.len() != inputs.len() || dimensions == 0 || vectors.iter().any(|v| v.len() != dimensions) {
                return Err(CallError::Malformed);
            }
            Ok((vectors, response.usage.prompt_tokens))
        })
        .await
    }

    /// One request (`once`) behind `breaker`, retried when that may help, before `deadline`.
    async fn call<T, F, Fut>(&self, breaker: &Mutex<Breaker>, deadline: Instant, once: F) -> Result<T, CallError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let lock = || breaker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !lock().allow(Instant::now()) {
            return Err(CallError::BreakerOpen);
        }
        let mut last = CallError::NoTimeLeft;
        for attempt in 0..=self.retries {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining < Duration::from_millis(50) {
                break;
            }
            let started = Instant::now();
            let outcome = match tokio::time::timeout(self.timeout.min(remaining), once()).await {
                Err(_) => Err(CallError::Timeout),
                Ok(outcome) => outcome,
            };
            metrics::histogram!(
                "nudge_agent_provider_request_seconds",
                "provider" => self.name.clone(),
                "endpoint" => self.endpoint(breaker)
            )
            .record(started.elapsed().as_secs_f64());
            match outcome {
                Ok(response) => {
                    lock().success();
                    self.publish_breaker(breaker);
                    return Ok(response);
                }
                Err(error) => {
                    metrics::counter!(
                        "nudge_agent_provider_failures_total",
                        "provider" => self.name.clone(),
                        "endpoint" => self.endpoint(breaker),
                        "reason" => error.label()
                    )
                    .increment(1);
                    tracing::warn!(
                        provider = %self.name,
                        endpoint = self.endpoint(breaker),
                        attempt,
                        error = %error,
                        "provider request failed"
                    );
                    let retry = error.retryable();
                    last = error;
                    if !retry {
                        break;
                    }
                    if attempt < self.retries {
                        tokio::time::sleep(Duration::from_millis(50 << attempt.min(4))).await;
                    }
                }
            }
        }
        lock().failure(Instant::now());
        self.publish_breaker(breaker);
        Err(last)
    }
}

fn call_error(error: OpenAIError) -> CallError {
    match error {
        OpenAIError::ApiError(error) => CallError::Status(error.status_code.as_u16()),
        OpenAIError::JSONDeserialize(..) => CallError::Malformed,
        error => CallError::Transport(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_then_lets_one_trial_through() {
        let start = Instant::now();
        let mut breaker = Breaker::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            assert!(breaker.allow(start));
            breaker.failure(start);
        }
        assert_eq!(breaker.state(start), BreakerState::Closed);
        breaker.failure(start);
        assert_eq!(breaker.state(start), BreakerState::Open);
        assert!(!breaker.allow(start + Duration::from_secs(59)));
        let later = start + Duration::from_secs(60);
        assert_eq!(breaker.state(later), BreakerState::HalfOpen);
        assert!(breaker.allow(later), "one trial");
        assert!(!breaker.allow(later), "only one");
        breaker.failure(later);
        assert_eq!(
            breaker.state(later),
            BreakerState::Open,
            "a failed trial opens it again"
        );
        let again = later + Duration::from_secs(60);
        assert!(breaker.allow(again));
        breaker.success();
        assert_eq!(breaker.state(again), BreakerState::Closed);
        assert!(breaker.allow(again));
    }
}
