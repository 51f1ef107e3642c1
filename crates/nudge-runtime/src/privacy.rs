//! What every service's `nudge.privacy.v1.PrivacyService` shares (GDPR
//! articles 15, 17 and 20): reading whose data a request is about, answering
//! with the service's JSON document or with what it erased, and instants
//! written the same way in every part of an export.

use chrono::NaiveDateTime;
use nudge_core::UserId;
use nudge_proto::ServiceError;
use nudge_proto::privacy::{ErasePersonResponse, ErasedTable, ExportPersonResponse};
use serde_json::Value;
use tonic::{Response, Status};

/// The person a request names: a user id, or InvalidArgument naming the field.
pub fn person(user_id: &str) -> Result<UserId, Status> {
    UserId::parse(user_id).map_err(|_| ServiceError::invalid_argument("user_id: not a user id").into())
}

/// The answer to ExportPerson: `service`'s part of the archive.
pub fn exported(service: &str, document: &Value) -> Response<ExportPersonResponse> {
    Response::new(ExportPersonResponse {
        service: service.to_owned(),
        json: document.to_string(),
    })
}

/// The answer to ErasePerson: what `service` removed, table by table.
pub fn erased(service: &str, tables: Vec<ErasedTable>, number_released: bool) -> Response<ErasePersonResponse> {
    Response::new(ErasePersonResponse {
        service: service.to_owned(),
        tables,
        number_released,
    })
}

/// An instant of the database (UTC) as RFC 3339.
pub fn instant(time: NaiveDateTime) -> String {
    time.and_utc().to_rfc3339()
}

/// [`instant`], or nothing.
pub fn instant_opt(time: Option<NaiveDateTime>) -> Option<String> {
    time.map(instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_user_id_is_an_invalid_argument_naming_the_field() {
        let status = person("not-an-id").expect_err("refused");
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(status.message().contains("user_id"), "{}", status.message());
        let id = UserId::generate();
        assert_eq!(person(id.as_str()).expect("a user id").as_str(), id.as_str());
    }

    #[test]
    fn instants_are_rfc3339_in_utc() {
        let time = chrono::NaiveDate::from_ymd_opt(2026, 3, 8)
            .and_then(|d| d.and_hms_opt(7, 30, 0))
            .expect("a time");
        assert_eq!(instant(time), "2026-03-08T07:30:00+00:00");
        assert_eq!(instant_opt(None), None);
    }

    #[test]
    fn answers_carry_the_service_and_its_part() {
        let export = exported("workers", &serde_json::json!({"reminders": []})).into_inner();
        assert_eq!(export.service, "workers");
        assert_eq!(export.json, r#"{"reminders":[]}"#);
        let erase = erased("sms", Vec::new(), true).into_inner();
        assert_eq!((erase.service.as_str(), erase.number_released), ("sms", true));
    }
}
