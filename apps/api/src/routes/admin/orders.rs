//! Operators' order pages: `GET /admin/orders/` (every buyer's orders, filtered, ordered and
//! paged), `GET /admin/orders/export.csv` (the same filters, as CSV) and `GET /admin/orders/{id}/`
//! (the order with its buyer, payments, jobs and timeline).

use actix_web::{web, HttpResponse};
use luffy_common::PageRequest;
use luffy_order::back_office::{OrderJob, OrderPayment, OrderSearch, TimelineEvent};
use luffy_order::Order;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::money;
use crate::dto::page::DrfPage;
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::routes::orders::view::OrderView;
use crate::state::AppState;
use luffy_web::order_export::{orders_csv, OrderQuery, EXPORT_LIMIT};

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
    orders_csv(&state.orders, state.timezone, &search).await
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
    /// order_timeout, trade_close or trade_refund.
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
