//! Studying what was bought: my courses, opening a course where the learner left it, lesson
//! times, progress under concurrency, and entitlement in the hostile cases (another buyer, a
//! refunded course, a hidden lesson, forged and expired media links, beyond the seek limit).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use futures::future::join_all;
use luffy_common::UserId;
use luffy_e2e::{spawn_app, TestApp};
use luffy_order::OrderStatus;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The demo buyer pays for course 1 (chapters 1 and 2; lessons 1 and 2 free trials, 3 and 4
/// not); returns (token, order id).
async fn buy_course_one(app: &TestApp) -> (String, i64) {
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let id = created.json["id"].as_i64().unwrap();
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    app.press_pay(&number).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.order_status(id).await != OrderStatus::Paid {
        assert!(Instant::now() < deadline, "never paid");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (token, id)
}

async fn progress(app: &TestApp, token: &str, body: Value) -> luffy_e2e::TestResponse {
    app.json(Method::POST, "/users/progress/", token, body)
        .await
}

async fn fetch(app: &TestApp, url: &str) -> (StatusCode, String) {
    let answer = app.client.get(url).send().await.unwrap();
    (answer.status(), answer.text().await.unwrap())
}

fn lesson_links(detail: &Value) -> Vec<(i64, bool)> {
    detail["chapter_list"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["lesson_list"].as_array().unwrap().clone())
        .map(|l| {
            (
                l["id"].as_i64().unwrap(),
                !l["lesson_link"].as_str().unwrap().is_empty(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_buyer_studies_what_they_bought_and_progress_adds_up_under_concurrency() {
    let app = spawn_app().await;
    let (token, _) = buy_course_one(&app).await;

    // My courses: bought, not started.
    let mine = app
        .get("/users/course/?type=-1&page=1&size=5", &token)
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.json["count"], 1);
    let item = &mine.json["results"][0];
    assert_eq!(
        (
            item["course_id"].as_i64(),
            item["chapter_orders"].as_i64(),
            item["progress"].as_i64()
        ),
        (Some(1), Some(0), Some(0))
    );
    assert_eq!(item["get_course_type_display"], "实战课程");
    assert!(item["course_cover"].as_str().unwrap().starts_with("http"));
    assert_eq!(
        app.get("/users/course/?type=2", &token).await.json["count"],
        0
    );
    assert_eq!(
        app.get("/users/course/?type=x", &token).await.status,
        StatusCode::BAD_REQUEST
    );
    let types = app.send(app.request(Method::GET, "/courses/type")).await;
    assert_eq!(
        types.json,
        json!([[0, "实战课程"], [1, "会员专享"], [2, "学位课程"]])
    );

    // Opening it starts at the first visible lesson, remembered, with a working media link.
    let opened = app.get("/users/course/1", &token).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    assert_eq!(
        (
            opened.json["chapter_orders"].as_i64(),
            opened.json["lesson_id"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(opened.json["progress"], "0.00");
    let link = opened.json["lesson_link"].as_str().unwrap().to_owned();
    let (status, body) = fetch(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("示例课时 1"), "{body}");
    let listed = app.get("/users/course/", &token).await;
    assert_eq!(listed.json["results"][0]["lesson_name"], "课程介绍");

    // The course page gives every lesson's link to its owner.
    let detail = app.get("/courses/1", &token).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(
        lesson_links(&detail.json),
        vec![(1, true), (2, true), (3, true), (4, true)]
    );

    // Progress moves the place forward only; "lesson-3" is the study page's resumed lesson.
    assert_eq!(
        progress(&app, &token, json!({"time": 5, "lesson": "lesson-3"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        progress(&app, &token, json!({"time": 5, "lesson": 1}))
            .await
            .status,
        StatusCode::OK
    );
    let place = app.get("/users/course/", &token).await;
    let item = &place.json["results"][0];
    assert_eq!(
        (
            item["chapter_orders"].as_i64(),
            item["lesson_orders"].as_i64(),
            item["lesson_id"].as_i64()
        ),
        (Some(2), Some(1), Some(3))
    );
    assert_eq!(item["progress"], "50.00");
    assert_eq!(item["study_time"], 10);

    // Twenty simultaneous reports all count.
    let reports = (0..20).map(|_| progress(&app, &token, json!({"time": 5, "lesson": 4})));
    for answer in join_all(reports).await {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let seconds = app.get("/users/lesson/?lesson=4", &token).await;
    assert_eq!(seconds.json, json!(100));
    assert_eq!(
        app.get("/users/lesson/?lesson=3", &token).await.json,
        json!(5)
    );
    let after = app.get("/users/course/", &token).await;
    assert_eq!(after.json["results"][0]["study_time"], 110);
    assert_eq!(after.json["results"][0]["lesson_id"], 4);

    // Beyond the seek limit, zero or nonsense: refused, nothing added.
    for bad in [
        json!({"time": 301, "lesson": 4}),
        json!({"time": 0, "lesson": 4}),
        json!({"time": 5, "lesson": "x"}),
        json!({"time": "a", "lesson": 4}),
    ] {
        let refused = progress(&app, &token, bad.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(!refused.errmsg().is_empty());
    }
    assert_eq!(
        app.get("/users/lesson/?lesson=4", &token).await.json,
        json!(100)
    );
    assert_eq!(
        progress(&app, &token, json!({"time": 5, "lesson": 9999}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lessons_stay_closed_to_others_after_a_refund_when_hidden_and_behind_bad_links() {
    let app = spawn_app().await;
    let (owner, order_id) = buy_course_one(&app).await;
    let opened = app.get("/users/course/1", &owner).await;
    let link = opened.json["lesson_link"].as_str().unwrap().to_owned();

    // Another buyer: only the free trials, and no course to open.
    let (other, _) = app.register_user().await;
    assert_eq!(
        app.get("/users/course/1", &other).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/users/lesson/?lesson=3", &other).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/users/lesson/?lesson=1", &other).await.json,
        json!(0)
    );
    assert_eq!(
        progress(&app, &other, json!({"time": 5, "lesson": 3}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        progress(&app, &other, json!({"time": 5, "lesson": 1}))
            .await
            .status,
        StatusCode::OK
    );
    let theirs = app.get("/courses/1", &other).await;
    assert_eq!(
        lesson_links(&theirs.json),
        vec![(1, true), (2, true), (3, false), (4, false)]
    );
    let anonymous = app.send(app.request(Method::GET, "/courses/1")).await;
    assert_eq!(
        lesson_links(&anonymous.json),
        vec![(1, false), (2, false), (3, false), (4, false)]
    );
    let broken = app
        .send(
            app.request(Method::GET, "/courses/1")
                .header("Authorization", "jwt null"),
        )
        .await;
    assert_eq!(
        lesson_links(&broken.json),
        vec![(1, false), (2, false), (3, false), (4, false)]
    );

    // Media links: unsigned, forged, for another user, expired: refused; the plain /uploads/
    // route does not serve lesson media at all.
    let base = app.base.clone();
    let (status, _) = fetch(&app, &format!("{base}/uploads/lessons/lesson-3.html")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for tampered in [
        link.replace("lesson-1", "lesson-3"),
        link.replace("&user=", "&user=9"),
    ] {
        assert_eq!(
            fetch(&app, &tampered).await.0,
            StatusCode::FORBIDDEN,
            "{tampered}"
        );
    }
    for sneaky in [
        "/uploads/./lessons/lesson-3.html",
        "/uploads//lessons/lesson-3.html",
        "/uploads/lessons/../lessons/lesson-3.html",
        "/uploads/%6cessons/lesson-3.html",
    ] {
        let (status, _) = fetch(&app, &format!("{base}{sneaky}")).await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{sneaky}: {status}"
        );
    }
    let signer = luffy_study::MediaSigner::new(
        &app.state.settings.media_url_key(),
        chrono::Duration::seconds(-60),
    );
    let expired = signer.sign("lessons/lesson-3.html", UserId(1), chrono::Utc::now());
    let (status, body) = fetch(&app, &expired.url(&base)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("过期"), "{body}");

    // A hidden lesson is open to nobody, owners included, and leaves the course page.
    app.sql("UPDATE course_lessons SET is_show = false WHERE id = 4")
        .await;
    assert_eq!(
        app.get("/users/lesson/?lesson=4", &owner).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        progress(&app, &owner, json!({"time": 5, "lesson": 4}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let detail = app.get("/courses/1", &owner).await;
    assert_eq!(
        lesson_links(&detail.json),
        vec![(1, true), (2, true), (3, true)]
    );
    // A learner whose place was hidden is moved to the first visible lesson.
    app.sql("UPDATE user_courses SET lesson_id = 4, chapter_id = 2")
        .await;
    let moved = app.get("/users/course/1", &owner).await;
    assert_eq!(moved.json["lesson_id"], 1, "{}", moved.text);

    // Refunded: closed again at once.
    let refunded = app
        .json(
            Method::POST,
            &format!("/orders/{order_id}/refund/"),
            &owner,
            json!({"reason": "不想学了"}),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.text);
    assert_eq!(
        app.get("/users/course/1", &owner).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/users/lesson/?lesson=3", &owner).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/users/course/", &owner).await.json["count"], 0);
    let detail = app.get("/courses/1", &owner).await;
    assert_eq!(
        lesson_links(&detail.json),
        vec![(1, true), (2, true), (3, false)]
    );

    // Logged out: 401 everywhere on the learner's routes.
    for path in [
        "/users/course/",
        "/users/course/1",
        "/users/lesson/?lesson=1",
    ] {
        let answer = app
            .send(
                app.request(Method::GET, path)
                    .header("Authorization", "jwt null"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
    }
}
