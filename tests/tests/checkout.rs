//! Checkout end to end: quotes, orders with coupons and points, cancel, list, bad inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp};
use luffy_order::OrderStatus;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn post_order(app: &TestApp, token: &str, body: Value) -> luffy_e2e::TestResponse {
    app.json(Method::POST, "/orders/", token, body).await
}

async fn post_order_with_key(
    app: &TestApp,
    token: &str,
    body: Value,
    key: &str,
) -> luffy_e2e::TestResponse {
    let request = app
        .authed(Method::POST, "/orders/", token)
        .header("Idempotency-Key", key)
        .json(&body);
    app.send(request).await
}

fn coupon_ids(response: &luffy_e2e::TestResponse) -> Vec<i64> {
    let list = if response.json.is_array() {
        &response.json
    } else {
        &response.json["coupon_list"]
    };
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_coupon_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn demo_flow_coupon_order_points_order_list_and_cancel() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1, 3, 7]).await;

    let enable = app.get("/coupon/enable/", &token).await;
    assert_eq!(enable.status, StatusCode::OK, "{}", enable.text);
    assert_eq!(enable.json["has_credit"], 1000);
    assert_eq!(enable.json["credit_to_money"], 10);
    // 30元通用 (cond 100), Typescript券 (course 1) and 算法券 (category 4, cond 200) apply;
    // 前端 -50 applies to course 1 (direction 1); python七夕 (categories 2, 3) does not.
    let mut usable = coupon_ids(&enable);
    usable.sort_unstable();
    assert_eq!(usable, vec![1, 2, 3, 5], "{}", enable.text);
    let all = enable.json["coupon_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user_coupon_id"] == 1)
        .unwrap();
    assert_eq!(all["enable_course"], "__all__");
    assert_eq!(all["condition"], "100");
    assert_eq!(all["sale"], "-30");
    assert_eq!(all["coupon_type"], "0");
    let typescript = enable.json["coupon_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user_coupon_id"] == 3)
        .unwrap();
    assert_eq!(typescript["enable_course"], json!([1]));
    assert_eq!(typescript["to_course"][0]["course__id"], 1);

    // Typescript券 *0.88 on course 1 (398.00): discount 47.76.
    let quote = app
        .json(
            Method::POST,
            "/orders/quote/",
            &token,
            json!({"pay_type": 0, "user_coupon_id": 3}),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    assert_eq!(quote.json["total_price"], 1256.2);
    assert_eq!(quote.json["discount_price"], 47.76);
    assert_eq!(quote.json["real_price"], 1208.44);
    assert_eq!(quote.json["max_use_credit"], 200);

    let order = post_order(
        &app,
        &token,
        json!({"pay_type": 0, "user_coupon_id": 3, "credit": 0}),
    )
    .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.json["real_price"], 1208.44);
    assert_eq!(order.json["order_status"], OrderStatus::Unpaid.code());
    assert_eq!(order.json["order_timeout"], 900);
    let number = order.json["order_number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 24);
    let coupon_order = order.json["id"].as_i64().unwrap();
    assert_eq!(
        app.get("/cart/", &token).await.json["cart"],
        json!([]),
        "ordered courses left the cart"
    );
    assert!(
        !coupon_ids(&app.get("/coupon/", &token).await).contains(&3),
        "coupon reserved"
    );

    // Second order with points: courses 2 (cap 200) and 5 (cap 300): 300 points = 30.00.
    app.fill_cart(&token, &[2, 5]).await;
    let order = post_order(
        &app,
        &token,
        json!({"pay_type": "0", "user_coupon_id": "-1", "credit": "300"}),
    )
    .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.json["real_price"], 1767.0);
    let points_order = order.json["id"].as_i64().unwrap();
    assert_eq!(app.get("/users/me/", &token).await.json["credit"], 700);

    let list = app.get("/orders/list/", &token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json["count"], 2);
    let newest = &list.json["results"][0];
    assert_eq!(newest["id"], points_order);
    assert_eq!(newest["credit"], 300);
    assert_eq!(newest["total_price"], 1797.0);
    assert_eq!(newest["coupon"], json!({}));
    let oldest = &list.json["results"][1];
    assert_eq!(oldest["order_number"], number);
    assert_eq!(oldest["coupon"]["name"], "Typescript课程专用券");
    assert_eq!(oldest["coupon"]["sale"], "*0.88");
    assert_eq!(oldest["coupon"]["released"], false);
    let lines = oldest["order_courses"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["course_id"], 1);
    assert_eq!(lines[0]["coupon_discount"], 47.76);
    assert_eq!(lines[1]["real_price"], 559.2);
    assert_eq!(lines[1]["discount_name"], "限时折扣");

    // Cancel both: coupon back, points back with a 订单退还 row.
    let cancel = app
        .send(app.authed(Method::PUT, &format!("/orders/{coupon_order}/"), &token))
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
    assert!(
        coupon_ids(&app.get("/coupon/", &token).await).contains(&3),
        "coupon available again"
    );
    let cancel = app
        .send(app.authed(Method::PUT, &format!("/orders/{points_order}/"), &token))
        .await;
    assert_eq!(cancel.status, StatusCode::OK);
    assert_eq!(app.get("/users/me/", &token).await.json["credit"], 1000);
    let refunds = app
        .scalar(&format!("SELECT count(*)::bigint AS value FROM credit_ledger WHERE order_id = {points_order} AND operation = 3 AND number = 300"))
        .await;
    assert_eq!(refunds, 1);
    let cancelled = app.get("/orders/list/?status=2", &token).await;
    assert_eq!(cancelled.json["count"], 2);
    // The cancelled order still names the coupon its lines' discount came from, released.
    let with_coupon = cancelled.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == coupon_order)
        .unwrap();
    assert_eq!(with_coupon["coupon"]["name"], "Typescript课程专用券");
    assert_eq!(with_coupon["coupon"]["released"], true);
    assert_eq!(with_coupon["order_courses"][0]["coupon_discount"], 47.76);
    let again = app
        .send(app.authed(Method::PUT, &format!("/orders/{points_order}/"), &token))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    app.assert_ledger_matches().await;
}

