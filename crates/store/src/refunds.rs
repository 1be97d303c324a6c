//! Refunds on PostgreSQL: the reads (by order, by id, by request number, the operators'
//! queue) and the writes the order transaction makes (insert with lines, guarded moves). The
//! partial unique index `refund_lines_one_holder_idx` keeps one holding refund per order line,
//! whatever races.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};
use luffy_order::{NewRefund, Refund, RefundChange, RefundChannel, RefundStatus};
use rust_decimal::Decimal;

use crate::audit::Audit;
use crate::errors::diesel_error;
use crate::statement::cached_sql;

/// The refund columns with its lines' ids and courses aggregated, then `$tail` (the filter,
/// grouping and order), as one literal for [`cached_sql!`]; `total` is the matching count for
/// pages (`$total`).
macro_rules! select_refunds {
    ($total:literal, $tail:literal) => {
        concat!(
            "SELECT r.id, r.order_id, o.order_number, r.user_id, r.status, r.channel, r.amount,
                r.points, r.out_request_no, r.reason, r.review_note, r.by_operator, r.last_error,
                r.created_time, r.updated_time,
                COALESCE(array_agg(l.order_detail_id ORDER BY l.course_id)
                         FILTER (WHERE l.id IS NOT NULL), '{}') AS line_ids,
                COALESCE(array_agg(l.course_id ORDER BY l.course_id)
                         FILTER (WHERE l.id IS NOT NULL), '{}') AS course_ids, ",
            $total,
            " AS total FROM refunds r JOIN orders o ON o.id = r.order_id
            LEFT JOIN refund_lines l ON l.refund_id = r.id ",
            $tail
        )
    };
}

cached_sql! {
    /// The refunds of some orders (the order list's third read), oldest first.
    struct RefundsOfOrders = select_refunds!("0::bigint",
        "WHERE r.order_id = ANY(:order_ids) GROUP BY r.id, o.order_number ORDER BY r.id");
    order_ids: Array<BigInt> => Vec<i64>,
}

cached_sql! {
    /// One refund by id.
    struct RefundById = select_refunds!("0::bigint",
        "WHERE r.id = :id GROUP BY r.id, o.order_number");
    id: BigInt => i64,
}

cached_sql! {
    /// One refund by its gateway request number.
    struct RefundByRequestNo = select_refunds!("0::bigint",
        "WHERE r.out_request_no = :out_request_no GROUP BY r.id, o.order_number");
    out_request_no: Text => String,
}

cached_sql! {
    /// The operators' queue page, with the matching total.
    struct RefundQueue = select_refunds!("count(*) OVER ()::bigint",
        "WHERE (:status::text IS NULL OR r.status = :status)
         GROUP BY r.id, o.order_number ORDER BY r.id DESC LIMIT :limit OFFSET :offset");
    status: Nullable<Text> => Option<String>,
    limit: BigInt => i64,
    offset: BigInt => i64,
}

#[derive(QueryableByName)]
struct RefundRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    order_id: i64,
    #[diesel(sql_type = Text)]
    order_number: String,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Numeric)]
    amount: Decimal,
    #[diesel(sql_type = Integer)]
    points: i32,
    #[diesel(sql_type = Text)]
    out_request_no: String,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Text)]
    review_note: String,
    #[diesel(sql_type = Bool)]
    by_operator: bool,
    #[diesel(sql_type = Nullable<Text>)]
    last_error: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_time: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_time: DateTime<Utc>,
    #[diesel(sql_type = Array<BigInt>)]
    line_ids: Vec<i64>,
    #[diesel(sql_type = Array<BigInt>)]
    course_ids: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

