//! What the logs say (issue 11): one INFO line with the order number when an order is created,
//! paid, cancelled or timed out, a line when a refund job is enqueued, no colour codes when the
//! output is not a terminal, and no WARN for a client's mistake such as `/favicon.ico`.
//! nextest runs each test in its own process, so this test owns the global subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use luffy_e2e::spawn_app_with;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A log sink the test can read.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn wait_for(logs: &Buffer, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !logs.text().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "never logged {needle:?}:\n{}",
            logs.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_lifecycle_lines_without_colours_or_client_warnings() {
    let logs = Buffer::default();
    // The buffer is not a terminal.
    luffy_api::telemetry::init_tracing_to(false, logs.clone(), false);
    let app = spawn_app_with(|settings| {
        settings.order_timeout_secs = 2;
        settings.worker_poll_ms = 100;
    })
    .await;
    let token = app.login_demo().await;
    let order = |courses: &'static [i64]| {
        let app = &app;
        let token = token.clone();
        async move {
            app.fill_cart(&token, courses).await;
            let created = app
                .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
                .await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
            (
                created.json["order_number"].as_str().unwrap().to_owned(),
                created.json["id"].as_i64().unwrap(),
            )
        }
    };

    // Created, then paid through the sandbox.
    let (paid, _) = order(&[1]).await;
    wait_for(&logs, &format!("order created order={paid}")).await;
    let link = app.get(&format!("/payments/alipay/{paid}/"), &token).await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    app.press_pay(&paid).await;
    wait_for(&logs, &format!("order paid order={paid}")).await;

    // Cancelled, then paid anyway: the late payment's refund job is enqueued.
    let (late, late_id) = order(&[2]).await;
    let link = app.get(&format!("/payments/alipay/{late}/"), &token).await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    app.send(app.authed(Method::PUT, &format!("/orders/{late_id}/"), &token))
        .await;
    wait_for(&logs, &format!("order cancelled order={late}")).await;
    app.press_pay(&late).await;
    wait_for(
        &logs,
        &format!("late payment recorded; refund job enqueued order={late}"),
    )
    .await;

    // Left unpaid: timed out by the worker.
    let (expired, _) = order(&[4]).await;
    wait_for(&logs, &format!("order timed out order={expired}")).await;

    // A browser's favicon and other client mistakes are not warnings.
    let favicon = app.send(app.request(Method::GET, "/favicon.ico")).await;
    assert_eq!(favicon.status, StatusCode::NOT_FOUND);
    app.send(app.request(Method::GET, "/courses/999/")).await;

    let text = logs.text();
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a non-terminal log"
    );
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains(" WARN "))
        .filter(|line| !line.contains("refund job enqueued"))
        .collect();
    assert!(warnings.is_empty(), "unexpected warnings: {warnings:#?}");
}
