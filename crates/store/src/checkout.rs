//! PostgreSQL adapter for checkout: quoting, and creating an order in ONE transaction
//! (SPEC 2.6).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Numeric, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_catalog::Course;
use luffy_common::money::round_cents;
use luffy_common::{CourseId, StorageError, UserId};
use luffy_coupon::UserCoupon;
use luffy_credit::{CreditRate, LedgerEntry, LedgerOperation};
use luffy_order::number::order_number;
use luffy_order::{
    price_checkout, CheckoutCommand, CheckoutError, CheckoutRequest, CheckoutStore, CreatedOrder,
    IdempotencyKey, OrderStatus, PricingError, PricingInput, Quote,
};
use rust_decimal::Decimal;

use crate::catalog::courses_by_ids;
use crate::coupons::lock_user_coupon;
use crate::errors::diesel_error;
use crate::ledger::append_ledger;
use crate::orders::grant_purchase;
use crate::postgres::{connection, PgPool};
use crate::schema::{coupon_logs, order_details, orders, users};
use crate::statement::cached_sql;

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

cached_sql! {
    /// Never sell a course twice: the first of the courses the user owns, and an unpaid order
    /// already holding one of them, in one statement.
    struct FindConflicts = "SELECT
        (SELECT c.name FROM user_courses uc JOIN courses c ON c.id = uc.course_id
         WHERE uc.user_id = :user AND uc.course_id = ANY(:courses) ORDER BY c.id LIMIT 1) AS owned,
        (SELECT o.order_number FROM order_details d JOIN orders o ON o.id = d.order_id
         WHERE o.user_id = :user AND o.order_status = 0 AND d.course_id = ANY(:courses)
         LIMIT 1) AS pending";
    user: BigInt => i64,
    courses: Array<BigInt> => Vec<i64>,
}

cached_sql! {
    /// The new order's id and number sequence, drawn with the reads so that every write can
    /// go in one pipelined round trip (a refused checkout leaves a gap, as sequences do).
    struct NextOrderIds = "SELECT nextval('orders_id_seq') AS id, nextval('order_number_seq') AS number";
}

cached_sql! {
    /// All lines of an order in one statement, whatever their count.
    struct InsertLines = "INSERT INTO order_details
        (order_id, course_id, name, price, real_price, discount_name, coupon_discount)
        SELECT :order_id, * FROM unnest(:course_ids::bigint[], :names::text[],
            :prices::numeric[], :real_prices::numeric[], :discount_names::text[],
            :coupon_discounts::numeric[])";
    order_id: BigInt => i64,
    course_ids: Array<BigInt> => Vec<i64>,
    names: Array<Text> => Vec<String>,
    prices: Array<Numeric> => Vec<Decimal>,
    real_prices: Array<Numeric> => Vec<Decimal>,
    discount_names: Array<Text> => Vec<String>,
    coupon_discounts: Array<Numeric> => Vec<Decimal>,
}

cached_sql! {
    /// Reserves a grant for the order; guarded so that a race loses cleanly (0 rows).
    struct ReserveGrant = "UPDATE coupon_logs SET order_id = :order_id
        WHERE id = :grant AND user_id = :user AND order_id IS NULL AND use_status = 0";
    order_id: BigInt => i64,
    grant: BigInt => i64,
    user: BigInt => i64,
}

cached_sql! {
    /// Spends points; guarded so that the balance never goes negative (0 rows).
    struct SpendPoints = "UPDATE users SET credit = credit - :points
        WHERE id = :user AND credit >= :points";
    points: Integer => i32,
    user: BigInt => i64,
}

#[derive(QueryableByName)]
struct Conflicts {
    #[diesel(sql_type = Nullable<Text>)]
    owned: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pending: Option<String>,
}

#[derive(QueryableByName)]
struct OrderIds {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    number: i64,
}

/// The user's balance (None: no such user), locking the row when `lock`: a user's checkouts
/// run one at a time.
async fn balance(
    mut conn: &AsyncPgConnection,
    user: i64,
    lock: bool,
) -> Result<Option<i32>, TxError> {
    // A deactivated account reads as missing: its token may still be valid, but it may not
    // buy (checked here, on the row the checkout locks anyway, at no extra round trip).
    let balance = if lock {
        users::table
            .find(user)
            .filter(users::is_active.eq(true))
            .select(users::credit)
            .for_update()
            .first(&mut conn)
            .await
            .optional()?
    } else {
        users::table
            .find(user)
            .filter(users::is_active.eq(true))
            .select(users::credit)
            .first(&mut conn)
            .await
            .optional()?
    };
    Ok(balance)
}

