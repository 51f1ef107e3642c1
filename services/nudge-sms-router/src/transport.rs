//! Where outbound SMS go: Twilio's REST API, or the console in embedded mode.
//!
//! Twilio's error codes decide what happens to a failed send
//! (<https://www.twilio.com/docs/api/errors>): 429, 5xx, Twilio's 20429 (too
//! many requests) and network errors may work later; anything else will not
//! (21211 invalid `To`, 21408 region not enabled, 21610 unsubscribed, 21614
//! not a mobile number ...).

use std::io::Write as _;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use nudge_secure::SecretString;
use serde::Deserialize;

/// One SMS to send.
pub(crate) struct Outgoing<'a> {
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) body: &'a str,
    /// Where Twilio posts this message's delivery statuses.
    pub(crate) status_callback: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// Trying again later may work: 429, 5xx, a network error. `ambiguous`
    /// when the request may have reached Twilio (a timeout, a connection cut
    /// after sending): check Twilio's messages before sending again.
    #[error("temporary failure (HTTP {http_status:?}, Twilio code {code:?}): {message}")]
    Temporary {
        http_status: Option<u16>,
        code: Option<i32>,
        message: String,
        ambiguous: bool,
        /// Twilio's `Retry-After` (seconds or an HTTP date), when it sent one.
        retry_after: Option<Duration>,
    },
    /// Trying again cannot work (invalid number, opted out ...).
    #[error("refused (HTTP {http_status}, Twilio code {code:?}): {message}")]
    Refused {
        http_status: u16,
        code: Option<i32>,
        message: String,
    },
}

impl SendError {
    pub(crate) fn code(&self) -> Option<i32> {
        match self {
            SendError::Temporary { code, .. } | SendError::Refused { code, .. } => *code,
        }
    }
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

    /// The sids of the messages Twilio accepted from `from` to `to` with
    /// `body` since `since`, newest first: an attempt whose answer was lost
    /// may have gone out. Several SMS may carry the same words (two
    /// identical replies in a minute), so the caller picks one that no
    /// other row holds. The console keeps no record: never found.
    pub(crate) async fn find_sent(
        &self,
        from: &str,
        to: &str,
        body: &str,
        since: NaiveDateTime,
    ) -> Result<Vec<String>, SendError> {
        match self {
            Transport::Console { .. } => Ok(Vec::new()),
            Transport::Twilio(client) => client.find_sent(from, to, body, since).await,
        }
    }
}

/// The console transport's output: what the person would see on their phone,
/// on the terminal only. When standard output is not a terminal (a pipe, a
/// file, a container's log stream, where `nudge dev --no-repl` writes its
/// log) nothing is printed: bodies and codes stay off every log; the dev
/// outbox still has them.
fn print_to_console(body: &str) {
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() {
        return;
    }
    let time = chrono::Local::now().format("%H:%M:%S");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\r[{time}] nudge > {}", body.replace('\n', "\n                  "));
    let _ = out.flush();
}

/// A client of Twilio's REST API (2010-04-01): Messages and phone numbers.
pub(crate) struct TwilioClient {
    http: reqwest::Client,
    account_url: String,
    account_sid: String,
    auth_token: SecretString,
}

#[derive(Deserialize)]
struct MessageResource {
    sid: String,
}

#[derive(Deserialize)]
struct ListedMessage {
    sid: String,
    body: Option<String>,
    from: Option<String>,
    /// RFC 2822, e.g. "Mon, 16 Aug 2010 03:45:01 +0000".
    date_created: Option<String>,
}

#[derive(Deserialize)]
struct MessagePage {
    messages: Vec<ListedMessage>,
    next_page_uri: Option<String>,
}

/// Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions).
#[derive(Deserialize)]
struct TwilioError {
    code: Option<i32>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct AvailableNumber {
    phone_number: String,
}

#[derive(Deserialize)]
struct AvailableNumbers {
    available_phone_numbers: Vec<AvailableNumber>,
}

/// An IncomingPhoneNumber (the fields Nudge uses).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IncomingNumber {
    pub(crate) sid: String,
    pub(crate) phone_number: String,
}

#[derive(Deserialize)]
struct IncomingNumbers {
    incoming_phone_numbers: Vec<IncomingNumber>,
}

/// How to configure a number Nudge buys.
pub(crate) struct NumberConfig<'a> {
    pub(crate) sms_url: &'a str,
    pub(crate) status_callback: &'a str,
    pub(crate) friendly_name: &'a str,
}

