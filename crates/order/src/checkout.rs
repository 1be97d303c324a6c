//! Creating orders: the checkout service. It opens the store's transaction, reads
//! everything under the buyer's lock in one round trip, decides in [`decide_order`] (pure), and
//! writes the decided [`OrderPlan`] in one more.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use luffy_cart::CartStore;
use luffy_catalog::Course;
use luffy_common::{Clock, CourseId, StorageError, UserId};
use luffy_coupon::UserCoupon;
use luffy_credit::{CreditRate, LedgerEntry, LedgerOperation};
use rust_decimal::Decimal;

use crate::channel::Channel;
use crate::lifecycle::{Creation, OrderStatus};
use crate::number::order_number;
use crate::ports::{CheckoutQuery, CheckoutSnapshot, OrderStore, OrderTx, QuoteSnapshot};
use crate::pricing::{price_checkout, PricingError, PricingInput, Quote};
use crate::status::PayType;

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
    /// The store does not offer this way to pay (its channel is not configured) (400).
    #[error("{}支付暂不可用,请选择其他支付方式!", .0.display_name())]
    PayTypeUnavailable(PayType),
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

/// Maps an instant to the order date in the store timezone.
pub type OrderDate = Arc<dyn Fn(DateTime<Utc>) -> NaiveDate + Send + Sync>;

/// A grant the buyer may use on the selected courses.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponOption {
    /// The grant, with its coupon.
    pub grant: UserCoupon,
    /// The selected courses it can discount (at least one).
    pub courses: Vec<CourseId>,
}

/// What the checkout page offers before the order: the usable coupons and the points balance.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponOptions {
    /// The buyer's points.
    pub points: i32,
    /// Usable grants, newest first.
    pub coupons: Vec<CouponOption>,
}

/// The grants usable at `now` on at least one of `courses`, exactly as pricing decides: the
/// grant is available ([`UserCoupon::is_available`]) and its coupon can discount the course
/// ([`luffy_coupon::Coupon::can_discount`]: in scope, no promotion, price reaches the
/// condition).
pub fn usable_coupons(
    grants: Vec<UserCoupon>,
    courses: &[Course],
    now: DateTime<Utc>,
) -> Vec<CouponOption> {
    grants
        .into_iter()
        .filter(|grant| grant.is_available(now))
        .filter_map(|grant| {
            let usable: Vec<CourseId> = courses
                .iter()
                .filter(|course| grant.coupon.can_discount(course, now))
                .map(|course| course.id)
                .collect();
            (!usable.is_empty()).then_some(CouponOption {
                grant,
                courses: usable,
            })
        })
        .collect()
}

/// The checkout use cases.
#[derive(Clone)]
pub struct CheckoutService<C, S, K> {
    carts: C,
    store: S,
    clock: K,
    rate: CreditRate,
    timeout: Duration,
    order_date: OrderDate,
    channels: Vec<Channel>,
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

/// A stored order as an idempotent replay answers it, with the fingerprint of the request
/// that created it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    /// The order, marked `replayed`.
    pub order: CreatedOrder,
    /// The creating request's fingerprint.
    pub fingerprint: Option<String>,
}

/// A decided order, written and committed by [`OrderTx::commit_order`] in one round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPlan {
    /// Id (drawn from the sequence with the reads).
    pub order_id: i64,
    /// The 24-digit number.
    pub order_number: String,
    /// The buyer.
    pub user: UserId,
    /// How the buyer will pay.
    pub pay_type: PayType,
    /// Lines and totals.
    pub quote: Quote,
    /// The first status, its stamp, its job and its fulfilment.
    pub creation: Creation,
    /// When an unpaid order times out.
    pub expires_at: DateTime<Utc>,
    /// The request's key and fingerprint.
    pub idempotency: Option<IdempotencyKey>,
    /// The grant to reserve (guarded: a race loses with `CouponUnavailable`).
    pub coupon_grant: Option<i64>,
    /// The points spent, as a ledger row (guarded: a race loses with `PointsOverBalance`).
    pub points_spent: Option<LedgerEntry>,
}

