//! `GET /payments/alipay/{order_number}/`: the signed page-pay link for an unpaid, unexpired
//! order of the caller.

use actix_web::{web, HttpResponse};
use luffy_order::PayType;
use luffy_payment_alipay::PagePay;
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
    let (order, now) = state.orders.open_for_payment(caller.id, &path).await?;
    let link = state
        .alipay
        .page_pay_url(
            &PagePay {
                out_trade_no: order.order_number.clone(),
                total_amount: order.real_price,
                subject: order.name.clone(),
                time_expire: order.expires_at,
            },
            now,
        )
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("signing the pay link: {e}")))?;
    Ok(HttpResponse::Ok().json(PayLinkView {
        pay_type: PayType::Alipay.code(),
        get_pay_type_display: PayType::Alipay.display_name(),
        link,
    }))
}
