//! Refunds end to end through the HTTP API, the job worker and the built-in Alipay sandbox:
//! full and partial refunds, the windows, review mode, operator refunds, balance refunds, buying
//! a refunded course again, refund notifies, races, a lost gateway answer, and hostile input.
//! Every test ends with the invariant check (refunded ≤ paid, owned = paid − refunded lines,
//! points and balances = their ledgers).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use futures::future::join_all;
use luffy_e2e::{assert_invariants, fixture_keys_dir, spawn_app, spawn_app_with, TestApp};
use luffy_order::OrderStatus;
use luffy_payment_alipay::form::{encode_form, parse_form};
use luffy_payment_alipay::keys::parse_private_key;
use luffy_payment_alipay::sign::{sign, signing_string, Purpose};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The demo buyer orders these courses (spending `credit` points) and pays through the
/// sandbox; answers (token, order number, order id, what was paid).
async fn paid_order(app: &TestApp, courses: &[i64], credit: i64) -> (String, String, i64, f64) {
    let token = app.login_demo().await;
    app.fill_cart(&token, courses).await;
    let created = app
        .json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "credit": credit}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let id = created.json["id"].as_i64().unwrap();
    let paid = created.json["real_price"].as_f64().unwrap();
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    let cashier = app
        .client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    app.press_pay(&number).await;
    wait_until("the order to be paid", || async {
        app.order_status(id).await == OrderStatus::Paid
    })
    .await;
    (token, number, id, paid)
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

async fn ask_refund(app: &TestApp, token: &str, id: i64, body: Value) -> luffy_e2e::TestResponse {
    app.json(Method::POST, &format!("/orders/{id}/refund/"), token, body)
        .await
}

async fn refunds_of(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let listed = app.get(&format!("/orders/{id}/refunds/"), token).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    listed.json.as_array().unwrap().clone()
}

async fn wait_for_refund(app: &TestApp, token: &str, id: i64, refund: i64, status: &str) {
    wait_until(&format!("refund {refund} to be {status}"), || async {
        refunds_of(app, token, id)
            .await
            .iter()
            .any(|r| r["id"] == refund && r["status"] == status)
    })
    .await;
}

async fn sandbox_trade(app: &TestApp, number: &str) -> Value {
    let trade = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/alipay/control/trades/{number}"),
        ))
        .await;
    assert_eq!(trade.status, StatusCode::OK, "{}", trade.text);
    trade.json
}

async fn owns(app: &TestApp, course: i64) -> bool {
    app.scalar(&format!(
        "SELECT count(*)::bigint AS value FROM user_courses u JOIN users s ON s.id = u.user_id
         WHERE s.username = 'luffy' AND u.course_id = {course}"
    ))
    .await
        == 1
}

