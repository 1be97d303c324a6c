//! Every cart operation and its errors, through HTTP, against real PostgreSQL and Redis.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn add(app: &TestApp, token: &str, course: Value) -> luffy_e2e::TestResponse {
    app.json(Method::POST, "/cart/", token, json!({"course_id": course}))
        .await
}

fn ids(response: &luffy_e2e::TestResponse) -> Vec<i64> {
    response.json["cart"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn add_list_toggle_remove() {
    let app = spawn_app().await;
    let token = app.login_demo().await;

    let first = add(&app, &token, json!(3)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["cart_total"], 1);
    assert_eq!(
        add(&app, &token, json!("1")).await.json["cart_total"],
        2,
        "string ids accepted"
    );
    assert_eq!(
        add(&app, &token, json!(1)).await.json["cart_total"],
        2,
        "re-adding keeps one item"
    );
    assert_eq!(add(&app, &token, json!(5)).await.json["cart_total"], 3);

    let cart = app.get("/cart/", &token).await;
    assert_eq!(cart.status, StatusCode::OK);
    assert_eq!(cart.errmsg(), "ok!");
    assert_eq!(ids(&cart), vec![1, 3, 5]);
    let vue = &cart.json["cart"][1];
    assert_eq!(vue["name"], "Vue3全家桶实战");
    assert_eq!(vue["price"], 699.0);
    assert_eq!(vue["discount"]["price"], 559.2);
    assert_eq!(vue["selected"], true);
    assert_eq!(vue["course_type"], "实战课程");
    assert_eq!(cart.json["cart"][0]["credit"], 100);

    let toggle = app
        .json(
            Method::PATCH,
            "/cart/",
            &token,
            json!({"course_id": 3, "selected": false}),
        )
        .await;
    assert_eq!(toggle.status, StatusCode::OK, "{}", toggle.text);
    let selected = app.get("/cart/order/", &token).await;
    assert_eq!(ids(&selected), vec![1, 5]);
    app.json(
        Method::PATCH,
        "/cart",
        &token,
        json!({"course_id": "3", "selected": 1}),
    )
    .await;
    assert_eq!(ids(&app.get("/cart/order", &token).await), vec![1, 3, 5]);

    let none = app
        .json(Method::PUT, "/cart/", &token, json!({"selected": false}))
        .await;
    assert_eq!(none.status, StatusCode::OK);
    let empty = app.get("/cart/order/", &token).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json["cart"], json!([]));
    assert_eq!(
        app.get("/cart/", &token).await.json["cart"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    app.json(Method::PUT, "/cart/", &token, json!({"selected": true}))
        .await;
    assert_eq!(ids(&app.get("/cart/order/", &token).await), vec![1, 3, 5]);

    let removed = app
        .send(app.authed(Method::DELETE, "/cart/?course_id=3", &token))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.json["cart_total"], 2);
    assert_eq!(ids(&app.get("/cart/", &token).await), vec![1, 5]);
}

#[tokio::test]
async fn cart_is_per_user_and_keys_carry_the_prefix() {
    let app = spawn_app().await;
    let demo = app.login_demo().await;
    let (other, _) = app.register_user().await;
    add(&app, &demo, json!(2)).await;
    add(&app, &other, json!(4)).await;
    assert_eq!(ids(&app.get("/cart/", &demo).await), vec![2]);
    assert_eq!(ids(&app.get("/cart/", &other).await), vec![4]);

    let mut conn = app.state.redis.connection().await.unwrap();
    let keys: Vec<String> = deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{}cart_*", app.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let unprefixed: bool = deadpool_redis::redis::cmd("EXISTS")
        .arg("cart_1")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!unprefixed || keys.iter().all(|k| k.starts_with("test_")));

    // Login reports the cart size.
    let login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": "luffy", "password": "luffy12345"})),
        )
        .await;
    assert_eq!(login.json["cart_total"], 1);
}

#[tokio::test]
async fn missing_hidden_deleted_and_owned_courses_are_refused() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.sql(
        "UPDATE courses SET is_show = false WHERE id = 7;
         UPDATE courses SET is_deleted = true WHERE id = 8;
         INSERT INTO user_courses (user_id, course_id) SELECT id, 2 FROM users WHERE username = 'luffy';",
    )
    .await;
    for (course, message) in [
        (json!(999), "当前课程不存在!"),
        (json!(7), "当前课程不存在!"),
        (json!(8), "当前课程不存在!"),
        (json!(-1), "当前课程不存在!"),
        (json!(2), "对不起,您已经购买过当前课程!不需要重新购买了."),
    ] {
        let response = add(&app, &token, course.clone()).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{course}");
        assert_eq!(response.errmsg(), message);
    }
    assert_eq!(
        app.get("/cart/", &token).await.json["cart"],
        json!([]),
        "nothing was written"
    );
}

