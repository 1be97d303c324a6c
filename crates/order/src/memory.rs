//! An in-memory [`OrderStore`] and [`CartStore`], for the unit tests of code built on the
//! order services (enable the `test-util` feature). A transaction works on a copy of the state
//! and publishes it only on commit, so a test sees exactly what a rolled-back transaction would
//! leave: nothing. Status changes keep the real store's guard (the expected status must still
//! hold, see [`TransitionPlan::apply_to`]); the other effects of a plan are recorded in
//! [`MemoryState::applied`] rather than run, since they belong to other aggregates' stores.
//!
//! ```
//! use luffy_order::memory::{unpaid_order, MemoryOrderStore};
//! use luffy_order::{OrderKey, OrderStatus, OrderStore, OrderTx};
//! use luffy_order::chrono::Utc;
//! use luffy_order::rust_decimal::Decimal;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let store = MemoryOrderStore::with_orders([unpaid_order(1, Decimal::new(299, 0), 0)]);
//! let mut tx = store.begin().await.unwrap();
//! let order = tx.lock_order(None, &OrderKey::Id(1)).await.unwrap().unwrap();
//! let plan = luffy_order::lifecycle::cancel(&order, Utc::now()).unwrap();
//! tx.apply(&plan).await.unwrap();
//! tx.commit().await.unwrap();
//! assert_eq!(store.state().orders[&1].status, OrderStatus::Cancelled);
//! # });
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use luffy_cart::{CartEntry, CartStore};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};
use luffy_credit::BalanceEntry;
use rust_decimal::Decimal;

use crate::back_office::{OrderDossier, OrderSearch};
use crate::checkout::{CheckoutError, OrderPlan, StoredOrder};
use crate::jobs::{PendingRefund, UnpaidOrder};
use crate::lifecycle::{LockedOrder, OrderStatus, TransitionPlan};
use crate::order::Order;
use crate::payment::PaymentEvent;
use crate::ports::{
    CheckoutQuery, CheckoutSnapshot, CouponOptionsSnapshot, OrderBackOffice, OrderJobReads,
    OrderKey, OrderStore, OrderTx, QuoteSnapshot, RefundChange,
};
use crate::refund::{NewRefund, Refund, RefundStatus};
use crate::status::PayType;
use crate::PricingError;

/// A fixed instant the crate's own tests are built around.
#[cfg(test)]
pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

/// A visible course at a price, without promotions.
#[cfg(test)]
pub(crate) fn course(id: i64, price: i64) -> luffy_catalog::Course {
    luffy_catalog::builders::course(id, Decimal::new(price, 0))
}

/// An unpaid Alipay order of user 3 numbered `N{id}`, created at 2023-11-14 22:13:20 UTC and
/// expiring 15 minutes later, holding `credit` points: the usual starting point of a lifecycle
/// test.
pub fn unpaid_order(id: i64, price: Decimal, credit: i32) -> LockedOrder {
    let created_time = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    LockedOrder {
        id,
        order_number: format!("N{id}"),
        user: UserId(3),
        status: OrderStatus::Unpaid,
        pay_type: PayType::Alipay,
        real_price: price,
        credit,
        created_time,
        expires_at: created_time + chrono::Duration::minutes(15),
    }
}

#[cfg(test)]
pub(crate) use unpaid_order as unpaid;

/// A payment the memory store recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPayment {
    /// Its id, from 1 in recording order.
    pub id: i64,
    /// The order it paid (or that refunds it, when late).
    pub order_id: i64,
    /// The channel's trade number, unique like the real store's.
    pub trade_no: String,
}

