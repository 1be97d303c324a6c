//! HTTP routes (SPEC 3). Paths are registered without a trailing slash; the server trims one,
//! so `/cart/` and `/cart` both work.

use actix_web::web;

pub mod admin;
pub mod cart;
pub mod coupons;
pub mod courses;
pub mod health;
pub mod orders;
pub mod payments;
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
        // Fixed and longer paths before `/courses/{id}` and `/courses/{d}/{c}`.
        .route(
            "/courses/directions",
            web::get().to(courses::filters::list_directions),
        )
        .route(
            "/courses/categories/{direction}",
            web::get().to(courses::filters::list_categories),
        )
        .route(
            r"/courses/{id:\d+}/chapters",
            web::get().to(courses::chapters::course_chapters),
        )
        .route(
            r"/courses/{direction:\d+}/{category:\d+}",
            web::get().to(courses::browse::browse_courses),
        )
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
        .route("/cart/order", web::get().to(cart::checkout::checkout_items))
        // The client's later name for the same page.
        .route("/cart/select", web::get().to(cart::checkout::checkout_items))
        .route("/coupon", web::get().to(coupons::list::list_coupons))
        .route(
            "/coupon/enable",
            web::get().to(coupons::enable::enabled_coupons),
        )
        .route(
            "/coupon/user",
            web::get().to(coupons::enable::enabled_coupons),
        )
        .route(
            "/coupon/claim",
            web::post().to(coupons::claim::claim_coupon),
        )
        // Fixed paths before `/orders/{id}`, which would otherwise swallow them.
        .route("/orders", web::post().to(orders::create::create_order))
        .route("/orders/quote", web::post().to(orders::quote::quote_order))
        .route(
            "/orders/pay/choices",
            web::get().to(orders::choices::pay_choices),
        )
        .route(
            "/orders/pay/status",
            web::get().to(orders::choices::pay_choices),
        )
        .route("/orders/list", web::get().to(orders::list::list_orders))
        .service(
            web::resource("/orders/{id}")
                .route(web::get().to(orders::detail::order_detail))
                .route(web::put().to(orders::cancel::cancel_order)),
        )
        .route(
            "/payments/alipay/notify",
            web::post().to(payments::notify::alipay_notify),
        )
        .route(
            "/payments/alipay/result",
            web::get().to(payments::result::alipay_result),
        )
        .route(
            "/payments/alipay/query/{order_number}",
            web::get().to(payments::query::query_payment),
        )
        .route(
            "/payments/alipay/{order_number}",
            web::get().to(payments::pay_link::pay_link),
        )
        .route(
            "/payments/balance/{order_number}",
            web::post().to(payments::balance::pay_with_balance),
        )
        .route("/admin/jobs", web::get().to(admin::job_stats::job_stats))
        .route(
            "/admin/coupons",
            web::post().to(admin::create_coupon::create_coupon),
        )
        .route(
            "/admin/coupons/{id}/grant",
            web::post().to(admin::grant_coupon::grant_coupon),
        )
        .route(
            "/admin/coupon-grants/{id}",
            web::delete().to(admin::revoke_grant::revoke_grant),
        )
        .route(
            "/admin/users/{id}",
            web::patch().to(admin::update_user::update_user),
        )
        .route(
            "/admin/users/{id}/credit",
            web::put().to(admin::adjust_credit::adjust_credit),
        );
}
