//! Drives the fake over real HTTP, as our Twilio client would.

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use nudge_fake_twilio::{DeliveryOutcome, FakeTwilio, FakeTwilioConfig};
use serde_json::Value;
use sha1::Sha1;
use tokio::sync::mpsc;

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "test-auth-token";
const FROM: &str = "+15005550006";
const TO: &str = "+14155552671";

fn config() -> FakeTwilioConfig {
    FakeTwilioConfig {
        account_sid: ACCOUNT_SID.to_owned(),
        auth_token: AUTH_TOKEN.to_owned(),
        status_step_delay: Duration::from_millis(1),
        ..FakeTwilioConfig::default()
    }
}

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(fake: &FakeTwilio) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: fake.base_url(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/2010-04-01/Accounts/{ACCOUNT_SID}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request
            .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
            .send()
            .await
            .expect("request reaches the fake");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.send(self.http.post(self.url(path)).form(form)).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(self.url(path))).await
    }

    /// Follows a Twilio `*_uri` (relative to the API host).
    async fn get_uri(&self, uri: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{uri}", self.base))).await
    }

    async fn delete(&self, path: &str) -> u16 {
        self.send(self.http.delete(self.url(path))).await.0
    }

    async fn send_sms(&self, form: &[(&str, &str)]) -> (u16, Value) {
        self.post("/Messages.json", form).await
    }
}

fn assert_twilio_error(response: &(u16, Value), status: u16, code: u64) {
    let (got_status, body) = response;
    assert_eq!(*got_status, status, "HTTP status; body: {body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["more_info"], format!("https://www.twilio.com/docs/errors/{code}"));
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

fn is_sid(value: &Value, prefix: &str) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn create_message_returns_twilio_message_resource() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);

    let (status, body) = client
        .send_sms(&[("To", TO), ("From", FROM), ("Body", "Time for meds 💊")])
        .await;

    assert_eq!(status, 201, "{body}");
    let mut keys: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    // Properties of `api.v2010.account.message` in twilio-oai's twilio_api_v2010.json.
    assert_eq!(
        keys,
        [
            "account_sid",
            "api_version",
            "body",
            "date_created",
            "date_sent",
            "date_updated",
            "direction",
            "error_code",
            "error_message",
            "from",
            "messaging_service_sid",
            "num_media",
            "num_segments",
            "price",
            "price_unit",
            "sid",
            "status",
            "subresource_uris",
            "to",
            "uri",
        ]
    );
    let sid = body["sid"].as_str().expect("sid").to_owned();
    assert!(is_sid(&body["sid"], "SM"), "{sid}");
    assert_eq!(body["account_sid"], ACCOUNT_SID);
    assert_eq!(body["api_version"], "2010-04-01");
    assert_eq!(body["body"], "Time for meds 💊");
    assert_eq!(body["direction"], "outbound-api");
    assert_eq!(body["status"], "queued");
    assert_eq!(body["from"], FROM);
    assert_eq!(body["to"], TO);
    assert_eq!(body["num_segments"], "1");
    assert_eq!(body["num_media"], "0");
    assert_eq!(body["error_code"], Value::Null);
    assert_eq!(body["messaging_service_sid"], Value::Null);
    assert_eq!(body["date_sent"], Value::Null);
    let date_created = body["date_created"].as_str().expect("date_created");
    assert!(
        chrono::DateTime::parse_from_rfc2822(date_created).is_ok(),
        "{date_created}"
    );
    assert!(date_created.ends_with(" +0000"), "{date_created}");
    let uri = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json");
    assert_eq!(body["uri"], uri);
    assert_eq!(
        body["subresource_uris"]["media"],
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json")
    );

    let (status, fetched) = client.get_uri(&uri).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["sid"], sid.as_str());

    let messages = fake.wait_for_messages(1, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].sid, sid);
    assert_eq!(messages[0].from, FROM);
    assert_eq!(messages[0].to, TO);
    assert_eq!(messages[0].body, "Time for meds 💊");
    assert_eq!(messages[0].num_segments, 1);
    fake.shutdown().await;
}

