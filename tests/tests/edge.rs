//! Issue 10 at the HTTP edge: CORS for the tutorial's client, its path names, hostile text,
//! JSON on every 404/405/413, and account state that tokens cannot outlive.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

const CLIENT_ORIGIN: &str = "http://localhost:3000";

async fn preflight(
    app: &TestApp,
    path: &str,
    method: &str,
    origin: &str,
) -> luffy_e2e::TestResponse {
    app.send(
        app.request(Method::OPTIONS, path)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
    )
    .await
}

#[tokio::test]
async fn cors_preflights_work_on_every_route_and_answers_carry_the_origin() {
    let app = spawn_app().await;
    for (path, method) in [
        ("/users/login/", "POST"),
        ("/cart/", "POST"),
        ("/cart/", "DELETE"),
        ("/orders/5/", "PUT"),
        ("/payments/alipay/2026112600000001/", "GET"),
        ("/courses/1/chapters/", "GET"),
        ("/admin/users/1/", "PATCH"),
    ] {
        let response = preflight(&app, path, method, CLIENT_ORIGIN).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "OPTIONS {path}: {}",
            response.text
        );
        let header = |name: &str| {
            response
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_ascii_lowercase())
                .unwrap_or_default()
        };
        assert_eq!(
            header("access-control-allow-origin"),
            CLIENT_ORIGIN,
            "{path}"
        );
        let allowed = header("access-control-allow-headers");
        assert!(
            allowed.contains("authorization") && allowed.contains("content-type"),
            "{path}: {allowed}"
        );
        assert!(header("access-control-allow-methods").contains(&method.to_ascii_lowercase()));
    }
    // Idempotency-Key may be sent too.
    let response = app
        .send(
            app.request(Method::OPTIONS, "/orders/")
                .header("Origin", "http://127.0.0.1:3000")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "idempotency-key"),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);

    // A real answer names the origin and exposes the request id.
    let login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .header("Origin", "http://www.luffycity.cn:3000")
                .json(&json!({"username": "luffy", "password": "luffy12345"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(
        login.headers["access-control-allow-origin"],
        "http://www.luffycity.cn:3000"
    );
    assert!(login.headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("x-request-id"));

    // Another origin gets no permission.
    let foreign = preflight(&app, "/users/login/", "POST", "http://evil.example.com").await;
    assert!(!foreign.headers.contains_key("access-control-allow-origin"));
    let foreign = app
        .send(
            app.request(Method::GET, "/courses/")
                .header("Origin", "http://evil.example.com"),
        )
        .await;
    assert!(!foreign.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn configured_cors_origins_replace_the_development_default() {
    let app = luffy_e2e::spawn_app_with(|settings| {
        settings.cors_origins = "https://shop.example.com".into();
    })
    .await;
    let allowed = preflight(&app, "/users/login/", "POST", "https://shop.example.com").await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let default = preflight(&app, "/users/login/", "POST", CLIENT_ORIGIN).await;
    assert!(!default.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn the_clients_later_path_names_answer_like_ours() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    for (ours, theirs) in [
        ("/cart/order/", "/cart/select/"),
        ("/coupon/enable/", "/coupon/user/"),
        ("/orders/pay/choices/", "/orders/pay/status/"),
    ] {
        let a = app.get(ours, &token).await;
        let b = app.get(theirs, &token).await;
        assert_eq!(a.status, StatusCode::OK, "{ours}: {}", a.text);
        assert_eq!(b.status, StatusCode::OK, "{theirs}: {}", b.text);
        assert_eq!(a.json, b.json, "{ours} vs {theirs}");
    }
}

#[tokio::test]
async fn the_pay_link_stays_owner_only() {
    let app = spawn_app().await;
    let response = app
        .send(app.request(Method::GET, "/payments/alipay/2026112600000001/"))
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert!(!response.errmsg().is_empty());
}

#[tokio::test]
async fn nul_and_control_characters_are_a_400_everywhere() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let staff = app.login("admin", "admin12345").await;
    let login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": "\u{0}", "password": "x"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::BAD_REQUEST, "{}", login.text);
    assert_eq!(login.errmsg(), "请求参数包含非法字符!");
    for path in [
        "/payments/alipay/%00/",
        "/payments/alipay/query/%00/",
        "/courses/?page=1%00",
        "/orders/%01/",
    ] {
        let response = app.get(path, &token).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            response.text
        );
        assert_eq!(response.errmsg(), "请求参数包含非法字符!");
    }
    let balance = app
        .send(app.authed(Method::POST, "/payments/balance/%00/", &token))
        .await;
    assert_eq!(balance.status, StatusCode::BAD_REQUEST, "{}", balance.text);
    let coupons_before = app
        .scalar("SELECT count(*)::bigint AS value FROM coupons")
        .await;
    let coupon = app
        .json(
            Method::POST,
            "/admin/coupons/",
            &staff,
            json!({"name": "\u{0}", "coupon_type": 1, "sale": "-10", "total": 10}),
        )
        .await;
    assert_eq!(coupon.status, StatusCode::BAD_REQUEST, "{}", coupon.text);
    let escape = app
        .json(
            Method::POST,
            "/cart/",
            &token,
            json!({"course_id": 1, "x": "a\u{1b}b"}),
        )
        .await;
    assert_eq!(escape.status, StatusCode::BAD_REQUEST, "{}", escape.text);
    let form = app
        .send(
            app.request(Method::POST, "/payments/alipay/notify")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("out_trade_no=%00&trade_status=TRADE_SUCCESS"),
        )
        .await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST, "{}", form.text);
    // Nothing was written: the coupon does not exist.
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM coupons")
            .await,
        coupons_before
    );
    // Ordinary text with line breaks still passes.
    let ok = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": "luffy\n", "password": "luffy12345"})),
        )
        .await;
    assert_ne!(ok.status, StatusCode::BAD_REQUEST, "{}", ok.text);
}