#[tokio::test]
async fn zero_price_order_is_paid_at_once_and_owned() {
    let app = spawn_app().await;
    app.sql(
        "INSERT INTO discounts (id, discount_type_id, condition, sale) VALUES (20, 1, 0, '0');
         INSERT INTO activities (id, name, start_time, end_time) VALUES (20, 'free', now() - interval '1 hour', now() + interval '1 hour');
         INSERT INTO course_activity_prices (id, activity_id, course_id, discount_id) VALUES (20, 20, 4, 20);",
    )
    .await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[4]).await;
    let order = post_order(&app, &token, json!({"pay_type": 0})).await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.json["order_status"], OrderStatus::Paid.code());
    assert_eq!(order.json["real_price"], 0.0);
    let detail = app
        .get(&format!("/orders/{}/", order.json["id"]), &token)
        .await;
    assert_eq!(detail.json["order_status"], OrderStatus::Paid.code());
    assert!(detail.json["pay_time"].is_string());
    let again = app
        .json(Method::POST, "/cart/", &token, json!({"course_id": 4}))
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "owned courses cannot be added again"
    );
    // Points may bring an order to zero too.
    app.fill_cart(&token, &[8]).await; // 199.00, cap 50
    app.sql("UPDATE courses SET price = 5.00 WHERE id = 8")
        .await;
    let order = post_order(&app, &token, json!({"pay_type": 0, "credit": 50})).await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.json["order_status"], OrderStatus::Paid.code());
    app.assert_ledger_matches().await;
}

