//! A fake OpenAI-compatible chat server for tests and the evaluation harness.
//!
//! It serves `POST /v1/chat/completions` in OpenAI's documented format
//! (`choices[0].message` with `content` or `tool_calls`, `finish_reason`,
//! `usage`), plays a script of answers in order, and can fail the way real
//! providers do: hang, answer 500 or 429 with OpenAI's error body
//! (`{"error":{"message","type","param","code"}}`), answer malformed JSON,
//! call a tool that does not exist, or call the same tool forever.
//!
//! It also serves `POST /v1/embeddings` (OpenAI's format: `{"object":"list",
//! "data":[{"object":"embedding","index","embedding":[..]}],"model","usage"}`)
//! with deterministic vectors: a hashed bag of concepts ([`embedding`]), where
//! words of one family share a concept ("sister", "brother", "sibling" ...), so
//! a text about a sister is close to a question about a sibling without a
//! word in common. [`FakeOpenAi::fail_embeddings`] makes it fail like the chat.
//!
//! Every request body it receives is kept, so a test can check what left
//! Nudge (masking, context, tools offered, texts sent for embeddings).

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// The largest request body read (2 MiB): room for a long conversation sent
/// as context, and for a batch of texts to embed.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// One answer of the script.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// An assistant message with this text (`finish_reason: "stop"`).
    Reply(String),
    /// Tool calls: (function name, arguments as the JSON text the model wrote).
    ToolCalls(Vec<(String, String)>),
    /// Never answers (the client must time out).
    Hang,
    /// Answers after a delay, then plays the inner step.
    Slow(Duration, Box<Step>),
    /// An HTTP error with OpenAI's error body, e.g. 500 `server_error`, 429 `rate_limit_exceeded`.
    Error(u16),
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with JSON that is not a chat completion.
    WrongShape,
    /// Plays the inner step for every request from now on (an endless tool loop).
    Forever(Box<Step>),
}

impl Step {
    /// A reply text.
    pub fn reply(text: &str) -> Step {
        Step::Reply(text.to_owned())
    }

    /// One tool call.
    pub fn call(name: &str, arguments: Value) -> Step {
        Step::ToolCalls(vec![(name.to_owned(), arguments.to_string())])
    }

    /// One tool call whose arguments are raw text (possibly not JSON).
    pub fn call_raw(name: &str, arguments: &str) -> Step {
        Step::ToolCalls(vec![(name.to_owned(), arguments.to_owned())])
    }
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Step>,
    requests: Vec<Value>,
    api_key: Option<String>,
    calls: usize,
    /// Played for every embeddings request while set (a failure mode).
    embeddings_failure: Option<Step>,
    embedding_requests: Vec<Value>,
    /// Size of the vectors when a request asks for none (`None`: [`EMBEDDING_DIMENSIONS`]).
    dimensions: Option<usize>,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(shared: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake.
pub struct FakeOpenAi {
    shared: Shared,
    addr: SocketAddr,
    server: JoinHandle<std::io::Result<()>>,
}

impl FakeOpenAi {
    /// Starts on a free local port with `script`; `api_key`, when given, must
    /// come as `Authorization: Bearer <key>` (else 401 `invalid_api_key`).
    pub async fn start(script: Vec<Step>, api_key: Option<&str>) -> std::io::Result<FakeOpenAi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared: Shared = Arc::new(Mutex::new(Inner {
            script: script.into(),
            api_key: api_key.map(str::to_owned),
            ..Inner::default()
        }));
        let data = web::Data::from(Arc::clone(&shared));
        // One worker (its own thread and runtime) is plenty for a test, and
        // it runs beside whatever runtime the test started the fake from.
        // No Nagle wait for a delayed ACK: the fake answers at once.
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .route("/v1/chat/completions", web::post().to(chat))
                .route("/v1/embeddings", web::post().to(embeddings))
        })
        .workers(1)
        .tcp_nodelay(true)
        .disable_signals()
        .listen(listener)?
        .run();
        // The fake lives as long as the test; dropping the server (on abort)
        // stops its workers.
        let server = tokio::spawn(server);
        Ok(FakeOpenAi { shared, addr, server })
    }

    /// The `api_base` to configure: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Appends steps to the script.
    pub fn push(&self, steps: impl IntoIterator<Item = Step>) {
        lock(&self.shared).script.extend(steps);
    }

    /// Every request body received, oldest first.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.shared).requests.clone()
    }

    /// How many chat requests arrived (including refused ones).
    pub fn calls(&self) -> usize {
        lock(&self.shared).calls
    }

    /// Every embeddings request body received (well-formed ones), oldest first.
    pub fn embedding_requests(&self) -> Vec<Value> {
        lock(&self.shared).embedding_requests.clone()
    }

    /// From now on, vectors have `dimensions` components unless a request
    /// asks for others (a real model's size: `text-embedding-3-small` gives 1,536).
    pub fn set_embedding_dimensions(&self, dimensions: usize) {
        lock(&self.shared).dimensions = Some(dimensions);
    }

    /// From now on, embeddings requests play `step` (e.g. `Step::Error(503)`,
    /// `Step::Hang`, `Step::Malformed`) instead of answering; `None` heals.
    pub fn fail_embeddings(&self, step: Option<Step>) {
        lock(&self.shared).embeddings_failure = step;
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A request body as OpenAI reads it: JSON with a `model` and the endpoint's
/// `field` (`present` says whether it is there), or the 400 OpenAI gives.
fn read_request(body: &str, field: &str, present: impl Fn(&Value) -> bool) -> Result<Value, Box<HttpResponse>> {
    let refused = |message: &str| Box::new(error(StatusCode::BAD_REQUEST, message, "invalid_request_error", None));
    let Ok(request) = serde_json::from_str::<Value>(body) else {
        return Err(refused("We could not parse the JSON body of your request."));
    };
    if !request["model"].is_string() || !present(&request[field]) {
        return Err(refused(&format!("'model' and '{field}' are required properties.")));
    }
    Ok(request)
}

fn refuse_unauthorized(inner: &Inner, headers: &HeaderMap) -> Option<HttpResponse> {
    let key = inner.api_key.as_ref()?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    (given != Some(key.as_str())).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            "invalid_request_error",
            Some("invalid_api_key"),
        )
    })
}

fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "error": { "message": message, "type": kind, "param": null, "code": code }
    }))
}

/// Rough token count, like a tokenizer would give for English: one per 4 characters.
fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4).max(1)
}

fn completion(model: &str, prompt_tokens: u64, message: Value, finish_reason: &str, calls: usize) -> HttpResponse {
    let completion_tokens = tokens(&message.to_string());
    HttpResponse::Ok().json(json!({
        "id": format!("chatcmpl-fake-{calls}"),
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": model,
        "choices": [{ "index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        }
    }))
}

async fn chat(shared: web::Data<Mutex<Inner>>, http_request: HttpRequest, body: String) -> HttpResponse {
    let (step, calls) = {
        let mut inner = lock(&shared);
        inner.calls += 1;
        if let Some(refused) = refuse_unauthorized(&inner, http_request.headers()) {
            return refused;
        }
        let request = match read_request(&body, "messages", Value::is_array) {
            Ok(request) => request,
            Err(refused) => return *refused,
        };
        inner.requests.push(request);
        let step = match inner.script.front() {
            Some(Step::Forever(inner_step)) => Some((**inner_step).clone()),
            Some(_) => inner.script.pop_front(),
            None => None,
        };
        (step, inner.calls)
    };
    let request = lock(&shared).requests.last().cloned().unwrap_or(Value::Null);
    let model = request["model"].as_str().unwrap_or("fake").to_owned();
    let prompt_tokens = tokens(&request["messages"].to_string());
    play(step, &model, prompt_tokens, calls).await
}

async fn play(step: Option<Step>, model: &str, prompt_tokens: u64, calls: usize) -> HttpResponse {
    let mut step = step;
    loop {
        return match step {
            None => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The fake's script is exhausted.",
                "server_error",
                None,
            ),
            Some(Step::Reply(text)) => completion(
                model,
                prompt_tokens,
                json!({ "role": "assistant", "content": text, "refusal": null }),
                "stop",
                calls,
            ),
            Some(Step::ToolCalls(list)) => {
                let tool_calls: Vec<Value> = list
                    .iter()
                    .enumerate()
                    .map(|(i, (name, arguments))| {
                        json!({
                            "id": format!("call_{calls}_{i}"),
                            "type": "function",
                            "function": { "name": name, "arguments": arguments }
                        })
                    })
                    .collect();
                completion(
                    model,
                    prompt_tokens,
                    json!({ "role": "assistant", "content": null, "tool_calls": tool_calls }),
                    "tool_calls",
                    calls,
                )
            }
            Some(Step::Hang) => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                error(StatusCode::GATEWAY_TIMEOUT, "Hung.", "server_error", None)
            }
            Some(Step::Slow(delay, then)) => {
                tokio::time::sleep(delay).await;
                step = Some(*then);
                continue;
            }
            Some(Step::Error(status)) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                match status.as_u16() {
                    429 => error(
                        status,
                        "Rate limit reached for requests.",
                        "requests",
                        Some("rate_limit_exceeded"),
                    ),
                    401 => error(
                        status,
                        "Incorrect API key provided.",
                        "invalid_request_error",
                        Some("invalid_api_key"),
                    ),
                    _ => error(
                        status,
                        "The server had an error while processing your request.",
                        "server_error",
                        None,
                    ),
                }
            }
            Some(Step::Malformed) => HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .body("{\"id\": \"chatcmpl-broken\", \"choices\": [{\"message\": {\"role\": \"assist"),
            Some(Step::WrongShape) => HttpResponse::Ok().json(json!({ "hello": "world" })),
            Some(Step::Forever(inner)) => {
                step = Some(*inner);
                continue;
            }
        };
    }
}

