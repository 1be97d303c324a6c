//! The operators' catalog end to end (issue 13 item 1): teachers, courses, chapters, lessons and
//! promotions through the admin API; staff only, every write audited, refusals change nothing,
//! and a buyer's quote uses a promotion the moment it is saved.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{assert_invariants, spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn audit_rows(app: &TestApp, action: &str) -> i64 {
    app.scalar(&format!(
        "SELECT count(*)::bigint AS value FROM audit_log WHERE action = '{action}'"
    ))
    .await
}

async fn all_audit_rows(app: &TestApp) -> i64 {
    app.scalar("SELECT count(*)::bigint AS value FROM audit_log")
        .await
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> luffy_e2e::TestResponse {
    app.json(Method::POST, path, token, body).await
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> luffy_e2e::TestResponse {
    app.json(Method::PATCH, path, token, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operators_build_a_course_with_a_teacher_chapters_and_a_promotion_buyers_see() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;

    // Staff only.
    for path in ["/admin/teachers/", "/admin/courses/", "/admin/promotions/"] {
        assert_eq!(app.get(path, &buyer).await.status, StatusCode::FORBIDDEN);
        let anonymous = app.send(app.request(Method::GET, path)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    }
    let refused = post(&app, &buyer, "/admin/teachers/", json!({"name": "X"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A direction and a category, then a teacher.
    let direction = post(
        &app,
        &admin,
        "/admin/directions/",
        json!({"name": "云原生"}),
    )
    .await;
    assert_eq!(direction.status, StatusCode::CREATED, "{}", direction.text);
    let direction_id = direction.json["id"].as_i64().unwrap();
    let category = post(
        &app,
        &admin,
        "/admin/categories/",
        json!({"name": "Kubernetes", "direction_id": direction_id}),
    )
    .await;
    let category_id = category.json["id"].as_i64().unwrap();
    let teacher = post(
        &app,
        &admin,
        "/admin/teachers/",
        json!({"name": " Alex ", "title": "架构师", "role": 0, "brief": "十年运维",
               "avatar": "/uploads/avatar/alex.png"}),
    )
    .await;
    assert_eq!(teacher.status, StatusCode::CREATED, "{}", teacher.text);
    assert_eq!(teacher.json["name"], "Alex");
    let teacher_id = teacher.json["id"].as_i64().unwrap();

    // Refusals: each a 400 with a clear errmsg, and nothing written.
    let before = all_audit_rows(&app).await;
    for (path, body, message) in [
        (
            "/admin/teachers/",
            json!({"title": "无名"}),
            "讲师名称不能为空!",
        ),
        (
            "/admin/teachers/",
            json!({"name": "A", "role": 9}),
            "讲师身份无效!",
        ),
        (
            "/admin/teachers/",
            json!({"name": "A", "avatar": "javascript:alert(1)"}),
            "头像必须是站内路径或http(s)地址!",
        ),
        (
            "/admin/courses/",
            json!({"name": "K8s", "direction_id": direction_id, "category_id": 1, "price": 99}),
            "课程分类不属于该课程方向!",
        ),
        (
            "/admin/courses/",
            json!({"name": "K8s", "direction_id": direction_id, "category_id": category_id,
                   "price": 99, "teacher_id": 999_999}),
            "讲师不存在!",
        ),
        (
            "/admin/courses/",
            json!({"name": "K8s", "direction_id": direction_id, "category_id": category_id,
                   "price": "-1"}),
            "课程价格应为0到100000000之间、最多两位小数的金额!",
        ),
        (
            "/admin/courses/",
            json!({"direction_id": direction_id, "category_id": category_id, "price": 1}),
            "课程名称不能为空!",
        ),
    ] {
        let answer = post(&app, &admin, path, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
        assert_eq!(answer.errmsg(), message, "{body}");
    }
    let unknown = post(&app, &admin, "/admin/courses/", json!({"nme": "typo"})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(all_audit_rows(&app).await, before, "refusals write nothing");

    // The course, with a cover and a video.
    let course = post(
        &app,
        &admin,
        "/admin/courses/",
        json!({"name": "Kubernetes 实战", "direction_id": direction_id,
               "category_id": category_id, "teacher_id": teacher_id, "price": "200.00",
               "credit": 50, "course_type": 0, "level": 1, "description": "<p>从零到生产</p>",
               "course_cover": "/uploads/course/k8s.png", "course_video": "/uploads/video/k8s.mp4",
               "is_show": true}),
    )
    .await;
    assert_eq!(course.status, StatusCode::CREATED, "{}", course.text);
    let course_id = course.json["id"].as_i64().unwrap();
    assert_eq!(course.json["price"], 200.0);
    let public = app
        .send(app.request(Method::GET, &format!("/courses/{course_id}/")))
        .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
    assert_eq!(public.json["name"], "Kubernetes 实战");
    let listed = app.get("/admin/courses/?q=Kubernetes", &admin).await;
    assert_eq!(listed.json["count"], 1, "{}", listed.text);

    // A chapter with a lesson.
    let chapter = post(
        &app,
        &admin,
        &format!("/admin/courses/{course_id}/chapters/"),
        json!({"name": "集群入门", "summary": "安装与概念"}),
    )
    .await;
    assert_eq!(chapter.status, StatusCode::CREATED, "{}", chapter.text);
    assert_eq!(chapter.json["orders"], 1);
    let chapter_id = chapter.json["id"].as_i64().unwrap();
    let lesson = post(
        &app,
        &admin,
        &format!("/admin/chapters/{chapter_id}/lessons/"),
        json!({"name": "kubectl", "duration": "12:30", "free_trail": true}),
    )
    .await;
    assert_eq!(lesson.status, StatusCode::CREATED, "{}", lesson.text);
    let missing = post(
        &app,
        &admin,
        "/admin/chapters/999999/lessons/",
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let chapters = app
        .get(&format!("/admin/courses/{course_id}/chapters/"), &admin)
        .await;
    assert_eq!(chapters.json[0]["lessons"][0]["name"], "kubectl");
    // Changing a chapter and a lesson: fields replaced, audited with before and after; the
    // course's lesson count follows a hidden lesson; refusals change nothing.
    let lesson_id = lesson.json["id"].as_i64().unwrap();
    let renamed = app
        .json(
            Method::PUT,
            &format!("/admin/chapters/{chapter_id}/"),
            &admin,
            json!({"name": "集群基础", "summary": "概念"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json["name"], "集群基础");
    assert_eq!(renamed.json["orders"], 1, "the place is kept");
    let hidden = app
        .json(
            Method::PUT,
            &format!("/admin/lessons/{lesson_id}/"),
            &admin,
            json!({"name": "kubectl 入门", "duration": "13:00", "is_show": false}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
    assert_eq!(hidden.json["is_show"], false);
    assert_eq!(
        app.scalar(&format!(
            "SELECT lessons::bigint AS value FROM courses WHERE id = {course_id}"
        ))
        .await,
        0,
        "a hidden lesson no longer counts"
    );
    let audited_before = app
        .scalar("SELECT count(*)::bigint AS value FROM audit_log")
        .await;
    for (path, body, status) in [
        (
            "/admin/chapters/999999/",
            json!({"name": "x"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/admin/lessons/999999/",
            json!({"name": "x"}),
            StatusCode::NOT_FOUND,
        ),
        (
            &*format!("/admin/chapters/{chapter_id}/"),
            json!({"name": " "}),
            StatusCode::BAD_REQUEST,
        ),
        (
            &*format!("/admin/lessons/{lesson_id}/"),
            json!({"name": "x", "orders": 0}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = app.json(Method::PUT, path, &admin, body).await;
        assert_eq!(refused.status, status, "{path}: {}", refused.text);
        assert!(!refused.errmsg().is_empty());
    }
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM audit_log")
            .await,
        audited_before
    );
    let trail = app.get("/admin/audit/?entity=lesson", &admin).await;
    let change = &trail.json["results"][0];
    assert_eq!(change["action"], "lesson.update", "{}", trail.text);
    assert_eq!(change["before"]["name"], "kubectl");
    assert_eq!(change["after"]["name"], "kubectl 入门");
    let reread = app.get("/admin/courses/?q=Kubernetes", &admin).await;
    assert_eq!(
        reread.json["results"][0]["lessons"], 0,
        "its one lesson is hidden"
    );

    // A 折扣 promotion: the buyer's quote uses it at once.
    let promotion = post(
        &app,
        &admin,
        "/admin/promotions/",
        json!({"name": "双十二", "sale": "*0.5", "condition": 100,
               "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00",
               "course_ids": [course_id]}),
    )
    .await;
    assert_eq!(promotion.status, StatusCode::CREATED, "{}", promotion.text);
    assert_eq!(promotion.json["discount_type"], "限时折扣");
    let promotion_id = promotion.json["id"].as_i64().unwrap();
    app.fill_cart(&buyer, &[course_id]).await;
    let quoted = quote(&app, &buyer).await;
    assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.text);
    assert_eq!(quoted.json["real_price"], 100.0, "{}", quoted.text);
    // Changed to 减免 of 30: the next quote follows.
    let changed = patch(
        &app,
        &admin,
        &format!("/admin/promotions/{promotion_id}/"),
        json!({"sale": "-30"}),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["discount_type"], "限时减免");
    assert_eq!(changed.json["course_ids"], json!([course_id]));
    assert_eq!(quote(&app, &buyer).await.json["real_price"], 170.0);
    let bad_window = patch(
        &app,
        &admin,
        &format!("/admin/promotions/{promotion_id}/"),
        json!({"end_time": "2019-01-01 00:00:00"}),
    )
    .await;
    assert_eq!(bad_window.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_window.errmsg(), "活动结束时间必须晚于开始时间!");
    let bad_course = post(
        &app,
        &admin,
        "/admin/promotions/",
        json!({"name": "x", "sale": "0", "start_time": "2020-01-01 00:00:00",
               "end_time": "2099-01-01 00:00:00", "course_ids": [999_999]}),
    )
    .await;
    assert_eq!(bad_course.status, StatusCode::BAD_REQUEST);
    let promotions = app.get("/admin/promotions/", &admin).await;
    assert!(promotions.json["count"].as_u64().unwrap() >= 1);

    // Hiding the course and the teacher (never deleting them).
    let hidden = patch(
        &app,
        &admin,
        &format!("/admin/courses/{course_id}/"),
        json!({"is_show": false}),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
    assert_eq!(hidden.json["is_show"], false);
    let renamed = patch(
        &app,
        &admin,
        &format!("/admin/teachers/{teacher_id}/"),
        json!({"title": "首席架构师", "is_show": false}),
    )
    .await;
    assert_eq!(renamed.json["title"], "首席架构师");
    let nothing = patch(
        &app,
        &admin,
        &format!("/admin/teachers/{teacher_id}/"),
        json!({}),
    )
    .await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    let gone = patch(
        &app,
        &admin,
        "/admin/teachers/999999/",
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    for action in [
        "teacher.create",
        "teacher.update",
        "course.create",
        "course.update",
        "chapter.create",
        "lesson.create",
        "promotion.create",
        "promotion.update",
    ] {
        assert_eq!(audit_rows(&app, action).await, 1, "{action}");
    }
    let entry = app.get("/admin/audit/?entity=promotion", &admin).await;
    let latest = &entry.json["results"][0];
    assert!(latest["before"].to_string().contains("*0.5"), "{latest}");
    assert!(latest["after"].to_string().contains("-30"), "{latest}");
    assert_invariants(&app.database.url).await;
}

async fn quote(app: &TestApp, buyer: &str) -> luffy_e2e::TestResponse {
    app.json(
        Method::POST,
        "/orders/quote/",
        buyer,
        json!({"pay_type": 0}),
    )
    .await
}

use luffy_e2e::TINY_PNG as PNG;

async fn upload(
    app: &TestApp,
    token: &str,
    kind: &str,
    content_type: &str,
    body: Vec<u8>,
) -> luffy_e2e::TestResponse {
    app.send(
        app.authed(Method::POST, &format!("/admin/uploads/{kind}/"), token)
            .header("Content-Type", content_type)
            .body(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn covers_and_avatars_upload_as_checked_pictures_only() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let refused = upload(&app, &buyer, "cover", "image/png", PNG.to_vec()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let stored = upload(&app, &admin, "cover", "image/png", PNG.to_vec()).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text);
    let path = stored.json["path"].as_str().unwrap().to_owned();
    assert!(
        path.starts_with("/uploads/course/") && path.ends_with(".png"),
        "{path}"
    );
    assert_eq!(
        (
            stored.json["width"].as_u64(),
            stored.json["height"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let served = app
        .client
        .get(stored.json["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
    // The same picture again is the same file.
    let again = upload(&app, &admin, "cover", "image/png", PNG.to_vec()).await;
    assert_eq!(again.json["path"], path.as_str());
    let avatar = upload(&app, &admin, "avatar", "image/png", PNG.to_vec()).await;
    assert!(avatar.json["path"]
        .as_str()
        .unwrap()
        .starts_with("/uploads/avatar/"));

    // Content decides: a script named as a PNG, a GIF, a truncated PNG, nothing at all.
    for (content_type, body) in [
        (
            "image/png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec()),
        ("image/png", PNG[..20].to_vec()),
        ("image/png", Vec::new()),
    ] {
        let answer = upload(&app, &admin, "cover", content_type, body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        assert!(!answer.errmsg().is_empty());
    }
    let kind = upload(&app, &admin, "script", "image/png", PNG.to_vec()).await;
    assert_eq!(kind.status, StatusCode::BAD_REQUEST);
    let mut big = PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let too_big = upload(&app, &admin, "cover", "image/png", big).await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.text
    );

    // The stored path is what a course takes as its cover.
    let course = post(
        &app,
        &admin,
        "/admin/courses/",
        json!({"name": "带封面的课程", "direction_id": 1, "category_id": 1, "price": 9.9,
               "course_cover": path}),
    )
    .await;
    assert_eq!(course.status, StatusCode::CREATED, "{}", course.text);
    assert_eq!(course.json["course_cover"], path.as_str());
}

/// Every admin route the OpenAPI document lists refuses a visitor (401) and a buyer (403),
/// with an `errmsg`, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_admin_route_is_staff_only() {
    let app = spawn_app().await;
    let buyer = app.login_demo().await;
    let document = app.send(app.request(Method::GET, "/openapi.json")).await;
    let paths = document.json["paths"].as_object().unwrap();
    let audit_before = app
        .scalar("SELECT count(*)::bigint AS value FROM audit_log")
        .await;
    let mut checked = 0;
    for (template, operations) in paths.iter().filter(|(p, _)| p.starts_with("/admin/")) {
        let path = template
            .replace("{kind}", "cover")
            .split('/')
            .map(|part| if part.starts_with('{') { "1" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        for method in operations.as_object().unwrap().keys() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let body = json!({});
            let anonymous = app
                .send(app.request(method.clone(), &path).json(&body))
                .await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}: {}",
                anonymous.text
            );
            assert!(!anonymous.errmsg().is_empty(), "{method} {path}");
            let refused = app
                .send(app.authed(method.clone(), &path, &buyer).json(&body))
                .await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{method} {path}: {}",
                refused.text
            );
            assert!(!refused.errmsg().is_empty(), "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} admin operations documented");
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM audit_log")
            .await,
        audit_before,
        "a refused request wrote nothing"
    );
}

/// Every catalog write bumps `catalog_version` (the checkout's copy of the catalog is checked
/// against it). The bump runs before each statement, so two writers that change the same rows
/// in opposite orders queue on the version row instead of deadlocking, and each bump counts.
#[tokio::test]
async fn catalog_writers_in_opposite_orders_queue_on_the_version_instead_of_deadlocking() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    use std::time::{Duration, Instant};

    let app = spawn_app().await;
    let version = || app.scalar("SELECT version AS value FROM catalog_version");
    let before = version().await;
    let connect = || AsyncPgConnection::establish(&app.database.url);
    let (mut first, mut second) = (connect().await.unwrap(), connect().await.unwrap());
    first
        .batch_execute("BEGIN; UPDATE courses SET name = name || '·' WHERE id = 3")
        .await
        .unwrap();
    second.batch_execute("BEGIN").await.unwrap();
    let second_writer = tokio::spawn(async move {
        second
            .batch_execute("UPDATE activities SET name = name || '·' WHERE id = 1; UPDATE courses SET name = name || '·' WHERE id = 3; COMMIT")
            .await
    });
    // The second writer is waiting for a lock before the first goes on.
    let deadline = Instant::now() + Duration::from_secs(10);
    while app
        .scalar(
            "SELECT count(*)::bigint AS value FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .await
        == 0
    {
        assert!(Instant::now() < deadline, "the second writer never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first
        .batch_execute("UPDATE activities SET name = name || '·' WHERE id = 1; COMMIT")
        .await
        .expect("the first writer must not be chosen as a deadlock victim");
    second_writer
        .await
        .unwrap()
        .expect("the second writer must not be chosen as a deadlock victim");
    assert_eq!(version().await, before + 4, "one bump per statement");
    assert_eq!(
        app.scalar(
            "SELECT count(*)::bigint AS value FROM courses WHERE id = 3 AND name LIKE '%··'"
        )
        .await,
        1
    );
}
