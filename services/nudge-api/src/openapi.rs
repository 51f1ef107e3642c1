//! The OpenAPI 3 document, generated from the handlers' annotations and the
//! request and response types (utoipa), served at `/openapi.json`; a small
//! page at `/docs` lists it.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::codes::CodeSent;
use crate::error::{ErrorBody, ErrorDetail};
use crate::http::Status;
use crate::{admin, auth, data, me, mfa, phone, privacy, resources};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // Every operation with a JSON body can answer 413 and 415; every
        // change to an object, 409 when the object's state forbids it (a
        // cancelled reminder, a done task).
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path.contains("{id}") && !path.starts_with("/v1/admin") {
                for operation in [&mut item.post, &mut item.patch].into_iter().flatten() {
                    operation
                        .responses
                        .responses
                        .insert("409".to_owned(), error_response("the object's state forbids this"));
                }
            }
            for operation in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
                .into_iter()
                .flatten()
            {
                if operation.request_body.is_none() {
                    continue;
                }
                for (status, description) in [
                    ("413", "the body is over api.max_body_bytes"),
                    ("415", "the body is not application/json"),
                ] {
                    operation
                        .responses
                        .responses
                        .insert(status.to_owned(), error_response(description));
                }
            }
        }
        // The query parameters the server checks, from the same constants.
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let pages = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|parameter| parameter.name == "cursor");
                if pages {
                    operation.responses.responses.insert(
                        "404".to_owned(),
                        error_response("cursor names nothing in this list (its object was deleted)"),
                    );
                }
                for parameter in operation.parameters.iter_mut().flatten() {
                    let schema = match parameter.name.as_str() {
                        "limit" => crate::constraints::page_limit(),
                        "cursor" => crate::constraints::cursor(),
                        "month" => crate::constraints::month(),
                        _ => continue,
                    };
                    parameter.schema = Some(schema.into());
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        // A change to a reminder holds at least one field that is not null.
        if let Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(change))) =
            components.schemas.get_mut("ReminderChange")
        {
            use utoipa::openapi::schema::Type;
            let alternatives = crate::constraints::at_least_one_of(&[
                ("text", Type::String),
                ("due_at", Type::String),
                ("rrule", Type::String),
                ("urgent", Type::Boolean),
            ]);
            let any_of = alternatives
                .into_iter()
                .fold(utoipa::openapi::schema::AnyOfBuilder::new(), |any, one| any.item(one))
                .build();
            let mut all_of = utoipa::openapi::schema::AllOf::new();
            all_of.items.push(utoipa::openapi::schema::Schema::AnyOf(any_of).into());
            let own = std::mem::take(change);
            all_of
                .items
                .insert(0, utoipa::openapi::schema::Schema::Object(own).into());
            components.schemas.insert(
                "ReminderChange".to_owned(),
                utoipa::openapi::schema::Schema::AllOf(all_of).into(),
            );
        }
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    utoipa::openapi::RefOr::T(
        utoipa::openapi::ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Nudge API", version = "1", description = "The public API of Nudge. Errors: see ErrorBody."),
    modifiers(&Bearer),
    paths(
        auth::signup::sign_up,
        auth::login::login,
        auth::login::refresh,
        auth::login::logout,
        auth::reset::request_reset,
        auth::reset::confirm_reset,
        auth::password_change::change_password,
        auth::sessions::list_sessions,
        auth::sessions::revoke_session,
        auth::sessions::list_audit_events,
        me::me,
        me::request_phone_code,
        me::verify_phone,
        resources::get_settings,
        resources::update_settings,
        resources::list_reminders,
        resources::create_reminder,
        resources::get_reminder,
        resources::update_reminder,
        resources::cancel_reminder,
        resources::list_tasks,
        resources::add_task,
        resources::complete_task,
        resources::move_task,
        resources::delete_task,
        mfa::start_totp,
        mfa::confirm_totp,
        mfa::disable_totp,
        admin::list_people,
        admin::change_role,
        data::list_memories,
        data::remember,
        data::get_memory,
        data::forget_memory,
        data::list_messages,
        data::my_number,
        data::my_usage,
        data::list_integrations,
        admin::list_numbers,
        admin::list_costs,
        phone::request_change,
        phone::confirm_change,
        privacy::export,
        privacy::erase,
        privacy::list_consents,
        privacy::record_consent,
        privacy::ai_transparency,
    ),
    components(schemas(ErrorBody, ErrorDetail, Status, CodeSent))
)]
pub(crate) struct ApiDoc;

/// The document, built once.
fn the_document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

pub(crate) async fn document() -> HttpResponse {
    HttpResponse::Ok().json(the_document())
}

/// The methods the document lists for `path` (a `{name}` segment matches
/// any one segment), as an `Allow` header value; `None` for a path it does
/// not know.
pub(crate) fn allowed_methods(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let item = the_document().paths.paths.iter().find_map(|(template, item)| {
        let pattern: Vec<&str> = template.split('/').collect();
        let matches = pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| (p.starts_with('{') && p.ends_with('}') && !s.is_empty()) || p == s);
        matches.then_some(item)
    })?;
    let methods: Vec<&str> = [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("PATCH", item.patch.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    (!methods.is_empty()).then(|| methods.join(", "))
}

/// A page that lists the operations of `/openapi.json` (no external script).
pub(crate) async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("../data/docs.html"))
}