/// What the transaction's middle step decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// An earlier request with the same key created this order: answer it, write nothing.
    Replay(CreatedOrder),
    /// Write this order.
    Create(Box<OrderPlan>),
}

/// The instant and settings one checkout is decided with.
#[derive(Debug, Clone)]
pub struct CheckoutContext {
    /// The pricing instant.
    pub now: DateTime<Utc>,
    /// When the order times out if unpaid.
    pub expires_at: DateTime<Utc>,
    /// The order date in the store timezone (order number prefix).
    pub order_date: NaiveDate,
    /// Points per yuan.
    pub rate: CreditRate,
}

/// Prices what was read: the account must be active, every requested course must exist, and a
/// requested grant must be the buyer's (someone else's looks exactly like a missing one).
pub fn price_snapshot(
    request: &CheckoutRequest,
    course_ids: &[CourseId],
    snapshot: &QuoteSnapshot,
    now: DateTime<Utc>,
    rate: CreditRate,
) -> Result<Quote, CheckoutError> {
    let balance = snapshot.points.ok_or(CheckoutError::UserNotFound)?;
    if let Some(missing) = course_ids
        .iter()
        .find(|id| !snapshot.courses.iter().any(|c| c.id == **id))
    {
        return Err(PricingError::CourseUnavailable(format!("#{}", missing.get())).into());
    }
    let coupon = match request.coupon_id {
        None => None,
        Some(_) => Some(
            snapshot
                .grant
                .as_ref()
                .filter(|g| g.user == request.user)
                .ok_or(PricingError::CouponNotFound)?,
        ),
    };
    Ok(price_checkout(&PricingInput {
        user: request.user,
        courses: &snapshot.courses,
        coupon,
        points: request.points,
        balance: i64::from(balance),
        rate,
        now,
    })?)
}

/// The middle step of order creation, between the locked read and the write: replay, price,
/// refuse a course already owned or already in an unpaid order, number the order, and decide
/// its first status ([`crate::lifecycle::create`]) and the points ledger row.
pub fn decide_order(
    request: &CheckoutRequest,
    course_ids: &[CourseId],
    snapshot: CheckoutSnapshot,
    context: &CheckoutContext,
) -> Result<Decision, CheckoutError> {
    if let (Some(stored), Some(key)) = (snapshot.replay, &request.idempotency) {
        if stored.fingerprint.as_deref() != Some(key.fingerprint.as_str()) {
            return Err(CheckoutError::IdempotencyMismatch);
        }
        return Ok(Decision::Replay(stored.order));
    }
    let quote = price_snapshot(
        request,
        course_ids,
        &snapshot.pricing,
        context.now,
        context.rate,
    )?;
    if let Some(name) = snapshot.owned {
        return Err(CheckoutError::AlreadyOwned(name));
    }
    if let Some(number) = snapshot.pending {
        return Err(CheckoutError::AlreadyInUnpaidOrder(number));
    }
    let order_id = snapshot.next_order_id;
    let number = order_number(context.order_date, request.user, snapshot.next_number);
    let creation = crate::lifecycle::create(
        order_id,
        request.user,
        quote.real_price,
        context.now,
        context.expires_at,
    );
    let points_spent = (quote.credit > 0).then(|| LedgerEntry {
        user: request.user,
        operation: LedgerOperation::Spent,
        number: -quote.credit,
        order_id: Some(order_id),
        remark: format!("订单[{number}]抵扣积分"),
    });
    Ok(Decision::Create(Box::new(OrderPlan {
        order_id,
        order_number: number,
        user: request.user,
        pay_type: request.pay_type,
        coupon_grant: quote.coupon_id,
        quote,
        creation,
        expires_at: context.expires_at,
        idempotency: request.idempotency.clone(),
        points_spent,
    })))
}

