//! Health, readiness, metrics, request ids, unknown routes, migrate and seed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestDatabase};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = spawn_app().await;
    let health = app.send(app.request(Method::GET, "/healthz")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.headers.contains_key("x-request-id"));
    let ready = app.send(app.request(Method::GET, "/readyz/")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(ready.json["postgres"], "ok");
    app.send(app.request(Method::GET, "/courses/3/")).await;
    let metrics = app.send(app.request(Method::GET, "/metrics")).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text.contains(
            r#"luffy_http_requests_total{method="GET",route="/courses/{id}",status="200"} 1"#
        ),
        "{}",
        metrics.text
    );
    assert!(metrics
        .text
        .contains("luffy_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let app = spawn_app().await;
    let response = app.send(app.request(Method::GET, "/no/such/thing/")).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.errmsg(), "not found");
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = spawn_app().await;
    let report = luffy_api::commands::seed::seed(&app.state).await.unwrap();
    assert!(report.created_users.is_empty());
    let token = app.login_demo().await;
    let me = app.get("/users/me/", &token).await;
    assert_eq!(me.json["credit"], 1000, "points not granted twice");
    let courses = app.send(app.request(Method::GET, "/courses/")).await;
    assert_eq!(courses.json["count"], 8);
    let staff = app.login("admin", "admin12345").await;
    assert_eq!(app.get("/users/me/", &staff).await.json["is_staff"], true);
}

#[tokio::test]
async fn migrate_creates_a_missing_database() {
    let database = TestDatabase::create().await;
    let fresh_url = format!("{}_fresh", database.url);
    let settings = luffy_api::Settings {
        database_url: fresh_url.clone(),
        ..luffy_api::Settings::default()
    };
    let applied = luffy_api::commands::migrate::migrate(&settings)
        .await
        .unwrap();
    assert!(!applied.is_empty());
    let again = luffy_api::commands::migrate::migrate(&settings)
        .await
        .unwrap();
    assert!(again.is_empty(), "second run applies nothing");
    luffy_store::database::drop_database(&fresh_url)
        .await
        .unwrap();
}
