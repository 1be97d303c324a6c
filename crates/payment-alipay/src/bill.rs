//! The trade bill (`bill_type=trade`, 业务明细) of one Beijing day, as
//! `alipay.data.dataservice.bill.downloadurl.query` hands it out: a zip holding a GBK CSV whose
//! `#` preamble names the account and the day, then a header and one 25-column row per payment
//! (业务类型 `交易`) or refund (`退款`, negative amounts, with its 退款批次号/请求号), ids
//! followed by a tab so spreadsheets keep them as text, and `#` summary lines at the end with
//! the counts and sums. A bill whose rows do not add up to its own summary, or that stops before
//! it, is refused: it is truncated or malformed, and nothing of it may be believed.

use std::io::{Cursor, Read, Write};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::error::AlipayError;
use crate::wire::{amount, parse_timestamp, timestamp};

/// The 25 columns of the detail file, in order.
pub const COLUMNS: [&str; 25] = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
];

const LIST_START: &str = "#-----------------------------------------业务明细列表----------------------------------------";
const LIST_END: &str = "#-----------------------------------------业务明细列表结束------------------------------------";

/// What a row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillEntryKind {
    /// 交易: a payment.
    Payment,
    /// 退款: a refund of a payment.
    Refund,
}

/// One row of the bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRow {
    /// Payment or refund.
    pub kind: BillEntryKind,
    /// Alipay's trade number.
    pub trade_no: String,
    /// Our order number.
    pub out_trade_no: String,
    /// For a refund, our refund request number.
    pub out_request_no: Option<String>,
    /// The amount in fen, positive for both kinds (the bill writes refunds negative).
    pub amount_fen: i64,
    /// The subject.
    pub subject: String,
    /// When the payment or refund completed.
    pub completed_at: DateTime<Utc>,
}

/// A day's trade bill, its rows checked against its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeBill {
    /// The account (the seller id) it is for.
    pub account: String,
    /// The Beijing day it covers.
    pub day: NaiveDate,
    /// Every row, in bill order.
    pub rows: Vec<BillRow>,
}

fn malformed(what: impl std::fmt::Display) -> AlipayError {
    AlipayError::Malformed(format!("trade bill: {what}"))
}

/// Yuan with at most 2 decimals to fen, exactly.
fn fen(text: &str) -> Result<i64, AlipayError> {
    let value: Decimal = text
        .trim()
        .parse()
        .map_err(|_| malformed(format!("amount {text:?}")))?;
    if value.scale() > 2 {
        return Err(malformed(format!(
            "amount {text:?} has more than 2 decimals"
        )));
    }
    use rust_decimal::prelude::ToPrimitive;
    (value * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or_else(|| malformed(format!("amount {text:?}")))
}

fn yuan(fen: i64) -> String {
    amount(Decimal::new(fen, 2))
}

/// The text between `label` and the next `unit` in a summary line.
fn figure<'a>(line: &'a str, label: &str, unit: char) -> Result<&'a str, AlipayError> {
    let start = line
        .find(label)
        .ok_or_else(|| malformed(format!("summary has no {label}")))?
        + label.len();
    let rest = &line[start..];
    let end = rest
        .find(unit)
        .ok_or_else(|| malformed(format!("summary {label} has no {unit}")))?;
    Ok(&rest[..end])
}

/// The bracketed value of a preamble line such as `#账号：[2088...]`.
fn bracketed(line: &str) -> Option<&str> {
    let start = line.find('[')? + 1;
    let end = line[start..].find(']')? + start;
    Some(&line[start..end])
}

/// Reads the zip Alipay serves: the detail file (业务明细, not 汇总) in it, GBK.
pub fn read_trade_bill_zip(bytes: &[u8]) -> Result<TradeBill, AlipayError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("not a zip archive ({e})")))?;
    let mut detail = None;
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| malformed(format!("zip entry ({e})")))?;
        let name = file.name().to_owned();
        if name.ends_with(".csv") && name.contains("业务明细") && !name.contains("汇总") {
            let mut content = Vec::new();
            file.read_to_end(&mut content)
                .map_err(|e| malformed(format!("zip entry {name} ({e})")))?;
            detail = Some(content);
        }
    }
    let content = detail.ok_or_else(|| malformed("the zip holds no 业务明细 file"))?;
    let (text, _, had_errors) = encoding_rs::GBK.decode(&content);
    if had_errors {
        return Err(malformed("the detail file is not GBK text"));
    }
    read_trade_bill_csv(&text)
}

