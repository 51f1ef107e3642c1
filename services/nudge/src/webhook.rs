//! Sends inbound-SMS webhooks to sms-router exactly as Twilio does: form
//! encoded, with Twilio's parameters and a valid `X-Twilio-Signature`.
//! Used by the `nudge dev` terminal, the tests and the benchmarks.

use std::time::Duration;

use nudge_secure::SecretString;

/// The path of sms-router's inbound webhook.
pub const SMS_WEBHOOK_PATH: &str = "/twilio/sms";

pub struct WebhookSender {
    http: reqwest::Client,
    /// Where the request actually goes, e.g. `http://127.0.0.1:8003`.
    target_base_url: String,
    /// The URL Twilio signs (`twilio.public_base_url`).
    public_base_url: String,
    account_sid: String,
    auth_token: SecretString,
}

/// One inbound SMS.
pub struct InboundSms<'a> {
    pub message_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub body: &'a str,
}

/// A new Twilio-shaped MessageSid: "SM" and 32 hex digits.
pub fn new_message_sid() -> String {
    format!("SM{}", uuid::Uuid::new_v4().simple())
}

impl WebhookSender {
    pub fn new(target_base_url: &str, public_base_url: &str, account_sid: &str, auth_token: SecretString) -> Self {
        WebhookSender {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
            target_base_url: target_base_url.trim_end_matches('/').to_owned(),
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token,
        }
    }

    /// The form parameters Twilio posts for an inbound SMS.
    pub fn params(&self, sms: &InboundSms<'_>) -> Vec<(String, String)> {
        let segments = nudge_core::sms::count_segments(sms.body).segments;
        [
            ("ToCountry", "CA"),
            ("ToState", "QC"),
            ("SmsMessageSid", sms.message_sid),
            ("NumMedia", "0"),
            ("ToCity", "MONTREAL"),
            ("FromZip", ""),
            ("SmsSid", sms.message_sid),
            ("FromState", "QC"),
            ("SmsStatus", "received"),
            ("FromCity", "MONTREAL"),
            ("Body", sms.body),
            ("FromCountry", "CA"),
            ("To", sms.to),
            ("ToZip", ""),
            ("NumSegments", &segments.to_string()),
            ("MessageSid", sms.message_sid),
            ("AccountSid", &self.account_sid),
            ("From", sms.from),
            ("ApiVersion", "2010-04-01"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// The signature Twilio would put on `params`.
    pub fn signature(&self, params: &[(String, String)]) -> String {
        let url = format!("{}{SMS_WEBHOOK_PATH}", self.public_base_url);
        nudge_secure::twilio::compute_signature(self.auth_token.expose_secret(), &url, params)
    }

    /// Posts `params` with `signature` (use [`WebhookSender::send`] for the usual case).
    pub async fn post(
        &self,
        params: &[(String, String)],
        signature: Option<&str>,
    ) -> reqwest::Result<reqwest::Response> {
        let mut request = self
            .http
            .post(format!("{}{SMS_WEBHOOK_PATH}", self.target_base_url))
            .form(params);
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        request.send().await
    }

    /// Sends one inbound SMS, signed; returns the HTTP status.
    pub async fn send(&self, sms: &InboundSms<'_>) -> reqwest::Result<reqwest::StatusCode> {
        let params = self.params(sms);
        let signature = self.signature(&params);
        Ok(self.post(&params, Some(&signature)).await?.status())
    }
}
