//! `GET /orders/pay/choices/`: the status choices, as the tutorial's client expects.

use actix_web::HttpResponse;
use luffy_order::OrderStatus;

/// `[[code, name], ...]` for every status, in code order.
pub async fn pay_choices() -> HttpResponse {
    let choices: Vec<(i16, &'static str)> = OrderStatus::ALL
        .iter()
        .map(|s| (s.code(), s.display_name()))
        .collect();
    HttpResponse::Ok().json(choices)
}
