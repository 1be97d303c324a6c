//! The refund use cases: a buyer's request and withdrawal, an operator's refund,
//! approval and rejection, and the gateway job that pays the money back. Each decision is a
//! pure function of [`crate::refund`]; each change runs in one transaction under the order's
//! row lock, so requests, reviews and withdrawals of the same order run one at a time and
//! everything a grant does (access, points, coupon, the money's way back) commits with it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use luffy_common::{Clock, Page, PageRequest, StorageError, UserId};
use luffy_scheduler::JobError;

use crate::gateway::{refund_at_gateway, Gateways, RefundRequest};
use crate::lifecycle::LockedOrder;
use crate::order::Order;
use crate::ports::{OrderBackOffice, OrderKey, OrderStore, OrderTx, RefundChange};
use crate::refund::{
    approved_status, plan_request, settle, Grant, Refund, RefundAsk, RefundError, RefundPolicy,
    RefundStatus, Requester,
};

/// What the refund use cases report as they happen, for metrics; every method defaults to
/// doing nothing (`()` reports nothing).
pub trait RefundEvents: Send + Sync + 'static {
    /// A refund was asked for (by a buyer or an operator).
    fn requested(&self, _refund: &Refund) {}
    /// A refund was granted (by policy or by an operator).
    fn approved(&self, _refund: &Refund) {}
    /// A refund's money is back.
    fn refunded(&self, _refund: &Refund) {}
    /// A gateway refund ran out of retries.
    fn failed(&self, _refund: &Refund) {}
}

impl RefundEvents for () {}

/// The refund use cases over the order store.
#[derive(Clone)]
pub struct RefundService<S, K> {
    store: S,
    clock: K,
    policy: RefundPolicy,
    events: Arc<dyn RefundEvents>,
}

fn log_change(refund: &Refund, from: Option<RefundStatus>, to: RefundStatus) {
    tracing::info!(
        order = %refund.order_number,
        refund = refund.id,
        from = from.map(RefundStatus::as_str),
        to = to.as_str(),
        amount = %refund.amount,
        "refund state changed"
    );
}

impl<S: OrderStore, K: Clock> RefundService<S, K> {
    /// Wires the store, the clock and the store's refund rules.
    pub fn new(store: S, clock: K, policy: RefundPolicy) -> Self {
        Self {
            store,
            clock,
            policy,
            events: Arc::new(()),
        }
    }

    /// Reports to `events` from now on.
    #[must_use]
    pub fn with_events(mut self, events: Arc<dyn RefundEvents>) -> Self {
        self.events = events;
        self
    }

    /// The rules in force.
    pub fn policy(&self) -> &RefundPolicy {
        &self.policy
    }

    /// Opens a transaction, locks the order (the owner's only, with `owner`) and reads it with
    /// its refunds.
    async fn lock(
        &self,
        owner: Option<UserId>,
        order_id: i64,
    ) -> Result<Option<(S::Tx, LockedOrder, Order)>, RefundError> {
        let mut tx = self.store.begin().await?;
        let Some(locked) = tx.lock_order(owner, &OrderKey::Id(order_id)).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let Some(order) = tx.read_order(order_id).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        Ok(Some((tx, locked, order)))
    }

    async fn reread(&self, refund_id: i64) -> Result<Refund, RefundError> {
        self.store
            .find_refund(refund_id)
            .await?
            .ok_or(RefundError::Storage(StorageError::Unexpected(
                anyhow::anyhow!("refund {refund_id} vanished"),
            )))
    }

