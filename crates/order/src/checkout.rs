//! Creating orders (SPEC 2.6): the checkout service and the one-transaction store port.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use luffy_cart::CartRepository;
use luffy_common::{Clock, CourseId, StorageError, UserId};
use luffy_credit::CreditRate;
use rust_decimal::Decimal;

use crate::pricing::{PricingError, Quote};
use crate::status::{OrderStatus, PayType};

/// An `Idempotency-Key` with the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The client's key, at most 255 characters.
    pub key: String,
    /// Identifies the request body; the same key with another body is a conflict.
    pub fingerprint: String,
}

/// A validated checkout request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// The buyer.
    pub user: UserId,
    /// How the buyer will pay (WeChat is refused).
    pub pay_type: PayType,
    /// The coupon grant, if any.
    pub coupon_id: Option<i64>,
    /// Points to spend; 0 = none.
    pub points: i64,
    /// Optional idempotency key.
    pub idempotency: Option<IdempotencyKey>,
}

impl CheckoutRequest {
    /// Validates the raw fields: pay type known and available, `user_coupon_id` -1 (none) or a
    /// positive id, points not negative.
    pub fn new(
        user: UserId,
        pay_type: i64,
        user_coupon_id: i64,
        points: i64,
        idempotency_key: Option<String>,
    ) -> Result<Self, CheckoutError> {
        let pay_type = PayType::from_code(pay_type).ok_or(CheckoutError::InvalidPayType)?;
        if pay_type == PayType::Wechat {
            return Err(CheckoutError::PayTypeUnavailable);
        }
        let coupon_id = match user_coupon_id {
            -1 | 0 => None,
            id if id > 0 => Some(id),
            _ => return Err(CheckoutError::Pricing(PricingError::CouponNotFound)),
        };
        if points < 0 {
            return Err(CheckoutError::Pricing(PricingError::NegativePoints));
        }
        let idempotency = match idempotency_key {
            None => None,
            Some(key) if key.is_empty() || key.chars().count() > 255 => {
                return Err(CheckoutError::InvalidIdempotencyKey)
            }
            Some(key) => Some(IdempotencyKey {
                fingerprint: format!(
                    "pay_type={};coupon={:?};credit={}",
                    pay_type.code(),
                    coupon_id,
                    points
                ),
                key,
            }),
        };
        Ok(Self {
            user,
            pay_type,
            coupon_id,
            points,
            idempotency,
        })
    }
}

/// Everything the store needs to create the order in one transaction.
#[derive(Debug, Clone)]
pub struct CheckoutCommand {
    /// The validated request.
    pub request: CheckoutRequest,
    /// The selected course ids read from the cart before the transaction.
    pub course_ids: Vec<CourseId>,
    /// The pricing instant.
    pub now: DateTime<Utc>,
    /// When the order times out if unpaid.
    pub expires_at: DateTime<Utc>,
    /// The order date in the store timezone (order number prefix).
    pub order_date: NaiveDate,
    /// Points per yuan.
    pub rate: CreditRate,
}

/// What order creation answers.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedOrder {
    /// Order id.
    pub id: i64,
    /// Order number.
    pub order_number: String,
    /// Unpaid, or paid at once when it cost nothing.
    pub status: OrderStatus,
    /// What the buyer pays.
    pub real_price: Decimal,
    /// When it times out.
    pub expires_at: DateTime<Utc>,
    /// The course ids it bought.
    pub course_ids: Vec<CourseId>,
    /// True when this is the stored answer to an earlier request with the same key.
    pub replayed: bool,
}

/// Why a checkout failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// A pricing rule refused it (400).
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// pay_type outside 0..=2 (400).
    #[error("支付方式不存在!")]
    InvalidPayType,
    /// WeChat has no channel yet (400).
    #[error("微信支付暂不可用,请选择其他支付方式!")]
    PayTypeUnavailable,
    /// An empty or over-long Idempotency-Key (400).
    #[error("Idempotency-Key must be 1 to 255 characters")]
    InvalidIdempotencyKey,
    /// A selected course is already owned (409).
    #[error("您已经购买过课程[{0}],请从购物车中移除后再下单!")]
    AlreadyOwned(String),
    /// A selected course is already in another unpaid order of this user (409).
    #[error("课程已经在未支付的订单[{0}]中,请先支付或取消该订单!")]
    AlreadyInUnpaidOrder(String),
    /// The same Idempotency-Key came with a different body (409).
    #[error("Idempotency-Key 已用于另一个不同的下单请求!")]
    IdempotencyMismatch,
    /// The buyer's account is gone or deactivated (401).
    #[error("用户不存在或已停用,请重新登录!")]
    UserNotFound,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The store side of checkout. The adapter runs `create_order` in ONE transaction: lock the
/// user row, check ownership and unpaid orders, price with [`crate::price_checkout`], reserve
/// the coupon or deduct points with guarded updates, insert order and lines (and the timeout
/// job, SPEC 2.8), fulfil at once when the price is zero, commit.
pub trait CheckoutStore: Send + Sync {
    /// Prices without writing (the quote endpoint). Errors: `Pricing`, `UserNotFound`, `Storage`.
    fn quote(
        &self,
        request: &CheckoutRequest,
        course_ids: &[CourseId],
        now: DateTime<Utc>,
        rate: CreditRate,
    ) -> impl Future<Output = Result<Quote, CheckoutError>> + Send;

