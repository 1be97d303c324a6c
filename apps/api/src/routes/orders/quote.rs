//! `POST /orders/quote/`: price the selected cart items without writing anything.

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

/// A quoted line.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuoteLine)]
pub struct QuoteLineView {
    /// Course.
    course_id: i64,
    /// Name.
    name: String,
    /// List price.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    price: Decimal,
    /// After promotion.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    real_price: Decimal,
    /// Promotion name.
    discount_name: String,
    /// Coupon share.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    coupon_discount: Decimal,
    /// Most points.
    credit: i32,
}

/// `POST /orders/quote/`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Quote)]
pub struct QuoteView {
    /// Sum of list prices.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    total_price: Decimal,
    /// Coupon and points.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    discount_price: Decimal,
    /// To pay.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    real_price: Decimal,
    /// Points spent.
    credit: i32,
    /// Most points usable.
    max_use_credit: i32,
    /// Points per yuan.
    credit_to_money: u32,
    /// Lines.
    lines: Vec<QuoteLineView>,
}

/// The same pricing function as order creation, so the quote is what the order charges.
pub async fn quote_order(
    state: web::Data<AppState>,
    TokenUser(caller): TokenUser,
    req: HttpRequest,
    form: Json<CheckoutForm>,
) -> Result<HttpResponse, ApiError> {
    let request = form.into_inner().into_request(&caller, &req)?;
    let quote = state.checkout.quote(&request).await?;
    Ok(HttpResponse::Ok().json(QuoteView {
        total_price: quote.total_price,
        discount_price: quote.discount_price,
        real_price: quote.real_price,
        credit: quote.credit,
        max_use_credit: quote.max_use_credit,
        credit_to_money: state.credit_rate.points_per_yuan(),
        lines: quote
            .lines
            .iter()
            .map(|l| QuoteLineView {
                course_id: l.course_id.get(),
                name: l.name.clone(),
                price: l.price,
                real_price: l.real_price,
                discount_name: l.discount_name.clone(),
                coupon_discount: l.coupon_discount,
                credit: l.credit_cap,
            })
            .collect(),
    }))
}