    /// A buyer (for their own order, inside the buyer's window) or an operator (any order,
    /// inside the gateway's window) asks for a refund of some or all remaining lines. Within
    /// policy it is granted in the same transaction; in review mode it waits for an operator.
    pub async fn request(
        &self,
        requester: Requester,
        order_id: i64,
        ask: RefundAsk,
    ) -> Result<Refund, RefundError> {
        let owner = match requester {
            Requester::Buyer(user) => Some(user),
            Requester::Operator(_) => None,
        };
        let Some((mut tx, locked, order)) = self.lock(owner, order_id).await? else {
            return Err(RefundError::OrderNotFound);
        };
        let now = self.clock.now();
        let new = match plan_request(&order, requester, &ask, &self.policy, now) {
            Ok(new) => new,
            Err(refusal) => {
                tx.rollback().await?;
                return Err(refusal);
            }
        };
        let Some(refund_id) = tx.insert_refund(&new).await? else {
            // Another request took a line between our read and write (cannot happen under the
            // order lock, but the unique index is the last word).
            tx.rollback().await?;
            return Err(RefundError::OpenRequest(String::from("所选课程")));
        };
        if new.status != RefundStatus::Requested {
            let line_ids: Vec<i64> = new.lines.iter().map(|l| l.line_id).collect();
            let course_ids: Vec<_> = new.lines.iter().map(|l| l.course_id).collect();
            let grant = Grant {
                refund_id,
                line_ids: &line_ids,
                course_ids: &course_ids,
                amount: new.amount,
                points: new.points,
                channel: new.channel,
            };
            let plan = match settle(&order, &locked, &grant, now) {
                Ok(plan) => plan,
                Err(status) => {
                    tx.rollback().await?;
                    return Err(RefundError::NotRefundable(status));
                }
            };
            tx.apply(&plan).await?;
        }
        tx.commit().await?;
        let refund = self.reread(refund_id).await?;
        log_change(&refund, None, refund.status);
        self.events.requested(&refund);
        if refund.status != RefundStatus::Requested {
            self.events.approved(&refund);
        }
        if refund.status == RefundStatus::Refunded {
            self.events.refunded(&refund);
        }
        Ok(refund)
    }

    /// The refunds of one of the owner's orders, oldest first.
    pub async fn list(&self, owner: UserId, order_id: i64) -> Result<Vec<Refund>, RefundError> {
        self.store
            .find(Some(owner), &OrderKey::Id(order_id))
            .await?
            .map(|order| order.refunds)
            .ok_or(RefundError::OrderNotFound)
    }

    /// The buyer withdraws a request that is still waiting for review; its lines are free
    /// again.
    pub async fn cancel(
        &self,
        owner: UserId,
        order_id: i64,
        refund_id: i64,
    ) -> Result<Refund, RefundError> {
        let Some((mut tx, _, order)) = self.lock(Some(owner), order_id).await? else {
            return Err(RefundError::OrderNotFound);
        };
        let Some(refund) = order.refunds.iter().find(|r| r.id == refund_id) else {
            tx.rollback().await?;
            return Err(RefundError::RefundNotFound);
        };
        if !refund.status.can_become(RefundStatus::Cancelled) {
            tx.rollback().await?;
            return Err(RefundError::WrongStatus(refund.status, "撤销"));
        }
        let change = RefundChange {
            refund_id,
            from: refund.status,
            to: RefundStatus::Cancelled,
            note: None,
            error: None,
            actor: None,
        };
        if !tx.move_refund(&change).await? {
            tx.rollback().await?;
            return Err(RefundError::WrongStatus(refund.status, "撤销"));
        }
        tx.commit().await?;
        let refund = self.reread(refund_id).await?;
        log_change(&refund, Some(change.from), change.to);
        Ok(refund)
    }

    /// Locks the refund's order and finds the refund in it, fresh.
    async fn lock_refund(
        &self,
        refund_id: i64,
    ) -> Result<(S::Tx, LockedOrder, Order, Refund), RefundError> {
        let found = self
            .store
            .find_refund(refund_id)
            .await?
            .ok_or(RefundError::RefundNotFound)?;
        let (tx, locked, order) = self
            .lock(None, found.order_id)
            .await?
            .ok_or(RefundError::RefundNotFound)?;
        match order.refunds.iter().find(|r| r.id == refund_id).cloned() {
            Some(refund) => Ok((tx, locked, order, refund)),
            None => {
                tx.rollback().await?;
                Err(RefundError::RefundNotFound)
            }
        }
    }

