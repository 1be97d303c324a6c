//! The transaction that changes orders: [`PgOrderTx`] implements the domain's `OrderTx` port.
//! Each method is one round trip: its statements are pipelined (diesel-async sends each in its
//! first poll, or queues it behind the statement being prepared, and `try_join!` polls in
//! order, so they run on the server in the order written). BEGIN goes out with the first
//! method's statements, and a checkout's COMMIT with its write: creating an order is two round
//! trips.
//!
//! A `PgOrderTx` dropped without `commit` or `rollback` rolls back at once (see
//! `transaction.rs`). So a cancelled request can never leave half an order behind.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Numeric, SmallInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_common::money::round_cents;
use luffy_common::{CourseId, StorageError, UserId};
use luffy_coupon::UseStatus;
use luffy_credit::BalanceEntry;
use luffy_order::checkout::StoredOrder;
use luffy_order::jobs::ORDER_TIMEOUT;
use luffy_order::lifecycle::{Effects, LockedOrder};
use luffy_order::ports::{CheckoutQuery, CheckoutSnapshot, QuoteSnapshot};
use luffy_order::PaymentStatus;
use luffy_order::{
    CheckoutError, CreatedOrder, NewRefund, Order, OrderKey, OrderPlan, OrderStatus, OrderTx,
    PayType, PaymentEvent, PricingError, RefundChange, TransitionPlan,
};
use rust_decimal::Decimal;
use std::sync::Arc;

use crate::catalog::{
    courses_by_ids, courses_from_rows, courses_with_promotions_sql, CoursePromotionRow,
};
use crate::checkout_catalog::{running_at, CheckoutCatalog};
use crate::coupons::{grant_from_row, to_user_coupons, CouponLogRow, GrantWithCouponRow};
use crate::errors::diesel_error;
use crate::jobs::insert_job;
use crate::ledger::{append_balance_ledger, append_ledger};
use crate::postgres::PgConn;
use crate::refunds::{insert_refund, move_refund};

use super::{hydrate, OrderRow};
use crate::schema::{coupon_logs, order_details, orders, payments, users};
use crate::statement::cached_sql;
use crate::transaction::{begin_if, OpenTransaction};

/// One open transaction on a pooled connection.
pub struct PgOrderTx {
    conn: OpenTransaction,
    /// The store's courses at the catalog version it last priced at.
    catalog: Arc<CheckoutCatalog>,
}

impl PgOrderTx {
    /// A transaction whose BEGIN goes out with its first statements (no round trip of its own).
    pub(crate) fn begin(conn: PgConn, catalog: Arc<CheckoutCatalog>) -> Result<Self, StorageError> {
        Ok(Self {
            conn: OpenTransaction::deferred(conn)?,
            catalog,
        })
    }
}

/// The courses `ids` with every promotion and the catalog version they were read at, kept in
/// `catalog`; answered with the promotions running at `now` (those not ended), in id order as
/// the catalog's read gives them. A course that does not exist is simply absent (the domain
/// refuses the checkout).
async fn catalog_courses(
    mut conn: &AsyncPgConnection,
    catalog: &CheckoutCatalog,
    ids: Vec<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<luffy_catalog::Course>, StorageError> {
    let rows: Vec<VersionedCourse> = CatalogCourses { ids }
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "reading a checkout's courses"))?;
    let Some(version) = rows.as_slice().first().map(|row| row.catalog_version) else {
        return Ok(Vec::new());
    };
    let course_rows: Vec<CoursePromotionRow> = rows.into_iter().map(|row| row.course).collect();
    let courses = courses_from_rows(&course_rows)?;
    catalog.keep(version, &courses);
    Ok(courses
        .iter()
        .map(|course| running_at(course, now))
        .collect())
}

cached_sql! {
    /// A guarded status change: the row moves only if it still has the expected status (a
    /// bind, never a literal); a payment stamps its time and trade number.
    struct MoveStatus = "UPDATE orders SET order_status = :to, updated_time = now(),
            pay_time = COALESCE(:paid_at, pay_time), trade_no = COALESCE(:trade_no, trade_no)
        WHERE id = :id AND order_status = :from";
    to: SmallInt => i16,
    paid_at: Nullable<Timestamptz> => Option<DateTime<Utc>>,
    trade_no: Nullable<Text> => Option<String>,
    id: BigInt => i64,
    from: SmallInt => i16,
}

cached_sql! {
    /// Refunded courses leave the buyer's library (access ends before money leaves).
    struct RevokeCourses = "DELETE FROM user_courses WHERE user_id = :user AND course_id = ANY(:courses)";
    user: BigInt => i64,
    courses: Array<BigInt> => Vec<i64>,
}

