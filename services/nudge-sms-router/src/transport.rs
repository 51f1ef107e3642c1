//! Where outbound SMS go: Twilio's Messages API, or the console in embedded mode.

use std::io::Write as _;
use std::time::Duration;

use nudge_secure::SecretString;
use serde::Deserialize;

/// One SMS to send.
pub(crate) struct Outgoing<'a> {
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) body: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// Trying again later may work: 429, 5xx, a network error.
    #[error("temporary failure (HTTP {http_status:?}, Twilio code {code:?}): {message}")]
    Temporary {
        http_status: Option<u16>,
        code: Option<i32>,
        message: String,
    },
    /// Trying again cannot work (invalid number, opted out ...).
    #[error("refused (HTTP {http_status}, Twilio code {code:?}): {message}")]
    Refused {
        http_status: u16,
        code: Option<i32>,
        message: String,
    },
}

pub(crate) enum Transport {
    Console { echo: bool },
    Twilio(TwilioClient),
}

impl Transport {
    /// Sends one SMS and returns the provider's message id.
    pub(crate) async fn send(&self, sms: Outgoing<'_>) -> Result<String, SendError> {
        match self {
            Transport::Console { echo } => {
                if *echo {
                    print_to_console(sms.body);
                }
                Ok(format!("SMconsole{}", nudge_core::new_id().replace('-', "")))
            }
            Transport::Twilio(client) => client.send(sms).await,
        }
    }
}

/// The console transport's output: what the person would see on their phone.
fn print_to_console(body: &str) {
    let time = chrono::Local::now().format("%H:%M:%S");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\r[{time}] nudge > {}", body.replace('\n', "\n                  "));
    let _ = out.flush();
}

/// A client of Twilio's Messages API.
pub(crate) struct TwilioClient {
    http: reqwest::Client,
    messages_url: String,
    account_sid: String,
    auth_token: SecretString,
    status_callback: String,
}

#[derive(Deserialize)]
struct MessageResource {
    sid: String,
}

/// Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions).
#[derive(Deserialize)]
struct TwilioError {
    code: Option<i32>,
    message: Option<String>,
}

impl TwilioClient {
    pub(crate) fn new(
        api_base_url: &str,
        account_sid: &str,
        auth_token: SecretString,
        status_callback: String,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(TwilioClient {
            http,
            messages_url: format!(
                "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
                api_base_url.trim_end_matches('/')
            ),
            account_sid: account_sid.to_owned(),
            auth_token,
            status_callback,
        })
    }

    async fn send(&self, sms: Outgoing<'_>) -> Result<String, SendError> {
        let response = self
            .http
            .post(&self.messages_url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&[
                ("To", sms.to),
                ("From", sms.from),
                ("Body", sms.body),
                ("StatusCallback", self.status_callback.as_str()),
            ])
            .send()
            .await
            .map_err(|e| SendError::Temporary {
                http_status: None,
                code: None,
                // Without the URL: it names the account.
                message: e.without_url().to_string(),
            })?;
        let status = response.status();
        if status.is_success() {
            let message: MessageResource = response.json().await.map_err(|e| SendError::Temporary {
                http_status: Some(status.as_u16()),
                code: None,
                message: format!("unreadable Messages response: {}", e.without_url()),
            })?;
            return Ok(message.sid);
        }
        let error: Option<TwilioError> = response.json().await.ok();
        let code = error.as_ref().and_then(|e| e.code);
        let message = error.and_then(|e| e.message).unwrap_or_else(|| status.to_string());
        if status.as_u16() == 429 || status.is_server_error() || code == Some(20429) {
            Err(SendError::Temporary {
                http_status: Some(status.as_u16()),
                code,
                message,
            })
        } else {
            Err(SendError::Refused {
                http_status: status.as_u16(),
                code,
                message,
            })
        }
    }
}
