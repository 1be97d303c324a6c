//! Alipay end to end through the built-in sandbox, plus forged notifies and races.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use futures::future::join_all;
use luffy_e2e::{fixture_keys_dir, spawn_app, TestApp};
use luffy_order::OrderStatus;
use luffy_payment_alipay::form::{encode_form, parse_form};
use luffy_payment_alipay::keys::parse_private_key;
use luffy_payment_alipay::sign::{sign, signing_string, Purpose};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Creates an order for the demo user over the given courses; returns (token, order number, id).
async fn order(app: &TestApp, courses: &[i64]) -> (String, String, i64) {
    let token = app.login_demo().await;
    app.fill_cart(&token, courses).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (
        token,
        created.json["order_number"].as_str().unwrap().to_owned(),
        created.json["id"].as_i64().unwrap(),
    )
}

/// Gets the pay link and opens it (the sandbox creates the trade and shows the cashier).
async fn open_link(app: &TestApp, token: &str, number: &str) -> String {
    let link = app.get(&format!("/payments/alipay/{number}/"), token).await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    assert_eq!(link.json["get_pay_type_display"], "支付宝");
    let url = link.json["link"].as_str().unwrap().to_owned();
    let cashier = app.client.get(&url).send().await.unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    let html = cashier.text().await.unwrap();
    assert!(html.contains("确认付款") && html.contains(number), "{html}");
    url
}

async fn status_of(app: &TestApp, id: i64) -> OrderStatus {
    app.order_status(id).await
}

