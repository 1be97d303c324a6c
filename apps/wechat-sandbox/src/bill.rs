//! Bills: `GET /v3/bill/tradebill` answers a download link with the file's SHA-1, and
//! `GET /v3/billdownload/file` serves the file (signed requests both; the file itself is not
//! signed). The bill is built from what the sandbox processed: each payment on the Beijing day
//! it succeeded, each refund on the day it completed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use luffy_payment_wechat::bill::{
    bill_day, sha1_hex, write_trade_bill, BillEntryKind, BillRow, TradeBill,
};
use serde_json::json;

use crate::signing::{answer, check_request, error};
use crate::WechatSandbox;

/// Bill files handed out, by download token, so that the file downloaded is the one hashed.
#[derive(Clone, Default)]
pub struct BillFiles(Arc<Mutex<HashMap<String, String>>>);

/// The day's bill from the sandbox's trades.
pub fn bill_of(sandbox: &WechatSandbox, day: NaiveDate) -> TradeBill {
    let mut rows = sandbox
        .trades
        .all(|trades| {
            let mut rows = Vec::new();
            for trade in trades.values() {
                let (Some(transaction_id), Some(paid)) =
                    (&trade.transaction_id, trade.success_time)
                else {
                    continue;
                };
                if bill_day(paid) == day {
                    rows.push(BillRow {
                        kind: BillEntryKind::Payment,
                        transaction_id: transaction_id.clone(),
                        out_trade_no: trade.out_trade_no.clone(),
                        refund_id: None,
                        out_refund_no: None,
                        amount_fen: trade.total,
                        order_fen: trade.total,
                        description: trade.description.clone(),
                        at: paid,
                    });
                }
                for (out_refund_no, refund) in &trade.refunds {
                    if refund.status == "SUCCESS" && bill_day(refund.done_at) == day {
                        rows.push(BillRow {
                            kind: BillEntryKind::Refund,
                            transaction_id: transaction_id.clone(),
                            out_trade_no: trade.out_trade_no.clone(),
                            refund_id: Some(refund.refund_id.clone()),
                            out_refund_no: Some(out_refund_no.clone()),
                            amount_fen: refund.refund,
                            order_fen: trade.total,
                            description: trade.description.clone(),
                            at: refund.done_at,
                        });
                    }
                }
            }
            rows
        })
        .unwrap_or_default();
    rows.sort_by(|a, b| (a.at, &a.transaction_id).cmp(&(b.at, &b.transaction_id)));
    TradeBill {
        mchid: sandbox.config.mchid.clone(),
        appid: sandbox.config.appid.clone(),
        rows,
    }
}

fn query_value<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.query_string()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `GET /v3/bill/tradebill?bill_date=&bill_type=ALL`.
pub async fn trade_bill(sandbox: Data<WechatSandbox>, req: HttpRequest) -> HttpResponse {
    if let Err(why) = check_request(&sandbox, &req, "") {
        return error(&sandbox, StatusCode::UNAUTHORIZED, "SIGN_ERROR", &why);
    }
    if query_value(&req, "bill_type").unwrap_or("ALL") != "ALL" {
        return error(
            &sandbox,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "bill_type 只支持 ALL",
        );
    }
    let Some(day) =
        query_value(&req, "bill_date").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return error(
            &sandbox,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "bill_date 格式应为 yyyy-MM-dd",
        );
    };
    if day > bill_day(Utc::now()) {
        return error(
            &sandbox,
            StatusCode::BAD_REQUEST,
            "NO_STATEMENT_EXIST",
            "账单文件不存在",
        );
    }
    let text = write_trade_bill(&bill_of(&sandbox, day));
    let token = uuid::Uuid::new_v4().simple().to_string();
    let hash = sha1_hex(text.as_bytes());
    if let Ok(mut files) = sandbox.bills.0.lock() {
        files.insert(token.clone(), text);
    }
    answer(
        &sandbox,
        StatusCode::OK,
        Some(json!({
            "hash_type": "SHA1",
            "hash_value": hash,
            "download_url": format!(
                "{}/v3/billdownload/file?token={token}",
                sandbox.config.public_url.trim_end_matches('/')
            ),
        })),
    )
}

/// `GET /v3/billdownload/file?token=`: the file (not signed; its hash was).
pub async fn download(sandbox: Data<WechatSandbox>, req: HttpRequest) -> HttpResponse {
    if let Err(why) = check_request(&sandbox, &req, "") {
        return error(&sandbox, StatusCode::UNAUTHORIZED, "SIGN_ERROR", &why);
    }
    let file = query_value(&req, "token").and_then(|token| {
        sandbox
            .bills
            .0
            .lock()
            .ok()
            .and_then(|files| files.get(token).cloned())
    });
    match file {
        Some(text) => {
            let mut body = text.into_bytes();
            if sandbox.modes().bill_truncated {
                body.truncate(body.len() / 2);
            }
            HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(body)
        }
        None => error(
            &sandbox,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "下载链接无效",
        ),
    }
}