    /// An operator approves a waiting request: it is granted now (inside the gateway's
    /// window), exactly as a request within policy would have been.
    pub async fn approve(&self, staff: UserId, refund_id: i64) -> Result<Refund, RefundError> {
        let (mut tx, locked, order, refund) = self.lock_refund(refund_id).await?;
        let now = self.clock.now();
        if !refund.status.can_become(RefundStatus::Approved) {
            tx.rollback().await?;
            return Err(RefundError::WrongStatus(refund.status, "同意"));
        }
        let paid_at = order.pay_time.unwrap_or(order.created_time);
        if now >= paid_at + self.policy.operator_window {
            tx.rollback().await?;
            return Err(RefundError::GatewayWindowClosed(
                self.policy.operator_window.num_days(),
            ));
        }
        let to = approved_status(refund.channel, refund.amount);
        let grant = Grant {
            refund_id,
            line_ids: &refund.line_ids,
            course_ids: &refund.course_ids,
            amount: refund.amount,
            points: refund.points,
            channel: refund.channel,
        };
        let plan = match settle(&order, &locked, &grant, now) {
            Ok(plan) => plan,
            Err(status) => {
                tx.rollback().await?;
                return Err(RefundError::NotRefundable(status));
            }
        };
        let change = RefundChange {
            refund_id,
            from: refund.status,
            to,
            note: None,
            error: None,
            actor: Some(staff),
        };
        if !tx.move_refund(&change).await? {
            tx.rollback().await?;
            return Err(RefundError::WrongStatus(refund.status, "同意"));
        }
        tx.apply(&plan).await?;
        tx.commit().await?;
        let refund = self.reread(refund_id).await?;
        log_change(&refund, Some(change.from), to);
        self.events.approved(&refund);
        if to == RefundStatus::Refunded {
            self.events.refunded(&refund);
        }
        Ok(refund)
    }

    /// An operator rejects a waiting request with a reason; its lines are free again.
    pub async fn reject(
        &self,
        staff: UserId,
        refund_id: i64,
        reason: &str,
    ) -> Result<Refund, RefundError> {
        if reason.chars().count() > crate::refund::MAX_REASON_CHARS {
            return Err(RefundError::ReasonTooLong);
        }
        let (mut tx, _, _, refund) = self.lock_refund(refund_id).await?;
        if !refund.status.can_become(RefundStatus::Rejected) {
            tx.rollback().await?;
            return Err(RefundError::WrongStatus(refund.status, "拒绝"));
        }
        let change = RefundChange {
            refund_id,
            from: refund.status,
            to: RefundStatus::Rejected,
            note: Some(reason.trim().to_owned()),
            error: None,
            actor: Some(staff),
        };
        if !tx.move_refund(&change).await? {
            tx.rollback().await?;
            return Err(RefundError::WrongStatus(refund.status, "拒绝"));
        }
        tx.commit().await?;
        let refund = self.reread(refund_id).await?;
        log_change(&refund, Some(change.from), change.to);
        Ok(refund)
    }

    /// One refund.
    pub async fn find(&self, refund_id: i64) -> Result<Option<Refund>, StorageError> {
        self.store.find_refund(refund_id).await
    }

    async fn shift(
        &self,
        refund: &Refund,
        from: RefundStatus,
        to: RefundStatus,
        error: Option<String>,
    ) -> Result<bool, StorageError> {
        shift(&self.store, refund, from, to, error).await
    }