/// The request's coupon grant (locked when `lock`); someone else's grant looks exactly like
/// a missing one.
async fn grant(
    conn: &AsyncPgConnection,
    request: &CheckoutRequest,
    lock: bool,
) -> Result<Option<UserCoupon>, TxError> {
    let Some(grant_id) = request.coupon_id else {
        return Ok(None);
    };
    let grant = if lock {
        lock_user_coupon(conn, grant_id).await?
    } else {
        let mut c = conn;
        let rows = coupon_logs::table
            .find(grant_id)
            .select(crate::coupons::CouponLogRow::as_select())
            .load(&mut c)
            .await?;
        crate::coupons::to_user_coupons(conn, rows).await?.pop()
    };
    Ok(Some(
        grant
            .filter(|g| g.user == request.user)
            .ok_or(PricingError::CouponNotFound)?,
    ))
}

/// What pricing reads: the balance (None: no such user), the courses, the grant.
type Loaded = (Option<i32>, Vec<Course>, Option<UserCoupon>);

/// Prices what was read; every requested course must exist.
fn price_loaded(
    request: &CheckoutRequest,
    ids: &[i64],
    loaded: Loaded,
    now: DateTime<Utc>,
    rate: CreditRate,
) -> Result<(Quote, Option<UserCoupon>), TxError> {
    let (balance, courses, coupon) = loaded;
    let balance = balance.ok_or(CheckoutError::UserNotFound)?;
    if let Some(missing) = ids
        .iter()
        .find(|id| !courses.iter().any(|c| c.id.get() == **id))
    {
        return Err(PricingError::CourseUnavailable(format!("#{missing}")).into());
    }
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

/// Reads what pricing needs (one pipelined round trip) and prices, without locks (quote).
async fn quote_in(
    conn: &AsyncPgConnection,
    request: &CheckoutRequest,
    course_ids: &[CourseId],
    now: DateTime<Utc>,
    rate: CreditRate,
) -> Result<Quote, TxError> {
    let user = request.user.get();
    let ids: Vec<i64> = course_ids.iter().map(|c| c.get()).collect();
    let loaded = futures::try_join!(
        balance(conn, user, false),
        async { Ok(courses_by_ids(conn, &ids, now).await?) },
        grant(conn, request, false),
    )?;
    Ok(price_loaded(request, &ids, loaded, now, rate)?.0)
}

/// id, number, status, real_price, expires_at, request fingerprint.
type IdempotentOrderRow = (i64, String, i16, Decimal, DateTime<Utc>, Option<String>);

async fn replay_in(
    mut conn: &AsyncPgConnection,
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
        .first(&mut conn)
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
        .load(&mut conn)
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

/// Creates the order in the caller's transaction in three round trips after BEGIN: every
/// read in one pipeline, every write in another, then COMMIT.
///
/// Pipelined statements run one after another on the server, in the order they are sent,
/// which is the order of the futures below (`try_join!` polls in order, and diesel-async
/// sends each statement in its first poll, queueing behind a FIFO lock when it must be
/// prepared first). So the user-row lock is taken before anything else is read, and in READ
/// COMMITTED each later statement sees whatever a concurrent checkout of the same user
/// committed before releasing it. The concurrency suite checks this under load.
async fn create_in(
    tx: &mut AsyncPgConnection,
    command: CheckoutCommand,
) -> Result<CreatedOrder, TxError> {
    let conn: &AsyncPgConnection = tx;
    let request = &command.request;
    let user = request.user.get();
    let ids: Vec<i64> = command.course_ids.iter().map(|c| c.get()).collect();
    let now = command.now;
    let (balance, replayed, courses, coupon, conflict, next) = futures::try_join!(
        // 1. Lock the user row (and read the balance).
        balance(conn, user, true),
        // 2. An earlier request with the same key may have committed: it is answered before
        //    pricing, which would see that order's coupon or points as taken.
        async {
            match &request.idempotency {
                Some(key) => replay_in(conn, request.user, key).await,
                None => Ok(None),
            }
        },
        async { Ok(courses_by_ids(conn, &ids, now).await?) },
        grant(conn, request, true),
        // 3. Owned, or already in another unpaid order.
        async {
            FindConflicts {
                user,
                courses: ids.clone(),
            }
            .get_result::<Conflicts>(&mut &*conn)
            .await
            .map_err(TxError::from)
        },
        async {
            NextOrderIds {}
                .get_result::<OrderIds>(&mut &*conn)
                .await
                .map_err(TxError::from)
        },
    )?;
    if let Some(order) = replayed {
        return Ok(order);
    }
    let (quote, coupon) =
        price_loaded(request, &ids, (balance, courses, coupon), now, command.rate)?;
    if let Some(name) = conflict.owned {
        return Err(CheckoutError::AlreadyOwned(name).into());
    }
    if let Some(number) = conflict.pending {
        return Err(CheckoutError::AlreadyInUnpaidOrder(number).into());
    }
    // 4. Number, status, and every write in one pipeline.
    let order_id = next.id;
    let number = order_number(command.order_date, request.user, next.number);
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
    let insert_order = async {
        diesel::insert_into(orders::table)
            .values((
                orders::id.eq(order_id),
                orders::user_id.eq(user),
                orders::order_number.eq(&number),
                orders::order_status.eq(status.code()),
                orders::pay_type.eq(request.pay_type.code()),
                orders::total_price.eq(quote.total_price),
                orders::real_price.eq(quote.real_price),
                orders::credit.eq(quote.credit),
                orders::pay_time.eq(paid_now.then_some(now)),
                orders::expires_at.eq(command.expires_at),
                orders::idempotency_key.eq(key),
                orders::request_hash.eq(fingerprint),
                orders::coupon_log_id.eq(coupon.as_ref().map(|c| c.id)),
            ))
            .execute(&mut &*conn)
            .await
            .map_err(TxError::from)
    };
    let lines = &quote.lines;
    let insert_lines = async {
        InsertLines {
            order_id,
            course_ids: lines.iter().map(|l| l.course_id.get()).collect(),
            names: lines.iter().map(|l| l.name.clone()).collect(),
            prices: lines.iter().map(|l| l.price).collect(),
            real_prices: lines.iter().map(|l| l.real_price).collect(),
            discount_names: lines.iter().map(|l| l.discount_name.clone()).collect(),
            coupon_discounts: lines
                .iter()
                .map(|l| round_cents(l.coupon_discount))
                .collect(),
        }
        .execute(&mut &*conn)
        .await
        .map_err(TxError::from)
    };
    // 5. Reserve the coupon or spend the points, guarded so a race loses cleanly.
    let reserve = async {
        let Some(coupon) = &coupon else {
            return Ok(());
        };
        let reserved = ReserveGrant {
            order_id,
            grant: coupon.id,
            user,
        }
        .execute(&mut &*conn)
        .await;
        match reserved {
            Ok(1) => Ok(()),
            Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                Err(PricingError::CouponUnavailable.into())
            }
            Err(other) => Err(TxError::from(other)),
        }
    };
    let spend = async {
        if quote.credit <= 0 {
            return Ok(());
        }
        let spent = SpendPoints {
            points: quote.credit,
            user,
        }
        .execute(&mut &*conn)
        .await?;
        if spent != 1 {
            return Err(PricingError::PointsOverBalance.into());
        }
        Ok(())
    };
    let ledger = async {
        if quote.credit <= 0 {
            return Ok(());
        }
        let entry = LedgerEntry {
            user: request.user,
            operation: LedgerOperation::Spent,
            number: -quote.credit,
            order_id: Some(order_id),
            remark: format!("订单[{number}]抵扣积分"),
        };
        append_ledger(conn, &entry).await.map_err(TxError::from)
    };
    // 6. SPEC 2.8: the order and its timeout job are committed together or not at all.
    let job = async {
        if paid_now {
            return Ok(());
        }
        crate::jobs::enqueue(
            conn,
            &luffy_scheduler::handlers::order_timeout_job(order_id, command.expires_at),
        )
        .await
        .map(|_| ())
        .map_err(TxError::from)
    };
    futures::try_join!(insert_order, insert_lines, reserve, spend, ledger, job)?;
    // 7. Nothing to pay: fulfil at once.
    if paid_now {
        grant_purchase(tx, order_id, user, now).await?;
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
        let conn = connection(&self.pool).await?;
        let result = quote_in(&conn, request, course_ids, now, rate).await;
        finish(result, "quoting a checkout")
    }

    async fn replay(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<CreatedOrder>, CheckoutError> {
        let conn = connection(&self.pool).await?;
        finish(
            replay_in(&conn, user, key).await,
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
