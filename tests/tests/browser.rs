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
    let pages = web::Data::new((
        INDEX.replace("__API__", &api),
        RESULT.replace("__API__", &api),
    ));
    let client_server = HttpServer::new(move || {
        App::new()
            .app_data(pages.clone())
            .route(
                "/",
                web::get().to(|pages: web::Data<(String, String)>| async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(pages.0.clone())
                }),
            )
            .route(
                "/result.html",
                web::get().to(|pages: web::Data<(String, String)>| async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(pages.1.clone())
                }),
            )
    })
    .workers(1)
    .listen(client_listener)
    .unwrap()
    .run();
    let client_handle = client_server.handle();
    tokio::spawn(client_server);

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
