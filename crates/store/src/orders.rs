//! PostgreSQL adapter for reading and cancelling orders, and the state-change steps shared by
//! cancel, timeout and fulfilment (each runs inside the caller's transaction).

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};
use luffy_credit::{LedgerEntry, LedgerOperation};
use luffy_order::{
    CancelError, CouponSummary, Order, OrderLine, OrderRepository, OrderStatus, PayType,
};
use rust_decimal::Decimal;

use diesel::sql_types::{BigInt, Integer, Timestamptz};

use crate::errors::diesel_error;
use crate::ledger::append_ledger;
use crate::postgres::{connection, PgPool};
use crate::schema::{coupon_logs, coupons, courses, order_details, orders};
use crate::statement::cached_sql;

/// An `orders` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
pub struct OrderRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Owner.
    pub user_id: i64,
    /// Number.
    pub order_number: String,
    /// 0..3.
    pub order_status: i16,
    /// 0..2.
    pub pay_type: i16,
    /// Total.
    pub total_price: Decimal,
    /// To pay.
    pub real_price: Decimal,
    /// Points spent.
    pub credit: i32,
    /// Paid at.
    pub pay_time: Option<DateTime<Utc>>,
    /// Created at.
    pub created_time: DateTime<Utc>,
    /// Times out at.
    pub expires_at: DateTime<Utc>,
    /// The coupon grant the order used, kept after it is released.
    pub coupon_log_id: Option<i64>,
}

/// order_id, line id, course_id, name, price, real_price, discount_name, coupon_discount, cover.
type LineRow = (
    i64,
    i64,
    i64,
    String,
    Decimal,
    Decimal,
    String,
    Decimal,
    String,
);

/// grant id, the order holding the grant now, coupon name, sale, discount kind, condition.
type OrderCouponRow = (i64, Option<i64>, String, String, i16, i32);

/// Reads orders with lines and coupon summaries for the given rows (both in one pipelined
/// round trip).
pub(crate) async fn hydrate(
    conn: &AsyncPgConnection,
    rows: Vec<OrderRow>,
) -> Result<Vec<Order>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let grant_ids: Vec<i64> = rows.iter().filter_map(|r| r.coupon_log_id).collect();
    let (mut c1, mut c2) = (conn, conn);
    let lines = order_details::table
        .inner_join(courses::table)
        .filter(order_details::order_id.eq_any(&ids))
        .order((
            order_details::order_id.asc(),
            order_details::course_id.asc(),
        ))
        .select((
            order_details::order_id,
            order_details::id,
            order_details::course_id,
            order_details::name,
            order_details::price,
            order_details::real_price,
            order_details::discount_name,
            order_details::coupon_discount,
            courses::course_cover,
        ))
        .load::<LineRow>(&mut c1);
    let coupon_rows = coupon_logs::table
        .inner_join(coupons::table)
        .filter(coupon_logs::id.eq_any(&grant_ids))
        .select((
            coupon_logs::id,
            coupon_logs::order_id,
            coupons::name,
            coupons::sale,
            coupons::discount,
            coupons::condition,
        ))
        .load::<OrderCouponRow>(&mut c2);
    let (lines, coupon_rows) = futures::try_join!(lines, coupon_rows)
        .map_err(|e| diesel_error(e, "loading order lines and coupons"))?;
    let mut by_order: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for (order_id, id, course_id, name, price, real_price, discount_name, coupon_discount, cover) in
        lines
    {
        by_order.entry(order_id).or_default().push(OrderLine {
            id,
            course_id: CourseId(course_id),
            course_name: name,
            course_cover: cover,
            price,
            real_price,
            discount_name,
            coupon_discount,
        });
    }
    rows.into_iter()
        .map(|row| {
            let invalid = |what: &str| {
                StorageError::Unexpected(anyhow!("order {} has an invalid {what}", row.id))
            };
            let coupon = coupon_rows
                .iter()
                .find(|c| Some(c.0) == row.coupon_log_id)
                .map(
                    |(id, holder, name, sale, discount, condition)| CouponSummary {
                        id: *id,
                        name: name.clone(),
                        sale: sale.clone(),
                        discount: *discount,
                        condition: *condition,
                        // A cancel or timeout gives the grant back (order_id cleared).
                        released: *holder != Some(row.id),
                    },
                );
            Ok(Order {
                id: row.id,
                order_number: row.order_number,
                user: UserId(row.user_id),
                name: row.name,
                status: OrderStatus::from_code(row.order_status)
                    .ok_or_else(|| invalid("status"))?,
                pay_type: PayType::from_code(i64::from(row.pay_type))
                    .ok_or_else(|| invalid("pay_type"))?,
                total_price: row.total_price,
                real_price: row.real_price,
                credit: row.credit,
                pay_time: row.pay_time,
                created_time: row.created_time,
                expires_at: row.expires_at,
                lines: by_order.remove(&row.id).unwrap_or_default(),
                coupon,
            })
        })
        .collect()
}

