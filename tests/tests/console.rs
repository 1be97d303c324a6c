//! The operators' web console (issue 13): a real chromium logs in as staff, sees the dashboard
//! and approves a refund in the queue; a buyer and a logged-out visitor are refused; a form
//! without its CSRF token is refused; login attempts are limited; demoted staff are logged out
//! at their next request; every page sends a strict CSP. Screenshots go to `target/console/`,
//! and to `docs/console/` when `LUFFY_SCREENSHOTS=1` (`just screenshots`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, Locator};
use luffy_e2e::api_client::csrf_field;
use luffy_e2e::browser::{browser, Driver};
use luffy_e2e::{spawn_app_with, TestApp};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join(name), &png).unwrap();
    if std::env::var("LUFFY_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/console");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(name), &png).unwrap();
    }
}

/// The text of an element once it is on the page (read again if a navigation replaced it).
async fn text_of(client: &Client, css: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                return text;
            }
        }
        assert!(std::time::Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until an element's text is `expected` (an htmx swap may still be on its way).
async fn text_becomes(client: &Client, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if element.text().await.is_ok_and(|t| t == expected) {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never read {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks an element.
async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the address holds `needle` (htmx pushes it once its swap is done).
async fn url_contains(client: &Client, needle: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains(needle)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the address never held {needle}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until no element matches (a navigation took it away).
async fn gone(client: &Client, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while client.find(Locator::Css(css)).await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never went away"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn log_in(client: &Client, base: &str, username: &str, password: &str) {
    client.goto(&format!("{base}/console/login")).await.unwrap();
    let form = client.form(Locator::Css("#login")).await.unwrap();
    form.set_by_name("username", username).await.unwrap();
    form.set_by_name("password", password).await.unwrap();
    form.submit().await.unwrap();
}

/// A buyer's balance-paid order with a refund request waiting for review; answers its id.
async fn refund_request(app: &TestApp) -> i64 {
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 2}))
        .await;
    let number = created.json["order_number"].as_str().unwrap();
    let id = created.json["id"].as_i64().unwrap();
    let paid = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &token,
        ))
        .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
    let asked = app
        .json(
            Method::POST,
            &format!("/orders/{id}/refund/"),
            &token,
            json!({"reason": "课程内容与描述不符"}),
        )
        .await;
    assert_eq!(asked.json["status"], "requested", "{}", asked.text);
    asked.json["id"].as_i64().unwrap()
}

