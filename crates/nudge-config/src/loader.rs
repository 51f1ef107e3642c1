//! The loader: built-in defaults, then the TOML files, then the environment.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::ConfigError;
use crate::services::service_defaults;
use crate::settings::Settings;

/// The environment variable prefix; `NUDGE__A__B` sets `a.b`.
pub const ENV_PREFIX: &str = "NUDGE";
/// Separator between the prefix and the levels of a key in environment variable names.
pub const ENV_SEPARATOR: &str = "__";

/// Where configuration comes from, lowest precedence first.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// Values that replace the built-in defaults (used by `nudge dev` for its data dir).
    pub defaults: Vec<(String, String)>,
    /// TOML files, applied in order; each must exist.
    pub files: Vec<PathBuf>,
    /// The environment. `None` reads the process environment.
    pub environment: Option<HashMap<String, String>>,
}

/// Names a TOML configuration file to read (optional).
pub const CONFIG_FILE_ENV: &str = "NUDGE_CONFIG";

impl Sources {
    /// The process environment, plus the file named by `NUDGE_CONFIG` if set.
    pub fn from_process() -> Sources {
        Sources {
            files: std::env::var_os(CONFIG_FILE_ENV)
                .map(PathBuf::from)
                .into_iter()
                .collect(),
            ..Sources::default()
        }
    }
}

impl Settings {
    /// Loads and validates settings from the given sources.
    pub fn load(sources: Sources) -> Result<Settings, ConfigError> {
        let mut builder = config::Config::builder();
        for (name, service) in service_defaults() {
            let key = |field: &str| format!("services.{name}.{field}");
            builder = builder
                .set_default(key("host"), service.host)
                .and_then(|b| b.set_default(key("port"), i64::from(service.port)))
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            if let Some(grpc_port) = service.grpc_port {
                builder = builder
                    .set_default(key("grpc_port"), i64::from(grpc_port))
                    .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            }
        }
        for (key, value) in &sources.defaults {
            builder = builder
                .set_default(key.as_str(), value.as_str())
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        }
        for file in &sources.files {
            builder = builder.add_source(
                config::File::from(file.as_path())
                    .format(config::FileFormat::Toml)
                    .required(true),
            );
        }
        // No `try_parsing`: it would turn "+15145550199" into a number and drop the `+`.
        // Typed fields still accept "8000" or "true" from the environment.
        let environment = config::Environment::with_prefix(ENV_PREFIX)
            .prefix_separator(ENV_SEPARATOR)
            .separator(ENV_SEPARATOR)
            .source(sources.environment.map(|env| env.into_iter().collect()));
        // No default for `services.*.url`: an unset one follows the port (below).
        let mut settings: Settings = builder
            .add_source(environment)
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        settings.services = settings.services.with_addresses_from_ports();
        settings.validate()?;
        Ok(settings)
    }
}