/// Gives an order's coupon and points back (SPEC 2.5, 2.6). Call it only from the transaction
/// that won the order's 0 -> 2 or 0 -> 3 compare-and-set, so it runs at most once per order.
/// The three writes are independent and go in one pipelined round trip.
pub async fn restore_benefits(
    conn: &AsyncPgConnection,
    order_id: i64,
    user: i64,
    points: i32,
    remark: &str,
) -> Result<(), DieselError> {
    let release = ReleaseGrant { order_id }.execute(&mut &*conn);
    let refund = async {
        if points > 0 {
            RefundPoints { user, points }.execute(&mut &*conn).await?;
        }
        Ok(())
    };
    let ledger = async {
        if points > 0 {
            let entry = LedgerEntry {
                user: UserId(user),
                operation: LedgerOperation::Refunded,
                number: points,
                order_id: Some(order_id),
                remark: remark.to_owned(),
            };
            append_ledger(conn, &entry).await?;
        }
        Ok(())
    };
    futures::try_join!(release, refund, ledger)?;
    Ok(())
}

cached_sql! {
    /// Frees the grant an unpaid order reserved (never a used one).
    struct ReleaseGrant = "UPDATE coupon_logs SET order_id = NULL
        WHERE order_id = :order_id AND use_status = 0";
    order_id: BigInt => i64,
}

cached_sql! {
    /// Gives points back.
    struct RefundPoints = "UPDATE users SET credit = credit + :points WHERE id = :user";
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
    struct UseGrant = "UPDATE coupon_logs SET use_status = 1, use_time = :paid_at
        WHERE order_id = :order_id AND use_status = 0";
    paid_at: Timestamptz => DateTime<Utc>,
    order_id: BigInt => i64,
}

/// Fulfilment steps after a won 0 -> 1 transition: the buyer owns the courses (once each) and
/// the reserved coupon becomes used (SPEC 2.7).
/// Both writes go in one pipelined round trip.
pub async fn grant_purchase(
    conn: &AsyncPgConnection,
    order_id: i64,
    user: i64,
    paid_at: DateTime<Utc>,
) -> Result<(), DieselError> {
    futures::try_join!(
        OwnOrderCourses { user, order_id }.execute(&mut &*conn),
        UseGrant { paid_at, order_id }.execute(&mut &*conn),
    )?;
    Ok(())
}

/// Order reads and cancels on PostgreSQL.
#[derive(Clone)]
pub struct PgOrders {
    pool: PgPool,
}

impl PgOrders {
    /// Records that a pay link was issued for an unpaid order (the first time only).
    pub async fn mark_pay_link_issued(&self, id: i64) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        diesel::update(
            orders::table
                .filter(orders::id.eq(id))
                .filter(orders::order_status.eq(OrderStatus::Unpaid.code()))
                .filter(orders::pay_link_at.is_null()),
        )
        .set(orders::pay_link_at.eq(Some(chrono::Utc::now())))
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "recording a pay link"))?;
        Ok(())
    }

    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

enum CancelTx {
    Refused(CancelError),
    Db(DieselError),
}