async fn points(app: &TestApp, token: &str) -> i64 {
    app.get("/users/me/", token).await.json["credit"]
        .as_i64()
        .unwrap()
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

async fn refund_notify_body(app: &TestApp, number: &str, request_no: &str) -> String {
    let answer = app
        .client
        .get(format!(
            "{}/sandbox/alipay/control/refund-notify-body/{number}/{request_no}",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_refund_within_the_window_pays_back_through_the_sandbox_and_the_course_can_be_bought_again(
) {
    let app = spawn_app().await;
    let (token, number, id, paid) = paid_order(&app, &[1, 7], 200).await;
    let before = points(&app, &token).await;
    assert!(owns(&app, 1).await && owns(&app, 7).await);

    let asked = ask_refund(&app, &token, id, json!({"reason": "不想学了"})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(asked.json["status"], "approved");
    assert_eq!(asked.json["amount"].as_f64().unwrap(), paid);
    assert_eq!(asked.json["course_ids"], json!([1, 7]));
    assert_eq!(asked.json["points"], 200);
    let refund = asked.json["id"].as_i64().unwrap();
    // Access ended and points came back in the approving transaction.
    assert!(!owns(&app, 1).await && !owns(&app, 7).await);
    assert_eq!(points(&app, &token).await, before + 200);
    assert_eq!(app.order_status(id).await, OrderStatus::Refunded);

    wait_for_refund(&app, &token, id, refund, "refunded").await;
    let trade = sandbox_trade(&app, &number).await;
    assert_eq!(
        trade["refunded"].as_str().unwrap().parse::<f64>().unwrap(),
        paid
    );
    assert_eq!(trade["status"], "TRADE_CLOSED");
    assert_eq!(trade["refund_requests"].as_object().unwrap().len(), 1);

    // The order item carries its refunds; a fully refunded order may be hidden.
    let detail = app.get(&format!("/orders/{id}/"), &token).await;
    assert_eq!(detail.json["order_status"], 5);
    assert_eq!(detail.json["get_order_status_display"], "已退款");
    assert_eq!(detail.json["refunds"][0]["status"], "refunded");
    let choices = app.get("/orders/pay/choices/", &token).await;
    assert!(choices.text.contains("部分退款") && choices.text.contains("已退款"));
    let again = ask_refund(&app, &token, id, json!({"reason": "再退一次"})).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.errmsg(), "当前订单无法退款,订单状态为已退款!");

    // The refunded course can be bought again, at current prices.
    app.fill_cart(&token, &[1]).await;
    let rebought = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(rebought.status, StatusCode::CREATED, "{}", rebought.text);

    let hidden = app
        .send(app.authed(Method::DELETE, &format!("/orders/{id}/"), &token))
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
    let metrics = app.send(app.request(Method::GET, "/metrics")).await;
    assert!(metrics
        .text
        .contains(r#"luffy_refunds_total{channel="alipay",event="refunded"} 1"#));
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partial_refund_then_the_rest_adds_up_to_what_was_paid_and_notifies_change_nothing_twice()
{
    let app = spawn_app().await;
    let (token, number, id, paid) = paid_order(&app, &[1, 7], 0).await;
    let first = ask_refund(
        &app,
        &token,
        id,
        json!({"course_ids": [7], "reason": "买错了"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let first_id = first.json["id"].as_i64().unwrap();
    assert_eq!(app.order_status(id).await, OrderStatus::PartlyRefunded);
    assert!(owns(&app, 1).await && !owns(&app, 7).await);
    let partly = app
        .send(app.authed(Method::DELETE, &format!("/orders/{id}/"), &token))
        .await;
    assert_eq!(
        partly.status,
        StatusCode::BAD_REQUEST,
        "partly refunded orders stay visible"
    );
    wait_for_refund(&app, &token, id, first_id, "refunded").await;
    let refunded_again = ask_refund(&app, &token, id, json!({"course_ids": [7]})).await;
    assert_eq!(refunded_again.status, StatusCode::BAD_REQUEST);
    assert!(
        refunded_again.errmsg().ends_with("已退款!"),
        "{}",
        refunded_again.text
    );

    // A partial refund's notify keeps TRADE_SUCCESS; replayed 50 times at once it changes
    // nothing (the refund is refunded already) and is never taken for a payment.
    let first_no = first.json["out_request_no"].as_str().unwrap().to_owned();
    let body = refund_notify_body(&app, &number, &first_no).await;
    assert!(body.contains("trade_status=TRADE_SUCCESS") && body.contains("refund_fee="));
    let payments_before = app
        .scalar("SELECT count(*)::bigint AS value FROM payments")
        .await;
    let answers = join_all((0..50).map(|_| notify(&app, body.clone()))).await;
    assert!(answers.iter().all(|a| a == "success"), "{answers:?}");
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM payments")
            .await,
        payments_before
    );

    let rest = ask_refund(&app, &token, id, json!({"reason": "都不要了"})).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
    assert_eq!(rest.json["course_ids"], json!([1]));
    let total = first.json["amount"].as_f64().unwrap() + rest.json["amount"].as_f64().unwrap();
    assert!((total - paid).abs() < 0.001, "{total} != {paid}");
    let rest_id = rest.json["id"].as_i64().unwrap();
    wait_for_refund(&app, &token, id, rest_id, "refunded").await;
    assert_eq!(app.order_status(id).await, OrderStatus::Refunded);
    let rest_no = rest.json["out_request_no"].as_str().unwrap();
    let full = refund_notify_body(&app, &number, rest_no).await;
    assert!(full.contains("trade_status=TRADE_CLOSED"));
    for _ in 0..3 {
        assert_eq!(notify(&app, full.clone()).await, "success");
    }
    let trade = sandbox_trade(&app, &number).await;
    assert_eq!(
        trade["refunded"].as_str().unwrap().parse::<f64>().unwrap(),
        paid
    );
    assert_eq!(trade["refund_requests"].as_object().unwrap().len(), 2);
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM refunds WHERE status = 'refunded'")
            .await,
        2
    );
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outside_the_buyers_window_only_an_operator_may_refund() {
    let app = spawn_app().await;
    let (token, number, id, paid) = paid_order(&app, &[8], 0).await;
    app.sql(&format!(
        "UPDATE orders SET pay_time = now() - interval '8 days' WHERE id = {id}"
    ))
    .await;
    let late = ask_refund(&app, &token, id, json!({"reason": "晚了"})).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert_eq!(late.errmsg(), "订单支付已超过7天,无法申请退款!");
    assert!(refunds_of(&app, &token, id).await.is_empty());

    let admin = app.login("admin", "admin12345").await;
    let buyer_denied = app
        .json(
            Method::POST,
            &format!("/admin/orders/{id}/refund/"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(buyer_denied.status, StatusCode::FORBIDDEN);
    let by_operator = app
        .json(
            Method::POST,
            &format!("/admin/orders/{id}/refund/"),
            &admin,
            json!({"reason": "客服同意"}),
        )
        .await;
    assert_eq!(
        by_operator.status,
        StatusCode::CREATED,
        "{}",
        by_operator.text
    );
    assert_eq!(by_operator.json["by_operator"], true);
    let refund = by_operator.json["id"].as_i64().unwrap();
    wait_for_refund(&app, &token, id, refund, "refunded").await;
    let trade = sandbox_trade(&app, &number).await;
    assert_eq!(
        trade["refunded"].as_str().unwrap().parse::<f64>().unwrap(),
        paid
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM audit_log
             WHERE action = 'refund.create' AND entity = 'refund' AND entity_id = {refund}"
        ))
        .await,
        1
    );
    // Past the gateway's window even an operator is refused.
    let (_, _, other, _) = paid_order(&app, &[2], 0).await;
    app.sql(&format!(
        "UPDATE orders SET pay_time = now() - interval '91 days' WHERE id = {other}"
    ))
    .await;
    let too_late = app
        .json(
            Method::POST,
            &format!("/admin/orders/{other}/refund/"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(too_late.status, StatusCode::BAD_REQUEST);
    assert!(too_late.errmsg().contains("90天"), "{}", too_late.text);
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn review_mode_waits_for_an_operator_who_approves_or_rejects() {
    let app = spawn_app_with(|s| s.refund_review = true).await;
    let admin = app.login("admin", "admin12345").await;
    let (token, _, id, paid) = paid_order(&app, &[1, 7], 0).await;
    let asked = ask_refund(
        &app,
        &token,
        id,
        json!({"course_ids": [1], "reason": "内容不符"}),
    )
    .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(asked.json["status"], "requested");
    assert!(owns(&app, 1).await, "nothing happens before review");
    assert_eq!(app.order_status(id).await, OrderStatus::Paid);
    let refund = asked.json["id"].as_i64().unwrap();

    let queue = app.get("/admin/refunds/?status=requested", &admin).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert_eq!(queue.json["count"], 1);
    assert_eq!(queue.json["results"][0]["id"], refund);
    let bad_filter = app.get("/admin/refunds/?status=lost", &admin).await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    let buyer_queue = app.get("/admin/refunds/", &token).await;
    assert_eq!(buyer_queue.status, StatusCode::FORBIDDEN);

    let approved = app
        .send(app.authed(
            Method::POST,
            &format!("/admin/refunds/{refund}/approve/"),
            &admin,
        ))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.json["status"], "approved");
    assert!(!owns(&app, 1).await);
    assert_eq!(app.order_status(id).await, OrderStatus::PartlyRefunded);
    wait_for_refund(&app, &token, id, refund, "refunded").await;
    let twice = app
        .send(app.authed(
            Method::POST,
            &format!("/admin/refunds/{refund}/approve/"),
            &admin,
        ))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // The other course: asked, then rejected with a reason; the buyer keeps it.
    let second = ask_refund(&app, &token, id, json!({"course_ids": [7]})).await;
    let second_id = second.json["id"].as_i64().unwrap();
    let no_reason = app
        .json(
            Method::POST,
            &format!("/admin/refunds/{second_id}/reject/"),
            &admin,
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let rejected = app
        .json(
            Method::POST,
            &format!("/admin/refunds/{second_id}/reject/"),
            &admin,
            json!({"reason": "已学习超过一半"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.json["status"], "rejected");
    assert_eq!(rejected.json["review_note"], "已学习超过一半");
    assert!(owns(&app, 7).await);
    assert_eq!(app.order_status(id).await, OrderStatus::PartlyRefunded);
    // The buyer may ask again, and withdraw while it waits.
    let third = ask_refund(&app, &token, id, json!({"course_ids": [7]})).await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);
    let third_id = third.json["id"].as_i64().unwrap();
    let withdrawn = app
        .send(app.authed(
            Method::DELETE,
            &format!("/orders/{id}/refunds/{third_id}/"),
            &token,
        ))
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    assert_eq!(withdrawn.json["status"], "cancelled");
    let audit = |action: &'static str| {
        let app = &app;
        async move {
            app.scalar(&format!(
                "SELECT count(*)::bigint AS value FROM audit_log WHERE action = '{action}'"
            ))
            .await
        }
    };
    assert_eq!(audit("refund.approve").await, 1);
    assert_eq!(audit("refund.reject").await, 1);
    let refunded: f64 = refunds_of(&app, &token, id)
        .await
        .iter()
        .filter(|r| r["status"] == "refunded")
        .map(|r| r["amount"].as_f64().unwrap())
        .sum();
    assert!(refunded < paid);
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_balance_paid_order_is_refunded_to_the_balance_at_once() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    async fn money(app: &TestApp, token: String) -> f64 {
        app.get("/users/me/", &token).await.json["money"]
            .as_f64()
            .unwrap()
    }
    let before = money(&app, token.clone()).await;
    app.fill_cart(&token, &[1]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 2}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    let number = created.json["order_number"].as_str().unwrap();
    let paid = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &token,
        ))
        .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
    assert!(money(&app, token.clone()).await < before);

    let refund = ask_refund(&app, &token, id, json!({"reason": "余额退款"})).await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.text);
    assert_eq!(refund.json["status"], "refunded");
    assert_eq!(refund.json["channel"], "balance");
    assert!((money(&app, token.clone()).await - before).abs() < 0.001);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM money_ledger WHERE operation = 2 AND order_id = {id}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM jobs WHERE kind = 'trade_refund'")
            .await,
        0,
        "no gateway job for a balance refund"
    );
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_requests_for_one_line_give_one_refund() {
    let app = spawn_app_with(|s| s.refund_review = true).await;
    let (token, _, id, _) = paid_order(&app, &[1, 7], 0).await;
    let answers = join_all((0..20).map(|_| {
        ask_refund(
            &app,
            &token,
            id,
            json!({"course_ids": [7], "reason": "并发"}),
        )
    }))
    .await;
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let conflicts = answers
        .iter()
        .filter(|a| a.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 19), "{answers:?}");
    assert_eq!(refunds_of(&app, &token, id).await.len(), 1);
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approve_racing_reject_and_approve_racing_the_buyers_cancel_each_give_one_outcome() {
    let app = spawn_app_with(|s| s.refund_review = true).await;
    let admin = app.login("admin", "admin12345").await;
    let (token, _, id, _) = paid_order(&app, &[1, 2, 7, 8], 0).await;
    for (round, course) in [1, 2, 7, 8].into_iter().enumerate() {
        let asked = ask_refund(&app, &token, id, json!({"course_ids": [course]})).await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
        let refund = asked.json["id"].as_i64().unwrap();
        let approve_path = format!("/admin/refunds/{refund}/approve/");
        let reject_path = format!("/admin/refunds/{refund}/reject/");
        let cancel_path = format!("/orders/{id}/refunds/{refund}/");
        let approve = app.send(app.authed(Method::POST, &approve_path, &admin));
        let (approved, other) = if round < 2 {
            let reject = app.json(
                Method::POST,
                &reject_path,
                &admin,
                json!({"reason": "竞争"}),
            );
            futures::join!(approve, reject)
        } else {
            let cancel = app.send(app.authed(Method::DELETE, &cancel_path, &token));
            futures::join!(approve, cancel)
        };
        let statuses = [approved.status, other.status];
        assert!(
            statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
            "exactly one decision wins: {approved:?} {other:?}"
        );
        let decided = app
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM refunds
                 WHERE id = {refund} AND status IN ('approved', 'refunding', 'refunded', 'rejected', 'cancelled')"
            ))
            .await;
        assert_eq!(decided, 1, "decided exactly once");
        assert_eq!(owns(&app, course).await, approved.status != StatusCode::OK);
        assert_invariants(&app.database.url).await;
    }
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_gateway_answer_is_settled_by_the_refund_query_and_never_refunds_twice() {
    let app = spawn_app().await;
    let (token, number, id, paid) = paid_order(&app, &[8], 0).await;
    // The sandbox moves the money, then answers 20000, as if the job died after the gateway
    // call and before its commit; the job asks the refund query and retries with the same
    // out_request_no.
    app.set_sandbox_mode(json!({"refund_answer_lost": true}))
        .await;
    let asked = ask_refund(&app, &token, id, json!({"reason": "丢失应答"})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let refund = asked.json["id"].as_i64().unwrap();
    let request_no = asked.json["out_request_no"].as_str().unwrap().to_owned();
    wait_for_refund(&app, &token, id, refund, "refunded").await;
    app.set_sandbox_mode(json!({})).await;
    // Sending the same request again (a job that ran twice) moves no money.
    use luffy_order::{Channel, RefundRequest, RemoteRefund};
    let gateway = app.state.gateways.get(Channel::Alipay).unwrap();
    let amount = rust_decimal::Decimal::try_from(paid).unwrap();
    let request = RefundRequest {
        order_number: number.clone(),
        out_request_no: request_no.clone(),
        amount,
        order_total: amount,
    };
    let again = gateway.refund(&request).await;
    assert!(
        matches!(again, RemoteRefund::NotConfirmed(_)),
        "fund_change=N: {again:?}"
    );
    assert_eq!(gateway.refund_query(&request).await, RemoteRefund::Done);
    let trade = sandbox_trade(&app, &number).await;
    assert_eq!(trade["refund_requests"].as_object().unwrap().len(), 1);
    assert_eq!(
        trade["refunded"].as_str().unwrap().parse::<f64>().unwrap(),
        paid
    );
    assert_invariants(&app.database.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_gateway_that_keeps_failing_leaves_the_refund_failed_for_an_operator() {
    let app = spawn_app_with(|s| s.job_retry_base_ms = 10).await;
    let (token, _, id, _) = paid_order(&app, &[8], 0).await;
    app.set_sandbox_mode(json!({"refund_fails": true})).await;
    let asked = ask_refund(&app, &token, id, json!({})).await;
    let refund = asked.json["id"].as_i64().unwrap();
    // Three attempts instead of thirty keep the test short.
    app.sql("UPDATE jobs SET max_attempts = 3 WHERE kind = 'trade_refund'")
        .await;
    wait_for_refund(&app, &token, id, refund, "failed").await;
    let admin = app.login("admin", "admin12345").await;
    let queue = app.get("/admin/refunds/?status=failed", &admin).await;
    assert_eq!(queue.json["count"], 1);
    assert!(queue.json["results"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("ACQ.SYSTEM_ERROR"));
    // The gateway recovers; the operator retries the dead job and the money goes back.
    app.set_sandbox_mode(json!({})).await;
    // The last attempt marks the refund failed, then the worker records the job dead in its
    // own transaction a moment later.
    wait_until("the refund job to be dead", || async {
        app.scalar(
            "SELECT count(*)::bigint AS value FROM jobs WHERE kind = 'trade_refund' AND status = 'dead'",
        )
        .await
            == 1
    })
    .await;
    let job = app
        .scalar("SELECT id AS value FROM jobs WHERE kind = 'trade_refund' AND status = 'dead'")
        .await;
    let retried = app
        .send(app.authed(Method::POST, &format!("/admin/jobs/{job}/retry/"), &admin))
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.text);
    wait_for_refund(&app, &token, id, refund, "refunded").await;
    let metrics = app.send(app.request(Method::GET, "/metrics")).await;
    assert!(metrics
        .text
        .contains(r#"luffy_refunds_total{channel="alipay",event="failed"} 1"#));
    assert_invariants(&app.database.url).await;
}

/// Re-signs notify params with a key that is not the sandbox's.
fn forge(params: &[(String, String)]) -> String {
    let key = parse_private_key(
        &std::fs::read_to_string(fixture_keys_dir().join("app_private_key.pem")).unwrap(),
    )
    .unwrap();
    let unsigned: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "sign" && k != "sign_type")
        .cloned()
        .collect();
    let content = signing_string(
        unsigned.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Callback,
    );
    let mut signed = unsigned.clone();
    signed.push(("sign".into(), sign(&key, &content).unwrap()));
    signed.push(("sign_type".into(), "RSA2".into()));
    encode_form(signed.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_requests_and_forged_refund_notifies_change_nothing() {
    let app = spawn_app_with(|s| {
        s.refund_review = true;
        s.job_retry_base_ms = 100;
    })
    .await;
    let (token, number, id, _) = paid_order(&app, &[1, 7], 0).await;
    let (stranger, _) = app.register_user().await;
    let foreign = ask_refund(&app, &stranger, id, json!({"reason": "不是我的"})).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.errmsg(), "订单不存在!");
    let listed = app.get(&format!("/orders/{id}/refunds/"), &stranger).await;
    assert_eq!(listed.status, StatusCode::NOT_FOUND);
    for (body, message) in [
        (json!({"course_ids": [-1]}), "课程ID[-1]无效!"),
        (json!({"course_ids": [0]}), "课程ID[0]无效!"),
        (
            json!({"course_ids": [999_999]}),
            "课程[999999]不在该订单中!",
        ),
        (json!({"course_ids": [2]}), "课程[2]不在该订单中!"),
        (json!({"course_ids": []}), "请选择要退款的课程!"),
        (json!({"course_ids": [1, 1]}), "课程[1]重复!"),
        (
            json!({"reason": "长".repeat(256)}),
            "退款原因不能超过255个字符!",
        ),
    ] {
        let refused = ask_refund(&app, &token, id, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
        assert_eq!(refused.errmsg(), message, "{body}");
    }
    for body in [
        json!({"course_ids": [1e30]}),
        json!({"course_ids": "all"}),
        json!({"course_ids": [1], "amount": 9999}),
    ] {
        let refused = ask_refund(&app, &token, id, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
        assert!(!refused.errmsg().is_empty());
    }
    let unpaid_token = app.login_demo().await;
    app.fill_cart(&unpaid_token, &[3]).await;
    let unpaid = app
        .json(
            Method::POST,
            "/orders/",
            &unpaid_token,
            json!({"pay_type": 0}),
        )
        .await;
    let unpaid_id = unpaid.json["id"].as_i64().unwrap();
    let not_paid = ask_refund(&app, &token, unpaid_id, json!({})).await;
    assert_eq!(not_paid.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_paid.errmsg(), "当前订单无法退款,订单状态为未支付!");
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM refunds")
            .await,
        0,
        "no refusal left a refund behind"
    );

    // An approved refund, then forged notifies about it: re-signed with another key, or
    // naming a refund request that is not ours. Nothing moves.
    let admin = app.login("admin", "admin12345").await;
    let asked = ask_refund(&app, &token, id, json!({"course_ids": [7]})).await;
    let refund = asked.json["id"].as_i64().unwrap();
    let request_no = asked.json["out_request_no"].as_str().unwrap().to_owned();
    // Keep the money on its way: the gateway does not answer, so only a notify could settle it.
    app.set_sandbox_mode(json!({"answer_20000": true})).await;
    let approved = app
        .send(app.authed(
            Method::POST,
            &format!("/admin/refunds/{refund}/approve/"),
            &admin,
        ))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let mut params = parse_form(
        refund_notify_body_for_forgery(&app, &number, &request_no)
            .await
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(notify(&app, forge(&params)).await, "fail");
    for (key, value) in params.iter_mut() {
        if key == "out_biz_no" {
            *value = format!("{request_no}X");
        }
    }
    assert_eq!(notify(&app, forge(&params)).await, "fail");
    let status = refunds_of(&app, &token, id).await[0]["status"].clone();
    assert_ne!(status, "refunded", "a forged notify confirmed nothing");
    app.set_sandbox_mode(json!({})).await;
    wait_for_refund(&app, &token, id, refund, "refunded").await;
    assert_invariants(&app.database.url).await;
}

/// The sandbox only signs notifies of refunds it made; for forgery tests, a body built from a
/// real payment notify with the refund fields added (its signature no longer matches anyway).
async fn refund_notify_body_for_forgery(app: &TestApp, number: &str, request_no: &str) -> String {
    let mut params = parse_form(app.sandbox_notify_body(number).await.as_bytes()).unwrap();
    params.push(("out_biz_no".into(), request_no.to_owned()));
    params.push(("refund_fee".into(), "1.00".into()));
    params.push(("gmt_refund".into(), "2026-11-26 10:00:00".into()));
    encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The real gateway, except that the first refund call hangs forever after Alipay moved the
/// money: the worker running it is then killed, as if it crashed before its commit.
#[derive(Clone)]
struct HangsAfterTheFirstRefund {
    inner: luffy_api::channels::alipay::AlipayGateway,
    refunds: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl luffy_order::PaymentGateway for HangsAfterTheFirstRefund {
    fn channel(&self) -> luffy_order::Channel {
        self.inner.channel()
    }
    fn start<'a>(
        &'a self,
        payment: &'a luffy_order::PaymentRequest,
        now: chrono::DateTime<chrono::Utc>,
    ) -> luffy_order::gateway::GatewayFuture<'a, Result<luffy_order::PaymentStart, String>> {
        self.inner.start(payment, now)
    }
    fn verify_notify(
        &self,
        request: &luffy_order::ChannelRequest,
    ) -> Result<luffy_order::PaymentNotice, String> {
        self.inner.verify_notify(request)
    }
    fn notify_reply(&self, verdict: luffy_order::NotifyVerdict) -> luffy_order::ChannelReply {
        self.inner.notify_reply(verdict)
    }
    fn query<'a>(
        &'a self,
        number: &'a str,
    ) -> luffy_order::gateway::GatewayFuture<'a, luffy_order::RemoteTrade> {
        self.inner.query(number)
    }
    fn close<'a>(
        &'a self,
        number: &'a str,
    ) -> luffy_order::gateway::GatewayFuture<'a, Result<(), String>> {
        self.inner.close(number)
    }
    fn refund<'a>(
        &'a self,
        refund: &'a luffy_order::RefundRequest,
    ) -> luffy_order::gateway::GatewayFuture<'a, luffy_order::RemoteRefund> {
        Box::pin(async move {
            let answer = self.inner.refund(refund).await;
            if self
                .refunds
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                == 0
            {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            answer
        })
    }
    fn refund_query<'a>(
        &'a self,
        refund: &'a luffy_order::RefundRequest,
    ) -> luffy_order::gateway::GatewayFuture<'a, luffy_order::RemoteRefund> {
        self.inner.refund_query(refund)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_job_killed_after_the_gateway_call_refunds_once() {
    use luffy_order::handlers::TradeRefundHandler;
    use luffy_order::jobs::TRADE_REFUND;
    use luffy_scheduler::{RetryPolicy, Worker, WorkerConfig};
    use std::sync::Arc;

    let app = spawn_app_with(|s| s.worker = false).await;
    let (token, number, id, paid) = paid_order(&app, &[8], 0).await;
    // No refund notify either: only the job can find out.
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let asked = ask_refund(&app, &token, id, json!({"reason": "崩溃"})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let refund = asked.json["id"].as_i64().unwrap();
    let gateway = HangsAfterTheFirstRefund {
        inner: luffy_api::channels::alipay::AlipayGateway(app.state.alipay.clone()),
        refunds: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    };
    let worker = |name: &str| {
        Worker::new(
            Arc::new(luffy_store::PgJobs::new(app.state.pg.clone())),
            WorkerConfig {
                worker_id: format!("{name}-{}", uuid::Uuid::new_v4().simple()),
                poll_interval: Duration::from_millis(50),
                batch_size: 4,
                concurrency: 4,
                lease: Duration::from_millis(1000),
                retry: RetryPolicy {
                    base: Duration::from_millis(100),
                    max: Duration::from_secs(60),
                },
                periodic_interval: Duration::from_secs(3600),
                shutdown_grace: Duration::from_secs(2),
            },
        )
        .handle(
            TRADE_REFUND,
            Arc::new(TradeRefundHandler {
                gateways: luffy_order::Gateways::new().with(Arc::new(gateway.clone())),
                orders: app.state.orders.clone(),
                refunds: app.state.refunds.clone(),
            }),
        )
    };
    let (_stop, receiver) = tokio::sync::watch::channel(false);
    let doomed = tokio::spawn(worker("doomed").run(receiver.clone()));
    wait_until("the sandbox to pay the refund", || async {
        sandbox_trade(&app, &number).await["refund_requests"]
            .as_object()
            .is_some_and(|r| r.len() == 1)
    })
    .await;
    doomed.abort(); // the crash: nothing after the gateway call was committed
    let _ = doomed.await;
    assert_eq!(
        refunds_of(&app, &token, id).await[0]["status"],
        "refunding",
        "the money moved but the job did not record it"
    );
    let survivor = tokio::spawn(worker("survivor").run(receiver));
    wait_for_refund(&app, &token, id, refund, "refunded").await;
    survivor.abort();
    let trade = sandbox_trade(&app, &number).await;
    assert_eq!(trade["refund_requests"].as_object().unwrap().len(), 1);
    assert_eq!(
        trade["refunded"].as_str().unwrap().parse::<f64>().unwrap(),
        paid
    );
    assert_eq!(
        gateway.refunds.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the second worker sent the same request again"
    );
    assert_invariants(&app.database.url).await;
}