/// Twilio's error messages may quote a phone number ("The 'To' number
/// +1514... is not a valid phone number"): every run of six or more digits
/// (with its `+`) is masked before a message is kept or logged.
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut digits = String::new();
    let flush = |out: &mut String, digits: &mut String| {
        let count = digits.chars().filter(char::is_ascii_digit).count();
        if count >= 6 {
            out.push_str("[number]");
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in message.chars() {
        if c.is_ascii_digit() || (c == '+' && digits.is_empty()) {
            digits.push(c);
        } else {
            flush(&mut out, &mut digits);
            out.push(c);
        }
    }
    flush(&mut out, &mut digits);
    out
}

/// Pages read at most when looking for a message that may have been sent.
const RECONCILE_PAGES: usize = 5;

fn network_error(error: &reqwest::Error) -> SendError {
    SendError::Temporary {
        http_status: None,
        code: None,
        // Without the URL: it names the account.
        message: error.without_url_ref(),
        // A refused connection never reached Twilio; anything later might have.
        ambiguous: !error.is_connect(),
        retry_after: None,
    }
}

/// Longest wait a `Retry-After` is taken at (a bad header must not stop the sender for hours).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// A `Retry-After` header: delay-seconds or an HTTP date (RFC 9110), capped.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
            (at - now).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<twilio>");
        }
        text
    }
}

impl TwilioClient {
    pub(crate) fn new(
        api_base_url: &str,
        account_sid: &str,
        auth_token: SecretString,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()?;
        Ok(TwilioClient {
            http,
            account_url: format!(
                "{}/2010-04-01/Accounts/{account_sid}",
                api_base_url.trim_end_matches('/')
            ),
            account_sid: account_sid.to_owned(),
            auth_token,
        })
    }

    fn api_root(&self) -> &str {
        self.account_url
            .split("/2010-04-01/")
            .next()
            .unwrap_or(&self.account_url)
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
    }