    /// The `trade_refund` job of a granted refund: pays the money back through the channel
    /// that took it, with the refund's one `out_request_no` ([`refund_at_gateway`]), then
    /// records it refunded.
    /// Not confirmed: retried later with the same number; on the last attempt the refund is
    /// marked failed for an operator (who retries the dead job to send it again).
    pub async fn pay_back(
        &self,
        gateways: &Gateways,
        refund_id: i64,
        last_attempt: bool,
    ) -> Result<(), JobError> {
        let storage = |e: StorageError| JobError::Retry(e.to_string());
        let Some(refund) = self.store.find_refund(refund_id).await.map_err(storage)? else {
            return Err(JobError::Fatal(format!(
                "refund {refund_id} does not exist"
            )));
        };
        match refund.status {
            RefundStatus::Approved | RefundStatus::Failed => {
                self.shift(&refund, refund.status, RefundStatus::Refunding, None)
                    .await
                    .map_err(storage)?;
            }
            RefundStatus::Refunding => {}
            // Done already (a notify confirmed it), or never granted: nothing to pay.
            RefundStatus::Refunded
            | RefundStatus::Requested
            | RefundStatus::Rejected
            | RefundStatus::Cancelled => return Ok(()),
        }
        let gateway = gateways.get(refund.channel).ok_or_else(|| {
            JobError::Retry(format!("no {} gateway is configured", refund.channel))
        })?;
        let order = self
            .store
            .find(None, &OrderKey::Id(refund.order_id))
            .await
            .map_err(storage)?
            .ok_or_else(|| JobError::Fatal(format!("the order of refund {refund_id} is gone")))?;
        let request = RefundRequest {
            order_number: refund.order_number.clone(),
            out_request_no: refund.out_request_no.clone(),
            amount: refund.amount,
            order_total: order.real_price,
        };
        match refund_at_gateway(gateway, &request).await {
            Ok(()) => {
                if self
                    .shift(
                        &refund,
                        RefundStatus::Refunding,
                        RefundStatus::Refunded,
                        None,
                    )
                    .await
                    .map_err(storage)?
                {
                    self.events.refunded(&refund);
                }
                Ok(())
            }
            Err(why) => {
                if last_attempt
                    && self
                        .shift(
                            &refund,
                            RefundStatus::Refunding,
                            RefundStatus::Failed,
                            Some(why.clone()),
                        )
                        .await
                        .map_err(storage)?
                {
                    tracing::warn!(order = %refund.order_number, refund = refund.id, error = %why, "refund failed; an operator must retry it");
                    self.events.failed(&refund);
                }
                Err(JobError::Retry(why))
            }
        }
    }

