//! Daily reconciliation against the channels' bills, driven through the sandboxes: planted
//! differences (a payment the database never recorded, an amount changed, a refund the channel
//! never made, a payment on the next day's bill) are found exactly, 长款 is settled through the
//! payment path, a rerun changes nothing, and a truncated bill is refused with nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use luffy_e2e::{spawn_app, TestApp};
use luffy_order::OrderStatus;
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The Beijing day two days ago: old enough that its neighbours' bills are out.
fn planted_day() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive() - chrono::Duration::days(2)
}

/// A Beijing wall-clock time of a day, as an instant.
fn beijing(day: NaiveDate, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(day.and_hms_opt(hour, minute, second).unwrap(), Utc)
        - chrono::Duration::hours(8)
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An order of the demo buyer for one course, on `pay_type`; (token, number, id).
async fn order(app: &TestApp, course: i64, pay_type: i64) -> (String, String, i64) {
    let token = app.login_demo().await;
    app.fill_cart(&token, &[course]).await;
    let created = app
        .json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": pay_type}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (
        token,
        created.json["order_number"].as_str().unwrap().to_owned(),
        created.json["id"].as_i64().unwrap(),
    )
}

/// Pays an Alipay order through the sandbox's cashier.
async fn pay_alipay(app: &TestApp, token: &str, number: &str) {
    let link = app.get(&format!("/payments/alipay/{number}/"), token).await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    let cashier = app
        .client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    app.press_pay(number).await;
}

async fn wait_paid(app: &TestApp, id: i64) {
    wait_for("the order to be paid", || async {
        app.order_status(id).await == OrderStatus::Paid
    })
    .await;
}

async fn sandbox(app: &TestApp, method: Method, path: &str, body: Value) {
    let answer = app.send(app.request(method, path).json(&body)).await;
    assert!(
        answer.status.is_success(),
        "{path}: {} {}",
        answer.status,
        answer.text
    );
}

/// Moves our payment of an order and the channel's trade to `at`.
async fn move_payment(
    app: &TestApp,
    channel: &str,
    id: i64,
    number: &str,
    ours: DateTime<Utc>,
    theirs: DateTime<Utc>,
) {
    app.sql(&format!(
        "UPDATE payments SET created_time = '{}' WHERE order_id = {id}",
        ours.to_rfc3339()
    ))
    .await;
    sandbox(
        app,
        Method::PUT,
        &format!("/sandbox/{channel}/control/trades/{number}/paid-at"),
        json!({"at": theirs.to_rfc3339()}),
    )
    .await;
}

async fn admin(app: &TestApp) -> String {
    app.login("admin", "admin12345").await
}

async fn run(app: &TestApp, token: &str, channel: &str, day: NaiveDate) -> luffy_e2e::TestResponse {
    app.json(
        Method::POST,
        "/admin/reconciliations/run/",
        token,
        json!({"channel": channel, "date": day.to_string()}),
    )
    .await
}

