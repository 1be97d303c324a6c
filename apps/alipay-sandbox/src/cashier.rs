//! The cashier page (Pay / Cancel) and what pressing Pay does.

use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Form};
use actix_web::HttpResponse;
use chrono::Utc;
use luffy_payment_alipay::wire::amount;
use luffy_payment_alipay::TradeStatus;
use serde::Deserialize;

use crate::notifier;
use crate::trades::Trade;
use crate::Sandbox;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto;color:#333}}\
         .box{{border:1px solid #1677ff;border-radius:8px;padding:1.5rem}}button{{padding:.5rem 1.5rem;margin-right:1rem}}\
         .pay{{background:#1677ff;color:#fff;border:0;border-radius:4px}}</style></head>\
         <body><h2>支付宝沙箱收银台 (luffy sandbox)</h2><div class=\"box\">{body}</div></body></html>",
        title = escape(title),
    )
}

/// An Alipay-style error page.
pub fn error_page(code: &str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/html; charset=utf-8")
        .body(page(
            "错误",
            &format!(
                "<p>错误代码 <b>{}</b></p><p>{}</p>",
                escape(code),
                escape(message)
            ),
        ))
}

/// The cashier page for an unpaid trade.
pub fn cashier_page(trade: &Trade) -> HttpResponse {
    let no = escape(&trade.out_trade_no);
    let body = format!(
        "<p>订单号: {no}</p><p>商品: {subject}</p><p>应付金额: <b id=\"amount\">¥{amount}</b></p>\
         <form method=\"post\" action=\"cashier/pay\" style=\"display:inline\"><input type=\"hidden\" name=\"out_trade_no\" value=\"{no}\">\
         <button class=\"pay\" type=\"submit\">确认付款 Pay</button></form>\
         <form method=\"post\" action=\"cashier/cancel\" style=\"display:inline\"><input type=\"hidden\" name=\"out_trade_no\" value=\"{no}\">\
         <button type=\"submit\">取消 Cancel</button></form>",
        subject = escape(&trade.subject),
        amount = amount(trade.total_amount),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page("支付宝收银台", &body))
}

/// The cashier forms.
#[derive(Debug, Deserialize)]
pub struct CashierForm {
    out_trade_no: String,
}

/// Why a payment attempt failed.
#[derive(Debug, PartialEq, Eq)]
pub enum PayRefusal {
    /// No such trade.
    NotFound,
    /// Expired or closed.
    Closed,
}

/// Pays a trade (idempotent for a trade already paid), schedules its notify, and returns the
/// trade for the redirect.
pub fn pay_trade(sandbox: &Sandbox, out_trade_no: &str) -> Result<Trade, PayRefusal> {
    let now = Utc::now();
    let outcome = sandbox
        .trades
        .with(out_trade_no, now, |t| match t.status {
            TradeStatus::WaitBuyerPay => {
                t.status = TradeStatus::TradeSuccess;
                t.gmt_payment = Some(now);
                Ok((t.clone(), true))
            }
            TradeStatus::TradeSuccess | TradeStatus::TradeFinished => Ok((t.clone(), false)),
            TradeStatus::TradeClosed => Err(PayRefusal::Closed),
        })
        .ok_or(PayRefusal::NotFound)??;
    let (trade, newly_paid) = outcome;
    if newly_paid {
        notifier::schedule(sandbox, out_trade_no);
    }
    Ok(trade)
}

/// Pay: mark paid, notify in the background, redirect the buyer to return_url.
pub async fn pay(sandbox: Data<Sandbox>, form: Form<CashierForm>) -> HttpResponse {
    match pay_trade(&sandbox, &form.out_trade_no) {
        Ok(trade) if trade.return_url.is_empty() => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(page("支付成功", "<p>支付成功</p>")),
        Ok(trade) => HttpResponse::Found()
            .insert_header((LOCATION, notifier::return_url(&sandbox, &trade)))
            .finish(),
        Err(PayRefusal::NotFound) => error_page("ACQ.TRADE_NOT_EXIST", "交易不存在"),
        Err(PayRefusal::Closed) => error_page("ACQ.TRADE_HAS_CLOSE", "交易已经关闭"),
    }
}

/// Cancel: the buyer leaves; the trade stays unpaid until it expires.
pub async fn cancel(form: Form<CashierForm>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page(
            "已取消",
            &format!("<p>您已取消支付订单 {}。</p>", escape(&form.out_trade_no)),
        ))
}
