//! HTTP routes (SPEC 3). Paths are registered without a trailing slash; the server trims one,
//! so `/cart/` and `/cart` both work.

use actix_web::web;

pub mod cart;
pub mod courses;
pub mod health;
pub mod users;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/users/register", web::post().to(users::register::register))
        .route("/users/login", web::post().to(users::login::login))
        .route("/users/me", web::get().to(users::me::me))
        .route("/courses", web::get().to(courses::list::list_courses))
        .route(
            "/courses/{id}",
            web::get().to(courses::detail::course_detail),
        )
        .service(
            web::resource("/cart")
                .route(web::post().to(cart::add::add_to_cart))
                .route(web::get().to(cart::list::list_cart))
                .route(web::patch().to(cart::toggle::toggle_item))
                .route(web::put().to(cart::select_all::select_all))
                .route(web::delete().to(cart::remove::remove_item)),
        )
        .route("/cart/order", web::get().to(cart::checkout::checkout_items));
}
