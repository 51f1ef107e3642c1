//! Issue 13, finding 2: neither the api nor sms-router stores an email or a
//! person's phone in the clear, so a copy of their rows left anywhere after
//! an erasure (dead tuples, free pages, WAL, a backup) holds none. Each is
//! sealed under the person's key and found by a blind index; rows an
//! earlier version wrote in the clear still work, and each service's
//! start-up job seals them.

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use nudge_store::diesel_async::RunQueryDsl as _;
use nudge_store::{DbConn, diesel, with_conn};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::api::*;
use crate::helpers::{eventually, outbox};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    row: String,
}

/// The tables that hold (or held) emails and people's phones: the api's,
/// and sms-router's numbers and outbound queue.
const TABLES: [&str; 5] = ["api_accounts", "users", "api_codes", "sms_numbers", "sms_outbound"];

/// Every row of the identifier tables as text, binary values as hex.
async fn api_rows(api: &Api) -> String {
    let db = api.db();
    let mut conn = db.conn().await.expect("connection");
    let mut all = String::new();
    for table in TABLES {
        let sql = if matches!(conn, DbConn::Postgres(_)) {
            format!("SELECT CAST(t AS TEXT) AS row FROM {table} t")
        } else {
            let columns: Vec<Row> = with_conn!(&mut conn, c => diesel::sql_query(format!(
                    "SELECT name AS row FROM pragma_table_info('{table}')"
                ))
                .load(c)
                .await)
            .expect("columns");
            let quoted: Vec<String> = columns.iter().map(|c| format!("quote({})", c.row)).collect();
            format!("SELECT {} AS row FROM {table}", quoted.join(" || '|' || "))
        };
        let rows: Vec<Row> = with_conn!(&mut conn, c => diesel::sql_query(&sql).load(c).await).expect("rows");
        for row in rows {
            all.push_str(&row.row);
            all.push('\n');
        }
    }
    all
}

async fn execute(api: &Api, sql: &str) -> usize {
    let db = api.db();
    let mut conn = db.conn().await.expect("connection");
    with_conn!(&mut conn, c => diesel::sql_query(sql).execute(c).await).expect(sql)
}

/// The forms a phone could be found in: E.164, and its digits alone.
fn forms(phone: &str) -> [String; 2] {
    [phone.to_owned(), phone.trim_start_matches('+').to_owned()]
}

fn assert_not_in_the_clear(rows: &str, values: &[&str]) {
    for value in values {
        for form in forms(value) {
            assert!(!rows.contains(&form), "{form} is stored in the clear:\n{rows}");
        }
    }
}

/// Shows the account's email and phone as the person gave them.
async fn assert_me(api: &Api, token: &str, email: &str, phone: &str) {
    let (status, me) = api.call("GET", "/v1/me", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], json!(email), "{me}");
    assert_eq!(me["phone"], json!(phone), "{me}");
}

