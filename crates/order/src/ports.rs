//! The order store ports, split by who uses them: [`OrderStore`] opens the transaction and
//! serves the buyer's reads, [`OrderBackOffice`] the operators' and [`OrderJobReads`] the
//! jobs'; everything that changes an order happens inside one [`OrderTx`]. Services open the transaction, read through it,
//! decide with the pure functions of [`crate::lifecycle`] and [`crate::pricing`], write the
//! plan through it, and commit: the rules live in the domain, the adapter only loads and
//! writes, and the domain never sees diesel.
//!
//! A transaction dropped without `commit` is rolled back (the adapter discards the
//! connection), so a refusal, an error or a cancelled request leaves nothing half-done.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_catalog::Course;
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};
use luffy_coupon::UserCoupon;
use luffy_credit::BalanceEntry;

use crate::back_office::{DayFigures, OrderDossier, OrderSearch};
use crate::checkout::{CheckoutError, OrderPlan, StoredOrder};
use crate::jobs::{PendingRefund, UnpaidOrder};
use crate::lifecycle::{LockedOrder, OrderStatus, TransitionPlan};
use crate::order::Order;
use crate::payment::PaymentEvent;
use crate::refund::{NewRefund, Refund, RefundStatus};

/// How an order is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderKey {
    /// By id.
    Id(i64),
    /// By order number (out_trade_no).
    Number(String),
}

/// What checkout reads: the selected courses, the coupon grant and the points to spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutQuery {
    /// The buyer.
    pub user: UserId,
    /// The selected courses.
    pub course_ids: Vec<CourseId>,
    /// The coupon grant, if any.
    pub coupon_id: Option<i64>,
    /// The idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// The pricing instant (promotion windows).
    pub now: DateTime<Utc>,
}

/// What pricing needs, read without locks (the quote).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteSnapshot {
    /// The buyer's points; `None` when the account is missing or deactivated.
    pub points: Option<i32>,
    /// The requested courses that exist (hidden and deleted ones are absent).
    pub courses: Vec<Course>,
    /// The requested grant, whoever owns it (`None`: no such grant or none requested).
    pub grant: Option<UserCoupon>,
}

/// What the checkout page's coupon list reads, without locks: the buyer's points, the selected
/// courses and the buyer's unused grants that no order holds (usable or not: the domain
/// decides).
#[derive(Debug, Clone, PartialEq)]
pub struct CouponOptionsSnapshot {
    /// The buyer's points; `None` when the account is missing.
    pub points: Option<i32>,
    /// The selected courses that exist (hidden and deleted ones are absent), priced at `now`.
    pub courses: Vec<Course>,
    /// The buyer's unused, unreserved grants, newest first.
    pub grants: Vec<UserCoupon>,
}

/// What checkout reads in its transaction, in one pipelined round trip, after locking the
/// buyer's row so that the buyer's checkouts run one at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutSnapshot {
    /// Courses, grant (locked) and points.
    pub pricing: QuoteSnapshot,
    /// The order an earlier request with the same key created, if any.
    pub replay: Option<StoredOrder>,
    /// The first selected course the buyer owns, by name.
    pub owned: Option<String>,
    /// The number of an unpaid order of the buyer that holds a selected course.
    pub pending: Option<String>,
    /// The new order's id, drawn with the reads.
    pub next_order_id: i64,
    /// The next value of the order number sequence.
    pub next_number: i64,
}

