//! The order item (SPEC 3): list and detail share it.

use luffy_order::Order;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::ToSchema;

use crate::dto::media::media_url;
use crate::dto::money;
use crate::dto::refund::RefundView;
use crate::dto::time::store_time;

/// One bought course in an order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrderCourse)]
pub struct OrderCourseView {
    /// Line id.
    id: i64,
    /// List price.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    price: Decimal,
    /// After promotion.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    real_price: Decimal,
    /// Coupon share.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    coupon_discount: Decimal,
    /// Promotion name.
    discount_name: String,
    /// Course.
    course_id: i64,
    /// Name.
    course_name: String,
    /// Absolute URL.
    course_cover: String,
}

/// The coupon an order used (its discount stays on the lines even once released).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrderCoupon)]
pub struct CouponSummaryView {
    /// Grant id.
    id: i64,
    /// Name.
    name: String,
    /// Formula.
    sale: String,
    /// 1 or 2.
    discount: i16,
    /// Least price.
    condition: i32,
    /// Given back (cancelled or timed out).
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

/// Written by hand because `{}` must be an object with no properties: the derived `oneOf` of
/// an untagged enum would accept a coupon as the empty variant too.
impl utoipa::PartialSchema for OrderCouponView {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(Ref::from_schema_name(CouponSummaryView::name()))
            .item(
                ObjectBuilder::new()
                    .max_properties(Some(0))
                    .description(Some("No coupon.")),
            )
            .into()
    }
}

impl ToSchema for OrderCouponView {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            CouponSummaryView::name().into_owned(),
            <CouponSummaryView as utoipa::PartialSchema>::schema(),
        ));
        <CouponSummaryView as ToSchema>::schemas(schemas);
    }
}

/// An order as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Order)]
pub struct OrderView {
    /// Id.
    id: i64,
    /// Number.
    order_number: String,
    /// Sum of list prices.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    total_price: Decimal,
    /// Paid or to pay.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    real_price: Decimal,
    /// Store time, when paid.
    pay_time: Option<String>,
    /// Store time.
    created_time: String,
    /// Store time.
    expires_at: String,
    /// Points spent.
    credit: i32,
    /// Coupon used.
    coupon: OrderCouponView,
    /// Pay type code.
    pay_type: i16,
    /// Its name.
    get_pay_type_display: &'static str,
    /// 0 未支付, 1 已支付, 2 已取消, 3 超时取消, 4 部分退款, 5 已退款.
    order_status: i16,
    /// Its name.
    get_order_status_display: &'static str,
    /// Lines.
    order_courses: Vec<OrderCourseView>,
    /// Its refunds, oldest first.
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