cached_sql! {
    /// The used grant of a fully refunded order goes back to the buyer, unused.
    struct ReturnUsedGrant = "UPDATE coupon_logs SET use_status = :unused, use_time = NULL, order_id = NULL
        WHERE order_id = :order_id AND use_status = :used";
    order_id: BigInt => i64,
    unused: SmallInt => i16,
    used: SmallInt => i16,
}

cached_sql! {
    /// Money back to the balance.
    struct CreditBalance = "UPDATE users SET money = money + :amount WHERE id = :user";
    amount: Numeric => Decimal,
    user: BigInt => i64,
}

cached_sql! {
    /// Hides an order from its owner's list; the first hide's time is kept.
    struct HideOrder = "UPDATE orders SET hidden_at = COALESCE(hidden_at, :at) WHERE id = :id";
    at: Timestamptz => DateTime<Utc>,
    id: BigInt => i64,
}

cached_sql! {
    /// Frees the grant an order reserved (never a used one).
    struct ReleaseGrant = "UPDATE coupon_logs SET order_id = NULL
        WHERE order_id = :order_id AND use_status = :unused";
    order_id: BigInt => i64,
    unused: SmallInt => i16,
}

cached_sql! {
    /// Gives points back.
    struct RestorePoints = "UPDATE users SET credit = credit + :points WHERE id = :user";
    user: BigInt => i64,
    points: Integer => i32,
}

cached_sql! {
    /// The buyer owns the order's courses (once each, whatever the order's line count).
    struct OwnOrderCourses = "INSERT INTO user_courses (user_id, course_id)
        SELECT :user, course_id FROM order_details WHERE order_id = :order_id
        ON CONFLICT DO NOTHING";
    user: BigInt => i64,
    order_id: BigInt => i64,
}

cached_sql! {
    /// The grant the order reserved becomes used.
    struct UseGrant = "UPDATE coupon_logs SET use_status = :used, use_time = :paid_at
        WHERE order_id = :order_id AND use_status = :unused";
    paid_at: Timestamptz => DateTime<Utc>,
    order_id: BigInt => i64,
    used: SmallInt => i16,
    unused: SmallInt => i16,
}

cached_sql! {
    /// The order's live timeout job is moot (paid or cancelled).
    struct SettleTimeoutJob = "UPDATE jobs SET status = 'done',
            last_error = 'moot: order no longer unpaid', updated_time = now()
        WHERE order_id = :order_id AND kind = :kind AND status = 'pending'";
    order_id: BigInt => i64,
    kind: Text => String,
}

cached_sql! {
    /// A late payment is kept for its refund.
    struct MarkRefundPending = "UPDATE payments SET status = :refund_pending,
            refund_request_no = :request_no, updated_time = now()
        WHERE id = :id";
    id: BigInt => i64,
    request_no: Text => String,
    refund_pending: Text => &'static str,
}

cached_sql! {
    /// Everything a checkout reads after locking the buyer, in one statement: the requested
    /// grant with its coupon (the grant locked, as `LockGrantWithCoupon`), the first of the
    /// courses the user owns and an unpaid order already holding one of them (never sell a
    /// course twice), the new order's id and number sequence (drawn now so that the write and
    /// COMMIT go in one round trip; a refused checkout leaves a gap, as sequences do), the
    /// catalog's version (the courses come from the store's `CheckoutCatalog` when it holds
    /// them at that version), and the order an idempotency key already produced, with its
    /// courses and request fingerprint.
    struct CheckoutFacts = "WITH g AS (
            SELECT l.id, l.user_id, l.coupon_id, l.order_id, l.use_time, l.use_status, c.name,
                c.discount, c.coupon_type, c.total, c.has_total, c.start_time, c.end_time,
                c.get_type, c.condition, c.per_limit, c.sale, c.is_enabled
            FROM coupon_logs l JOIN coupons c ON c.id = l.coupon_id
            WHERE l.id = :grant FOR UPDATE OF l)
        SELECT
        (SELECT c.name FROM user_courses uc JOIN courses c ON c.id = uc.course_id
         WHERE uc.user_id = :user AND uc.course_id = ANY(:ids) ORDER BY c.id LIMIT 1) AS owned,
        (SELECT o.order_number FROM order_details d JOIN orders o ON o.id = d.order_id
         WHERE o.user_id = :user AND o.order_status = :unpaid AND d.course_id = ANY(:ids)
         LIMIT 1) AS pending,
        nextval('orders_id_seq') AS next_id, nextval('order_number_seq') AS next_number,
        (SELECT v.version FROM catalog_version v) AS catalog_version,
        r.id AS replay_id, r.order_number AS replay_number, r.order_status AS replay_status,
        r.real_price AS replay_price, r.expires_at AS replay_expires_at,
        r.request_hash AS replay_fingerprint,
        (SELECT array_agg(d.course_id ORDER BY d.id) FROM order_details d WHERE d.order_id = r.id)
            AS replay_courses,
        g.id AS grant_id, g.user_id AS grant_user_id, g.coupon_id AS grant_coupon_id,
        g.order_id AS grant_order_id, g.use_time AS grant_use_time,
        g.use_status AS grant_use_status, g.name AS grant_name, g.discount AS grant_discount,
        g.coupon_type AS grant_coupon_type, g.total AS grant_total,
        g.has_total AS grant_has_total, g.start_time AS grant_start_time,
        g.end_time AS grant_end_time, g.get_type AS grant_get_type,
        g.condition AS grant_condition, g.per_limit AS grant_per_limit, g.sale AS grant_sale,
        g.is_enabled AS grant_is_enabled
        FROM (SELECT) AS one
        LEFT JOIN orders r ON r.user_id = :user AND r.idempotency_key = :key
        LEFT JOIN g ON true";
    user: BigInt => i64,
    ids: Array<BigInt> => Vec<i64>,
    unpaid: SmallInt => i16,
    key: Nullable<Text> => Option<String>,
    grant: Nullable<BigInt> => Option<i64>,
}