/// Everything the memory store holds; tests set it up and read it back through
/// [`MemoryOrderStore::state`].
#[derive(Debug, Clone, Default)]
pub struct MemoryState {
    /// Orders by id, with the status the transitions left.
    pub orders: BTreeMap<i64, LockedOrder>,
    /// Every executed transition, in order, with the effects the real store would have run.
    pub applied: Vec<TransitionPlan>,
    /// Recorded payments.
    pub payments: Vec<StoredPayment>,
    /// Balances.
    pub money: HashMap<UserId, Decimal>,
    /// Balance ledger rows.
    pub money_ledger: Vec<BalanceEntry>,
    /// Orders checkout wrote.
    pub written: Vec<OrderPlan>,
    /// Orders with a pay link.
    pub links: HashSet<i64>,
    /// Payments whose refund the channel confirmed.
    pub refunded: Vec<i64>,
    /// Orders the buyer hid.
    pub hidden: HashSet<i64>,
    /// What checkout reads (prices, coupon, points, a replayed order); `None` makes checkout
    /// fail as a broken store would.
    pub snapshot: Option<CheckoutSnapshot>,
    /// A refusal the next `commit_order` answers, to play a lost race.
    pub write_refusal: Option<PricingError>,
    /// Orders with lines, for refunds and reads (the status always comes from `orders`).
    pub full_orders: BTreeMap<i64, Order>,
    /// Refunds, by position (id = position + 1).
    pub refunds: Vec<Refund>,
    /// The instant new rows (refunds) are stamped with.
    pub now: DateTime<Utc>,
    /// Commits seen.
    pub commits: usize,
    /// Rollbacks seen (explicit ones; a dropped transaction leaves no trace, like a real one).
    pub rollbacks: usize,
}

/// The memory store: shared state behind a mutex; clones share it, like pool handles.
#[derive(Debug, Clone, Default)]
pub struct MemoryOrderStore(pub Arc<Mutex<MemoryState>>);

impl MemoryOrderStore {
    /// A store holding these orders.
    pub fn with_orders(orders: impl IntoIterator<Item = LockedOrder>) -> Self {
        let store = Self::default();
        store.state().orders = orders.into_iter().map(|o| (o.id, o)).collect();
        store
    }

    /// The state, locked (do not hold the guard across an `await` on the store).
    pub fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn order(&self, owner: Option<UserId>, key: &OrderKey) -> Option<LockedOrder> {
        let state = self.state();
        find(&state, owner, key)
    }
}

fn find(state: &MemoryState, owner: Option<UserId>, key: &OrderKey) -> Option<LockedOrder> {
    state
        .orders
        .values()
        .find(|o| match key {
            OrderKey::Id(id) => o.id == *id,
            OrderKey::Number(number) => &o.order_number == number,
        })
        .filter(|o| owner.is_none_or(|u| u == o.user))
        .cloned()
}

/// The order as a read shows it: the detailed one when the test gave it, with the status now
/// and its refunds.
fn read(state: &MemoryState, locked: &LockedOrder) -> Order {
    let mut order = state
        .full_orders
        .get(&locked.id)
        .cloned()
        .unwrap_or_else(|| to_order(locked));
    order.status = locked.status;
    order.refunds = state
        .refunds
        .iter()
        .filter(|r| r.order_id == locked.id)
        .cloned()
        .collect();
    order
}

fn to_order(locked: &LockedOrder) -> Order {
    Order {
        id: locked.id,
        order_number: locked.order_number.clone(),
        user: locked.user,
        name: "购买课程".into(),
        status: locked.status,
        pay_type: locked.pay_type,
        total_price: locked.real_price,
        real_price: locked.real_price,
        credit: locked.credit,
        pay_time: None,
        created_time: locked.created_time,
        expires_at: locked.expires_at,
        lines: Vec::new(),
        coupon: None,
        refunds: Vec::new(),
    }
}

/// A transaction of the memory store: it works on a copy of the state, published on commit.
#[derive(Debug)]
pub struct MemoryOrderTx {
    store: MemoryOrderStore,
    work: MemoryState,
}

impl OrderStore for MemoryOrderStore {
    type Tx = MemoryOrderTx;

    async fn begin(&self) -> Result<MemoryOrderTx, StorageError> {
        Ok(MemoryOrderTx {
            work: self.state().clone(),
            store: self.clone(),
        })
    }

