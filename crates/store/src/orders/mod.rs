//! PostgreSQL adapter for the order store port: reads here, and the transaction that changes
//! orders in [`tx`]. It loads and writes what the domain services decide; it holds no rule.

use std::collections::HashMap;
use std::sync::Arc;

mod tx;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};
use luffy_coupon::UseStatus;
use luffy_order::back_office::{
    DayFigures, OrderDossier, OrderJob, OrderOrdering, OrderPayment, OrderSearch,
};
use luffy_order::checkout::StoredOrder;
use luffy_order::jobs::{PendingRefund, UnpaidOrder, ORDER_TIMEOUT};
use luffy_order::ports::{
    CheckoutQuery, CouponOptionsSnapshot, OrderBackOffice, OrderJobReads, QuoteSnapshot,
};
use luffy_order::{Channel, PaymentStatus};
use luffy_order::{
    CouponSummary, Order, OrderKey, OrderLine, OrderStatus, OrderStore, PayType, Refund,
    RefundStatus,
};
use rust_decimal::Decimal;

use diesel::sql_types::{BigInt, SmallInt, Text, Timestamptz};

use crate::catalog::courses_by_ids;
use crate::checkout_catalog::CheckoutCatalog;
use crate::coupons::unreserved_grants;
use crate::errors::diesel_error;
use crate::postgres::{connection, PgPool};
use crate::refunds::{refund_by_id, refund_by_request_no, refund_queue, refunds_of_orders};
use crate::schema::{coupon_logs, coupons, courses, jobs, order_details, orders, payments, users};
use crate::statement::{cached_sql, contains_pattern};

pub use tx::PgOrderTx;

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

/// grant id, the order holding the grant now, coupon name, sale, discount kind, condition,
/// window end.
type OrderCouponRow = (i64, Option<i64>, String, String, i16, i32, DateTime<Utc>);

/// Reads orders with lines, coupon summaries and refunds for the given rows (all three in one
/// pipelined round trip).
pub(crate) async fn hydrate(
    conn: &AsyncPgConnection,
    rows: Vec<OrderRow>,
) -> Result<Vec<Order>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let grant_ids: Vec<i64> = rows.iter().filter_map(|r| r.coupon_log_id).collect();
    let paid_ids: Vec<i64> = rows
        .iter()
        .filter(|r| OrderStatus::from_code(r.order_status).is_some_and(OrderStatus::was_paid))
        .map(|r| r.id)
        .collect();
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
            coupons::end_time,
        ))
        .load::<OrderCouponRow>(&mut c2);
    let (lines, coupon_rows, refunds) = futures::try_join!(
        async {
            futures::try_join!(lines, coupon_rows)
                .map_err(|e| diesel_error(e, "loading order lines and coupons"))
        },
        // Only an order that was paid can have refunds: a page of unpaid or cancelled orders
        // costs no third statement.
        refunds_of_orders(conn, &paid_ids),
    )
    .map(|((lines, coupons), refunds)| (lines, coupons, refunds))?;
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
                    |(id, holder, name, sale, discount, condition, ends_at)| CouponSummary {
                        id: *id,
                        name: name.clone(),
                        sale: sale.clone(),
                        discount: *discount,
                        condition: *condition,
                        ends_at: *ends_at,
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
                refunds: refunds
                    .iter()
                    .filter(|r| r.order_id == row.id)
                    .cloned()
                    .collect(),
            })
        })
        .collect()
}

cached_sql! {
    /// Unpaid orders past their expiry with no live timeout job (the sweep's repair list).
    struct ExpiredWithoutTimeoutJob = "SELECT o.id FROM orders o
        WHERE o.order_status = :unpaid AND o.expires_at < :now
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.order_id = o.id AND j.kind = :kind
                          AND j.status IN ('pending', 'running'))
        ORDER BY o.expires_at LIMIT :limit";
    unpaid: SmallInt => i16,
    now: Timestamptz => DateTime<Utc>,
    kind: Text => String,
    limit: BigInt => i64,
}

