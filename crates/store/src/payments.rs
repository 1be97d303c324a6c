//! PostgreSQL adapter for payments and fulfilment (SPEC 2.7).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_common::UserId;
use luffy_order::{
    Channel, OrderStatus, PaidOrder, PayType, PaymentError, PaymentEvent, PaymentOutcome,
    PaymentStore,
};
use rust_decimal::Decimal;

use diesel::sql_types::{BigInt, Text, Timestamptz};

use crate::errors::diesel_error;
use crate::orders::grant_purchase;
use crate::postgres::{connection, PgPool};
use crate::schema::{orders, payments, users};
use crate::statement::cached_sql;

/// Payments on PostgreSQL.
#[derive(Clone)]
pub struct PgPayments {
    pool: PgPool,
}

impl PgPayments {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

enum TxError {
    Refused(PaymentError),
    Db(DieselError),
}

impl From<DieselError> for TxError {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

fn finish<T>(result: Result<T, TxError>, what: &'static str) -> Result<T, PaymentError> {
    result.map_err(|e| match e {
        TxError::Refused(error) => error,
        TxError::Db(error) => PaymentError::Storage(diesel_error(error, what)),
    })
}

cached_sql! {
    /// The 0 -> 1 compare-and-set of a payment.
    struct MarkPaid = "UPDATE orders SET order_status = 1, pay_time = :paid_at,
            trade_no = :trade_no, updated_time = now()
        WHERE id = :id AND order_status = 0";
    id: BigInt => i64,
    paid_at: Timestamptz => DateTime<Utc>,
    trade_no: Text => String,
}

/// (id, user, status, real_price, expires_at, pay_type, created_time) of an order, locked.
type LockedOrder = (i64, i64, i16, Decimal, DateTime<Utc>, i16, DateTime<Utc>);

async fn lock_order(
    conn: &mut AsyncPgConnection,
    number: &str,
) -> Result<Option<LockedOrder>, DieselError> {
    orders::table
        .filter(orders::order_number.eq(number))
        .select((
            orders::id,
            orders::user_id,
            orders::order_status,
            orders::real_price,
            orders::expires_at,
            orders::pay_type,
            orders::created_time,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

async fn record_in(
    conn: &mut AsyncPgConnection,
    event: PaymentEvent,
) -> Result<PaymentOutcome, TxError> {
    // The order row lock serialises every payment message for this order.
    let (order_id, user, _status, real_price, _, pay_type, ordered_at) =
        lock_order(conn, &event.order_number)
            .await?
            .ok_or(TxError::Refused(PaymentError::UnknownOrder))?;
    if event.amount != real_price {
        return Err(TxError::Refused(PaymentError::AmountMismatch));
    }
    let inserted: Option<i64> = diesel::insert_into(payments::table)
        .values((
            payments::order_id.eq(order_id),
            payments::channel.eq(event.channel.as_str()),
            payments::trade_no.eq(&event.trade_no),
            payments::amount.eq(event.amount),
            payments::status.eq("paid"),
            payments::payload.eq(&event.payload),
        ))
        .on_conflict(payments::trade_no)
        .do_nothing()
        .returning(payments::id)
        .get_result(conn)
        .await
        .optional()?;
    let Some(payment_id) = inserted else {
        return Ok(PaymentOutcome::AlreadyRecorded { order_id });
    };
    let won = MarkPaid {
        id: order_id,
        paid_at: event.paid_at,
        trade_no: event.trade_no.clone(),
    }
    .execute(conn)
    .await?;
    if won == 1 {
        // SPEC 2.7: fulfil, and the order's pending timeout job becomes moot (one round trip).
        let shared: &AsyncPgConnection = conn;
        futures::try_join!(
            grant_purchase(shared, order_id, user, event.paid_at),
            crate::jobs::settle_timeout_job(shared, order_id),
        )?;
        return Ok(PaymentOutcome::Fulfilled(PaidOrder {
            order_id,
            pay_type: PayType::from_code(i64::from(pay_type)).ok_or_else(|| {
                DieselError::DeserializationError(
                    format!("order {order_id} has an unknown pay_type {pay_type}").into(),
                )
            })?,
            amount: real_price,
            ordered_at,
            paid_at: event.paid_at,
        }));
    }
    // Cancelled, timed out, or already paid by another trade: keep the money on record and
    // refund it; never drop it silently.
    diesel::update(payments::table.find(payment_id))
        .set((
            payments::status.eq("refund_pending"),
            payments::refund_request_no.eq(Some(format!("refund-{}", event.trade_no))),
        ))
        .execute(conn)
        .await?;
    crate::jobs::enqueue(
        conn,
        &luffy_scheduler::handlers::alipay_refund_job(order_id, payment_id, chrono::Utc::now()),
    )
    .await?;
    Ok(PaymentOutcome::RefundPending {
        order_id,
        payment_id,
    })
}

impl PaymentStore for PgPayments {
    async fn record_payment(&self, event: PaymentEvent) -> Result<PaymentOutcome, PaymentError> {
        let mut conn = connection(&self.pool).await?;
        let result = conn
            .transaction::<_, TxError, _>(async move |conn| record_in(conn, event).await)
            .await;
        finish(result, "recording a payment")
    }

    async fn pay_with_balance(
        &self,
        user: UserId,
        order_number: &str,
        now: DateTime<Utc>,
    ) -> Result<PaidOrder, PaymentError> {
        let mut conn = connection(&self.pool).await?;
        let number = order_number.to_owned();
        let result = conn
            .transaction::<_, TxError, _>(async move |conn| {
                let (order_id, owner, status, real_price, expires_at, _, _) =
                    lock_order(conn, &number)
                        .await?
                        .filter(|o| o.1 == user.get())
                        .ok_or(TxError::Refused(PaymentError::UnknownOrder))?;
                if status != OrderStatus::Unpaid.code() {
                    return Err(TxError::Refused(PaymentError::NotUnpaid));
                }
                if expires_at <= now {
                    return Err(TxError::Refused(PaymentError::Expired));
                }
                let spent = diesel::update(
                    users::table
                        .filter(users::id.eq(owner))
                        .filter(users::money.ge(real_price)),
                )
                .set(users::money.eq(users::money - real_price))
                .execute(conn)
                .await?;
                if spent != 1 {
                    return Err(TxError::Refused(PaymentError::InsufficientBalance));
                }
                crate::ledger::append_balance_ledger(
                    conn,
                    &luffy_credit::BalanceEntry {
                        user: UserId(owner),
                        operation: luffy_credit::BalanceOperation::Payment,
                        amount: -real_price,
                        order_id: Some(order_id),
                        remark: format!("支付订单[{number}]"),
                    },
                )
                .await?;
                let outcome = record_in(
                    conn,
                    PaymentEvent {
                        order_number: number.clone(),
                        trade_no: format!("balance-{number}"),
                        amount: real_price,
                        channel: Channel::Balance,
                        payload: String::new(),
                        paid_at: now,
                    },
                )
                .await?;
                match outcome {
                    PaymentOutcome::Fulfilled(paid) => Ok(paid),
                    _ => Err(TxError::Refused(PaymentError::NotUnpaid)),
                }
            })
            .await;
        finish(result, "paying from the balance")
    }
}
