//! Issue 13, finding 2, the api's part: no email or phone is stored in the
//! clear, so a copy of the api's rows left anywhere after an erasure (dead
//! tuples, free pages, WAL, a backup) holds none. Each is sealed under the
//! person's key and found by a blind index; rows an earlier version wrote
//! in the clear still log in, and the api's start-up job seals them.

use diesel::QueryableByName;
use diesel::sql_types::Text;
use nudge_store::diesel_async::RunQueryDsl as _;
use nudge_store::{DbConn, diesel, with_conn};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::api::*;
use crate::helpers::outbox;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    row: String,
}

/// The tables of the api that hold (or held) emails and phones.
const TABLES: [&str; 3] = ["api_accounts", "users", "api_codes"];

/// Every row of the api's identifier tables as text, binary values as hex.
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

/// Rows as an earlier version wrote them (email and phone in the clear)
/// still log in and show; the start-up job seals them, once, and they keep
/// working.
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
    assert_eq!((accounts, users), (1, 1));
    assert!(api_rows(api).await.contains(email), "in the clear, as before");
    api.login(email, None).await;
    assert_me(api, &token, email, phone).await;

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
    drop(conn);

    assert_not_in_the_clear(&api_rows(api).await, &[email, phone]);
    api.login(email, None).await;
    assert_me(api, &token, email, phone).await;
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
