//! Signed returns and notifies, and the notify retry loop.

use chrono::Utc;
use luffy_payment_alipay::form::encode_form;
use luffy_payment_alipay::sign::{signing_string, Purpose};
use luffy_payment_alipay::wire::{amount, timestamp};

use crate::modes::NotifyMode;
use crate::trades::Trade;
use crate::Sandbox;

fn signed(sandbox: &Sandbox, mut params: Vec<(String, String)>) -> Vec<(String, String)> {
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Callback,
    );
    let signature = sandbox.identity.sign(&content);
    params.push(("sign".into(), signature));
    params.push(("sign_type".into(), "RSA2".into()));
    params
}

/// The signed synchronous return parameters.
pub fn return_params(sandbox: &Sandbox, trade: &Trade) -> Vec<(String, String)> {
    let params = vec![
        ("charset".to_owned(), "utf-8".to_owned()),
        ("out_trade_no".into(), trade.out_trade_no.clone()),
        ("method".into(), "alipay.trade.page.pay.return".into()),
        ("total_amount".into(), amount(trade.total_amount)),
        ("trade_no".into(), trade.trade_no.clone()),
        ("auth_app_id".into(), trade.app_id.clone()),
        ("version".into(), "1.0".into()),
        ("app_id".into(), trade.app_id.clone()),
        ("seller_id".into(), sandbox.config.seller_id.clone()),
        ("timestamp".into(), timestamp(Utc::now())),
    ];
    signed(sandbox, params)
}