    /// A verified refund notify named this request number: the money is back. Answers the
    /// refund when this call recorded it (a replay changes nothing).
    pub async fn confirm(&self, out_request_no: &str) -> Result<Option<Refund>, StorageError> {
        let confirmed = confirm_refunded(&self.store, out_request_no).await?;
        if let Some(refund) = &confirmed {
            self.events.refunded(refund);
        }
        Ok(confirmed)
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

impl<S: OrderBackOffice, K: Clock> RefundService<S, K> {
    /// The operators' queue: every refund, newest first, optionally of one status.
    pub async fn queue(
        &self,
        status: Option<RefundStatus>,
        page: PageRequest,
    ) -> Result<Page<Refund>, StorageError> {
        self.store.refund_queue(status, page).await
    }
}

/// Moves a refund in its own short transaction: the gateway job's and the notify's changes,
/// which need no order lock because they only move the money's status, guarded. False when
/// the move is not allowed or the refund no longer had `from`.
async fn shift<S: OrderStore>(
    store: &S,
    refund: &Refund,
    from: RefundStatus,
    to: RefundStatus,
    error: Option<String>,
) -> Result<bool, StorageError> {
    if !from.can_become(to) {
        return Ok(false);
    }
    let mut tx = store.begin().await?;
    let moved = tx
        .move_refund(&RefundChange {
            refund_id: refund.id,
            from,
            to,
            note: None,
            error,
            actor: None,
        })
        .await?;
    if moved {
        tx.commit().await?;
        log_change(refund, Some(from), to);
    } else {
        tx.rollback().await?;
    }
    Ok(moved)
}

/// A verified refund notify named this request number: marks the refund refunded if its money
/// was on its way (approved, refunding or failed, through refunding as the job would). `Some`
/// when this call moved it; a replay, or a number that is not ours, changes nothing.
pub async fn confirm_refunded<S: OrderStore>(
    store: &S,
    out_request_no: &str,
) -> Result<Option<Refund>, StorageError> {
    let Some(refund) = store.refund_by_request_no(out_request_no).await? else {
        return Ok(None);
    };
    let on_its_way = matches!(
        refund.status,
        RefundStatus::Approved | RefundStatus::Refunding | RefundStatus::Failed
    );
    if !on_its_way {
        return Ok(None);
    }
    if refund.status != RefundStatus::Refunding
        && !shift(store, &refund, refund.status, RefundStatus::Refunding, None).await?
    {
        return Ok(None);
    }
    let moved = shift(
        store,
        &refund,
        RefundStatus::Refunding,
        RefundStatus::Refunded,
        None,
    )
    .await?;
    Ok(moved.then_some(refund))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::RemoteRefund;
    use crate::handlers::tests::{gateways, FakeGateway};
    use crate::lifecycle::OrderStatus;
    use crate::memory::{at, unpaid, MemoryOrderStore};
    use crate::order::OrderLine;
    use crate::status::PayType;
    use luffy_common::{CourseId, FixedClock};
    use rust_decimal::Decimal;

    const BUYER: UserId = UserId(3);
    const STAFF: UserId = UserId(1);

    /// A paid order 7 of user 3: two lines (100 and 50 yuan) bought at `at(10)` with 150 points.
    fn store(pay_type: PayType) -> MemoryOrderStore {
        let mut locked = unpaid(7, Decimal::new(135, 0), 150);
        locked.status = OrderStatus::Paid;
        locked.pay_type = pay_type;
        let store = MemoryOrderStore::with_orders([locked.clone()]);
        let line = |id: i64, course: i64, price: i64| OrderLine {
            id,
            course_id: CourseId(course),
            course_name: format!("课程{course}"),
            course_cover: String::new(),
            price: Decimal::new(price, 0),
            real_price: Decimal::new(price, 0),
            discount_name: String::new(),
            coupon_discount: Decimal::ZERO,
        };
        let order = Order {
            id: 7,
            order_number: "N7".into(),
            user: BUYER,
            name: "购买课程".into(),
            status: OrderStatus::Paid,
            pay_type,
            total_price: Decimal::new(150, 0),
            real_price: Decimal::new(135, 0),
            credit: 150,
            pay_time: Some(at(10)),
            created_time: at(0),
            expires_at: at(900),
            lines: vec![line(70, 1, 100), line(71, 2, 50)],
            coupon: None,
            refunds: Vec::new(),
        };
        store.state().full_orders.insert(7, order);
        store
    }

    fn service(
        store: &MemoryOrderStore,
        now: i64,
        review: bool,
    ) -> RefundService<MemoryOrderStore, FixedClock> {
        RefundService::new(
            store.clone(),
            FixedClock(at(now)),
            RefundPolicy {
                review,
                ..RefundPolicy::default()
            },
        )
    }

    fn ask(courses: Option<&[i64]>) -> RefundAsk {
        RefundAsk {
            course_ids: courses.map(|c| c.iter().map(|id| CourseId(*id)).collect()),
            reason: "不想学了".into(),
        }
    }

    #[tokio::test]
    async fn a_partial_refund_then_the_rest_pays_back_exactly_what_was_paid() {
        let store = store(PayType::Alipay);
        let refunds = service(&store, 100, false);
        let first = refunds
            .request(Requester::Buyer(BUYER), 7, ask(Some(&[2])))
            .await
            .unwrap();
        assert_eq!(first.status, RefundStatus::Approved);
        assert_eq!(first.out_request_no, "N7R01");
        assert_eq!(store.state().orders[&7].status, OrderStatus::PartlyRefunded);
        let again = refunds
            .request(Requester::Buyer(BUYER), 7, ask(Some(&[2])))
            .await
            .unwrap_err();
        assert!(
            matches!(again, RefundError::AlreadyRefunded(_)),
            "{again:?}"
        );
        let rest = refunds
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap();
        assert_eq!(rest.course_ids, vec![CourseId(1)]);
        assert_eq!(first.amount + rest.amount, Decimal::new(135, 0));
        assert_eq!(first.points + rest.points, 150);
        {
            let state = store.state();
            assert_eq!(state.orders[&7].status, OrderStatus::Refunded);
            // Both grants revoked their course, gave points back and queued their gateway job.
            let plans: Vec<_> = state.applied.iter().map(|p| &p.effects).collect();
            assert_eq!(plans.len(), 2);
            assert!(plans.iter().all(|e| e.revoke_courses.is_some()
                && e.restore_points.is_some()
                && e.enqueue.len() == 1
                && e.credit_balance.is_none()));
        }
        let nothing = refunds
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap_err();
        assert!(matches!(
            nothing,
            RefundError::NotRefundable(OrderStatus::Refunded)
        ));
    }

    #[tokio::test]
    async fn the_buyer_window_and_the_gateway_window() {
        let store = store(PayType::Alipay);
        let eight_days = 10 + 8 * 86_400;
        let late = service(&store, eight_days, false)
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap_err();
        assert_eq!(late.to_string(), "订单支付已超过7天,无法申请退款!");
        let other = service(&store, 100, false)
            .request(Requester::Buyer(UserId(99)), 7, ask(None))
            .await
            .unwrap_err();
        assert!(matches!(other, RefundError::OrderNotFound));
        let operator = service(&store, eight_days, false)
            .request(Requester::Operator(STAFF), 7, ask(None))
            .await
            .unwrap();
        assert!(operator.by_operator && operator.status == RefundStatus::Approved);
        assert_eq!(store.state().rollbacks, 2, "refusals leave nothing");
    }

    #[tokio::test]
    async fn foreign_duplicate_and_empty_course_lists_are_refused() {
        let store = store(PayType::Alipay);
        let refunds = service(&store, 100, false);
        for (courses, message) in [
            (&[9][..], "课程[9]不在该订单中!"),
            (&[1, 1][..], "课程[1]重复!"),
            (&[][..], "请选择要退款的课程!"),
        ] {
            let refused = refunds
                .request(Requester::Buyer(BUYER), 7, ask(Some(courses)))
                .await
                .unwrap_err();
            assert_eq!(refused.to_string(), message);
        }
        assert!(store.state().refunds.is_empty());
    }

    #[tokio::test]
    async fn review_mode_waits_for_an_operator_and_one_decision_wins() {
        let store = store(PayType::Alipay);
        let refunds = service(&store, 100, true);
        let asked = refunds
            .request(Requester::Buyer(BUYER), 7, ask(Some(&[1])))
            .await
            .unwrap();
        assert_eq!(asked.status, RefundStatus::Requested);
        assert_eq!(store.state().orders[&7].status, OrderStatus::Paid);
        let open = refunds
            .request(Requester::Buyer(BUYER), 7, ask(Some(&[1])))
            .await
            .unwrap_err();
        assert!(open.is_conflict(), "{open:?}");
        let approved = refunds.approve(STAFF, asked.id).await.unwrap();
        assert_eq!(approved.status, RefundStatus::Approved);
        assert_eq!(store.state().orders[&7].status, OrderStatus::PartlyRefunded);
        let late_reject = refunds.reject(STAFF, asked.id, "no").await.unwrap_err();
        assert!(late_reject.is_conflict());
        let late_cancel = refunds.cancel(BUYER, 7, asked.id).await.unwrap_err();
        assert!(late_cancel.is_conflict());

        let second = refunds
            .request(Requester::Buyer(BUYER), 7, ask(Some(&[2])))
            .await
            .unwrap();
        let rejected = refunds
            .reject(STAFF, second.id, "已学习超过一半")
            .await
            .unwrap();
        assert_eq!(
            (rejected.status, rejected.review_note.as_str()),
            (RefundStatus::Rejected, "已学习超过一半")
        );
        // A rejected request frees its line: the buyer may ask again, then withdraw.
        let third = refunds
            .request(Requester::Buyer(BUYER), 7, ask(Some(&[2])))
            .await
            .unwrap();
        let withdrawn = refunds.cancel(BUYER, 7, third.id).await.unwrap();
        assert_eq!(withdrawn.status, RefundStatus::Cancelled);
        assert_eq!(store.state().orders[&7].status, OrderStatus::PartlyRefunded);
        assert_eq!(
            store.state().applied.len(),
            1,
            "only the approval granted anything"
        );
    }

    #[tokio::test]
    async fn a_balance_refund_is_done_in_the_granting_transaction() {
        let store = store(PayType::Balance);
        let refund = service(&store, 100, false)
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap();
        assert_eq!(refund.status, RefundStatus::Refunded);
        let state = store.state();
        let effects = &state.applied[0].effects;
        assert!(effects.enqueue.is_empty());
        let credit = effects.credit_balance.as_ref().unwrap();
        assert_eq!(credit.amount, Decimal::new(135, 0));
        assert_eq!(credit.remark, "订单[N7]退款");
    }

    #[tokio::test]
    async fn the_job_pays_back_once_asking_the_refund_query_when_unsure() {
        let store = store(PayType::Alipay);
        let refunds = service(&store, 100, false);
        let refund = refunds
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap();
        let gateway = std::sync::Arc::new(FakeGateway::default());
        *gateway.refund_answer.lock().unwrap() = Some(RemoteRefund::NotConfirmed("20000".into()));
        // Not confirmed anywhere: retried, still refunding.
        let error = refunds
            .pay_back(&gateways(&gateway), refund.id, false)
            .await
            .unwrap_err();
        assert!(matches!(error, JobError::Retry(_)));
        assert_eq!(store.state().refunds[0].status, RefundStatus::Refunding);
        // The query finds it done (the money moved, the answer was lost).
        *gateway.refund_query_answer.lock().unwrap() = Some(RemoteRefund::Done);
        refunds
            .pay_back(&gateways(&gateway), refund.id, false)
            .await
            .unwrap();
        assert_eq!(store.state().refunds[0].status, RefundStatus::Refunded);
        refunds
            .pay_back(&gateways(&gateway), refund.id, false)
            .await
            .unwrap();
        let calls = gateway.calls.lock().unwrap().clone();
        assert_eq!(
            calls,
            vec![
                "refund N7 135.00 N7R01",
                "refund query N7 N7R01",
                "refund N7 135.00 N7R01",
                "refund query N7 N7R01",
            ],
            "the same request number every time; nothing once refunded"
        );
    }

    #[tokio::test]
    async fn the_last_attempt_marks_the_refund_failed_and_a_retry_sends_it_again() {
        let store = store(PayType::Alipay);
        let refunds = service(&store, 100, false);
        let refund = refunds
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap();
        let gateway = std::sync::Arc::new(FakeGateway::default());
        *gateway.refund_answer.lock().unwrap() =
            Some(RemoteRefund::NotConfirmed("ACQ.SYSTEM_ERROR".into()));
        refunds
            .pay_back(&gateways(&gateway), refund.id, true)
            .await
            .unwrap_err();
        let failed = store.state().refunds[0].clone();
        assert_eq!(failed.status, RefundStatus::Failed);
        assert!(failed.last_error.unwrap().contains("ACQ.SYSTEM_ERROR"));
        *gateway.refund_answer.lock().unwrap() = Some(RemoteRefund::Done);
        refunds
            .pay_back(&gateways(&gateway), refund.id, false)
            .await
            .unwrap();
        assert_eq!(store.state().refunds[0].status, RefundStatus::Refunded);
    }

    #[tokio::test]
    async fn a_refund_notify_confirms_once() {
        let store = store(PayType::Alipay);
        let refunds = service(&store, 100, false);
        let refund = refunds
            .request(Requester::Buyer(BUYER), 7, ask(None))
            .await
            .unwrap();
        assert!(refunds.confirm("N7R01").await.unwrap().is_some());
        for _ in 0..5 {
            assert!(refunds.confirm("N7R01").await.unwrap().is_none());
        }
        assert!(refunds.confirm("N8R01").await.unwrap().is_none());
        assert_eq!(
            refunds.find(refund.id).await.unwrap().unwrap().status,
            RefundStatus::Refunded
        );
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// The buyer asks for these courses (None: all left).
        Ask(Option<Vec<i64>>),
        /// An operator refunds what is left.
        Operator,
        /// An operator approves the n-th refund.
        Approve(usize),
        /// An operator rejects the n-th refund.
        Reject(usize),
        /// The buyer withdraws the n-th refund.
        Withdraw(usize),
        /// The gateway job runs for the n-th refund.
        PayBack(usize),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::option::of(proptest::sample::subsequence(vec![1i64, 2], 0..=2))
                .prop_map(Step::Ask),
            Just(Step::Operator),
            (0usize..4).prop_map(Step::Approve),
            (0usize..4).prop_map(Step::Reject),
            (0usize..4).prop_map(Step::Withdraw),
            (0usize..4).prop_map(Step::PayBack),
        ]
    }

    proptest::proptest! {
        /// Any sequence of requests, reviews, withdrawals and gateway runs, with or without
        /// review: every line is held by at most one refund, granted refunds never pay back
        /// more than was paid (exactly it once every line is granted), points come back at
        /// most once per line, and the order's status follows its granted lines.
        #[test]
        fn no_sequence_refunds_more_than_was_paid(
            review in proptest::bool::ANY,
            steps in proptest::collection::vec(step(), 1..12),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let store = store(PayType::Alipay);
            let refunds = service(&store, 100, review);
            let gateway = std::sync::Arc::new(FakeGateway::default());
            runtime.block_on(async {
                for step in steps {
                    let nth = |n: usize| store.state().refunds.get(n).map(|r| r.id);
                    let _ = match step {
                        Step::Ask(courses) => refunds
                            .request(Requester::Buyer(BUYER), 7, ask(courses.as_deref()))
                            .await
                            .map(|_| ()),
                        Step::Operator => refunds
                            .request(Requester::Operator(STAFF), 7, ask(None))
                            .await
                            .map(|_| ()),
                        Step::Approve(n) => match nth(n) {
                            Some(id) => refunds.approve(STAFF, id).await.map(|_| ()),
                            None => Ok(()),
                        },
                        Step::Reject(n) => match nth(n) {
                            Some(id) => refunds.reject(STAFF, id, "no").await.map(|_| ()),
                            None => Ok(()),
                        },
                        Step::Withdraw(n) => match nth(n) {
                            Some(id) => refunds.cancel(BUYER, 7, id).await.map(|_| ()),
                            None => Ok(()),
                        },
                        Step::PayBack(n) => {
                            if let Some(id) = nth(n) {
                                let _ = refunds.pay_back(&gateways(&gateway), id, false).await;
                            }
                            Ok(())
                        }
                    };
                }
            });
            let state = store.state();
            let holding: Vec<&Refund> = state.refunds.iter().filter(|r| r.status.holds_lines()).collect();
            for line in [70, 71] {
                proptest::prop_assert!(holding.iter().filter(|r| r.line_ids.contains(&line)).count() <= 1);
            }
            let granted: Vec<&Refund> = state.refunds.iter().filter(|r| r.granted()).collect();
            let money: Decimal = granted.iter().map(|r| r.amount).sum();
            let points: i32 = granted.iter().map(|r| r.points).sum();
            let lines: usize = granted.iter().map(|r| r.line_ids.len()).sum();
            proptest::prop_assert!(money <= Decimal::new(135, 0) && money >= Decimal::ZERO);
            proptest::prop_assert!(points <= 150);
            let restored: i32 = state
                .applied
                .iter()
                .filter_map(|p| p.effects.restore_points.as_ref())
                .map(|e| e.number)
                .sum();
            proptest::prop_assert_eq!(restored, points, "points back once per granted line");
            let expected = match lines {
                0 => OrderStatus::Paid,
                1 => OrderStatus::PartlyRefunded,
                _ => OrderStatus::Refunded,
            };
            proptest::prop_assert_eq!(state.orders[&7].status, expected);
            if lines == 2 {
                proptest::prop_assert_eq!(money, Decimal::new(135, 0));
                proptest::prop_assert_eq!(points, 150);
            }
        }
    }
}
