//! Bills: `alipay.data.dataservice.bill.downloadurl.query` answers a download link, and
//! `bill/download` serves the day's trade bill in Alipay's format (a zip of GBK CSV) built from
//! what the sandbox processed: each payment on the Beijing day it was paid, each refund on the
//! day it was made.

use actix_web::web::{Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use luffy_payment_alipay::bill::{write_trade_bill_zip, BillEntryKind, BillRow, TradeBill};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Map};

use crate::api::{failure, respond};
use crate::gateway::GatewayRequest;
use crate::Sandbox;

fn beijing_day(at: chrono::DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

fn fen(amount: Decimal) -> i64 {
    (amount * Decimal::ONE_HUNDRED).to_i64().unwrap_or_default()
}

/// The day's bill from the sandbox's trades.
pub fn bill_of(sandbox: &Sandbox, day: NaiveDate) -> TradeBill {
    let mut rows = Vec::new();
    for trade in sandbox.trades.all() {
        if let Some(paid) = trade.gmt_payment.filter(|at| beijing_day(*at) == day) {
            rows.push(BillRow {
                kind: BillEntryKind::Payment,
                trade_no: trade.trade_no.clone(),
                out_trade_no: trade.out_trade_no.clone(),
                out_request_no: None,
                amount_fen: fen(trade.total_amount),
                subject: trade.subject.clone(),
                completed_at: paid,
            });
        }
        for (request_no, refund) in &trade.refund_requests {
            if beijing_day(refund.at) == day {
                rows.push(BillRow {
                    kind: BillEntryKind::Refund,
                    trade_no: trade.trade_no.clone(),
                    out_trade_no: trade.out_trade_no.clone(),
                    out_request_no: Some(request_no.clone()),
                    amount_fen: fen(refund.amount),
                    subject: trade.subject.clone(),
                    completed_at: refund.at,
                });
            }
        }
    }
    rows.sort_by(|a, b| (a.completed_at, &a.trade_no).cmp(&(b.completed_at, &b.trade_no)));
    TradeBill {
        account: sandbox.config.seller_id.clone(),
        day,
        rows,
    }
}

/// `alipay.data.dataservice.bill.downloadurl.query`: a link to the day's trade bill. Days
/// after today (Beijing) have no bill yet.
pub fn download_url_query(
    sandbox: &Sandbox,
    req: &HttpRequest,
    request: &GatewayRequest,
) -> HttpResponse {
    let method = "alipay.data.dataservice.bill.downloadurl.query";
    let invalid =
        |message: &str| failure("40004", "Business Failed", "isp.invalid-parameter", message);
    let object = if request.biz_str("bill_type") != "trade" {
        invalid("bill_type 只支持 trade")
    } else {
        match NaiveDate::parse_from_str(request.biz_str("bill_date"), "%Y-%m-%d") {
            Err(_) => invalid("bill_date 格式应为 yyyy-MM-dd"),
            Ok(day) if day > beijing_day(Utc::now()) => failure(
                "40004",
                "Business Failed",
                "isp.bill_not_exist",
                "账单不存在",
            ),
            Ok(day) => {
                let info = req.connection_info();
                let base = req.path().trim_end_matches("gateway.do");
                let mut fields = Map::new();
                fields.insert(
                    "bill_download_url".into(),
                    json!(format!(
                        "{}://{}{base}bill/download?bill_date={day}",
                        info.scheme(),
                        info.host()
                    )),
                );
                fields.insert("code".into(), json!("10000"));
                fields.insert("msg".into(), json!("Success"));
                serde_json::Value::Object(fields)
            }
        }
    };
    respond(sandbox, method, object, request.encrypted)
}

/// The download's query.
#[derive(Deserialize)]
pub struct BillDay {
    bill_date: NaiveDate,
}

/// The detail file cut before its end, zipped like a whole one: what a download cut short looks
/// like once unpacked.
fn truncated_zip(bill: &TradeBill) -> Result<Vec<u8>, luffy_payment_alipay::AlipayError> {
    use std::io::Write;
    let text = luffy_payment_alipay::bill::write_trade_bill_csv(bill, Utc::now());
    let cut = text
        .find("#---")
        .and_then(|first| {
            text[first + 4..]
                .find("#---")
                .map(|second| first + 4 + second)
        })
        .unwrap_or(text.len());
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let name = format!(
            "{}_{}_业务明细.csv",
            bill.account,
            bill.day.format("%Y%m%d")
        );
        let failed =
            |e: &dyn std::fmt::Display| luffy_payment_alipay::AlipayError::Malformed(e.to_string());
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .map_err(|e| failed(&e))?;
        let (bytes, _, _) = encoding_rs::GBK.encode(&text[..cut]);
        zip.write_all(&bytes).map_err(|e| failed(&e))?;
        zip.finish().map_err(|e| failed(&e))?;
    }
    Ok(buffer.into_inner())
}

/// `GET bill/download?bill_date=`: the zip.
pub async fn download(sandbox: Data<Sandbox>, query: Query<BillDay>) -> HttpResponse {
    let bill = bill_of(&sandbox, query.bill_date);
    let zipped = if sandbox.modes().bill_truncated {
        truncated_zip(&bill)
    } else {
        write_trade_bill_zip(&bill, Utc::now())
    };
    match zipped {
        Ok(zip) => HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"{}.csv.zip\"",
                    query.bill_date.format("%Y%m%d")
                ),
            ))
            .body(zip),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}
