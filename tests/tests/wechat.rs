//! WeChat Pay (Native) end to end through the built-in WeChat sandbox: paying once, the
//! cashier, forged / re-signed / stale / probe / wrong-key notifies, cancel-then-pay, the
//! buyer's refund, and the timeout closing the trade.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use chrono::Utc;
use luffy_e2e::{fixture_keys_dir, spawn_app, spawn_app_with, TestApp};
use luffy_order::OrderStatus;
use luffy_payment_wechat::keys::parse_private_key;
use luffy_payment_wechat::sign::{nonce, response_message, sign};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Creates a WeChat order for the demo user; returns (token, order number, id).
async fn order(app: &TestApp, courses: &[i64]) -> (String, String, i64) {
    let token = app.login_demo().await;
    app.fill_cart(&token, courses).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 1}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (
        token,
        created.json["order_number"].as_str().unwrap().to_owned(),
        created.json["id"].as_i64().unwrap(),
    )
}

/// Starts the payment: `{code_url, expires_at, cashier}`.
async fn start(app: &TestApp, token: &str, number: &str) -> Value {
    let started = app.get(&format!("/payments/wechat/{number}/"), token).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    started.json
}

async fn set_mode(app: &TestApp, mode: Value) {
    let answer = app
        .send(
            app.request(Method::PUT, "/sandbox/wechat/control/mode")
                .json(&mode),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

async fn press_pay(app: &TestApp, number: &str) {
    let paid = app
        .send(app.request(
            Method::POST,
            &format!("/sandbox/wechat/control/pay/{number}"),
        ))
        .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
}

async fn trade(app: &TestApp, number: &str) -> Value {
    let trade = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/wechat/control/trades/{number}"),
        ))
        .await;
    assert_eq!(trade.status, StatusCode::OK, "{}", trade.text);
    trade.json
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
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

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(&format!("SELECT count(*)::bigint AS value FROM {sql}"))
        .await
}

/// A freshly signed notify for a paid trade, as the sandbox would send it.
async fn signed_notify(app: &TestApp, number: &str) -> (String, Vec<(String, String)>) {
    let notify = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/wechat/control/notify/{number}"),
        ))
        .await;
    assert_eq!(notify.status, StatusCode::OK, "{}", notify.text);
    let headers = notify.json["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (notify.json["body"].as_str().unwrap().to_owned(), headers)
}

async fn post_notify(
    app: &TestApp,
    body: &str,
    headers: &[(String, String)],
) -> (StatusCode, String) {
    let mut request = app
        .client
        .post(format!("{}/payments/wechat/notify", app.base))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let answer = request.send().await.unwrap();
    (answer.status(), answer.text().await.unwrap())
}