/// Reads the detail file's text (already decoded from GBK).
pub fn read_trade_bill_csv(text: &str) -> Result<TradeBill, AlipayError> {
    let mut account = None;
    let mut day = None;
    let mut in_list = false;
    let mut ended = false;
    let mut header_seen = false;
    let mut rows = Vec::new();
    let mut summary_payments = None;
    let mut summary_refunds = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("#账号") {
            account = bracketed(line).map(str::to_owned);
        } else if line.starts_with("#起始日期") {
            day = bracketed(line)
                .and_then(|d| NaiveDate::parse_from_str(d.get(..17)?, "%Y年%m月%d日").ok());
        } else if line == LIST_START {
            in_list = true;
        } else if line == LIST_END {
            in_list = false;
            ended = true;
        } else if line.starts_with("#交易合计") {
            summary_payments = Some((
                figure(line, "交易合计：", '笔')?
                    .parse::<usize>()
                    .map_err(malformed)?,
                fen(figure(line, "商家实收共：", '元')?)?,
            ));
        } else if line.starts_with("#退款合计") {
            summary_refunds = Some((
                figure(line, "退款合计：", '笔')?
                    .parse::<usize>()
                    .map_err(malformed)?,
                fen(figure(line, "商家实收退款共：", '元')?)?,
            ));
        } else if in_list && !line.starts_with('#') && !line.is_empty() {
            if !header_seen {
                let header: Vec<&str> = line.split(',').map(str::trim).collect();
                if header != COLUMNS {
                    return Err(malformed("the header is not the 25 trade-bill columns"));
                }
                header_seen = true;
                continue;
            }
            rows.push(read_row(line)?);
        }
    }
    let account = account.ok_or_else(|| malformed("no #账号 line"))?;
    let day = day.ok_or_else(|| malformed("no #起始日期 line"))?;
    if !ended || !header_seen {
        return Err(malformed(
            "the list stops before its end: the bill is truncated",
        ));
    }
    let (payments, refunds) = summary_payments
        .zip(summary_refunds)
        .ok_or_else(|| malformed("no summary lines: the bill is truncated"))?;
    let sum = |kind| -> (usize, i64) {
        let of_kind = rows.iter().filter(|r: &&BillRow| r.kind == kind);
        (of_kind.clone().count(), of_kind.map(|r| r.amount_fen).sum())
    };
    let (paid_rows, paid_fen) = sum(BillEntryKind::Payment);
    let (refund_rows, refund_fen) = sum(BillEntryKind::Refund);
    if (paid_rows, paid_fen) != payments || (refund_rows, -refund_fen) != refunds {
        return Err(malformed(format!(
            "the rows ({paid_rows} payments of {paid_fen} fen, {refund_rows} refunds of {refund_fen} fen) \
             do not add up to the summary ({payments:?}, {refunds:?})"
        )));
    }
    Ok(TradeBill { account, day, rows })
}

fn read_row(line: &str) -> Result<BillRow, AlipayError> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() != COLUMNS.len() {
        return Err(malformed(format!(
            "a row has {} columns, not 25: {line:?}",
            fields.len()
        )));
    }
    let kind = match fields[2] {
        "交易" => BillEntryKind::Payment,
        "退款" => BillEntryKind::Refund,
        other => return Err(malformed(format!("unknown 业务类型 {other:?}"))),
    };
    let received = fen(fields[12])?;
    let amount_fen = match kind {
        BillEntryKind::Payment if received > 0 => received,
        BillEntryKind::Refund if received < 0 => -received,
        _ => return Err(malformed(format!("a {kind:?} of {} yuan", fields[12]))),
    };
    let completed_at =
        parse_timestamp(fields[5]).ok_or_else(|| malformed(format!("完成时间 {:?}", fields[5])))?;
    if fields[0].is_empty() || fields[1].is_empty() {
        return Err(malformed("a row without its trade numbers"));
    }
    Ok(BillRow {
        kind,
        trade_no: fields[0].to_owned(),
        out_trade_no: fields[1].to_owned(),
        out_request_no: (kind == BillEntryKind::Refund && !fields[21].is_empty())
            .then(|| fields[21].to_owned()),
        amount_fen,
        subject: fields[3].to_owned(),
        completed_at,
    })
}