cached_sql! {
    /// Orders created, money paid and money refunded per day since `since`, every day present.
    struct DailyFigures = "WITH days AS (
            SELECT generate_series((:since AT TIME ZONE :timezone)::date,
                                   (now() AT TIME ZONE :timezone)::date, interval '1 day')::date AS day),
        created AS (SELECT (created_time AT TIME ZONE :timezone)::date AS day, count(*) AS n
                    FROM orders WHERE created_time >= :since GROUP BY 1),
        paid AS (SELECT (pay_time AT TIME ZONE :timezone)::date AS day, sum(real_price) AS amount,
                        sum(real_price) FILTER (WHERE pay_type = :alipay) AS alipay,
                        sum(real_price) FILTER (WHERE pay_type = :wechat) AS wechat,
                        sum(real_price) FILTER (WHERE pay_type = :balance) AS balance
                 FROM orders WHERE pay_time >= :since GROUP BY 1),
        refunded AS (SELECT (updated_time AT TIME ZONE :timezone)::date AS day, sum(amount) AS amount
                     FROM refunds WHERE status = 'refunded' AND updated_time >= :since GROUP BY 1)
        SELECT to_char(days.day, 'YYYY-MM-DD') AS day, COALESCE(created.n, 0)::bigint AS orders,
               COALESCE(paid.amount, 0)::numeric AS revenue,
               COALESCE(paid.alipay, 0)::numeric AS alipay,
               COALESCE(paid.wechat, 0)::numeric AS wechat,
               COALESCE(paid.balance, 0)::numeric AS balance,
               COALESCE(refunded.amount, 0)::numeric AS refunded
        FROM days LEFT JOIN created USING (day) LEFT JOIN paid USING (day)
             LEFT JOIN refunded USING (day)
        ORDER BY days.day";
    since: Timestamptz => DateTime<Utc>,
    timezone: Text => String,
    alipay: SmallInt => i16,
    wechat: SmallInt => i16,
    balance: SmallInt => i16,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    revenue: Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    alipay: Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    wechat: Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    balance: Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    refunded: Decimal,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The order store on PostgreSQL.
#[derive(Clone)]
pub struct PgOrderStore {
    pool: PgPool,
    /// Courses this store priced, reused while the catalog's version stays the same.
    catalog: Arc<CheckoutCatalog>,
}

impl PgOrderStore {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            catalog: Arc::new(CheckoutCatalog::new()),
        }
    }
}

impl OrderStore for PgOrderStore {
    type Tx = PgOrderTx;

    async fn begin(&self) -> Result<PgOrderTx, StorageError> {
        PgOrderTx::begin(connection(&self.pool).await?, self.catalog.clone())
    }

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
            .filter(orders::hidden_at.is_null())
            .into_boxed();
        let mut rows_query = orders::table
            .filter(orders::user_id.eq(user.get()))
            .filter(orders::hidden_at.is_null())
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

    async fn find(
        &self,
        owner: Option<UserId>,
        key: &OrderKey,
    ) -> Result<Option<Order>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let mut query = match key {
            OrderKey::Id(id) => orders::table.filter(orders::id.eq(*id)).into_boxed(),
            OrderKey::Number(number) => orders::table
                .filter(orders::order_number.eq(number.clone()))
                .into_boxed(),
        };
        if let Some(owner) = owner {
            query = query.filter(orders::user_id.eq(owner.get()));
        }
        let rows: Vec<OrderRow> = query
            .select(OrderRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "finding an order"))?;
        Ok(hydrate(&conn, rows).await?.pop())
    }

    async fn replay(&self, user: UserId, key: &str) -> Result<Option<StoredOrder>, StorageError> {
        let conn = connection(&self.pool).await?;
        tx::replay(&conn, user, key)
            .await
            .map_err(|e| diesel_error(e, "replaying an idempotent checkout"))
    }

    async fn load_quote(&self, query: &CheckoutQuery) -> Result<QuoteSnapshot, StorageError> {
        let conn = connection(&self.pool).await?;
        tx::load_quote(&conn, query).await
    }

    async fn load_coupon_options(
        &self,
        user: UserId,
        course_ids: &[CourseId],
        now: DateTime<Utc>,
    ) -> Result<CouponOptionsSnapshot, StorageError> {
        let conn = connection(&self.pool).await?;
        let ids: Vec<i64> = course_ids.iter().map(|c| c.get()).collect();
        let (points, courses, grants) = futures::try_join!(
            async {
                tx::points(&conn, user.get(), false)
                    .await
                    .map_err(|e| diesel_error(e, "reading the buyer"))
            },
            courses_by_ids(&conn, &ids, now),
            unreserved_grants(&conn, user, UseStatus::Unused),
        )?;
        Ok(CouponOptionsSnapshot {
            points,
            courses,
            grants,
        })
    }

    async fn mark_pay_link_issued(
        &self,
        order_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        diesel::update(
            orders::table
                .filter(orders::id.eq(order_id))
                .filter(orders::order_status.eq(OrderStatus::Unpaid.code()))
                .filter(orders::pay_link_at.is_null()),
        )
        .set(orders::pay_link_at.eq(Some(at)))
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "recording a pay link"))?;
        Ok(())
    }

    async fn find_refund(&self, refund_id: i64) -> Result<Option<Refund>, StorageError> {
        let conn = connection(&self.pool).await?;
        refund_by_id(&conn, refund_id).await
    }

    async fn refund_by_request_no(
        &self,
        out_request_no: &str,
    ) -> Result<Option<Refund>, StorageError> {
        let conn = connection(&self.pool).await?;
        refund_by_request_no(&conn, out_request_no).await
    }
}

