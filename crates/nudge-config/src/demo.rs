//! `demo.*`: the demo person of `nudge dev`.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Create the demo person at start-up (on in `nudge dev`).
    pub enabled: bool,
    pub phone: String,
    pub nudge_number: String,
    pub timezone: String,
    pub language: String,
}

impl Default for DemoSettings {
    fn default() -> Self {
        DemoSettings {
            enabled: false,
            phone: "+15145550100".to_owned(),
            nudge_number: "+15145550199".to_owned(),
            timezone: "America/Montreal".to_owned(),
            language: "en".to_owned(),
        }
    }
}
