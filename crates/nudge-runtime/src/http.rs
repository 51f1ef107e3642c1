//! The actix-web side (api and sms-router): health, readiness and metrics,
//! and running service logic on the main tokio runtime.
//!
//! actix-web runs each worker on its own single-threaded runtime. Database,
//! Redis and RabbitMQ connections keep a driver task on the runtime that
//! opened them, so handlers hand their work to the main runtime with
//! [`on_main`] instead of opening connections on a worker.

use actix_web::{HttpResponse, web};
use tokio::runtime::Handle;

use crate::Readiness;

/// State for the admin routes.
#[derive(Clone)]
pub struct Admin {
    pub readiness: Readiness,
    pub runtime: Handle,
}

/// Adds `/healthz`, `/readyz` and `/metrics`.
pub fn admin_routes(config: &mut web::ServiceConfig, admin: Admin) {
    config
        .app_data(web::Data::new(admin))
        .route("/healthz", web::get().to(|| async { HttpResponse::Ok().body("ok") }))
        .route("/readyz", web::get().to(readyz))
        .route(
            "/metrics",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("text/plain; version=0.0.4")
                    .body(nudge_telemetry::render_metrics())
            }),
        );
}

async fn readyz(admin: web::Data<Admin>) -> HttpResponse {
    let readiness = admin.readiness.clone();
    match on_main(&admin.runtime, async move { readiness.check().await }).await {
        Ok(report) if report.ready() => HttpResponse::Ok().json(report.to_json()),
        Ok(report) => HttpResponse::ServiceUnavailable().json(report.to_json()),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// Runs `work` on the main runtime and waits for it.
pub async fn on_main<T: Send + 'static>(
    runtime: &Handle,
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    runtime.spawn(work).await
}