impl OrderBackOffice for PgOrderStore {
    async fn search(&self, search: &OrderSearch) -> Result<Page<Order>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2) = (&*conn, &*conn);
        let filter = &search.filter;
        let matching = || {
            let mut query = orders::table.into_boxed();
            if let Some(number) = &filter.number {
                query = query.filter(orders::order_number.like(contains_pattern(number)));
            }
            if let Some(user) = filter.user {
                query = query.filter(orders::user_id.eq(user.get()));
            }
            if let Some(status) = filter.status {
                query = query.filter(orders::order_status.eq(status.code()));
            }
            if let Some(pay_type) = filter.pay_type {
                query = query.filter(orders::pay_type.eq(pay_type.code()));
            }
            if let Some(from) = filter.from {
                query = query.filter(orders::created_time.ge(from));
            }
            if let Some(to) = filter.to {
                query = query.filter(orders::created_time.lt(to));
            }
            if let Some(min) = filter.min {
                query = query.filter(orders::real_price.ge(min));
            }
            if let Some(max) = filter.max {
                query = query.filter(orders::real_price.le(max));
            }
            query
        };
        let total = matching().count().get_result::<i64>(&mut c1);
        let ordered = match filter.ordering {
            OrderOrdering::Newest => matching().order(orders::id.desc()),
            OrderOrdering::Oldest => matching().order(orders::id.asc()),
            OrderOrdering::PriceHighFirst => {
                matching().order((orders::real_price.desc(), orders::id.desc()))
            }
            OrderOrdering::PriceLowFirst => {
                matching().order((orders::real_price.asc(), orders::id.desc()))
            }
        };
        // The count and the page in one pipelined round trip, then lines and coupons.
        let rows = ordered
            .limit(search.page.limit())
            .offset(search.page.offset())
            .select(OrderRow::as_select())
            .load::<OrderRow>(&mut c2);
        let (total, rows) =
            futures::try_join!(total, rows).map_err(|e| diesel_error(e, "searching orders"))?;
        let items = hydrate(&conn, rows).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: search.page,
        })
    }

    async fn dossier(&self, order_id: i64) -> Result<Option<OrderDossier>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2, mut c3, mut c4) = (&*conn, &*conn, &*conn, &*conn);
        type Extra = (
            String,
            String,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
        );
        type PaymentRow = (
            i64,
            String,
            String,
            Decimal,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
        );
        type JobRow = (
            i64,
            String,
            String,
            i32,
            Option<String>,
            DateTime<Utc>,
            DateTime<Utc>,
        );
        // Four reads in one pipelined round trip, then lines and coupons.
        let row = orders::table
            .filter(orders::id.eq(order_id))
            .select(OrderRow::as_select())
            .load::<OrderRow>(&mut c1);
        let extra = orders::table
            .inner_join(users::table)
            .filter(orders::id.eq(order_id))
            .select((
                users::username,
                users::mobile,
                orders::pay_link_at,
                orders::hidden_at,
                orders::updated_time,
            ))
            .first::<Extra>(&mut c2);
        let payment_rows = payments::table
            .filter(payments::order_id.eq(order_id))
            .order(payments::id.asc())
            .select((
                payments::id,
                payments::channel,
                payments::trade_no,
                payments::amount,
                payments::status,
                payments::created_time,
                payments::updated_time,
            ))
            .load::<PaymentRow>(&mut c3);
        let job_rows = jobs::table
            .filter(jobs::order_id.eq(order_id))
            .order(jobs::id.asc())
            .select((
                jobs::id,
                jobs::kind,
                jobs::status,
                jobs::attempts,
                jobs::last_error,
                jobs::created_time,
                jobs::updated_time,
            ))
            .load::<JobRow>(&mut c4);
        let (rows, extra, payment_rows, job_rows) = futures::try_join!(
            row,
            async { extra.await.optional() },
            payment_rows,
            job_rows
        )
        .map_err(|e| diesel_error(e, "reading an order's dossier"))?;
        let (Some(order), Some((username, mobile, pay_link_at, hidden_at, updated_at))) =
            (hydrate(&conn, rows).await?.pop(), extra)
        else {
            return Ok(None);
        };
        Ok(Some(OrderDossier {
            order,
            username,
            mobile,
            pay_link_at,
            hidden_at,
            updated_at,
            payments: payment_rows
                .into_iter()
                .map(
                    |(id, channel, trade_no, amount, status, recorded_at, updated_at)| {
                        OrderPayment {
                            id,
                            channel,
                            trade_no,
                            amount,
                            status,
                            recorded_at,
                            updated_at,
                        }
                    },
                )
                .collect(),
            jobs: job_rows
                .into_iter()
                .map(
                    |(id, kind, status, attempts, last_error, created_at, updated_at)| OrderJob {
                        id,
                        kind,
                        status,
                        attempts,
                        last_error,
                        created_at,
                        updated_at,
                    },
                )
                .collect(),
        }))
    }

    async fn daily_figures(
        &self,
        since: DateTime<Utc>,
        timezone: &str,
    ) -> Result<Vec<DayFigures>, StorageError> {
        let conn = connection(&self.pool).await?;
        let rows: Vec<DayRow> = DailyFigures {
            since,
            timezone: timezone.to_owned(),
            alipay: PayType::Alipay.code(),
            wechat: PayType::Wechat.code(),
            balance: PayType::Balance.code(),
        }
        .load(&mut &*conn)
        .await
        .map_err(|e| diesel_error(e, "reading daily figures"))?;
        Ok(rows
            .into_iter()
            .map(|r| DayFigures {
                day: r.day,
                orders: r.orders,
                revenue: r.revenue,
                revenue_by_channel: vec![
                    (Channel::Alipay, r.alipay),
                    (Channel::Wechat, r.wechat),
                    (Channel::Balance, r.balance),
                ],
                refunded: r.refunded,
            })
            .collect())
    }

    async fn refund_queue(
        &self,
        status: Option<RefundStatus>,
        page: PageRequest,
    ) -> Result<Page<Refund>, StorageError> {
        let conn = connection(&self.pool).await?;
        refund_queue(&conn, status, page).await
    }
}

