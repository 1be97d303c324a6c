//! Course search (Chinese words, teachers, always current, only shown courses, the client's
//! paging and orderings) and hot words (counted per day in Redis, the last seven days).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn hot(app: &TestApp) -> luffy_e2e::TestResponse {
    app.send(app.request(Method::GET, "/courses/hot_word"))
        .await
}

async fn search(app: &TestApp, query: &str) -> luffy_e2e::TestResponse {
    app.send(app.request(Method::GET, &format!("/courses/search?{query}")))
        .await
}

fn ids(page: &Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn courses_are_found_by_a_two_character_chinese_word_and_by_a_teacher() {
    let app = spawn_app().await;
    // 数据: the name of course 7 and the description of course 4; the name ranks first.
    let found = search(&app, &format!("text={}&page=1&size=5", encoded("数据"))).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(ids(&found.json), vec![7, 4]);
    assert_eq!(found.json["count"], 2);
    let card = &found.json["results"][0];
    assert_eq!(card["name"], "数据结构与算法");
    assert!(
        card["discount"].is_object(),
        "discount is an object, never a string"
    );
    assert!(card["course_cover"].as_str().unwrap().starts_with("http"));
    // A teacher's name: 娜美老师 teaches 7 and 8.
    let by_teacher = search(&app, &format!("text={}&ordering=id", encoded("娜美"))).await;
    assert_eq!(ids(&by_teacher.json), vec![7, 8]);
    // A category or direction name, case-insensitive Latin text.
    let python = search(&app, "text=PYTHON&ordering=-students&size=20").await;
    assert_eq!(ids(&python.json), vec![4, 5, 6], "by students, most first");
    let by_id = search(&app, "text=python&ordering=-id").await;
    assert_eq!(ids(&by_id.json), vec![6, 5, 4]);
    // The client's paging, shared with its other lists.
    let paged = search(&app, "text=python&ordering=id&page=2&size=2").await;
    assert_eq!(
        (ids(&paged.json), paged.json["count"].as_i64()),
        (vec![6], Some(3))
    );
    assert!(paged.json["previous"].is_string() && paged.json["next"].is_null());
    // Nothing found is an empty page.
    let none = search(&app, &format!("text={}", encoded("量子计算"))).await;
    assert_eq!(
        (none.json["count"].as_i64(), ids(&none.json)),
        (Some(0), vec![])
    );
    // LIKE's wildcards are searched for literally.
    assert_eq!(search(&app, "text=%25").await.json["count"], 0);
    assert_eq!(search(&app, "text=_").await.json["count"], 0);

    // Always current: a renamed course is found at once, a hidden one not at all.
    app.sql("UPDATE courses SET name = '机器学习与数据挖掘' WHERE id = 8")
        .await;
    assert_eq!(
        ids(&search(&app, &format!("text={}", encoded("挖掘")))
            .await
            .json),
        vec![8]
    );
    app.sql("UPDATE courses SET is_show = false WHERE id = 7")
        .await;
    assert_eq!(
        ids(&search(&app, &format!("text={}", encoded("数据")))
            .await
            .json),
        vec![8, 4]
    );

    // Refused: empty, control characters, unknown orderings, too long.
    for bad in [
        "text=",
        "text=%20%20",
        "text=a%00b",
        "text=a%0Ab",
        "text=python&ordering=price",
        &format!("text={}", "课".repeat(51)),
    ] {
        let refused = search(&app, bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(!refused.errmsg().is_empty());
    }
    assert_eq!(search(&app, "").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn hot_words_are_the_most_searched_texts_of_the_last_seven_days() {
    let app = spawn_app().await;
    assert_eq!(hot(&app).await.json, serde_json::json!([]));
    for text in [
        "python",
        "Python ",
        "PYTHON",
        "vue",
        "vue",
        encoded("数据").as_str(),
        "django",
        "java",
        "go",
    ] {
        assert_eq!(
            search(&app, &format!("text={text}")).await.status,
            StatusCode::OK
        );
    }
    // A refused search counts nothing.
    search(&app, "text=a%00b").await;
    let top = hot(&app).await;
    assert_eq!(top.status, StatusCode::OK);
    assert_eq!(
        top.json,
        serde_json::json!(["python", "vue", "django", "go", "java"])
    );

    // Days are zero-padded keys under one hash tag; eight days back no longer counts, six does.
    let mut conn = app.state.redis.connection().await.unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let key = |days_back: i64| {
        format!(
            "{{{}hot_word}}:{}",
            app.redis_prefix,
            (today - chrono::Duration::days(days_back)).format("%Y:%m:%d")
        )
    };
    let ttl: i64 = deadpool_redis::redis::cmd("TTL")
        .arg(key(0))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 6 * 24 * 3600 && ttl <= 7 * 24 * 3600, "{ttl}");
    let _: () = deadpool_redis::redis::cmd("ZINCRBY")
        .arg(key(8))
        .arg(100)
        .arg("old")
        .query_async(&mut conn)
        .await
        .unwrap();
    let _: () = deadpool_redis::redis::cmd("ZINCRBY")
        .arg(key(6))
        .arg(100)
        .arg("recent")
        .query_async(&mut conn)
        .await
        .unwrap();
    let top = hot(&app).await;
    assert_eq!(
        top.json,
        serde_json::json!(["recent", "python", "vue", "django", "go"])
    );
}