#[tokio::test]
async fn message_validation_uses_twilio_error_codes() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);

    let not_e164 = client
        .send_sms(&[("To", "5551234567"), ("From", FROM), ("Body", "hi")])
        .await;
    assert_twilio_error(&not_e164, 400, 21211);
    let no_to = client.send_sms(&[("From", FROM), ("Body", "hi")]).await;
    assert_twilio_error(&no_to, 400, 21604);
    let no_from = client.send_sms(&[("To", TO), ("Body", "hi")]).await;
    assert_twilio_error(&no_from, 400, 21603);
    let no_body = client.send_sms(&[("To", TO), ("From", FROM)]).await;
    assert_twilio_error(&no_body, 400, 21602);
    let too_long = "a".repeat(1601);
    let long_body = client
        .send_sms(&[("To", TO), ("From", FROM), ("Body", &too_long)])
        .await;
    assert_twilio_error(&long_body, 400, 21617);
    let longest = "a".repeat(1600);
    let (status, body) = client.send_sms(&[("To", TO), ("From", FROM), ("Body", &longest)]).await;
    assert_eq!(status, 201);
    assert_eq!(body["num_segments"], "11");

    fake.mark_unsubscribed(TO);
    let unsubscribed = client.send_sms(&[("To", TO), ("From", FROM), ("Body", "hi")]).await;
    assert_twilio_error(&unsubscribed, 400, 21610);
    let (status, _) = client
        .send_sms(&[("To", "+14155550000"), ("From", FROM), ("Body", "hi")])
        .await;
    assert_eq!(status, 201, "other recipients are unaffected");

    assert_eq!(fake.messages().len(), 2, "rejected messages are not stored");
    fake.shutdown().await;
}

#[tokio::test]
async fn from_must_be_owned_only_when_configured() {
    let fake = FakeTwilio::start(
        FakeTwilioConfig {
            owned_numbers: vec![FROM.to_owned()],
            require_owned_from: true,
            ..config()
        },
        localhost(),
    )
    .await
    .expect("start");
    let client = Client::new(&fake);

    let stranger = "+14155550123";
    let not_owned = client.send_sms(&[("To", TO), ("From", stranger), ("Body", "hi")]).await;
    assert_twilio_error(&not_owned, 400, 21606);
    let (status, _) = client.send_sms(&[("To", TO), ("From", FROM), ("Body", "hi")]).await;
    assert_eq!(status, 201);

    let (status, _) = client
        .post("/IncomingPhoneNumbers.json", &[("PhoneNumber", stranger)])
        .await;
    assert_eq!(status, 201);
    let (status, _) = client.send_sms(&[("To", TO), ("From", stranger), ("Body", "hi")]).await;
    assert_eq!(status, 201, "a bought number may send");
    fake.shutdown().await;
}

#[tokio::test]
async fn messaging_service_without_from_is_accepted() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let service = "MG0123456789abcdef0123456789abcdef";

    let (status, body) = client
        .send_sms(&[("To", TO), ("MessagingServiceSid", service), ("Body", "hi")])
        .await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["from"], Value::Null);
    assert_eq!(body["messaging_service_sid"], service);
    fake.shutdown().await;
}

#[tokio::test]
async fn authentication_and_account_checks() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let http = reqwest::Client::new();
    let url = format!("{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json", fake.base_url());
    let form = [("To", TO), ("From", FROM), ("Body", "hi")];

    for request in [
        http.post(&url).form(&form),
        http.post(&url).form(&form).basic_auth(ACCOUNT_SID, Some("wrong-token")),
        http.post(&url)
            .form(&form)
            .basic_auth("AC00000000000000000000000000000000", Some(AUTH_TOKEN)),
    ] {
        let response = request.send().await.expect("send");
        assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"Twilio API\"");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json");
        assert_twilio_error(&(status, body), 401, 20003);
    }

    let other_account = format!(
        "{}/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json",
        fake.base_url()
    );
    let response = http
        .post(other_account)
        .form(&form)
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    assert_twilio_error(&(status, response.json().await.expect("json")), 404, 20404);
    assert!(fake.messages().is_empty());
    fake.shutdown().await;
}

