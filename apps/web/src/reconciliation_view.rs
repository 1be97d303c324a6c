//! Reconciliations as operators see them, shared by the admin API
//! (`GET /admin/reconciliations/`, `POST /admin/reconciliations/run/`,
//! `/admin/reconciliations/export.csv`) and the console's page: the same filters, the same
//! views, the same file, and the same answers when a day cannot be run.

use actix_web::HttpResponse;
use chrono::NaiveDate;
use luffy_common::{Page, PageRequest};
use luffy_order::{Channel, Finding, ReconcileError, Reconciliation};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::money;
use crate::dto::page::PageParams;
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::services::Reconciliations;

/// The filters: `channel` (`alipay` or `wechat`) and `date` (`YYYY-MM-DD`, a Beijing day),
/// both optional, with paging.
#[derive(Debug, Default, Deserialize)]
pub struct ReconciliationQuery {
    /// A channel.
    #[serde(default)]
    pub channel: Option<String>,
    /// A Beijing day.
    #[serde(default)]
    pub date: Option<String>,
    /// Page and size.
    #[serde(flatten)]
    pub paging: PageParams,
}

/// What `POST /admin/reconciliations/run/` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RunReconciliation)]
pub struct RunRequest {
    /// `alipay` or `wechat`.
    pub channel: String,
    /// The Beijing day, `YYYY-MM-DD`.
    pub date: String,
}

/// A channel with bills, from its name (400 otherwise).
pub fn parse_channel(text: &str) -> Result<Channel, ApiError> {
    Channel::parse(text.trim())
        .filter(|c| c.is_remote())
        .ok_or_else(|| ApiError::BadRequest("channel 只能是 alipay 或 wechat!".into()))
}

/// A day `YYYY-MM-DD` (400 otherwise).
pub fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::BadRequest("date 格式应为 YYYY-MM-DD!".into()))
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ReconciliationQuery {
    /// The channel asked for, if any.
    pub fn channel(&self) -> Result<Option<Channel>, ApiError> {
        given(&self.channel).map(parse_channel).transpose()
    }

    /// The day asked for, if any.
    pub fn date(&self) -> Result<Option<NaiveDate>, ApiError> {
        given(&self.date).map(parse_date).transpose()
    }
}

/// The days the query asks for: one day (of one channel or each) or the stored days newest
/// first.
pub async fn reconciliation_page(
    service: &Reconciliations,
    query: &ReconciliationQuery,
) -> Result<Page<Reconciliation>, ApiError> {
    let request = query.paging.request()?;
    let channel = query.channel()?;
    match query.date()? {
        None => Ok(service.list(channel, request).await?),
        Some(day) => {
            let channels = match channel {
                Some(channel) => vec![channel],
                None => vec![Channel::Alipay, Channel::Wechat],
            };
            let mut items = Vec::new();
            for channel in channels {
                if let Some(found) = service.find(channel, day).await? {
                    items.push(found);
                }
            }
            Ok(Page {
                total: items.len() as u64,
                items,
                request: PageRequest::new(1, request.size().into(), request.size())?,
            })
        }
    }
}

/// Runs a day now; a bill that is not out is 409, a malformed or truncated one 400 (with the
/// reason; nothing is stored), a channel that cannot be reached 503.
pub async fn run_day(
    service: &Reconciliations,
    channel: Channel,
    day: NaiveDate,
) -> Result<(Reconciliation, Vec<Finding>), ApiError> {
    service.run(channel, day, None).await.map_err(|e| match e {
        ReconcileError::NoChannel(_) => ApiError::BadRequest(format!("{channel} 未开通!")),
        ReconcileError::BillNotReady(..) => {
            ApiError::Conflict("该日账单尚未生成,请稍后再试!".into())
        }
        ReconcileError::BillRefused(_, _, why) => {
            ApiError::BadRequest(format!("账单格式有误,已拒绝,未保存任何结果: {why}"))
        }
        ReconcileError::Unavailable(_, why) => {
            ApiError::Unavailable(anyhow::anyhow!("{channel} is unavailable: {why}"))
        }
        ReconcileError::Storage(e) => e.into(),
    })
}

fn yuan(fen: Option<i64>) -> Option<Decimal> {
    fen.map(|f| Decimal::new(f, 2))
}