cached_sql! {
    /// The courses a checkout asked for with every promotion they have (ended ones too: the
    /// `CheckoutCatalog` keeps them for later checkouts and drops those ended at each one's
    /// time), and the catalog's version in the same snapshot, which they are kept under.
    struct CatalogCourses = concat!(
        "SELECT v.version AS catalog_version, c.* FROM catalog_version v CROSS JOIN (",
        courses_with_promotions_sql!(""),
        ") AS c ORDER BY c.id, c.promotion_id"
    );
    ids: Array<BigInt> => Vec<i64>,
}

cached_sql! {
    /// A decided order in one statement: the order, all its lines, the coupon reservation, the
    /// points spent with their ledger row and the timeout job. The reservation and the points
    /// are guarded updates (a race loses with 0 rows), and `luffy_require` turns a lost race
    /// into an error, so the COMMIT pipelined after this statement rolls back instead.
    struct WriteOrder = "WITH new_order AS (
            INSERT INTO orders (id, user_id, order_number, order_status, pay_type, total_price,
                real_price, credit, pay_time, expires_at, idempotency_key, request_hash,
                coupon_log_id)
            VALUES (:order_id, :user, :number, :status, :pay_type, :total_price, :real_price,
                :credit, :paid_at, :expires_at, :key, :fingerprint, :grant)
        ), lines AS (
            INSERT INTO order_details
                (order_id, course_id, name, price, real_price, discount_name, coupon_discount)
            SELECT :order_id, * FROM unnest(:course_ids::bigint[], :names::text[],
                :prices::numeric[], :real_prices::numeric[], :discount_names::text[],
                :coupon_discounts::numeric[])
        ), reserved AS (
            UPDATE coupon_logs SET order_id = :order_id
            WHERE id = :grant AND user_id = :user AND order_id IS NULL AND use_status = :unused
            RETURNING id
        ), spent AS (
            UPDATE users SET credit = credit - :points
            WHERE :points > 0 AND id = :user AND credit >= :points
            RETURNING id
        ), ledger AS (
            INSERT INTO credit_ledger (user_id, operation, number, order_id, remark)
            SELECT :user, :ledger_operation, -:points, :order_id, :ledger_remark
            WHERE :points > 0
        ), timeout_job AS (
            INSERT INTO jobs (kind, payload, run_at, max_attempts, order_id)
            SELECT :job_kind, :job_payload, :job_run_at, :job_max_attempts, :order_id
            WHERE :job_kind IS NOT NULL
        )
        SELECT luffy_require(:grant IS NULL OR EXISTS (SELECT FROM reserved), 'coupon')
            AND luffy_require(:points = 0 OR EXISTS (SELECT FROM spent), 'points') AS written";
    order_id: BigInt => i64,
    user: BigInt => i64,
    number: Text => String,
    status: SmallInt => i16,
    pay_type: SmallInt => i16,
    total_price: Numeric => Decimal,
    real_price: Numeric => Decimal,
    credit: Integer => i32,
    paid_at: Nullable<Timestamptz> => Option<DateTime<Utc>>,
    expires_at: Timestamptz => DateTime<Utc>,
    key: Nullable<Text> => Option<String>,
    fingerprint: Nullable<Text> => Option<String>,
    grant: Nullable<BigInt> => Option<i64>,
    course_ids: Array<BigInt> => Vec<i64>,
    names: Array<Text> => Vec<String>,
    prices: Array<Numeric> => Vec<Decimal>,
    real_prices: Array<Numeric> => Vec<Decimal>,
    discount_names: Array<Text> => Vec<String>,
    coupon_discounts: Array<Numeric> => Vec<Decimal>,
    unused: SmallInt => i16,
    points: Integer => i32,
    ledger_operation: Nullable<SmallInt> => Option<i16>,
    ledger_remark: Nullable<Text> => Option<String>,
    job_kind: Nullable<Text> => Option<String>,
    job_payload: Nullable<Text> => Option<String>,
    job_run_at: Nullable<Timestamptz> => Option<DateTime<Utc>>,
    job_max_attempts: Nullable<Integer> => Option<i32>,
}