fn to_refund(row: RefundRow) -> Result<Refund, StorageError> {
    let invalid = |what: &str| {
        StorageError::Unexpected(anyhow::anyhow!("refund {} has an invalid {what}", row.id))
    };
    Ok(Refund {
        id: row.id,
        order_id: row.order_id,
        order_number: row.order_number.clone(),
        user: UserId(row.user_id),
        status: RefundStatus::parse(&row.status).ok_or_else(|| invalid("status"))?,
        channel: RefundChannel::parse(&row.channel).ok_or_else(|| invalid("channel"))?,
        amount: row.amount,
        points: row.points,
        out_request_no: row.out_request_no,
        reason: row.reason,
        review_note: row.review_note,
        by_operator: row.by_operator,
        line_ids: row.line_ids,
        course_ids: row.course_ids.into_iter().map(CourseId).collect(),
        last_error: row.last_error,
        created_time: row.created_time,
        updated_time: row.updated_time,
    })
}

fn to_refunds(rows: Vec<RefundRow>) -> Result<Vec<Refund>, StorageError> {
    rows.into_iter().map(to_refund).collect()
}

/// The refunds of these orders, oldest first.
pub(crate) async fn refunds_of_orders(
    mut conn: &AsyncPgConnection,
    order_ids: &[i64],
) -> Result<Vec<Refund>, StorageError> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<RefundRow> = RefundsOfOrders {
        order_ids: order_ids.to_vec(),
    }
    .load(&mut conn)
    .await
    .map_err(|e| diesel_error(e, "loading refunds"))?;
    to_refunds(rows)
}

/// One refund by id.
pub(crate) async fn refund_by_id(
    mut conn: &AsyncPgConnection,
    refund_id: i64,
) -> Result<Option<Refund>, StorageError> {
    let rows: Vec<RefundRow> = RefundById { id: refund_id }
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "reading a refund"))?;
    Ok(to_refunds(rows)?.pop())
}

/// One refund by its gateway request number.
pub(crate) async fn refund_by_request_no(
    mut conn: &AsyncPgConnection,
    out_request_no: &str,
) -> Result<Option<Refund>, StorageError> {
    let rows: Vec<RefundRow> = RefundByRequestNo {
        out_request_no: out_request_no.to_owned(),
    }
    .load(&mut conn)
    .await
    .map_err(|e| diesel_error(e, "reading a refund"))?;
    Ok(to_refunds(rows)?.pop())
}

/// The operators' queue: newest first, optionally of one status.
pub(crate) async fn refund_queue(
    mut conn: &AsyncPgConnection,
    status: Option<RefundStatus>,
    page: PageRequest,
) -> Result<Page<Refund>, StorageError> {
    let rows: Vec<RefundRow> = RefundQueue {
        status: status.map(|s| s.as_str().to_owned()),
        limit: page.limit(),
        offset: page.offset(),
    }
    .load(&mut conn)
    .await
    .map_err(|e| diesel_error(e, "listing refunds"))?;
    let total = rows.iter().map(|r| r.total).next().unwrap_or(0);
    Ok(Page {
        items: to_refunds(rows)?,
        total: u64::try_from(total).unwrap_or_default(),
        request: page,
    })
}

cached_sql! {
    /// A new refund.
    struct InsertRefund = "INSERT INTO refunds (order_id, user_id, status, channel, amount,
            points, out_request_no, reason, by_operator)
        VALUES (:order_id, :user_id, :status, :channel, :amount, :points, :out_request_no,
            :reason, :by_operator)
        RETURNING id";
    order_id: BigInt => i64,
    user_id: BigInt => i64,
    status: Text => String,
    channel: Text => String,
    amount: Numeric => Decimal,
    points: Integer => i32,
    out_request_no: Text => String,
    reason: Text => String,
    by_operator: Bool => bool,
}

cached_sql! {
    /// A refund's lines, in one statement whatever their count.
    struct InsertRefundLines = "INSERT INTO refund_lines
            (refund_id, order_detail_id, course_id, amount, points)
        SELECT :refund_id, * FROM unnest(:line_ids::bigint[], :course_ids::bigint[],
            :amounts::numeric[], :points::integer[])";
    refund_id: BigInt => i64,
    line_ids: Array<BigInt> => Vec<i64>,
    course_ids: Array<BigInt> => Vec<i64>,
    amounts: Array<Numeric> => Vec<Decimal>,
    points: Array<Integer> => Vec<i32>,
}

