//! The trade bill of one Beijing day (`GET /v3/bill/tradebill?bill_type=ALL`): the API answers
//! a `download_url` with the file's SHA-1 (`hash_value`); the file is a CSV whose every value is
//! prefixed with a backtick (so spreadsheets keep ids as text): a header of 27 columns, one row
//! per payment (交易状态 `SUCCESS`) or refund (`REFUND`, with its 微信退款单号, 商户退款单号
//! and 退款金额), then a summary header and one summary row. A file whose hash differs, whose
//! rows do not add up to its summary, or that stops before it, is refused.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use rust_decimal::Decimal;
use sha1::{Digest, Sha1};

use crate::amount::{fen_to_yuan, yuan_to_fen};
use crate::error::WechatError;

/// The 27 columns of an `ALL` bill, in order.
pub const COLUMNS: [&str; 27] = [
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
];

/// The summary's header.
pub const SUMMARY_COLUMNS: [&str; 7] = [
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
];

/// What a row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillEntryKind {
    /// `SUCCESS`: a payment.
    Payment,
    /// `REFUND`: a refund of a payment.
    Refund,
}

/// One row of the bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRow {
    /// Payment or refund.
    pub kind: BillEntryKind,
    /// WeChat's order number (微信订单号).
    pub transaction_id: String,
    /// Our order number.
    pub out_trade_no: String,
    /// For a refund, WeChat's refund number.
    pub refund_id: Option<String>,
    /// For a refund, our refund number.
    pub out_refund_no: Option<String>,
    /// The payment's amount, or the refund's, in fen.
    pub amount_fen: i64,
    /// The order's amount in fen (on refund rows too).
    pub order_fen: i64,
    /// What the buyer saw.
    pub description: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A day's trade bill, checked against its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeBill {
    /// The merchant.
    pub mchid: String,
    /// The app.
    pub appid: String,
    /// Every row, in file order.
    pub rows: Vec<BillRow>,
}

fn malformed(what: impl std::fmt::Display) -> WechatError {
    WechatError::Malformed(format!("trade bill: {what}"))
}

/// The file's SHA-1, lower-case hex, as `hash_value` gives it.
pub fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the file against the `hash_value` (SHA-1) the API answered, then reads it.
pub fn read_trade_bill(bytes: &[u8], hash_value: &str) -> Result<TradeBill, WechatError> {
    if !sha1_hex(bytes).eq_ignore_ascii_case(hash_value.trim()) {
        return Err(malformed(
            "the file's SHA-1 differs from hash_value: it is truncated or altered",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8 text"))?;
    read_trade_bill_text(text.trim_start_matches('\u{feff}'))
}

fn values(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|v| v.trim().strip_prefix('`').unwrap_or(v.trim()))
        .collect()
}

fn fen(text: &str) -> Result<i64, WechatError> {
    let value: Decimal = text
        .parse()
        .map_err(|_| malformed(format!("amount {text:?}")))?;
    yuan_to_fen(value).map_err(|e| malformed(e.to_string()))
}

fn beijing(text: &str) -> Result<DateTime<Utc>, WechatError> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .map_err(|_| malformed(format!("time {text:?}")))?;
    Shanghai
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| malformed(format!("time {text:?}")))
}

/// Reads the file's text.
pub fn read_trade_bill_text(text: &str) -> Result<TradeBill, WechatError> {
    let mut lines = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty());
    let header = lines.next().ok_or_else(|| malformed("empty file"))?;
    if values(header) != COLUMNS {
        return Err(malformed("the header is not the 27 columns of an ALL bill"));
    }
    let mut rows = Vec::new();
    let mut mchid = String::new();
    let mut appid = String::new();
    let mut summary = None;
    while let Some(line) = lines.next() {
        let fields = values(line);
        if fields == SUMMARY_COLUMNS {
            let totals = lines
                .next()
                .map(values)
                .ok_or_else(|| malformed("the summary row is missing: the file is truncated"))?;
            if totals.len() != SUMMARY_COLUMNS.len() {
                return Err(malformed("the summary row is cut short"));
            }
            summary = Some((
                totals[0].parse::<usize>().map_err(malformed)?,
                fen(totals[1])?,
                fen(totals[2])?,
            ));
            break;
        }
        if fields.len() != COLUMNS.len() {
            return Err(malformed(format!(
                "a row has {} columns, not 27: {line:?}",
                fields.len()
            )));
        }
        let kind = match fields[9] {
            "SUCCESS" => BillEntryKind::Payment,
            "REFUND" => BillEntryKind::Refund,
            other => return Err(malformed(format!("unknown 交易状态 {other:?}"))),
        };
        let refund_field = |i: usize| {
            (kind == BillEntryKind::Refund && !fields[i].is_empty() && fields[i] != "0")
                .then(|| fields[i].to_owned())
        };
        let order_fen = fen(fields[12])?;
        let amount_fen = match kind {
            BillEntryKind::Payment => order_fen,
            BillEntryKind::Refund => fen(fields[16])?,
        };
        if amount_fen <= 0 || fields[5].is_empty() || fields[6].is_empty() {
            return Err(malformed(format!("an incomplete row: {line:?}")));
        }
        mchid = fields[2].to_owned();
        appid = fields[1].to_owned();
        rows.push(BillRow {
            kind,
            transaction_id: fields[5].to_owned(),
            out_trade_no: fields[6].to_owned(),
            refund_id: refund_field(14),
            out_refund_no: refund_field(15),
            amount_fen,
            order_fen,
            description: fields[20].to_owned(),
            at: beijing(fields[0])?,
        });
    }
    let (count, settled, refunded) =
        summary.ok_or_else(|| malformed("no summary: the file is truncated"))?;
    let sum = |kind| -> i64 {
        rows.iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.amount_fen)
            .sum()
    };
    let (paid, back) = (sum(BillEntryKind::Payment), sum(BillEntryKind::Refund));
    if count != rows.len() || settled != paid || refunded != back {
        return Err(malformed(format!(
            "{} rows of {paid} fen paid and {back} fen refunded do not add up to the summary \
             ({count} rows, {settled}, {refunded})",
            rows.len()
        )));
    }
    Ok(TradeBill { mchid, appid, rows })
}