#[tokio::test]
async fn courses_hidden_after_adding_drop_out_of_the_lists() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    add(&app, &token, json!(1)).await;
    add(&app, &token, json!(4)).await;
    app.sql("UPDATE courses SET is_show = false WHERE id = 4")
        .await;
    assert_eq!(ids(&app.get("/cart/", &token).await), vec![1]);
    assert_eq!(ids(&app.get("/cart/order/", &token).await), vec![1]);
}

#[tokio::test]
async fn toggling_or_removing_what_is_not_in_the_cart_is_400() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let toggle = app
        .json(
            Method::PATCH,
            "/cart/",
            &token,
            json!({"course_id": 3, "selected": true}),
        )
        .await;
    assert_eq!(toggle.status, StatusCode::BAD_REQUEST);
    assert_eq!(toggle.errmsg(), "当前课程不在购物车中!");
    let remove = app
        .send(app.authed(Method::DELETE, "/cart/?course_id=3", &token))
        .await;
    assert_eq!(remove.status, StatusCode::BAD_REQUEST);
    let no_query = app.send(app.authed(Method::DELETE, "/cart/", &token)).await;
    assert_eq!(no_query.status, StatusCode::BAD_REQUEST);
    let bad_query = app
        .send(app.authed(Method::DELETE, "/cart/?course_id=x", &token))
        .await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
    assert!(!bad_query.errmsg().is_empty());
    // Toggling a removed item must not bring it back.
    add(&app, &token, json!(1)).await;
    app.send(app.authed(Method::DELETE, "/cart/?course_id=1", &token))
        .await;
    app.json(
        Method::PATCH,
        "/cart/",
        &token,
        json!({"course_id": 1, "selected": true}),
    )
    .await;
    assert_eq!(app.get("/cart/", &token).await.json["cart"], json!([]));
}

#[tokio::test]
async fn cart_needs_a_token() {
    let app = spawn_app().await;
    for method in [
        Method::GET,
        Method::POST,
        Method::PATCH,
        Method::PUT,
        Method::DELETE,
    ] {
        let response = app
            .send(
                app.request(method.clone(), "/cart/")
                    .json(&json!({"course_id": 1})),
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{method}");
    }
    let response = app.send(app.request(Method::GET, "/cart/order/")).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn malformed_json_wrong_types_and_oversize_bodies() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let raw = |body: &'static str| {
        app.authed(Method::POST, "/cart/", &token)
            .header("Content-Type", "application/json")
            .body(body)
    };
    for body in [
        "{",
        "not json",
        "[]",
        "{}",
        r#"{"course_id": true}"#,
        r#"{"course_id": "abc"}"#,
        r#"{"course_id": 1.5}"#,
        r#"{"course_id": null}"#,
        r#"{"course_id": 99999999999999999999999}"#,
    ] {
        let response = app.send(raw(body)).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            response.text
        );
        assert!(!response.errmsg().is_empty(), "{body}");
    }
    let no_type = app
        .send(
            app.authed(Method::POST, "/cart/", &token)
                .body(r#"{"course_id": 1}"#),
        )
        .await;
    assert_eq!(no_type.status, StatusCode::BAD_REQUEST);

    let bad_flag = app
        .json(
            Method::PATCH,
            "/cart/",
            &token,
            json!({"course_id": 1, "selected": "maybe"}),
        )
        .await;
    assert_eq!(bad_flag.status, StatusCode::BAD_REQUEST);
    let bad_flag = app
        .json(Method::PUT, "/cart/", &token, json!({"selected": 2}))
        .await;
    assert_eq!(bad_flag.status, StatusCode::BAD_REQUEST);

    let huge = format!(
        r#"{{"course_id": 1, "padding": "{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let response = app
        .send(
            app.authed(Method::POST, "/cart/", &token)
                .header("Content-Type", "application/json")
                .body(huge),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.text
    );
    assert!(!response.errmsg().is_empty());
    assert_eq!(
        app.get("/cart/", &token).await.json["cart"],
        json!([]),
        "nothing was written"
    );
}
