//! `crypto.*`: the encryption keys.

use std::collections::HashMap;

use nudge_secure::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoSettings {
    /// The key id new ciphertexts are made with.
    pub active_key: Option<String>,
    /// Key id -> base64 of 32 random bytes. Old keys stay here until rotated out.
    pub keys: HashMap<String, SecretString>,
}
