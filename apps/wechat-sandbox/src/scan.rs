//! The buyer's phone: the page a scanned `code_url` opens, with Pay and Cancel.

use actix_web::web::{Data, Path};
use actix_web::HttpResponse;
use chrono::Utc;
use rand::Rng;

use crate::trades::WxTrade;
use crate::{notifier, WechatSandbox};

/// `n` random digits.
pub fn digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10)))
        .collect()
}

/// What the merchant's page turns into a QR code: the scan page's URL.
pub fn code_url(sandbox: &WechatSandbox, out_trade_no: &str) -> String {
    format!(
        "{}/scan/{out_trade_no}",
        sandbox.config.public_url.trim_end_matches('/')
    )
}

/// Why the phone cannot pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayRefusal {
    /// No such trade.
    NotFound,
    /// Closed, or past `time_expire`.
    Closed,
}

/// What pressing Pay does: the trade becomes paid once, and its notify goes out.
pub fn pay_trade(sandbox: &WechatSandbox, no: &str) -> Result<WxTrade, PayRefusal> {
    let now = Utc::now();
    let paid = sandbox
        .trades
        .with(no, |t| {
            if t.trade_state == "NOTPAY" && t.time_expire > now {
                t.trade_state = "SUCCESS".into();
                t.transaction_id = Some(format!("4200{}", digits(24)));
                t.success_time = Some(now);
                Ok((t.clone(), true))
            } else if t.transaction_id.is_some() {
                Ok((t.clone(), false))
            } else {
                Err(PayRefusal::Closed)
            }
        })
        .ok_or(PayRefusal::NotFound)??;
    if paid.1 {
        notifier::schedule_payment(sandbox, no);
    }
    Ok(paid.0)
}

fn page_html(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:24rem;margin:2rem auto;text-align:center}}\
         button{{font-size:1.1rem;padding:.6rem 1.4rem;margin:.4rem}}.pay{{background:#07c160;color:#fff;border:0}}</style>\
         </head><body><p>微信支付沙箱 · 模拟买家手机</p>{body}</body></html>"
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET scan/{no}`: the trade, with Pay and Cancel.
pub async fn page(sandbox: Data<WechatSandbox>, path: Path<String>) -> HttpResponse {
    let Some(trade) = sandbox.trades.with(&path, |t| t.clone()) else {
        return page_html("订单不存在", "<h1 id=\"state\">订单不存在</h1>");
    };
    let amount = format!("{}.{:02}", trade.total / 100, trade.total % 100);
    let state = match trade.trade_state.as_str() {
        "NOTPAY" if trade.time_expire > Utc::now() => "待支付",
        "NOTPAY" | "CLOSED" => "订单已关闭",
        _ => "支付成功",
    };
    let buttons = if state == "待支付" {
        format!(
            "<form method=\"post\" action=\"{no}/pay\"><button id=\"pay\" class=\"pay\">确认支付</button></form>\
             <form method=\"post\" action=\"{no}/cancel\"><button id=\"cancel\">取消</button></form>",
            no = escape(&trade.out_trade_no)
        )
    } else {
        String::new()
    };
    page_html(
        "微信支付",
        &format!(
            "<h1 id=\"state\">{state}</h1><p>{}</p><p id=\"amount\">¥{amount}</p>{buttons}",
            escape(&trade.description)
        ),
    )
}

/// `POST scan/{no}/pay`.
pub async fn pay(sandbox: Data<WechatSandbox>, path: Path<String>) -> HttpResponse {
    match pay_trade(&sandbox, &path) {
        Ok(_) => page_html("支付成功", "<h1 id=\"state\">支付成功</h1>"),
        Err(PayRefusal::NotFound) => page_html("订单不存在", "<h1 id=\"state\">订单不存在</h1>"),
        Err(PayRefusal::Closed) => page_html("订单已关闭", "<h1 id=\"state\">订单已关闭</h1>"),
    }
}

/// `POST scan/{no}/cancel`: the buyer closes the page; the trade stays unpaid.
pub async fn cancel(path: Path<String>) -> HttpResponse {
    let _ = path;
    page_html("已取消", "<h1 id=\"state\">已取消支付</h1>")
}
