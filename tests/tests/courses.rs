//! The catalog with and without promotions.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::spawn_app;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn list_is_paged_and_links_pages() {
    let app = spawn_app().await;
    let page = app
        .send(app.request(Method::GET, "/courses/?page=1&size=3"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.json["count"], 8);
    assert_eq!(page.json["results"].as_array().unwrap().len(), 3);
    assert!(page.json["previous"].is_null());
    assert!(page.json["next"]
        .as_str()
        .unwrap()
        .ends_with("/courses/?page=2&size=3"));
    let last = app
        .send(app.request(Method::GET, "/courses?page=3&size=3"))
        .await;
    assert_eq!(last.json["results"].as_array().unwrap().len(), 2);
    assert!(last.json["next"].is_null());

    for bad in [
        "/courses/?page=0",
        "/courses/?size=51",
        "/courses/?page=abc",
        "/courses/?size=-1",
    ] {
        let response = app.send(app.request(Method::GET, bad)).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            response.text
        );
        assert!(!response.errmsg().is_empty());
    }
}

#[tokio::test]
async fn percent_promotion_gives_type_expire_and_price() {
    let app = spawn_app().await;
    let course = app.send(app.request(Method::GET, "/courses/3/")).await;
    assert_eq!(course.status, StatusCode::OK);
    assert_eq!(course.json["price"], 699.0);
    assert_eq!(course.json["discount"]["type"], "限时折扣");
    assert_eq!(course.json["discount"]["price"], 559.2);
    assert!(course.json["discount"]["expire"].as_i64().unwrap() > 0);
    assert_eq!(course.json["course_type"], "实战课程");
}

#[tokio::test]
async fn reduction_promotion_respects_its_condition() {
    let app = spawn_app().await;
    let course = app.send(app.request(Method::GET, "/courses/6")).await;
    assert_eq!(course.json["discount"]["type"], "限时减免");
    assert_eq!(course.json["discount"]["price"], 299.0);
    // Below the 300 yuan condition the type still shows but no price applies.
    app.sql("UPDATE courses SET price = 299.99 WHERE id = 6")
        .await;
    let course = app.send(app.request(Method::GET, "/courses/6")).await;
    assert_eq!(course.json["discount"]["type"], "限时减免");
    assert!(
        course.json["discount"].get("price").is_none(),
        "{}",
        course.text
    );
}

#[tokio::test]
async fn courses_without_or_with_ended_promotion_have_empty_discount() {
    let app = spawn_app().await;
    let course = app.send(app.request(Method::GET, "/courses/1/")).await;
    assert_eq!(course.json["discount"], serde_json::json!({}));
    app.sql("UPDATE activities SET start_time = now() - interval '2 days', end_time = now() - interval '1 day'")
        .await;
    let course = app.send(app.request(Method::GET, "/courses/3/")).await;
    assert_eq!(course.json["discount"], serde_json::json!({}));
}

#[tokio::test]
async fn newest_running_link_wins() {
    let app = spawn_app().await;
    app.sql(
        "INSERT INTO discounts (id, discount_type_id, condition, sale) VALUES (10, 1, 0, '0');
         INSERT INTO activities (id, name, start_time, end_time) VALUES (10, 'free week', now() - interval '1 hour', now() + interval '1 hour');
         INSERT INTO course_activity_prices (id, activity_id, course_id, discount_id) VALUES (10, 10, 3, 10);",
    )
    .await;
    let course = app.send(app.request(Method::GET, "/courses/3/")).await;
    assert_eq!(course.json["discount"]["type"], "限时免费");
    assert_eq!(course.json["discount"]["price"], 0.0);
    let expire = course.json["discount"]["expire"].as_i64().unwrap();
    assert!(expire > 0 && expire <= 3600, "{expire}");
}

#[tokio::test]
async fn missing_hidden_deleted_and_malformed_ids_are_404() {
    let app = spawn_app().await;
    app.sql("UPDATE courses SET is_show = false WHERE id = 7; UPDATE courses SET is_deleted = true WHERE id = 8;")
        .await;
    for path in [
        "/courses/999/",
        "/courses/7/",
        "/courses/8/",
        "/courses/abc/",
    ] {
        let response = app.send(app.request(Method::GET, path)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!response.errmsg().is_empty());
    }
    let page = app.send(app.request(Method::GET, "/courses/")).await;
    assert_eq!(page.json["count"], 6);
}
