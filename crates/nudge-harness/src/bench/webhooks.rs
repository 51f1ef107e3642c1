//! Twilio inbound-SMS webhooks as the SMS benchmarks send them: built and
//! signed before a run, so that the load generator only posts bytes.

use std::sync::Arc;
use std::time::Duration;

use super::{ACCOUNT_SID, person_number, person_phone};

/// The public URL Twilio signs; the load goes to the replicas directly.
pub const PUBLIC_BASE_URL: &str = "https://sms.nudge.example.test";

/// Where Twilio's location fields go in a real webhook: sent by
/// `sms_webhook` for a realistic body, left out by the lighter benchmarks.
const LOCATION_KEYS: [&str; 8] = [
    "ToCountry",
    "ToState",
    "ToCity",
    "FromZip",
    "FromState",
    "FromCity",
    "FromCountry",
    "ToZip",
];

/// One webhook, built and signed before the run.
#[derive(Clone)]
pub struct Prepared {
    /// The replica it goes to (an index into the run's URLs).
    pub replica: usize,
    /// Its MessageSid, as an index into the run's list of them.
    pub sid: usize,
    pub body: String,
    pub signature: String,
}

impl Prepared {
    /// The POST of this webhook to `url`, as Twilio sends it (form body, signature header).
    pub fn post(self, http: &reqwest::Client, url: &str) -> reqwest::RequestBuilder {
        http.post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", self.signature)
            .body(self.body)
    }
}

/// The MessageSid number `index` of a run; `salt` keeps benchmarks' sids apart.
pub fn message_sid(index: usize, salt: u128) -> String {
    format!("SM{:032x}", u128::try_from(index).unwrap_or(0) * 7_919 + salt)
}

/// The signed webhook of message `sid` saying `text` from person `person`
/// (the body and its `X-Twilio-Signature`), with Twilio's location fields or without.
pub fn signed_inbound(auth_token: &str, sid: &str, person: usize, text: &str, location: bool) -> (String, String) {
    let (to, from) = (person_number(person), person_phone(person));
    let params: Vec<(String, String)> = [
        ("ToCountry", "CA"),
        ("ToState", "QC"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", "MONTREAL"),
        ("FromZip", ""),
        ("SmsSid", sid),
        ("FromState", "QC"),
        ("SmsStatus", "received"),
        ("FromCity", "MONTREAL"),
        ("Body", text),
        ("FromCountry", "CA"),
        ("To", to.as_str()),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", ACCOUNT_SID),
        ("From", from.as_str()),
        ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .filter(|(key, _)| location || !LOCATION_KEYS.contains(key))
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    let url = format!("{PUBLIC_BASE_URL}/twilio/sms");
    let signature = nudge_secure::twilio::compute_signature(auth_token, &url, &params);
    (form_encode(&params), signature)
}

/// `application/x-www-form-urlencoded`, as Twilio encodes its webhooks.
pub fn form_encode(params: &[(String, String)]) -> String {
    let encode = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(char::from(byte)),
                b' ' => out.push('+'),
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
        out
    };
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The webhook URL of each replica, on loopback.
pub fn replica_urls(http_ports: &[u16]) -> Vec<Arc<str>> {
    http_ports
        .iter()
        .map(|port| Arc::from(format!("http://127.0.0.1:{port}/twilio/sms")))
        .collect()
}

/// The load generators' HTTP client: enough idle connections that an open
/// loop at a thousand requests a second does not wait for one.
pub fn load_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(1024)
        .build()?)
}
