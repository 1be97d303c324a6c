//! The reconciliation store on PostgreSQL: our books around a day (payments recorded, refunds
//! completed, both the operators' refunds and late payments paid back), and the stored days
//! with their findings, written in one transaction with the next daily job.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_common::{Page, PageRequest, StorageError};
use luffy_order::reconciliation::{Books, Comparison, Finding, FindingKind, OurPayment, OurRefund};
use luffy_order::{Channel, DayResult, Reconciliation, ReconciliationStore};
use luffy_scheduler::NewJob;

use crate::errors::diesel_error;
use crate::postgres::{connection, PgPool};
use crate::rows::BigIntValue;

/// The reconciliation store.
#[derive(Clone)]
pub struct PgReconciliations {
    pool: PgPool,
}

impl PgReconciliations {
    /// The store over a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[derive(QueryableByName)]
struct PaymentRow {
    #[diesel(sql_type = Text)]
    order_number: String,
    #[diesel(sql_type = Text)]
    trade_no: String,
    #[diesel(sql_type = BigInt)]
    fen: i64,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct RefundRow {
    #[diesel(sql_type = Text)]
    refund_no: String,
    #[diesel(sql_type = Text)]
    order_number: String,
    #[diesel(sql_type = BigInt)]
    fen: i64,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Date)]
    bill_date: NaiveDate,
    #[diesel(sql_type = Integer)]
    matched: i32,
    #[diesel(sql_type = Integer)]
    bill_payments: i32,
    #[diesel(sql_type = BigInt)]
    bill_payment_fen: i64,
    #[diesel(sql_type = Integer)]
    bill_refunds: i32,
    #[diesel(sql_type = BigInt)]
    bill_refund_fen: i64,
    #[diesel(sql_type = Integer)]
    runs: i32,
    #[diesel(sql_type = Timestamptz)]
    updated_time: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct ItemRow {
    #[diesel(sql_type = BigInt)]
    reconciliation_id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    order_number: String,
    #[diesel(sql_type = Nullable<Text>)]
    refund_no: Option<String>,
    #[diesel(sql_type = Text)]
    trade_no: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    bill_fen: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    our_fen: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    occurred_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    resolution: String,
}

const DAY_COLUMNS: &str = "id, channel, bill_date, matched, bill_payments, bill_payment_fen, \
    bill_refunds, bill_refund_fen, runs, updated_time";

fn to_day(row: DayRow, items: Vec<ItemRow>) -> Result<Reconciliation, DieselError> {
    let channel = Channel::parse(&row.channel).ok_or_else(|| {
        DieselError::DeserializationError(format!("channel {}", row.channel).into())
    })?;
    let findings = items
        .into_iter()
        .map(|item| {
            Ok(Finding {
                kind: FindingKind::from_code(&item.kind).ok_or_else(|| {
                    DieselError::DeserializationError(format!("kind {}", item.kind).into())
                })?,
                order_number: item.order_number,
                refund_no: item.refund_no,
                trade_no: item.trade_no,
                bill_fen: item.bill_fen,
                our_fen: item.our_fen,
                at: item.occurred_at,
                resolution: item.resolution,
            })
        })
        .collect::<Result<Vec<_>, DieselError>>()?;
    let count = |n: i32| usize::try_from(n).unwrap_or_default();
    Ok(Reconciliation {
        channel,
        day: row.bill_date,
        matched: count(row.matched),
        bill_payments: (count(row.bill_payments), row.bill_payment_fen),
        bill_refunds: (count(row.bill_refunds), row.bill_refund_fen),
        findings,
        runs: row.runs,
        updated_at: row.updated_time,
    })
}

async fn items_of(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<Vec<ItemRow>, DieselError> {
    diesel::sql_query(
        "SELECT reconciliation_id, kind, order_number, refund_no, trade_no, bill_fen, our_fen,
            occurred_at, resolution
         FROM reconciliation_items WHERE reconciliation_id = ANY($1) ORDER BY reconciliation_id, id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await
}

async fn with_items(
    conn: &mut AsyncPgConnection,
    rows: Vec<DayRow>,
) -> Result<Vec<Reconciliation>, DieselError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut items = items_of(conn, &ids).await?;
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        let (mine, rest): (Vec<ItemRow>, Vec<ItemRow>) = items
            .into_iter()
            .partition(|i| i.reconciliation_id == row.id);
        items = rest;
        days.push(to_day(row, mine)?);
    }
    Ok(days)
}

fn fen_of(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Inserts the daily job unless one is pending for its channel already.
async fn schedule(conn: &mut AsyncPgConnection, job: &NewJob) -> Result<(), DieselError> {
    diesel::sql_query(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts) VALUES ($1, $2, $3, $4)
         ON CONFLICT ((payload::jsonb ->> 'channel')) WHERE kind = 'reconcile' AND status = 'pending'
         DO NOTHING",
    )
    .bind::<Text, _>(&job.kind)
    .bind::<Text, _>(job.payload.to_string())
    .bind::<Timestamptz, _>(job.run_at)
    .bind::<Integer, _>(job.max_attempts)
    .execute(conn)
    .await?;
    Ok(())
}

impl PgReconciliations {
    /// Ensures the daily job of a channel is pending (every instance calls this at start;
    /// the unique index keeps one).
    pub async fn ensure_scheduled(&self, job: &NewJob) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        schedule(&mut conn, job)
            .await
            .map_err(|e| diesel_error(e, "scheduling the daily reconciliation"))
    }
}