#[tokio::test]
async fn unknown_resources_are_twilio_404s() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);

    let missing = client.get("/Messages/SM00000000000000000000000000000000.json").await;
    assert_twilio_error(&missing, 404, 20404);
    assert_eq!(
        missing.1["message"],
        format!(
            "The requested resource /2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM00000000000000000000000000000000.json was not found"
        )
    );
    assert_twilio_error(&client.get("/Calls.json").await, 404, 20404);
    let wrong_method = client.send(client.http.delete(client.url("/Messages.json"))).await;
    assert_twilio_error(&wrong_method, 405, 20004);
    fake.shutdown().await;
}

#[tokio::test]
async fn oversized_requests_get_413() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let huge = "a".repeat(100 * 1024);

    let (status, _) = client.send_sms(&[("To", TO), ("From", FROM), ("Body", &huge)]).await;

    assert_eq!(status, 413);
    assert!(fake.messages().is_empty());
    fake.shutdown().await;
}

#[tokio::test]
async fn fail_next_injects_twilio_errors_then_recovers() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let form = [("To", TO), ("From", FROM), ("Body", "hi")];

    fake.fail_next(2, 429, 20429);
    for _ in 0..2 {
        let throttled = client.send_sms(&form).await;
        assert_twilio_error(&throttled, 429, 20429);
        assert_eq!(throttled.1["message"], "Too Many Requests");
    }
    assert_eq!(client.send_sms(&form).await.0, 201);

    fake.fail_next(1, 500, 20500);
    let server_error = client.send_sms(&form).await;
    assert_twilio_error(&server_error, 500, 20500);
    assert_eq!(server_error.1["message"], "Internal Server Error");
    assert_eq!(client.send_sms(&form).await.0, 201);

    assert_eq!(fake.messages().len(), 2);
    fake.shutdown().await;
}

#[tokio::test]
async fn num_segments_follow_gsm7_and_ucs2_rules() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let cases = [
        ("a".repeat(160), "1"), // GSM-7 single segment
        ("a".repeat(161), "2"), // then 153 per segment
        ("a".repeat(307), "3"),
        ("€".repeat(80), "1"),                   // extension chars count 2: 160
        (format!("{}a", "€".repeat(80)), "2"),   // 161
        (format!("{}{{", "a".repeat(159)), "2"), // '{' is 2 as well
        (format!("{}😀", "a".repeat(68)), "1"),  // UCS-2: emoji is 2 units, 70 total
        (format!("{}😀", "a".repeat(69)), "2"),  // 71 > 70
        ("ç".repeat(71), "2"),                   // ç is not GSM-7
    ];
    for (body, expected) in &cases {
        let (status, json) = client.send_sms(&[("To", TO), ("From", FROM), ("Body", body)]).await;
        assert_eq!(status, 201);
        assert_eq!(
            json["num_segments"],
            *expected,
            "body of {} chars",
            body.chars().count()
        );
    }
    let stored: Vec<u32> = fake.messages().iter().map(|m| m.num_segments).collect();
    assert_eq!(stored, [1, 2, 3, 1, 2, 2, 1, 2, 2]);
    fake.shutdown().await;
}

type Callbacks = mpsc::UnboundedSender<(String, Vec<(String, String)>)>;

