//! Operators' order pages: `GET /admin/orders/` (every buyer's orders, filtered, ordered and
//! paged), `GET /admin/orders/export.csv` (the same filters, as CSV) and `GET /admin/orders/{id}/`
//! (the order with its buyer, payments, jobs and timeline).

use actix_web::{web, HttpResponse};
use luffy_common::{PageRequest, UserId};
use luffy_order::back_office::{
    OrderFilter, OrderJob, OrderOrdering, OrderPayment, OrderSearch, TimelineEvent,
};
use luffy_order::{Order, OrderStatus, PayType};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::money;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::time::{parse_day_bound, store_time};
use crate::error::ApiError;
use crate::routes::orders::view::OrderView;
use crate::state::AppState;

/// The most rows one export holds.
pub(crate) const EXPORT_LIMIT: u32 = 10_000;

/// The filters, all optional: `number` (part of it), `user` (id), `status`, `pay_type`, `from`
/// and `to` (creation day `YYYY-MM-DD` in the store timezone, both included, or RFC 3339), `min`
/// and `max` (`real_price`), `ordering` (`-created_time`, `created_time`, `-real_price`,
/// `real_price`).
#[derive(Debug, Default, Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    pub(crate) number: Option<String>,
    #[serde(default)]
    pub(crate) user: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) pay_type: Option<String>,
    #[serde(default)]
    pub(crate) from: Option<String>,
    #[serde(default)]
    pub(crate) to: Option<String>,
    #[serde(default)]
    pub(crate) min: Option<String>,
    #[serde(default)]
    pub(crate) max: Option<String>,
    #[serde(default)]
    pub(crate) ordering: Option<String>,
    #[serde(flatten)]
    pub(crate) paging: PageParams,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl OrderQuery {
    /// Validates the filters (400 with the field named).
    fn filter(&self, timezone: chrono_tz::Tz) -> Result<OrderFilter, ApiError> {
        self.checked_filter(timezone)
            .map_err(|(name, _)| ApiError::bad_request(format!("参数 {name} 无效!")))
    }

    /// Validates the filters; a refusal names the field and says what it should be.
    pub(crate) fn checked_filter(
        &self,
        timezone: chrono_tz::Tz,
    ) -> Result<OrderFilter, (&'static str, &'static str)> {
        let bad = |name: &'static str| {
            let hint = match name {
                "user" => "用户编号应为正整数!",
                "status" | "pay_type" => "请选择列表中的一项!",
                "from" | "to" => "日期的格式应为 YYYY-MM-DD!",
                "min" | "max" => "金额应为不小于0的数字!",
                _ => "排序方式无效!",
            };
            (name, hint)
        };
        type Refusal = (&'static str, &'static str);
        let code = |value: &Option<String>, name: &'static str| -> Result<Option<i64>, Refusal> {
            given(value)
                .map(|v| v.parse::<i64>().map_err(|_| bad(name)))
                .transpose()
        };
        let amount =
            |value: &Option<String>, name: &'static str| -> Result<Option<Decimal>, Refusal> {
                given(value)
                    .map(|v| {
                        v.parse::<Decimal>()
                            .ok()
                            .filter(|d| *d >= Decimal::ZERO)
                            .ok_or_else(|| bad(name))
                    })
                    .transpose()
            };
        let day = |value: &Option<String>, name: &'static str, end: bool| {
            given(value)
                .map(|v| parse_day_bound(v, timezone, end).ok_or_else(|| bad(name)))
                .transpose()
        };
        Ok(OrderFilter {
            number: given(&self.number).map(str::to_owned),
            user: code(&self.user, "user")?
                .map(|id| (id > 0).then_some(UserId(id)).ok_or_else(|| bad("user")))
                .transpose()?,
            status: code(&self.status, "status")?
                .map(|c| {
                    i16::try_from(c)
                        .ok()
                        .and_then(OrderStatus::from_code)
                        .ok_or_else(|| bad("status"))
                })
                .transpose()?,
            pay_type: code(&self.pay_type, "pay_type")?
                .map(|c| PayType::from_code(c).ok_or_else(|| bad("pay_type")))
                .transpose()?,
            from: day(&self.from, "from", false)?,
            to: day(&self.to, "to", true)?,
            min: amount(&self.min, "min")?,
            max: amount(&self.max, "max")?,
            ordering: match given(&self.ordering) {
                None => OrderOrdering::default(),
                Some(text) => OrderOrdering::parse(text).ok_or_else(|| bad("ordering"))?,
            },
        })
    }

    /// The filters as a query string, for page links.
    pub(crate) fn filters_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("number", &self.number),
            ("user", &self.user),
            ("status", &self.status),
            ("pay_type", &self.pay_type),
            ("from", &self.from),
            ("to", &self.to),
            ("min", &self.min),
            ("max", &self.max),
            ("ordering", &self.ordering),
        ] {
            if let Some(value) = given(value) {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

/// `{count, next, previous, results: [order as in /orders/list/, with user_id]}`.
pub async fn search_orders(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let search = OrderSearch {
        filter: query.filter(state.timezone)?,
        page: query.paging.request()?,
    };
    let page = state.orders.search(&search).await?;
    let filters = query.filters_query();
    let link = |n: u32| {
        format!(
            "{}/admin/orders/?page={n}&size={}{}{filters}",
            state.settings.public_base(),
            search.page.size(),
            if filters.is_empty() { "" } else { "&" },
        )
    };
    let base = state.settings.public_base();
    Ok(
        HttpResponse::Ok().json(DrfPage::new(&page, link, |order: &Order| AdminOrderView {
            user_id: order.user.get(),
            order: OrderView::new(order, state.timezone, base),
        })),
    )
}

/// An order with its buyer's id.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminOrder)]
pub struct AdminOrderView {
    /// The buyer.
    user_id: i64,
    /// The order.
    #[serde(flatten)]
    order: OrderView,
}

/// The same filters as the search, every matching order (at most 10000) as CSV.
pub async fn export_orders(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let search = OrderSearch {
        filter: query.filter(state.timezone)?,
        page: PageRequest::new(1, i64::from(EXPORT_LIMIT), EXPORT_LIMIT)?,
    };
    orders_csv(&state, &search).await
}

/// Every order of a search (its page) as a CSV download; the console's export shares it.
pub(crate) async fn orders_csv(
    state: &AppState,
    search: &OrderSearch,
) -> Result<HttpResponse, ApiError> {
    let page = state.orders.search(search).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| ApiError::Unexpected(anyhow::anyhow!("writing CSV: {e}"));
    writer
        .write_record([
            "id",
            "order_number",
            "user_id",
            "order_status",
            "status_display",
            "pay_type",
            "total_price",
            "real_price",
            "credit",
            "created_time",
            "pay_time",
            "courses",
        ])
        .map_err(failed)?;
    for order in &page.items {
        let courses: Vec<&str> = order.lines.iter().map(|l| l.course_name.as_str()).collect();
        writer
            .write_record([
                order.id.to_string(),
                order.order_number.clone(),
                order.user.get().to_string(),
                order.status.code().to_string(),
                order.status.display_name().to_owned(),
                order.pay_type.display_name().to_owned(),
                format!("{:.2}", order.total_price),
                format!("{:.2}", order.real_price),
                order.credit.to_string(),
                store_time(order.created_time, state.timezone),
                order
                    .pay_time
                    .map(|t| store_time(t, state.timezone))
                    .unwrap_or_default(),
                courses.join("|"),
            ])
            .map_err(failed)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"orders.csv\""))
        .body(body))
}

