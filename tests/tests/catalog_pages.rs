//! The course pages of the tutorial's client: filters, the filtered and sorted list, the
//! course page with teacher and countdown, chapters with lessons, and the demo pictures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn directions_and_categories() {
    let app = spawn_app().await;
    let directions = app
        .send(app.request(Method::GET, "/courses/directions/"))
        .await;
    assert_eq!(directions.status, StatusCode::OK);
    assert_eq!(
        directions.json,
        json!([{"id": 1, "name": "前端开发"}, {"id": 2, "name": "后端开发"}])
    );
    let all = app
        .send(app.request(Method::GET, "/courses/categories/0/"))
        .await;
    assert_eq!(all.json.as_array().unwrap().len(), 4);
    let backend = app
        .send(app.request(Method::GET, "/courses/categories/2/"))
        .await;
    assert_eq!(
        backend.json,
        json!([{"id": 2, "name": "Python基础"}, {"id": 3, "name": "Python进阶"}, {"id": 4, "name": "算法"}])
    );
    let none = app
        .send(app.request(Method::GET, "/courses/categories/99/"))
        .await;
    assert_eq!(none.json, json!([]));
}

#[tokio::test]
async fn the_course_list_filters_sorts_and_pages() {
    let app = spawn_app().await;
    let get = |path: &'static str| {
        let app = &app;
        async move {
            let response = app.send(app.request(Method::GET, path)).await;
            assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text);
            response.json
        }
    };
    let all = get("/courses/0/0/").await;
    assert_eq!(all["count"], 8);
    assert_eq!(
        ids(&all),
        [8, 7, 6, 5, 4, 3, 2, 1],
        "newest first by default"
    );
    let card = &all["results"][5];
    assert_eq!(card["id"], 3);
    assert_eq!(card["name"], "Vue3全家桶实战");
    assert_eq!(card["price"], 699.0);
    assert_eq!(card["students"], 2890);
    assert_eq!(card["get_level_display"], "中级");
    assert_eq!(card["credit"], 0);
    assert_eq!(card["discount"]["type"], "限时折扣");
    assert_eq!(card["discount"]["price"], 559.2);
    assert!(card["course_cover"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/uploads/", app.base)));

    assert_eq!(ids(&get("/courses/2/0/").await), [8, 7, 6, 5, 4]);
    assert_eq!(ids(&get("/courses/2/3/").await), [6, 5]);
    assert_eq!(ids(&get("/courses/0/1/?ordering=price").await), [1, 2, 3]);
    assert_eq!(
        ids(&get("/courses/0/0/?ordering=-price&size=3").await),
        [5, 3, 2]
    );
    assert_eq!(
        ids(&get("/courses/0/0/?ordering=-students&size=2").await),
        [4, 7]
    );
    let second = get("/courses/0/0/?size=3&page=2").await;
    assert_eq!(ids(&second), [5, 4, 3]);
    assert!(second["next"]
        .as_str()
        .unwrap()
        .ends_with("/courses/0/0/?page=3&size=3"));
    assert!(second["previous"]
        .as_str()
        .unwrap()
        .ends_with("/courses/0/0/?page=1&size=3"));

    app.sql("UPDATE courses SET is_show = false WHERE id = 8")
        .await;
    assert_eq!(ids(&get("/courses/2/4/").await), [7]);

    let bad = app
        .send(app.request(Method::GET, "/courses/0/0/?ordering=name"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(!bad.errmsg().is_empty());
}

#[tokio::test]
async fn the_course_page_has_teacher_countdown_and_chapters() {
    let app = spawn_app().await;
    let page = app.send(app.request(Method::GET, "/courses/3/")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let course = &page.json;
    assert_eq!(course["level"], 1);
    assert_eq!(course["get_level_display"], "中级");
    assert_eq!(course["lessons"], 20);
    assert_eq!(course["pub_lessons"], 4);
    assert_eq!(course["students"], 2890);
    assert!(course["description"]
        .as_str()
        .unwrap()
        .contains("<strong>Vue3</strong>"));
    assert_eq!(course["teacher"]["name"], "路飞老师");
    assert_eq!(course["teacher"]["role"], 0);
    assert_eq!(course["teacher"]["get_role_display"], "讲师");
    assert_eq!(course["teacher"]["title"], "前端架构师");
    let avatar = course["teacher"]["avatar"].as_str().unwrap();
    assert_eq!(avatar, format!("{}/uploads/teacher/avatar/1.png", app.base));
    let expire = course["discount"]["expire"].as_i64().unwrap();
    assert!(expire > 86_400 && expire <= 31 * 86_400, "{expire}");
    assert_eq!(course["discount"]["price"], 559.2);
    assert_eq!(course["course_video"], "");

    // The pictures are real PNGs served from the media directory.
    for url in [course["course_cover"].as_str().unwrap(), avatar] {
        let image = app.client.get(url).send().await.unwrap();
        assert_eq!(image.status(), StatusCode::OK, "{url}");
        assert_eq!(image.headers()["content-type"], "image/png");
        let bytes = image.bytes().await.unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
    let missing = app
        .send(app.request(Method::GET, "/uploads/course/cover/nope.png"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let chapters = app
        .send(app.request(Method::GET, "/courses/3/chapters/"))
        .await;
    assert_eq!(chapters.status, StatusCode::OK, "{}", chapters.text);
    assert_eq!(
        chapters.json[0],
        json!({
            "id": 3, "orders": 1, "name": "Vue3 基础", "summary": "组合式 API 与响应式原理",
            "get_lesson_list": [
                {"id": 5, "orders": 1, "name": "setup 与 ref", "duration": "15:20", "free_trail": true},
                {"id": 6, "orders": 2, "name": "reactive 与 computed", "duration": "21:45", "free_trail": false}
            ]
        })
    );
    assert_eq!(chapters.json.as_array().unwrap().len(), 2);

    app.sql("UPDATE course_lessons SET is_show = false WHERE id = 6")
        .await;
    let chapters = app
        .send(app.request(Method::GET, "/courses/3/chapters/"))
        .await;
    assert_eq!(
        chapters.json[0]["get_lesson_list"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let course = app.send(app.request(Method::GET, "/courses/3/")).await;
    assert_eq!(course.json["pub_lessons"], 3);

    app.sql("UPDATE courses SET is_deleted = true WHERE id = 3")
        .await;
    for path in ["/courses/3/", "/courses/3/chapters/"] {
        let gone = app.send(app.request(Method::GET, path)).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{path}");
    }
    let unknown = app
        .send(app.request(Method::GET, "/courses/999/chapters/"))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