    /// Turns a non-2xx answer into the error it means.
    async fn error_of(response: reqwest::Response) -> SendError {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, Utc::now()));
        let error: Option<TwilioError> = response.json().await.ok();
        let code = error.as_ref().and_then(|e| e.code);
        let message = redact(&error.and_then(|e| e.message).unwrap_or_else(|| status.to_string()));
        if status.as_u16() == 429 || status.is_server_error() || code == Some(20429) {
            SendError::Temporary {
                http_status: Some(status.as_u16()),
                code,
                message,
                ambiguous: false,
                retry_after,
            }
        } else {
            SendError::Refused {
                http_status: status.as_u16(),
                code,
                message,
            }
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, SendError> {
        let status = response.status();
        if !status.is_success() {
            return Err(Self::error_of(response).await);
        }
        response.json().await.map_err(|e| SendError::Temporary {
            http_status: Some(status.as_u16()),
            code: None,
            message: format!("unreadable Twilio response: {}", e.without_url_ref()),
            ambiguous: true,
            retry_after: None,
        })
    }

    async fn send(&self, sms: Outgoing<'_>) -> Result<String, SendError> {
        let response = self
            .request(reqwest::Method::POST, &format!("{}/Messages.json", self.account_url))
            .form(&[
                ("To", sms.to),
                ("From", sms.from),
                ("Body", sms.body),
                ("StatusCallback", sms.status_callback),
            ])
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        let message: MessageResource = Self::json(response).await?;
        Ok(message.sid)
    }

    /// Lists the messages to `to` from `from`, newest first, back to `since`
    /// (with a minute of margin for clocks), and returns the sids of those
    /// with `body`, newest first. Filters on `To` and `From` only: a message Twilio
    /// accepted but has not sent yet has no `date_sent`, so a `DateSent`
    /// filter would hide exactly the message we look for.
    async fn find_sent(
        &self,
        from: &str,
        to: &str,
        body: &str,
        since: NaiveDateTime,
    ) -> Result<Vec<String>, SendError> {
        let since = since.and_utc() - chrono::TimeDelta::minutes(1);
        let mut found = Vec::new();
        let mut url = format!("{}/Messages.json", self.account_url);
        let mut query: Option<Vec<(&str, &str)>> = Some(vec![("To", to), ("From", from), ("PageSize", "50")]);
        for _ in 0..RECONCILE_PAGES {
            let mut request = self.request(reqwest::Method::GET, &url);
            if let Some(query) = query.take() {
                request = request.query(&query);
            }
            let response = request.send().await.map_err(|e| network_error(&e))?;
            let page: MessagePage = Self::json(response).await?;
            let mut older = false;
            for message in &page.messages {
                let created = message
                    .date_created
                    .as_deref()
                    .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
                    .map(|d| d.with_timezone(&Utc));
                if created.is_some_and(|created| created < since) {
                    older = true;
                    continue;
                }
                if message.body.as_deref() == Some(body) && message.from.as_deref().is_none_or(|f| f == from) {
                    found.push(message.sid.clone());
                }
            }
            match page.next_page_uri {
                Some(next) if !older => url = format!("{}{next}", self.api_root()),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Local numbers available in `country`, in `area_code` if given.
    pub(crate) async fn available_numbers(
        &self,
        country: &str,
        area_code: Option<&str>,
    ) -> Result<Vec<String>, SendError> {
        let mut query = vec![("SmsEnabled", "true"), ("PageSize", "5")];
        if let Some(area_code) = area_code {
            query.push(("AreaCode", area_code));
        }
        let response = self
            .request(
                reqwest::Method::GET,
                &format!("{}/AvailablePhoneNumbers/{country}/Local.json", self.account_url),
            )
            .query(&query)
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        let found: AvailableNumbers = Self::json(response).await?;
        Ok(found
            .available_phone_numbers
            .into_iter()
            .map(|n| n.phone_number)
            .collect())
    }

    /// Buys `phone_number` and configures its webhooks.
    pub(crate) async fn buy_number(
        &self,
        phone_number: &str,
        config: &NumberConfig<'_>,
    ) -> Result<IncomingNumber, SendError> {
        let response = self
            .request(
                reqwest::Method::POST,
                &format!("{}/IncomingPhoneNumbers.json", self.account_url),
            )
            .form(&[
                ("PhoneNumber", phone_number),
                ("SmsUrl", config.sms_url),
                ("SmsMethod", "POST"),
                ("StatusCallback", config.status_callback),
                ("StatusCallbackMethod", "POST"),
                ("FriendlyName", config.friendly_name),
            ])
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        Self::json(response).await
    }

    /// (Re)configures an owned number's webhooks.
    pub(crate) async fn configure_number(
        &self,
        sid: &str,
        config: &NumberConfig<'_>,
    ) -> Result<IncomingNumber, SendError> {
        let response = self
            .request(
                reqwest::Method::POST,
                &format!("{}/IncomingPhoneNumbers/{sid}.json", self.account_url),
            )
            .form(&[
                ("SmsUrl", config.sms_url),
                ("SmsMethod", "POST"),
                ("StatusCallback", config.status_callback),
                ("StatusCallbackMethod", "POST"),
                ("FriendlyName", config.friendly_name),
            ])
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        Self::json(response).await
    }

    /// Owned numbers named `friendly_name` (a purchase whose assignment was lost).
    pub(crate) async fn numbers_named(&self, friendly_name: &str) -> Result<Vec<IncomingNumber>, SendError> {
        let response = self
            .request(
                reqwest::Method::GET,
                &format!("{}/IncomingPhoneNumbers.json", self.account_url),
            )
            .query(&[("FriendlyName", friendly_name)])
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        let page: IncomingNumbers = Self::json(response).await?;
        Ok(page.incoming_phone_numbers)
    }

    /// Releases an owned number; one already gone counts as released.
    pub(crate) async fn release_number(&self, sid: &str) -> Result<(), SendError> {
        let response = self
            .request(
                reqwest::Method::DELETE,
                &format!("{}/IncomingPhoneNumbers/{sid}.json", self.account_url),
            )
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        if response.status().is_success() || response.status().as_u16() == 404 {
            Ok(())
        } else {
            Err(Self::error_of(response).await)
        }
    }
}

/// Whether `url` is on this machine (a fake Twilio started by `nudge fake-twilio` or a test).
pub(crate) fn is_loopback(url: &str) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::{Duration, is_loopback, parse_retry_after, redact};

    #[test]
    fn retry_after_is_read_in_seconds_or_as_a_date_and_capped() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .expect("a date")
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Mon, 07 Dec 2026 10:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Dec 2026 09:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("86400", now), Some(Duration::from_secs(300)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn phone_numbers_are_masked_in_twilio_messages() {
        assert_eq!(
            redact("The 'To' number +15145550100 is not a valid phone number."),
            "The 'To' number [number] is not a valid phone number."
        );
        assert_eq!(
            redact("Attempt to send to unsubscribed recipient"),
            "Attempt to send to unsubscribed recipient"
        );
        assert_eq!(
            redact("error 21610, 429 Too Many Requests"),
            "error 21610, 429 Too Many Requests"
        );
        assert_eq!(redact("call 5145550100 or +33 6 12"), "call [number] or +33 6 12");
        assert_eq!(redact("+"), "+");
    }

    #[test]
    fn loopback_urls() {
        for url in [
            "http://127.0.0.1:4010",
            "http://localhost:4010/",
            "http://[::1]:4010",
            "http://user:pass@127.0.0.2",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://api.twilio.com",
            "http://10.0.0.1:80",
            "http://127.0.0.1.example.com",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
