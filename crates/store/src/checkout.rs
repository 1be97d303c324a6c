//! PostgreSQL adapter for checkout: quoting, and creating an order in ONE transaction
//! (SPEC 2.6).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_common::money::round_cents;
use luffy_common::{CourseId, StorageError, UserId};
use luffy_coupon::UserCoupon;
use luffy_credit::{CreditRate, LedgerOperation};
use luffy_order::number::order_number;
use luffy_order::{
    price_checkout, CheckoutCommand, CheckoutError, CheckoutRequest, CheckoutStore, CreatedOrder,
    IdempotencyKey, OrderStatus, PricingError, PricingInput, Quote,
};
use rust_decimal::Decimal;

use crate::catalog::courses_by_ids;
use crate::coupons::lock_user_coupon;
use crate::errors::diesel_error;
use crate::orders::grant_purchase;
use crate::postgres::{connection, PgPool};
use crate::schema::{coupon_logs, credit_ledger, order_details, orders, users};

/// Checkout on PostgreSQL.
#[derive(Clone)]
pub struct PgCheckout {
    pool: PgPool,
}

impl PgCheckout {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A refusal or a database error inside the checkout transaction.
enum TxError {
    Refused(CheckoutError),
    Db(DieselError),
}

impl From<DieselError> for TxError {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

impl From<CheckoutError> for TxError {
    fn from(error: CheckoutError) -> Self {
        Self::Refused(error)
    }
}

impl From<PricingError> for TxError {
    fn from(error: PricingError) -> Self {
        Self::Refused(CheckoutError::Pricing(error))
    }
}

impl From<StorageError> for TxError {
    fn from(error: StorageError) -> Self {
        Self::Refused(CheckoutError::Storage(error))
    }
}

fn finish<T>(result: Result<T, TxError>, what: &'static str) -> Result<T, CheckoutError> {
    result.map_err(|e| match e {
        TxError::Refused(error) => error,
        TxError::Db(error) => CheckoutError::Storage(diesel_error(error, what)),
    })
}

#[derive(QueryableByName)]
struct Conflicts {
    #[diesel(sql_type = Nullable<Text>)]
    owned: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pending: Option<String>,
}

#[derive(QueryableByName)]
struct NextVal {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// Loads what pricing needs and prices. `lock` takes row locks (order creation) or not (quote).
async fn price_in(
    conn: &mut AsyncPgConnection,
    request: &CheckoutRequest,
    course_ids: &[CourseId],
    now: DateTime<Utc>,
    rate: CreditRate,
    lock: bool,
    locked_balance: Option<i32>,
) -> Result<(Quote, Option<UserCoupon>), TxError> {
    let user = request.user.get();
    let balance: Option<i32> = if let Some(balance) = locked_balance {
        Some(balance)
    } else if lock {
        users::table
            .find(user)
            .select(users::credit)
            .for_update()
            .first(conn)
            .await
            .optional()?
    } else {
        users::table
            .find(user)
            .select(users::credit)
            .first(conn)
            .await
            .optional()?
    };
    let balance = balance.ok_or(CheckoutError::UserNotFound)?;
    let ids: Vec<i64> = course_ids.iter().map(|c| c.get()).collect();
    let courses = courses_by_ids(conn, &ids, now).await?;
    if let Some(missing) = ids
        .iter()
        .find(|id| !courses.iter().any(|c| c.id.get() == **id))
    {
        return Err(PricingError::CourseUnavailable(format!("#{missing}")).into());
    }
    let coupon = match request.coupon_id {
        None => None,
        Some(grant_id) => {
            let grant = if lock {
                lock_user_coupon(conn, grant_id).await?
            } else {
                let rows = coupon_logs::table
                    .find(grant_id)
                    .select(crate::coupons::CouponLogRow::as_select())
                    .load(conn)
                    .await?;
                crate::coupons::to_user_coupons(conn, rows).await?.pop()
            };
            // Someone else's grant looks exactly like a missing one.
            Some(
                grant
                    .filter(|g| g.user == request.user)
                    .ok_or(PricingError::CouponNotFound)?,
            )
        }
    };
    let quote = price_checkout(&PricingInput {
        user: request.user,
        courses: &courses,
        coupon: coupon.as_ref(),
        points: request.points,
        balance,
        rate,
        now,
    })?;
    Ok((quote, coupon))
}

/// id, number, status, real_price, expires_at, request fingerprint.
type IdempotentOrderRow = (i64, String, i16, Decimal, DateTime<Utc>, Option<String>);

async fn replay_in(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &IdempotencyKey,
) -> Result<Option<CreatedOrder>, TxError> {
    let found: Option<IdempotentOrderRow> = orders::table
        .filter(orders::user_id.eq(user.get()))
        .filter(orders::idempotency_key.eq(&key.key))
        .select((
            orders::id,
            orders::order_number,
            orders::order_status,
            orders::real_price,
            orders::expires_at,
            orders::request_hash,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((id, number, status, real_price, expires_at, fingerprint)) = found else {
        return Ok(None);
    };
    if fingerprint.as_deref() != Some(key.fingerprint.as_str()) {
        return Err(CheckoutError::IdempotencyMismatch.into());
    }
    let course_ids: Vec<i64> = order_details::table
        .filter(order_details::order_id.eq(id))
        .select(order_details::course_id)
        .load(conn)
        .await?;
    Ok(Some(CreatedOrder {
        id,
        order_number: number,
        status: OrderStatus::from_code(status).unwrap_or(OrderStatus::Unpaid),
        real_price,
        expires_at,
        course_ids: course_ids.into_iter().map(CourseId).collect(),
        replayed: true,
    }))
}

async fn create_in(
    conn: &mut AsyncPgConnection,
    command: CheckoutCommand,
) -> Result<CreatedOrder, TxError> {
    let request = &command.request;
    let user = request.user.get();
    // 1. Lock the user row (and read the balance): a user's checkouts run one at a time.
    let balance: Option<i32> = users::table
        .find(user)
        .select(users::credit)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some(balance) = balance else {
        return Err(CheckoutError::UserNotFound.into());
    };
    // 2. Under the lock, an earlier request with the same key may have committed: answer it
    //    before pricing, which would see that order's coupon or points as taken.
    if let Some(key) = &request.idempotency {
        if let Some(order) = replay_in(conn, request.user, key).await? {
            return Ok(order);
        }
    }
    let (quote, coupon) = price_in(
        conn,
        request,
        &command.course_ids,
        command.now,
        command.rate,
        true,
        Some(balance),
    )
    .await?;
    let ids: Vec<i64> = quote.lines.iter().map(|l| l.course_id.get()).collect();
    // 3. Never sell a course twice: owned, or already in another unpaid order (one query).
    let conflict: Conflicts = diesel::sql_query(
        "SELECT (SELECT c.name FROM user_courses uc JOIN courses c ON c.id = uc.course_id
                 WHERE uc.user_id = $1 AND uc.course_id = ANY($2) ORDER BY c.id LIMIT 1) AS owned,
                (SELECT o.order_number FROM order_details d JOIN orders o ON o.id = d.order_id
                 WHERE o.user_id = $1 AND o.order_status = 0 AND d.course_id = ANY($2) LIMIT 1) AS pending",
    )
    .bind::<BigInt, _>(user)
    .bind::<Array<BigInt>, _>(&ids)
    .get_result(conn)
    .await?;
    if let Some(name) = conflict.owned {
        return Err(CheckoutError::AlreadyOwned(name).into());
    }
    if let Some(number) = conflict.pending {
        return Err(CheckoutError::AlreadyInUnpaidOrder(number).into());
    }
    // 4. Number, status, insert.
    let sequence: NextVal = diesel::sql_query("SELECT nextval('order_number_seq') AS value")
        .get_result(conn)
        .await?;
    let number = order_number(command.order_date, request.user, sequence.value);
    let paid_now = quote.real_price == Decimal::ZERO;
    let status = if paid_now {
        OrderStatus::Paid
    } else {
        OrderStatus::Unpaid
    };
    let (key, fingerprint) = match &request.idempotency {
        Some(k) => (Some(k.key.clone()), Some(k.fingerprint.clone())),
        None => (None, None),
    };
    let order_id: i64 = diesel::insert_into(orders::table)
        .values((
            orders::user_id.eq(user),
            orders::order_number.eq(&number),
            orders::order_status.eq(status.code()),
            orders::pay_type.eq(request.pay_type.code()),
            orders::total_price.eq(quote.total_price),
            orders::real_price.eq(quote.real_price),
            orders::credit.eq(quote.credit),
            orders::pay_time.eq(paid_now.then_some(command.now)),
            orders::expires_at.eq(command.expires_at),
            orders::idempotency_key.eq(key),
            orders::request_hash.eq(fingerprint),
        ))
        .returning(orders::id)
        .get_result(conn)
        .await?;
    let lines: Vec<_> = quote
        .lines
        .iter()
        .map(|line| {
            (
                order_details::order_id.eq(order_id),
                order_details::course_id.eq(line.course_id.get()),
                order_details::name.eq(line.name.clone()),
                order_details::price.eq(line.price),
                order_details::real_price.eq(line.real_price),
                order_details::discount_name.eq(line.discount_name.clone()),
                order_details::coupon_discount.eq(round_cents(line.coupon_discount)),
            )
        })
        .collect();
    diesel::insert_into(order_details::table)
        .values(lines)
        .execute(conn)
        .await?;
    // 5. Reserve the coupon or spend the points, guarded so a race loses cleanly.
    if let Some(coupon) = &coupon {
        let reserved = diesel::update(
            coupon_logs::table
                .filter(coupon_logs::id.eq(coupon.id))
                .filter(coupon_logs::user_id.eq(user))
                .filter(coupon_logs::order_id.is_null())
                .filter(coupon_logs::use_status.eq(0i16)),
        )
        .set(coupon_logs::order_id.eq(order_id))
        .execute(conn)
        .await;
        match reserved {
            Ok(1) => {}
            Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(PricingError::CouponUnavailable.into())
            }
            Err(other) => return Err(other.into()),
        }
    }
    if quote.credit > 0 {
        let spent = diesel::update(
            users::table
                .filter(users::id.eq(user))
                .filter(users::credit.ge(quote.credit)),
        )
        .set(users::credit.eq(users::credit - quote.credit))
        .execute(conn)
        .await?;
        if spent != 1 {
            return Err(PricingError::PointsOverBalance.into());
        }
        diesel::insert_into(credit_ledger::table)
            .values((
                credit_ledger::user_id.eq(user),
                credit_ledger::operation.eq(LedgerOperation::Spent.code()),
                credit_ledger::number.eq(-quote.credit),
                credit_ledger::order_id.eq(order_id),
                credit_ledger::remark.eq(format!("订单[{number}]抵扣积分")),
            ))
            .execute(conn)
            .await?;
    }
    // 6. SPEC 2.8: the order and its timeout job are committed together or not at all.
    if !paid_now {
        crate::jobs::enqueue(
            conn,
            &luffy_scheduler::handlers::order_timeout_job(order_id, command.expires_at),
        )
        .await?;
    }
    // 7. Nothing to pay: fulfil at once.
    if paid_now {
        grant_purchase(conn, order_id, user, command.now).await?;
    }
    Ok(CreatedOrder {
        id: order_id,
        order_number: number,
        status,
        real_price: quote.real_price,
        expires_at: command.expires_at,
        course_ids: quote.lines.iter().map(|l| l.course_id).collect(),
        replayed: false,
    })
}

impl CheckoutStore for PgCheckout {
    async fn quote(
        &self,
        request: &CheckoutRequest,
        course_ids: &[CourseId],
        now: DateTime<Utc>,
        rate: CreditRate,
    ) -> Result<Quote, CheckoutError> {
        let mut conn = connection(&self.pool).await?;
        let result = price_in(&mut conn, request, course_ids, now, rate, false, None).await;
        finish(result.map(|(quote, _)| quote), "quoting a checkout")
    }

    async fn replay(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<CreatedOrder>, CheckoutError> {
        let mut conn = connection(&self.pool).await?;
        finish(
            replay_in(&mut conn, user, key).await,
            "replaying an idempotent checkout",
        )
    }

    async fn create_order(&self, command: CheckoutCommand) -> Result<CreatedOrder, CheckoutError> {
        let mut conn = connection(&self.pool).await?;
        let result = conn
            .transaction::<_, TxError, _>(async move |conn| create_in(conn, command).await)
            .await;
        finish(result, "creating an order")
    }
}