#[tokio::test]
async fn bad_inputs_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let (other, _) = app.register_user().await;
    let other_id = app.scalar("SELECT max(id) AS value FROM users").await;
    app.sql(&format!(
        "INSERT INTO coupon_logs (id, user_id, coupon_id, name) VALUES (100, {other_id}, 1, 'x');
         INSERT INTO coupon_logs (id, user_id, coupon_id, name, use_status, use_time) SELECT 101, id, 1, 'used', 1, now() FROM users WHERE username = 'luffy';
         INSERT INTO coupons (id, name, discount, coupon_type, total, has_total, start_time, end_time, sale)
             VALUES (50, 'expired', 1, 0, 1, 1, now() - interval '2 days', now() - interval '1 day', '-5');
         INSERT INTO coupon_logs (id, user_id, coupon_id, name) SELECT 102, id, 50, 'expired' FROM users WHERE username = 'luffy';"
    ))
    .await;
    // Empty selection first.
    let empty = post_order(&app, &token, json!({"pay_type": 0})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.errmsg(), "购物车中没有勾选任何课程!");
    app.fill_cart(&token, &[1, 7]).await; // caps 100 + 100
    let cases = [
        (
            json!({"pay_type": 0, "user_coupon_id": 999}),
            "优惠券不存在!",
        ),
        (
            json!({"pay_type": 0, "user_coupon_id": 100}),
            "优惠券不存在!",
        ),
        (
            json!({"pay_type": 0, "user_coupon_id": 101}),
            "优惠券已使用、已被其他订单占用或不在有效期内!",
        ),
        (
            json!({"pay_type": 0, "user_coupon_id": 102}),
            "优惠券已使用、已被其他订单占用或不在有效期内!",
        ),
        (
            json!({"pay_type": 0, "user_coupon_id": 4}),
            "当前优惠券不适用于本次购买的课程!",
        ),
        (
            json!({"pay_type": 0, "user_coupon_id": -7}),
            "优惠券不存在!",
        ),
        (json!({"pay_type": 0, "credit": -1}), "积分数量不能为负数!"),
        (
            json!({"pay_type": 0, "credit": 201}),
            "本次使用的抵扣积分数额超过了限制!最多可以使用200积分",
        ),
        (
            json!({"pay_type": 0, "user_coupon_id": 1, "credit": 10}),
            "优惠券和积分不能同时使用!",
        ),
        (json!({"pay_type": 5}), "支付方式不存在!"),
        (json!({"pay_type": -1}), "支付方式不存在!"),
    ];
    for (body, message) in cases {
        for path in ["/orders/quote/", "/orders/"] {
            let response = app.json(Method::POST, path, &token, body.clone()).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{path} {body}: {}",
                response.text
            );
            assert_eq!(response.errmsg(), message, "{path} {body}");
        }
    }
    for body in [
        json!({"pay_type": 0, "credit": 1.5}),
        json!({"pay_type": 0, "credit": "1.5"}),
        json!({"pay_type": 0, "credit": "abc"}),
        json!({"pay_type": "alipay"}),
        json!({"pay_type": 0, "user_coupon_id": [1]}),
        json!({"pay_type": 0, "unexpected": 1}),
        json!({"pay_type": 0, "credit": 1e30}),
    ] {
        let response = post_order(&app, &token, body.clone()).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            response.text
        );
        assert!(!response.errmsg().is_empty());
    }
    // Over the balance: leave 50 points.
    let admin = app.login("admin", "admin12345").await;
    let luffy = app.user_id("luffy").await;
    let adjust = app
        .json(
            Method::PUT,
            &format!("/admin/users/{luffy}/credit/"),
            &admin,
            json!({"credit": 50}),
        )
        .await;
    assert_eq!(adjust.status, StatusCode::OK, "{}", adjust.text);
    let response = post_order(&app, &token, json!({"pay_type": 0, "credit": 60})).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.errmsg(), "您拥有的积分不足以抵扣本次下单的积分!");

    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM orders")
            .await,
        0,
        "no order written"
    );
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM coupon_logs WHERE order_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.get("/cart/", &token).await.json["cart"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "cart untouched"
    );
    assert_eq!(app.get("/users/me/", &token).await.json["credit"], 50);
    let _ = other;
    app.assert_ledger_matches().await;
}

