//! The order as the buyer sees it.

use chrono::{DateTime, Utc};
use luffy_common::{CourseId, StorageError, UserId};
use rust_decimal::Decimal;

use crate::lifecycle::OrderStatus;
use crate::refund::Refund;
use crate::status::PayType;

/// One bought course.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// Line id.
    pub id: i64,
    /// The course.
    pub course_id: CourseId,
    /// Course name at purchase time.
    pub course_name: String,
    /// Course cover path.
    pub course_cover: String,
    /// List price at purchase time.
    pub price: Decimal,
    /// Promotion price (or list price) at purchase time.
    pub real_price: Decimal,
    /// Promotion type name, or "".
    pub discount_name: String,
    /// Coupon discount on this line.
    pub coupon_discount: Decimal,
}

/// The coupon an order used, as the order list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponSummary {
    /// The coupon grant id.
    pub id: i64,
    /// Coupon name.
    pub name: String,
    /// Whether the grant was given back to the buyer (the order was cancelled or timed out);
    /// the order's lines still show the discount it gave while it was reserved.
    pub released: bool,
    /// Sale formula text.
    pub sale: String,
    /// 1 reduction or 2 percent.
    pub discount: i16,
    /// Minimum price.
    pub condition: i32,
    /// When the coupon's window closes (a full refund gives the grant back only before it).
    pub ends_at: DateTime<Utc>,
}

/// An order with its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Id.
    pub id: i64,
    /// The 24-digit order number.
    pub order_number: String,
    /// Owner.
    pub user: UserId,
    /// "购买课程".
    pub name: String,
    /// Status.
    pub status: OrderStatus,
    /// Pay type.
    pub pay_type: PayType,
    /// Sum of line real prices.
    pub total_price: Decimal,
    /// What the buyer pays.
    pub real_price: Decimal,
    /// Points spent.
    pub credit: i32,
    /// When it was paid.
    pub pay_time: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_time: DateTime<Utc>,
    /// When an unpaid order times out.
    pub expires_at: DateTime<Utc>,
    /// Lines in course id order.
    pub lines: Vec<OrderLine>,
    /// The coupon used, if any.
    pub coupon: Option<CouponSummary>,
    /// Its refunds, oldest first.
    pub refunds: Vec<Refund>,
}

/// Why a cancel was refused.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// No such order for this user (others' orders look missing).
    #[error("订单不存在!")]
    NotFound,
    /// The order is no longer unpaid.
    #[error("当前订单无法取消,订单状态为{}!", .0.display_name())]
    NotUnpaid(OrderStatus),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
