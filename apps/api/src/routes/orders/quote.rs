//! `POST /orders/quote/`: price the selected cart items without writing anything.

use actix_web::{web, HttpRequest, HttpResponse};
use rust_decimal::Decimal;
use serde::Serialize;

use super::form::CheckoutForm;
use crate::auth::TokenUser;
use crate::dto::json::Json;
use crate::dto::money;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize)]
struct QuoteLineView {
    course_id: i64,
    name: String,
    #[serde(with = "money::number")]
    price: Decimal,
    #[serde(with = "money::number")]
    real_price: Decimal,
    discount_name: String,
    #[serde(with = "money::number")]
    coupon_discount: Decimal,
    credit: i32,
}

#[derive(Debug, Serialize)]
struct QuoteView {
    #[serde(with = "money::number")]
    total_price: Decimal,
    #[serde(with = "money::number")]
    discount_price: Decimal,
    #[serde(with = "money::number")]
    real_price: Decimal,
    credit: i32,
    max_use_credit: i32,
    credit_to_money: u32,
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
