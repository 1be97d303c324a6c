//! The transaction that changes orders: [`PgOrderTx`] implements the domain's `OrderTx` port.
//! Each method is one round trip: its statements are pipelined (diesel-async sends each in its
//! first poll, and `try_join!` polls in order, so they run on the server in the order written).
//!
//! A `PgOrderTx` dropped without `commit` or `rollback` keeps its connection in an open
//! transaction; the pool sees that at recycle and discards the connection, and PostgreSQL
//! rolls back. So a cancelled request can never leave half an order behind.

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

use crate::catalog::courses_by_ids;
use crate::coupons::{lock_user_coupon, to_user_coupons, CouponLogRow};
use crate::errors::diesel_error;
use crate::jobs::insert_job;
use crate::ledger::{append_balance_ledger, append_ledger};
use crate::postgres::PgConn;
use crate::refunds::{insert_refund, move_refund};

use super::{hydrate, OrderRow};
use crate::schema::{coupon_logs, order_details, orders, payments, users};
use crate::statement::cached_sql;
use crate::transaction::OpenTransaction;

/// One open transaction on a pooled connection.
pub struct PgOrderTx {
    conn: OpenTransaction,
}

impl PgOrderTx {
    /// Sends BEGIN on the connection.
    pub(crate) async fn begin(conn: PgConn) -> Result<Self, StorageError> {
        Ok(Self {
            conn: OpenTransaction::begin(conn).await?,
        })
    }
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
    /// Never sell a course twice: the first of the courses the user owns, and an unpaid order
    /// already holding one of them, in one statement.
    struct FindConflicts = "SELECT
        (SELECT c.name FROM user_courses uc JOIN courses c ON c.id = uc.course_id
         WHERE uc.user_id = :user AND uc.course_id = ANY(:courses) ORDER BY c.id LIMIT 1) AS owned,
        (SELECT o.order_number FROM order_details d JOIN orders o ON o.id = d.order_id
         WHERE o.user_id = :user AND o.order_status = :unpaid AND d.course_id = ANY(:courses)
         LIMIT 1) AS pending";
    user: BigInt => i64,
    courses: Array<BigInt> => Vec<i64>,
    unpaid: SmallInt => i16,
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
        WHERE id = :grant AND user_id = :user AND order_id IS NULL AND use_status = :unused";
    order_id: BigInt => i64,
    grant: BigInt => i64,
    user: BigInt => i64,
    unused: SmallInt => i16,
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

/// The requested grant, locked when `lock`, whoever owns it (the service checks the owner).
pub(crate) async fn grant(
    conn: &AsyncPgConnection,
    grant_id: Option<i64>,
    lock: bool,
) -> Result<Option<luffy_coupon::UserCoupon>, StorageError> {
    let Some(grant_id) = grant_id else {
        return Ok(None);
    };
    if lock {
        return lock_user_coupon(conn, grant_id).await;
    }
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
    lock: bool,
) -> Result<QuoteSnapshot, StorageError> {
    let ids: Vec<i64> = query.course_ids.iter().map(|c| c.get()).collect();
    let (points, courses, grant) = futures::try_join!(
        async {
            points(conn, query.user.get(), lock)
                .await
                .map_err(|e| diesel_error(e, "reading the buyer"))
        },
        courses_by_ids(conn, &ids, query.now),
        grant(conn, query.coupon_id, lock),
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
    Ok(Some(StoredOrder {
        order: CreatedOrder {
            id,
            order_number: number,
            status: OrderStatus::from_code(status).unwrap_or(OrderStatus::Unpaid),
            real_price,
            expires_at,
            course_ids: course_ids.into_iter().map(CourseId).collect(),
            replayed: true,
        },
        fingerprint,
    }))
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
        let conn = &mut *self.conn;
        let row: Option<LockedRow> = match key {
            OrderKey::Id(id) => {
                orders::table
                    .filter(orders::id.eq(id))
                    .select(select)
                    .for_update()
                    .first(conn)
                    .await
            }
            OrderKey::Number(number) => {
                orders::table
                    .filter(orders::order_number.eq(number))
                    .select(select)
                    .for_update()
                    .first(conn)
                    .await
            }
        }
        .optional()
        .map_err(|e| diesel_error(e, "locking an order"))?;
        // Someone else's order looks missing.
        row.filter(|r| owner.is_none_or(|o| o.get() == r.1))
            .map(to_locked)
            .transpose()
    }

    async fn apply(&mut self, plan: &TransitionPlan) -> Result<(), StorageError> {
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
        insert_refund(&self.conn, refund).await
    }

    async fn move_refund(&mut self, change: &RefundChange) -> Result<bool, StorageError> {
        move_refund(&self.conn, change).await
    }

    async fn hide(&mut self, order_id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
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
        let conn: &AsyncPgConnection = &self.conn;
        let user = query.user.get();
        let ids: Vec<i64> = query.course_ids.iter().map(|c| c.get()).collect();
        // The user-row lock is the first statement of the pipeline, so everything after it
        // sees whatever a concurrent checkout of the same user committed before releasing it.
        let (pricing, replayed, conflicts, next) = futures::try_join!(
            load_quote(conn, query, true),
            async {
                match &query.idempotency_key {
                    Some(key) => replay(conn, query.user, key)
                        .await
                        .map_err(|e| diesel_error(e, "replaying a checkout")),
                    None => Ok(None),
                }
            },
            async {
                FindConflicts {
                    user,
                    courses: ids.clone(),
                    unpaid: OrderStatus::Unpaid.code(),
                }
                .get_result::<Conflicts>(&mut &*conn)
                .await
                .map_err(|e| diesel_error(e, "finding conflicting orders"))
            },
            async {
                NextOrderIds {}
                    .get_result::<OrderIds>(&mut &*conn)
                    .await
                    .map_err(|e| diesel_error(e, "drawing order ids"))
            },
        )?;
        Ok(CheckoutSnapshot {
            pricing,
            replay: replayed,
            owned: conflicts.owned,
            pending: conflicts.pending,
            next_order_id: next.id,
            next_number: next.number,
        })
    }

    async fn write_order(&mut self, plan: &OrderPlan) -> Result<(), CheckoutError> {
        let conn: &AsyncPgConnection = &self.conn;
        let order_id = plan.order_id;
        let user = plan.user.get();
        let quote = &plan.quote;
        let (key, fingerprint) = match &plan.idempotency {
            Some(k) => (Some(k.key.clone()), Some(k.fingerprint.clone())),
            None => (None, None),
        };
        let db = |e| CheckoutError::Storage(diesel_error(e, "creating an order"));
        let insert_order = async {
            diesel::insert_into(orders::table)
                .values((
                    orders::id.eq(order_id),
                    orders::user_id.eq(user),
                    orders::order_number.eq(&plan.order_number),
                    orders::order_status.eq(plan.creation.status.code()),
                    orders::pay_type.eq(plan.pay_type.code()),
                    orders::total_price.eq(quote.total_price),
                    orders::real_price.eq(quote.real_price),
                    orders::credit.eq(quote.credit),
                    orders::pay_time.eq(plan.creation.paid_at),
                    orders::expires_at.eq(plan.expires_at),
                    orders::idempotency_key.eq(key),
                    orders::request_hash.eq(fingerprint),
                    orders::coupon_log_id.eq(plan.coupon_grant),
                ))
                .execute(&mut &*conn)
                .await
                .map_err(db)
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
            .map_err(db)
        };
        let reserve = async {
            let Some(grant) = plan.coupon_grant else {
                return Ok(());
            };
            match (ReserveGrant {
                order_id,
                grant,
                user,
                unused: UseStatus::Unused.code(),
            })
            .execute(&mut &*conn)
            .await
            {
                Ok(1) => Ok(()),
                Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    Err(PricingError::CouponUnavailable.into())
                }
                Err(other) => Err(db(other)),
            }
        };
        let spend = async {
            let Some(entry) = &plan.points_spent else {
                return Ok(());
            };
            let spent = SpendPoints {
                points: -entry.number,
                user,
            }
            .execute(&mut &*conn)
            .await
            .map_err(db)?;
            if spent != 1 {
                return Err(PricingError::PointsOverBalance.into());
            }
            Ok(())
        };
        let ledger = async {
            match &plan.points_spent {
                Some(entry) => append_ledger(conn, entry).await.map_err(db),
                None => Ok(()),
            }
        };
        let job = async {
            match &plan.creation.timeout_job {
                Some(job) => insert_job(conn, job).await.map(|_| ()).map_err(db),
                None => Ok(()),
            }
        };
        let fulfil = async {
            match &plan.creation.fulfil {
                Some(f) => fulfil_order(conn, order_id, f.user.get(), f.paid_at)
                    .await
                    .map_err(db),
                None => Ok(()),
            }
        };
        futures::try_join!(
            insert_order,
            insert_lines,
            reserve,
            spend,
            ledger,
            job,
            fulfil
        )?;
        Ok(())
    }

    async fn commit(self) -> Result<(), StorageError> {
        self.conn.commit().await
    }

    async fn rollback(self) -> Result<(), StorageError> {
        self.conn.rollback().await
    }
}