#[tokio::test]
async fn every_404_405_and_413_carries_an_errmsg() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let patch = app
        .send(app.authed(Method::PATCH, "/orders/1/", &token))
        .await;
    assert_eq!(patch.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(patch.errmsg(), "不支持该请求方法!");
    let delete = app.send(app.request(Method::DELETE, "/users/login/")).await;
    assert_eq!(delete.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!delete.errmsg().is_empty());
    let missing = app.send(app.request(Method::GET, "/no/such/page/")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(!missing.errmsg().is_empty());
    let big_form = format!("out_trade_no=1&padding={}", "a".repeat(70 * 1024));
    let notify = app
        .send(
            app.request(Method::POST, "/payments/alipay/notify")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(big_form),
        )
        .await;
    assert_eq!(notify.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(notify.errmsg().contains("65536"), "{}", notify.text);
    let big_json = app
        .json(
            Method::POST,
            "/cart/",
            &token,
            json!({"course_id": 1, "padding": "a".repeat(70 * 1024)}),
        )
        .await;
    assert_eq!(big_json.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!big_json.errmsg().is_empty());
    let big_raw = app
        .send(
            app.authed(Method::POST, "/payments/balance/1/", &token)
                .header("Content-Type", "application/octet-stream")
                .body(vec![b'a'; 70 * 1024]),
        )
        .await;
    assert_eq!(big_raw.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!big_raw.errmsg().is_empty());
}

#[tokio::test]
async fn a_deactivated_account_stops_buying_at_its_next_request() {
    let app = spawn_app().await;
    let staff = app.login("admin", "admin12345").await;
    let token = app.login_demo().await;
    let id = app.user_id("luffy").await;
    app.fill_cart(&token, &[1]).await;
    let path = format!("/admin/users/{id}/");
    let off = app
        .json(Method::PATCH, &path, &staff, json!({"is_active": false}))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(
        off.json,
        json!({"id": id, "is_active": false, "is_staff": false})
    );
    let order = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(order.status, StatusCode::UNAUTHORIZED, "{}", order.text);
    assert_eq!(
        app.get("/cart/", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM orders")
            .await,
        0,
        "no order was written"
    );
    let on = app
        .json(Method::PATCH, &path, &staff, json!({"is_active": true}))
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    let order = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    // Bad bodies and unknown users.
    let empty = app.json(Method::PATCH, &path, &staff, json!({})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let missing = app
        .json(
            Method::PATCH,
            "/admin/users/999999/",
            &staff,
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let buyer = app
        .json(Method::PATCH, &path, &token, json!({"is_staff": true}))
        .await;
    assert_eq!(buyer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_demoted_operator_loses_operator_rights_at_once() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let (_, mobile) = app.register_user().await;
    let id = app.user_id(&mobile).await;
    let granted = app
        .json(
            Method::PATCH,
            &format!("/admin/users/{id}/"),
            &admin,
            json!({"is_staff": true}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let operator = app.login(&mobile, "secret123").await;
    let buyer = app.user_id("luffy").await;
    let credit = format!("/admin/users/{buyer}/credit/");
    let set = app
        .json(Method::PUT, &credit, &operator, json!({"credit": 1200}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let revoked = app
        .json(
            Method::PATCH,
            &format!("/admin/users/{id}/"),
            &admin,
            json!({"is_staff": false}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    // The same token, still valid for days, no longer works on operator routes.
    let set = app
        .json(Method::PUT, &credit, &operator, json!({"credit": 5000}))
        .await;
    assert_eq!(set.status, StatusCode::FORBIDDEN, "{}", set.text);
    assert_eq!(
        app.get("/users/me/", &app.login_demo().await).await.json["credit"],
        1200
    );
    // An operator cannot lock themself out.
    let admin_id = app.user_id("admin").await;
    let own = app
        .json(
            Method::PATCH,
            &format!("/admin/users/{admin_id}/"),
            &admin,
            json!({"is_staff": false}),
        )
        .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    app.assert_ledger_matches().await;
}

#[tokio::test]
async fn wrong_bodies_get_a_chinese_errmsg_naming_the_field() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let staff = app.login("admin", "admin12345").await;
    for (path, who, body, expected) in [
        (
            "/cart/",
            &token,
            json!({"course_id": "abc"}),
            "参数 course_id 的值无效!",
        ),
        ("/cart/", &token, json!({}), "缺少参数 course_id!"),
        (
            "/orders/",
            &token,
            json!({"pay_type": 0, "coupon": 3}),
            "不支持的参数 coupon!",
        ),
        (
            "/admin/coupons/",
            &staff,
            json!({"name": "x"}),
            "缺少参数 discount!",
        ),
        (
            "/admin/coupons/1/grant/",
            &staff,
            json!({"user_ids": ["a"]}),
            "参数 user_ids[0] 的值无效!",
        ),
        (
            "/admin/users/1/credit/",
            &staff,
            json!({"credit": 1, "remark": 5}),
            "参数 remark 的值无效!",
        ),
    ] {
        let method = if path.ends_with("credit/") {
            Method::PUT
        } else {
            Method::POST
        };
        let response = app.json(method, path, who, body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{path} {body}: {}",
            response.text
        );
        assert_eq!(response.errmsg(), expected, "{path} {body}");
    }
    let not_json = app
        .send(
            app.authed(Method::POST, "/cart/", &token)
                .header("Content-Type", "application/json")
                .body("{course_id: 1"),
        )
        .await;
    assert_eq!(not_json.errmsg(), "请求体不是合法的JSON!");
}

#[tokio::test]
async fn the_demo_balance_and_top_ups_are_in_the_ledger() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    assert_eq!(app.get("/users/me/", &token).await.json["money"], 2000.0);
    let staff = app.login("admin", "admin12345").await;
    let id = app.user_id("luffy").await;
    let path = format!("/admin/users/{id}/balance/");
    for (body, expected) in [
        (json!({"amount": 0}), "充值金额必须大于0!"),
        (json!({"amount": -5}), "充值金额必须大于0!"),
        (json!({"amount": 1.001}), "充值金额最多两位小数!"),
        (json!({"amount": "abc"}), "参数 amount 的值无效!"),
        (json!({"amount": 20000000}), "单次充值不能超过10000000元!"),
    ] {
        let refused = app.json(Method::POST, &path, &staff, body.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(refused.errmsg(), expected, "{body}");
    }
    let ok = app
        .json(Method::POST, &path, &staff, json!({"amount": "12.34"}))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json["money"], 2012.34);
    let buyer = app
        .json(Method::POST, &path, &token, json!({"amount": 1}))
        .await;
    assert_eq!(buyer.status, StatusCode::FORBIDDEN);
    let missing = app
        .json(
            Method::POST,
            "/admin/users/999999/balance/",
            &staff,
            json!({"amount": 1}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app.assert_ledger_matches().await;
    luffy_e2e::assert_invariants(&app.database.url).await;
}
