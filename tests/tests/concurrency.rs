//! Races that must not double-spend: real parallel HTTP requests, and parallel calls into the
//! PostgreSQL checkout adapter where the cart cannot build the race.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;

use futures::future::join_all;
use luffy_common::{CourseId, SystemClock, UserId};
use luffy_credit::CreditRate;
use luffy_e2e::{spawn_app, TestApp};
use luffy_order::{CheckoutError, CheckoutRequest, CheckoutService, OrderStatus, PricingError};
use luffy_store::{PgOrderStore, PgPool, RedisCarts};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn order_count(app: &TestApp) -> i64 {
    app.scalar("SELECT count(*)::bigint AS value FROM orders")
        .await
}

fn request(user: i64, coupon: i64, points: i64) -> CheckoutRequest {
    CheckoutRequest::new(UserId(user), 0, coupon, points, None).unwrap()
}

fn course_ids(courses: &[i64]) -> Vec<CourseId> {
    courses.iter().map(|c| CourseId(*c)).collect()
}

/// The checkout service on a given pool, called below the cart (which cannot build these
/// races) through `order_courses`.
fn checkout_on(
    app: &TestApp,
    pool: PgPool,
) -> CheckoutService<RedisCarts, PgOrderStore, SystemClock> {
    CheckoutService::new(
        RedisCarts::new(
            app.state.redis.clone(),
            app.state.settings.redis_prefix.clone(),
        ),
        PgOrderStore::new(pool),
        SystemClock,
        CreditRate::default(),
        chrono::Duration::minutes(15),
        std::sync::Arc::new(|now: chrono::DateTime<chrono::Utc>| now.date_naive()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_checkout_twenty_times_at_once_makes_one_order() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1, 3, 7]).await;
    let responses = join_all((0..20).map(|_| {
        app.json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "credit": 100}),
        )
    }))
    .await;
    let created = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(
        created,
        1,
        "{:?}",
        responses
            .iter()
            .map(|r| (r.status, r.errmsg().to_owned()))
            .collect::<Vec<_>>()
    );
    for response in responses.iter().filter(|r| r.status != StatusCode::CREATED) {
        // Either it saw the courses in the new unpaid order (409), or it read the cart after
        // the winner had emptied it (400 empty selection).
        assert!(
            response.status == StatusCode::CONFLICT
                || (response.status == StatusCode::BAD_REQUEST
                    && response.errmsg() == "购物车中没有勾选任何课程!"),
            "{} {}",
            response.status,
            response.text
        );
    }
    assert_eq!(order_count(&app).await, 1);
    assert_eq!(
        app.get("/users/me/", &token).await.json["credit"],
        900,
        "points spent once"
    );
    app.assert_ledger_matches().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_idempotency_key_twenty_times_at_once_replays_one_order() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[2, 5]).await;
    let responses = join_all((0..20).map(|_| {
        app.send(
            app.authed(Method::POST, "/orders/", &token)
                .header("Idempotency-Key", "checkout-42")
                .json(&json!({"pay_type": 0, "user_coupon_id": 1})),
        )
    }))
    .await;
    let ids: HashSet<i64> = responses
        .iter()
        .map(|r| r.json["id"].as_i64().unwrap_or(-1))
        .collect();
    assert!(
        responses.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        responses.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    );
    assert_eq!(ids.len(), 1, "every request answered the same order");
    assert_eq!(order_count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_coupon_in_simultaneous_orders_is_reserved_once() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let luffy = app.user_id("luffy").await;
    // Over HTTP: ten simultaneous orders with the 30元 coupon.
    app.fill_cart(&token, &[1, 7]).await;
    let responses = join_all((0..10).map(|_| {
        app.json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "user_coupon_id": 1}),
        )
    }))
    .await;
    assert_eq!(
        responses
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count(),
        1
    );
    let cancel_id = responses
        .iter()
        .find(|r| r.status == StatusCode::CREATED)
        .unwrap()
        .json["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.send(app.authed(Method::PUT, &format!("/orders/{cancel_id}/"), &token))
            .await
            .status,
        StatusCode::OK
    );

    // At the adapter: five orders over disjoint courses all want grant 1 at once.
    let checkout = checkout_on(&app, app.state.pg.clone());
    let (request, ids) = (
        request(luffy, 1, 0),
        [[1], [2], [5], [7], [8]].map(|c| course_ids(&c)),
    );
    let results = join_all(ids.iter().map(|ids| checkout.order_courses(&request, ids))).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    for result in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(
                result,
                Err(CheckoutError::Pricing(PricingError::CouponUnavailable))
            ),
            "{result:?}"
        );
    }
    let reserved = app.scalar("SELECT count(*)::bigint AS value FROM coupon_logs WHERE id = 1 AND order_id IS NOT NULL").await;
    assert_eq!(reserved, 1);
    assert_eq!(
        order_count(&app).await,
        2,
        "the HTTP winner plus the adapter winner"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn points_spent_by_simultaneous_orders_never_go_negative() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let luffy = app.user_id("luffy").await;
    app.json(
        Method::PUT,
        &format!("/admin/users/{luffy}/credit/"),
        &admin,
        json!({"credit": 150}),
    )
    .await;
    // Four orders of 100 points each over disjoint courses (caps 100, 200, 300, 100).
    let checkout = checkout_on(&app, app.state.pg.clone());
    let (request, ids) = (
        request(luffy, -1, 100),
        [[1], [2], [5], [7]].map(|c| course_ids(&c)),
    );
    let results = join_all(ids.iter().map(|ids| checkout.order_courses(&request, ids))).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for result in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(
                result,
                Err(CheckoutError::Pricing(PricingError::PointsOverBalance))
            ),
            "{result:?}"
        );
    }
    assert_eq!(
        app.scalar(&format!(
            "SELECT credit::bigint AS value FROM users WHERE id = {luffy}"
        ))
        .await,
        50
    );
    app.assert_ledger_matches().await;

    // Over HTTP too: twenty simultaneous orders asking for the 50 left (course 8, cap 50,
    // is not among the adapter's courses above).
    let token = app.login_demo().await;
    app.fill_cart(&token, &[8]).await;
    let responses = join_all((0..20).map(|_| {
        app.json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "credit": 50}),
        )
    }))
    .await;
    assert_eq!(
        responses
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count(),
        1
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT credit::bigint AS value FROM users WHERE id = {luffy}"
        ))
        .await,
        0
    );
    app.assert_ledger_matches().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_racing_cancel_restores_once() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[5]).await;
    let points = app
        .json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "credit": 300}),
        )
        .await;
    let points_id = points.json["id"].as_i64().unwrap();
    app.fill_cart(&token, &[1]).await;
    let coupon = app
        .json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "user_coupon_id": 1}),
        )
        .await;
    let coupon_id = coupon.json["id"].as_i64().unwrap();
    assert_eq!(app.get("/users/me/", &token).await.json["credit"], 700);

    for id in [points_id, coupon_id] {
        let responses = join_all(
            (0..20).map(|_| app.send(app.authed(Method::PUT, &format!("/orders/{id}/"), &token))),
        )
        .await;
        assert_eq!(
            responses
                .iter()
                .filter(|r| r.status == StatusCode::OK)
                .count(),
            1
        );
        assert_eq!(
            responses
                .iter()
                .filter(|r| r.status == StatusCode::BAD_REQUEST)
                .count(),
            19
        );
    }
    assert_eq!(app.get("/users/me/", &token).await.json["credit"], 1000);
    let refunds = app.scalar(&format!("SELECT count(*)::bigint AS value FROM credit_ledger WHERE order_id = {points_id} AND operation = 3")).await;
    assert_eq!(refunds, 1, "points given back exactly once");
    let free = app.scalar("SELECT count(*)::bigint AS value FROM coupon_logs WHERE id = 1 AND order_id IS NULL AND use_status = 0").await;
    assert_eq!(free, 1, "coupon available again");
    app.assert_ledger_matches().await;
}