fn with_header(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            if n.eq_ignore_ascii_case(name) {
                (n.clone(), value.to_owned())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

/// Headers signing `body` with `key` at `timestamp`, under `serial`.
fn resigned(key_file: &str, body: &str, timestamp: i64, serial: &str) -> Vec<(String, String)> {
    let key =
        parse_private_key(&std::fs::read_to_string(fixture_keys_dir().join(key_file)).unwrap())
            .unwrap();
    let timestamp = timestamp.to_string();
    let nonce = nonce();
    let signature = sign(&key, &response_message(&timestamp, &nonce, body.as_bytes())).unwrap();
    vec![
        ("Wechatpay-Timestamp".into(), timestamp),
        ("Wechatpay-Nonce".into(), nonce),
        ("Wechatpay-Serial".into(), serial.into()),
        ("Wechatpay-Signature".into(), signature),
    ]
}

type Headers = Vec<(String, String)>;

const SERIAL: &str = "PUB_KEY_ID_0000000000000000000000000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_order_paid_with_wechat_is_paid_once_owned_and_shown() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[1, 7]).await;
    // The order's channel is fixed at checkout.
    let alipay = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(alipay.status, StatusCode::BAD_REQUEST);
    assert_eq!(alipay.errmsg(), "请使用微信支付该订单!");

    let started = start(&app, &token, &number).await;
    let code_url = started["code_url"].as_str().unwrap();
    assert!(code_url.contains("/sandbox/wechat/scan/"), "{code_url}");
    let cashier_url = started["cashier"].as_str().unwrap().to_owned();
    let cashier = app.client.get(&cashier_url).send().await.unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    let html = cashier.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains(&number), "{html}");
    // The WeChat trade holds the order's amount in fen and its deadline.
    let opened = trade(&app, &number).await;
    let real_price: f64 = app.get(&format!("/orders/{id}/"), &token).await.json["real_price"]
        .as_f64()
        .unwrap();
    assert_eq!(
        opened["total"].as_i64().unwrap(),
        (real_price * 100.0).round() as i64
    );
    assert_eq!(opened["trade_state"], "NOTPAY");
    // The buyer's phone.
    let scan = app
        .client
        .get(code_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(scan.contains("确认支付"), "{scan}");

    let query_url = cashier_url.replace("/cashier/", "/query/");
    let unpaid = app.client.get(&query_url).send().await.unwrap();
    assert_eq!(unpaid.status(), StatusCode::BAD_REQUEST);

    press_pay(&app, &number).await;
    wait_until("the notify to pay the order", || async {
        app.order_status(id).await == OrderStatus::Paid
    })
    .await;
    assert_eq!(
        count(
            &app,
            &format!("payments WHERE order_id = {id} AND channel = 'wechat' AND status = 'paid'")
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "user_courses u JOIN users s ON s.id = u.user_id WHERE s.username = 'luffy' AND u.course_id IN (1, 7)").await,
        2
    );
    let paid = app.client.get(&query_url).send().await.unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    let result = app
        .client
        .get(cashier_url.replace("/cashier/", "/result/"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        result["course_list"].as_array().unwrap().len(),
        2,
        "{result}"
    );
    // A cashier token opens only its own order, and never logs in.
    let token_param = cashier_url.split("?t=").nth(1).unwrap();
    assert_eq!(
        app.get("/users/me/", token_param).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The notify's replay changes nothing; the owner's query still says paid.
    let (body, headers) = signed_notify(&app, &number).await;
    assert_eq!(
        post_notify(&app, &body, &headers).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        count(&app, &format!("payments WHERE order_id = {id}")).await,
        1
    );
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .contains("luffy_payment_notifies_total{channel=\"wechat\",outcome=\"fulfilled\"} 1"),
        "{metrics}"
    );
    // The console shows the payment by channel, and the dashboard WeChat's revenue.
    let cookie = console_login(&app).await;
    let page = |path: String| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let answer = app
                .client
                .get(format!("{}{path}", app.base))
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "{path}");
            answer.text().await.unwrap()
        }
    };
    let order_page = page(format!("/console/orders/{id}")).await;
    let transaction_id = app
        .scalar(&format!("SELECT count(*)::bigint AS value FROM payments WHERE order_id = {id} AND trade_no LIKE '4200%'"))
        .await;
    assert_eq!(transaction_id, 1);
    assert!(order_page.contains("<td>微信</td>"), "{order_page}");
    let dashboard = page("/console/".into()).await;
    assert!(dashboard.contains("其中微信"), "{dashboard}");
    luffy_e2e::assert_invariants(&app.database.url).await;
}