fn kinds(day: &Value) -> Vec<(String, String)> {
    day["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["order_number"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_day_of_alipay_is_reconciled_to_exactly_the_planted_differences() {
    let app = spawn_app().await;
    let day = planted_day();
    let next_day = day.succ_opt().unwrap();

    // A: paid and agreed.
    let (token, a, a_id) = order(&app, 1, 0).await;
    pay_alipay(&app, &token, &a).await;
    wait_paid(&app, a_id).await;
    move_payment(
        &app,
        "alipay",
        a_id,
        &a,
        beijing(day, 10, 0, 0),
        beijing(day, 10, 0, 5),
    )
    .await;

    // B: paid at the channel, but the notify never came and nobody asked (长款).
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let (token, b, b_id) = order(&app, 2, 0).await;
    pay_alipay(&app, &token, &b).await;
    app.set_sandbox_mode(json!({})).await;
    sandbox(
        &app,
        Method::PUT,
        &format!("/sandbox/alipay/control/trades/{b}/paid-at"),
        json!({"at": beijing(day, 11, 0, 0).to_rfc3339()}),
    )
    .await;
    assert_eq!(app.order_status(b_id).await, OrderStatus::Unpaid);

    // C: paid, then our record of the amount changed.
    let (token, c, c_id) = order(&app, 6, 0).await;
    pay_alipay(&app, &token, &c).await;
    wait_paid(&app, c_id).await;
    move_payment(
        &app,
        "alipay",
        c_id,
        &c,
        beijing(day, 12, 0, 0),
        beijing(day, 12, 0, 3),
    )
    .await;
    app.sql(&format!(
        "UPDATE payments SET amount = amount - 1 WHERE order_id = {c_id}"
    ))
    .await;

    // E: paid and refunded through luffy, but the channel has no such refund.
    let (token, e, e_id) = order(&app, 7, 0).await;
    pay_alipay(&app, &token, &e).await;
    wait_paid(&app, e_id).await;
    let asked = app
        .json(
            Method::POST,
            &format!("/orders/{e_id}/refund/"),
            &token,
            json!({"reason": "对账测试"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let refund_no = app
        .scalar(&format!(
            "SELECT count(*)::bigint AS value FROM refunds WHERE order_id = {e_id}"
        ))
        .await;
    assert_eq!(refund_no, 1);
    wait_for("the refund to be paid back", || async {
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM refunds WHERE order_id = {e_id} AND status = 'refunded'"
        ))
        .await
            == 1
    })
    .await;
    move_payment(
        &app,
        "alipay",
        e_id,
        &e,
        beijing(day, 9, 0, 0),
        beijing(day, 9, 0, 2),
    )
    .await;
    app.sql(&format!(
        "UPDATE refunds SET updated_time = '{}' WHERE order_id = {e_id}",
        beijing(day, 13, 0, 0).to_rfc3339()
    ))
    .await;
    let trade = app
        .send(app.request(Method::GET, &format!("/sandbox/alipay/control/trades/{e}")))
        .await;
    let request_no = trade.json["refund_requests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    sandbox(
        &app,
        Method::DELETE,
        &format!("/sandbox/alipay/control/trades/{e}/refunds/{request_no}"),
        json!({}),
    )
    .await;

    // M: recorded just before midnight, billed just after: on the next day's bill.
    let (token, m, m_id) = order(&app, 8, 0).await;
    pay_alipay(&app, &token, &m).await;
    wait_paid(&app, m_id).await;
    move_payment(
        &app,
        "alipay",
        m_id,
        &m,
        beijing(day, 23, 59, 30),
        beijing(next_day, 0, 0, 20),
    )
    .await;

    let operator = admin(&app).await;
    let first = run(&app, &operator, "alipay", day).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(
        kinds(&first.json),
        vec![
            ("amount_differs".to_owned(), c.clone()),
            ("long".to_owned(), b.clone()),
            ("refund_missing".to_owned(), e.clone()),
        ],
        "{}",
        first.text
    );
    assert_eq!(
        first.json["matched"], 2,
        "A and E's payment agree: {}",
        first.text
    );
    assert_eq!(first.json["bill_payments"], 4);
    let findings = first.json["findings"].as_array().unwrap();
    assert_eq!(
        (
            findings[0]["bill_amount"].as_f64(),
            findings[0]["our_amount"].as_f64()
        ),
        (Some(299.0), Some(298.0))
    );
    assert_eq!(findings[1]["resolution"], "已查询确认,补记支付,订单已支付");
    assert_eq!(
        findings[2]["resolution"], "",
        "a missing refund waits for an operator"
    );
    // 长款 was settled through the payment path: B is paid and owned now.
    assert_eq!(app.order_status(b_id).await, OrderStatus::Paid);
    assert_eq!(first.json["open_findings"], 2);

    // A rerun of the same day changes nothing but its count.
    let second = run(&app, &operator, "alipay", day).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.json["findings"], first.json["findings"]);
    assert_eq!(second.json["matched"], first.json["matched"]);
    assert_eq!(second.json["runs"], 2);

    // The next day has M, matched to our payment of the day before.
    let next = run(&app, &operator, "alipay", next_day).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text);
    assert_eq!(
        (next.json["matched"].as_i64(), kinds(&next.json).len()),
        (Some(1), 0),
        "{}",
        next.text
    );

    // The same through the list, the CSV and the console.
    let listed = app
        .get(
            &format!("/admin/reconciliations/?channel=alipay&date={day}"),
            &operator,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.json["count"], 1);
    assert_eq!(
        listed.json["results"][0]["findings"],
        first.json["findings"]
    );
    let all = app.get("/admin/reconciliations/", &operator).await;
    assert_eq!(all.json["count"], 2);
    let csv = app
        .get(
            &format!("/admin/reconciliations/export.csv?channel=alipay&date={day}"),
            &operator,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 4, "{}", csv.text);
    assert!(
        lines[2].contains("长款") && lines[2].contains(&b),
        "{}",
        csv.text
    );
    let (status, cookie) = app.console_login("admin", "admin12345").await;
    assert!(status.is_redirection() || status.is_success(), "{status}");
    let page = app
        .client
        .get(format!(
            "{}/console/reconciliations?channel=alipay&date={day}",
            app.base
        ))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        "长款",
        "金额不符",
        "退款缺失",
        b.as_str(),
        c.as_str(),
        e.as_str(),
        "待处理",
        "已查询确认",
    ] {
        assert!(
            html.contains(needle),
            "{needle} missing from the console page"
        );
    }

    // Metrics count each difference once, however often the day runs.
    let metrics = app.send(app.request(Method::GET, "/metrics")).await;
    for (kind, count) in [("long", 1), ("amount_differs", 1), ("refund_missing", 1)] {
        let line = format!(
            "luffy_reconciliation_findings_total{{channel=\"alipay\",kind=\"{kind}\"}} {count}"
        );
        assert!(metrics.text.contains(&line), "{line} missing");
    }

    // A truncated bill is refused with a clear error, and nothing is stored or changed.
    app.set_sandbox_mode(json!({"bill_truncated": true})).await;
    let before = day.pred_opt().unwrap();
    let refused = run(&app, &operator, "alipay", before).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(
        refused.errmsg().contains("账单格式有误"),
        "{}",
        refused.text
    );
    let rerun = run(&app, &operator, "alipay", next_day).await;
    assert_eq!(rerun.status, StatusCode::BAD_REQUEST);
    let stored = app
        .get(&format!("/admin/reconciliations/?date={before}"), &operator)
        .await;
    assert_eq!(stored.json["count"], 0);
    let kept = app
        .get(
            &format!("/admin/reconciliations/?channel=alipay&date={next_day}"),
            &operator,
        )
        .await;
    assert_eq!(kept.json["results"][0]["runs"], 1);
    app.set_sandbox_mode(json!({})).await;

    // A day whose bill is not out yet is a clear 409; bad input a 400.
    let future = run(&app, &operator, "alipay", day + chrono::Duration::days(5)).await;
    assert_eq!(future.status, StatusCode::CONFLICT, "{}", future.text);
    assert_eq!(
        run(&app, &operator, "balance", day).await.status,
        StatusCode::BAD_REQUEST
    );
    let bad_date = app
        .json(
            Method::POST,
            "/admin/reconciliations/run/",
            &operator,
            json!({"channel": "alipay", "date": "2026-13-01"}),
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    let buyer = app.login_demo().await;
    assert_eq!(
        run(&app, &buyer, "alipay", day).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_day_of_wechat_pay_finds_the_lost_payment_and_settles_it() {
    let app = spawn_app().await;
    let day = planted_day();
    let set_mode = |mode: Value| {
        let app = &app;
        async move { sandbox(app, Method::PUT, "/sandbox/wechat/control/mode", mode).await }
    };
    let start = |token: String, number: String| {
        let app = &app;
        async move {
            let started = app
                .get(&format!("/payments/wechat/{number}/"), &token)
                .await;
            assert_eq!(started.status, StatusCode::OK, "{}", started.text);
        }
    };

    let (token, paid, paid_id) = order(&app, 1, 1).await;
    start(token, paid.clone()).await;
    sandbox(
        &app,
        Method::POST,
        &format!("/sandbox/wechat/control/pay/{paid}"),
        json!({}),
    )
    .await;
    wait_paid(&app, paid_id).await;
    move_payment(
        &app,
        "wechat",
        paid_id,
        &paid,
        beijing(day, 15, 0, 0),
        beijing(day, 15, 0, 1),
    )
    .await;

    set_mode(json!({"drop_notifies": true})).await;
    let (token, lost, lost_id) = order(&app, 2, 1).await;
    start(token, lost.clone()).await;
    sandbox(
        &app,
        Method::POST,
        &format!("/sandbox/wechat/control/pay/{lost}"),
        json!({}),
    )
    .await;
    set_mode(json!({})).await;
    sandbox(
        &app,
        Method::PUT,
        &format!("/sandbox/wechat/control/trades/{lost}/paid-at"),
        json!({"at": beijing(day, 16, 0, 0).to_rfc3339()}),
    )
    .await;

    let operator = admin(&app).await;
    let done = run(&app, &operator, "wechat", day).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(
        kinds(&done.json),
        vec![("long".to_owned(), lost.clone())],
        "{}",
        done.text
    );
    assert_eq!(done.json["matched"], 1);
    assert_eq!(
        done.json["findings"][0]["resolution"],
        "已查询确认,补记支付,订单已支付"
    );
    assert_eq!(app.order_status(lost_id).await, OrderStatus::Paid);

    // `luffy reconcile` runs the same day by hand: nothing new.
    let cli = std::process::Command::new(luffy_e2e::luffy_binary())
        .args([
            "reconcile",
            "--date",
            &day.to_string(),
            "--channel",
            "wechat",
        ])
        .env("LUFFY_DATABASE_URL", &app.database.url)
        .env("LUFFY_REDIS_URL", luffy_e2e::test_redis_url())
        .env("LUFFY_KEYS_DIR", luffy_e2e::fixture_keys_dir())
        .env("LUFFY_MEDIA_DIR", luffy_e2e::test_media_dir())
        .env(
            "LUFFY_ALIPAY_GATEWAY",
            format!("{}/sandbox/alipay/gateway.do", app.base),
        )
        .env(
            "LUFFY_WECHAT_GATEWAY",
            format!("{}/sandbox/wechat", app.base),
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("running luffy reconcile");
    let printed = String::from_utf8_lossy(&cli.stdout);
    assert!(
        cli.status.success(),
        "{printed} {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(
        printed.contains(&format!(
            "wechat {day}: 1 matched, 1 findings (0 new, 0 open)"
        )),
        "{printed}"
    );

    // A download cut short fails its hash: refused, nothing changed.
    set_mode(json!({"bill_truncated": true})).await;
    let refused = run(&app, &operator, "wechat", day).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let kept = app
        .get(
            &format!("/admin/reconciliations/?channel=wechat&date={day}"),
            &operator,
        )
        .await;
    assert_eq!(kept.json["results"][0]["runs"], 2);
    assert_eq!(kept.json["results"][0]["findings"], done.json["findings"]);
}

#[tokio::test]
async fn every_channel_has_its_daily_job_pending_for_the_next_morning() {
    let app = spawn_app().await;
    wait_for("the daily jobs", || async {
        app.scalar("SELECT count(*)::bigint AS value FROM jobs WHERE kind = 'reconcile' AND status = 'pending'")
            .await
            == 2
    })
    .await;
    // At 10:05 Beijing time (02:05 UTC), within the next day.
    let at = app
        .scalar(
            "SELECT count(*)::bigint AS value FROM jobs WHERE kind = 'reconcile'
                 AND to_char(run_at AT TIME ZONE 'UTC', 'HH24:MI:SS') = '02:05:00'
                 AND run_at > now() AND run_at <= now() + interval '1 day'",
        )
        .await;
    assert_eq!(at, 2);

    // Made due now, the Alipay job reconciles yesterday and leaves the next morning's job.
    app.sql(
        "UPDATE jobs SET run_at = now() WHERE kind = 'reconcile' AND payload::jsonb ->> 'channel' = 'alipay'",
    )
    .await;
    let yesterday =
        (Utc::now() + chrono::Duration::hours(8)).date_naive() - chrono::Duration::days(1);
    wait_for("the daily job to reconcile yesterday", || async {
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM reconciliations
             WHERE channel = 'alipay' AND bill_date = '{yesterday}'"
        ))
        .await
            == 1
    })
    .await;
    wait_for("the job to be done with its successor pending", || async {
        app.scalar(
            "SELECT count(*)::bigint AS value FROM jobs WHERE kind = 'reconcile'
             AND payload::jsonb ->> 'channel' = 'alipay'
             AND ((status = 'done') OR (status = 'pending' AND run_at > now()))",
        )
        .await
            == 2
    })
    .await;
}