    async fn list(
        &self,
        user: UserId,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, StorageError> {
        let items: Vec<Order> = self
            .state()
            .orders
            .values()
            .rev()
            .filter(|o| o.user == user && status.is_none_or(|s| s == o.status))
            .filter(|o| !self.state().hidden.contains(&o.id))
            .map(to_order)
            .collect();
        Ok(Page {
            total: items.len() as u64,
            items,
            request: page,
        })
    }

    async fn find(
        &self,
        owner: Option<UserId>,
        key: &OrderKey,
    ) -> Result<Option<Order>, StorageError> {
        let found = self.order(owner, key);
        Ok(found.map(|o| read(&self.state(), &o)))
    }

    async fn replay(&self, _user: UserId, _key: &str) -> Result<Option<StoredOrder>, StorageError> {
        Ok(self
            .state()
            .snapshot
            .as_ref()
            .and_then(|s| s.replay.clone()))
    }

    async fn load_quote(&self, _query: &CheckoutQuery) -> Result<QuoteSnapshot, StorageError> {
        self.state()
            .snapshot
            .as_ref()
            .map(|s| s.pricing.clone())
            .ok_or_else(|| StorageError::Unexpected(anyhow::anyhow!("no snapshot")))
    }

    async fn load_coupon_options(
        &self,
        _user: UserId,
        course_ids: &[CourseId],
        _now: DateTime<Utc>,
    ) -> Result<CouponOptionsSnapshot, StorageError> {
        let pricing = self
            .state()
            .snapshot
            .as_ref()
            .map(|s| s.pricing.clone())
            .ok_or_else(|| StorageError::Unexpected(anyhow::anyhow!("no snapshot")))?;
        Ok(CouponOptionsSnapshot {
            points: pricing.points,
            courses: pricing
                .courses
                .into_iter()
                .filter(|c| course_ids.contains(&c.id))
                .collect(),
            grants: pricing.grant.into_iter().collect(),
        })
    }

    async fn mark_pay_link_issued(
        &self,
        order_id: i64,
        _at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.state().links.insert(order_id);
        Ok(())
    }

    async fn find_refund(&self, refund_id: i64) -> Result<Option<Refund>, StorageError> {
        Ok(self
            .state()
            .refunds
            .iter()
            .find(|r| r.id == refund_id)
            .cloned())
    }

    async fn refund_by_request_no(&self, no: &str) -> Result<Option<Refund>, StorageError> {
        Ok(self
            .state()
            .refunds
            .iter()
            .find(|r| r.out_request_no == no)
            .cloned())
    }
}

impl OrderBackOffice for MemoryOrderStore {
    async fn search(&self, search: &OrderSearch) -> Result<Page<Order>, StorageError> {
        let items: Vec<Order> = self.state().orders.values().rev().map(to_order).collect();
        Ok(Page {
            total: items.len() as u64,
            items,
            request: search.page,
        })
    }

    async fn dossier(&self, order_id: i64) -> Result<Option<OrderDossier>, StorageError> {
        Ok(self.state().orders.get(&order_id).map(|o| OrderDossier {
            order: to_order(o),
            username: "buyer".into(),
            mobile: String::new(),
            pay_link_at: None,
            hidden_at: None,
            updated_at: o.created_time,
            payments: Vec::new(),
            jobs: Vec::new(),
        }))
    }

    async fn daily_figures(
        &self,
        _since: DateTime<Utc>,
        _timezone: &str,
    ) -> Result<Vec<crate::back_office::DayFigures>, StorageError> {
        Ok(Vec::new())
    }