/// Writes a day's bill as Alipay serves it (a zip of the GBK detail and summary files), for
/// sandboxes and tests. `generated_at` is the export time the file states.
pub fn write_trade_bill_zip(
    bill: &TradeBill,
    generated_at: DateTime<Utc>,
) -> Result<Vec<u8>, AlipayError> {
    let detail = write_trade_bill_csv(bill, generated_at);
    let (paid, refunded) = totals(bill);
    let summary = format!(
        "#支付宝业务汇总查询\n#账号：[{}]\n门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）\n,合计,{},{},{},{}\n",
        bill.account,
        paid.0,
        refunded.0,
        yuan(paid.1),
        yuan(paid.1 - refunded.1),
    );
    let stem = format!("{}_{}", bill.account, bill.day.format("%Y%m%d"));
    let mut buffer = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default();
        for (name, text) in [
            (format!("{stem}_业务明细.csv"), detail),
            (format!("{stem}_业务明细(汇总).csv"), summary),
        ] {
            zip.start_file(name, options)
                .map_err(|e| malformed(format!("writing the zip ({e})")))?;
            let (bytes, _, _) = encoding_rs::GBK.encode(&text);
            zip.write_all(&bytes)
                .map_err(|e| malformed(format!("writing the zip ({e})")))?;
        }
        zip.finish()
            .map_err(|e| malformed(format!("writing the zip ({e})")))?;
    }
    Ok(buffer.into_inner())
}

fn totals(bill: &TradeBill) -> ((usize, i64), (usize, i64)) {
    let of = |kind| {
        let rows = bill.rows.iter().filter(move |r: &&BillRow| r.kind == kind);
        (
            rows.clone().count(),
            rows.map(|r| r.amount_fen).sum::<i64>(),
        )
    };
    (of(BillEntryKind::Payment), of(BillEntryKind::Refund))
}