/// A payment of the order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrderPaymentEntry)]
pub struct PaymentView {
    /// Id.
    id: i64,
    /// alipay or balance.
    channel: String,
    /// Gateway trade number.
    trade_no: String,
    /// Amount.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    amount: Decimal,
    /// paid, refund_pending or refunded.
    status: String,
    /// When recorded (store timezone).
    created_time: String,
}

/// A job of the order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrderJobEntry)]
pub struct JobView {
    /// Id.
    id: i64,
    /// order_timeout, alipay_close or alipay_refund.
    kind: String,
    /// pending, running, done or dead.
    status: String,
    /// Attempts made.
    attempts: i32,
    /// The last failure.
    last_error: Option<String>,
    /// Created (store timezone).
    created_time: String,
    /// Last changed.
    updated_time: String,
}

/// One step of the order's life.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TimelineEntry)]
pub struct TimelineView {
    /// When (store timezone).
    time: String,
    /// What happened.
    event: String,
}

/// The order, its buyer, payments, jobs and timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminOrderDossier)]
pub struct OrderDossierView {
    /// The buyer.
    user_id: i64,
    /// The buyer's username.
    username: String,
    /// The buyer's mobile.
    mobile: String,
    /// The order.
    #[serde(flatten)]
    order: OrderView,
    /// Its payments, oldest first.
    payments: Vec<PaymentView>,
    /// Its jobs, oldest first.
    jobs: Vec<JobView>,
    /// Its life, in time order.
    timeline: Vec<TimelineView>,
}

/// 404 for a missing order.
pub async fn order_dossier(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (dossier, events) = state
        .orders
        .dossier(path.into_inner())
        .await?
        .ok_or_else(|| ApiError::NotFound("订单不存在!".into()))?;
    let tz = state.timezone;
    Ok(HttpResponse::Ok().json(OrderDossierView {
        user_id: dossier.order.user.get(),
        username: dossier.username.clone(),
        mobile: dossier.mobile.clone(),
        order: OrderView::new(&dossier.order, tz, state.settings.public_base()),
        payments: dossier
            .payments
            .iter()
            .map(|p: &OrderPayment| PaymentView {
                id: p.id,
                channel: p.channel.clone(),
                trade_no: p.trade_no.clone(),
                amount: p.amount,
                status: p.status.clone(),
                created_time: store_time(p.recorded_at, tz),
            })
            .collect(),
        jobs: dossier
            .jobs
            .iter()
            .map(|j: &OrderJob| JobView {
                id: j.id,
                kind: j.kind.clone(),
                status: j.status.clone(),
                attempts: j.attempts,
                last_error: j.last_error.clone(),
                created_time: store_time(j.created_at, tz),
                updated_time: store_time(j.updated_at, tz),
            })
            .collect(),
        timeline: events
            .iter()
            .map(|e: &TimelineEvent| TimelineView {
                time: store_time(e.at, tz),
                event: e.what.clone(),
            })
            .collect(),
    }))
}