/// What [`CheckoutFacts`] reads.
#[derive(QueryableByName)]
struct Facts {
    #[diesel(sql_type = Nullable<Text>)]
    owned: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pending: Option<String>,
    #[diesel(sql_type = BigInt)]
    next_id: i64,
    #[diesel(sql_type = BigInt)]
    next_number: i64,
    #[diesel(sql_type = BigInt)]
    catalog_version: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    replay_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    replay_number: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    replay_status: Option<i16>,
    #[diesel(sql_type = Nullable<Numeric>)]
    replay_price: Option<Decimal>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    replay_expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    replay_fingerprint: Option<String>,
    #[diesel(sql_type = Nullable<Array<BigInt>>)]
    replay_courses: Option<Vec<i64>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    grant_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    grant_user_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    grant_coupon_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    grant_order_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    grant_use_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    grant_use_status: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    grant_name: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    grant_discount: Option<i16>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    grant_coupon_type: Option<i16>,
    #[diesel(sql_type = Nullable<Integer>)]
    grant_total: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    grant_has_total: Option<i32>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    grant_start_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    grant_end_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    grant_get_type: Option<i16>,
    #[diesel(sql_type = Nullable<Integer>)]
    grant_condition: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    grant_per_limit: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    grant_sale: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Bool>)]
    grant_is_enabled: Option<bool>,
}

impl Facts {
    /// The requested grant's row (None: none requested, or no such grant).
    fn grant(&mut self) -> Option<GrantWithCouponRow> {
        Some(GrantWithCouponRow {
            id: self.grant_id?,
            user_id: self.grant_user_id?,
            coupon_id: self.grant_coupon_id?,
            use_status: self.grant_use_status?,
            name: self.grant_name.take()?,
            discount: self.grant_discount?,
            coupon_type: self.grant_coupon_type?,
            total: self.grant_total?,
            has_total: self.grant_has_total?,
            start_time: self.grant_start_time?,
            end_time: self.grant_end_time?,
            get_type: self.grant_get_type?,
            condition: self.grant_condition?,
            per_limit: self.grant_per_limit?,
            sale: self.grant_sale.take()?,
            is_enabled: self.grant_is_enabled?,
            order_id: self.grant_order_id,
            use_time: self.grant_use_time,
        })
    }

    /// The order the idempotency key already produced, if any.
    fn replay(&mut self) -> Option<StoredOrder> {
        let row = (
            self.replay_id?,
            self.replay_number.take()?,
            self.replay_status?,
            self.replay_price?,
            self.replay_expires_at?,
            self.replay_fingerprint.take(),
        );
        Some(stored_order(
            row,
            self.replay_courses.take().unwrap_or_default(),
        ))
    }
}

/// A row of [`CatalogCourses`].
#[derive(QueryableByName)]
struct VersionedCourse {
    #[diesel(sql_type = BigInt)]
    catalog_version: i64,
    #[diesel(embed)]
    course: CoursePromotionRow,
}

/// What [`WriteOrder`] answers (true, or an error).
#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[allow(dead_code)]
    written: bool,
}

/// A write refused by `luffy_require` (a guarded update that lost a race) or by the grant's
/// unique order index, as the checkout refusal it stands for.
fn write_refusal(error: DieselError) -> CheckoutError {
    if let DieselError::DatabaseError(kind, info) = &error {
        let message = info.message();
        if message.contains("luffy refused: coupon")
            || (*kind == DatabaseErrorKind::UniqueViolation
                && info.constraint_name() == Some("coupon_logs_order_idx"))
        {
            return PricingError::CouponUnavailable.into();
        }
        if message.contains("luffy refused: points") {
            return PricingError::PointsOverBalance.into();
        }
    }
    CheckoutError::Storage(diesel_error(error, "creating an order"))
}