/// The detail file's text (before GBK encoding).
pub fn write_trade_bill_csv(bill: &TradeBill, generated_at: DateTime<Utc>) -> String {
    let day = bill.day.format("%Y年%m月%d日");
    let next = bill
        .day
        .succ_opt()
        .unwrap_or(bill.day)
        .format("%Y年%m月%d日");
    let mut text = format!(
        "#支付宝业务明细查询\n#账号：[{}]\n#起始日期：[{day} 00:00:00]   终止日期：[{next} 00:00:00]\n{LIST_START}\n{}\n",
        bill.account,
        COLUMNS.join(","),
    );
    for row in &bill.rows {
        let (kind, received) = match row.kind {
            BillEntryKind::Payment => ("交易", row.amount_fen),
            BillEntryKind::Refund => ("退款", -row.amount_fen),
        };
        let at = timestamp(row.completed_at);
        let fields: Vec<String> = vec![
            format!("{}\t", row.trade_no),
            format!("{}\t", row.out_trade_no),
            kind.into(),
            row.subject.replace(',', "，"),
            at.clone(),
            at,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "sandbox***@example.com".into(),
            yuan(received),
            yuan(received),
            "0.00".into(),
            "0.00".into(),
            "0.00".into(),
            "0.00".into(),
            "0.00".into(),
            String::new(),
            "0.00".into(),
            "0.00".into(),
            row.out_request_no
                .as_ref()
                .map(|no| format!("{no}\t"))
                .unwrap_or_default(),
            "0.00".into(),
            "0.00".into(),
            String::new(),
        ];
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    let (paid, refunded) = totals(bill);
    text.push_str(&format!(
        "{LIST_END}\n#交易合计：{}笔，商家实收共：{}元，商家优惠共：0.00元\n#退款合计：{}笔，商家实收退款共：{}元，商家优惠退款共：0.00元\n#导出时间：[{}]\n",
        paid.0,
        yuan(paid.1),
        refunded.0,
        yuan(-refunded.1),
        generated_at
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y年%m月%d日 %H:%M:%S"),
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn bill() -> TradeBill {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).single().unwrap();
        TradeBill {
            account: "2088000000000000".into(),
            day: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            rows: vec![
                BillRow {
                    kind: BillEntryKind::Payment,
                    trade_no: "2026120222001400001".into(),
                    out_trade_no: "202612020000000100000001".into(),
                    out_request_no: None,
                    amount_fen: 29900,
                    subject: "路飞学城课程".into(),
                    completed_at: at(2),
                },
                BillRow {
                    kind: BillEntryKind::Payment,
                    trade_no: "2026120222001400002".into(),
                    out_trade_no: "202612020000000100000002".into(),
                    out_request_no: None,
                    amount_fen: 1,
                    subject: "路飞学城课程".into(),
                    completed_at: at(3),
                },
                BillRow {
                    kind: BillEntryKind::Refund,
                    trade_no: "2026120222001400001".into(),
                    out_trade_no: "202612020000000100000001".into(),
                    out_request_no: Some("refund-7".into()),
                    amount_fen: 10050,
                    subject: "路飞学城课程".into(),
                    completed_at: at(4),
                },
            ],
        }
    }

    #[test]
    fn a_written_bill_reads_back_row_for_row() {
        let zip = write_trade_bill_zip(&bill(), Utc::now()).unwrap();
        assert_eq!(read_trade_bill_zip(&zip).unwrap(), bill());
    }

    #[test]
    fn the_detail_file_has_alipays_shape() {
        let text = write_trade_bill_csv(&bill(), Utc::now());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with('#') && lines[3] == LIST_START);
        assert_eq!(lines[4].split(',').count(), 25);
        assert!(lines[5].starts_with("2026120222001400001\t,202612020000000100000001\t,交易"));
        assert!(lines[7].contains(",-100.50,") && lines[7].contains("refund-7\t"));
        assert!(text.contains("#交易合计：2笔，商家实收共：299.01元"));
        assert!(text.contains("#退款合计：1笔，商家实收退款共：-100.50元"));
    }

    #[test]
    fn truncated_or_tampered_bills_are_refused() {
        let text = write_trade_bill_csv(&bill(), Utc::now());
        // Cut before the summary, cut mid-row, a row dropped, an amount changed, a column lost.
        let cut = &text[..text.find(LIST_END).unwrap()];
        assert!(read_trade_bill_csv(cut).is_err());
        let mid_row = &text[..text.find("路飞学城课程").unwrap()];
        assert!(read_trade_bill_csv(mid_row).is_err());
        let lines: Vec<&str> = text.lines().collect();
        let dropped: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 6)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        assert!(read_trade_bill_csv(&dropped).is_err());
        assert!(read_trade_bill_csv(&text.replacen("299.00,299.00", "299.00,199.00", 1)).is_err());
        assert!(read_trade_bill_csv(&text.replacen(",路飞学城课程,", ",", 1)).is_err());
        assert!(read_trade_bill_csv(&text.replacen("交易,路飞", "转账,路飞", 1)).is_err());
        assert!(read_trade_bill_zip(b"PK\x03\x04 not really").is_err());
        assert!(read_trade_bill_zip(b"").is_err());
    }

    #[test]
    fn amounts_convert_to_fen_exactly() {
        assert_eq!(fen("299.00").unwrap(), 29900);
        assert_eq!(fen("-100.5").unwrap(), -10050);
        assert_eq!(fen("0.01").unwrap(), 1);
        assert!(fen("1.001").is_err() && fen("abc").is_err());
    }
}
