//! `POST /orders/`: create an order from the selected cart items (SPEC 2.6).

use actix_web::{web, HttpRequest, HttpResponse};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::form::CheckoutForm;
use crate::auth::TokenUser;
use crate::dto::json::Json;
use crate::dto::money;
use crate::error::ApiError;
use crate::state::AppState;

/// The created (or replayed) order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreatedOrder)]
pub struct CreatedOrderView {
    /// Id.
    id: i64,
    /// Number.
    order_number: String,
    /// Seconds until it times out.
    order_timeout: u64,
    /// 0 unpaid, 1 paid (free orders).
    order_status: i16,
    /// To pay.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    real_price: Decimal,
}

/// 201 `{id, order_number, order_timeout, order_status, real_price}`; a replayed
/// `Idempotency-Key` answers the original order again.
#[tracing::instrument(skip_all, fields(user = %caller.id))]
pub async fn create_order(
    state: web::Data<AppState>,
    TokenUser(caller): TokenUser,
    req: HttpRequest,
    form: Json<CheckoutForm>,
) -> Result<HttpResponse, ApiError> {
    let request = form.into_inner().into_request(&caller, &req)?;
    let pay_type = request.pay_type;
    let outcome = state.checkout.create(request).await?;
    if !outcome.cart_cleared {
        tracing::warn!(order = %outcome.order.order_number, "order created but the cart could not be cleaned up");
    }
    let order = outcome.order;
    if !order.replayed {
        state.business.order_created(pay_type);
        if order.status == luffy_order::OrderStatus::Paid {
            state.business.free_order_paid(pay_type);
        }
    }
    tracing::info!(
        order = %order.order_number,
        user = caller.id.get(),
        real_price = %order.real_price,
        status = order.status.code(),
        "order created"
    );
    Ok(HttpResponse::Created().json(CreatedOrderView {
        id: order.id,
        order_number: order.order_number,
        order_timeout: state.settings.order_timeout_secs,
        order_status: order.status.code(),
        real_price: order.real_price,
    }))
}