impl OrderJobReads for PgOrderStore {
    async fn unpaid_order(&self, order_id: i64) -> Result<Option<UnpaidOrder>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        type Row = (String, Option<DateTime<Utc>>, i16, Decimal, DateTime<Utc>);
        let row: Option<Row> = orders::table
            .filter(orders::id.eq(order_id))
            .filter(orders::order_status.eq(OrderStatus::Unpaid.code()))
            .select((
                orders::order_number,
                orders::pay_link_at,
                orders::pay_type,
                orders::real_price,
                orders::created_time,
            ))
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "reading an unpaid order"))?;
        Ok(row.map(
            |(order_number, link, pay_type, real_price, created_at)| UnpaidOrder {
                id: order_id,
                order_number,
                pay_link_issued: link.is_some(),
                pay_type,
                real_price,
                created_at,
            },
        ))
    }

    async fn expired_without_timeout_job(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<i64>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<IdRow> = ExpiredWithoutTimeoutJob {
            unpaid: OrderStatus::Unpaid.code(),
            now,
            kind: ORDER_TIMEOUT.to_owned(),
            limit,
        }
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "finding expired orders without a timeout job"))?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    async fn pending_refund(&self, payment_id: i64) -> Result<Option<PendingRefund>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<(String, String, Decimal, Option<String>)> = payments::table
            .inner_join(orders::table)
            .filter(payments::id.eq(payment_id))
            .filter(payments::status.eq(PaymentStatus::RefundPending.as_str()))
            .select((
                payments::channel,
                orders::order_number,
                payments::amount,
                payments::refund_request_no,
            ))
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "reading a pending refund"))?;
        let Some((channel, order_number, amount, request_no)) = row else {
            return Ok(None);
        };
        let channel = Channel::parse(&channel).ok_or_else(|| {
            StorageError::Unexpected(anyhow::anyhow!("payment {payment_id}: channel {channel:?}"))
        })?;
        Ok(Some(PendingRefund {
            channel,
            out_request_no: request_no.unwrap_or_else(|| format!("refund-{order_number}")),
            order_number,
            amount,
        }))
    }

    async fn mark_refunded(&self, payment_id: i64) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        diesel::update(
            payments::table
                .filter(payments::id.eq(payment_id))
                .filter(payments::status.eq(PaymentStatus::RefundPending.as_str())),
        )
        .set((
            payments::status.eq(PaymentStatus::Refunded.as_str()),
            payments::updated_time.eq(diesel::dsl::now),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "marking a refund"))?;
        Ok(())
    }
}
