//! The order item (SPEC 3): list and detail share it.

use luffy_order::Order;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dto::media::media_url;
use crate::dto::money;
use crate::dto::refund::RefundView;
use crate::dto::time::store_time;

/// One bought course in an order.
#[derive(Debug, Serialize)]
pub struct OrderCourseView {
    id: i64,
    #[serde(with = "money::number")]
    price: Decimal,
    #[serde(with = "money::number")]
    real_price: Decimal,
    #[serde(with = "money::number")]
    coupon_discount: Decimal,
    discount_name: String,
    course_id: i64,
    course_name: String,
    course_cover: String,
}

/// The coupon an order used (its discount stays on the lines even once released).
#[derive(Debug, Serialize)]
pub struct CouponSummaryView {
    id: i64,
    name: String,
    sale: String,
    discount: i16,
    condition: i32,
    released: bool,
}

/// The order's coupon, or `{}` when it used none (the tutorial client's shape).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum OrderCouponView {
    /// The coupon.
    Used(CouponSummaryView),
    /// No coupon: serialises as `{}`.
    None {},
}

/// An order as its owner sees it.
#[derive(Debug, Serialize)]
pub struct OrderView {
    id: i64,
    order_number: String,
    #[serde(with = "money::number")]
    total_price: Decimal,
    #[serde(with = "money::number")]
    real_price: Decimal,
    pay_time: Option<String>,
    created_time: String,
    expires_at: String,
    credit: i32,
    coupon: OrderCouponView,
    pay_type: i16,
    get_pay_type_display: &'static str,
    order_status: i16,
    get_order_status_display: &'static str,
    order_courses: Vec<OrderCourseView>,
    refunds: Vec<RefundView>,
}

impl OrderView {
    /// Renders an order in the store timezone, covers under `public_base`.
    pub fn new(order: &Order, timezone: chrono_tz::Tz, public_base: &str) -> Self {
        Self {
            id: order.id,
            order_number: order.order_number.clone(),
            total_price: order.total_price,
            real_price: order.real_price,
            pay_time: order.pay_time.map(|t| store_time(t, timezone)),
            created_time: store_time(order.created_time, timezone),
            expires_at: store_time(order.expires_at, timezone),
            credit: order.credit,
            coupon: order
                .coupon
                .as_ref()
                .map(|c| {
                    OrderCouponView::Used(CouponSummaryView {
                        id: c.id,
                        name: c.name.clone(),
                        sale: c.sale.clone(),
                        discount: c.discount,
                        condition: c.condition,
                        released: c.released,
                    })
                })
                .unwrap_or(OrderCouponView::None {}),
            pay_type: order.pay_type.code(),
            get_pay_type_display: order.pay_type.display_name(),
            order_status: order.status.code(),
            get_order_status_display: order.status.display_name(),
            order_courses: order
                .lines
                .iter()
                .map(|line| OrderCourseView {
                    id: line.id,
                    price: line.price,
                    real_price: line.real_price,
                    coupon_discount: line.coupon_discount,
                    discount_name: line.discount_name.clone(),
                    course_id: line.course_id.get(),
                    course_name: line.course_name.clone(),
                    course_cover: media_url(public_base, &line.course_cover),
                })
                .collect(),
            refunds: order
                .refunds
                .iter()
                .map(|refund| RefundView::new(refund, timezone))
                .collect(),
        }
    }
}