    /// The order an idempotency key already produced, if any: `Ok(Some)` for the same
    /// fingerprint, `Err(IdempotencyMismatch)` for another.
    fn replay(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<CreatedOrder>, CheckoutError>> + Send;

    /// Creates the order (see the trait doc). Errors: every `CheckoutError` but
    /// `InvalidPayType`/`PayTypeUnavailable`.
    fn create_order(
        &self,
        command: CheckoutCommand,
    ) -> impl Future<Output = Result<CreatedOrder, CheckoutError>> + Send;
}

/// Maps an instant to the order date in the store timezone.
pub type OrderDate = Arc<dyn Fn(DateTime<Utc>) -> NaiveDate + Send + Sync>;

/// The checkout use cases.
#[derive(Clone)]
pub struct CheckoutService<C, S, K> {
    carts: C,
    store: S,
    clock: K,
    rate: CreditRate,
    timeout: Duration,
    order_date: OrderDate,
}

/// The result of a checkout, with whether the cart was cleaned up after the commit.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutOutcome {
    /// The order.
    pub order: CreatedOrder,
    /// False if removing the ordered courses from the cart failed (the order stands; the
    /// courses stay in the cart and are refused by the next checkout as already in an order).
    pub cart_cleared: bool,
}

impl<C, S, K> CheckoutService<C, S, K>
where
    C: CartRepository,
    S: CheckoutStore,
    K: Clock,
{
    /// Wires the ports; `order_date` maps an instant to the store-timezone date.
    pub fn new(
        carts: C,
        store: S,
        clock: K,
        rate: CreditRate,
        timeout: Duration,
        order_date: OrderDate,
    ) -> Self {
        Self {
            carts,
            store,
            clock,
            rate,
            timeout,
            order_date,
        }
    }

    /// Seconds an unpaid order lives.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Points per yuan.
    pub fn rate(&self) -> CreditRate {
        self.rate
    }

    async fn selected(&self, user: UserId) -> Result<Vec<CourseId>, CheckoutError> {
        let ids: Vec<CourseId> = self
            .carts
            .entries(user)
            .await?
            .into_iter()
            .filter(|entry| entry.selected)
            .map(|entry| entry.course_id)
            .collect();
        if ids.is_empty() {
            return Err(PricingError::EmptySelection.into());
        }
        Ok(ids)
    }

    /// Prices the selected cart items with the request's coupon or points.
    pub async fn quote(&self, request: &CheckoutRequest) -> Result<Quote, CheckoutError> {
        let ids = self.selected(request.user).await?;
        self.store
            .quote(request, &ids, self.clock.now(), self.rate)
            .await
    }

    /// Creates the order from the selected cart items, then removes exactly those courses from
    /// the cart. A replayed idempotency key answers the original order and touches nothing.
    pub async fn create(&self, request: CheckoutRequest) -> Result<CheckoutOutcome, CheckoutError> {
        if let Some(key) = &request.idempotency {
            if let Some(order) = self.store.replay(request.user, key).await? {
                return Ok(CheckoutOutcome {
                    order,
                    cart_cleared: true,
                });
            }
        }
        let user = request.user;
        let course_ids = match self.selected(user).await {
            Ok(ids) => ids,
            // A concurrent request with the same key may have ordered and emptied the cart
            // between our first replay check and this read: answer its order.
            Err(CheckoutError::Pricing(PricingError::EmptySelection))
                if request.idempotency.is_some() =>
            {
                if let Some(key) = &request.idempotency {
                    if let Some(order) = self.store.replay(user, key).await? {
                        return Ok(CheckoutOutcome {
                            order,
                            cart_cleared: true,
                        });
                    }
                }
                return Err(PricingError::EmptySelection.into());
            }
            Err(other) => return Err(other),
        };
        let now = self.clock.now();
        let command = CheckoutCommand {
            request,
            course_ids,
            now,
            expires_at: now + self.timeout,
            order_date: (self.order_date)(now),
            rate: self.rate,
        };
        let order = self.store.create_order(command).await?;
        let cart_cleared = if order.replayed {
            true
        } else {
            self.carts.remove(user, &order.course_ids).await.is_ok()
        };
        Ok(CheckoutOutcome {
            order,
            cart_cleared,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_validation() {
        let user = UserId(1);
        assert!(matches!(
            CheckoutRequest::new(user, 1, -1, 0, None),
            Err(CheckoutError::PayTypeUnavailable)
        ));
        assert!(matches!(
            CheckoutRequest::new(user, 3, -1, 0, None),
            Err(CheckoutError::InvalidPayType)
        ));
        assert!(matches!(
            CheckoutRequest::new(user, -1, -1, 0, None),
            Err(CheckoutError::InvalidPayType)
        ));
        assert!(matches!(
            CheckoutRequest::new(user, 0, -1, -5, None),
            Err(CheckoutError::Pricing(PricingError::NegativePoints))
        ));
        assert!(matches!(
            CheckoutRequest::new(user, 0, -1, 0, Some("x".repeat(256))),
            Err(CheckoutError::InvalidIdempotencyKey)
        ));
        let ok = CheckoutRequest::new(user, 2, 5, 0, Some("k".into())).unwrap();
        assert_eq!(ok.coupon_id, Some(5));
        let other = CheckoutRequest::new(user, 2, -1, 10, Some("k".into())).unwrap();
        assert_ne!(
            ok.idempotency, other.idempotency,
            "different bodies, different fingerprints"
        );
    }
}
