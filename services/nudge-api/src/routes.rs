//! The REST API's routes (`/v1`), documented in `docs/api-design.md`.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::ApiError;
use crate::{admin, auth, data, me, mfa, openapi, phone, privacy, resources};

pub(crate) fn configure(config: &mut web::ServiceConfig) {
    config.route("/openapi.json", web::get().to(openapi::document));
    config.route("/docs", web::get().to(openapi::page));
    config.service(
        web::scope("/v1")
            .route("/auth/signup", web::post().to(auth::signup::sign_up))
            .route("/auth/login", web::post().to(auth::login::login))
            .route("/auth/refresh", web::post().to(auth::login::refresh))
            .route("/auth/logout", web::post().to(auth::login::logout))
            .route("/auth/password-reset", web::post().to(auth::reset::request_reset))
            .route(
                "/auth/password-reset/confirm",
                web::post().to(auth::reset::confirm_reset),
            )
            .route("/me", web::get().to(me::me))
            .route("/me/password", web::put().to(auth::password_change::change_password))
            .route("/me/phone", web::post().to(me::request_phone_code))
            .route("/me/phone/verify", web::post().to(me::verify_phone))
            .route("/me/phone/change", web::post().to(phone::request_change))
            .route("/me/phone/change/confirm", web::post().to(phone::confirm_change))
            .route("/me/mfa/totp", web::post().to(mfa::start_totp))
            .route("/me/mfa/totp", web::delete().to(mfa::disable_totp))
            .route("/me/mfa/totp/confirm", web::post().to(mfa::confirm_totp))
            .route("/admin/people", web::get().to(admin::list_people))
            .route("/admin/people/{id}/role", web::put().to(admin::change_role))
            .route("/me/security-events", web::get().to(auth::sessions::list_audit_events))
            .route("/sessions", web::get().to(auth::sessions::list_sessions))
            .route("/sessions/{id}", web::delete().to(auth::sessions::revoke_session))
            .route("/me/settings", web::get().to(resources::get_settings))
            .route("/me/settings", web::patch().to(resources::update_settings))
            .route("/reminders", web::get().to(resources::list_reminders))
            .route("/reminders", web::post().to(resources::create_reminder))
            .route("/reminders/{id}", web::get().to(resources::get_reminder))
            .route("/reminders/{id}", web::patch().to(resources::update_reminder))
            .route("/reminders/{id}", web::delete().to(resources::cancel_reminder))
            .route("/tasks", web::get().to(resources::list_tasks))
            .route("/tasks", web::post().to(resources::add_task))
            .route("/tasks/{id}/complete", web::post().to(resources::complete_task))
            .route("/tasks/{id}/move", web::post().to(resources::move_task))
            .route("/tasks/{id}", web::delete().to(resources::delete_task))
            .route("/memories", web::get().to(data::list_memories))
            .route("/memories", web::post().to(data::remember))
            .route("/memories/{id}", web::get().to(data::get_memory))
            .route("/memories/{id}", web::delete().to(data::forget_memory))
            .route("/conversations/messages", web::get().to(data::list_messages))
            .route("/me/number", web::get().to(data::my_number))
            .route("/me/usage", web::get().to(data::my_usage))
            .route("/integrations", web::get().to(data::list_integrations))
            .route("/admin/numbers", web::get().to(admin::list_numbers))
            .route("/admin/costs", web::get().to(admin::list_costs))
            .route("/me", web::delete().to(privacy::erase))
            .route("/me/export", web::get().to(privacy::export))
            .route("/me/consents", web::get().to(privacy::list_consents))
            .route("/me/consents", web::post().to(privacy::record_consent))
            .route("/ai-transparency", web::get().to(privacy::ai_transparency)),
    );
}

/// What no route took: a known path with a method it does not serve is
/// answered 405 with `Allow` (the methods the OpenAPI document lists for
/// it, so the two cannot disagree); any other path, 404.
pub(crate) async fn not_found(req: HttpRequest) -> HttpResponse {
    match openapi::allowed_methods(req.path()) {
        Some(allowed) => {
            let mut error = ApiError::invalid(format!("method: not allowed here (allowed: {allowed})"));
            error.status = Some(405);
            let mut response = error.error_response();
            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed) {
                response.headers_mut().insert(actix_web::http::header::ALLOW, value);
            }
            response
        }
        None => ApiError::not_found("route").error_response(),
    }
}