/// A receiver for status callbacks: yields (X-Twilio-Signature, form params).
async fn callback_receiver() -> (String, mpsc::UnboundedReceiver<(String, Vec<(String, String)>)>) {
    async fn receive(
        request: HttpRequest,
        web::Form(params): web::Form<Vec<(String, String)>>,
        callbacks: web::Data<Callbacks>,
    ) -> HttpResponse {
        let signature = request
            .headers()
            .get("x-twilio-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // The test may have finished listening; that is fine.
        let _ = callbacks.send((signature, params));
        HttpResponse::Ok().finish()
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let callbacks = web::Data::new(tx);
    let listener = std::net::TcpListener::bind(localhost()).expect("bind");
    let url = format!(
        "http://{}/twilio/status?user=42&note=a%20b",
        listener.local_addr().expect("addr")
    );
    let server = HttpServer::new(move || {
        App::new()
            .app_data(callbacks.clone())
            .route("/twilio/status", web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    // Runs until the test's runtime ends.
    tokio::spawn(server);
    (url, rx)
}

/// Twilio's algorithm, written out here independently of the crate.
fn expected_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let data: String = sorted.iter().fold(url.to_owned(), |acc, (k, v)| acc + k + v);
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[test]
fn expected_signature_matches_twilio_published_vector() {
    // twilio-python tests/unit/test_request_validator.py (test_compute_signature).
    let params: Vec<(String, String)> = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(
        expected_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params),
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    );
    assert_eq!(
        nudge_fake_twilio::signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params),
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    );
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn next_callback(
    rx: &mut mpsc::UnboundedReceiver<(String, Vec<(String, String)>)>,
) -> (String, Vec<(String, String)>) {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("callback within 5 s")
        .expect("receiver open")
}

#[tokio::test]
async fn status_callbacks_are_sent_then_delivered_and_signed() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let (callback_url, mut callbacks) = callback_receiver().await;

    let (status, created) = client
        .send_sms(&[
            ("To", TO),
            ("From", FROM),
            ("Body", "hi"),
            ("StatusCallback", &callback_url),
        ])
        .await;
    assert_eq!(status, 201);
    let sid = created["sid"].as_str().expect("sid");

    for expected_status in ["sent", "delivered"] {
        let (signature, params) = next_callback(&mut callbacks).await;
        assert_eq!(signature, expected_signature(AUTH_TOKEN, &callback_url, &params));
        assert_eq!(param(&params, "MessageStatus"), Some(expected_status));
        assert_eq!(param(&params, "SmsStatus"), Some(expected_status));
        assert_eq!(param(&params, "MessageSid"), Some(sid));
        assert_eq!(param(&params, "SmsSid"), Some(sid));
        assert_eq!(param(&params, "AccountSid"), Some(ACCOUNT_SID));
        assert_eq!(param(&params, "From"), Some(FROM));
        assert_eq!(param(&params, "To"), Some(TO));
        assert_eq!(param(&params, "ApiVersion"), Some("2010-04-01"));
        assert_eq!(param(&params, "ErrorCode"), None);
    }

    let (_, fetched) = client.get(&format!("/Messages/{sid}.json")).await;
    assert_eq!(fetched["status"], "delivered");
    assert!(fetched["date_sent"].is_string());
    assert_eq!(fake.messages()[0].status, "delivered");
    assert_eq!(
        fake.messages()[0].status_callback.as_deref(),
        Some(callback_url.as_str())
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn undelivered_and_failed_callbacks_carry_error_code() {
    let fake = FakeTwilio::start(
        FakeTwilioConfig {
            delivery: DeliveryOutcome::Undelivered { error_code: 30003 },
            ..config()
        },
        localhost(),
    )
    .await
    .expect("start");
    let client = Client::new(&fake);
    let (callback_url, mut callbacks) = callback_receiver().await;
    let form = [
        ("To", TO),
        ("From", FROM),
        ("Body", "hi"),
        ("StatusCallback", callback_url.as_str()),
    ];

    let (_, undelivered) = client.send_sms(&form).await;
    let (_, sent) = next_callback(&mut callbacks).await;
    assert_eq!(param(&sent, "MessageStatus"), Some("sent"));
    let (signature, params) = next_callback(&mut callbacks).await;
    assert_eq!(signature, expected_signature(AUTH_TOKEN, &callback_url, &params));
    assert_eq!(param(&params, "MessageStatus"), Some("undelivered"));
    assert_eq!(param(&params, "ErrorCode"), Some("30003"));

    fake.set_delivery_outcome(DeliveryOutcome::Failed { error_code: 30008 });
    let (_, failed) = client.send_sms(&form).await;
    let (_, params) = next_callback(&mut callbacks).await;
    assert_eq!(param(&params, "MessageSid"), failed["sid"].as_str());
    assert_eq!(param(&params, "MessageStatus"), Some("failed"));
    assert_eq!(param(&params, "ErrorCode"), Some("30008"));

    let (_, fetched) = client
        .get(&format!("/Messages/{}.json", undelivered["sid"].as_str().expect("sid")))
        .await;
    assert_eq!(fetched["status"], "undelivered");
    assert_eq!(fetched["error_code"], 30003);
    fake.shutdown().await;
}

#[tokio::test]
async fn list_messages_pages_newest_first_and_filters() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    for body in ["one", "two", "three"] {
        client.send_sms(&[("To", TO), ("From", FROM), ("Body", body)]).await;
    }
    client
        .send_sms(&[("To", "+14155550000"), ("From", FROM), ("Body", "other")])
        .await;

    let (status, page0) = client.get("/Messages.json?To=%2B14155552671&PageSize=2").await;
    assert_eq!(status, 200);
    let bodies = |page: &Value| -> Vec<String> {
        page["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["body"].as_str().expect("body").to_owned())
            .collect()
    };
    assert_eq!(bodies(&page0), ["three", "two"]);
    assert_eq!(page0["page"], 0);
    assert_eq!(page0["page_size"], 2);
    assert_eq!(page0["start"], 0);
    assert_eq!(page0["end"], 1);
    assert_eq!(page0["previous_page_uri"], Value::Null);
    let base = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json");
    assert_eq!(page0["uri"], format!("{base}?To=%2B14155552671&PageSize=2&Page=0"));
    assert_eq!(page0["first_page_uri"], page0["uri"]);

    let next = page0["next_page_uri"].as_str().expect("next page");
    assert!(
        next.starts_with(&format!("{base}?To=%2B14155552671&PageSize=2&Page=1&PageToken=PA")),
        "{next}"
    );
    let (_, page1) = client.get_uri(next).await;
    assert_eq!(bodies(&page1), ["one"]);
    assert_eq!(page1["start"], 2);
    assert_eq!(page1["end"], 2);
    assert_eq!(page1["next_page_uri"], Value::Null);
    assert!(page1["previous_page_uri"].is_string());
    fake.shutdown().await;
}

#[tokio::test]
async fn wait_for_messages_returns_what_there_is_at_timeout() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    client
        .send_sms(&[("To", TO), ("From", FROM), ("Body", "only one")])
        .await;

    let messages = fake.wait_for_messages(2, Duration::from_millis(50)).await;

    assert_eq!(messages.len(), 1);
    fake.shutdown().await;
}

#[tokio::test]
async fn phone_numbers_search_buy_update_list_release() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);

    let (status, search) = client
        .get("/AvailablePhoneNumbers/US/Local.json?AreaCode=212&Contains=01*5&SmsEnabled=true")
        .await;
    assert_eq!(status, 200, "{search}");
    let available = search["available_phone_numbers"].as_array().expect("list");
    assert!(!available.is_empty());
    let first = &available[0];
    assert_eq!(first["phone_number"], "+12125550105");
    assert_eq!(first["friendly_name"], "(212) 555-0105");
    assert_eq!(first["iso_country"], "US");
    assert_eq!(first["capabilities"]["sms"], true);
    assert!(available.iter().all(|n| {
        n["phone_number"]
            .as_str()
            .is_some_and(|p| p.starts_with("+1212555") && p.contains("01"))
    }));
    assert_eq!(
        search["uri"],
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/AvailablePhoneNumbers/US/Local.json")
    );

    let (status, bought) = client
        .post(
            "/IncomingPhoneNumbers.json",
            &[
                ("PhoneNumber", "+12125550105"),
                ("SmsUrl", "https://nudge.test/sms"),
                ("StatusCallback", "https://nudge.test/status"),
            ],
        )
        .await;
    assert_eq!(status, 201, "{bought}");
    assert!(is_sid(&bought["sid"], "PN"));
    assert_eq!(bought["phone_number"], "+12125550105");
    assert_eq!(bought["sms_url"], "https://nudge.test/sms");
    assert_eq!(bought["sms_method"], "POST");
    assert_eq!(bought["status_callback"], "https://nudge.test/status");
    assert_eq!(bought["account_sid"], ACCOUNT_SID);
    let pn = bought["sid"].as_str().expect("sid").to_owned();
    assert_eq!(
        bought["uri"],
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{pn}.json")
    );

    let (_, search) = client.get("/AvailablePhoneNumbers/US/Local.json?AreaCode=212").await;
    assert!(
        search["available_phone_numbers"]
            .as_array()
            .expect("list")
            .iter()
            .all(|n| n["phone_number"] != "+12125550105"),
        "owned numbers are no longer available"
    );

    let (status, by_area) = client.post("/IncomingPhoneNumbers.json", &[("AreaCode", "212")]).await;
    assert_eq!(status, 201);
    assert_eq!(by_area["phone_number"], "+12125550100");
    assert_eq!(by_area["sms_url"], "");

    let (status, updated) = client
        .post(
            &format!("/IncomingPhoneNumbers/{pn}.json"),
            &[("SmsUrl", "https://nudge.test/v2/sms"), ("SmsMethod", "GET")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(updated["sms_url"], "https://nudge.test/v2/sms");
    assert_eq!(updated["sms_method"], "GET");
    assert_eq!(updated["status_callback"], "https://nudge.test/status");

    let (status, list) = client.get("/IncomingPhoneNumbers.json").await;
    assert_eq!(status, 200);
    assert_eq!(list["incoming_phone_numbers"].as_array().expect("list").len(), 2);
    assert_eq!(list["next_page_uri"], Value::Null);
    let numbers = fake.numbers();
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0].sms_url.as_deref(), Some("https://nudge.test/v2/sms"));
    assert_eq!(numbers[1].sms_url, None);

    assert_eq!(client.delete(&format!("/IncomingPhoneNumbers/{pn}.json")).await, 204);
    assert_twilio_error(
        &client.get(&format!("/IncomingPhoneNumbers/{pn}.json")).await,
        404,
        20404,
    );
    assert_eq!(client.delete(&format!("/IncomingPhoneNumbers/{pn}.json")).await, 404);
    let update_gone = client
        .post(&format!("/IncomingPhoneNumbers/{pn}.json"), &[("SmsUrl", "x")])
        .await;
    assert_twilio_error(&update_gone, 404, 20404);
    assert_eq!(fake.numbers().len(), 1);
    fake.shutdown().await;
}

#[tokio::test]
async fn phone_number_errors() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);

    assert_twilio_error(
        &client.get("/AvailablePhoneNumbers/US/Local.json?AreaCode=12").await,
        400,
        21451,
    );
    assert_twilio_error(&client.get("/AvailablePhoneNumbers/ZZ/Local.json").await, 404, 20404);
    let (_, none) = client
        .get("/AvailablePhoneNumbers/US/Local.json?SmsEnabled=false")
        .await;
    assert_eq!(none["available_phone_numbers"], serde_json::json!([]));
    assert_twilio_error(
        &client
            .post("/IncomingPhoneNumbers.json", &[("PhoneNumber", "212-555-0100")])
            .await,
        400,
        21421,
    );
    assert_twilio_error(
        &client.post("/IncomingPhoneNumbers.json", &[("AreaCode", "099")]).await,
        400,
        21451,
    );
    assert_twilio_error(
        &client
            .post("/IncomingPhoneNumbers.json", &[("FriendlyName", "x")])
            .await,
        400,
        400,
    );
    assert!(fake.numbers().is_empty());
    fake.shutdown().await;
}