/// id, user, number, status, pay_type, real_price, credit, created_time, expires_at.
type LockedRow = (
    i64,
    i64,
    String,
    i16,
    i16,
    Decimal,
    i32,
    DateTime<Utc>,
    DateTime<Utc>,
);

fn to_locked(row: LockedRow) -> Result<LockedOrder, StorageError> {
    let (id, user, order_number, status, pay_type, real_price, credit, created_time, expires_at) =
        row;
    let invalid =
        |what: &str| StorageError::Unexpected(anyhow::anyhow!("order {id} has an invalid {what}"));
    Ok(LockedOrder {
        id,
        user: UserId(user),
        order_number,
        status: OrderStatus::from_code(status).ok_or_else(|| invalid("status"))?,
        pay_type: PayType::from_code(i64::from(pay_type)).ok_or_else(|| invalid("pay_type"))?,
        real_price,
        credit,
        created_time,
        expires_at,
    })
}

/// The buyer's points (None: no such user, or deactivated), locking the row when `lock`: a
/// user's checkouts run one at a time. A deactivated account reads as missing: its token may
/// still be valid, but it may not buy.
pub(crate) async fn points(
    mut conn: &AsyncPgConnection,
    user: i64,
    lock: bool,
) -> Result<Option<i32>, DieselError> {
    let query = users::table
        .find(user)
        .filter(users::is_active.eq(true))
        .select(users::credit);
    if lock {
        query.for_update().first(&mut conn).await.optional()
    } else {
        query.first(&mut conn).await.optional()
    }
}

/// The requested grant, whoever owns it (the service checks the owner), not locked: a
/// checkout locks it in its facts.
pub(crate) async fn grant(
    conn: &AsyncPgConnection,
    grant_id: Option<i64>,
) -> Result<Option<luffy_coupon::UserCoupon>, StorageError> {
    let Some(grant_id) = grant_id else {
        return Ok(None);
    };
    let mut c = conn;
    let rows = coupon_logs::table
        .find(grant_id)
        .select(CouponLogRow::as_select())
        .load(&mut c)
        .await
        .map_err(|e| diesel_error(e, "reading a coupon grant"))?;
    Ok(to_user_coupons(conn, rows).await?.pop())
}

/// What a quote prices (one pipelined round trip, no locks).
pub(crate) async fn load_quote(
    conn: &AsyncPgConnection,
    query: &CheckoutQuery,
) -> Result<QuoteSnapshot, StorageError> {
    let ids: Vec<i64> = query.course_ids.iter().map(|c| c.get()).collect();
    let (points, courses, grant) = futures::try_join!(
        async {
            points(conn, query.user.get(), false)
                .await
                .map_err(|e| diesel_error(e, "reading the buyer"))
        },
        courses_by_ids(conn, &ids, query.now),
        grant(conn, query.coupon_id),
    )?;
    Ok(QuoteSnapshot {
        points,
        courses,
        grant,
    })
}

/// id, number, status, real_price, expires_at, request fingerprint.
type IdempotentOrderRow = (i64, String, i16, Decimal, DateTime<Utc>, Option<String>);

/// The order an idempotency key produced, with the fingerprint of its request.
pub(crate) async fn replay(
    mut conn: &AsyncPgConnection,
    user: UserId,
    key: &str,
) -> Result<Option<StoredOrder>, DieselError> {
    let found: Option<IdempotentOrderRow> = orders::table
        .filter(orders::user_id.eq(user.get()))
        .filter(orders::idempotency_key.eq(key))
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
    let course_ids: Vec<i64> = order_details::table
        .filter(order_details::order_id.eq(id))
        .select(order_details::course_id)
        .load(&mut conn)
        .await?;
    Ok(Some(stored_order(
        (id, number, status, real_price, expires_at, fingerprint),
        course_ids,
    )))
}

/// A replayed order as checkout answers it, from its row and its courses.
fn stored_order(row: IdempotentOrderRow, course_ids: Vec<i64>) -> StoredOrder {
    let (id, order_number, status, real_price, expires_at, fingerprint) = row;
    StoredOrder {
        order: CreatedOrder {
            id,
            order_number,
            status: OrderStatus::from_code(status).unwrap_or(OrderStatus::Unpaid),
            real_price,
            expires_at,
            course_ids: course_ids.into_iter().map(CourseId).collect(),
            replayed: true,
        },
        fingerprint,
    }
}