fn yuan(fen: i64) -> String {
    let mut value = fen_to_yuan(fen);
    value.rescale(2);
    value.to_string()
}

/// Writes a bill in WeChat Pay's format, for sandboxes and tests.
pub fn write_trade_bill(bill: &TradeBill) -> String {
    let tick = |v: &str| format!("`{v}");
    let mut text = COLUMNS.join(",");
    text.push_str("\r\n");
    for row in &bill.rows {
        let refund = row.kind == BillEntryKind::Refund;
        let at = row
            .at
            .with_timezone(&Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let fields = [
            at,
            bill.appid.clone(),
            bill.mchid.clone(),
            "0".into(),
            String::new(),
            row.transaction_id.clone(),
            row.out_trade_no.clone(),
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
            "NATIVE".into(),
            if refund { "REFUND" } else { "SUCCESS" }.into(),
            "OTHERS".into(),
            "CNY".into(),
            yuan(row.order_fen),
            "0.00".into(),
            row.refund_id.clone().unwrap_or_else(|| "0".into()),
            row.out_refund_no.clone().unwrap_or_else(|| "0".into()),
            yuan(if refund { row.amount_fen } else { 0 }),
            "0.00".into(),
            if refund { "ORIGINAL" } else { "" }.into(),
            if refund { "SUCCESS" } else { "" }.into(),
            row.description.replace(',', "，"),
            String::new(),
            "0.00000".into(),
            "0.60%".into(),
            yuan(row.order_fen),
            yuan(if refund { row.amount_fen } else { 0 }),
            String::new(),
        ];
        text.push_str(&fields.iter().map(|f| tick(f)).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    let sum = |kind| -> i64 {
        bill.rows
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.amount_fen)
            .sum()
    };
    let (paid, back) = (sum(BillEntryKind::Payment), sum(BillEntryKind::Refund));
    text.push_str(&SUMMARY_COLUMNS.join(","));
    text.push_str("\r\n");
    let totals = [
        bill.rows.len().to_string(),
        yuan(paid),
        yuan(back),
        "0.00".into(),
        "0.00000".into(),
        yuan(paid),
        yuan(back),
    ];
    text.push_str(&totals.iter().map(|f| tick(f)).collect::<Vec<_>>().join(","));
    text.push_str("\r\n");
    text
}

/// The Beijing day of an instant, the day a bill files it under.
pub fn bill_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill() -> TradeBill {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).single().unwrap();
        TradeBill {
            mchid: "1900000001".into(),
            appid: "wx0000000000000001".into(),
            rows: vec![
                BillRow {
                    kind: BillEntryKind::Payment,
                    transaction_id: "4200000001202612020000000001".into(),
                    out_trade_no: "202612020000000100000001".into(),
                    refund_id: None,
                    out_refund_no: None,
                    amount_fen: 29900,
                    order_fen: 29900,
                    description: "路飞学城课程".into(),
                    at: at(2),
                },
                BillRow {
                    kind: BillEntryKind::Refund,
                    transaction_id: "4200000001202612020000000001".into(),
                    out_trade_no: "202612020000000100000001".into(),
                    refund_id: Some("50000000012026120200000001".into()),
                    out_refund_no: Some("refund-7".into()),
                    amount_fen: 10050,
                    order_fen: 29900,
                    description: "路飞学城课程".into(),
                    at: at(5),
                },
            ],
        }
    }

    #[test]
    fn a_written_bill_reads_back_with_its_hash() {
        let text = write_trade_bill(&bill());
        assert!(text.starts_with("交易时间,公众账号ID"));
        assert!(text.contains("`2026-12-02 10:00:00,`wx0000000000000001,`1900000001"));
        let read = read_trade_bill(text.as_bytes(), &sha1_hex(text.as_bytes())).unwrap();
        assert_eq!(read, bill());
    }

    #[test]
    fn a_wrong_hash_or_a_broken_file_is_refused() {
        let text = write_trade_bill(&bill());
        let hash = sha1_hex(text.as_bytes());
        let cut = &text[..text.len() - 30];
        assert!(read_trade_bill(cut.as_bytes(), &hash).is_err(), "truncated");
        // Even with a matching hash, a file that does not add up is refused.
        for broken in [
            text.replacen("`299.00", "`199.00", 1),
            text[..text.find("总交易单数").unwrap()].to_owned(),
            text.replacen("`SUCCESS,", "`PAYING,", 1),
            text.replacen("`NATIVE,", "", 1),
        ] {
            assert!(
                read_trade_bill(broken.as_bytes(), &sha1_hex(broken.as_bytes())).is_err(),
                "{broken}"
            );
        }
        assert!(read_trade_bill(b"", &sha1_hex(b"")).is_err());
    }
}
