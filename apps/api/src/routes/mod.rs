//! HTTP routes (SPEC 3). Paths are registered without a trailing slash; the server trims one,
//! so `/cart/` and `/cart` both work. Every path is a resource, so a known path with an
//! unknown method answers 405 (not 404), and the edge gives it an `errmsg`.

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
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/readyz").route(web::get().to(health::readyz)))
        .service(web::resource("/metrics").route(web::get().to(health::metrics)))
        .service(web::resource("/users/register").route(web::post().to(users::register::register)))
        .service(web::resource("/users/login").route(web::post().to(users::login::login)))
        .service(web::resource("/users/me").route(web::get().to(users::me::me)))
        .service(web::resource("/courses").route(web::get().to(courses::list::list_courses)))
        // Fixed and longer paths before `/courses/{id}` and `/courses/{d}/{c}`.
        .service(
            web::resource("/courses/directions")
                .route(web::get().to(courses::filters::list_directions)),
        )
        .service(
            web::resource("/courses/categories/{direction}")
                .route(web::get().to(courses::filters::list_categories)),
        )
        .service(
            web::resource(r"/courses/{id:\d+}/chapters")
                .route(web::get().to(courses::chapters::course_chapters)),
        )
        .service(
            web::resource(r"/courses/{direction:\d+}/{category:\d+}")
                .route(web::get().to(courses::browse::browse_courses)),
        )
        .service(
            web::resource("/courses/{id}").route(web::get().to(courses::detail::course_detail)),
        )
        .service(
            web::resource("/cart")
                .route(web::post().to(cart::add::add_to_cart))
                .route(web::get().to(cart::list::list_cart))
                .route(web::patch().to(cart::toggle::toggle_item))
                .route(web::put().to(cart::select_all::select_all))
                .route(web::delete().to(cart::remove::remove_item)),
        )
        .service(web::resource("/cart/order").route(web::get().to(cart::checkout::checkout_items)))
        // The client's later name for the same page.
        .service(web::resource("/cart/select").route(web::get().to(cart::checkout::checkout_items)))
        .service(web::resource("/coupon").route(web::get().to(coupons::list::list_coupons)))
        .service(
            web::resource("/coupon/enable").route(web::get().to(coupons::enable::enabled_coupons)),
        )
        .service(
            web::resource("/coupon/user").route(web::get().to(coupons::enable::enabled_coupons)),
        )
        .service(web::resource("/coupon/claim").route(web::post().to(coupons::claim::claim_coupon)))
        // Fixed paths before `/orders/{id}`, which would otherwise swallow them.
        .service(web::resource("/orders").route(web::post().to(orders::create::create_order)))
        .service(web::resource("/orders/quote").route(web::post().to(orders::quote::quote_order)))
        .service(
            web::resource("/orders/pay/choices").route(web::get().to(orders::choices::pay_choices)),
        )
        .service(
            web::resource("/orders/pay/status").route(web::get().to(orders::choices::pay_choices)),
        )
        .service(web::resource("/orders/list").route(web::get().to(orders::list::list_orders)))
        .service(
            web::resource("/orders/{id}")
                .route(web::get().to(orders::detail::order_detail))
                .route(web::put().to(orders::cancel::cancel_order))
                .route(web::delete().to(orders::hide::hide_order)),
        )
        .service(
            web::resource("/orders/{id}/rebuy").route(web::post().to(orders::rebuy::rebuy_order)),
        )
        .service(
            web::resource("/orders/{id}/refund")
                .route(web::post().to(orders::refund::request_refund)),
        )
        .service(
            web::resource("/orders/{id}/refunds")
                .route(web::get().to(orders::refund::list_refunds)),
        )
        .service(
            web::resource("/orders/{id}/refunds/{refund_id}")
                .route(web::delete().to(orders::refund::cancel_refund)),
        )
        .service(
            web::resource("/payments/alipay/notify")
                .route(web::post().to(payments::notify::alipay_notify)),
        )
        .service(
            web::resource("/payments/alipay/result")
                .route(web::get().to(payments::result::alipay_result)),
        )
        .service(
            web::resource("/payments/alipay/query/{order_number}")
                .route(web::get().to(payments::query::query_payment)),
        )
        .service(
            web::resource("/payments/alipay/{order_number}")
                .route(web::get().to(payments::pay_link::pay_link)),
        )
        .service(
            web::resource("/payments/balance/{order_number}")
                .route(web::post().to(payments::balance::pay_with_balance)),
        )
        .service(web::resource("/admin/jobs").route(web::get().to(admin::job_stats::job_stats)))
        .service(web::resource("/admin/audit").route(web::get().to(admin::audit::list_audit)))
        .service(
            web::resource("/admin/directions")
                .route(web::get().to(admin::taxonomy::list_directions))
                .route(web::post().to(admin::taxonomy::create_direction)),
        )
        .service(
            web::resource("/admin/directions/{id}")
                .route(web::patch().to(admin::taxonomy::rename_direction)),
        )
        .service(
            web::resource("/admin/categories")
                .route(web::get().to(admin::taxonomy::list_categories))
                .route(web::post().to(admin::taxonomy::create_category)),
        )
        .service(
            web::resource("/admin/categories/{id}")
                .route(web::patch().to(admin::taxonomy::update_category)),
        )
        .service(web::resource("/admin/orders").route(web::get().to(admin::orders::search_orders)))
        .service(
            web::resource("/admin/orders/export.csv")
                .route(web::get().to(admin::orders::export_orders)),
        )
        .service(
            web::resource("/admin/orders/{id:\\d+}")
                .route(web::get().to(admin::orders::order_dossier)),
        )
        .service(
            web::resource("/admin/orders/{id:\\d+}/refund")
                .route(web::post().to(admin::refunds::refund_order)),
        )
        .service(web::resource("/admin/refunds").route(web::get().to(admin::refunds::refund_queue)))
        .service(
            web::resource("/admin/refunds/{id}/approve")
                .route(web::post().to(admin::refunds::approve_refund)),
        )
        .service(
            web::resource("/admin/refunds/{id}/reject")
                .route(web::post().to(admin::refunds::reject_refund)),
        )
        .service(
            web::resource("/admin/jobs/dead").route(web::get().to(admin::dead_jobs::dead_jobs)),
        )
        .service(
            web::resource("/admin/jobs/{id}/retry")
                .route(web::post().to(admin::dead_jobs::retry_job)),
        )
        .service(
            web::resource("/admin/coupons")
                .route(web::get().to(admin::coupons::list_coupons))
                .route(web::post().to(admin::create_coupon::create_coupon)),
        )
        .service(
            web::resource("/admin/coupons/{id}")
                .route(web::patch().to(admin::coupons::update_coupon)),
        )
        .service(
            web::resource("/admin/coupons/{id}/grants")
                .route(web::get().to(admin::coupons::coupon_grants)),
        )
        .service(
            web::resource("/admin/coupons/{id}/grant")
                .route(web::post().to(admin::grant_coupon::grant_coupon)),
        )
        .service(
            web::resource("/admin/coupon-grants/{id}")
                .route(web::delete().to(admin::revoke_grant::revoke_grant)),
        )
        .service(web::resource("/admin/users").route(web::get().to(admin::users::search_users)))
        .service(
            web::resource("/admin/users/{id}/ledger")
                .route(web::get().to(admin::users::user_ledger)),
        )
        .service(
            web::resource("/admin/users/{id}")
                .route(web::patch().to(admin::update_user::update_user)),
        )
        .service(
            web::resource("/admin/users/{id}/balance").route(web::post().to(admin::top_up::top_up)),
        )
        .service(
            web::resource("/admin/users/{id}/credit")
                .route(web::put().to(admin::adjust_credit::adjust_credit)),
        );
}