/// Executes a plan's effects after its status change, in the same pipeline.
async fn apply_effects(
    conn: &AsyncPgConnection,
    order_id: i64,
    effects: &Effects,
) -> Result<(), DieselError> {
    let release = async {
        if effects.release_coupon {
            ReleaseGrant {
                order_id,
                unused: UseStatus::Unused.code(),
            }
            .execute(&mut &*conn)
            .await?;
        }
        Ok::<_, DieselError>(())
    };
    let restore = async {
        if let Some(entry) = &effects.restore_points {
            RestorePoints {
                user: entry.user.get(),
                points: entry.number,
            }
            .execute(&mut &*conn)
            .await?;
        }
        Ok(())
    };
    let ledger = async {
        if let Some(entry) = &effects.restore_points {
            append_ledger(conn, entry).await?;
        }
        Ok(())
    };
    let fulfil = async {
        if let Some(fulfil) = &effects.fulfil {
            fulfil_order(conn, order_id, fulfil.user.get(), fulfil.paid_at).await?;
        }
        Ok(())
    };
    let settle = async {
        if effects.settle_timeout_job {
            SettleTimeoutJob {
                order_id,
                kind: ORDER_TIMEOUT.to_owned(),
            }
            .execute(&mut &*conn)
            .await?;
        }
        Ok(())
    };
    let refund = async {
        if let Some(refund) = &effects.refund_payment {
            MarkRefundPending {
                id: refund.payment_id,
                request_no: refund.out_request_no.clone(),
                refund_pending: PaymentStatus::RefundPending.as_str(),
            }
            .execute(&mut &*conn)
            .await?;
        }
        Ok(())
    };
    let revoke = async {
        if let Some(revocation) = &effects.revoke_courses {
            RevokeCourses {
                user: revocation.user.get(),
                courses: revocation.course_ids.iter().map(|c| c.get()).collect(),
            }
            .execute(&mut &*conn)
            .await?;
        }
        Ok(())
    };
    let coupon_back = async {
        if effects.return_coupon {
            ReturnUsedGrant {
                order_id,
                unused: UseStatus::Unused.code(),
                used: UseStatus::Used.code(),
            }
            .execute(&mut &*conn)
            .await?;
        }
        Ok(())
    };
    let balance = async {
        if let Some(entry) = &effects.credit_balance {
            CreditBalance {
                amount: entry.amount,
                user: entry.user.get(),
            }
            .execute(&mut &*conn)
            .await?;
            append_balance_ledger(conn, entry).await?;
        }
        Ok(())
    };
    let jobs =
        futures::future::try_join_all(effects.enqueue.iter().map(|job| insert_job(conn, job)));
    futures::try_join!(
        release,
        restore,
        ledger,
        fulfil,
        settle,
        refund,
        revoke,
        coupon_back,
        balance,
        jobs
    )?;
    Ok(())
}

/// The buyer owns the order's courses and its reserved coupon becomes used (one pipeline).
async fn fulfil_order(
    conn: &AsyncPgConnection,
    order_id: i64,
    user: i64,
    paid_at: DateTime<Utc>,
) -> Result<(), DieselError> {
    futures::try_join!(
        OwnOrderCourses { user, order_id }.execute(&mut &*conn),
        UseGrant {
            paid_at,
            order_id,
            used: UseStatus::Used.code(),
            unused: UseStatus::Unused.code(),
        }
        .execute(&mut &*conn),
    )?;
    Ok(())
}

impl OrderTx for PgOrderTx {
    async fn lock_order(
        &mut self,
        owner: Option<UserId>,
        key: &OrderKey,
    ) -> Result<Option<LockedOrder>, StorageError> {
        let select = (
            orders::id,
            orders::user_id,
            orders::order_number,
            orders::order_status,
            orders::pay_type,
            orders::real_price,
            orders::credit,
            orders::created_time,
            orders::expires_at,
        );
        let begin = self.conn.begin_pending();
        let conn: &AsyncPgConnection = &self.conn;
        let lock = async {
            let mut conn = conn;
            match key {
                OrderKey::Id(id) => {
                    orders::table
                        .filter(orders::id.eq(id))
                        .select(select)
                        .for_update()
                        .first(&mut conn)
                        .await
                }
                OrderKey::Number(number) => {
                    orders::table
                        .filter(orders::order_number.eq(number))
                        .select(select)
                        .for_update()
                        .first(&mut conn)
                        .await
                }
            }
            .optional()
        };
        // BEGIN and the lock in one round trip.
        let ((), row): ((), Option<LockedRow>) = futures::try_join!(begin_if(conn, begin), lock)
            .map_err(|e| diesel_error(e, "locking an order"))?;
        // Someone else's order looks missing.
        row.filter(|r| owner.is_none_or(|o| o.get() == r.1))
            .map(to_locked)
            .transpose()
    }