/// The checkout pipelines its reads behind the user-row lock; on a fresh connection every
/// statement is prepared first, which is when the send order could slip. Ten fresh pools,
/// each racing twelve identical checkouts: exactly one order per round, the rest 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pipelined_reads_stay_behind_the_user_lock_on_fresh_connections() {
    let app = spawn_app().await;
    let luffy = app.user_id("luffy").await;
    for round in 0..10 {
        let pool = luffy_store::postgres::build_pg_pool(
            &app.database.url,
            &luffy_store::PgPoolSettings::default(),
        )
        .unwrap();
        let checkout = checkout_on(&app, pool);
        let ids = course_ids(&[[1, 2], [3, 4], [5, 6], [7, 8], [1, 8]][round % 5]);
        let request = request(luffy, -1, 0);
        let results = join_all((0..12).map(|_| checkout.order_courses(&request, &ids))).await;
        let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: {results:?}");
        for result in results.iter().filter(|r| r.is_err()) {
            assert!(
                matches!(result, Err(CheckoutError::AlreadyInUnpaidOrder(_))),
                "round {round}: {result:?}"
            );
        }
        // Free the courses for a later round: cancel the winner.
        app.sql(&format!(
            "UPDATE orders SET order_status = {} WHERE id = {}",
            OrderStatus::Cancelled.code(),
            won[0].id
        ))
        .await;
    }
    assert_eq!(order_count(&app).await, 10);
}