impl From<DieselError> for CancelTx {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

impl PgOrders {
    /// An order by number; with `user`, only that user's (others' look missing).
    pub async fn find_by_number(
        &self,
        user: Option<UserId>,
        number: &str,
    ) -> Result<Option<Order>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let mut query = orders::table
            .filter(orders::order_number.eq(number))
            .into_boxed();
        if let Some(user) = user {
            query = query.filter(orders::user_id.eq(user.get()));
        }
        let rows: Vec<OrderRow> = query
            .select(OrderRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "finding an order by number"))?;
        Ok(hydrate(&conn, rows).await?.pop())
    }
}

impl OrderRepository for PgOrders {
    async fn list(
        &self,
        user: UserId,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2) = (&*conn, &*conn);
        let mut count_query = orders::table
            .filter(orders::user_id.eq(user.get()))
            .into_boxed();
        let mut rows_query = orders::table
            .filter(orders::user_id.eq(user.get()))
            .into_boxed();
        if let Some(status) = status {
            count_query = count_query.filter(orders::order_status.eq(status.code()));
            rows_query = rows_query.filter(orders::order_status.eq(status.code()));
        }
        // The count and the page in one pipelined round trip.
        let total = count_query.count().get_result::<i64>(&mut c1);
        let rows = rows_query
            .order(orders::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(OrderRow::as_select())
            .load::<OrderRow>(&mut c2);
        let (total, rows) =
            futures::try_join!(total, rows).map_err(|e| diesel_error(e, "listing orders"))?;
        let items = hydrate(&conn, rows).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn find(&self, user: UserId, id: i64) -> Result<Option<Order>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<OrderRow> = orders::table
            .filter(orders::id.eq(id))
            .filter(orders::user_id.eq(user.get()))
            .select(OrderRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "finding an order"))?;
        Ok(hydrate(&conn, rows).await?.pop())
    }

    async fn cancel(&self, user: UserId, id: i64) -> Result<Order, CancelError> {
        let mut conn = connection(&self.pool).await?;
        let result = conn
            .transaction::<_, CancelTx, _>(async move |conn| {
                let won: Option<(i32, String)> = diesel::update(
                    orders::table
                        .filter(orders::id.eq(id))
                        .filter(orders::user_id.eq(user.get()))
                        .filter(orders::order_status.eq(OrderStatus::Unpaid.code())),
                )
                .set((
                    orders::order_status.eq(OrderStatus::Cancelled.code()),
                    orders::updated_time.eq(diesel::dsl::now),
                ))
                .returning((orders::credit, orders::order_number))
                .get_result(conn)
                .await
                .optional()?;
                let Some((points, number)) = won else {
                    let status: Option<i16> = orders::table
                        .filter(orders::id.eq(id))
                        .filter(orders::user_id.eq(user.get()))
                        .select(orders::order_status)
                        .first(conn)
                        .await
                        .optional()?;
                    return Err(CancelTx::Refused(
                        match status.and_then(OrderStatus::from_code) {
                            None => CancelError::NotFound,
                            Some(status) => CancelError::NotUnpaid(status),
                        },
                    ));
                };
                restore_benefits(
                    conn,
                    id,
                    user.get(),
                    points,
                    &format!("订单[{number}]取消,退还积分"),
                )
                .await?;
                // SPEC 2.8: close the remote trade so the buyer cannot pay a cancelled order;
                // the pending timeout becomes moot.
                crate::jobs::settle_timeout_job(conn, id).await?;
                crate::jobs::enqueue(
                    conn,
                    &luffy_scheduler::handlers::alipay_close_job(id, &number, chrono::Utc::now()),
                )
                .await?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => {}
            Err(CancelTx::Refused(error)) => return Err(error),
            Err(CancelTx::Db(error)) => {
                return Err(diesel_error(error, "cancelling an order").into())
            }
        }
        self.find(user, id).await?.ok_or_else(|| {
            CancelError::Storage(StorageError::Unexpected(anyhow!(
                "cancelled order vanished"
            )))
        })
    }
}