/// One difference.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReconciliationFinding)]
pub struct FindingView {
    /// `amount_differs`, `long` (长款), `short` (短款), `refund_unknown`, `refund_missing`,
    /// `refund_amount_differs`, `unconfirmed`.
    pub kind: String,
    /// The kind as finance says it.
    pub kind_display: String,
    /// The order's number.
    pub order_number: String,
    /// The refund's number, for refund findings.
    pub refund_no: Option<String>,
    /// The channel's trade number.
    pub trade_no: String,
    /// The bill's amount.
    #[schema(value_type = Option<f64>)]
    #[serde(with = "money::optional_number")]
    pub bill_amount: Option<Decimal>,
    /// Our amount.
    #[schema(value_type = Option<f64>)]
    #[serde(with = "money::optional_number")]
    pub our_amount: Option<Decimal>,
    /// When it happened, in the store timezone.
    pub occurred_time: Option<String>,
    /// What was done; empty while it waits for an operator.
    pub resolution: String,
}

/// A channel's day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Reconciliation)]
pub struct ReconciliationView {
    /// `alipay` or `wechat`.
    pub channel: String,
    /// The Beijing day.
    pub date: String,
    /// Bill rows that agreed with our books.
    pub matched: usize,
    /// Payments on the bill.
    pub bill_payments: usize,
    /// Their sum.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    pub bill_payment_amount: Decimal,
    /// Refunds on the bill.
    pub bill_refunds: usize,
    /// Their sum.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    pub bill_refund_amount: Decimal,
    /// Differences not resolved yet.
    pub open_findings: usize,
    /// How many times the day was run.
    pub runs: i32,
    /// When it was last run, in the store timezone.
    pub updated_time: String,
    /// The differences.
    pub findings: Vec<FindingView>,
}

impl ReconciliationView {
    /// The view of a stored day.
    pub fn new(day: &Reconciliation, timezone: chrono_tz::Tz) -> Self {
        Self {
            channel: day.channel.as_str().into(),
            date: day.day.format("%Y-%m-%d").to_string(),
            matched: day.matched,
            bill_payments: day.bill_payments.0,
            bill_payment_amount: Decimal::new(day.bill_payments.1, 2),
            bill_refunds: day.bill_refunds.0,
            bill_refund_amount: Decimal::new(day.bill_refunds.1, 2),
            open_findings: day.open_findings(),
            runs: day.runs,
            updated_time: store_time(day.updated_at, timezone),
            findings: day
                .findings
                .iter()
                .map(|f| FindingView {
                    kind: f.kind.code().into(),
                    kind_display: f.kind.display_name().into(),
                    order_number: f.order_number.clone(),
                    refund_no: f.refund_no.clone(),
                    trade_no: f.trade_no.clone(),
                    bill_amount: yuan(f.bill_fen),
                    our_amount: yuan(f.our_fen),
                    occurred_time: f.at.map(|t| store_time(t, timezone)),
                    resolution: f.resolution.clone(),
                })
                .collect(),
        }
    }
}

/// The findings of the days as CSV, one row per finding.
pub fn findings_csv(
    days: &[Reconciliation],
    timezone: chrono_tz::Tz,
) -> Result<HttpResponse, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| ApiError::Unexpected(anyhow::anyhow!("writing CSV: {e}"));
    writer
        .write_record([
            "channel",
            "date",
            "kind",
            "kind_display",
            "order_number",
            "refund_no",
            "trade_no",
            "bill_amount",
            "our_amount",
            "occurred_time",
            "resolution",
        ])
        .map_err(failed)?;
    let amount = |fen: Option<i64>| yuan(fen).map(|d| format!("{d:.2}")).unwrap_or_default();
    for day in days {
        for f in &day.findings {
            writer
                .write_record([
                    day.channel.as_str().to_owned(),
                    day.day.format("%Y-%m-%d").to_string(),
                    f.kind.code().to_owned(),
                    f.kind.display_name().to_owned(),
                    f.order_number.clone(),
                    f.refund_no.clone().unwrap_or_default(),
                    f.trade_no.clone(),
                    amount(f.bill_fen),
                    amount(f.our_fen),
                    f.at.map(|t| store_time(t, timezone)).unwrap_or_default(),
                    f.resolution.clone(),
                ])
                .map_err(failed)?;
        }
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"reconciliation.csv\"",
        ))
        .body(body))
}