    async fn refund_queue(
        &self,
        status: Option<RefundStatus>,
        page: PageRequest,
    ) -> Result<Page<Refund>, StorageError> {
        let items: Vec<Refund> = self
            .state()
            .refunds
            .iter()
            .rev()
            .filter(|r| status.is_none_or(|s| s == r.status))
            .cloned()
            .collect();
        Ok(Page {
            total: items.len() as u64,
            items,
            request: page,
        })
    }
}

impl OrderJobReads for MemoryOrderStore {
    async fn unpaid_order(&self, order_id: i64) -> Result<Option<UnpaidOrder>, StorageError> {
        let state = self.state();
        Ok(state
            .orders
            .get(&order_id)
            .filter(|o| o.status == OrderStatus::Unpaid)
            .map(|o| UnpaidOrder {
                id: o.id,
                order_number: o.order_number.clone(),
                pay_link_issued: state.links.contains(&o.id),
                pay_type: o.pay_type.code(),
                real_price: o.real_price,
                created_at: o.created_time,
            }))
    }

    async fn expired_without_timeout_job(
        &self,
        now: DateTime<Utc>,
        _limit: i64,
    ) -> Result<Vec<i64>, StorageError> {
        Ok(self
            .state()
            .orders
            .values()
            .filter(|o| o.status == OrderStatus::Unpaid && o.expires_at < now)
            .map(|o| o.id)
            .collect())
    }

    async fn pending_refund(&self, payment_id: i64) -> Result<Option<PendingRefund>, StorageError> {
        let state = self.state();
        if state.refunded.contains(&payment_id) {
            return Ok(None);
        }
        Ok(state
            .applied
            .iter()
            .filter_map(|p| p.effects.refund_payment.as_ref().map(|r| (p.order_id, r)))
            .find(|(_, r)| r.payment_id == payment_id)
            .map(|(order_id, r)| PendingRefund {
                channel: crate::channel::Channel::of(state.orders[&order_id].pay_type),
                order_number: state.orders[&order_id].order_number.clone(),
                amount: state.orders[&order_id].real_price,
                out_request_no: r.out_request_no.clone(),
            }))
    }

    async fn mark_refunded(&self, payment_id: i64) -> Result<(), StorageError> {
        self.state().refunded.push(payment_id);
        Ok(())
    }
}

impl OrderTx for MemoryOrderTx {
    async fn lock_order(
        &mut self,
        owner: Option<UserId>,
        key: &OrderKey,
    ) -> Result<Option<LockedOrder>, StorageError> {
        Ok(find(&self.work, owner, key))
    }

    async fn apply(&mut self, plan: &TransitionPlan) -> Result<(), StorageError> {
        let order = self.work.orders.get_mut(&plan.order_id).ok_or_else(|| {
            StorageError::Unexpected(anyhow::anyhow!("no order {}", plan.order_id))
        })?;
        plan.apply_to(order)
            .map_err(|mismatch| StorageError::Unexpected(anyhow::anyhow!("{mismatch}")))?;
        if let Some(full) = self.work.full_orders.get_mut(&plan.order_id) {
            plan.apply_to_order(full)
                .map_err(|mismatch| StorageError::Unexpected(anyhow::anyhow!("{mismatch}")))?;
        }
        self.work.applied.push(plan.clone());
        Ok(())
    }

    async fn read_order(&mut self, order_id: i64) -> Result<Option<Order>, StorageError> {
        let work = &self.work;
        Ok(work.orders.get(&order_id).map(|o| read(work, o)))
    }

    async fn insert_refund(&mut self, new: &NewRefund) -> Result<Option<i64>, StorageError> {
        let taken = self.work.refunds.iter().any(|r| {
            r.status.holds_lines() && new.lines.iter().any(|l| r.line_ids.contains(&l.line_id))
        });
        if taken {
            return Ok(None);
        }
        let id = self.work.refunds.len() as i64 + 1;
        let order_number = self.work.orders[&new.order_id].order_number.clone();
        self.work.refunds.push(Refund {
            id,
            order_id: new.order_id,
            order_number,
            user: new.user,
            status: new.status,
            channel: new.channel,
            amount: new.amount,
            points: new.points,
            out_request_no: new.out_request_no.clone(),
            reason: new.reason.clone(),
            review_note: String::new(),
            by_operator: new.by_operator,
            line_ids: new.lines.iter().map(|l| l.line_id).collect(),
            course_ids: new.lines.iter().map(|l| l.course_id).collect(),
            last_error: None,
            created_time: self.work.now,
            updated_time: self.work.now,
        });
        Ok(Some(id))
    }

