//! `nudge text`: texts Nudge as a person would, in distributed mode, and
//! prints what Nudge answers. The SMS is posted to sms-router's webhook,
//! signed like Twilio's; the answer is read back from the Twilio API that
//! sms-router sends through (`twilio.api_base_url`: Twilio itself, or
//! `nudge fake-twilio` on this machine).

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Context as _;
use nudge_config::Settings;
use nudge_core::PhoneNumber;

use crate::webhook::{InboundSms, WebhookSender, new_message_sid};

/// What to text, from whom, and how long to wait for the answer.
#[derive(Debug)]
pub struct TextOptions<'a> {
    /// The person's verified phone.
    pub from: &'a str,
    /// Their Nudge number.
    pub to: &'a str,
    pub body: &'a str,
    /// sms-router's webhook base URL; by default its port on this machine.
    pub sms_router: Option<&'a str>,
    /// How long to wait for an answer; zero sends without waiting.
    pub wait: Duration,
}

/// One SMS Nudge sent to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub sid: String,
    pub body: String,
}

/// Texts `options.body` and returns Nudge's answers (SMS to `from`, newest
/// last) that arrived within `options.wait`.
pub async fn text(settings: &Settings, options: &TextOptions<'_>) -> anyhow::Result<Vec<Answer>> {
    let from = PhoneNumber::parse(options.from).map_err(|e| anyhow::anyhow!("--from: {}", e.0))?;
    let to = PhoneNumber::parse(options.to).map_err(|e| anyhow::anyhow!("--to: {}", e.0))?;
    let auth_token = settings.twilio_auth_token()?.clone();
    let target = options.sms_router.map_or_else(
        || format!("http://127.0.0.1:{}", settings.services.sms_router.port),
        str::to_owned,
    );
    let outbox = TwilioMessages::new(settings)?;
    let before = if options.wait.is_zero() {
        HashSet::new()
    } else {
        outbox
            .sent_to(from.as_str())
            .await?
            .into_iter()
            .map(|a| a.sid)
            .collect()
    };
    let sender = WebhookSender::new(
        &target,
        &settings.twilio.public_base_url,
        &settings.twilio.account_sid,
        auth_token,
    );
    let status = sender
        .send(&InboundSms {
            message_sid: &new_message_sid(),
            from: from.as_str(),
            to: to.as_str(),
            body: options.body,
        })
        .await
        .with_context(|| format!("sms-router's webhook at {target} is unreachable (--sms-router to change it)"))?;
    anyhow::ensure!(
        status.is_success(),
        "sms-router at {target} answered {status} (a 403 means twilio.auth_token or twilio.public_base_url differ from sms-router's)"
    );
    if options.wait.is_zero() {
        return Ok(Vec::new());
    }
    let deadline = tokio::time::Instant::now() + options.wait;
    loop {
        let answers: Vec<Answer> = outbox
            .sent_to(from.as_str())
            .await?
            .into_iter()
            .filter(|answer| !before.contains(&answer.sid))
            .collect();
        if !answers.is_empty() {
            // The rest of a long answer follows within a moment.
            tokio::time::sleep(Duration::from_millis(800)).await;
            let mut answers: Vec<Answer> = outbox
                .sent_to(from.as_str())
                .await?
                .into_iter()
                .filter(|answer| !before.contains(&answer.sid))
                .collect();
            answers.reverse();
            return Ok(answers);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "no answer within {} s (is the agent running? is the phone verified and the number theirs?)",
            options.wait.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Twilio's Messages list, as sms-router's account sees it.
struct TwilioMessages {
    http: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: nudge_secure::SecretString,
}

impl TwilioMessages {
    fn new(settings: &Settings) -> anyhow::Result<TwilioMessages> {
        Ok(TwilioMessages {
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?,
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                settings.twilio.api_base_url.trim_end_matches('/'),
                settings.twilio.account_sid
            ),
            account_sid: settings.twilio.account_sid.clone(),
            auth_token: settings.twilio_auth_token()?.clone(),
        })
    }

    /// The latest SMS sent to `phone`, newest first.
    async fn sent_to(&self, phone: &str) -> anyhow::Result<Vec<Answer>> {
        let response = self
            .http
            .get(&self.url)
            .query(&[("To", phone), ("PageSize", "50")])
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .send()
            .await
            .context("the Twilio API (twilio.api_base_url) is unreachable")?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "the Twilio API answered {status} to the Messages list"
        );
        let page: serde_json::Value = response.json().await.context("the Twilio API's Messages list")?;
        Ok(page["messages"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .map(|message| Answer {
                        sid: message["sid"].as_str().unwrap_or_default().to_owned(),
                        body: message["body"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}