/// Opening the transaction that changes orders, and what buyers and payments read: the
/// port every order use case needs.
pub trait OrderStore: Clone + Send + Sync + 'static {
    /// One transaction.
    type Tx: OrderTx;

    /// Opens a transaction.
    fn begin(&self) -> impl Future<Output = Result<Self::Tx, StorageError>> + Send;

    /// The user's orders that are not hidden, newest first, optionally of one status.
    fn list(
        &self,
        user: UserId,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Order>, StorageError>> + Send;

    /// One order with its lines; with `owner`, only that user's (others' look missing).
    fn find(
        &self,
        owner: Option<UserId>,
        key: &OrderKey,
    ) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send;

    /// The order an idempotency key produced, if any.
    fn replay(
        &self,
        user: UserId,
        key: &str,
    ) -> impl Future<Output = Result<Option<StoredOrder>, StorageError>> + Send;

    /// What a quote prices, without locks.
    fn load_quote(
        &self,
        query: &CheckoutQuery,
    ) -> impl Future<Output = Result<QuoteSnapshot, StorageError>> + Send;

    /// What the checkout page's coupon list needs, without locks.
    fn load_coupon_options(
        &self,
        user: UserId,
        course_ids: &[CourseId],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<CouponOptionsSnapshot, StorageError>> + Send;

    /// Records, the first time only, that a pay link was issued for an unpaid order.
    fn mark_pay_link_issued(
        &self,
        order_id: i64,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// One refund with its lines.
    fn find_refund(
        &self,
        refund_id: i64,
    ) -> impl Future<Output = Result<Option<Refund>, StorageError>> + Send;

    /// The refund with this gateway request number, if any.
    fn refund_by_request_no(
        &self,
        out_request_no: &str,
    ) -> impl Future<Output = Result<Option<Refund>, StorageError>> + Send;
}

/// What operators read about orders: searches, one order's dossier, daily figures and the
/// refund queue. A reporting replica or another adapter may serve it alone.
pub trait OrderBackOffice: Send + Sync {
    /// Every buyer's orders matching an operator's search.
    fn search(
        &self,
        search: &OrderSearch,
    ) -> impl Future<Output = Result<Page<Order>, StorageError>> + Send;

    /// One order with its buyer, payments and jobs, for operators.
    fn dossier(
        &self,
        order_id: i64,
    ) -> impl Future<Output = Result<Option<OrderDossier>, StorageError>> + Send;

    /// Orders, revenue and refunds per day from `since` to today, every day present, in the
    /// store timezone `timezone` (an IANA name).
    fn daily_figures(
        &self,
        since: DateTime<Utc>,
        timezone: &str,
    ) -> impl Future<Output = Result<Vec<DayFigures>, StorageError>> + Send;

    /// Every order's refunds, newest first, optionally of one status (the operators' queue).
    fn refund_queue(
        &self,
        status: Option<RefundStatus>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Refund>, StorageError>> + Send;
}

/// What the order jobs read and settle outside a transaction: the timeout job's first read,
/// the sweep of expired orders, and refunds owed for late payments.
pub trait OrderJobReads: Send + Sync {
    /// The order if it is still unpaid (the timeout job's first read).
    fn unpaid_order(
        &self,
        order_id: i64,
    ) -> impl Future<Output = Result<Option<UnpaidOrder>, StorageError>> + Send;

    /// Unpaid orders past `now` with no live timeout job (the sweep), at most `limit`.
    fn expired_without_timeout_job(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<i64>, StorageError>> + Send;

    /// The refund still owed for a payment, if any.
    fn pending_refund(
        &self,
        payment_id: i64,
    ) -> impl Future<Output = Result<Option<PendingRefund>, StorageError>> + Send;

    /// Marks a `refund_pending` payment refunded.
    fn mark_refunded(
        &self,
        payment_id: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// A guarded refund status change: the row moves only if it still has `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundChange {
    /// The refund.
    pub refund_id: i64,
    /// The expected status (a bind parameter of the update).
    pub from: RefundStatus,
    /// The new status; one that no longer holds lines frees them for another request.
    pub to: RefundStatus,
    /// The operator's note, kept as `review_note` (a rejection's reason).
    pub note: Option<String>,
    /// The gateway's last error, kept for operators.
    pub error: Option<String>,
    /// The operator, for the audit trail.
    pub actor: Option<UserId>,
}

/// One transaction that changes orders. Each method is one round trip (statements pipelined).
pub trait OrderTx: Send {
    /// Locks an order row (`FOR UPDATE`) and reads it; with `owner`, only that user's.
    fn lock_order(
        &mut self,
        owner: Option<UserId>,
        key: &OrderKey,
    ) -> impl Future<Output = Result<Option<LockedOrder>, StorageError>> + Send;

    /// Executes a transition plan: the status update guarded by the plan's expected status (a
    /// bind parameter), then its effects. Fails, so that the caller rolls back, when the guard
    /// matched no row.
    fn apply(
        &mut self,
        plan: &TransitionPlan,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Reads an order with its lines, coupon and refunds (after `lock_order`).
    fn read_order(
        &mut self,
        order_id: i64,
    ) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send;

    /// Inserts a refund with its lines (and its audit entry when an operator made it);
    /// `None` when one of its lines is held by another refund already (a lost race).
    fn insert_refund(
        &mut self,
        refund: &NewRefund,
    ) -> impl Future<Output = Result<Option<i64>, StorageError>> + Send;

    /// Moves a refund with a guarded update (and writes its audit entry when an operator
    /// moved it); false when it no longer had the expected status.
    fn move_refund(
        &mut self,
        change: &RefundChange,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Hides an order from the owner's list (the first time stamps it; again changes nothing).
    fn hide(
        &mut self,
        order_id: i64,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Inserts a verified payment; `None` when its trade was recorded before.
    fn insert_payment(
        &mut self,
        order_id: i64,
        event: &PaymentEvent,
    ) -> impl Future<Output = Result<Option<i64>, StorageError>> + Send;

    /// Takes money from the balance with a guarded update and writes its ledger row; false
    /// when the balance is short (then nothing is taken).
    fn spend_balance(
        &mut self,
        entry: &BalanceEntry,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Locks the buyer and reads everything checkout decides on.
    fn load_checkout(
        &mut self,
        query: &CheckoutQuery,
    ) -> impl Future<Output = Result<CheckoutSnapshot, StorageError>> + Send;

    /// Writes a decided order and commits, together (a store may send both in one round
    /// trip): the order, its lines, the coupon reservation or the points with their ledger
    /// row, the timeout job, and the fulfilment of a free order. A guarded write that loses a
    /// race refuses with the matching [`CheckoutError`], and then nothing is committed.
    fn commit_order(
        self,
        plan: &OrderPlan,
    ) -> impl Future<Output = Result<(), CheckoutError>> + Send;

    /// Commits.
    fn commit(self) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Rolls back.
    fn rollback(self) -> impl Future<Output = Result<(), StorageError>> + Send;
}
