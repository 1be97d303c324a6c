//! Dependencies going away: 503 with a clear errmsg, and recovery without a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, spawn_app_with, PrivateRedis};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_gives_503_and_recovers_without_restart() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(|settings| {
        settings.redis_url = url;
        settings.redis_timeout_secs = 1;
    })
    .await;
    let token = app.login_demo().await;
    let added = app
        .json(Method::POST, "/cart/", &token, json!({"course_id": 1}))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);

    redis.stop();
    for (method, path, body) in [
        (Method::POST, "/cart/", Some(json!({"course_id": 3}))),
        (Method::GET, "/cart/", None),
        (Method::GET, "/cart/order/", None),
        (
            Method::PATCH,
            "/cart/",
            Some(json!({"course_id": 1, "selected": false})),
        ),
        (Method::PUT, "/cart/", Some(json!({"selected": false}))),
        (Method::DELETE, "/cart/?course_id=1", None),
    ] {
        let mut request = app.authed(method.clone(), path, &token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = app.send(request).await;
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}: {}",
            response.text
        );
        assert_eq!(
            response.errmsg(),
            "service temporarily unavailable, please retry"
        );
    }
    let ready = app.send(app.request(Method::GET, "/readyz")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json["redis"], "unavailable");
    assert_eq!(ready.json["postgres"], "ok");
    // Login still works while the cart is down.
    let login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": "luffy", "password": "luffy12345"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);

    redis.restart();
    // The private server keeps nothing on disk, so the cart is empty after the crash.
    let added = app
        .json(Method::POST, "/cart/", &token, json!({"course_id": 3}))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert_eq!(added.json["cart_total"], 1);
    let cart = app.get("/cart/", &token).await;
    assert_eq!(cart.status, StatusCode::OK);
    assert_eq!(
        app.send(app.request(Method::GET, "/readyz")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn postgres_unreachable_gives_503_not_500() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    // A second app on the same Redis but a PostgreSQL port nobody listens on.
    let broken = spawn_app_with(|settings| {
        settings.database_url = "postgres://postgres@127.0.0.1:9/luffy".into();
        settings.database_timeout_secs = 1;
    })
    .await;
    for path in ["/courses/", "/courses/1/", "/users/me/"] {
        let response = broken.get(path, &token).await;
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            response.text
        );
        assert_eq!(
            response.errmsg(),
            "service temporarily unavailable, please retry"
        );
    }
    let add = broken
        .json(Method::POST, "/cart/", &token, json!({"course_id": 1}))
        .await;
    assert_eq!(add.status, StatusCode::SERVICE_UNAVAILABLE);
    let login = broken
        .send(
            broken
                .request(Method::POST, "/users/login/")
                .json(&json!({"username": "luffy", "password": "luffy12345"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::SERVICE_UNAVAILABLE);
    let ready = broken.send(broken.request(Method::GET, "/readyz")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json["postgres"], "unavailable");
    assert_eq!(
        broken
            .send(broken.request(Method::GET, "/healthz"))
            .await
            .status,
        StatusCode::OK
    );
    // Nothing reached the real cart.
    assert_eq!(app.get("/cart/", &token).await.json["cart"], json!([]));
}