cached_sql! {
    /// A guarded refund move: only from the expected status (a bind, never a literal).
    struct MoveRefund = "UPDATE refunds SET status = :to, updated_time = now(),
            review_note = COALESCE(:note, review_note), last_error = COALESCE(:error, last_error)
        WHERE id = :id AND status = :from";
    to: Text => String,
    note: Nullable<Text> => Option<String>,
    error: Nullable<Text> => Option<String>,
    id: BigInt => i64,
    from: Text => String,
}

cached_sql! {
    /// A rejected or withdrawn refund frees its lines for another request.
    struct ReleaseRefundLines = "UPDATE refund_lines SET holds = false WHERE refund_id = :id";
    id: BigInt => i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Inserts a refund and its lines (and the operator's audit entry); `None` when a line is
/// held by another refund (the unique index; the caller rolls back).
pub(crate) async fn insert_refund(
    conn: &AsyncPgConnection,
    new: &NewRefund,
) -> Result<Option<i64>, StorageError> {
    let inserted = async {
        let id: Id = InsertRefund {
            order_id: new.order_id,
            user_id: new.user.get(),
            status: new.status.as_str().to_owned(),
            channel: new.channel.as_str().to_owned(),
            amount: new.amount,
            points: new.points,
            out_request_no: new.out_request_no.clone(),
            reason: new.reason.clone(),
            by_operator: new.by_operator,
        }
        .get_result(&mut &*conn)
        .await?;
        InsertRefundLines {
            refund_id: id.id,
            line_ids: new.lines.iter().map(|l| l.line_id).collect(),
            course_ids: new.lines.iter().map(|l| l.course_id.get()).collect(),
            amounts: new.lines.iter().map(|l| l.amount).collect(),
            points: new.lines.iter().map(|l| l.points).collect(),
        }
        .execute(&mut &*conn)
        .await?;
        if let Some(actor) = new.actor {
            Audit::new(actor, actions::REFUND_CREATE, entities::REFUND)
                .record(conn, id.id, None)
                .await?;
        }
        Ok::<_, DieselError>(id.id)
    };
    match inserted.await {
        Ok(id) => Ok(Some(id)),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(other) => Err(diesel_error(other, "recording a refund")),
    }
}

/// Moves a refund (guarded) and frees its lines when it stops holding them, with the
/// operator's audit entry; false when it no longer had the expected status.
pub(crate) async fn move_refund(
    conn: &AsyncPgConnection,
    change: &RefundChange,
) -> Result<bool, StorageError> {
    let db = |e| diesel_error(e, "moving a refund");
    let audit = change.actor.map(|actor| {
        let action = match change.to {
            RefundStatus::Rejected => actions::REFUND_REJECT,
            _ => actions::REFUND_APPROVE,
        };
        Audit::new(actor, action, entities::REFUND)
    });
    let before = match audit {
        Some(audit) => audit.before(conn, change.refund_id).await.map_err(db)?,
        None => None,
    };
    let moved = MoveRefund {
        to: change.to.as_str().to_owned(),
        note: change.note.clone(),
        error: change.error.clone(),
        id: change.refund_id,
        from: change.from.as_str().to_owned(),
    }
    .execute(&mut &*conn)
    .await
    .map_err(db)?;
    if moved != 1 {
        return Ok(false);
    }
    if !change.to.holds_lines() {
        ReleaseRefundLines {
            id: change.refund_id,
        }
        .execute(&mut &*conn)
        .await
        .map_err(db)?;
    }
    if let Some(audit) = audit {
        audit
            .record(conn, change.refund_id, before)
            .await
            .map_err(db)?;
    }
    Ok(true)
}
