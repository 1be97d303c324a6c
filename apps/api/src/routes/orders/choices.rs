//! `GET /orders/pay/choices/`: the status choices, as the tutorial's client expects.

use actix_web::HttpResponse;
use luffy_order::OrderStatus;
use serde_json::json;

/// `[[0,"未支付"],[1,"已支付"],[2,"已取消"],[3,"超时取消"]]`.
pub async fn pay_choices() -> HttpResponse {
    let choices: Vec<_> = OrderStatus::ALL
        .iter()
        .map(|s| json!([s.code(), s.display_name()]))
        .collect();
    HttpResponse::Ok().json(choices)
}
