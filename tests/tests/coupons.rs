//! Coupons: the item shape, operator create/grant/revoke, self-claim, points adjustment.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use futures::future::join_all;
use luffy_e2e::{spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn available_coupons_have_the_tutorial_shape() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let list = app.get("/coupon/", &token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let items = list.json.as_array().unwrap();
    assert_eq!(items.len(), 5);
    let algorithm = items
        .iter()
        .find(|c| c["name"] == "算法学习优惠券")
        .unwrap();
    assert_eq!(algorithm["coupon_id"], "5");
    assert_eq!(algorithm["discount"], "2");
    assert_eq!(algorithm["get_discount_display"], "折扣");
    assert_eq!(algorithm["coupon_type"], "2");
    assert_eq!(algorithm["get_coupon_type_display"], "指定分类");
    assert_eq!(algorithm["get_type"], "0");
    assert_eq!(algorithm["condition"], "200");
    assert_eq!(algorithm["sale"], "*0.85");
    assert_eq!(
        algorithm["to_category"],
        json!([{"category__id": 4, "category__name": "算法"}])
    );
    assert_eq!(algorithm["to_direction"], json!([]));
    assert!(algorithm["user_coupon_id"].is_i64());
    assert_eq!(algorithm["start_time"].as_str().unwrap().len(), 19);
    assert!(algorithm.get("enable_course").is_none());
    // Nothing selected: nothing is usable.
    let enable = app.get("/coupon/enable/", &token).await;
    assert_eq!(enable.json["coupon_list"], json!([]));
}

#[tokio::test]
async fn operators_create_grant_and_revoke() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let (other, _) = app.register_user().await;
    let luffy = app.user_id("luffy").await;
    let other_id = app.scalar("SELECT max(id) AS value FROM users").await;

    let body = json!({
        "name": "Vue专享券", "discount": 1, "coupon_type": 3, "scope_ids": [3], "total": 2,
        "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01T00:00:00Z", "condition": 0, "sale": "-20"
    });
    let forbidden = app
        .json(Method::POST, "/admin/coupons/", &buyer, body.clone())
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let created = app
        .json(Method::POST, "/admin/coupons/", &admin, body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json["to_course"][0]["course__name"],
        "Vue3全家桶实战"
    );
    let coupon = created.json["coupon_id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();

    for (bad, why) in [
        (
            json!({"name": "x", "discount": 1, "coupon_type": 0, "total": 1, "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00", "sale": "*0.8"}),
            "sale kind",
        ),
        (
            json!({"name": "x", "discount": 2, "coupon_type": 1, "total": 1, "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00", "sale": "*0.8"}),
            "scope",
        ),
        (
            json!({"name": "x", "discount": 1, "coupon_type": 3, "scope_ids": [999], "total": 1, "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00", "sale": "-1"}),
            "unknown course",
        ),
        (
            json!({"name": "x", "discount": 1, "coupon_type": 0, "total": 1, "start_time": "soon", "end_time": "2099-01-01 00:00:00", "sale": "-1"}),
            "time",
        ),
        (
            json!({"name": "x", "discount": 1, "coupon_type": 0, "total": -1, "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00", "sale": "-1"}),
            "total",
        ),
    ] {
        let response = app.json(Method::POST, "/admin/coupons/", &admin, bad).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            response.text
        );
    }
    let count = app
        .scalar("SELECT count(*)::bigint AS value FROM coupons")
        .await;
    assert_eq!(count, 6, "refused coupons wrote nothing");

    let grant_path = format!("/admin/coupons/{coupon}/grant/");
    let grant = |users: serde_json::Value| {
        app.json(
            Method::POST,
            &grant_path,
            &admin,
            json!({"user_ids": users}),
        )
    };
    let too_many = grant(json!([luffy, other_id, luffy])).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT, "{}", too_many.text);
    let ghost = grant(json!([999_999])).await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);
    let ok = grant(json!([luffy, other_id])).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let sold_out = app
        .json(
            Method::POST,
            "/admin/coupons/1/grant/",
            &admin,
            json!({"user_ids": [other_id]}),
        )
        .await;
    assert_eq!(
        sold_out.status,
        StatusCode::CREATED,
        "coupon 1 still has plenty"
    );
    assert_eq!(
        grant(json!([luffy])).await.status,
        StatusCode::CONFLICT,
        "has_total reached 0"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT has_total::bigint AS value FROM coupons WHERE id = {coupon}"
        ))
        .await,
        0
    );

    // The buyer uses theirs in an order; the other one is revoked.
    let grants = ok.json["user_coupon_ids"].as_array().unwrap();
    let (mine, theirs) = (grants[0].as_i64().unwrap(), grants[1].as_i64().unwrap());
    app.fill_cart(&buyer, &[4]).await;
    // Course 3 has a promotion, so the course coupon does not apply to course 4 either.
    let refused = app
        .json(
            Method::POST,
            "/orders/",
            &buyer,
            json!({"pay_type": 0, "user_coupon_id": mine}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    app.sql("DELETE FROM course_activity_prices WHERE course_id = 3")
        .await;
    app.fill_cart(&buyer, &[3]).await;
    let order = app
        .json(
            Method::POST,
            "/orders/",
            &buyer,
            json!({"pay_type": 0, "user_coupon_id": mine}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    let in_use = app
        .send(app.authed(
            Method::DELETE,
            &format!("/admin/coupon-grants/{mine}/"),
            &admin,
        ))
        .await;
    assert_eq!(in_use.status, StatusCode::CONFLICT);
    let revoked = app
        .send(app.authed(
            Method::DELETE,
            &format!("/admin/coupon-grants/{theirs}/"),
            &admin,
        ))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(
        app.scalar(&format!(
            "SELECT has_total::bigint AS value FROM coupons WHERE id = {coupon}"
        ))
        .await,
        1
    );
    let missing = app
        .send(app.authed(
            Method::DELETE,
            &format!("/admin/coupon-grants/{theirs}/"),
            &admin,
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(app
        .get("/coupon/", &other)
        .await
        .json
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["user_coupon_id"] != theirs));
}

/// A claim refused because the stock ran out ends its transaction at once: were its row lock
/// kept until the pool next handed the connection out, the buyers queued behind it on the
/// coupon's row would wait for their statement timeout and get 503s.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_claims_release_the_coupon_row_at_once() {
    let app = spawn_app_with(|settings| {
        // Room in the pool for every claim to queue on the row at once.
        settings.database_pool_size = 16;
        settings.database_statement_timeout_ms = 2000;
    })
    .await;
    app.sql("UPDATE coupons SET has_total = 5, total = 200, per_limit = 1 WHERE id = 4")
        .await;
    let mut tokens = Vec::new();
    for _ in 0..15 {
        tokens.push(app.register_user().await.0);
    }
    let claims = join_all(
        tokens
            .iter()
            .map(|t| app.json(Method::POST, "/coupon/claim/", t, json!({"coupon_id": 4}))),
    )
    .await;
    let statuses: Vec<_> = claims.iter().map(|r| r.status).collect();
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let sold_out = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, sold_out), (5, 10), "{statuses:?}");
}

#[tokio::test]
async fn self_claim_respects_per_limit_and_stock_under_concurrency() {
    let app = spawn_app().await;
    // python七夕专用券 (id 4) is self-claim; give it 5 units left and per_limit 1.
    app.sql("UPDATE coupons SET has_total = 5, total = 200, per_limit = 1 WHERE id = 4")
        .await;
    let mut tokens = Vec::new();
    for _ in 0..12 {
        tokens.push(app.register_user().await.0);
    }
    let claims = join_all(
        tokens
            .iter()
            .map(|t| app.json(Method::POST, "/coupon/claim/", t, json!({"coupon_id": 4}))),
    )
    .await;
    let won = claims
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let lost = claims
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        (won, lost),
        (5, 7),
        "{:?}",
        claims.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        app.scalar("SELECT has_total::bigint AS value FROM coupons WHERE id = 4")
            .await,
        0
    );

    // One user hammering: per_limit 2 -> exactly 2 grants.
    app.sql("UPDATE coupons SET has_total = 100, per_limit = 2 WHERE id = 4")
        .await;
    let (token, _) = app.register_user().await;
    let claims = join_all((0..10).map(|_| {
        app.json(
            Method::POST,
            "/coupon/claim/",
            &token,
            json!({"coupon_id": "4"}),
        )
    }))
    .await;
    assert_eq!(
        claims
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count(),
        2
    );
    assert_eq!(
        app.scalar("SELECT has_total::bigint AS value FROM coupons WHERE id = 4")
            .await,
        98
    );

    let granted_only = app
        .json(
            Method::POST,
            "/coupon/claim/",
            &token,
            json!({"coupon_id": 1}),
        )
        .await;
    assert_eq!(granted_only.status, StatusCode::BAD_REQUEST);
    let missing = app
        .json(
            Method::POST,
            "/coupon/claim/",
            &token,
            json!({"coupon_id": 404}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn operators_adjust_points_with_a_ledger_row() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let luffy = app.user_id("luffy").await;
    let path = format!("/admin/users/{luffy}/credit/");
    assert_eq!(
        app.json(Method::PUT, &path, &buyer, json!({"credit": 5}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let up = app
        .json(
            Method::PUT,
            &path,
            &admin,
            json!({"credit": 1500, "remark": "活动奖励"}),
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.text);
    assert_eq!(up.json["old_credit"], 1000);
    let down = app
        .json(Method::PUT, &path, &admin, json!({"credit": "200"}))
        .await;
    assert_eq!(down.json["credit"], 200);
    for bad in [
        json!({"credit": -1}),
        json!({"credit": 1.5}),
        json!({"credit": "x"}),
    ] {
        assert_eq!(
            app.json(Method::PUT, &path, &admin, bad).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        app.json(
            Method::PUT,
            "/admin/users/999999/credit/",
            &admin,
            json!({"credit": 1})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let rows = app.scalar(&format!("SELECT count(*)::bigint AS value FROM credit_ledger WHERE user_id = {luffy} AND operation = 2")).await;
    assert_eq!(rows, 3, "seed grant + two adjustments");
    assert_eq!(app.get("/users/me/", &buyer).await.json["credit"], 200);
    app.assert_ledger_matches().await;
}
