//! Encrypted, signed notifies, and their delivery on WeChat's retry schedule.

use chrono::Utc;
use luffy_payment_wechat::seal_notify;
use serde_json::Value;

use crate::api::{refund_json, transaction_json};
use crate::signing::signed_headers;
use crate::WechatSandbox;

/// A notify as it is sent: the body and its `Wechatpay-*` headers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotifyRequest {
    /// Where it goes.
    pub url: String,
    /// The JSON body.
    pub body: String,
    /// The signed headers.
    pub headers: Vec<(String, String)>,
}

fn request(
    sandbox: &WechatSandbox,
    url: String,
    event: &str,
    original: &str,
    resource: &Value,
) -> Option<NotifyRequest> {
    let id = crate::scan::digits(16);
    let envelope = seal_notify(
        sandbox.config.api_v3_key.as_bytes(),
        &id,
        event,
        original,
        resource,
        Utc::now(),
    )
    .ok()?;
    let body = serde_json::to_string(&envelope).ok()?;
    let probe = sandbox.modes().signtest_notifies;
    let headers = signed_headers(sandbox, body.as_bytes(), probe)
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
    Some(NotifyRequest { url, body, headers })
}

/// The `TRANSACTION.SUCCESS` notify of a paid trade.
pub fn payment_notify(sandbox: &WechatSandbox, out_trade_no: &str) -> Option<NotifyRequest> {
    let (url, resource) = sandbox
        .trades
        .with(out_trade_no, |t| {
            t.transaction_id.as_ref()?;
            let mut resource = transaction_json(t);
            resource["trade_state"] = "SUCCESS".into();
            Some((t.notify_url.clone(), resource))
        })
        .flatten()?;
    request(
        sandbox,
        url,
        "TRANSACTION.SUCCESS",
        "transaction",
        &resource,
    )
}

/// The `REFUND.*` notify of a refund.
pub fn refund_notify(
    sandbox: &WechatSandbox,
    out_trade_no: &str,
    out_refund_no: &str,
) -> Option<NotifyRequest> {
    let (url, resource, status) = sandbox
        .trades
        .with(out_trade_no, |t| {
            let refund = t.refunds.get(out_refund_no)?;
            let mut resource = refund_json(t, out_refund_no, refund);
            resource["mchid"] = t.mchid.clone().into();
            resource["refund_status"] = refund.status.clone().into();
            Some((t.notify_url.clone(), resource, refund.status.clone()))
        })
        .flatten()?;
    request(
        sandbox,
        url,
        &format!("REFUND.{status}"),
        "refund",
        &resource,
    )
}

/// POSTs a notify; true when the merchant answered 2xx.
pub async fn post(sandbox: &WechatSandbox, notify: &NotifyRequest) -> bool {
    let mut request = sandbox
        .http
        .post(&notify.url)
        .header("Content-Type", "application/json")
        .body(notify.body.clone());
    for (name, value) in &notify.headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => response.status().is_success(),
        Err(error) => {
            tracing::info!(%error, url = notify.url, "sandbox notify not delivered");
            false
        }
    }
}

type Build = std::sync::Arc<dyn Fn(&WechatSandbox) -> Option<NotifyRequest> + Send + Sync>;

/// Delivers notifies built by `build` until one is acknowledged: now, then on the configured
/// schedule (a fresh signature each time, as WeChat sends them); each copy (duplicate mode)
/// on its own.
fn deliver(sandbox: &WechatSandbox, build: Build) {
    let modes = sandbox.modes();
    if modes.drop_notifies {
        return;
    }
    for _ in 0..modes.notify_copies.max(1) {
        let sandbox = sandbox.clone();
        let build = build.clone();
        tokio::spawn(async move {
            let mut delays = sandbox.config.notify_retry_delays.clone().into_iter();
            loop {
                if let Some(notify) = build(&sandbox) {
                    if post(&sandbox, &notify).await {
                        return;
                    }
                }
                match delays.next() {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return,
                }
            }
        });
    }
}

/// Sends a paid trade's notify in the background.
pub fn schedule_payment(sandbox: &WechatSandbox, out_trade_no: &str) {
    let no = out_trade_no.to_owned();
    deliver(
        sandbox,
        std::sync::Arc::new(move |sandbox: &WechatSandbox| {
            sandbox.trades.with(&no, |t| t.notify_attempts += 1);
            payment_notify(sandbox, &no)
        }),
    );
}

/// Sends a finished refund's notify in the background.
pub fn schedule_refund(sandbox: &WechatSandbox, out_trade_no: &str, out_refund_no: &str) {
    let (no, refund) = (out_trade_no.to_owned(), out_refund_no.to_owned());
    deliver(
        sandbox,
        std::sync::Arc::new(move |sandbox: &WechatSandbox| refund_notify(sandbox, &no, &refund)),
    );
}
