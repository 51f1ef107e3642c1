use std::collections::HashMap;
use std::io::Write;

use super::*;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = [
        ("NUDGE__CRYPTO__ACTIVE_KEY", "k1"),
        ("NUDGE__CRYPTO__KEYS__K1", KEY),
        ("NUDGE__TWILIO__AUTH_TOKEN", "test-token"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in pairs {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}

fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::load(Sources {
        environment: Some(env(pairs)),
        ..Sources::default()
    })
}

#[track_caller]
fn check_error(pairs: &[(&str, &str)], key: &str) {
    let error = load(pairs).expect_err("configuration must be refused").to_string();
    assert!(error.contains(key), "error {error:?} should name {key}");
}

#[test]
fn defaults_are_the_embedded_mode() {
    let settings = load(&[]).expect("defaults load");
    assert_eq!(settings.mode, Mode::Embedded);
    assert_eq!(settings.services.api.port, 8000);
    assert_eq!(settings.services.agent.port, 8001);
    assert_eq!(settings.services.workers.port, 8002);
    assert_eq!(settings.services.sms_router.port, 8003);
    assert_eq!(settings.services.sms_router.grpc_port, Some(9003));
    assert_eq!(settings.services.agent.url, "http://127.0.0.1:8001");
    assert_eq!(settings.sms_transport(), SmsTransport::Console);
    assert_eq!(settings.log_format(), LogFormat::Pretty);
}

#[test]
fn environment_overrides_one_key_and_keeps_its_siblings() {
    let settings = load(&[("NUDGE__SERVICES__AGENT__PORT", "9101")]).expect("loads");
    assert_eq!(settings.services.agent.port, 9101);
    assert_eq!(settings.services.agent.host, "127.0.0.1");
    assert_eq!(settings.services.workers.port, 8002);
}

#[test]
fn file_overrides_defaults_and_environment_overrides_file() {
    let mut file = tempfile();
    writeln!(
        file.1,
        "[scheduler]\nbatch_size = 7\nlease_seconds = 9\n[twilio]\naccount_sid = \"ACfile\""
    )
    .expect("write");
    let settings = Settings::load(Sources {
        files: vec![file.0.clone()],
        environment: Some(env(&[("NUDGE__SCHEDULER__LEASE_SECONDS", "11")])),
        ..Sources::default()
    })
    .expect("loads");
    assert_eq!(settings.scheduler.batch_size, 7);
    assert_eq!(settings.scheduler.lease_seconds, 11);
    assert_eq!(settings.twilio.account_sid, "ACfile");
    std::fs::remove_file(&file.0).expect("cleanup");
}

#[test]
fn phone_numbers_keep_their_plus() {
    let settings = load(&[("NUDGE__DEMO__PHONE", "+33612345678"), ("NUDGE__DEMO__ENABLED", "true")]).expect("loads");
    assert_eq!(settings.demo.phone, "+33612345678");
    assert!(settings.demo.enabled);
}

#[test]
fn a_wrong_type_is_refused_naming_the_key() {
    check_error(&[("NUDGE__SERVICES__API__PORT", "abc")], "services.api.port");
    check_error(&[("NUDGE__SCHEDULER__BATCH_SIZE", "-3")], "scheduler.batch_size");
    check_error(&[("NUDGE__DEMO__ENABLED", "maybe")], "demo.enabled");
    check_error(&[("NUDGE__MODE", "cluster")], "mode");
}

#[test]
fn unknown_keys_are_refused_naming_them() {
    check_error(&[("NUDGE__SCHEDULER__BATCH", "3")], "batch");
}

#[test]
fn required_values_are_named() {
    let mut pairs = env(&[]);
    pairs.remove("NUDGE__TWILIO__AUTH_TOKEN");
    let error = Settings::load(Sources {
        environment: Some(pairs),
        ..Sources::default()
    })
    .expect_err("refused")
    .to_string();
    assert!(error.contains("twilio.auth_token"), "{error}");

    let mut pairs = env(&[]);
    pairs.remove("NUDGE__CRYPTO__ACTIVE_KEY");
    let error = Settings::load(Sources {
        environment: Some(pairs),
        ..Sources::default()
    })
    .expect_err("refused")
    .to_string();
    assert!(error.contains("crypto.active_key"), "{error}");

    check_error(&[("NUDGE__CRYPTO__KEYS__K1", "c2hvcnQ=")], "crypto.keys");
}

#[test]
fn distributed_mode_needs_the_real_servers() {
    check_error(&[("NUDGE__MODE", "distributed")], "database.url");
    check_error(
        &[
            ("NUDGE__MODE", "distributed"),
            ("NUDGE__DATABASE__URL", "postgres://localhost/test"),
        ],
        "queue.url",
    );
    let settings = load(&[
        ("NUDGE__MODE", "distributed"),
        ("NUDGE__DATABASE__URL", "postgres://localhost/test"),
        ("NUDGE__QUEUE__URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
        ("NUDGE__CACHE__URL", "redis://127.0.0.1:6379/0"),
    ])
    .expect("loads");
    assert_eq!(settings.sms_transport(), SmsTransport::Twilio);
    assert_eq!(settings.log_format(), LogFormat::Json);
}

#[test]
fn demo_values_are_checked_when_the_demo_is_on() {
    check_error(
        &[("NUDGE__DEMO__ENABLED", "true"), ("NUDGE__DEMO__PHONE", "5145550100")],
        "demo.phone",
    );
    check_error(
        &[("NUDGE__DEMO__ENABLED", "true"), ("NUDGE__DEMO__TIMEZONE", "Mars/Base")],
        "demo.timezone",
    );
}

#[test]
fn secrets_do_not_show_in_debug_output() {
    let settings = load(&[]).expect("loads");
    let debug = format!("{settings:?}");
    assert!(!debug.contains("test-token"));
    assert!(!debug.contains(KEY));
}

fn tempfile() -> (std::path::PathBuf, std::fs::File) {
    let path = std::env::temp_dir().join(format!("nudge-config-{}.toml", std::process::id()));
    let file = std::fs::File::create(&path).expect("create temp file");
    (path, file)
}

#[test]
fn agent_providers_are_checked_naming_the_key() {
    let path = std::env::temp_dir().join(format!("nudge-config-agent-{}.toml", std::process::id()));
    let mut file = (path.clone(), std::fs::File::create(&path).expect("create temp file"));
    file.1
        .write_all(
            br#"
[[agent.providers]]
name = "gemini"
base_url = "https://generativelanguage.googleapis.com/v1beta/openai"
model = "gemini-2.5-flash"
api_key_env = "NUDGE_TEST_GEMINI_KEY_THAT_IS_NOT_SET"
input_micros_per_million = 300000
output_micros_per_million = 2500000

[[agent.providers]]
name = "ollama"
base_url = "ftp://localhost:11434/v1"
model = "llama3.2"
"#,
        )
        .expect("write");
    let error = Settings::load(Sources {
        environment: Some(env(&[])),
        files: vec![file.0.clone()],
        ..Sources::default()
    })
    .expect_err("refused")
    .to_string();
    assert!(error.contains("agent.providers[1].base_url"), "{error}");
    std::fs::remove_file(&file.0).expect("cleanup");
    let settings = load(&[]).expect("defaults load");
    assert!(settings.agent.providers.is_empty(), "the local engine by default");
    check_error(&[("NUDGE__AGENT__MAX_TOOL_ROUNDS", "0")], "agent.max_tool_rounds");
    let provider = nudge_config_provider("NUDGE_TEST_GEMINI_KEY_THAT_IS_NOT_SET");
    let error = provider.api_key(0).expect_err("unset variable").to_string();
    assert!(error.contains("agent.providers[0].api_key_env"), "{error}");
}

#[test]
fn an_empty_embedding_model_is_refused_naming_the_key() {
    let path = std::env::temp_dir().join(format!("nudge-config-embedding-{}.toml", std::process::id()));
    let write = |text: &str| std::fs::write(&path, text).expect("write");
    let load_file = || {
        Settings::load(Sources {
            environment: Some(env(&[])),
            files: vec![path.clone()],
            ..Sources::default()
        })
    };
    write(
        r#"
[[agent.providers]]
name = "openai"
base_url = "https://api.openai.com/v1"
model = "gpt-4o-mini"
embedding_model = "text-embedding-3-small"

[[agent.providers]]
name = "ollama"
base_url = "http://localhost:11434/v1"
model = "llama3.2"
embedding_model = " "
"#,
    );
    let error = load_file().expect_err("refused").to_string();
    assert!(error.contains("agent.providers[1].embedding_model"), "{error}");
    write(
        r#"
[[agent.providers]]
name = "openai"
base_url = "https://api.openai.com/v1"
model = "gpt-4o-mini"
embedding_model = "text-embedding-3-small"

[[agent.providers]]
name = "ollama"
base_url = "http://localhost:11434/v1"
model = "llama3.2"
"#,
    );
    let settings = load_file().expect("loads");
    std::fs::remove_file(&path).expect("cleanup");
    let models: Vec<Option<&str>> = settings
        .agent
        .providers
        .iter()
        .map(|p| p.embedding_model.as_deref())
        .collect();
    assert_eq!(models, [Some("text-embedding-3-small"), None]);
}

fn nudge_config_provider(variable: &str) -> crate::ProviderSettings {
    crate::ProviderSettings {
        name: "p".to_owned(),
        base_url: "http://localhost".to_owned(),
        model: "m".to_owned(),
        embedding_model: None,
        api_key_env: Some(variable.to_owned()),
        api_key_file: None,
        timeout_ms: 1000,
        retries: 0,
        breaker_failures: 1,
        breaker_cooldown_seconds: 1,
        input_micros_per_million: 0,
        output_micros_per_million: 0,
    }
}

/// Issue 13, finding 6: `api.trusted_proxies` is off by default, read from a
/// file (a list) or the environment (one comma-separated string), and a bad
/// entry is refused by key and position.
#[test]
fn anonymous_limits_trusted_proxies_setting() {
    let settings = load(&[]).expect("loads");
    assert!(settings.api.trusted_proxies.is_empty());
    assert_eq!(settings.api.client_address_header, ClientAddressHeader::XForwardedFor);
    let settings = load(&[
        ("NUDGE__API__TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,fd00::/8"),
        ("NUDGE__API__CLIENT_ADDRESS_HEADER", "forwarded"),
    ])
    .expect("loads");
    let proxies = &settings.api.trusted_proxies;
    for (address, trusted) in [
        ("10.9.8.7", true),
        ("192.0.2.7", true),
        ("fd00::5", true),
        ("192.0.2.8", false),
    ] {
        assert_eq!(proxies.contains(address.parse().expect("ip")), trusted, "{address}");
    }
    assert_eq!(settings.api.client_address_header, ClientAddressHeader::Forwarded);

    let mut file = tempfile();
    writeln!(file.1, "[api]\ntrusted_proxies = [\"127.0.0.1\", \"172.16.0.0/12\"]").expect("write");
    let settings = Settings::load(Sources {
        files: vec![file.0.clone()],
        environment: Some(env(&[])),
        ..Sources::default()
    })
    .expect("loads");
    assert!(settings.api.trusted_proxies.contains("172.20.0.1".parse().expect("ip")));
    std::fs::remove_file(&file.0).expect("cleanup");

    for (key, value) in [
        ("NUDGE__API__TRUSTED_PROXIES", "10.0.0.0/8,proxy.example.com"),
        ("NUDGE__API__TRUSTED_PROXIES", "10.0.0.0/40"),
        ("NUDGE__API__CLIENT_ADDRESS_HEADER", "x-real-ip"),
    ] {
        let error = load(&[(key, value)]).expect_err("refused").to_string();
        let named = if key.ends_with("PROXIES") {
            "api.trusted_proxies"
        } else {
            "client_address_header"
        };
        assert!(error.contains(named), "{error}");
    }
    let error = load(&[("NUDGE__API__TRUSTED_PROXIES", "10.0.0.0/8,nope")])
        .expect_err("refused")
        .to_string();
    assert!(error.contains("entry 2"), "{error}");
}

#[test]
fn sms_defaults() {
    let settings = load(&[]).expect("loads");
    assert!((settings.sms.segments_per_second - 1.0).abs() < f64::EPSILON);
    assert_eq!(settings.sms.micros_per_segment(), 1_000_000);
    assert_eq!(settings.sms.segment_budget, 2);
    assert!(settings.sms.compliance_replies);
    assert!(settings.sms.stranger_reply);
    assert_eq!(settings.sms.currency, "USD");
    assert_eq!(settings.twilio.number_country, "US");
    assert_eq!(settings.twilio.request_timeout_ms, 15_000);
}

#[test]
fn sms_values_from_the_environment() {
    let settings = load(&[
        ("NUDGE__SMS__SEGMENTS_PER_SECOND", "2.5"),
        ("NUDGE__SMS__SEGMENT_BUDGET", "3"),
        ("NUDGE__SMS__COMPLIANCE_REPLIES", "false"),
        ("NUDGE__SMS__PRICE_PER_SEGMENT_MICROS", "7900"),
        ("NUDGE__SMS__CURRENCY", "CAD"),
    ])
    .expect("loads");
    assert_eq!(settings.sms.micros_per_segment(), 400_000);
    assert_eq!(settings.sms.segment_budget, 3);
    assert!(!settings.sms.compliance_replies);
    assert_eq!(settings.sms.price_per_segment_micros, 7900);
    assert_eq!(settings.sms.currency, "CAD");
}

#[test]
fn bad_sms_values_are_refused_naming_the_key() {
    check_error(&[("NUDGE__SMS__SEGMENTS_PER_SECOND", "0")], "sms.segments_per_second");
    check_error(&[("NUDGE__SMS__SEGMENTS_PER_SECOND", "-1")], "sms.segments_per_second");
    check_error(
        &[("NUDGE__SMS__SEGMENTS_PER_SECOND", "fast")],
        "sms.segments_per_second",
    );
    check_error(&[("NUDGE__SMS__SEGMENT_BUDGET", "0")], "sms.segment_budget");
    check_error(&[("NUDGE__SMS__SEGMENT_BUDGET", "25")], "sms.segment_budget");
    check_error(&[("NUDGE__SMS__SENDER_CONCURRENCY", "0")], "sms.sender_concurrency");
    check_error(&[("NUDGE__SMS__DISPATCH_CONCURRENCY", "0")], "sms.dispatch_concurrency");
    check_error(
        &[("NUDGE__SMS__WEBHOOK_STORE_DEADLINE_MS", "15000")],
        "sms.webhook_store_deadline_ms",
    );
    check_error(&[("NUDGE__SMS__SEND_MAX_ATTEMPTS", "0")], "sms.send_max_attempts");
    check_error(
        &[("NUDGE__SMS__SPOOL_DRAIN_CONCURRENCY", "0")],
        "sms.spool_drain_concurrency",
    );
    check_error(
        &[
            ("NUDGE__SMS__RETRY_BASE_MS", "5000"),
            ("NUDGE__SMS__RETRY_MAX_MS", "100"),
        ],
        "sms.retry_max_ms",
    );
    check_error(&[("NUDGE__SMS__SEND_LEASE_SECONDS", "1")], "sms.send_lease_seconds");
    check_error(&[("NUDGE__SMS__CURRENCY", "dollars")], "sms.currency");
    check_error(
        &[("NUDGE__SMS__PRICE_PER_SEGMENT_MICROS", "-5")],
        "sms.price_per_segment_micros",
    );
    check_error(&[("NUDGE__TWILIO__NUMBER_COUNTRY", "usa")], "twilio.number_country");
    check_error(
        &[("NUDGE__TWILIO__REQUEST_TIMEOUT_MS", "5")],
        "twilio.request_timeout_ms",
    );
}

#[test]
fn api_defaults_and_refusals_name_the_key() {
    let settings = load(&[]).expect("loads");
    assert_eq!(settings.api.anonymous_per_minute, 10);
    assert_eq!(settings.api.authenticated_per_minute, 100);
    assert_eq!(settings.api.argon2_memory_kib, 19_456);
    assert!(settings.api.jwt_secret.is_none());
    let settings = load(&[("NUDGE__API__AUTHENTICATED_PER_MINUTE", "250")]).expect("loads");
    assert_eq!(settings.api.authenticated_per_minute, 250);
    check_error(&[("NUDGE__API__JWT_SECRET", "short")], "api.jwt_secret");
    check_error(&[("NUDGE__API__ACCESS_TOKEN_SECONDS", "5")], "api.access_token_seconds");
    check_error(&[("NUDGE__API__ANONYMOUS_PER_MINUTE", "0")], "api.anonymous_per_minute");
    check_error(&[("NUDGE__API__PREMIUM_PER_MINUTE", "50")], "api.premium_per_minute");
    check_error(&[("NUDGE__API__ARGON2_MEMORY_KIB", "lots")], "api.argon2_memory_kib");
    check_error(&[("NUDGE__API__MAX_BODY_BYTES", "10")], "api.max_body_bytes");
    check_error(&[("NUDGE__API__LOGIN_MAX_FAILURES", "0")], "api.login_max_failures");
    check_error(&[("NUDGE__API__CODE_TTL_SECONDS", "1")], "api.code_ttl_seconds");
}

#[test]
fn a_service_address_follows_its_port_unless_set() {
    #[track_caller]
    fn check(pairs: &[(&str, &str)], service: fn(&ServicesSettings) -> &ServiceSettings, url: &str) {
        let settings = load(pairs).expect("loads");
        assert_eq!(service(&settings.services).url, url, "for {pairs:?}");
    }
    fn agent(services: &ServicesSettings) -> &ServiceSettings {
        &services.agent
    }
    fn workers(services: &ServicesSettings) -> &ServiceSettings {
        &services.workers
    }
    fn sms_router(services: &ServicesSettings) -> &ServiceSettings {
        &services.sms_router
    }
    check(
        &[("NUDGE__SERVICES__AGENT__PORT", "9101")],
        agent,
        "http://127.0.0.1:9101",
    );
    check(
        &[("NUDGE__SERVICES__WORKERS__PORT", "9102")],
        workers,
        "http://127.0.0.1:9102",
    );
    // sms-router is called on its gRPC port, not on its webhook port.
    check(
        &[("NUDGE__SERVICES__SMS_ROUTER__PORT", "9104")],
        sms_router,
        "http://127.0.0.1:9003",
    );
    check(
        &[("NUDGE__SERVICES__SMS_ROUTER__GRPC_PORT", "9103")],
        sms_router,
        "http://127.0.0.1:9103",
    );
    // A bind address other services can dial is kept; "all interfaces" is reached on loopback.
    check(
        &[
            ("NUDGE__SERVICES__AGENT__HOST", "10.1.2.3"),
            ("NUDGE__SERVICES__AGENT__PORT", "7001"),
        ],
        agent,
        "http://10.1.2.3:7001",
    );
    check(
        &[("NUDGE__SERVICES__AGENT__HOST", "0.0.0.0")],
        agent,
        "http://127.0.0.1:8001",
    );
    check(&[("NUDGE__SERVICES__AGENT__HOST", "::")], agent, "http://[::1]:8001");
    // An address set explicitly wins (Compose, Kubernetes: another host's name).
    check(
        &[
            ("NUDGE__SERVICES__AGENT__PORT", "9101"),
            ("NUDGE__SERVICES__AGENT__URL", "http://agent:8001"),
        ],
        agent,
        "http://agent:8001",
    );
    // The same from a file (`tempfile()` is taken by another test running at the same time).
    let path = std::env::temp_dir().join(format!("nudge-config-ports-{}.toml", std::process::id()));
    std::fs::write(&path, "[services.workers]\nport = 7002\n").expect("write");
    let settings = Settings::load(Sources {
        files: vec![path.clone()],
        environment: Some(env(&[])),
        ..Sources::default()
    })
    .expect("loads");
    std::fs::remove_file(&path).expect("cleanup");
    assert_eq!(settings.services.workers.url, "http://127.0.0.1:7002");
}
