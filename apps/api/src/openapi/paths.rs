//! Every operation, declared for utoipa. Handlers live in `crate::routes`; the test in
//! `tests/tests/openapi.rs` fails when a registered route is missing here.

#![allow(dead_code, missing_docs)]

use super::schemas::*;

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "ops",
    summary = "Liveness",
    responses((status = 200, description = "OK", body = Health)),
)]
pub fn healthz() {}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "ops",
    summary = "Readiness: PostgreSQL and Redis",
    responses((status = 200, description = "OK", body = Readiness), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn readyz() {}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "ops",
    summary = "Prometheus metrics (text)",
    responses((status = 200, description = "OK", body = String, content_type = "text/plain")),
)]
pub fn metrics() {}

#[utoipa::path(
    post,
    path = "/users/register",
    tag = "users",
    summary = "Register with a mobile number",
    request_body = RegisterForm,
    responses((status = 200, description = "OK", body = TokenResponse), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn register() {}

#[utoipa::path(
    post,
    path = "/users/login",
    tag = "users",
    summary = "Log in with username or mobile (failed attempts limited per account and per address)",
    request_body = LoginForm,
    responses((status = 200, description = "OK", body = TokenResponse), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 429, description = "Too many failed attempts for the account or from the address; see Retry-After", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn login() {}

#[utoipa::path(
    get,
    path = "/users/me",
    tag = "users",
    summary = "The caller's profile",
    responses((status = 200, description = "OK", body = Profile), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn me() {}

#[utoipa::path(
    get,
    path = "/courses",
    tag = "courses",
    summary = "Shown courses, paged",
    params(("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 50")),
    responses((status = 200, description = "OK", body = CoursePage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn list_courses() {}

#[utoipa::path(
    get,
    path = "/courses/directions",
    tag = "courses",
    summary = "Learning directions",
    responses((status = 200, description = "OK", body = Vec<Named>), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn list_directions() {}

#[utoipa::path(
    get,
    path = "/courses/categories/{direction}",
    tag = "courses",
    summary = "Categories of a direction (0 = all)",
    params(("direction" = i64, Path, description = "Direction id, 0 = all")),
    responses((status = 200, description = "OK", body = Vec<Named>), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn list_categories() {}

#[utoipa::path(
    get,
    path = "/courses/{id}/chapters",
    tag = "courses",
    summary = "A course's chapters with lessons",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Vec<Chapter>), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn course_chapters() {}

#[utoipa::path(
    get,
    path = "/courses/{direction}/{category}",
    tag = "courses",
    summary = "Courses of a direction and category (0 = all), sorted",
    params(("direction" = i64, Path, description = "Direction id, 0 = all"), ("category" = i64, Path, description = "Category id, 0 = all"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 50"), ("ordering" = Option<String>, Query, description = "-id (default), -students, price or -price")),
    responses((status = 200, description = "OK", body = CourseCardPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn browse_courses() {}

#[utoipa::path(
    get,
    path = "/courses/{id}",
    tag = "courses",
    summary = "A course page",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = CourseDetail), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn course_detail() {}

#[utoipa::path(
    post,
    path = "/cart",
    tag = "cart",
    summary = "Add a course to the cart",
    request_body = CartAddForm,
    responses((status = 200, description = "OK", body = CartTotal), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn add_to_cart() {}

#[utoipa::path(
    get,
    path = "/cart",
    tag = "cart",
    summary = "The cart",
    responses((status = 200, description = "OK", body = CartList), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn list_cart() {}

#[utoipa::path(
    patch,
    path = "/cart",
    tag = "cart",
    summary = "Select or unselect an item",
    request_body = CartToggleForm,
    responses((status = 200, description = "OK", body = Message), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn toggle_item() {}

#[utoipa::path(
    put,
    path = "/cart",
    tag = "cart",
    summary = "Select or unselect every item",
    request_body = CartSelectAllForm,
    responses((status = 200, description = "OK", body = Message), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn select_all() {}

#[utoipa::path(
    delete,
    path = "/cart",
    tag = "cart",
    summary = "Remove an item",
    params(("course_id" = i64, Query, description = "The course to remove")),
    responses((status = 200, description = "OK", body = CartTotal), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn remove_item() {}

#[utoipa::path(
    get,
    path = "/cart/order",
    tag = "cart",
    summary = "The selected items (the checkout page)",
    responses((status = 200, description = "OK", body = CartList), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn checkout_items() {}

#[utoipa::path(
    get,
    path = "/cart/select",
    tag = "cart",
    summary = "Same as /cart/order (the client's later name)",
    responses((status = 200, description = "OK", body = CartList), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn checkout_items_alias() {}

#[utoipa::path(
    get,
    path = "/coupon",
    tag = "coupons",
    summary = "The caller's coupons",
    responses((status = 200, description = "OK", body = Vec<CouponItem>), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn list_coupons() {}

#[utoipa::path(
    get,
    path = "/coupon/enable",
    tag = "coupons",
    summary = "Coupons usable for the selected items, and the points",
    responses((status = 200, description = "OK", body = EnabledCoupons), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn enabled_coupons() {}

#[utoipa::path(
    get,
    path = "/coupon/user",
    tag = "coupons",
    summary = "Same as /coupon/enable (the client's later name)",
    responses((status = 200, description = "OK", body = EnabledCoupons), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn enabled_coupons_alias() {}

#[utoipa::path(
    post,
    path = "/coupon/claim",
    tag = "coupons",
    summary = "Claim a claimable coupon",
    request_body = ClaimForm,
    responses((status = 201, description = "OK", body = Claimed), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 409, description = "Conflicts with existing state", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn claim_coupon() {}

#[utoipa::path(
    post,
    path = "/orders",
    tag = "orders",
    summary = "Create an order from the selected items",
    request_body = CheckoutForm,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first order again (visible ASCII, up to 64)")),
    responses((status = 201, description = "OK", body = CreatedOrder), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 409, description = "Conflicts with existing state", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_order() {}

#[utoipa::path(
    post,
    path = "/orders/quote",
    tag = "orders",
    summary = "Price the selected items without ordering",
    request_body = CheckoutForm,
    responses((status = 200, description = "OK", body = Quote), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn quote_order() {}

#[utoipa::path(
    get,
    path = "/orders/pay/choices",
    tag = "orders",
    summary = "Order statuses: [[code, name]]",
    responses((status = 200, description = "OK", body = Vec<Vec<serde_json::Value>>)),
)]
pub fn pay_choices() {}

#[utoipa::path(
    get,
    path = "/orders/pay/status",
    tag = "orders",
    summary = "Same as /orders/pay/choices (the client's later name)",
    responses((status = 200, description = "OK", body = Vec<Vec<serde_json::Value>>)),
)]
pub fn pay_choices_alias() {}

#[utoipa::path(
    get,
    path = "/orders/list",
    tag = "orders",
    summary = "The caller's orders, paged",
    params(("status" = Option<i64>, Query, description = "-1 all, or an order status"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 50")),
    responses((status = 200, description = "OK", body = OrderPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn list_orders() {}

#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "orders",
    summary = "One of the caller's orders",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Order), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn order_detail() {}

#[utoipa::path(
    put,
    path = "/orders/{id}",
    tag = "orders",
    summary = "Cancel an unpaid order (coupon and points come back)",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Cancelled), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn cancel_order() {}

#[utoipa::path(
    delete,
    path = "/orders/{id}",
    tag = "orders",
    summary = "Hide a cancelled or timed-out order from the order list (never a delete)",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Message), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn hide_order() {}

#[utoipa::path(
    post,
    path = "/orders/{id}/rebuy",
    tag = "orders",
    summary = "Put the order's courses that can still be bought back into the cart, selected",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Rebuy), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn rebuy_order() {}

#[utoipa::path(
    post,
    path = "/payments/alipay/notify",
    tag = "payments",
    summary = "Alipay's asynchronous notify (form); answers success or fail",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "The signed notify form"),
    responses((status = 200, description = "OK", body = String, content_type = "text/plain"), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 413, description = "Body over 64 KiB", body = ErrorBody)),
)]
pub fn alipay_notify() {}

#[utoipa::path(
    get,
    path = "/payments/alipay/result",
    tag = "payments",
    summary = "Where the buyer returns from Alipay (signed query); HTML for a browser",
    responses((status = 200, description = "OK", body = PaymentResult), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn alipay_result() {}

#[utoipa::path(
    get,
    path = "/payments/alipay/query/{order_number}",
    tag = "payments",
    summary = "Ask Alipay and fulfil a paid trade",
    params(("order_number" = String, Path, description = "Order number")),
    responses((status = 200, description = "OK", body = Message), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn query_payment() {}

#[utoipa::path(
    get,
    path = "/payments/alipay/{order_number}",
    tag = "payments",
    summary = "The Alipay pay link of an unpaid order",
    params(("order_number" = String, Path, description = "Order number")),
    responses((status = 200, description = "OK", body = PayLink), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn pay_link() {}

#[utoipa::path(
    post,
    path = "/payments/wechat/notify",
    tag = "payments",
    summary = "WeChat Pay's notify (signed JSON, encrypted resource); 204 when recorded, {code: FAIL} otherwise",
    request_body(content = String, content_type = "application/json", description = "The signed notify with Wechatpay-Timestamp, -Nonce, -Serial and -Signature headers"),
    responses((status = 204, description = "Recorded (or nothing to record)"), (status = 400, description = "Forged, stale, a probe, foreign or not matching the order: {\"code\":\"FAIL\",\"message\":...}", body = String, content_type = "application/json"), (status = 500, description = "Not recorded now; WeChat sends it again", body = String, content_type = "application/json")),
)]
pub fn wechat_notify() {}

#[utoipa::path(
    get,
    path = "/payments/wechat/query/{order_number}",
    tag = "payments",
    summary = "Ask WeChat Pay and fulfil a paid trade (login token, or the cashier's `t`)",
    params(("order_number" = String, Path, description = "Order number"), ("t" = Option<String>, Query, description = "The cashier token, instead of a login token")),
    responses((status = 200, description = "OK", body = Message), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security((), ("jwt" = []), ("bearer" = [])),
)]
pub fn wechat_query() {}

#[utoipa::path(
    get,
    path = "/payments/wechat/cashier/{order_number}",
    tag = "payments",
    summary = "The WeChat cashier page (HTML): the QR code, the amount, a countdown",
    params(("order_number" = String, Path, description = "Order number"), ("t" = String, Query, description = "The cashier token from the payment's `cashier` link")),
    responses((status = 200, description = "The page", body = String, content_type = "text/html"), (status = 400, description = "Bad or expired link", body = ErrorBody), (status = 404, description = "Missing", body = ErrorBody)),
)]
pub fn wechat_cashier() {}

#[utoipa::path(
    get,
    path = "/payments/wechat/result/{order_number}",
    tag = "payments",
    summary = "The paid order (HTML for a browser), where the cashier goes once paid",
    params(("order_number" = String, Path, description = "Order number"), ("t" = Option<String>, Query, description = "The cashier token, instead of a login token")),
    responses((status = 200, description = "OK", body = PaymentResult), (status = 400, description = "Not paid", body = ErrorBody), (status = 401, description = "No or bad token", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody)),
    security((), ("jwt" = []), ("bearer" = [])),
)]
pub fn wechat_result() {}

#[utoipa::path(
    get,
    path = "/payments/wechat/{order_number}",
    tag = "payments",
    summary = "Start the WeChat payment of an unpaid pay_type 1 order: {code_url, expires_at, cashier}",
    params(("order_number" = String, Path, description = "Order number")),
    responses((status = 200, description = "OK", body = WechatPayment), (status = 400, description = "Refused input or rule (another pay type, paid, expired)", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, someone else's, or WeChat Pay is off", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or WeChat Pay is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn wechat_payment() {}

#[utoipa::path(
    post,
    path = "/payments/balance/{order_number}",
    tag = "payments",
    summary = "Pay an unpaid order from the balance",
    params(("order_number" = String, Path, description = "Order number")),
    responses((status = 200, description = "OK", body = BalancePaid), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn pay_with_balance() {}

#[utoipa::path(
    get,
    path = "/admin/jobs",
    tag = "admin",
    summary = "Job counts, backlog and dead jobs",
    responses((status = 200, description = "OK", body = JobStats), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn job_stats() {}

#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "admin",
    summary = "The audit trail: who changed what, when, with the row before and after",
    params(("actor" = Option<i64>, Query, description = "Only this operator's entries"), ("entity" = Option<String>, Query, description = "Only this kind of row: coupon, coupon_grant, user"), ("from" = Option<String>, Query, description = "From this day (YYYY-MM-DD, store timezone) or instant (RFC 3339)"), ("to" = Option<String>, Query, description = "To this day, included, or before this instant"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = AuditPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn list_audit() {}

#[utoipa::path(get, path = "/admin/directions", tag = "admin", summary = "Every course direction",
    responses((status = 200, description = "OK", body = Vec<AdminDirection>), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])))]
pub fn admin_list_directions() {}

#[utoipa::path(post, path = "/admin/directions", tag = "admin", summary = "Create a course direction (audited)",
    request_body = DirectionBody,
    responses((status = 201, description = "Created", body = AdminDirection), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 409, description = "The name is in use", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])))]
pub fn create_direction() {}

#[utoipa::path(patch, path = "/admin/directions/{id}", tag = "admin", summary = "Rename a course direction (audited)",
    params(("id" = i64, Path, description = "Direction id")), request_body = DirectionBody,
    responses((status = 200, description = "OK", body = AdminDirection), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing", body = ErrorBody), (status = 409, description = "The name is in use", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])))]
pub fn rename_direction() {}

#[utoipa::path(get, path = "/admin/categories", tag = "admin", summary = "The categories of a direction (all without one)",
    params(("direction" = Option<i64>, Query, description = "Direction id; 0 or absent for all")),
    responses((status = 200, description = "OK", body = Vec<AdminCategory>), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])))]
pub fn admin_list_categories() {}

#[utoipa::path(post, path = "/admin/categories", tag = "admin", summary = "Create a course category (audited)",
    request_body = CategoryBody,
    responses((status = 201, description = "Created", body = AdminCategory), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 409, description = "The name is in use", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])))]
pub fn create_category() {}

#[utoipa::path(patch, path = "/admin/categories/{id}", tag = "admin", summary = "Rename a course category or move it to another direction (audited)",
    params(("id" = i64, Path, description = "Category id")), request_body = CategoryBody,
    responses((status = 200, description = "OK", body = AdminCategory), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing", body = ErrorBody), (status = 409, description = "The name is in use", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])))]
pub fn update_category() {}

#[utoipa::path(
    get,
    path = "/admin/orders",
    tag = "admin",
    summary = "Every buyer's orders, filtered, ordered and paged",
    params(("number" = Option<String>, Query, description = "Part of the order number"), ("user" = Option<i64>, Query, description = "Buyer id"), ("status" = Option<i64>, Query, description = "Order status code"), ("pay_type" = Option<i64>, Query, description = "0 Alipay, 1 WeChat, 2 balance"), ("from" = Option<String>, Query, description = "Created from this day (YYYY-MM-DD, store timezone) or instant (RFC 3339)"), ("to" = Option<String>, Query, description = "Created up to this day, included, or before this instant"), ("min" = Option<String>, Query, description = "real_price at least"), ("max" = Option<String>, Query, description = "real_price at most"), ("ordering" = Option<String>, Query, description = "-created_time (default), created_time, -real_price, real_price"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = AdminOrderPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn search_orders() {}

#[utoipa::path(
    get,
    path = "/admin/orders/export.csv",
    tag = "admin",
    summary = "The same search as CSV (at most 10000 orders)",
    params(("number" = Option<String>, Query, description = "Part of the order number"), ("user" = Option<i64>, Query, description = "Buyer id"), ("status" = Option<i64>, Query, description = "Order status code"), ("pay_type" = Option<i64>, Query, description = "0 Alipay, 1 WeChat, 2 balance"), ("from" = Option<String>, Query, description = "Created from this day (YYYY-MM-DD, store timezone) or instant (RFC 3339)"), ("to" = Option<String>, Query, description = "Created up to this day, included, or before this instant"), ("min" = Option<String>, Query, description = "real_price at least"), ("max" = Option<String>, Query, description = "real_price at most"), ("ordering" = Option<String>, Query, description = "-created_time (default), created_time, -real_price, real_price")),
    responses((status = 200, description = "OK", body = String, content_type = "text/csv"), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn export_orders() {}

#[utoipa::path(
    get,
    path = "/admin/orders/{id}",
    tag = "admin",
    summary = "One order with its buyer, payments, jobs and timeline",
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "OK", body = AdminOrderDossier), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such order", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn order_dossier() {}

#[utoipa::path(
    get,
    path = "/admin/jobs/dead",
    tag = "admin",
    summary = "Jobs that failed for good, newest first, with their last error",
    params(("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = DeadJobPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn dead_jobs() {}

#[utoipa::path(
    get,
    path = "/admin/users",
    tag = "admin",
    summary = "Find accounts by a part of the username or mobile, newest first",
    params(("q" = Option<String>, Query, description = "Part of the username or mobile (all when empty; at most 64 characters)"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = AdminUserPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn search_users() {}

#[utoipa::path(
    get,
    path = "/admin/coupons",
    tag = "admin",
    summary = "Coupons with how their stock is spent (granted, used, reserved, left), newest first",
    params(("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = AdminCouponPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_coupons() {}

#[utoipa::path(
    patch,
    path = "/admin/coupons/{id}",
    tag = "admin",
    summary = "Change a coupon's name, window, stock, per-user limit or switch it off (audited)",
    params(("id" = i64, Path, description = "Coupon id")),
    request_body = CouponChangeBody,
    responses((status = 200, description = "OK", body = AdminCoupon), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such coupon", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_coupon() {}

#[utoipa::path(
    get,
    path = "/admin/coupons/{id}/grants",
    tag = "admin",
    summary = "A coupon's grants, newest first",
    params(("id" = i64, Path, description = "Coupon id"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = GrantPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such coupon", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn coupon_grants() {}

#[utoipa::path(
    get,
    path = "/admin/users/{id}/ledger",
    tag = "admin",
    summary = "An account's points or balance ledger, newest first",
    params(("id" = i64, Path, description = "User id"), ("kind" = Option<String>, Query, description = "points (default) or balance"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = LedgerPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such user", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn user_ledger() {}

#[utoipa::path(
    post,
    path = "/admin/jobs/{id}/retry",
    tag = "admin",
    summary = "Send a dead job again (pending now, attempts reset; audited)",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, description = "OK", body = Message), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such job", body = ErrorBody), (status = 409, description = "Not dead, or a live job already does its work", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn retry_job() {}

#[utoipa::path(
    post,
    path = "/admin/coupons",
    tag = "admin",
    summary = "Create a coupon with its scope",
    request_body = CouponForm,
    responses((status = 201, description = "OK", body = CouponItem), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_coupon() {}

#[utoipa::path(
    post,
    path = "/admin/coupons/{id}/grant",
    tag = "admin",
    summary = "Grant a coupon to users (all or nothing)",
    request_body = GrantForm,
    params(("id" = i64, Path, description = "Id")),
    responses((status = 201, description = "OK", body = Granted), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 409, description = "Conflicts with existing state", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn grant_coupon() {}

#[utoipa::path(
    delete,
    path = "/admin/coupon-grants/{id}",
    tag = "admin",
    summary = "Revoke an unused grant",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Message), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 409, description = "Conflicts with existing state", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn revoke_grant() {}

#[utoipa::path(
    patch,
    path = "/admin/users/{id}",
    tag = "admin",
    summary = "Deactivate or reactivate, grant or revoke staff",
    request_body = AccountForm,
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Account), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_user() {}

#[utoipa::path(
    post,
    path = "/admin/users/{id}/balance",
    tag = "admin",
    summary = "Top a balance up (with a ledger row)",
    request_body = TopUpForm,
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = ToppedUp), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn top_up() {}

#[utoipa::path(
    put,
    path = "/admin/users/{id}/credit",
    tag = "admin",
    summary = "Set a points balance (with a ledger row)",
    request_body = CreditForm,
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = CreditSet), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn adjust_credit() {}

#[utoipa::path(
    post,
    path = "/orders/{id}/refund",
    tag = "orders",
    summary = "Ask for a refund of some or all remaining courses of a paid order (approved at once within the window unless LUFFY_REFUND_REVIEW)",
    params(("id" = i64, Path, description = "Order id")),
    request_body = RefundForm,
    responses((status = 201, description = "Created", body = Refund), (status = 400, description = "Outside the window, a foreign or refunded course, or an order that is not paid", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 409, description = "A course has an open request", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn request_refund() {}

#[utoipa::path(
    get,
    path = "/orders/{id}/refunds",
    tag = "orders",
    summary = "The order's refunds, oldest first",
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "OK", body = Vec<Refund>), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn list_refunds() {}

#[utoipa::path(
    delete,
    path = "/orders/{id}/refunds/{refund_id}",
    tag = "orders",
    summary = "Withdraw a refund request that still waits for review",
    params(("id" = i64, Path, description = "Order id"), ("refund_id" = i64, Path, description = "Refund id")),
    responses((status = 200, description = "OK", body = Refund), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "Missing, or someone else's", body = ErrorBody), (status = 409, description = "Already reviewed or withdrawn", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn cancel_refund() {}

#[utoipa::path(
    post,
    path = "/admin/orders/{id}/refund",
    tag = "admin",
    summary = "Refund some or all remaining courses of any paid order, inside the gateway's window (approved at once; audited)",
    params(("id" = i64, Path, description = "Order id")),
    request_body = RefundForm,
    responses((status = 201, description = "Created", body = Refund), (status = 400, description = "Outside the gateway's window, a foreign or refunded course, or an order that is not paid", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such order", body = ErrorBody), (status = 409, description = "A course has an open request", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn refund_order() {}

#[utoipa::path(
    get,
    path = "/admin/refunds",
    tag = "admin",
    summary = "The refund queue, newest first",
    params(("status" = Option<String>, Query, description = "requested, approved, refunding, refunded, rejected, cancelled or failed"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = RefundPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn refund_queue() {}

#[utoipa::path(
    post,
    path = "/admin/refunds/{id}/approve",
    tag = "admin",
    summary = "Approve a refund request (access ends, points back, the money's way back committed; audited)",
    params(("id" = i64, Path, description = "Refund id")),
    responses((status = 200, description = "OK", body = Refund), (status = 400, description = "Outside the gateway's window", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such refund", body = ErrorBody), (status = 409, description = "Already reviewed or withdrawn", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn approve_refund() {}

#[utoipa::path(
    post,
    path = "/admin/refunds/{id}/reject",
    tag = "admin",
    summary = "Reject a refund request with a reason (its courses may be asked for again; audited)",
    params(("id" = i64, Path, description = "Refund id")),
    request_body = RejectForm,
    responses((status = 200, description = "OK", body = Refund), (status = 400, description = "No reason", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such refund", body = ErrorBody), (status = 409, description = "Already reviewed or withdrawn", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn reject_refund() {}

#[utoipa::path(
    get,
    path = "/admin/teachers",
    tag = "admin",
    summary = "Every teacher (not deleted), in id order",
    responses((status = 200, description = "OK", body = Vec<AdminTeacher>), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_teachers() {}

#[utoipa::path(
    post,
    path = "/admin/teachers",
    tag = "admin",
    summary = "Create a teacher (audited)",
    request_body = TeacherForm,
    responses((status = 201, description = "Created", body = AdminTeacher), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_teacher() {}

#[utoipa::path(
    patch,
    path = "/admin/teachers/{id}",
    tag = "admin",
    summary = "Change a teacher; hide with is_show (audited)",
    params(("id" = i64, Path, description = "Id")),
    request_body = TeacherForm,
    responses((status = 200, description = "OK", body = AdminTeacher), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such teacher", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_teacher() {}

#[utoipa::path(
    get,
    path = "/admin/courses",
    tag = "admin",
    summary = "Courses, newest first, hidden and deleted included, optionally by name",
    params(("q" = Option<String>, Query, description = "Part of the name"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = AdminCoursePage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_courses() {}

#[utoipa::path(
    post,
    path = "/admin/courses",
    tag = "admin",
    summary = "Create a course (audited)",
    request_body = CourseForm,
    responses((status = 201, description = "Created", body = AdminCourse), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_course() {}

#[utoipa::path(
    patch,
    path = "/admin/courses/{id}",
    tag = "admin",
    summary = "Change a course; hide with is_show, withdraw with is_deleted (audited)",
    params(("id" = i64, Path, description = "Id")),
    request_body = CourseForm,
    responses((status = 200, description = "OK", body = AdminCourse), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such course", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_course() {}

#[utoipa::path(
    get,
    path = "/admin/courses/{id}/chapters",
    tag = "admin",
    summary = "A course's chapters with their lessons",
    params(("id" = i64, Path, description = "Id")),
    responses((status = 200, description = "OK", body = Vec<AdminChapter>), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such course", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_chapters() {}

#[utoipa::path(
    post,
    path = "/admin/courses/{id}/chapters",
    tag = "admin",
    summary = "Add a chapter to a course (audited)",
    params(("id" = i64, Path, description = "Id")),
    request_body = ChapterForm,
    responses((status = 201, description = "Created", body = AdminChapter), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such course", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_chapter() {}

#[utoipa::path(
    post,
    path = "/admin/chapters/{id}/lessons",
    tag = "admin",
    summary = "Add a lesson to a chapter (audited; the course's lesson count follows)",
    params(("id" = i64, Path, description = "Id")),
    request_body = LessonForm,
    responses((status = 201, description = "Created", body = AdminLesson), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such chapter", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_lesson() {}

#[utoipa::path(
    put,
    path = "/admin/chapters/{id}",
    tag = "admin",
    summary = "Replace a chapter's fields (audited; orders absent keeps its place)",
    params(("id" = i64, Path, description = "Id")),
    request_body = ChapterForm,
    responses((status = 200, description = "OK", body = AdminChapter), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such chapter", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_chapter() {}

#[utoipa::path(
    put,
    path = "/admin/lessons/{id}",
    tag = "admin",
    summary = "Replace a lesson's fields (audited; the course's lesson count follows)",
    params(("id" = i64, Path, description = "Id")),
    request_body = LessonForm,
    responses((status = 200, description = "OK", body = AdminLesson), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such lesson", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_lesson() {}

#[utoipa::path(
    get,
    path = "/admin/promotions",
    tag = "admin",
    summary = "Promotions, newest first",
    params(("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = AdminPromotionPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_promotions() {}

#[utoipa::path(
    post,
    path = "/admin/promotions",
    tag = "admin",
    summary = "Create a promotion: a window, a sale rule and linked courses (audited)",
    request_body = PromotionForm,
    responses((status = 201, description = "Created", body = AdminPromotion), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_promotion() {}

#[utoipa::path(
    patch,
    path = "/admin/promotions/{id}",
    tag = "admin",
    summary = "Change a promotion; course_ids replaces the links (audited)",
    params(("id" = i64, Path, description = "Id")),
    request_body = PromotionForm,
    responses((status = 200, description = "OK", body = AdminPromotion), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 404, description = "No such promotion", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_promotion() {}

#[utoipa::path(
    post,
    path = "/admin/uploads/{kind}",
    tag = "admin",
    summary = "Upload a course cover, an avatar or a banner: the raw PNG or JPEG as the body (checked by content, at most 2 MiB)",
    params(("kind" = String, Path, description = "cover or avatar")),
    request_body(content = String, content_type = "image/png", description = "The picture's bytes (image/png or image/jpeg)"),
    responses((status = 201, description = "Created", body = UploadedImage), (status = 400, description = "Not a PNG or JPEG, bad dimensions, or an unknown kind", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 413, description = "Over 2 MiB", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn upload_image() {}

#[utoipa::path(
    get,
    path = "/admin/reconciliations",
    tag = "admin",
    summary = "Reconciled days of the channels' bills, newest first, with their differences (长款, 短款, amounts, refunds) and what was done",
    params(("channel" = Option<String>, Query, description = "alipay or wechat"), ("date" = Option<String>, Query, description = "One Beijing day, YYYY-MM-DD"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = ReconciliationPage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn list_reconciliations() {}

#[utoipa::path(
    post,
    path = "/admin/reconciliations/run",
    tag = "admin",
    summary = "Reconcile (or reconcile again) one channel's day now: download and check its bill, compare, settle 长款, store",
    request_body = RunReconciliation,
    responses((status = 200, description = "The stored day", body = Reconciliation), (status = 400, description = "Refused input, or a malformed or truncated bill (nothing stored)", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 409, description = "The channel has not published that day's bill yet", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn run_reconciliation() {}

#[utoipa::path(
    get,
    path = "/admin/reconciliations/export.csv",
    tag = "admin",
    summary = "The same days' differences as CSV",
    params(("channel" = Option<String>, Query, description = "alipay or wechat"), ("date" = Option<String>, Query, description = "One Beijing day, YYYY-MM-DD"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size, at most 100")),
    responses((status = 200, description = "OK", body = String, content_type = "text/csv"), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn export_reconciliations() {}

#[utoipa::path(
    get,
    path = "/users/course",
    tag = "study",
    summary = "My courses: the caller's courses, newest purchase first, with where they are and their progress",
    params(("type" = Option<i64>, Query, description = "-1 (default) every type, else 0 实战课程, 1 会员专享, 2 学位课程"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size (default 5, at most 20)")),
    responses((status = 200, description = "OK", body = UserCoursePage), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn my_courses() {}

#[utoipa::path(
    get,
    path = "/users/course/{id}",
    tag = "study",
    summary = "Open an owned course where the learner left it (a first-time learner starts at the first visible lesson, remembered), with the current lesson's signed media link",
    params(("id" = i64, Path, description = "Course id")),
    responses((status = 200, description = "OK", body = StudyCourse), (status = 400, description = "The course is not owned (never bought, or refunded), or has no lesson yet", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 404, description = "No such course", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn open_course() {}

#[utoipa::path(
    get,
    path = "/users/lesson",
    tag = "study",
    summary = "Seconds the caller studied a lesson open to them (a bare number)",
    params(("lesson" = String, Query, description = "Lesson id (or `lesson-{id}`)")),
    responses((status = 200, description = "Seconds", body = i64), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "The lesson is not open to the caller", body = ErrorBody), (status = 404, description = "No such lesson", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn lesson_time() {}

#[utoipa::path(
    post,
    path = "/users/progress",
    tag = "study",
    summary = "Record seconds studied on an open lesson: added to the lesson and the course, the learner's place moves forward only",
    request_body = ProgressForm,
    responses((status = 200, description = "Recorded", body = ProgressRecorded), (status = 400, description = "Bad lesson or time (beyond the seek limit)", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "The lesson is not open to the caller", body = ErrorBody), (status = 404, description = "No such lesson", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn record_progress() {}

#[utoipa::path(
    get,
    path = "/courses/type",
    tag = "courses",
    summary = "The course types as [value, label] pairs (the tabs of my courses)",
    responses((status = 200, description = "OK", body = Vec<(i64, String)>)),
)]
pub fn course_types() {}

#[utoipa::path(
    get,
    path = "/uploads/lessons/{file}",
    tag = "study",
    summary = "A lesson's media, only through an unexpired link signed for it (as lesson_link gives)",
    params(("file" = String, Path, description = "Path under lessons/"), ("expires" = i64, Query, description = "Unix seconds"), ("user" = i64, Query, description = "Whom the link was given to"), ("sig" = String, Query, description = "HMAC-SHA256 of path, expires and user (base64url)")),
    responses((status = 200, description = "The file"), (status = 403, description = "Missing, forged or expired link", body = ErrorBody), (status = 404, description = "No such file", body = ErrorBody)),
)]
pub fn lesson_media() {}

#[utoipa::path(
    get,
    path = "/courses/search",
    tag = "courses",
    summary = "Shown courses whose name, description, teacher, category or direction contains the text (Chinese included, always current), as course cards; the text counts as a hot word",
    params(("text" = String, Query, description = "What to look for (at most 50 characters, no control characters)"), ("page" = Option<i64>, Query, description = "Page, from 1"), ("size" = Option<i64>, Query, description = "Page size (default 5, at most 20)"), ("ordering" = Option<String>, Query, description = "Empty for relevance, or id, students, orders (paid purchases), each with - for descending")),
    responses((status = 200, description = "OK", body = CourseCardPage), (status = 400, description = "Empty text, control characters, or an unknown ordering", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn search_courses() {}

#[utoipa::path(
    get,
    path = "/courses/hot_word",
    tag = "courses",
    summary = "The five texts searched most over the last seven days, most first",
    responses((status = 200, description = "OK", body = Vec<String>), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn hot_words() {}

#[utoipa::path(
    get,
    path = "/nav/header",
    tag = "home",
    summary = "The shown header menu, at most 7 items, ordered (a bare array)",
    responses((status = 200, description = "OK", body = Vec<NavItem>), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn nav_header() {}

#[utoipa::path(
    get,
    path = "/nav/footer",
    tag = "home",
    summary = "The shown footer links, at most 7, ordered (a bare array)",
    responses((status = 200, description = "OK", body = Vec<NavItem>), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn nav_footer() {}

#[utoipa::path(
    get,
    path = "/banner",
    tag = "home",
    summary = "The shown banners, at most 10, ordered, pictures as absolute URLs (a bare array)",
    responses((status = 200, description = "OK", body = Vec<BannerItem>), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn banner_list() {}

#[utoipa::path(
    get,
    path = "/admin/navs",
    tag = "admin",
    summary = "Every menu item, hidden ones too",
    responses((status = 200, description = "OK", body = Vec<NavItem>), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_navs() {}

#[utoipa::path(
    post,
    path = "/admin/navs",
    tag = "admin",
    summary = "Create a menu item (name, link, position; audited)",
    request_body = HomeForm,
    responses((status = 201, description = "Created", body = NavItem), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_nav() {}

#[utoipa::path(
    patch,
    path = "/admin/navs/{id}",
    tag = "admin",
    summary = "Change a menu item (audited)",
    params(("id" = i64, Path, description = "Menu item id")),
    request_body = HomeForm,
    responses((status = 200, description = "OK", body = NavItem), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_nav() {}

#[utoipa::path(
    get,
    path = "/admin/banners",
    tag = "admin",
    summary = "Every banner, hidden ones too",
    responses((status = 200, description = "OK", body = Vec<BannerItem>), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn admin_list_banners() {}

#[utoipa::path(
    post,
    path = "/admin/banners",
    tag = "admin",
    summary = "Create a banner (name, image from POST /admin/uploads/banner/, link; audited)",
    request_body = HomeForm,
    responses((status = 201, description = "Created", body = BannerItem), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn create_banner() {}

#[utoipa::path(
    patch,
    path = "/admin/banners/{id}",
    tag = "admin",
    summary = "Change a banner (audited)",
    params(("id" = i64, Path, description = "Banner id")),
    request_body = HomeForm,
    responses((status = 200, description = "OK", body = BannerItem), (status = 400, description = "Refused input or rule", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 401, description = "No or bad token, or the account is deactivated", body = ErrorBody), (status = 403, description = "Not staff", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
    security(("jwt" = []), ("bearer" = [])),
)]
pub fn update_banner() {}

#[utoipa::path(
    get,
    path = "/users/mobile/{mobile}",
    tag = "users",
    summary = "Whether a mobile number is free to register",
    params(("mobile" = String, Path, description = "1[3-9] and nine digits")),
    responses((status = 200, description = "Free: {errmsg: OK}", body = SmsAnswer), (status = 400, description = "Taken, or not a mobile number", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn mobile_free() {}

#[utoipa::path(
    get,
    path = "/users/sms/{mobile}",
    tag = "users",
    summary = "Send a 6-digit registration code valid 5 minutes (one per mobile per minute, daily caps per mobile and per address); refusals carry errmsg and time",
    params(("mobile" = String, Path, description = "1[3-9] and nine digits")),
    responses((status = 200, description = "Sent: {errmsg: OK, time: 0}", body = SmsAnswer), (status = 400, description = "Sent less than a minute ago (time = seconds to wait), or not a mobile number", body = SmsAnswer), (status = 429, description = "Today's codes for the mobile or the address are used up (time and Retry-After until midnight)", body = SmsAnswer), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn send_sms_code() {}

#[utoipa::path(
    get,
    path = "/sandbox/sms",
    tag = "sandbox",
    summary = "The development SMS outbox: the messages sent, newest first (at most 200)",
    responses((status = 200, description = "OK", body = Vec<OutboxMessage>), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn sms_outbox() {}

#[utoipa::path(
    get,
    path = "/sandbox/sms/{mobile}",
    tag = "sandbox",
    summary = "The latest development message to a mobile, with its code",
    params(("mobile" = String, Path, description = "The mobile")),
    responses((status = 200, description = "OK", body = OutboxMessage), (status = 404, description = "No message to that mobile", body = ErrorBody), (status = 503, description = "PostgreSQL, Redis or the gateway is unavailable; retry", body = ErrorBody)),
)]
pub fn sms_outbox_for() {}