    async fn move_refund(&mut self, change: &RefundChange) -> Result<bool, StorageError> {
        let Some(refund) = self
            .work
            .refunds
            .iter_mut()
            .find(|r| r.id == change.refund_id && r.status == change.from)
        else {
            return Ok(false);
        };
        refund.status = change.to;
        if let Some(note) = &change.note {
            refund.review_note = note.clone();
        }
        if change.error.is_some() {
            refund.last_error = change.error.clone();
        }
        Ok(true)
    }

    async fn hide(&mut self, order_id: i64, _at: DateTime<Utc>) -> Result<(), StorageError> {
        self.work.hidden.insert(order_id);
        Ok(())
    }

    async fn insert_payment(
        &mut self,
        order_id: i64,
        event: &PaymentEvent,
    ) -> Result<Option<i64>, StorageError> {
        if self
            .work
            .payments
            .iter()
            .any(|p| p.trade_no == event.trade_no)
        {
            return Ok(None);
        }
        let id = self.work.payments.len() as i64 + 1;
        self.work.payments.push(StoredPayment {
            id,
            order_id,
            trade_no: event.trade_no.clone(),
        });
        Ok(Some(id))
    }

    async fn spend_balance(&mut self, entry: &BalanceEntry) -> Result<bool, StorageError> {
        let money = self.work.money.entry(entry.user).or_default();
        if *money < -entry.amount {
            return Ok(false);
        }
        *money += entry.amount;
        self.work.money_ledger.push(entry.clone());
        Ok(true)
    }

    async fn load_checkout(
        &mut self,
        _query: &CheckoutQuery,
    ) -> Result<CheckoutSnapshot, StorageError> {
        self.work
            .snapshot
            .clone()
            .ok_or_else(|| StorageError::Unexpected(anyhow::anyhow!("no snapshot")))
    }

    async fn commit_order(mut self, plan: &OrderPlan) -> Result<(), CheckoutError> {
        if let Some(refusal) = self.work.write_refusal.take() {
            self.rollback().await?;
            return Err(refusal.into());
        }
        self.work.written.push(plan.clone());
        Ok(self.commit().await?)
    }

    async fn commit(self) -> Result<(), StorageError> {
        let mut work = self.work;
        work.commits += 1;
        let mut state = self.store.state();
        work.rollbacks = state.rollbacks;
        *state = work;
        Ok(())
    }

    async fn rollback(self) -> Result<(), StorageError> {
        self.store.state().rollbacks += 1;
        Ok(())
    }
}

/// A cart that holds the given selected courses for every user (checkout tests need one cart).
#[derive(Debug, Clone, Default)]
pub struct MemoryCart(pub Arc<Mutex<Vec<CourseId>>>);

impl CartStore for MemoryCart {
    async fn add(&self, _user: UserId, course: CourseId) -> Result<u64, StorageError> {
        let mut items = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        items.push(course);
        Ok(items.len() as u64)
    }

    async fn entries(&self, _user: UserId) -> Result<Vec<CartEntry>, StorageError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|c| CartEntry {
                course_id: *c,
                selected: true,
            })
            .collect())
    }

    async fn set_selected(
        &self,
        _user: UserId,
        _course: CourseId,
        _selected: bool,
    ) -> Result<bool, StorageError> {
        Ok(true)
    }

    async fn set_all_selected(&self, _user: UserId, _selected: bool) -> Result<(), StorageError> {
        Ok(())
    }

    async fn remove(&self, _user: UserId, courses: &[CourseId]) -> Result<u64, StorageError> {
        let mut items = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = items.len();
        items.retain(|c| !courses.contains(c));
        Ok((before - items.len()) as u64)
    }

    async fn count(&self, _user: UserId) -> Result<u64, StorageError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len() as u64)
    }
}