impl ReconciliationStore for PgReconciliations {
    async fn books(
        &self,
        channel: Channel,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        order_numbers: &[String],
    ) -> Result<Books, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let what = "loading the books to reconcile";
        let payments: Vec<PaymentRow> = diesel::sql_query(
            "SELECT o.order_number, p.trade_no, (p.amount * 100)::bigint AS fen, p.created_time AS at
             FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.channel = $1
               AND ((p.created_time >= $2 AND p.created_time < $3) OR o.order_number = ANY($4))
             ORDER BY p.id",
        )
        .bind::<Text, _>(channel.as_str())
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Array<Text>, _>(order_numbers)
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        // Money that went back: granted refunds paid back, and late payments refunded whole.
        let refunds: Vec<RefundRow> = diesel::sql_query(
            "SELECT r.out_request_no AS refund_no, o.order_number,
                    (r.amount * 100)::bigint AS fen, r.updated_time AS at
             FROM refunds r JOIN orders o ON o.id = r.order_id
             WHERE r.channel = $1 AND r.status = 'refunded'
               AND ((r.updated_time >= $2 AND r.updated_time < $3) OR o.order_number = ANY($4))
             UNION ALL
             SELECT p.refund_request_no AS refund_no, o.order_number,
                    (p.amount * 100)::bigint AS fen, p.updated_time AS at
             FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.channel = $1 AND p.status = 'refunded' AND p.refund_request_no IS NOT NULL
               AND ((p.updated_time >= $2 AND p.updated_time < $3) OR o.order_number = ANY($4))",
        )
        .bind::<Text, _>(channel.as_str())
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Array<Text>, _>(order_numbers)
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        Ok(Books {
            payments: payments
                .into_iter()
                .map(|p| OurPayment {
                    order_number: p.order_number,
                    trade_no: p.trade_no,
                    amount_fen: p.fen,
                    at: p.at,
                })
                .collect(),
            refunds: refunds
                .into_iter()
                .map(|r| OurRefund {
                    refund_no: r.refund_no,
                    order_number: r.order_number,
                    amount_fen: r.fen,
                    at: r.at,
                })
                .collect(),
        })
    }

    async fn find(
        &self,
        channel: Channel,
        day: NaiveDate,
    ) -> Result<Option<Reconciliation>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let what = "reading a reconciliation";
        let row: Option<DayRow> = diesel::sql_query(format!(
            "SELECT {DAY_COLUMNS} FROM reconciliations WHERE channel = $1 AND bill_date = $2"
        ))
        .bind::<Text, _>(channel.as_str())
        .bind::<Date, _>(day)
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| diesel_error(e, what))?;
        let Some(row) = row else { return Ok(None) };
        let mut days = with_items(&mut conn, vec![row])
            .await
            .map_err(|e| diesel_error(e, what))?;
        Ok(days.pop())
    }

    async fn save(&self, result: &DayResult) -> Result<Reconciliation, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let result = result.clone();
        let saved = conn
            .transaction::<_, DieselError, _>(async move |conn| {
                let Comparison {
                    matched,
                    bill_payments,
                    bill_refunds,
                    findings,
                } = &result.comparison;
                let row: DayRow = diesel::sql_query(format!(
                    "INSERT INTO reconciliations (channel, bill_date, matched, bill_payments,
                        bill_payment_fen, bill_refunds, bill_refund_fen)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (channel, bill_date) DO UPDATE SET matched = EXCLUDED.matched,
                        bill_payments = EXCLUDED.bill_payments,
                        bill_payment_fen = EXCLUDED.bill_payment_fen,
                        bill_refunds = EXCLUDED.bill_refunds,
                        bill_refund_fen = EXCLUDED.bill_refund_fen,
                        runs = reconciliations.runs + 1, updated_time = now()
                     RETURNING {DAY_COLUMNS}"
                ))
                .bind::<Text, _>(result.channel.as_str())
                .bind::<Date, _>(result.day)
                .bind::<Integer, _>(fen_of(*matched))
                .bind::<Integer, _>(fen_of(bill_payments.0))
                .bind::<BigInt, _>(bill_payments.1)
                .bind::<Integer, _>(fen_of(bill_refunds.0))
                .bind::<BigInt, _>(bill_refunds.1)
                .get_result(conn)
                .await?;
                diesel::sql_query("DELETE FROM reconciliation_items WHERE reconciliation_id = $1")
                    .bind::<BigInt, _>(row.id)
                    .execute(conn)
                    .await?;
                for finding in findings {
                    diesel::sql_query(
                        "INSERT INTO reconciliation_items (reconciliation_id, kind, order_number,
                            refund_no, trade_no, bill_fen, our_fen, occurred_at, resolution)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind::<BigInt, _>(row.id)
                    .bind::<Text, _>(finding.kind.code())
                    .bind::<Text, _>(&finding.order_number)
                    .bind::<Nullable<Text>, _>(finding.refund_no.as_deref())
                    .bind::<Text, _>(&finding.trade_no)
                    .bind::<Nullable<BigInt>, _>(finding.bill_fen)
                    .bind::<Nullable<BigInt>, _>(finding.our_fen)
                    .bind::<Nullable<Timestamptz>, _>(finding.at)
                    .bind::<Text, _>(&finding.resolution)
                    .execute(conn)
                    .await?;
                }
                if let Some(job) = &result.next_job {
                    schedule(conn, job).await?;
                }
                let mut days = with_items(conn, vec![row]).await?;
                days.pop().ok_or(DieselError::NotFound)
            })
            .await
            .map_err(|e| diesel_error(e, "storing a reconciliation"))?;
        Ok(saved)
    }

    async fn list(
        &self,
        channel: Option<Channel>,
        page: PageRequest,
    ) -> Result<Page<Reconciliation>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let what = "listing reconciliations";
        let channel = channel.map(Channel::as_str);
        let total: BigIntValue = diesel::sql_query(
            "SELECT count(*)::bigint AS value FROM reconciliations WHERE $1::text IS NULL OR channel = $1",
        )
        .bind::<Nullable<Text>, _>(channel)
        .get_result(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        let rows: Vec<DayRow> = diesel::sql_query(format!(
            "SELECT {DAY_COLUMNS} FROM reconciliations WHERE $1::text IS NULL OR channel = $1
             ORDER BY bill_date DESC, channel LIMIT $2 OFFSET $3"
        ))
        .bind::<Nullable<Text>, _>(channel)
        .bind::<BigInt, _>(page.limit())
        .bind::<BigInt, _>(page.offset())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        let items = with_items(&mut conn, rows)
            .await
            .map_err(|e| diesel_error(e, what))?;
        Ok(Page {
            items,
            total: u64::try_from(total.value).unwrap_or_default(),
            request: page,
        })
    }
}
