//! Business metrics move with the business (issue 11), and the Grafana dashboard in `docs/`
//! names only metrics that exist.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use luffy_e2e::{spawn_app_with, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn metrics(app: &TestApp) -> String {
    app.send(app.request(Method::GET, "/metrics")).await.text
}

/// The value of one sample line (`name{labels} value`), 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn order(app: &TestApp, token: &str, courses: &[i64], pay_type: i64) -> (String, i64) {
    app.fill_cart(token, courses).await;
    let created = app
        .json(
            Method::POST,
            "/orders/",
            token,
            json!({"pay_type": pay_type}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (
        created.json["order_number"].as_str().unwrap().to_owned(),
        created.json["id"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn business_metrics_move_and_the_dashboard_names_only_real_metrics() {
    let app = spawn_app_with(|settings| {
        settings.order_timeout_secs = 2;
        settings.worker_poll_ms = 100;
    })
    .await;
    let token = app.login_demo().await;

    // Paid through the sandbox: created, paid, amount, time to pay, a fulfilled notify.
    let (number, _) = order(&app, &token, &[1], 0).await;
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    app.press_pay(&number).await;
    // A replay of the same notify is a duplicate; a tampered one is forged.
    let body = app.sandbox_notify_body(&number).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while sample(
        &metrics(&app).await,
        "luffy_payment_notifies_total{channel=\"alipay\",outcome=\"fulfilled\"}",
    ) < 1.0
    {
        assert!(Instant::now() < deadline, "the notify never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for payload in [
        body.clone(),
        body.replace("total_amount=", "total_amount=1"),
    ] {
        app.client
            .post(format!("{}/payments/alipay/notify", app.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(payload)
            .send()
            .await
            .unwrap();
    }
    // Paid from the balance; one cancelled; one left to time out.
    let (balance_number, _) = order(&app, &token, &[7], 2).await;
    let paid = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{balance_number}/"),
            &token,
        ))
        .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
    let (_, cancel_id) = order(&app, &token, &[2], 0).await;
    app.send(app.authed(Method::PUT, &format!("/orders/{cancel_id}/"), &token))
        .await;
    order(&app, &token, &[4], 0).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while sample(
        &metrics(&app).await,
        "luffy_orders_timed_out_total{pay_type=\"alipay\"}",
    ) < 1.0
    {
        assert!(Instant::now() < deadline, "the order never timed out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let text = metrics(&app).await;
    for (series, expected) in [
        ("luffy_orders_created_total{pay_type=\"alipay\"}", 3.0),
        ("luffy_orders_created_total{pay_type=\"balance\"}", 1.0),
        ("luffy_orders_paid_total{pay_type=\"alipay\"}", 1.0),
        ("luffy_orders_paid_total{pay_type=\"balance\"}", 1.0),
        ("luffy_orders_cancelled_total{pay_type=\"alipay\"}", 1.0),
        ("luffy_orders_timed_out_total{pay_type=\"alipay\"}", 1.0),
        ("luffy_paid_amount_yuan_total{pay_type=\"alipay\"}", 398.0),
        ("luffy_paid_amount_yuan_total{pay_type=\"balance\"}", 299.0),
        (
            "luffy_payment_notifies_total{channel=\"alipay\",outcome=\"fulfilled\"}",
            1.0,
        ),
        (
            "luffy_payment_notifies_total{channel=\"alipay\",outcome=\"duplicate\"}",
            1.0,
        ),
        (
            "luffy_payment_notifies_total{channel=\"alipay\",outcome=\"forged\"}",
            1.0,
        ),
        (
            "luffy_order_time_to_pay_seconds_count{pay_type=\"alipay\"}",
            1.0,
        ),
    ] {
        assert_eq!(sample(&text, series), expected, "{series}\n{text}");
    }

    // Every metric the dashboard queries exists.
    let dashboard: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/grafana-dashboard.json")).unwrap();
    let mut named = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if word.starts_with("luffy_") {
                    named.insert(word.to_owned());
                }
            }
        }
    }
    assert!(named.len() >= 10, "{named:?}");
    let exported: BTreeSet<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    for name in &named {
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        assert!(
            exported.contains(base),
            "the dashboard names {name}, which /metrics does not export"
        );
    }
}