/// The return URL the buyer's browser is redirected to.
pub fn return_url(sandbox: &Sandbox, trade: &Trade) -> String {
    let query = encode_form(
        return_params(sandbox, trade)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let separator = if trade.return_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{query}", trade.return_url)
}

/// The signed notify form body for the trade's current state.
pub fn notify_body(sandbox: &Sandbox, trade: &Trade) -> String {
    let now = Utc::now();
    let mut params = vec![
        ("notify_time".to_owned(), timestamp(now)),
        ("notify_type".into(), "trade_status_sync".into()),
        (
            "notify_id".into(),
            format!("{}{}", trade.trade_no, trade.notify_attempts),
        ),
        ("app_id".into(), trade.app_id.clone()),
        ("auth_app_id".into(), trade.app_id.clone()),
        ("charset".into(), "utf-8".into()),
        ("version".into(), "1.0".into()),
        ("trade_no".into(), trade.trade_no.clone()),
        ("out_trade_no".into(), trade.out_trade_no.clone()),
        ("trade_status".into(), trade.status.as_str().into()),
        ("total_amount".into(), amount(trade.total_amount)),
        ("receipt_amount".into(), amount(trade.total_amount)),
        ("buyer_pay_amount".into(), amount(trade.total_amount)),
        ("seller_id".into(), sandbox.config.seller_id.clone()),
        ("subject".into(), trade.subject.clone()),
        ("gmt_create".into(), timestamp(now)),
    ];
    if let Some(paid) = trade.gmt_payment {
        params.push(("gmt_payment".into(), timestamp(paid)));
    }
    encode_form(
        signed(sandbox, params)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// The signed refund notify for one refund of the trade: the trade's fields with `refund_fee`
/// (the total refunded so far), `gmt_refund` and `out_biz_no` (the refund's request number);
/// the trade status stays TRADE_SUCCESS after a partial refund and is TRADE_CLOSED after a
/// full one, as Alipay sends them.
pub fn refund_notify_body(sandbox: &Sandbox, trade: &Trade, out_request_no: &str) -> String {
    let now = Utc::now();
    let params = vec![
        ("notify_time".to_owned(), timestamp(now)),
        ("notify_type".into(), "trade_status_sync".into()),
        (
            "notify_id".into(),
            format!("{}{out_request_no}", trade.trade_no),
        ),
        ("app_id".into(), trade.app_id.clone()),
        ("auth_app_id".into(), trade.app_id.clone()),
        ("charset".into(), "utf-8".into()),
        ("version".into(), "1.0".into()),
        ("trade_no".into(), trade.trade_no.clone()),
        ("out_trade_no".into(), trade.out_trade_no.clone()),
        ("out_biz_no".into(), out_request_no.to_owned()),
        ("trade_status".into(), trade.status.as_str().into()),
        ("total_amount".into(), amount(trade.total_amount)),
        ("receipt_amount".into(), amount(trade.total_amount)),
        ("buyer_pay_amount".into(), amount(trade.total_amount)),
        ("refund_fee".into(), amount(trade.refunded)),
        ("gmt_refund".into(), timestamp(now)),
        ("seller_id".into(), sandbox.config.seller_id.clone()),
        ("subject".into(), trade.subject.clone()),
    ];
    encode_form(
        signed(sandbox, params)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// Sends a refund's notify in the background (unless notifies are dropped), retrying on the
/// configured schedule until `success`. The body is fixed when the refund is made.
pub fn schedule_refund(sandbox: &Sandbox, trade: &Trade, out_request_no: &str) {
    let modes = sandbox.modes();
    if modes.notify == NotifyMode::Drop || trade.notify_url.is_empty() {
        return;
    }
    let body = refund_notify_body(sandbox, trade, out_request_no);
    let url = trade.notify_url.clone();
    let sandbox = sandbox.clone();
    tokio::spawn(async move {
        let first_delay = std::time::Duration::from_millis(modes.notify_delay_ms);
        tokio::time::sleep(first_delay).await;
        if post(&sandbox, &url, body.clone()).await {
            return;
        }
        for delay in sandbox.config.notify_retry_delays.clone() {
            tokio::time::sleep(delay).await;
            if post(&sandbox, &url, body.clone()).await {
                return;
            }
        }
    });
}

/// POSTs a notify body; true when the merchant answered exactly `success`.
async fn post(sandbox: &Sandbox, url: &str, body: String) -> bool {
    let answer = sandbox
        .http
        .post(url)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body)
        .send()
        .await;
    match answer {
        Ok(response) => response
            .text()
            .await
            .map(|t| t.trim() == "success")
            .unwrap_or(false),
        Err(error) => {
            tracing::info!(%error, url, "sandbox notify not delivered");
            false
        }
    }
}

/// POSTs one notify; true when the merchant answered exactly `success`.
pub async fn send_once(sandbox: &Sandbox, out_trade_no: &str) -> bool {
    let Some((url, body)) = sandbox.trades.with(out_trade_no, Utc::now(), |t| {
        t.notify_attempts += 1;
        (t.notify_url.clone(), notify_body(sandbox, t))
    }) else {
        return false;
    };
    if url.is_empty() {
        return false;
    }
    let acknowledged = post(sandbox, &url, body).await;
    if acknowledged {
        sandbox
            .trades
            .with(out_trade_no, Utc::now(), |t| t.notify_acknowledged = true);
    }
    acknowledged
}

/// Sends the notify in the background per the test modes, retrying on the configured schedule
/// until `success` (each copy independently, for duplicate mode).
pub fn schedule(sandbox: &Sandbox, out_trade_no: &str) {
    let modes = sandbox.modes();
    if modes.notify == NotifyMode::Drop {
        return;
    }
    for _ in 0..modes.notify_copies.max(1) {
        let sandbox = sandbox.clone();
        let out_trade_no = out_trade_no.to_owned();
        let first_delay = std::time::Duration::from_millis(modes.notify_delay_ms);
        tokio::spawn(async move {
            tokio::time::sleep(first_delay).await;
            if send_once(&sandbox, &out_trade_no).await {
                return;
            }
            for delay in sandbox.config.notify_retry_delays.clone() {
                tokio::time::sleep(delay).await;
                if send_once(&sandbox, &out_trade_no).await {
                    return;
                }
            }
        });
    }
}
