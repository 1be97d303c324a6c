//! `POST /payments/balance/{order_number}/`: pay from `users.money` (pay_type 2).

use actix_web::{web, HttpResponse};
use luffy_common::UserId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::state::AppState;

/// When the balance paid the order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalancePaid {
    /// Message.
    errmsg: &'static str,
    /// Store time.
    pay_time: String,
}

/// Guarded deduction and fulfilment in one transaction.
pub async fn pay_with_balance(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let paid = state
        .payments
        .pay_with_balance(UserId(caller.id.get()), &path)
        .await?;
    state.business.order_paid(&paid);
    let paid_at = paid.paid_at;
    tracing::info!(order = %path, user = caller.id.get(), channel = "balance", "order paid");
    Ok(HttpResponse::Ok().json(BalancePaid {
        errmsg: "支付成功!",
        pay_time: store_time(paid_at, state.timezone),
    }))
}