async fn wait_for_status(app: &TestApp, id: i64, wanted: OrderStatus) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while status_of(app, id).await != wanted {
        assert!(
            Instant::now() < deadline,
            "order {id} never reached status {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn notify(app: &TestApp, body: String) -> String {
    app.client
        .post(format!("{}/payments/alipay/notify", app.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(&format!("SELECT count(*)::bigint AS value FROM {sql}"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pay_through_the_sandbox_notify_and_return() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[1, 7]).await;
    open_link(&app, &token, &number).await;
    let return_url = app.press_pay(&number).await;
    wait_for_status(&app, id, OrderStatus::Paid).await; // the notify fulfilled it
    assert!(
        return_url.starts_with(&format!("{}/payments/alipay/result/?", app.base)),
        "{return_url}"
    );
    let result = app.send(app.client.get(&return_url)).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.text);
    assert_eq!(result.json["real_price"], 697.0);
    assert_eq!(result.json["course_list"].as_array().unwrap().len(), 2);
    assert_eq!(result.json["pay_time"].as_str().unwrap().len(), 19);
    // A browser gets a page, not JSON.
    let page = app
        .send(
            app.client
                .get(&return_url)
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    for needle in [
        "支付成功",
        number.as_str(),
        "￥697.00",
        "Typescript入门到实战",
        "数据结构与算法",
        "返回商城",
    ] {
        assert!(
            page.text.contains(needle),
            "{needle} missing: {}",
            page.text
        );
    }

    let list = app.get("/orders/list/?status=1", &token).await;
    assert_eq!(list.json["count"], 1);
    let again = app
        .json(Method::POST, "/cart/", &token, json!({"course_id": 1}))
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "owned courses cannot be added again"
    );
    assert_eq!(count(&app, "user_courses").await, 2);
    assert_eq!(count(&app, "payments WHERE status = 'paid'").await, 1);
    let query = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(query.status, StatusCode::OK);
    assert_eq!(query.errmsg(), "当前订单已支付!");
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(
        link.status,
        StatusCode::BAD_REQUEST,
        "a paid order has no pay link"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn return_and_active_query_fulfil_when_notifies_are_lost() {
    let app = spawn_app().await;
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let (token, number, id) = order(&app, &[2]).await;
    let unopened = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(
        unopened.status,
        StatusCode::BAD_REQUEST,
        "trade does not exist yet"
    );
    assert_eq!(unopened.errmsg(), "当前订单未支付!");
    open_link(&app, &token, &number).await;
    let waiting = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(waiting.status, StatusCode::BAD_REQUEST);
    let return_url = app.press_pay(&number).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        status_of(&app, id).await,
        OrderStatus::Unpaid,
        "no notify arrived"
    );
    let result = app.send(app.client.get(&return_url)).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.text);
    assert_eq!(
        status_of(&app, id).await,
        OrderStatus::Paid,
        "the return's active query fulfilled it"
    );

    // Another order, fulfilled by the owner's active query alone.
    let (token, number, id) = order(&app, &[5]).await;
    open_link(&app, &token, &number).await;
    app.press_pay(&number).await;
    let (other, _) = app.register_user().await;
    assert_eq!(
        app.get(&format!("/payments/alipay/query/{number}/"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let query = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(query.status, StatusCode::OK, "{}", query.text);
    assert_eq!(status_of(&app, id).await, OrderStatus::Paid);
    assert_eq!(count(&app, "payments").await, 2);
}

fn sandbox_key() -> rsa::RsaPrivateKey {
    parse_private_key(
        &std::fs::read_to_string(fixture_keys_dir().join("sandbox_private_key.pem")).unwrap(),
    )
    .unwrap()
}

/// Re-signs notify parameters with the (test-only) gateway key after changing some.
fn resign(body: &str, change: impl Fn(&mut Vec<(String, String)>)) -> String {
    let mut params = parse_form(body.as_bytes()).unwrap();
    params.retain(|(k, _)| k != "sign" && k != "sign_type");
    change(&mut params);
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Callback,
    );
    params.push(("sign".into(), sign(&sandbox_key(), &content).unwrap()));
    params.push(("sign_type".into(), "RSA2".into()));
    encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn set(params: &mut [(String, String)], key: &str, value: &str) {
    for (k, v) in params.iter_mut() {
        if k == key {
            *v = value.to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_notifies_fail_and_change_nothing() {
    let app = spawn_app().await;
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let (token, number, id) = order(&app, &[7]).await;
    open_link(&app, &token, &number).await;
    app.press_pay(&number).await;
    let genuine = app.sandbox_notify_body(&number).await;
    let mut bad_signature = parse_form(genuine.as_bytes()).unwrap();
    for (k, v) in bad_signature.iter_mut() {
        if k == "sign" {
            // Always a different first character, so the forgery never equals the original.
            let replacement = if v.starts_with('A') { 'B' } else { 'A' };
            *v = format!("{replacement}{}", &v[1..]);
        }
    }
    let forgeries = vec![
        (
            "bad signature",
            encode_form(bad_signature.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        ),
        (
            "unsigned amount change",
            genuine.replace("total_amount=299.00", "total_amount=0.01"),
        ),
        (
            "other app_id",
            resign(&genuine, |p| set(p, "app_id", "2021999999999999")),
        ),
        (
            "other seller_id",
            resign(&genuine, |p| set(p, "seller_id", "2088999999999999")),
        ),
        (
            "amount off by 0.01",
            resign(&genuine, |p| set(p, "total_amount", "298.99")),
        ),
        (
            "unknown order",
            resign(&genuine, |p| {
                set(p, "out_trade_no", "20261125999999999999999")
            }),
        ),
        (
            "missing trade_no",
            resign(&genuine, |p| p.retain(|(k, _)| k != "trade_no")),
        ),
        (
            "missing sign",
            genuine
                .split('&')
                .filter(|kv| !kv.starts_with("sign="))
                .collect::<Vec<_>>()
                .join("&"),
        ),
        ("invalid UTF-8", format!("{genuine}&subject2=%FF%FE")),
        ("duplicate key", format!("{genuine}&out_trade_no=x")),
        ("empty", String::new()),
        ("garbage", "%%%&&&===".to_owned()),
    ];
    for (what, body) in forgeries {
        assert_eq!(notify(&app, body).await, "fail", "{what}");
    }
    assert_eq!(
        status_of(&app, id).await,
        OrderStatus::Unpaid,
        "nothing changed"
    );
    assert_eq!(count(&app, "payments").await, 0);
    assert_eq!(count(&app, "user_courses").await, 0);
    // The genuine one still works.
    assert_eq!(notify(&app, genuine).await, "success");
    assert_eq!(status_of(&app, id).await, OrderStatus::Paid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_notify_fifty_times_at_once_fulfils_once() {
    let app = spawn_app().await;
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let (token, number, id) = order(&app, &[1, 2, 7]).await;
    open_link(&app, &token, &number).await;
    app.press_pay(&number).await;
    let body = app.sandbox_notify_body(&number).await;
    let notifies = join_all((0..50).map(|_| notify(&app, body.clone())));
    let query_path = format!("/payments/alipay/query/{number}/");
    let queries = join_all((0..10).map(|_| app.get(&query_path, &token)));
    let (answers, queried) = tokio::join!(notifies, queries);
    assert!(answers.iter().all(|a| a == "success"), "{answers:?}");
    assert!(
        queried.iter().all(|q| q.status == StatusCode::OK),
        "{:?}",
        queried.iter().map(|q| q.text.clone()).collect::<Vec<_>>()
    );
    assert_eq!(status_of(&app, id).await, OrderStatus::Paid);
    assert_eq!(count(&app, "payments").await, 1);
    assert_eq!(count(&app, "user_courses").await, 3);
    assert_eq!(
        app.scalar("SELECT max(n)::bigint AS value FROM (SELECT count(*) AS n FROM user_courses GROUP BY course_id) t").await,
        1
    );
    // A late TRADE_FINISHED for the same trade is harmless.
    let finished = resign(&body, |p| set(p, "trade_status", "TRADE_FINISHED"));
    assert_eq!(notify(&app, finished).await, "success");
    assert_eq!(count(&app, "payments").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payment_after_cancel_is_recorded_for_refund() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[8]).await;
    open_link(&app, &token, &number).await;
    let cancel = app
        .send(app.authed(Method::PUT, &format!("/orders/{id}/"), &token))
        .await;
    assert_eq!(cancel.status, StatusCode::OK);
    app.press_pay(&number).await; // the buyer still had the cashier open
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(&app, "payments").await == 0 {
        assert!(Instant::now() < deadline, "late payment never recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count(
            &app,
            "payments WHERE status = 'refund_pending' AND refund_request_no IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        status_of(&app, id).await,
        OrderStatus::Cancelled,
        "still cancelled, never paid"
    );
    assert_eq!(count(&app, "user_courses").await, 0);
    let trade = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/alipay/control/trades/{number}"),
        ))
        .await;
    assert_eq!(
        trade.json["notify_acknowledged"], true,
        "we answered success once recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gateway_trouble_is_a_clear_503_and_changes_nothing() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[4]).await;
    open_link(&app, &token, &number).await;
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let return_url = app.press_pay(&number).await;
    app.set_sandbox_mode(json!({"notify": "drop", "answer_20000": true}))
        .await;
    let query = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(
        query.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        query.text
    );
    assert!(!query.errmsg().is_empty());
    let result = app.send(app.client.get(&return_url)).await;
    assert_eq!(result.status, StatusCode::SERVICE_UNAVAILABLE);
    app.set_sandbox_mode(json!({"notify": "drop", "response_delay_ms": 5000}))
        .await;
    let slow = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(
        slow.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "client timeout (3 s) is a 503"
    );
    assert_eq!(status_of(&app, id).await, OrderStatus::Unpaid);
    assert_eq!(count(&app, "payments").await, 0);
    app.set_sandbox_mode(json!({})).await;
    let query = app
        .get(&format!("/payments/alipay/query/{number}/"), &token)
        .await;
    assert_eq!(
        query.status,
        StatusCode::OK,
        "recovers once the gateway answers"
    );
}

#[tokio::test]
async fn pay_links_only_for_the_owners_unpaid_unexpired_orders() {
    let app = spawn_app().await;
    let (token, number, id) = order(&app, &[6]).await;
    let (other, _) = app.register_user().await;
    assert_eq!(
        app.get(&format!("/payments/alipay/{number}/"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/payments/alipay/000/", &token).await.status,
        StatusCode::NOT_FOUND
    );
    let url = open_link(&app, &token, &number).await;
    // A tampered link is refused by the gateway: the amount in plain text or, with AES
    // content encryption on (the certificates-aes pass), the encrypted content.
    let tampered_url = if url.contains("299.00") {
        url.replace("299.00", "0.01")
    } else {
        let at = url.find("biz_content=").expect("a biz_content") + "biz_content=".len();
        let swapped = if &url[at..=at] == "A" { "B" } else { "A" };
        format!("{}{swapped}{}", &url[..at], &url[at + 1..])
    };
    let tampered = app.client.get(tampered_url).send().await.unwrap();
    assert_eq!(tampered.status(), StatusCode::BAD_REQUEST);
    app.sql(&format!(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = {id}"
    ))
    .await;
    let expired = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    let forged_return = app
        .send(app.request(
            Method::GET,
            "/payments/alipay/result/?out_trade_no=1&sign=abc",
        ))
        .await;
    assert_eq!(forged_return.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn balance_payment_deducts_money_once() {
    let app = spawn_app().await;
    // A new buyer has no balance.
    let (token, mobile) = app.register_user().await;
    app.fill_cart(&token, &[7]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 2}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let id = created.json["id"].as_i64().unwrap();
    let poor = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &token,
        ))
        .await;
    assert_eq!(poor.status, StatusCode::BAD_REQUEST);
    assert_eq!(poor.errmsg(), "余额不足!");
    // An operator tops the balance up, with a ledger row.
    let staff = app.login("admin", "admin12345").await;
    let user = app.user_id(&mobile).await;
    let topped = app
        .json(
            Method::POST,
            &format!("/admin/users/{user}/balance/"),
            &staff,
            json!({"amount": 500, "remark": "线下转账"}),
        )
        .await;
    assert_eq!(topped.status, StatusCode::OK, "{}", topped.text);
    assert_eq!(topped.json["money"], 500.0);
    let (other, _) = app.register_user().await;
    assert_eq!(
        app.send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &other
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let balance_path = format!("/payments/balance/{number}/");
    let paid =
        join_all((0..5).map(|_| app.send(app.authed(Method::POST, &balance_path, &token)))).await;
    assert_eq!(
        paid.iter().filter(|r| r.status == StatusCode::OK).count(),
        1
    );
    assert_eq!(status_of(&app, id).await, OrderStatus::Paid);
    assert_eq!(app.get("/users/me/", &token).await.json["money"], 201.0);
    assert_eq!(count(&app, "payments WHERE channel = 'balance'").await, 1);
    assert_eq!(
        count(&app, &format!("money_ledger WHERE user_id = {user} AND operation = 0 AND amount = 500 AND remark = '线下转账'")).await,
        1
    );
    assert_eq!(
        count(&app, &format!("money_ledger WHERE user_id = {user} AND operation = 1 AND amount = -299 AND order_id = {id}")).await,
        1
    );
    app.assert_ledger_matches().await;
}
