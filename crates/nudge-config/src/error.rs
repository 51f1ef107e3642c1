//! The one error of loading the configuration, naming the key at fault.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value could not be read or has the wrong type; the message names the key.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// A value is missing or not allowed in this mode.
    #[error("invalid configuration: `{key}` {problem}")]
    Key { key: &'static str, problem: String },
}

/// The error for `key`, as every check states it.
pub(crate) fn problem(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Key {
        key,
        problem: problem.into(),
    }
}