/// A person with a verified phone and a phone change under way (its code's
/// row names the new phone): none of the three values is in the api's
/// rows, and the email still logs in, the phone still belongs to one person.
async fn finding_2_no_email_or_phone_in_the_clear(api: &Api) {
    let email = "ada.lovelace@example.com";
    let (phone, new_phone) = ("+15145550111", "+15145550199");
    let ada = api.verified_person(email, phone).await;
    let token = s(&ada, "access_token");
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/change",
            Some(&token),
            Some(json!({"phone": new_phone, "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let rows = api_rows(api).await;
    assert!(rows.contains(&s(&ada, "user_id")), "the rows were read:\n{rows}");
    assert_not_in_the_clear(&rows, &[email, phone, new_phone]);
    assert!(!rows.contains("ada.lovelace"), "{rows}");

    let again = api.login(email, None).await;
    assert_eq!(s(&again, "user_id"), s(&ada, "user_id"));
    assert_me(api, &token, email, phone).await;
    // The phone is still one person's, found by its index.
    let bob = api.sign_up("bob@example.com").await;
    let bob_token = s(&bob, "access_token");
    let seen = outbox(api.stack.ports.sms_router).await.len();
    let (status, body) = api
        .call("POST", "/v1/me/phone", Some(&bob_token), Some(json!({"phone": phone})))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = api.last_code(seen).await;
    let (status, body) = api
        .call(
            "POST",
            "/v1/me/phone/verify",
            Some(&bob_token),
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // And the email one account's.
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/signup",
            None,
            Some(json!({"email": email, "password": "someone else's passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = api
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": email, "password": "someone else's passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no second account with the email");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_2_no_email_or_phone_in_the_clear_embedded() {
    finding_2_no_email_or_phone_in_the_clear(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn finding_2_no_email_or_phone_in_the_clear_on_postgres_and_redis() {
    finding_2_no_email_or_phone_in_the_clear(&Api::on_postgres_and_redis(&[]).await).await;
}

/// The SMS of the outbox sent to `phone`.
async fn texts_to(api: &Api, phone: &str) -> usize {
    outbox(api.stack.ports.sms_router)
        .await
        .iter()
        .filter(|sms| sms.to == phone)
        .count()
}

/// Rows as an earlier version wrote them (email and phones in the clear)
/// still log in, show and text; the start-up jobs seal them, once, and
/// they keep working.
async fn finding_2_rows_written_in_the_clear_are_sealed(api: &Api) {
    let (email, phone) = ("grace@example.com", "+15145550133");
    let grace = api.verified_person(email, phone).await;
    let token = s(&grace, "access_token");
    let id = s(&grace, "user_id");
    let accounts = execute(
        api,
        &format!(
            "UPDATE api_accounts SET email_index = '{email}', email_sealed = NULL, \
             phone = '{phone}', phone_sealed = NULL WHERE id = '{id}'"
        ),
    )
    .await;
    let users = execute(
        api,
        &format!("UPDATE users SET phone_index = '{phone}', phone_sealed = NULL WHERE id = '{id}'"),
    )
    .await;
    let numbers = execute(
        api,
        &format!("UPDATE sms_numbers SET phone_index = '{phone}', phone_sealed = NULL WHERE user_id = '{id}'"),
    )
    .await;
    let outbound = execute(
        api,
        &format!("UPDATE sms_outbound SET to_index = '{phone}', to_sealed = NULL WHERE user_id = '{id}'"),
    )
    .await;
    assert_eq!((accounts, users, numbers), (1, 1, 1));
    assert!(outbound >= 1, "the verification code at least");
    assert!(api_rows(api).await.contains(email), "in the clear, as before");
    api.login(email, None).await;
    assert_me(api, &token, email, phone).await;
    // sms-router still texts the phone it reads in the clear: a sign-up
    // with the taken email tells the owner.
    let before = texts_to(api, phone).await;
    assert_eq!(before, outbound, "the outbox reads the plain recipients");
    let attempt = json!({"email": email, "password": "someone else's passphrase"});
    let (status, _) = api.call("POST", "/v1/auth/signup", None, Some(attempt)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    eventually(
        "the owner's notice",
        Duration::from_secs(10),
        || texts_to(api, phone),
        |n| *n == before + 1,
    )
    .await;

    let keys = nudge_store::PersonKeys::new(
        api.stack.settings.key_ring().expect("key ring"),
        nudge_store::PersonKeyTable::Api,
    );
    let db = api.db();
    let mut conn = db.conn().await.expect("connection");
    let sealed = nudge_api::sealing::seal_and_reindex(&mut conn, &keys)
        .await
        .expect("sealing");
    assert_eq!((sealed.accounts, sealed.users), (1, 1), "{sealed:?}");
    let again = nudge_api::sealing::seal_and_reindex(&mut conn, &keys)
        .await
        .expect("sealing");
    assert_eq!(again, nudge_api::sealing::Sealed::default(), "nothing left to seal");
    let sms_keys = nudge_store::PersonKeys::new(
        api.stack.settings.key_ring().expect("key ring"),
        nudge_store::PersonKeyTable::Sms,
    );
    let sealed = nudge_sms_router::sealing::seal_and_reindex(&mut conn, &sms_keys)
        .await
        .expect("sealing");
    assert_eq!(sealed, nudge_sms_router::sealing::Sealed { numbers: 1, outbound });
    let again = nudge_sms_router::sealing::seal_and_reindex(&mut conn, &sms_keys)
        .await
        .expect("sealing");
    assert_eq!(
        again,
        nudge_sms_router::sealing::Sealed::default(),
        "nothing left to seal"
    );
    drop(conn);

    assert_not_in_the_clear(&api_rows(api).await, &[email, phone]);
    api.login(email, None).await;
    assert_me(api, &token, email, phone).await;
    assert_eq!(texts_to(api, phone).await, before + 1, "the recipients open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_2_rows_written_in_the_clear_are_sealed_embedded() {
    finding_2_rows_written_in_the_clear_are_sealed(&Api::embedded(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and Redis"]
async fn finding_2_rows_written_in_the_clear_are_sealed_on_postgres_and_redis() {
    finding_2_rows_written_in_the_clear_are_sealed(&Api::on_postgres_and_redis(&[]).await).await;
}