/// Logs the demo operator into the console over plain HTTP; answers the session cookie.
async fn console_login(app: &TestApp) -> String {
    let cookie_of = |headers: &reqwest::header::HeaderMap| {
        headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("luffy_console="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
    };
    let login = app
        .client
        .get(format!("{}/console/login", app.base))
        .send()
        .await
        .unwrap();
    let cookie = cookie_of(login.headers()).unwrap();
    let html = login.text().await.unwrap();
    let start = html.find(r#"name="csrf" value=""#).unwrap() + 19;
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let answer = app
        .client
        .post(format!("{}/console/login", app.base))
        .header("Cookie", &cookie)
        .form(&[
            ("username", "admin"),
            ("password", "admin12345"),
            ("csrf", csrf),
        ])
        .send()
        .await
        .unwrap();
    cookie_of(answer.headers()).unwrap_or(cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_resigned_stale_probe_and_wrong_key_notifies_change_nothing() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[2]).await;
    start(&app, &token, &number).await;
    set_mode(&app, json!({"drop_notifies": true})).await;
    press_pay(&app, &number).await;
    let (body, headers) = signed_notify(&app, &number).await;

    let mut forged = body.clone();
    forged = forged.replacen("\"ciphertext\":\"", "\"ciphertext\":\"A", 1);
    let now = Utc::now().timestamp();
    let attempts: Vec<(&str, String, Headers)> = vec![
        ("a changed body", forged.clone(), headers.clone()),
        (
            "a body re-signed with the merchant's key",
            body.clone(),
            resigned("wechat_merchant_private_key.pem", &body, now, SERIAL),
        ),
        (
            "a stale timestamp (301 s)",
            body.clone(),
            resigned("wechat_sandbox_private_key.pem", &body, now - 301, SERIAL),
        ),
        (
            "a SIGNTEST probe",
            body.clone(),
            with_header(
                &headers,
                "Wechatpay-Signature",
                "WECHATPAY/SIGNTEST/bm90IGEgc2lnbmF0dXJl",
            ),
        ),
        (
            "an unknown serial",
            body.clone(),
            with_header(&headers, "Wechatpay-Serial", "PUB_KEY_ID_9999"),
        ),
        (
            "a re-signed body whose ciphertext does not decrypt",
            forged.clone(),
            resigned("wechat_sandbox_private_key.pem", &forged, now, SERIAL),
        ),
    ];
    for (what, body, headers) in attempts {
        let (status, answer) = post_notify(&app, &body, &headers).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["code"], "FAIL", "{what}");
    }
    assert_eq!(app.order_status(id).await, OrderStatus::Unpaid);
    assert_eq!(
        count(&app, &format!("payments WHERE order_id = {id}")).await,
        0
    );
    // The real one pays, once; its replays change nothing.
    for _ in 0..3 {
        let (status, answer) = post_notify(&app, &body, &headers).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    }
    assert_eq!(app.order_status(id).await, OrderStatus::Paid);
    assert_eq!(
        count(&app, &format!("payments WHERE order_id = {id}")).await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_after_cancel_is_refunded_once_through_wechat() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[3]).await;
    start(&app, &token, &number).await;
    // The buyer pays on the phone, but the notify is late: the order is cancelled first.
    set_mode(&app, json!({"drop_notifies": true})).await;
    press_pay(&app, &number).await;
    let cancelled = app
        .send(app.authed(Method::PUT, &format!("/orders/{id}/"), &token))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let (body, headers) = signed_notify(&app, &number).await;
    for _ in 0..2 {
        assert_eq!(
            post_notify(&app, &body, &headers).await.0,
            StatusCode::NO_CONTENT
        );
    }
    wait_until("the late payment to be refunded", || async {
        count(
            &app,
            &format!("payments WHERE order_id = {id} AND status = 'refunded'"),
        )
        .await
            == 1
    })
    .await;
    let refunded = trade(&app, &number).await;
    assert_eq!(
        refunded["refunds"].as_object().unwrap().len(),
        1,
        "{refunded}"
    );
    let total = refunded["total"].as_i64().unwrap();
    let refund = refunded["refunds"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(refund["refund"].as_i64().unwrap(), total);
    assert_eq!(app.order_status(id).await, OrderStatus::Cancelled);
    assert_eq!(count(&app, &format!("jobs WHERE order_id = {id} AND kind = 'trade_refund' AND payload LIKE '%\"wechat\"%'")).await, 1);
    luffy_e2e::assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_buyers_refund_goes_back_through_wechat_and_the_query_settles_a_slow_one() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[4]).await;
    start(&app, &token, &number).await;
    press_pay(&app, &number).await;
    wait_until("the order to be paid", || async {
        app.order_status(id).await == OrderStatus::Paid
    })
    .await;
    // WeChat answers PROCESSING at first; the refund query finds it done later.
    set_mode(&app, json!({"refund_processing_ms": 300})).await;
    let asked = app
        .json(
            Method::POST,
            &format!("/orders/{id}/refund/"),
            &token,
            json!({"reason": "不想学了"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let request_no = asked.json["out_request_no"].as_str().unwrap().to_owned();
    wait_until("the refund to be refunded", || async {
        let listed = app.get(&format!("/orders/{id}/refunds/"), &token).await;
        listed
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "refunded")
    })
    .await;
    let refunded = trade(&app, &number).await;
    let refunds = refunded["refunds"].as_object().unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refunds[&request_no]["refund"].as_i64(),
        refunded["total"].as_i64()
    );
    assert_eq!(refunds[&request_no]["status"], "SUCCESS");
    assert_eq!(app.order_status(id).await, OrderStatus::Refunded);
    luffy_e2e::assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_timeout_closes_the_wechat_trade() {
    let app = spawn_app_with(|s| {
        s.order_timeout_secs = 1;
        s.worker_poll_ms = 50;
    })
    .await;
    let (token, number, id) = order(&app, &[5]).await;
    start(&app, &token, &number).await;
    wait_until("the order to time out", || async {
        app.order_status(id).await == OrderStatus::TimedOut
    })
    .await;
    assert_eq!(trade(&app, &number).await["trade_state"], "CLOSED");
    // The phone can no longer pay it.
    let late = app
        .send(app.request(
            Method::POST,
            &format!("/sandbox/wechat/control/pay/{number}"),
        ))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_without_wechat_pay_refuses_pay_type_1() {
    let app = spawn_app_with(|s| s.wechat_mchid = String::new()).await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    for path in ["/orders/quote/", "/orders/"] {
        let refused = app
            .json(Method::POST, path, &token, json!({"pay_type": 1}))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(refused.errmsg(), "微信支付暂不可用,请选择其他支付方式!");
    }
    assert_eq!(count(&app, "orders").await, 0);
    assert_eq!(
        app.get("/payments/wechat/202612020000000100000001/", &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sandbox_refuses_unsigned_stale_and_forged_requests() {
    use luffy_payment_wechat::Authorization;
    let app = spawn_app().await;
    let key = parse_private_key(
        &std::fs::read_to_string(fixture_keys_dir().join("wechat_merchant_private_key.pem"))
            .unwrap(),
    )
    .unwrap();
    let path = "/v3/pay/transactions/out-trade-no/NO-SUCH-ORDER?mchid=1900000001";
    let ask = |header: Option<String>| {
        let app = &app;
        async move {
            let mut request = app.client.get(format!("{}/sandbox/wechat{path}", app.base));
            if let Some(header) = header {
                request = request.header("Authorization", header);
            }
            let answer = request.send().await.unwrap();
            let signed = answer.headers().contains_key("Wechatpay-Signature");
            let status = answer.status();
            (status, signed, answer.json::<Value>().await.unwrap())
        }
    };
    let sign_at = |timestamp: i64, mchid: &str| {
        Authorization::sign_request(mchid, "6B0C", &key, "GET", path, "", timestamp, &nonce())
            .unwrap()
    };
    let now = Utc::now().timestamp();
    // Fields in another order are fine: the answer is the trade's 404.
    let good = sign_at(now, "1900000001");
    let reordered = format!(
        r#"WECHATPAY2-SHA256-RSA2048 serial_no="{}",timestamp="{}",signature="{}",nonce_str="{}",mchid="{}""#,
        good.serial_no, good.timestamp, good.signature, good.nonce_str, good.mchid
    );
    let (status, signed, body) = ask(Some(reordered)).await;
    assert_eq!((status, signed), (StatusCode::NOT_FOUND, true));
    assert_eq!(body["code"], "ORDER_NOT_EXIST");
    let mut forged = sign_at(now, "1900000001");
    forged.signature = sign_at(now - 1, "1900000001").signature;
    for (what, header) in [
        ("no header", None),
        ("stale", Some(sign_at(now - 301, "1900000001").header())),
        (
            "another merchant",
            Some(sign_at(now, "1900000002").header()),
        ),
        ("a signature over something else", Some(forged.header())),
    ] {
        let (status, signed, body) = ask(header).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(signed, "{what}: even refusals are signed");
        assert_eq!(body["code"], "SIGN_ERROR", "{what}");
    }
}
