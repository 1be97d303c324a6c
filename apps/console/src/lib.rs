//! The operators' web console at `/console/`, a library the `luffy` binary mounts: server-rendered
//! askama pages with vendored htmx, a session cookie (HttpOnly, SameSite=Strict, Secure in
//! production) kept in Redis and checked against the account on every request, a CSRF token on
//! every form, login limits per account and per address, and a strict Content-Security-Policy
//! (self only) on every page.

pub mod audit;
pub mod catalog;
pub mod chart;
pub mod coupons;
pub mod courses;
pub mod guard;
pub mod home;
pub mod multipart;
pub mod operations;
pub mod pages;
pub mod promotions;
pub mod reconciliations;
pub mod session;
pub mod state;
pub mod table;
pub mod users;

pub use state::{ConsoleSettings, ConsoleState};

use actix_session::config::PersistentSession;
use actix_session::SessionMiddleware;
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::HttpServiceFactory;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, HttpResponse};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha512};

/// Every console page's policy: only this origin's scripts, styles, images and forms, never
/// framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

/// htmx 2.0.4 from the npm registry (`htmx.org`), with its license in `assets/htmx/LICENSE`.
const HTMX: &str = include_str!("../assets/htmx/htmx.min.js");
/// The console's stylesheet.
const CSS: &str = include_str!("../assets/console.css");
/// The console's own script: sorting the rows of a shown table page by a column.
const SCRIPT: &str = include_str!("../assets/console.js");

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(SCRIPT)
}

async fn htmx() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(HTMX)
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(CSS)
}

/// A table region updated by htmx whose session has ended gets a full navigation to the login
/// page (`HX-Redirect`) instead of the login page swapped into the region.
async fn htmx_login_redirect(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let from_htmx = req.headers().contains_key("hx-request");
    let mut response = next.call(req).await?;
    let to_login = response
        .headers()
        .get(header::LOCATION)
        .is_some_and(|location| location == "/console/login");
    if from_htmx && response.status() == StatusCode::SEE_OTHER && to_login {
        *response.response_mut().status_mut() = StatusCode::OK;
        response.headers_mut().insert(
            HeaderName::from_static("hx-redirect"),
            HeaderValue::from_static("/console/login"),
        );
    }
    Ok(response)
}

/// The session cookie's signing key, derived from the JWT secret (64 bytes of SHA-512).
fn cookie_key(state: &ConsoleState) -> Key {
    let digest = Sha512::digest(state.settings.jwt_secret.expose_secret().as_bytes());
    Key::from(digest.as_slice())
}

/// The `/console` scope with its state, session middleware and security headers.
pub fn scope(state: &ConsoleState) -> impl HttpServiceFactory {
    let store = session::RedisSessions::new(state.sessions.clone());
    let sessions = SessionMiddleware::builder(store, cookie_key(state))
        .cookie_name("luffy_console".into())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Strict)
        .cookie_secure(state.settings.secure_cookies)
        .cookie_path("/console".into())
        .session_lifecycle(
            PersistentSession::default().session_ttl(actix_web::cookie::time::Duration::hours(8)),
        )
        .build();
    web::scope("/console")
        .app_data(web::Data::new(state.clone()))
        .wrap(from_fn(htmx_login_redirect))
        .wrap(sessions)
        .wrap(
            DefaultHeaders::new()
                .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
                .add(("X-Frame-Options", "DENY"))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "same-origin"))
                .add(("Cache-Control", "no-store")),
        )
        .route("", web::get().to(pages::dashboard))
        .route("/login", web::get().to(pages::login_page))
        .route("/login", web::post().to(pages::login))
        .route("/logout", web::post().to(pages::logout))
        .route("/refunds", web::get().to(pages::refunds))
        .route("/refunds/{id}/{action}", web::post().to(pages::review))
        .route("/catalog", web::get().to(catalog::catalog))
        .route("/directions", web::post().to(catalog::create_direction))
        .route(
            "/directions/{id}",
            web::post().to(catalog::rename_direction),
        )
        .route("/categories", web::post().to(catalog::create_category))
        .route("/categories/{id}", web::post().to(catalog::update_category))
        .route("/teachers", web::post().to(catalog::create_teacher))
        .route("/teachers/{id}", web::post().to(catalog::update_teacher))
        .route(
            "/teachers/{id}/visibility",
            web::post().to(catalog::teacher_visibility),
        )
        .route("/courses", web::get().to(courses::courses))
        .route("/courses", web::post().to(courses::create_course))
        .route("/courses/{id}", web::get().to(courses::course))
        .route("/courses/{id}", web::post().to(courses::update_course))
        .route(
            "/courses/{id}/chapters",
            web::post().to(courses::add_chapter),
        )
        .route(
            "/courses/{course}/chapters/{chapter}/lessons",
            web::post().to(courses::add_lesson),
        )
        .route(
            "/courses/{course}/chapters/{chapter}",
            web::post().to(courses::update_chapter),
        )
        .route(
            "/courses/{course}/lessons/{lesson}",
            web::post().to(courses::update_lesson),
        )
        .route("/promotions", web::get().to(promotions::promotions))
        .route("/promotions", web::post().to(promotions::create))
        .route("/promotions/{id}", web::post().to(promotions::update))
        .route("/users", web::get().to(users::users))
        .route("/users/{id}", web::get().to(users::user))
        .route("/users/{id}/credit", web::post().to(users::set_credit))
        .route("/users/{id}/balance", web::post().to(users::top_up))
        .route("/users/{id}/state", web::post().to(users::change_state))
        .route("/audit", web::get().to(audit::audit))
        .route(
            "/orders/export.csv",
            web::get().to(operations::export_orders),
        )
        .route("/orders", web::get().to(operations::orders))
        .route("/orders/{id}", web::get().to(operations::order))
        .route(
            "/orders/{id}/refund",
            web::post().to(operations::refund_order),
        )
        .route("/coupons", web::get().to(coupons::coupons))
        .route("/coupons", web::post().to(coupons::create))
        .route("/coupons/{id}", web::get().to(coupons::coupon))
        .route("/coupons/{id}", web::post().to(coupons::update))
        .route("/coupons/{id}/grant", web::post().to(coupons::grant))
        .route(
            "/coupons/{id}/grants/{grant}/revoke",
            web::post().to(coupons::revoke),
        )
        .route("/home", web::get().to(home::home))
        .route("/navs", web::post().to(home::create_nav))
        .route("/navs/{id}", web::post().to(home::update_nav))
        .route("/banners", web::post().to(home::create_banner))
        .route("/banners/{id}", web::post().to(home::update_banner))
        .route("/jobs", web::get().to(operations::jobs))
        .route(
            "/reconciliations",
            web::get().to(reconciliations::reconciliations),
        )
        .route("/reconciliations/run", web::post().to(reconciliations::run))
        .route(
            "/reconciliations/export.csv",
            web::get().to(reconciliations::export),
        )
        .route("/jobs/{id}/retry", web::post().to(operations::retry_job))
        .route("/static/htmx.min.js", web::get().to(htmx))
        .route("/static/console.css", web::get().to(css))
        .route("/static/console.js", web::get().to(script))
}
