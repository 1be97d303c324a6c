//! `GET /payments/alipay/{order_number}/`: the signed page-pay link for an unpaid, unexpired
//! Alipay order of the caller.

use actix_web::{web, HttpResponse};
use luffy_order::{Channel, PayType, PaymentStart};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The signed Alipay page-pay link.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PayLink)]
pub struct PayLinkView {
    /// 0.
    pay_type: i16,
    /// 支付宝.
    get_pay_type_display: &'static str,
    /// The signed gateway URL to open.
    link: String,
}

/// `time_expire` is the order's expiry, so the gateway itself refuses late payment.
pub async fn pay_link(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let gateway = super::gateway(&state, Channel::Alipay)?;
    let started = state
        .orders
        .start_payment(caller.id, &path, gateway)
        .await?;
    let PaymentStart::Link(link) = started.start else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "the Alipay adapter answered without a link"
        )));
    };
    Ok(HttpResponse::Ok().json(PayLinkView {
        pay_type: PayType::Alipay.code(),
        get_pay_type_display: PayType::Alipay.display_name(),
        link,
    }))
}