#[tokio::test]
async fn owned_or_pending_courses_conflict() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    let first = post_order(&app, &token, json!({"pay_type": 0})).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let number = first.json["order_number"].as_str().unwrap();
    app.fill_cart(&token, &[1, 2]).await;
    let pending = post_order(&app, &token, json!({"pay_type": 0})).await;
    assert_eq!(pending.status, StatusCode::CONFLICT, "{}", pending.text);
    assert!(pending.errmsg().contains(number), "{}", pending.errmsg());
    // Owned course sneaked into the cart (bought elsewhere after it was added).
    app.send(app.authed(Method::DELETE, "/cart/?course_id=1", &token))
        .await;
    let luffy = app.user_id("luffy").await;
    app.sql(&format!(
        "INSERT INTO user_courses (user_id, course_id) VALUES ({luffy}, 2)"
    ))
    .await;
    let owned = post_order(&app, &token, json!({"pay_type": 0})).await;
    assert_eq!(owned.status, StatusCode::CONFLICT, "{}", owned.text);
    assert!(owned.errmsg().contains("Typescript进阶与工程化"));
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM orders")
            .await,
        1
    );
}

#[tokio::test]
async fn other_users_orders_are_404() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[7]).await;
    let order = post_order(&app, &token, json!({"pay_type": 2})).await;
    let id = order.json["id"].as_i64().unwrap();
    let (other, _) = app.register_user().await;
    assert_eq!(
        app.get(&format!("/orders/{id}/"), &other).await.status,
        StatusCode::NOT_FOUND
    );
    let cancel = app
        .send(app.authed(Method::PUT, &format!("/orders/{id}/"), &other))
        .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/orders/list/", &other).await.json["count"], 0);
    assert_eq!(
        app.get("/orders/999999/", &token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/orders/abc/", &token).await.status,
        StatusCode::NOT_FOUND
    );
    let mine = app.get(&format!("/orders/{id}/"), &token).await;
    assert_eq!(
        mine.json["order_status"],
        OrderStatus::Unpaid.code(),
        "untouched by the other user"
    );
    assert_eq!(mine.json["pay_type"], 2);
    assert_eq!(
        app.send(app.request(Method::GET, &format!("/orders/{id}/")))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn orders_list_pages_and_filters() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let mut ids = Vec::new();
    for course in [1, 2, 7] {
        app.fill_cart(&token, &[course]).await;
        ids.push(
            post_order(&app, &token, json!({"pay_type": 0})).await.json["id"]
                .as_i64()
                .unwrap(),
        );
    }
    app.send(app.authed(Method::PUT, &format!("/orders/{}/", ids[0]), &token))
        .await;
    let page = app.get("/orders/list/?page=1&size=2", &token).await;
    assert_eq!(page.json["count"], 3);
    assert_eq!(page.json["results"][0]["id"], ids[2], "newest first");
    assert!(page.json["next"].as_str().unwrap().contains("page=2"));
    let page2 = app.get("/orders/list/?page=2&size=2", &token).await;
    assert_eq!(page2.json["results"].as_array().unwrap().len(), 1);
    assert!(page2.json["next"].is_null());
    assert_eq!(
        app.get("/orders/list/?status=0", &token).await.json["count"],
        2
    );
    assert_eq!(
        app.get("/orders/list/?status=2", &token).await.json["count"],
        1
    );
    assert_eq!(
        app.get("/orders/list/?status=-1", &token).await.json["count"],
        3
    );
    for bad in ["status=9", "size=21", "page=0", "status=x", "size=0"] {
        let response = app.get(&format!("/orders/list/?{bad}"), &token).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let choices = app
        .send(app.request(Method::GET, "/orders/pay/choices/"))
        .await;
    assert_eq!(
        choices.json,
        json!([
            [0, "未支付"],
            [1, "已支付"],
            [2, "已取消"],
            [3, "超时取消"],
            [4, "部分退款"],
            [5, "已退款"]
        ])
    );
}

#[tokio::test]
async fn idempotency_key_replays_and_conflicts() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1, 7]).await;
    let send = |body: Value, key: &'static str| post_order_with_key(&app, &token, body, key);
    let first = send(json!({"pay_type": 0, "credit": 100}), "order-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let replay = send(json!({"pay_type": 0, "credit": 100}), "order-1").await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.json, first.json, "the original response");
    let different = send(json!({"pay_type": 0, "credit": 50}), "order-1").await;
    assert_eq!(different.status, StatusCode::CONFLICT);
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM orders")
            .await,
        1
    );
    assert_eq!(
        app.get("/users/me/", &token).await.json["credit"],
        900,
        "points spent once"
    );
    let long = app
        .authed(Method::POST, "/orders/", &token)
        .header("Idempotency-Key", "k".repeat(256))
        .json(&json!({"pay_type": 0}));
    assert_eq!(app.send(long).await.status, StatusCode::BAD_REQUEST);
    app.assert_ledger_matches().await;
}

