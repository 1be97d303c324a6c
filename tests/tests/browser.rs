//! A real browser on another origin buys a course against luffy (issue 10): Debian's
//! `chromium`, driven through `chromedriver` by fantoccini, loads our tiny client from
//! `http://localhost:<port>` and calls the API at `http://127.0.0.1:<port>` cross-origin: log
//! in, list and open courses, fill the cart, check out with a coupon, pay in the
//! sandbox cashier, come back and see "my orders". Screenshots go to `target/browser/`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use fantoccini::{Client, Locator};
use luffy_e2e::browser::{browser, Driver};
use luffy_e2e::spawn_app_with;
use luffy_order::OrderStatus;
use serde_json::{json, Value};

const INDEX: &str = include_str!("../fixtures/client/index.html");
const RESULT: &str = include_str!("../fixtures/client/result.html");
const JOURNEY: &str = include_str!("../fixtures/client/journey.html");
const STUDY: &str = include_str!("../fixtures/client/study.html");

/// Serves the client's pages (path -> HTML) on its own origin.
fn serve_pages(
    listener: TcpListener,
    pages: Vec<(&'static str, String)>,
) -> actix_web::dev::ServerHandle {
    let pages = web::Data::new(pages);
    let server = HttpServer::new(move || {
        App::new().app_data(pages.clone()).default_service(web::get().to(
            |req: actix_web::HttpRequest, pages: web::Data<Vec<(&'static str, String)>>| async move {
                match pages.iter().find(|(path, _)| *path == req.path()) {
                    Some((_, html)) => HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(html.clone()),
                    None => HttpResponse::NotFound().finish(),
                }
            },
        ))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    handle
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(name), png).unwrap();
}

/// Waits for an element; on failure shows the page's error line.
async fn wait_for(client: &Client, css: &str, name: &str) {
    let found = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await;
    if found.is_err() {
        screenshot(client, &format!("failed-{name}.png")).await;
        let error = match client.find(Locator::Css("#error")).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let url = client.current_url().await.map(|u| u.to_string());
        panic!("{css} never appeared ({name}) at {url:?}; page error: {error:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_browser_on_another_origin_buys_a_course() {
    // The client's own origin: localhost, a port of its own (the API is on 127.0.0.1).
    let client_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client_port = client_listener.local_addr().unwrap().port();
    let client_origin = format!("http://localhost:{client_port}");
    let origin = client_origin.clone();
    let app = spawn_app_with(move |settings| {
        settings.cors_origins = origin.clone();
        settings.alipay_return_url = format!("{origin}/result.html");
    })
    .await;
    let api = app.base.clone();
    let client_handle = serve_pages(
        client_listener,
        vec![
            ("/", INDEX.replace("__API__", &api)),
            ("/result.html", RESULT.replace("__API__", &api)),
        ],
    );

    let driver = tokio::task::block_in_place(Driver::start);
    let profile = std::env::temp_dir().join(format!("luffy-chromium-{}", uuid::Uuid::new_v4()));
    let client = browser(&driver, &profile).await;

    client.goto(&format!("{client_origin}/")).await.unwrap();
    // The client logs in, lists and opens courses, fills the cart, checks out and follows the
    // pay link to the sandbox cashier.
    wait_for(&client, "button.pay", "cashier").await;
    screenshot(&client, "1-cashier.png").await;
    client
        .find(Locator::Css("button.pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The sandbox sends the buyer back to the client, which confirms with the API and lists
    // the orders.
    wait_for(&client, "#done", "result").await;
    screenshot(&client, "2-result.png").await;
    let title = client
        .find(Locator::Css("#title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(title.starts_with("支付成功"), "{title}");
    let raw = client
        .find(Locator::Css("#raw"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let orders: Value = serde_json::from_str(&raw).unwrap();
    let order = &orders[0];
    assert_eq!(order["order_status"], OrderStatus::Paid.code(), "{order}");
    assert_eq!(order["credit"], 0, "{order}");
    assert!(
        order["coupon"]["id"].is_i64(),
        "the order used a coupon: {order}"
    );
    let total = order["total_price"].as_f64().unwrap();
    let real = order["real_price"].as_f64().unwrap();
    assert!(real < total, "the coupon lowered the price: {order}");
    assert_eq!(order["order_courses"].as_array().unwrap().len(), 2);

    // Back on the client's first page the course list and page were drawn from the API.
    client
        .goto(&format!("{client_origin}/?view"))
        .await
        .unwrap();
    let owned_error = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#error:not(:empty)"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Both courses are owned now, so the cart refuses them: the page got that far.
    assert!(owned_error.contains("POST /cart/ 400"), "{owned_error}");
    let courses = client
        .find(Locator::Css("#courses"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        courses.contains("Typescript入门到实战 ￥398.00"),
        "{courses}"
    );
    let teacher = client
        .find(Locator::Css("#teacher"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(teacher, "路飞老师 · 讲师");
    let cover_loaded: Value = client
        .execute(
            "const img = document.getElementById('cover'); return img.complete && img.naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        cover_loaded,
        json!(320),
        "the cover image loaded cross-origin"
    );
    screenshot(&client, "3-courses.png").await;

    client.close().await.unwrap();
    client_handle.stop(false).await;
    let _ = std::fs::remove_dir_all(&profile);
    luffy_e2e::assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_buyer_registers_searches_buys_and_studies_and_another_is_refused_the_lesson() {
    let client_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client_origin = format!(
        "http://localhost:{}",
        client_listener.local_addr().unwrap().port()
    );
    let origin = client_origin.clone();
    let app = spawn_app_with(move |settings| {
        settings.cors_origins = origin.clone();
        settings.alipay_return_url = format!("{origin}/result.html");
    })
    .await;
    // Other visitors searched 入门 most this week: it is the first hot word.
    for text in ["入门", "入门", "入门", "算法"] {
        let found = app
            .send(app.request(
                reqwest::Method::GET,
                &format!("/courses/search?text={text}&page=1&size=10"),
            ))
            .await;
        assert_eq!(found.status, reqwest::StatusCode::OK, "{}", found.text);
    }
    let api = app.base.clone();
    let handle = serve_pages(
        client_listener,
        vec![
            ("/journey.html", JOURNEY.replace("__API__", &api)),
            ("/result.html", RESULT.replace("__API__", &api)),
            ("/study.html", STUDY.replace("__API__", &api)),
        ],
    );
    let driver = tokio::task::block_in_place(Driver::start);
    let profile = std::env::temp_dir().join(format!("luffy-chromium-{}", uuid::Uuid::new_v4()));
    let client = browser(&driver, &profile).await;
    let mobile = luffy_e2e::api_client::fresh_mobile();

    client
        .goto(&format!("{client_origin}/journey.html?mobile={mobile}"))
        .await
        .unwrap();
    wait_for(&client, "button.pay", "journey cashier").await;
    client
        .find(Locator::Css("button.pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#done", "journey result").await;
    assert!(text_of(&client, "#title").await.starts_with("支付成功"));
    screenshot(&client, "5-journey-paid.png").await;
    client
        .find(Locator::Css("#learn"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#study-done", "study").await;
    screenshot(&client, "6-studying.png").await;
    let seen: Value = serde_json::from_str(&text_of(&client, "#raw").await).unwrap();

    // 我的课堂 lists the course bought; opening it started at its first lesson.
    assert_eq!(seen["my_courses"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["my_courses"][0]["course_name"], "Typescript入门到实战");
    assert_eq!(seen["opened"]["lesson_name"], "课程介绍", "{seen}");
    // The paid lesson's media came through its signed link, and the progress was kept.
    assert_eq!(seen["lesson"], 3);
    assert_eq!(seen["media_status"], 200, "{seen}");
    assert!(seen["media_text"].as_str().unwrap().contains("<"), "{seen}");
    assert_eq!(seen["saved"], 10, "{seen}");
    let outline = text_of(&client, "#outline").await;
    assert!(outline.contains("基础类型"), "{outline}");

    // Before leaving for the cashier the journey's page drew the home page and the search
    // from the API, and kept what it drew.
    let drawn: Value = client
        .execute(
            "return JSON.parse(localStorage.getItem('journey'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn["registered"], true, "{drawn}");
    assert_eq!(drawn["header"][0], "免费课", "{drawn}");
    assert!(!drawn["footer"].as_array().unwrap().is_empty(), "{drawn}");
    assert!(drawn["banners"].as_u64().unwrap() >= 1, "{drawn}");
    assert_eq!(drawn["hot_words"][0], "入门", "{drawn}");
    let found: Vec<&str> = drawn["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    assert!(found.contains(&"Typescript入门到实战"), "{found:?}");

    // A second buyer who did not buy: no link in the outline, the owner's link re-signed for
    // them is refused, and no progress is kept.
    let (other, _) = app.register_user().await;
    let page = app.get("/courses/1/", &other).await;
    let lesson = page.json["chapter_list"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|chapter| chapter["lesson_list"].as_array().unwrap().clone())
        .find(|lesson| lesson["id"] == 3)
        .unwrap();
    assert_eq!(lesson["lesson_link"], "", "{lesson}");
    let owners_link = seen["lesson_link"].as_str().unwrap();
    let other_id = app.get("/users/me/", &other).await.json["id"]
        .as_i64()
        .unwrap();
    let borrowed = with_user(owners_link, other_id);
    let refused = reqwest::get(&borrowed).await.unwrap();
    assert_eq!(
        refused.status(),
        reqwest::StatusCode::FORBIDDEN,
        "{borrowed}"
    );
    let progress = app
        .json(
            reqwest::Method::POST,
            "/users/progress/",
            &other,
            json!({"time": 5, "lesson": 3}),
        )
        .await;
    assert!(progress.status.is_client_error(), "{}", progress.text);

    client.close().await.unwrap();
    handle.stop(false).await;
    let _ = std::fs::remove_dir_all(&profile);
    luffy_e2e::assert_invariants(&app.database.url).await;
}

/// The same link with another `user=`.
fn with_user(link: &str, user: i64) -> String {
    let (base, query) = link.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|pair| {
            if pair.starts_with("user=") {
                format!("user={user}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_docs_page_renders_every_operation_with_no_network() {
    let app = luffy_e2e::spawn_app().await;
    let driver = tokio::task::block_in_place(Driver::start);
    let profile = std::env::temp_dir().join(format!("luffy-chromium-{}", uuid::Uuid::new_v4()));
    let client = browser(&driver, &profile).await;
    client.goto(&format!("{}/docs/", app.base)).await.unwrap();
    wait_for(&client, ".opblock", "docs").await;
    let operations: Value = client
        .execute(
            "return document.querySelectorAll('.opblock').length;",
            vec![],
        )
        .await
        .unwrap();
    let title: Value = client
        .execute(
            "return document.querySelector('.info .title').textContent;",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, "4-docs.png").await;
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(operations.as_u64().unwrap() >= 40, "{operations}");
    assert!(title.as_str().unwrap().contains("luffy"), "{title}");
}