    async fn apply(&mut self, plan: &TransitionPlan) -> Result<(), StorageError> {
        self.conn.ensure_begun().await?;
        let conn: &AsyncPgConnection = &self.conn;
        let status = async {
            let Some(change) = plan.change else {
                return Ok(1);
            };
            MoveStatus {
                to: change.to.code(),
                paid_at: plan.payment.as_ref().map(|p| p.paid_at),
                trade_no: plan.payment.as_ref().map(|p| p.trade_no.clone()),
                id: plan.order_id,
                from: change.from.code(),
            }
            .execute(&mut &*conn)
            .await
        };
        let (moved, ()) =
            futures::try_join!(status, apply_effects(conn, plan.order_id, &plan.effects))
                .map_err(|e| diesel_error(e, "applying an order transition"))?;
        if moved != 1 {
            // The caller locked the row, so this means a bug; failing makes it roll back.
            return Err(StorageError::Unexpected(anyhow::anyhow!(
                "order {} was not in the expected status",
                plan.order_id
            )));
        }
        Ok(())
    }

    async fn read_order(&mut self, order_id: i64) -> Result<Option<Order>, StorageError> {
        self.conn.ensure_begun().await?;
        let conn: &AsyncPgConnection = &self.conn;
        let rows = orders::table
            .filter(orders::id.eq(order_id))
            .select(OrderRow::as_select())
            .load::<OrderRow>(&mut &*conn)
            .await
            .map_err(|e| diesel_error(e, "reading an order"))?;
        Ok(hydrate(conn, rows).await?.pop())
    }

    async fn insert_refund(&mut self, refund: &NewRefund) -> Result<Option<i64>, StorageError> {
        self.conn.ensure_begun().await?;
        insert_refund(&self.conn, refund).await
    }

    async fn move_refund(&mut self, change: &RefundChange) -> Result<bool, StorageError> {
        self.conn.ensure_begun().await?;
        move_refund(&self.conn, change).await
    }

    async fn hide(&mut self, order_id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
        self.conn.ensure_begun().await?;
        HideOrder { at, id: order_id }
            .execute(&mut *self.conn)
            .await
            .map_err(|e| diesel_error(e, "hiding an order"))?;
        Ok(())
    }

