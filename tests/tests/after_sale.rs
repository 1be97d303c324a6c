//! After-sale end to end: hiding an order from "my orders", and buying an order's courses again.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{assert_invariants, spawn_app, TestApp};
use luffy_order::OrderStatus;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Orders the caller's selected cart items; answers the order id.
async fn order(app: &TestApp, token: &str) -> i64 {
    let created = app
        .json(Method::POST, "/orders/", token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.json["id"].as_i64().unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn cancelled_and_timed_out_orders_are_hidden_from_the_list_but_kept() {
    let app = spawn_app().await;
    let (token, _) = app.register_user().await;
    app.fill_cart(&token, &[1]).await;
    let cancelled = order(&app, &token).await;
    app.fill_cart(&token, &[2]).await;
    let timed_out = order(&app, &token).await;
    app.fill_cart(&token, &[3]).await;
    let unpaid = order(&app, &token).await;
    let cancel = app
        .send(app.authed(Method::PUT, &format!("/orders/{cancelled}/"), &token))
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
    assert!(app.state.orders.time_out(timed_out).await.unwrap());

    let hide = |id: i64, token: String| {
        let app = &app;
        async move {
            app.send(app.authed(Method::DELETE, &format!("/orders/{id}/"), &token))
                .await
        }
    };
    let refused = hide(unpaid, token.clone()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.errmsg(), "当前订单无法删除,订单状态为未支付!");
    let (other, _) = app.register_user().await;
    let foreign = hide(cancelled, other).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    for id in [cancelled, timed_out, cancelled] {
        let hidden = hide(id, token.clone()).await;
        assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
        assert_eq!(hidden.errmsg(), "订单删除成功!");
    }

    let list = app.get("/orders/list/", &token).await;
    assert_eq!(list.json["count"], 1, "{}", list.text);
    assert_eq!(ids(&list.json), vec![unpaid]);
    let cancelled_list = app
        .get(
            &format!("/orders/list/?status={}", OrderStatus::Cancelled.code()),
            &token,
        )
        .await;
    assert_eq!(cancelled_list.json["count"], 0, "{}", cancelled_list.text);
    // Never a delete: the order answers by id, its row and lines are kept.
    let detail = app.get(&format!("/orders/{cancelled}/"), &token).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.json["order_status"], OrderStatus::Cancelled.code());
    let kept = app
        .scalar(&format!(
            "SELECT count(*)::bigint AS value FROM orders o JOIN order_details d ON d.order_id = o.id
             WHERE o.id IN ({cancelled}, {timed_out}) AND o.hidden_at IS NOT NULL"
        ))
        .await;
    assert_eq!(kept, 2);
    // A paid order stays visible.
    app.fill_cart(&token, &[4]).await;
    let paid = order(&app, &token).await;
    let buyer = app
        .scalar(&format!(
            "SELECT user_id AS value FROM orders WHERE id = {paid}"
        ))
        .await;
    let admin = app.login("admin", "admin12345").await;
    let top_up = app
        .json(
            Method::POST,
            &format!("/admin/users/{buyer}/balance/"),
            &admin,
            json!({"amount": 1000, "remark": "test"}),
        )
        .await;
    assert_eq!(top_up.status, StatusCode::OK, "{}", top_up.text);
    let number = app.get(&format!("/orders/{paid}/"), &token).await.json["order_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let pay = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &token,
        ))
        .await;
    assert_eq!(pay.status, StatusCode::OK, "{}", pay.text);
    let refused = hide(paid, token.clone()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_invariants(&app.database.url).await;
}

#[tokio::test]
async fn a_timed_out_order_is_bought_again_at_current_prices() {
    let app = spawn_app().await;
    let (token, _) = app.register_user().await;
    app.fill_cart(&token, &[1, 2, 3]).await;
    let old = order(&app, &token).await;
    let old_detail = app.get(&format!("/orders/{old}/"), &token).await;
    let old_price = old_detail.json["order_courses"][0]["price"]
        .as_f64()
        .unwrap();
    assert!(app.state.orders.time_out(old).await.unwrap());
    // Since then: course 2 went off sale, the buyer came to own course 3, course 1 costs more.
    app.sql(&format!(
        "UPDATE courses SET is_show = false WHERE id = 2;
         UPDATE courses SET price = price + 100 WHERE id = 1;
         INSERT INTO user_courses (user_id, course_id)
             SELECT user_id, 3 FROM orders WHERE id = {old};"
    ))
    .await;

    let (other, _) = app.register_user().await;
    let foreign = app
        .json(
            Method::POST,
            &format!("/orders/{old}/rebuy/"),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    let other_cart = app.get("/cart/", &other).await;
    assert_eq!(
        other_cart.json["cart"].as_array().map(Vec::len),
        Some(0),
        "{}",
        other_cart.text
    );

    let rebuy = app
        .json(
            Method::POST,
            &format!("/orders/{old}/rebuy/"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(rebuy.status, StatusCode::OK, "{}", rebuy.text);
    assert_eq!(
        rebuy.json,
        json!({
            "added": [1],
            "skipped": [
                {"course_id": 2, "reason": "课程已下架或不存在!"},
                {"course_id": 3, "reason": "您已经购买过该课程!"},
            ],
            "cart_total": 1,
        })
    );
    let cart = app.get("/cart/", &token).await;
    let lines = cart.json["cart"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{}", cart.text);
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["selected"], true);

    // The buyer checks out again at the current price; the old order is untouched.
    let quote = app
        .json(
            Method::POST,
            "/orders/quote/",
            &token,
            json!({"pay_type": 0}),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    let again = order(&app, &token).await;
    let detail = app.get(&format!("/orders/{again}/"), &token).await;
    assert_eq!(detail.json["real_price"], quote.json["real_price"]);
    assert_eq!(
        detail.json["order_courses"][0]["price"].as_f64().unwrap(),
        old_price + 100.0
    );
    assert_eq!(app.order_status(old).await, OrderStatus::TimedOut);
    assert_invariants(&app.database.url).await;
}