/// The demo buyer's order of course 7, paid through the sandbox; answers (id, number).
async fn alipay_paid_order(app: &TestApp) -> (i64, String) {
    let token = app.login_demo().await;
    app.fill_cart(&token, &[7]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
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
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.order_status(id).await != luffy_order::OrderStatus::Paid {
        assert!(std::time::Instant::now() < deadline, "never paid");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (id, number)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_log_in_see_the_dashboard_and_approve_a_refund_in_a_browser() {
    let app = spawn_app_with(|s| s.refund_review = true).await;
    let refund = refund_request(&app).await;
    let driver = Driver::start();
    let profile = tempfile_dir("console-profile");
    let client = browser(&driver, &profile).await;
    let base = app.base.clone();

    // A logged-out visitor is sent to the login page.
    client.goto(&format!("{base}/console/")).await.unwrap();
    text_of(&client, "#login").await;
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/console/login"));
    screenshot(&client, "login.png").await;

    // A buyer is refused.
    log_in(&client, &base, "luffy", "luffy12345").await;
    let refusal = text_of(&client, "#errmsg").await;
    assert!(refusal.contains("仅限运营人员"), "{refusal}");

    // Staff get the dashboard.
    log_in(&client, &base, "admin", "admin12345").await;
    assert_eq!(text_of(&client, "#refund-queue").await, "1");
    let chart = client
        .find(Locator::Css("#chart svg"))
        .await
        .expect("the dashboard draws its chart as SVG");
    assert!(chart.html(false).await.unwrap().contains("<polyline"));
    screenshot(&client, "dashboard.png").await;

    // The refund queue: approve.
    client
        .goto(&format!("{base}/console/refunds?status=requested"))
        .await
        .unwrap();
    let row = text_of(&client, &format!("#refund-{refund}")).await;
    assert!(row.contains("¥") && row.contains("待审核"), "{row}");
    screenshot(&client, "refunds.png").await;
    click(&client, &format!("#refund-{refund} button.approve")).await;
    // Approved: it leaves the waiting list.
    gone(&client, &format!("#refund-{refund}")).await;
    let status = app
        .scalar(&format!(
            "SELECT CASE status WHEN 'refunded' THEN 1 ELSE 0 END::bigint AS value FROM refunds WHERE id = {refund}"
        ))
        .await;
    assert_eq!(status, 1, "a balance refund is done at approval");
    assert_eq!(
        app.scalar(
            "SELECT count(*)::bigint AS value FROM audit_log WHERE action = 'refund.approve'"
        )
        .await,
        1
    );
    // Find an Alipay-paid order by number, read its timeline, refund it through the sandbox.
    let (order, number) = alipay_paid_order(&app).await;
    client
        .goto(&format!("{base}/console/orders"))
        .await
        .unwrap();
    let search = client.form(Locator::Css("#order-search")).await.unwrap();
    search
        .set_by_name("number", &number[number.len() - 6..])
        .await
        .unwrap();
    // The search is an htmx partial update: the page stays (a marker set on it survives) and
    // the address follows the filter.
    client
        .execute("window.consoleMarker = 42; return 1;", vec![])
        .await
        .unwrap();
    search.submit().await.unwrap();
    text_becomes(&client, "#order-total", "1").await;
    let marker = client
        .execute("return window.consoleMarker || 0;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, json!(42), "the region was swapped in place");
    url_contains(&client, "number=").await;
    click(&client, "a.order-link").await;
    let timeline = text_of(&client, "#timeline").await;
    assert!(timeline.contains("支付成功"), "{timeline}");
    let payments = text_of(&client, "#payments tbody").await;
    assert!(
        payments.contains("¥") && !payments.contains("暂无"),
        "{payments}"
    );
    screenshot(&client, "order.png").await;
    click(&client, "#refund").await;
    gone(&client, "#refund-form").await;
    assert_eq!(text_of(&client, "#order-status").await, "已退款");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app
        .scalar(&format!(
            "SELECT count(*)::bigint AS value FROM refunds WHERE order_id = {order} AND status = 'refunded'"
        ))
        .await
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "the sandbox never paid the refund back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Create a coupon (a refused formula first) and grant it to the buyer.
    client
        .goto(&format!("{base}/console/coupons"))
        .await
        .unwrap();
    let fill = |sale: &'static str| {
        let client = client.clone();
        async move {
            let form = client.form(Locator::Css("#coupon-form")).await.unwrap();
            form.set_by_name("name", "控制台新人券").await.unwrap();
            form.set_by_name("sale", sale).await.unwrap();
            form.set_by_name("start_time", "2020-01-01 00:00:00")
                .await
                .unwrap();
            form.set_by_name("end_time", "2099-01-01 00:00:00")
                .await
                .unwrap();
            form.submit().await.unwrap();
        }
    };
    fill("*1.5").await;
    assert!(!text_of(&client, "#errmsg").await.is_empty());
    fill("-20").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let coupon = loop {
        let id = app
            .scalar("SELECT COALESCE(max(id), 0)::bigint AS value FROM coupons WHERE name = '控制台新人券'")
            .await;
        if id > 0 {
            break id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the coupon was never created"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let grant = client
        .form(Locator::Css(&format!("#coupon-{coupon} form.grant-form")))
        .await
        .unwrap();
    grant.set_by_name("users", "luffy").await.unwrap();
    grant.submit().await.unwrap();
    assert_eq!(text_of(&client, "#notice").await, "已发放1张优惠券!");
    screenshot(&client, "coupons.png").await;
    let buyer = app.login_demo().await;
    let mine = app.get("/coupon/", &buyer).await;
    assert!(mine.text.contains("控制台新人券"), "{}", mine.text);

    // Retry a dead job.
    let job = app
        .scalar(
            "INSERT INTO jobs (kind, payload, run_at, attempts, max_attempts, status, last_error)
             VALUES ('alipay_close', '{\"order_number\": \"NO-SUCH-ORDER\"}', now(), 10, 10, 'dead', 'gateway down')
             RETURNING id AS value",
        )
        .await;
    client.goto(&format!("{base}/console/jobs")).await.unwrap();
    assert!(text_of(&client, &format!("#job-{job}"))
        .await
        .contains("gateway down"));
    screenshot(&client, "jobs.png").await;
    click(&client, &format!("#job-{job} button.retry")).await;
    gone(&client, &format!("#job-{job}")).await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM jobs WHERE id = {job} AND status <> 'dead'"
        ))
        .await,
        1
    );

    // Narrow screens still work (390 px).
    client.set_window_size(390, 900).await.unwrap();
    client.goto(&format!("{base}/console/")).await.unwrap();
    text_of(&client, "#refund-queue").await;
    screenshot(&client, "dashboard-390.png").await;
    client.close().await.unwrap();
}

fn tempfile_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn csrf_rate_limits_revoked_staff_and_the_security_headers() {
    let app = spawn_app_with(|s| s.refund_review = true).await;
    let refund = refund_request(&app).await;

    // Headers: a strict CSP and an HttpOnly, SameSite=Strict session cookie.
    let page = app
        .client
        .get(format!("{}/console/login", app.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let set_cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let htmx = app
        .client
        .get(format!("{}/console/static/htmx.min.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(htmx.status(), StatusCode::OK);

    // An htmx table update after the session ended gets a full navigation to the login page.
    let expired = app
        .client
        .get(format!("{}/console/orders?page=2", app.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::OK);
    assert_eq!(expired.headers()["hx-redirect"], "/console/login");

    // A login without the token is refused.
    let forged = app
        .client
        .post(format!("{}/console/login", app.base))
        .form(&[("username", "admin"), ("password", "admin12345")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Staff log in; a review without the token changes nothing.
    let (status, cookie) = app.console_login("admin", "admin12345").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let approve = app
        .client
        .post(format!("{}/console/refunds/{refund}/approve", app.base))
        .header(COOKIE, &cookie)
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar(&format!(
            "SELECT CASE status WHEN 'requested' THEN 1 ELSE 0 END::bigint AS value FROM refunds WHERE id = {refund}"
        ))
        .await,
        1,
        "still waiting"
    );

    // The catalog forms refuse a missing token too, and a multipart form with a control
    // character is refused beside the field without writing anything.
    let direction = app
        .client
        .post(format!("{}/console/directions", app.base))
        .header(COOKIE, &cookie)
        .form(&[("name", "无令牌方向")])
        .send()
        .await
        .unwrap();
    assert_eq!(direction.status(), StatusCode::FORBIDDEN);
    let page = app
        .client
        .get(format!("{}/console/courses", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let token = csrf_field(&page.text().await.unwrap());
    let multipart = |name: &str| {
        let mut body = String::new();
        for (field, value) in [
            ("csrf", token.as_str()),
            ("name", name),
            ("price", "9.9"),
            ("direction_id", "1"),
            ("category_id", "1"),
        ] {
            body.push_str(&format!(
                "--XBOUNDARY\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str("--XBOUNDARY--\r\n");
        body
    };
    let hostile = app
        .client
        .post(format!("{}/console/courses", app.base))
        .header(COOKIE, &cookie)
        .header("Content-Type", "multipart/form-data; boundary=XBOUNDARY")
        .body(multipart("坏\u{0}课程"))
        .send()
        .await
        .unwrap();
    assert_eq!(hostile.status(), StatusCode::BAD_REQUEST);
    assert!(hostile.text().await.unwrap().contains("非法字符"));
    let unauthorised = app
        .client
        .post(format!("{}/console/courses", app.base))
        .header("Content-Type", "multipart/form-data; boundary=XBOUNDARY")
        .body(multipart("无会话课程"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar(
            "SELECT count(*)::bigint AS value FROM audit_log WHERE entity IN ('direction', 'course')"
        )
        .await,
        0,
        "nothing written"
    );

    // Five wrong passwords for an account, then even the right one is refused for a while.
    for _ in 0..5 {
        let (status, _) = app.console_login("admin", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = app.console_login("admin", "admin12345").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // Another operator, demoted while logged in, is logged out at the next request.
    let admin_token = app.login("admin", "admin12345").await;
    let (_, mobile) = app.register_user().await;
    let operator = app.user_id(&mobile).await;
    let promoted = app
        .json(
            Method::PATCH,
            &format!("/admin/users/{operator}/"),
            &admin_token,
            json!({"is_staff": true}),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text);
    let (status, cookie) = app.console_login(&mobile, "secret123").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let dashboard = app
        .client
        .get(format!("{}/console", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let demoted = app
        .json(
            Method::PATCH,
            &format!("/admin/users/{operator}/"),
            &admin_token,
            json!({"is_staff": false}),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text);
    let refused = app
        .client
        .get(format!("{}/console", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let after = app
        .client
        .get(format!("{}/console", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session ended");
    assert!(after.headers()[LOCATION]
        .to_str()
        .unwrap()
        .ends_with("/console/login"));
}

/// A 320×180 PNG cover (a colour gradient), written to a file chromium can upload.
fn cover_file(dir: &std::path::Path) -> PathBuf {
    let (width, height) = (320u32, 180u32);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            pixels.extend_from_slice(&[
                (255 * x / width) as u8,
                194,
                (16 + 200 * y / height) as u8,
            ]);
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
    }
    let path = dir.join("cover.png");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Waits for a SQL count to reach `expected`.
async fn count_reaches(app: &TestApp, sql: &str, expected: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.scalar(sql).await != expected {
        assert!(
            std::time::Instant::now() < deadline,
            "{sql} never reached {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fills a form's fields by name and submits it.
async fn submit(client: &Client, form: &str, fields: &[(&str, &str)]) {
    let form = client.form(Locator::Css(form)).await.unwrap();
    for (name, value) in fields {
        form.set_by_name(name, value).await.unwrap();
    }
    form.submit().await.unwrap();
}

/// The message shown beside a field, once the page shows one.
async fn field_error(client: &Client, field: &str) -> String {
    text_of(
        client,
        &format!(".field-error[data-for='{field}']:not(:empty)"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operators_build_the_catalog_run_a_promotion_and_manage_users_in_a_browser() {
    let app = spawn_app_with(|_| {}).await;
    let driver = Driver::start();
    let profile = tempfile_dir("console-catalog-profile");
    let cover = cover_file(&profile);
    let client = browser(&driver, &profile).await;
    let base = app.base.clone();
    log_in(&client, &base, "admin", "admin12345").await;
    text_of(&client, "#refund-queue").await;

    // A direction (a second one with the same name is refused beside the field), a category.
    client
        .goto(&format!("{base}/console/catalog"))
        .await
        .unwrap();
    submit(&client, "#direction-form", &[("name", "控制台方向")]).await;
    count_reaches(
        &app,
        "SELECT count(*)::bigint AS value FROM course_directions WHERE name = '控制台方向'",
        1,
    )
    .await;
    text_of(&client, "#direction-form").await;
    submit(&client, "#direction-form", &[("name", "控制台方向")]).await;
    assert!(field_error(&client, "direction.name")
        .await
        .contains("已存在"));
    let direction = app
        .scalar("SELECT id AS value FROM course_directions WHERE name = '控制台方向'")
        .await;
    submit(
        &client,
        "#category-form",
        &[
            ("name", "控制台分类"),
            ("direction_id", &direction.to_string()),
        ],
    )
    .await;
    count_reaches(
        &app,
        "SELECT count(*)::bigint AS value FROM course_categories WHERE name = '控制台分类'",
        1,
    )
    .await;
    let category = app
        .scalar("SELECT id AS value FROM course_categories WHERE name = '控制台分类'")
        .await;

    // A teacher with an avatar uploaded from the disk.
    text_of(&client, "#teacher-form").await;
    let form = client.form(Locator::Css("#teacher-form")).await.unwrap();
    form.set_by_name("name", "控制台讲师").await.unwrap();
    form.set_by_name("title", "架构师").await.unwrap();
    client
        .find(Locator::Css("#teacher-form input[name='avatar']"))
        .await
        .unwrap()
        .send_keys(cover.to_str().unwrap())
        .await
        .unwrap();
    form.submit().await.unwrap();
    count_reaches(&app, "SELECT count(*)::bigint AS value FROM teachers WHERE name = '控制台讲师' AND avatar LIKE '%.png'", 1).await;
    let teacher = app
        .scalar("SELECT id AS value FROM teachers WHERE name = '控制台讲师'")
        .await;
    text_of(&client, &format!("#teacher-{teacher} img.avatar")).await;
    // The teacher's form filled in again: a new title, the avatar kept.
    client
        .goto(&format!("{base}/console/catalog?teacher={teacher}"))
        .await
        .unwrap();
    submit(&client, "#teacher-form", &[("title", "首席架构师")]).await;
    count_reaches(
        &app,
        &format!("SELECT count(*)::bigint AS value FROM teachers WHERE id = {teacher} AND title = '首席架构师' AND avatar LIKE '%.png'"),
        1,
    )
    .await;
    text_of(&client, &format!("#teacher-{teacher} img.avatar")).await;
    screenshot(&client, "catalog.png").await;

    // A course with a cover: a price that is not money is refused beside the price first.
    client
        .goto(&format!("{base}/console/courses"))
        .await
        .unwrap();
    let fill_course = |price: &'static str| {
        let client = client.clone();
        let cover = cover.clone();
        let (direction, category, teacher) = (
            direction.to_string(),
            category.to_string(),
            teacher.to_string(),
        );
        async move {
            let form = client.form(Locator::Css("#course-form")).await.unwrap();
            for (name, value) in [
                ("name", "控制台课程"),
                ("price", price),
                ("direction_id", direction.as_str()),
                ("category_id", category.as_str()),
                ("teacher_id", teacher.as_str()),
                ("description", "<p>从零开始</p>"),
            ] {
                form.set_by_name(name, value).await.unwrap();
            }
            client
                .find(Locator::Css("#course-form input[name='course_cover']"))
                .await
                .unwrap()
                .send_keys(cover.to_str().unwrap())
                .await
                .unwrap();
            form.submit().await.unwrap();
        }
    };
    fill_course("两百").await;
    assert!(field_error(&client, "price").await.contains("课程价格"));
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM courses WHERE name = '控制台课程'")
            .await,
        0,
        "nothing written on a refusal"
    );
    fill_course("200").await;
    let course_id: i64 = text_of(&client, "#course-id").await.parse().unwrap();
    let cover_src = client
        .find(Locator::Css("#course-cover"))
        .await
        .unwrap()
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    let served = app
        .client
        .get(format!("{base}{cover_src}"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        std::fs::read(&cover).unwrap().as_slice(),
        "the cover is stored as uploaded"
    );

    // A chapter and a lesson.
    submit(&client, "#chapter-form", &[("name", "入门")]).await;
    let chapter_form = "#chapters .chapter form.lesson-form";
    text_of(&client, chapter_form).await;
    submit(
        &client,
        chapter_form,
        &[("name", "环境搭建"), ("duration", "12:30")],
    )
    .await;
    count_reaches(
        &app,
        "SELECT count(*)::bigint AS value FROM course_lessons WHERE name = '环境搭建'",
        1,
    )
    .await;
    let lesson = app
        .scalar("SELECT id AS value FROM course_lessons WHERE name = '环境搭建'")
        .await;
    text_of(&client, &format!("#lesson-{lesson}")).await;
    // Renamed and hidden in its row: the course's lesson count follows.
    let edit = client
        .form(Locator::Css(&format!("#lesson-{lesson} form")))
        .await
        .unwrap();
    edit.set_by_name("name", "开发环境搭建").await.unwrap();
    client
        .find(Locator::Css(&format!(
            "#lesson-{lesson} input[name='is_show']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    edit.submit().await.unwrap();
    count_reaches(
        &app,
        &format!(
            "SELECT count(*)::bigint AS value FROM courses WHERE id = {course_id} AND lessons = 0"
        ),
        1,
    )
    .await;
    assert_eq!(
        app.scalar(&format!("SELECT count(*)::bigint AS value FROM course_lessons WHERE id = {lesson} AND name = '开发环境搭建' AND NOT is_show"))
            .await,
        1
    );
    screenshot(&client, "course.png").await;
    client
        .goto(&format!("{base}/console/courses?q=控制台"))
        .await
        .unwrap();
    assert!(text_of(&client, &format!("#course-{course_id}"))
        .await
        .contains("¥200.00"));
    screenshot(&client, "courses.png").await;

    // A 折扣 promotion on it: a window that ends before it starts is refused beside the end.
    client
        .goto(&format!("{base}/console/promotions"))
        .await
        .unwrap();
    let course_text = course_id.to_string();
    let promotion = |end: &'static str| {
        let client = client.clone();
        let course_text = course_text.clone();
        async move {
            submit(
                &client,
                "#promotion-form",
                &[
                    ("name", "控制台五折"),
                    ("sale", "*0.5"),
                    ("condition", "100"),
                    ("start_time", "2020-01-01 00:00:00"),
                    ("end_time", end),
                    ("course_ids", &course_text),
                ],
            )
            .await;
        }
    };
    promotion("2019-01-01 00:00:00").await;
    assert!(field_error(&client, "end_time").await.contains("晚于"));
    promotion("2099-01-01 00:00:00").await;
    count_reaches(
        &app,
        "SELECT count(*)::bigint AS value FROM activities WHERE name = '控制台五折'",
        1,
    )
    .await;
    let row = text_of(&client, "#promotions tbody tr").await;
    assert!(
        row.contains("限时折扣") && row.contains("5折") && row.contains("¥100.00"),
        "{row}"
    );
    screenshot(&client, "promotions.png").await;
    let buyer = app.login_demo().await;
    app.fill_cart(&buyer, &[course_id]).await;
    let quoted = app
        .json(
            Method::POST,
            "/orders/quote/",
            &buyer,
            json!({"pay_type": 0}),
        )
        .await;
    assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.text);
    assert_eq!(quoted.json["real_price"], 100.0, "{}", quoted.text);
    // Changed to 减免 of 30 in its form: the next quote follows.
    let promotion_id = app
        .scalar("SELECT id AS value FROM activities WHERE name = '控制台五折'")
        .await;
    client
        .goto(&format!("{base}/console/promotions?edit={promotion_id}"))
        .await
        .unwrap();
    submit(&client, "#promotion-form", &[("sale", "-30")]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let quoted = app
            .json(
                Method::POST,
                "/orders/quote/",
                &buyer,
                json!({"pay_type": 0}),
            )
            .await;
        if quoted.json["real_price"] == 170.0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", quoted.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text_of(&client, &format!("#promotion-{promotion_id}"))
        .await
        .contains("减¥30.00"));

    // Users: find the buyer, top the balance up, set points (a bad number refused first),
    // refuse to demote oneself, deactivate another account.
    client
        .goto(&format!("{base}/console/users?q=luffy"))
        .await
        .unwrap();
    let buyer_id = app.user_id("luffy").await;
    text_of(&client, &format!("#user-{buyer_id}")).await;
    // The shown rows filter and sort in the page.
    let filter = client
        .find(Locator::Css("#users-region input.row-filter"))
        .await
        .unwrap();
    filter.send_keys("no-such-user").await.unwrap();
    let visible = client
        .execute(
            "return Array.from(document.querySelectorAll('#users tbody tr')).filter(r => !r.hidden).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(visible, json!(0));
    filter.clear().await.unwrap();
    filter.send_keys("luffy").await.unwrap();
    text_of(&client, &format!("#user-{buyer_id}")).await;
    screenshot(&client, "users.png").await;
    client
        .goto(&format!("{base}/console/users/{buyer_id}"))
        .await
        .unwrap();
    let before = text_of(&client, "#balance").await;
    submit(
        &client,
        "#balance-form",
        &[("amount", "50.5"), ("remark", "活动补偿")],
    )
    .await;
    assert!(text_of(&client, "#notice").await.starts_with("充值成功"));
    assert_ne!(text_of(&client, "#balance").await, before);
    assert!(text_of(&client, "#ledger").await.contains("活动补偿"));
    submit(&client, "#credit-form", &[("amount", "-5")]).await;
    assert!(field_error(&client, "credit.amount").await.contains("积分"));
    submit(
        &client,
        "#credit-form",
        &[("amount", "888"), ("remark", "客服补偿")],
    )
    .await;
    text_becomes(&client, "#points", "888").await;
    screenshot(&client, "user.png").await;
    let admin_id = app.user_id("admin").await;
    client
        .goto(&format!("{base}/console/users/{admin_id}"))
        .await
        .unwrap();
    click(&client, "#revoke-staff").await;
    assert!(field_error(&client, "state").await.contains("不能"));
    let (_, mobile) = app.register_user().await;
    let other = app.user_id(&mobile).await;
    client
        .goto(&format!("{base}/console/users/{other}"))
        .await
        .unwrap();
    click(&client, "#deactivate").await;
    text_of(&client, "#activate").await;
    assert!(text_of(&client, "#account-state").await.contains("已停用"));

    // A coupon's page: grant it, a stock below what is granted is refused beside the field,
    // a change is saved, the grant is revoked.
    let coupon = app
        .scalar("SELECT max(id)::bigint AS value FROM coupons")
        .await;
    let (_, holder) = app.register_user().await;
    client
        .goto(&format!("{base}/console/coupons"))
        .await
        .unwrap();
    submit(
        &client,
        &format!("#coupon-{coupon} form.grant-form"),
        &[("users", &holder)],
    )
    .await;
    text_becomes(&client, "#notice", "已发放1张优惠券!").await;
    client
        .goto(&format!("{base}/console/coupons/{coupon}"))
        .await
        .unwrap();
    let granted = text_of(&client, "#granted").await;
    submit(&client, "#coupon-change", &[("total", "0")]).await;
    assert!(
        field_error(&client, "total").await.contains("发行总量"),
        "granted {granted}"
    );
    submit(
        &client,
        "#coupon-change",
        &[("total", "500"), ("name", "控制台改名券")],
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !text_of(&client, "#coupon-name")
        .await
        .contains("控制台改名券")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the new name never showed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let grant = app
        .scalar(&format!(
            "SELECT max(id)::bigint AS value FROM coupon_logs WHERE coupon_id = {coupon}"
        ))
        .await;
    click(&client, &format!("#grant-{grant} button.revoke")).await;
    text_becomes(&client, "#notice", "已撤回该优惠券!").await;
    screenshot(&client, "coupon.png").await;

    // A coupon for the new course only: an id that does not read is refused beside the ids.
    client
        .goto(&format!("{base}/console/coupons"))
        .await
        .unwrap();
    let scoped = |ids: String| {
        let client = client.clone();
        async move {
            submit(
                &client,
                "#coupon-form",
                &[
                    ("name", "控制台课程券"),
                    ("sale", "-10"),
                    ("coupon_type", "3"),
                    ("scope_ids", &ids),
                    ("start_time", "2020-01-01 00:00:00"),
                    ("end_time", "2099-01-01 00:00:00"),
                ],
            )
            .await;
        }
    };
    scoped("第九门".into()).await;
    assert!(field_error(&client, "scope_ids").await.contains("无效"));
    scoped(course_id.to_string()).await;
    count_reaches(
        &app,
        &format!("SELECT count(*)::bigint AS value FROM coupon_courses cc JOIN coupons c ON c.id = cc.coupon_id WHERE c.name = '控制台课程券' AND cc.course_id = {course_id}"),
        1,
    )
    .await;

    // The audit trail holds each change, filtered by kind of row; a bad day is refused.
    client
        .goto(&format!("{base}/console/audit?entity=course"))
        .await
        .unwrap();
    let trail = text_of(&client, "#audit").await;
    assert!(
        trail.contains("course.create") && !trail.contains("user.balance"),
        "{trail}"
    );
    screenshot(&client, "audit.png").await;
    client
        .goto(&format!("{base}/console/audit?from=yesterday"))
        .await
        .unwrap();
    assert!(field_error(&client, "from").await.contains("YYYY-MM-DD"));
    for action in [
        "direction.create",
        "category.create",
        "teacher.create",
        "course.create",
        "chapter.create",
        "lesson.create",
        "lesson.update",
        "promotion.create",
        "promotion.update",
        "teacher.update",
        "user.balance",
        "user.credit",
        "user.state",
        "coupon.update",
        "coupon_grant.revoke",
    ] {
        assert!(
            app.scalar(&format!(
                "SELECT count(*)::bigint AS value FROM audit_log WHERE action = '{action}'"
            ))
            .await
                >= 1,
            "{action} audited"
        );
    }

    // Orders: a filter that does not read is refused beside it; sorting by amount.
    client
        .goto(&format!("{base}/console/orders?min=abc"))
        .await
        .unwrap();
    assert!(field_error(&client, "min").await.contains("金额"));
    client
        .goto(&format!("{base}/console/orders"))
        .await
        .unwrap();
    click(&client, "#sort-price").await;
    url_contains(&client, "ordering=-real_price").await;
    text_becomes(&client, "#sort-price", "实付 ↓").await;

    // 390 px wide.
    client.set_window_size(390, 900).await.unwrap();
    client
        .goto(&format!("{base}/console/courses/{course_id}"))
        .await
        .unwrap();
    text_of(&client, "#course-id").await;
    screenshot(&client, "course-390.png").await;
    client.close().await.unwrap();
    luffy_e2e::assert_invariants(&app.database.url).await;
}