impl<C, S, K> CheckoutService<C, S, K>
where
    C: CartStore,
    S: OrderStore,
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
            channels: vec![Channel::Alipay, Channel::Balance],
        }
    }

    /// The payment channels this store offers (Alipay and the balance unless told otherwise):
    /// an order of another pay type is refused at checkout, since nothing could take its money.
    pub fn with_channels(mut self, channels: impl IntoIterator<Item = Channel>) -> Self {
        self.channels = channels.into_iter().collect();
        self
    }

    fn offers(&self, pay_type: PayType) -> Result<(), CheckoutError> {
        if self.channels.contains(&Channel::of(pay_type)) {
            Ok(())
        } else {
            Err(CheckoutError::PayTypeUnavailable(pay_type))
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

    /// The courses selected in the buyer's cart, possibly none.
    async fn selected_ids(&self, user: UserId) -> Result<Vec<CourseId>, StorageError> {
        Ok(self
            .carts
            .entries(user)
            .await?
            .into_iter()
            .filter(|entry| entry.selected)
            .map(|entry| entry.course_id)
            .collect())
    }

    /// The selected courses; refused when there are none.
    async fn selected(&self, user: UserId) -> Result<Vec<CourseId>, CheckoutError> {
        let ids = self.selected_ids(user).await?;
        if ids.is_empty() {
            return Err(PricingError::EmptySelection.into());
        }
        Ok(ids)
    }

    fn query(
        &self,
        request: &CheckoutRequest,
        course_ids: &[CourseId],
        now: DateTime<Utc>,
    ) -> CheckoutQuery {
        CheckoutQuery {
            user: request.user,
            course_ids: course_ids.to_vec(),
            coupon_id: request.coupon_id,
            idempotency_key: request.idempotency.as_ref().map(|k| k.key.clone()),
            now,
        }
    }

    /// The checkout page's coupons and points: each of the buyer's grants usable now on at
    /// least one selected course ([`usable_coupons`]), and the points balance. `None` when the
    /// account is missing. An empty selection has no usable coupon.
    pub async fn coupon_options(
        &self,
        user: UserId,
    ) -> Result<Option<CouponOptions>, StorageError> {
        let ids = self.selected_ids(user).await?;
        let now = self.clock.now();
        let snapshot = self.store.load_coupon_options(user, &ids, now).await?;
        Ok(snapshot.points.map(|points| CouponOptions {
            points,
            coupons: usable_coupons(snapshot.grants, &snapshot.courses, now),
        }))
    }

    /// Prices the selected cart items with the request's coupon or points.
    pub async fn quote(&self, request: &CheckoutRequest) -> Result<Quote, CheckoutError> {
        self.offers(request.pay_type)?;
        let ids = self.selected(request.user).await?;
        let now = self.clock.now();
        let snapshot = self
            .store
            .load_quote(&self.query(request, &ids, now))
            .await?;
        price_snapshot(request, &ids, &snapshot, now, self.rate)
    }

    async fn replay(
        &self,
        request: &CheckoutRequest,
    ) -> Result<Option<CreatedOrder>, CheckoutError> {
        let Some(key) = &request.idempotency else {
            return Ok(None);
        };
        match self.store.replay(request.user, &key.key).await? {
            None => Ok(None),
            Some(stored) if stored.fingerprint.as_deref() == Some(key.fingerprint.as_str()) => {
                Ok(Some(stored.order))
            }
            Some(_) => Err(CheckoutError::IdempotencyMismatch),
        }
    }

    /// Creates the order from the selected cart items, then removes exactly those courses from
    /// the cart. A replayed idempotency key answers the original order and touches nothing.
    pub async fn create(&self, request: CheckoutRequest) -> Result<CheckoutOutcome, CheckoutError> {
        self.offers(request.pay_type)?;
        let user = request.user;
        // A replayed key is answered inside the order transaction (its locked read finds the
        // key's order), so a checkout needs no round trip of its own for it.
        let course_ids = match self.selected(user).await {
            Ok(ids) => ids,
            // The request with this key may already have ordered and emptied the cart: answer
            // its order.
            Err(CheckoutError::Pricing(PricingError::EmptySelection))
                if request.idempotency.is_some() =>
            {
                if let Some(order) = self.replay(&request).await? {
                    return Ok(CheckoutOutcome {
                        order,
                        cart_cleared: true,
                    });
                }
                return Err(PricingError::EmptySelection.into());
            }
            Err(other) => return Err(other),
        };
        let order = self.order_courses(&request, &course_ids).await?;
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

    /// Orders the given courses in ONE transaction of two steps: the locked read
    /// ([`OrderTx::load_checkout`]), then the write of what [`decide_order`] decided with the
    /// commit ([`OrderTx::commit_order`]). A refusal rolls everything back.
    pub async fn order_courses(
        &self,
        request: &CheckoutRequest,
        course_ids: &[CourseId],
    ) -> Result<CreatedOrder, CheckoutError> {
        let now = self.clock.now();
        let context = CheckoutContext {
            now,
            expires_at: now + self.timeout,
            order_date: (self.order_date)(now),
            rate: self.rate,
        };
        let mut tx = self.store.begin().await?;
        let snapshot = tx
            .load_checkout(&self.query(request, course_ids, now))
            .await?;
        let plan = match decide_order(request, course_ids, snapshot, &context) {
            Ok(Decision::Create(plan)) => plan,
            Ok(Decision::Replay(order)) => {
                tx.rollback().await?;
                return Ok(order);
            }
            Err(refused) => {
                tx.rollback().await?;
                return Err(refused);
            }
        };
        tx.commit_order(&plan).await?;
        Ok(CreatedOrder {
            id: plan.order_id,
            order_number: plan.order_number,
            status: plan.creation.status,
            real_price: plan.quote.real_price,
            expires_at: plan.expires_at,
            course_ids: plan.quote.lines.iter().map(|l| l.course_id).collect(),
            replayed: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{at, course};
    use luffy_coupon::builders::coupon_at;
    use luffy_coupon::{Coupon, CouponScope, ScopeItem, UseStatus};

    fn grant(id: i64, coupon: Coupon) -> UserCoupon {
        UserCoupon {
            id,
            user: UserId(3),
            coupon,
            order_id: None,
            use_status: UseStatus::Unused,
            use_time: None,
        }
    }

    #[test]
    fn a_coupon_is_offered_for_the_selected_courses_it_can_discount_now() {
        let now = at(0);
        let courses = [course(1, 100), course(2, 20)];
        let everything = grant(
            10,
            Coupon {
                condition: 50,
                ..coupon_at(now)
            },
        );
        let for_course = |grant_id: i64, course_id: i64| {
            let scope = CouponScope::Courses(vec![ScopeItem {
                id: course_id,
                name: format!("课程{course_id}"),
            }]);
            grant(
                grant_id,
                Coupon {
                    scope,
                    ..coupon_at(now)
                },
            )
        };
        let second_only = for_course(11, 2);
        let elsewhere = for_course(12, 9);
        let expired = grant(
            13,
            Coupon {
                ends_at: now - Duration::seconds(1),
                ..coupon_at(now)
            },
        );
        let reserved = UserCoupon {
            order_id: Some(5),
            ..grant(14, coupon_at(now))
        };
        let offered = usable_coupons(
            vec![everything, second_only, elsewhere, expired, reserved],
            &courses,
            now,
        );
        let shown: Vec<(i64, Vec<i64>)> = offered
            .iter()
            .map(|o| (o.grant.id, o.courses.iter().map(|c| c.get()).collect()))
            .collect();
        assert_eq!(shown, vec![(10, vec![1]), (11, vec![2])]);
    }

    #[test]
    fn request_validation() {
        let user = UserId(1);
        assert!(CheckoutRequest::new(user, 1, -1, 0, None).is_ok());
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

#[cfg(test)]
mod service_tests {
    use super::*;
    use crate::memory::{at, course, MemoryCart, MemoryOrderStore};
    use luffy_common::FixedClock;

    type Service = CheckoutService<MemoryCart, MemoryOrderStore, FixedClock>;

    fn service(store: &MemoryOrderStore, cart: &[i64]) -> Service {
        CheckoutService::new(
            MemoryCart(Arc::new(std::sync::Mutex::new(
                cart.iter().map(|c| CourseId(*c)).collect(),
            ))),
            store.clone(),
            FixedClock(at(0)),
            CreditRate::default(),
            Duration::minutes(15),
            Arc::new(|now: DateTime<Utc>| now.date_naive()),
        )
    }

    fn snapshot(prices: &[(i64, i64)], points: i32) -> CheckoutSnapshot {
        CheckoutSnapshot {
            pricing: QuoteSnapshot {
                points: Some(points),
                courses: prices.iter().map(|(id, p)| course(*id, *p)).collect(),
                grant: None,
            },
            replay: None,
            owned: None,
            pending: None,
            next_order_id: 41,
            next_number: 7,
        }
    }

    fn store(snapshot: CheckoutSnapshot) -> MemoryOrderStore {
        let store = MemoryOrderStore::default();
        store.state().snapshot = Some(snapshot);
        store
    }

    fn request(points: i64, key: Option<&str>) -> CheckoutRequest {
        CheckoutRequest::new(UserId(3), 0, -1, points, key.map(str::to_owned)).unwrap()
    }

    #[tokio::test]
    async fn creates_an_unpaid_order_with_its_timeout_job_and_clears_the_cart() {
        let store = store(snapshot(&[(1, 100), (2, 50)], 500));
        let checkout = service(&store, &[1, 2]);
        let outcome = checkout.create(request(100, None)).await.unwrap();
        assert!(outcome.cart_cleared);
        let order = outcome.order;
        assert_eq!(order.id, 41);
        assert_eq!(order.status, OrderStatus::Unpaid);
        assert_eq!(order.order_number, "202311140000000300000007");
        assert_eq!(
            order.real_price,
            Decimal::new(140, 0),
            "100 points = 10 yuan"
        );
        assert_eq!(order.expires_at, at(900));
        let state = store.state();
        let plan = &state.written[0];
        let job = plan.creation.timeout_job.as_ref().unwrap();
        assert_eq!(
            (job.kind.as_str(), job.run_at),
            (crate::jobs::ORDER_TIMEOUT, at(900))
        );
        let spent = plan.points_spent.as_ref().unwrap();
        assert_eq!(spent.number, -100);
        assert_eq!(spent.remark, "订单[202311140000000300000007]抵扣积分");
        assert_eq!(state.commits, 1);
        assert!(checkout.carts.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn only_the_offered_channels_are_accepted() {
        let store = store(snapshot(&[(1, 100)], 0));
        let wechat = CheckoutRequest::new(UserId(3), 1, -1, 0, None).unwrap();
        let refused = service(&store, &[1])
            .create(wechat.clone())
            .await
            .unwrap_err();
        assert_eq!(refused.to_string(), "微信支付暂不可用,请选择其他支付方式!");
        assert!(store.state().commits == 0, "nothing written");
        let offered = service(&store, &[1]).with_channels([
            Channel::Alipay,
            Channel::Wechat,
            Channel::Balance,
        ]);
        assert_eq!(
            offered.quote(&wechat).await.unwrap().real_price,
            Decimal::new(100, 0)
        );
        let order = offered.create(wechat).await.unwrap().order;
        assert_eq!(order.status, OrderStatus::Unpaid);
    }

    #[tokio::test]
    async fn a_free_order_is_paid_and_fulfilled_at_once() {
        let store = store(snapshot(&[(1, 0)], 0));
        let order = service(&store, &[1])
            .create(request(0, None))
            .await
            .unwrap()
            .order;
        assert_eq!(order.status, OrderStatus::Paid);
        let state = store.state();
        let creation = &state.written[0].creation;
        assert!(creation.fulfil.is_some() && creation.timeout_job.is_none());
        assert_eq!(creation.paid_at, Some(at(0)));
    }

    #[tokio::test]
    async fn refusals_roll_back_and_write_nothing() {
        let mut owned = snapshot(&[(1, 100)], 0);
        owned.owned = Some("课程1".into());
        let mut pending = snapshot(&[(1, 100)], 0);
        pending.pending = Some("N5".into());
        let mut inactive = snapshot(&[(1, 100)], 0);
        inactive.pricing.points = None;
        let missing = snapshot(&[], 0);
        for (snapshot, expected) in [
            (owned, "AlreadyOwned"),
            (pending, "AlreadyInUnpaidOrder"),
            (inactive, "UserNotFound"),
            (missing, "CourseUnavailable"),
        ] {
            let store = store(snapshot);
            let checkout = service(&store, &[1]);
            let error = checkout.create(request(0, None)).await.unwrap_err();
            assert!(format!("{error:?}").contains(expected), "{error:?}");
            let state = store.state();
            assert!(state.written.is_empty());
            assert_eq!((state.commits, state.rollbacks), (0, 1));
            assert_eq!(checkout.carts.0.lock().unwrap().len(), 1, "cart kept");
        }
    }

    #[tokio::test]
    async fn a_lost_race_in_the_write_rolls_back() {
        let store = store(snapshot(&[(1, 100)], 500));
        store.state().write_refusal = Some(PricingError::PointsOverBalance);
        let error = service(&store, &[1])
            .create(request(100, None))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            CheckoutError::Pricing(PricingError::PointsOverBalance)
        ));
        let state = store.state();
        assert_eq!(
            (state.written.len(), state.commits, state.rollbacks),
            (0, 0, 1)
        );
    }

    #[tokio::test]
    async fn an_idempotent_replay_answers_the_first_order_or_refuses_another_body() {
        let first = request(0, Some("k1"));
        let stored = StoredOrder {
            order: CreatedOrder {
                id: 9,
                order_number: "N9".into(),
                status: OrderStatus::Unpaid,
                real_price: Decimal::TEN,
                expires_at: at(900),
                course_ids: vec![CourseId(1)],
                replayed: true,
            },
            fingerprint: first.idempotency.as_ref().map(|k| k.fingerprint.clone()),
        };
        let mut with_replay = snapshot(&[(1, 100)], 500);
        with_replay.replay = Some(stored);
        let store = store(with_replay);
        let checkout = service(&store, &[1]);
        let again = checkout.create(first).await.unwrap();
        assert!(again.order.replayed);
        assert_eq!(again.order.id, 9);
        let other = checkout.create(request(100, Some("k1"))).await.unwrap_err();
        assert!(matches!(other, CheckoutError::IdempotencyMismatch));
        assert!(store.state().written.is_empty());
    }

    #[tokio::test]
    async fn a_quote_prices_without_writing() {
        let store = store(snapshot(&[(1, 100)], 500));
        let quote = service(&store, &[1])
            .quote(&request(50, None))
            .await
            .unwrap();
        assert_eq!(quote.real_price, Decimal::new(95, 0));
        assert!(store.state().written.is_empty());
        let empty = service(&store, &[])
            .quote(&request(0, None))
            .await
            .unwrap_err();
        assert!(matches!(
            empty,
            CheckoutError::Pricing(PricingError::EmptySelection)
        ));
    }
}