/// Dimensions of the fake's vectors unless the request asks for others (`dimensions`).
pub const EMBEDDING_DIMENSIONS: usize = 64;

/// Words of one family, embedded as one concept (English and French, folded).
const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "sibling",
        &[
            "sibling", "siblings", "sister", "sisters", "brother", "brothers", "soeur", "frere",
        ],
    ),
    (
        "parent",
        &[
            "parent", "parents", "mother", "mom", "mum", "father", "dad", "mere", "pere", "maman", "papa",
        ],
    ),
    (
        "medication",
        &[
            "medication",
            "medications",
            "medicine",
            "meds",
            "pill",
            "pills",
            "medicament",
            "medicaments",
        ],
    ),
    ("physician", &["doctor", "physician", "gp", "medecin", "docteur"]),
    ("pet", &["pet", "pets", "cat", "cats", "dog", "dogs", "chat", "chien"]),
    (
        "work",
        &["work", "job", "boss", "office", "travail", "boulot", "patron"],
    ),
];

/// Words the fake's vectors leave out (they carry no meaning).
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "my", "is", "are", "who", "what", "i", "to", "of", "and", "me", "do", "you", "about", "mon",
    "ma", "mes", "le", "la", "les", "est", "qui", "de", "et",
];

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn fold(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' => 'i',
        'ô' | 'ö' => 'o',
        'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        other => other,
    }
}

/// The fake's vector of `text` (unit length, or all zeros for a text with no
/// meaningful word): each word, lowercased and without accents, counts for
/// its concept ([`CONCEPTS`]) or itself, hashed into one of `dimensions`.
pub fn embedding(text: &str, dimensions: usize) -> Vec<f32> {
    let dimensions = dimensions.max(1);
    let mut vector = vec![0f32; dimensions];
    let lower: String = text.to_lowercase().chars().map(fold).collect();
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() || FUNCTION_WORDS.contains(&word) {
            continue;
        }
        let concept = CONCEPTS
            .iter()
            .find(|(_, words)| words.contains(&word))
            .map_or(word, |(concept, _)| concept);
        let hash = fnv1a(concept);
        let slot = usize::try_from(hash % dimensions as u64).unwrap_or(0);
        vector[slot] += 1.0;
    }
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut vector {
            *x /= norm;
        }
    }
    vector
}

async fn embeddings(shared: web::Data<Mutex<Inner>>, http_request: HttpRequest, body: String) -> HttpResponse {
    let (failure, dimensions, request) = {
        let mut inner = lock(&shared);
        if let Some(refused) = refuse_unauthorized(&inner, http_request.headers()) {
            return refused;
        }
        let request = match read_request(&body, "input", |input| !input.is_null()) {
            Ok(request) => request,
            Err(refused) => return *refused,
        };
        inner.embedding_requests.push(request.clone());
        (inner.embeddings_failure.clone(), inner.dimensions, request)
    };
    if let Some(step) = failure {
        return play(Some(step), "fake", 1, 0).await;
    }
    let inputs: Vec<String> = match &request["input"] {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) if items.iter().all(Value::is_string) && !items.is_empty() => {
            items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "'input' must be a string or an array of strings.",
                "invalid_request_error",
                Some("invalid_value"),
            );
        }
    };
    if inputs.iter().any(String::is_empty) {
        return error(
            StatusCode::BAD_REQUEST,
            "'input' cannot be an empty string.",
            "invalid_request_error",
            Some("invalid_value"),
        );
    }
    let dimensions = request["dimensions"]
        .as_u64()
        .and_then(|d| usize::try_from(d).ok())
        .or(dimensions)
        .unwrap_or(EMBEDDING_DIMENSIONS);
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| json!({ "object": "embedding", "index": index, "embedding": embedding(text, dimensions) }))
        .collect();
    let prompt_tokens: u64 = inputs.iter().map(|text| tokens(text)).sum();
    HttpResponse::Ok().json(json!({
        "object": "list",
        "data": data,
        "model": request["model"],
        "usage": { "prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens }
    }))
}