    async fn insert_payment(
        &mut self,
        order_id: i64,
        event: &PaymentEvent,
    ) -> Result<Option<i64>, StorageError> {
        self.conn.ensure_begun().await?;
        diesel::insert_into(payments::table)
            .values((
                payments::order_id.eq(order_id),
                payments::channel.eq(event.channel.as_str()),
                payments::trade_no.eq(&event.trade_no),
                payments::amount.eq(event.amount),
                payments::status.eq(PaymentStatus::Paid.as_str()),
                payments::payload.eq(&event.payload),
            ))
            .on_conflict(payments::trade_no)
            .do_nothing()
            .returning(payments::id)
            .get_result(&mut *self.conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "recording a payment"))
    }

    async fn spend_balance(&mut self, entry: &BalanceEntry) -> Result<bool, StorageError> {
        self.conn.ensure_begun().await?;
        let conn: &AsyncPgConnection = &self.conn;
        let cost = -entry.amount;
        let spend = diesel::update(
            users::table
                .filter(users::id.eq(entry.user.get()))
                .filter(users::money.ge(cost)),
        )
        .set(users::money.eq(users::money - cost))
        .execute(&mut &*conn);
        // The ledger row is written in the same round trip; when the balance is short the
        // caller rolls the transaction back, and the row with it.
        let (spent, ()) = futures::try_join!(spend, append_balance_ledger(conn, entry))
            .map_err(|e| diesel_error(e, "paying from the balance"))?;
        Ok(spent == 1)
    }

    async fn load_checkout(
        &mut self,
        query: &CheckoutQuery,
    ) -> Result<CheckoutSnapshot, StorageError> {
        let begin = self.conn.begin_pending();
        let conn: &AsyncPgConnection = &self.conn;
        let ids: Vec<i64> = query.course_ids.iter().map(|c| c.get()).collect();
        let read = CheckoutFacts {
            user: query.user.get(),
            ids: ids.clone(),
            unpaid: OrderStatus::Unpaid.code(),
            key: query.idempotency_key.clone(),
            grant: query.coupon_id,
        };
        // BEGIN, then the user-row lock first of the reads, so that everything after it sees
        // whatever a concurrent checkout of the same user committed before releasing it: one
        // round trip.
        let ((), points, mut facts) = futures::try_join!(
            async {
                begin_if(conn, begin)
                    .await
                    .map_err(|e| diesel_error(e, "beginning a checkout"))
            },
            async {
                points(conn, query.user.get(), true)
                    .await
                    .map_err(|e| diesel_error(e, "reading the buyer"))
            },
            async {
                read.get_result::<Facts>(&mut &*conn)
                    .await
                    .map_err(|e| diesel_error(e, "reading a checkout"))
            },
        )?;
        // The courses as priced at this catalog version, or one more statement.
        let courses = match self.catalog.courses(facts.catalog_version, &ids, query.now) {
            Some(courses) => courses,
            None => catalog_courses(conn, &self.catalog, ids, query.now).await?,
        };
        // A scoped coupon's links take one more statement; a general coupon none.
        let grant = match facts.grant() {
            Some(row) => Some(grant_from_row(conn, row).await?),
            None => None,
        };
        Ok(CheckoutSnapshot {
            pricing: QuoteSnapshot {
                points,
                courses,
                grant,
            },
            replay: facts.replay(),
            owned: facts.owned,
            pending: facts.pending,
            next_order_id: facts.next_id,
            next_number: facts.next_number,
        })
    }

    async fn commit_order(self, plan: &OrderPlan) -> Result<(), CheckoutError> {
        let conn: &AsyncPgConnection = &self.conn;
        let order_id = plan.order_id;
        let user = plan.user.get();
        let quote = &plan.quote;
        let lines = &quote.lines;
        let (key, fingerprint) = match &plan.idempotency {
            Some(k) => (Some(k.key.clone()), Some(k.fingerprint.clone())),
            None => (None, None),
        };
        let job = plan.creation.timeout_job.as_ref();
        let points = plan.points_spent.as_ref();
        let write = WriteOrder {
            order_id,
            user,
            number: plan.order_number.clone(),
            status: plan.creation.status.code(),
            pay_type: plan.pay_type.code(),
            total_price: quote.total_price,
            real_price: quote.real_price,
            credit: quote.credit,
            paid_at: plan.creation.paid_at,
            expires_at: plan.expires_at,
            key,
            fingerprint,
            grant: plan.coupon_grant,
            course_ids: lines.iter().map(|l| l.course_id.get()).collect(),
            names: lines.iter().map(|l| l.name.clone()).collect(),
            prices: lines.iter().map(|l| l.price).collect(),
            real_prices: lines.iter().map(|l| l.real_price).collect(),
            discount_names: lines.iter().map(|l| l.discount_name.clone()).collect(),
            coupon_discounts: lines
                .iter()
                .map(|l| round_cents(l.coupon_discount))
                .collect(),
            unused: UseStatus::Unused.code(),
            points: points.map_or(0, |entry| -entry.number),
            ledger_operation: points.map(|entry| entry.operation.code()),
            ledger_remark: points.map(|entry| entry.remark.clone()),
            job_kind: job.map(|j| j.kind.clone()),
            job_payload: job.map(|j| j.payload.to_string()),
            job_run_at: job.map(|j| j.run_at),
            job_max_attempts: job.map(|j| j.max_attempts),
        };
        let write = async {
            write
                .get_result::<Written>(&mut &*conn)
                .await
                .map_err(write_refusal)
        };
        let fulfil = async {
            match &plan.creation.fulfil {
                Some(f) => fulfil_order(conn, order_id, f.user.get(), f.paid_at)
                    .await
                    .map_err(|e| CheckoutError::Storage(diesel_error(e, "creating an order"))),
                None => Ok(()),
            }
        };
        // The write and COMMIT in one round trip. Every future runs to its answer (no early
        // exit), so the connection is idle again when this returns; a failed statement aborts
        // the transaction and the server answers the COMMIT with a rollback.
        let (written, fulfilled, committed) =
            futures::join!(write, fulfil, self.conn.commit_statement());
        let outcome = written
            .and(fulfilled)
            .and(committed.map_err(|e| CheckoutError::Storage(diesel_error(e, "committing"))));
        let finished = self.conn.finish_pipelined_commit(outcome.is_ok()).await;
        outcome?;
        finished?;
        Ok(())
    }

    async fn commit(self) -> Result<(), StorageError> {
        self.conn.commit().await
    }

    async fn rollback(self) -> Result<(), StorageError> {
        self.conn.rollback().await
    }
}