#[tokio::test]
async fn list_messages_filters_on_date_sent() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let before = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    client.send_sms(&[("To", TO), ("From", FROM), ("Body", "sent")]).await;
    // Sent once the fake moved it to `sent` (1 ms later in this config).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let since = before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let query = serde_urlencoded::to_string([("To", TO), ("DateSent>", since.as_str())]).expect("query");
    let (status, page) = client.get(&format!("/Messages.json?{query}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["messages"].as_array().expect("messages").len(), 1, "{page}");
    assert!(page["uri"].as_str().expect("uri").contains("DateSent%3E="), "{page}");

    let later = (chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339();
    let query = serde_urlencoded::to_string([("DateSent>", later.as_str())]).expect("query");
    let (_, page) = client.get(&format!("/Messages.json?{query}")).await;
    assert_eq!(page["messages"].as_array().expect("messages").len(), 0);

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (_, page) = client.get(&format!("/Messages.json?DateSent={today}")).await;
    assert_eq!(page["messages"].as_array().expect("messages").len(), 1);
    let (_, page) = client.get("/Messages.json?DateSent%3C=2000-01-01").await;
    assert_eq!(page["messages"].as_array().expect("messages").len(), 0);

    let bad = client.get("/Messages.json?DateSent=yesterday").await;
    assert_twilio_error(&bad, 400, 20001);
    fake.shutdown().await;
}

#[tokio::test]
async fn slow_responses_still_accept_the_message() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    fake.delay_next_responses(1, Duration::from_millis(600));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let timed_out = http
        .post(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            fake.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .form(&[("To", TO), ("From", FROM), ("Body", "slow")])
        .send()
        .await;
    assert!(timed_out.is_err_and(|e| e.is_timeout()));
    assert_eq!(fake.messages().len(), 1, "accepted although the client gave up");
    // Only the next `count` answers are slow.
    let (status, _) = Client::new(&fake)
        .send_sms(&[("To", TO), ("From", FROM), ("Body", "quick")])
        .await;
    assert_eq!(status, 201);
    fake.shutdown().await;
}

#[tokio::test]
async fn incoming_numbers_filter_on_friendly_name() {
    let fake = FakeTwilio::start(config(), localhost()).await.expect("start");
    let client = Client::new(&fake);
    let (status, _) = client
        .post(
            "/IncomingPhoneNumbers.json",
            &[("AreaCode", "415"), ("FriendlyName", "nudge user-1")],
        )
        .await;
    assert_eq!(status, 201);
    client
        .post(
            "/IncomingPhoneNumbers.json",
            &[("AreaCode", "415"), ("FriendlyName", "other")],
        )
        .await;
    let (_, page) = client.get("/IncomingPhoneNumbers.json?FriendlyName=nudge+user-1").await;
    let numbers = page["incoming_phone_numbers"].as_array().expect("numbers");
    assert_eq!(numbers.len(), 1, "{page}");
    assert_eq!(numbers[0]["friendly_name"], "nudge user-1");
    let (_, page) = client.get("/IncomingPhoneNumbers.json?FriendlyName=nudge").await;
    assert_eq!(
        page["incoming_phone_numbers"].as_array().expect("numbers").len(),
        0,
        "exact match only"
    );
    fake.shutdown().await;
}
