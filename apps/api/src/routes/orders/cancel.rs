//! `PUT /orders/{id}/`: the owner cancels an unpaid order; coupon and points come back.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The cancelled order's new status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Cancelled)]
pub struct CancelledView {
    /// Message.
    errmsg: &'static str,
    /// 2.
    order_status: i16,
}

/// 0 -> 2 compare-and-set; 400 when the order is not unpaid, 404 when not the caller's.
pub async fn cancel_order(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let order = state.orders.cancel(caller.id, path.into_inner()).await?;
    tracing::info!(order = %order.order_number, user = caller.id.get(), "order cancelled");
    state.business.order_cancelled(order.pay_type);
    Ok(HttpResponse::Ok().json(CancelledView {
        errmsg: "订单取消成功!",
        order_status: order.status.code(),
    }))
}