/// A cart whose only course no longer exists: the checkout's combined read finds no course
/// row and reads its facts on their own. A key that already ordered still replays; otherwise
/// the checkout is refused with the course's number and keeps nothing (no order, the coupon
/// grant free).
#[tokio::test]
async fn a_course_gone_from_the_catalog_is_refused_and_reserves_nothing() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let send = |body: Value, key: &'static str| post_order_with_key(&app, &token, body, key);
    app.fill_cart(&token, &[1]).await;
    let made = send(json!({"pay_type": 0, "credit": 0}), "gone-1").await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);

    app.sql(
        "CREATE TABLE gone_course AS SELECT * FROM courses WHERE id = 3;
         UPDATE gone_course SET id = 900, name = '已下架的课程';
         INSERT INTO courses SELECT * FROM gone_course;",
    )
    .await;
    app.fill_cart(&token, &[900]).await;
    app.sql("DELETE FROM courses WHERE id = 900").await;
    let orders = app.scalar("SELECT count(*) AS value FROM orders").await;

    let replayed = send(json!({"pay_type": 0, "credit": 0}), "gone-1").await;
    assert_eq!(replayed.status, StatusCode::CREATED, "{}", replayed.text);
    assert_eq!(replayed.json, made.json);

    let refused = send(
        json!({"pay_type": 0, "user_coupon_id": 1, "credit": 0}),
        "gone-2",
    )
    .await;
    assert!(refused.status.is_client_error(), "{}", refused.text);
    assert!(
        refused.json["errmsg"].as_str().unwrap().contains("#900"),
        "{}",
        refused.text
    );
    assert_eq!(
        app.scalar("SELECT count(*) AS value FROM orders").await,
        orders
    );
    assert_eq!(
        app.scalar("SELECT count(*) AS value FROM coupon_logs WHERE id = 1 AND order_id IS NULL")
            .await,
        1
    );
    app.assert_ledger_matches().await;
}

/// Checkouts reuse the courses they priced while the catalog's version stays the same; a change
/// to a price or a promotion between two checkouts must reach the second one at once.
#[tokio::test]
async fn a_catalog_change_between_checkouts_prices_the_next_one() {
    let app = spawn_app().await;
    let buy_course_3 = || async {
        let (token, _) = app.register_user().await;
        app.fill_cart(&token, &[3]).await;
        let made = post_order(&app, &token, json!({"pay_type": 0, "credit": 0})).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        made.json["real_price"].as_f64().unwrap()
    };
    // 699 under the running 8折 promotion, twice at the same catalog version.
    assert_eq!(buy_course_3().await, 559.2);
    assert_eq!(buy_course_3().await, 559.2);

    app.sql("UPDATE courses SET price = 500.00 WHERE id = 3")
        .await;
    assert_eq!(buy_course_3().await, 400.0, "the new list price");

    app.sql(
        "UPDATE activities SET start_time = now() - interval '2 days',
             end_time = now() - interval '1 second'",
    )
    .await;
    assert_eq!(buy_course_3().await, 500.0, "the promotion has ended");

    app.sql("UPDATE activities SET end_time = now() + interval '1 day'")
        .await;
    assert_eq!(buy_course_3().await, 400.0, "the promotion runs again");
    app.assert_ledger_matches().await;
}
