//! What every service's `nudge.privacy.v1.PrivacyService` shares (GDPR
//! articles 15, 17 and 20): the gRPC façade itself, written once over
//! [`PersonalData`], which each service implements for its own tables and its
//! own export document; reading whose data a request is about, answering with
//! the service's JSON document or with what it erased, and instants written
//! the same way in every part of an export.
//!
//! An erasure runs in one order everywhere: the service deletes the person's
//! key first (from then on nothing sealed for them can be decrypted,
//! wherever a copy lies), then their rows; this replica forgets what it
//! keeps of them in memory; the erased tables are scrubbed (so the deleted
//! rows leave the database files too); the erasure is logged.

use std::future::Future;

use chrono::NaiveDateTime;
use nudge_core::UserId;
use nudge_proto::ServiceError;
use nudge_proto::privacy::privacy_service_server::{PrivacyService, PrivacyServiceServer};
use nudge_proto::privacy::{
    ErasePersonRequest, ErasePersonResponse, ErasedTable, ExportPersonRequest, ExportPersonResponse,
};
use nudge_store::Db;
use serde_json::Value;
use tonic::{Request, Response, Status};

/// What one service holds about a person: the part of the privacy service
/// that differs from one service to the next.
pub trait PersonalData: Send + Sync + 'static {
    /// The service's name in its answers and its log lines ("agent", "sms", "workers").
    const SERVICE: &'static str;
    /// The tables [`PersonalData::erase`] deletes from, scrubbed after it.
    const ERASED_TABLES: &'static [&'static str];
    /// The service's one error type, turned into a status once, by the façade.
    type Error: Send;

    /// The database the service's tables live in, scrubbed after an erasure.
    fn database(&self) -> &Db;

    /// The service's part of the person's archive, decrypted.
    fn export(&self, user_id: &UserId) -> impl Future<Output = Result<Value, Self::Error>> + Send;

    /// Deletes the person's key, then every row of theirs (and whatever the
    /// service keeps of them outside the database, such as their number or
    /// their cache entries). Keyed on the person alone, so a retry after a
    /// failure finishes the work.
    fn erase(&self, user_id: &UserId) -> impl Future<Output = Result<Erasure, Self::Error>> + Send;

    /// Drops what this replica keeps of the person in memory, after [`PersonalData::erase`].
    fn forget(&self, _user_id: &UserId) {}
}

/// A service keeps its state behind an `Arc`, shared by its handlers and
/// tasks: the façade takes the same `Arc`, no wrapper of its own.
impl<T: PersonalData> PersonalData for std::sync::Arc<T> {
    const SERVICE: &'static str = T::SERVICE;
    const ERASED_TABLES: &'static [&'static str] = T::ERASED_TABLES;
    type Error = T::Error;

    fn database(&self) -> &Db {
        T::database(self)
    }

    fn export(&self, user_id: &UserId) -> impl Future<Output = Result<Value, Self::Error>> + Send {
        T::export(self, user_id)
    }

    fn erase(&self, user_id: &UserId) -> impl Future<Output = Result<Erasure, Self::Error>> + Send {
        T::erase(self, user_id)
    }

    fn forget(&self, user_id: &UserId) {
        T::forget(self, user_id);
    }
}

/// What an erasure removed.
#[derive(Debug)]
pub struct Erasure {
    /// The rows deleted, table by table, in the order they were deleted.
    pub tables: Vec<ErasedTable>,
    /// Whether the person's Nudge number was released; `None` from a service
    /// that holds no numbers (its log line does not mention them).
    pub number_released: Option<bool>,
}

impl From<Vec<ErasedTable>> for Erasure {
    fn from(tables: Vec<ErasedTable>) -> Self {
        Erasure {
            tables,
            number_released: None,
        }
    }
}

/// The `PrivacyService` of a service's [`PersonalData`], ready to add to its gRPC server.
pub fn server<T>(data: T) -> PrivacyServiceServer<PrivacyFacade<T>>
where
    T: PersonalData,
    Status: From<T::Error>,
{
    PrivacyServiceServer::new(PrivacyFacade(data))
}

/// The gRPC façade over a service's [`PersonalData`]: reads the person,
/// calls the service, forgets, scrubs, logs and answers.
pub struct PrivacyFacade<T>(T);

#[tonic::async_trait]
impl<T> PrivacyService for PrivacyFacade<T>
where
    T: PersonalData,
    Status: From<T::Error>,
{
    async fn export_person(
        &self,
        request: Request<ExportPersonRequest>,
    ) -> Result<Response<ExportPersonResponse>, Status> {
        let user_id = person(&request.into_inner().user_id)?;
        let document = self.0.export(&user_id).await?;
        tracing::info!(user.id = %user_id.as_str(), "{} data exported", T::SERVICE);
        Ok(exported(T::SERVICE, &document))
    }

    async fn erase_person(
        &self,
        request: Request<ErasePersonRequest>,
    ) -> Result<Response<ErasePersonResponse>, Status> {
        let user_id = person(&request.into_inner().user_id)?;
        let erasure = self.0.erase(&user_id).await?;
        self.0.forget(&user_id);
        self.0.database().scrub_after_erasure(T::ERASED_TABLES).await;
        match erasure.number_released {
            Some(number_released) => {
                tracing::info!(user.id = %user_id.as_str(), number_released, "{} data erased", T::SERVICE);
            }
            None => tracing::info!(user.id = %user_id.as_str(), "{} data erased", T::SERVICE),
        }
        Ok(erased(
            T::SERVICE,
            erasure.tables,
            erasure.number_released.unwrap_or(false),
        ))
    }
}

/// How many rows an erasure deleted from `table`.
pub fn counted(table: &str, rows: usize) -> ErasedTable {
    ErasedTable {
        table: table.to_owned(),
        rows: u64::try_from(rows).unwrap_or(u64::MAX),
    }
}

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
    use std::sync::Mutex;

    use super::*;

    /// A service's part that records what the façade asked of it.
    struct Recording {
        db: Db,
        number_released: Option<bool>,
        fails: bool,
        calls: Mutex<Vec<&'static str>>,
    }

    impl Recording {
        fn new(database: &nudge_testkit::TestDatabase, number_released: Option<bool>, fails: bool) -> Self {
            let settings = nudge_config::DatabaseSettings {
                url: database.url.clone(),
                ..Default::default()
            };
            Recording {
                db: Db::connect(&settings).expect("db"),
                number_released,
                fails,
                calls: Mutex::new(Vec::new()),
            }
        }

        fn called(&self, call: &'static str) {
            self.calls.lock().expect("calls").push(call);
        }
    }

    impl PersonalData for Recording {
        const SERVICE: &'static str = "recording";
        const ERASED_TABLES: &'static [&'static str] = &["recording_rows"];
        type Error = Status;

        fn database(&self) -> &Db {
            &self.db
        }

        async fn export(&self, _user_id: &UserId) -> Result<Value, Status> {
            self.called("export");
            Ok(serde_json::json!({"rows": [1]}))
        }

        async fn erase(&self, _user_id: &UserId) -> Result<Erasure, Status> {
            self.called("erase");
            if self.fails {
                return Err(Status::unavailable("the database is away"));
            }
            Ok(Erasure {
                tables: vec![counted("recording_rows", 2)],
                number_released: self.number_released,
            })
        }

        fn forget(&self, _user_id: &UserId) {
            self.called("forget");
        }
    }

    fn calls(facade: &PrivacyFacade<Recording>) -> Vec<&'static str> {
        facade.0.calls.lock().expect("calls").clone()
    }

    fn erase_request(user_id: &str) -> Request<ErasePersonRequest> {
        Request::new(ErasePersonRequest {
            user_id: user_id.to_owned(),
        })
    }

    #[tokio::test]
    async fn the_facade_answers_with_the_services_part_and_forgets_after_erasing() {
        let database = nudge_testkit::TestDatabase::sqlite();
        let user_id = UserId::generate();
        let facade = PrivacyFacade(Recording::new(&database, None, false));
        let export = facade
            .export_person(Request::new(ExportPersonRequest {
                user_id: user_id.as_str().to_owned(),
            }))
            .await
            .expect("exported")
            .into_inner();
        assert_eq!(
            (export.service.as_str(), export.json.as_str()),
            ("recording", r#"{"rows":[1]}"#)
        );
        let erase = facade
            .erase_person(erase_request(user_id.as_str()))
            .await
            .expect("erased")
            .into_inner();
        assert_eq!(erase.service, "recording");
        assert_eq!(erase.tables, vec![counted("recording_rows", 2)]);
        assert!(!erase.number_released, "a service without numbers released none");
        assert_eq!(calls(&facade), ["export", "erase", "forget"]);

        let facade = PrivacyFacade(Recording::new(&database, Some(true), false));
        let erase = facade
            .erase_person(erase_request(user_id.as_str()))
            .await
            .expect("erased")
            .into_inner();
        assert!(erase.number_released);
    }

    #[tokio::test]
    async fn the_facade_refuses_a_bad_id_before_the_service_and_forgets_nothing_after_a_failure() {
        let database = nudge_testkit::TestDatabase::sqlite();
        let facade = PrivacyFacade(Recording::new(&database, None, true));
        let status = facade
            .erase_person(erase_request("not-an-id"))
            .await
            .expect_err("refused");
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(calls(&facade).is_empty(), "{:?}", calls(&facade));
        let status = facade
            .erase_person(erase_request(UserId::generate().as_str()))
            .await
            .expect_err("the service failed");
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_eq!(calls(&facade), ["erase"]);
    }

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
