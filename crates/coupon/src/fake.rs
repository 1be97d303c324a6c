//! An in-memory coupon store, for the service's tests and for other teams' tests. A
//! transaction works on a copy of the state and publishes it only on commit, so a test sees
//! exactly what a rolled-back transaction would leave: nothing. Transactions do not lock each
//! other: run them one at a time (the PostgreSQL adapter's row locks are tested against a real
//! database).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use luffy_common::{Page, PageRequest, StorageError, UserId};

use crate::coupon::{Coupon, CouponScope};
use crate::grant::{UseStatus, UserCoupon};
use crate::new_coupon::{NewCoupon, NewScope};
use crate::ports::{CouponBackOffice, CouponStore, CouponTx};
use crate::records::{CouponStats, GrantRecord};
use crate::rules::{CouponUpdate, HeldGrants, StockMove};

/// One grant as the fake keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGrant {
    /// Owner.
    pub user: UserId,
    /// Coupon id.
    pub coupon_id: i64,
    /// The order holding it.
    pub order_id: Option<i64>,
    /// Unused, used or expired.
    pub use_status: UseStatus,
    /// When its order was paid.
    pub use_time: Option<DateTime<Utc>>,
}

/// Everything the fake holds; public so tests can arrange and inspect it.
#[derive(Debug, Clone, Default)]
pub struct CouponState {
    /// Coupons by id.
    pub coupons: BTreeMap<i64, Coupon>,
    /// Grants by id.
    pub grants: BTreeMap<i64, StoredGrant>,
    /// Users that exist.
    pub users: Vec<UserId>,
    /// Audit entries written: (actor, what, id).
    pub audit: Vec<(UserId, &'static str, i64)>,
    next_id: i64,
}

impl CouponState {
    fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id + 1000
    }

    fn user_coupon(&self, id: i64) -> Option<UserCoupon> {
        let grant = self.grants.get(&id)?;
        Some(UserCoupon {
            id,
            user: grant.user,
            coupon: self.coupons.get(&grant.coupon_id)?.clone(),
            order_id: grant.order_id,
            use_status: grant.use_status,
            use_time: grant.use_time,
        })
    }
}

/// The in-memory store; clones share one state.
#[derive(Debug, Clone, Default)]
pub struct InMemoryCoupons {
    state: Arc<Mutex<CouponState>>,
}

impl InMemoryCoupons {
    /// A store holding these coupons and users.
    pub fn new(coupons: Vec<Coupon>, users: Vec<UserId>) -> Self {
        let state = CouponState {
            coupons: coupons.into_iter().map(|c| (c.id, c)).collect(),
            users,
            ..CouponState::default()
        };
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The state as committed, to arrange or inspect.
    pub fn state(&self) -> MutexGuard<'_, CouponState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A transaction over a copy of the state.
#[derive(Debug)]
pub struct InMemoryCouponTx {
    shared: Arc<Mutex<CouponState>>,
    work: CouponState,
}

impl CouponStore for InMemoryCoupons {
    type Tx = InMemoryCouponTx;

    async fn begin(&self) -> Result<InMemoryCouponTx, StorageError> {
        Ok(InMemoryCouponTx {
            shared: self.state.clone(),
            work: self.state().clone(),
        })
    }

    async fn unreserved_grants(
        &self,
        user: UserId,
        status: UseStatus,
    ) -> Result<Vec<UserCoupon>, StorageError> {
        let state = self.state();
        Ok(state
            .grants
            .iter()
            .rev()
            .filter(|(_, g)| g.user == user && g.use_status == status && g.order_id.is_none())
            .filter_map(|(id, _)| state.user_coupon(*id))
            .collect())
    }
}

impl InMemoryCoupons {
    fn stats_of(state: &CouponState, coupon: &Coupon) -> CouponStats {
        let grants: Vec<&StoredGrant> = state
            .grants
            .values()
            .filter(|g| g.coupon_id == coupon.id)
            .collect();
        let count =
            |keep: &dyn Fn(&StoredGrant) -> bool| grants.iter().filter(|g| keep(g)).count() as i64;
        CouponStats {
            coupon: coupon.clone(),
            granted: grants.len() as i64,
            used: count(&|g| g.use_status == UseStatus::Used),
            reserved: count(&|g| g.use_status == UseStatus::Unused && g.order_id.is_some()),
        }
    }
}

impl CouponBackOffice for InMemoryCoupons {
    async fn list(&self, page: PageRequest) -> Result<Page<CouponStats>, StorageError> {
        let state = self.state();
        let all: Vec<CouponStats> = state
            .coupons
            .values()
            .rev()
            .map(|c| Self::stats_of(&state, c))
            .collect();
        Ok(paged(all, page))
    }

    async fn stats(&self, coupon_id: i64) -> Result<Option<CouponStats>, StorageError> {
        let state = self.state();
        Ok(state
            .coupons
            .get(&coupon_id)
            .map(|c| Self::stats_of(&state, c)))
    }

    async fn grants(
        &self,
        coupon_id: i64,
        page: PageRequest,
    ) -> Result<Option<Page<GrantRecord>>, StorageError> {
        let state = self.state();
        if !state.coupons.contains_key(&coupon_id) {
            return Ok(None);
        }
        let all: Vec<GrantRecord> = state
            .grants
            .iter()
            .rev()
            .filter(|(_, g)| g.coupon_id == coupon_id)
            .map(|(id, g)| GrantRecord {
                id: *id,
                user: g.user,
                username: format!("user{}", g.user.get()),
                order_id: g.order_id,
                use_status: g.use_status,
                use_time: g.use_time,
                granted_at: DateTime::<Utc>::UNIX_EPOCH,
            })
            .collect();
        Ok(Some(paged(all, page)))
    }
}

fn paged<T>(all: Vec<T>, page: PageRequest) -> Page<T> {
    let total = all.len() as u64;
    let items = all
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(0))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .collect();
    Page {
        items,
        total,
        request: page,
    }
}

impl CouponTx for InMemoryCouponTx {
    async fn insert_coupon(
        &mut self,
        actor: UserId,
        coupon: &NewCoupon,
    ) -> Result<Option<Coupon>, StorageError> {
        let id = self.work.next_id();
        let items = |ids: &[i64]| {
            ids.iter()
                .map(|id| crate::coupon::ScopeItem {
                    id: *id,
                    name: format!("#{id}"),
                })
                .collect()
        };
        let scope = match &coupon.scope {
            NewScope::All => CouponScope::All,
            NewScope::Directions(ids) => CouponScope::Directions(items(ids)),
            NewScope::Categories(ids) => CouponScope::Categories(items(ids)),
            NewScope::Courses(ids) => CouponScope::Courses(items(ids)),
        };
        let created = Coupon {
            id,
            name: coupon.name.clone(),
            kind: coupon.kind,
            scope,
            total: coupon.total,
            has_total: coupon.total,
            starts_at: coupon.starts_at,
            ends_at: coupon.ends_at,
            get_type: coupon.get_type,
            condition: coupon.condition,
            per_limit: coupon.per_limit,
            sale: coupon.sale,
            enabled: true,
        };
        self.work.coupons.insert(id, created.clone());
        self.work.audit.push((actor, "coupon.create", id));
        Ok(Some(created))
    }

    async fn lock_coupon(&mut self, coupon_id: i64) -> Result<Option<Coupon>, StorageError> {
        Ok(self.work.coupons.get(&coupon_id).cloned())
    }

    async fn known_users(&mut self, users: &[UserId]) -> Result<Vec<UserId>, StorageError> {
        Ok(users
            .iter()
            .filter(|u| self.work.users.contains(u))
            .copied()
            .collect())
    }

    async fn held_grants(
        &mut self,
        coupon_id: i64,
        users: &[UserId],
    ) -> Result<Vec<HeldGrants>, StorageError> {
        Ok(users
            .iter()
            .map(|user| HeldGrants {
                user: *user,
                count: self
                    .work
                    .grants
                    .values()
                    .filter(|g| g.coupon_id == coupon_id && g.user == *user)
                    .count() as i64,
            })
            .filter(|h| h.count > 0)
            .collect())
    }

    async fn move_stock(&mut self, stock: &StockMove) -> Result<bool, StorageError> {
        match self.work.coupons.get_mut(&stock.coupon_id) {
            Some(coupon) if coupon.has_total == stock.from => {
                coupon.has_total = stock.to;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn insert_grants(
        &mut self,
        actor: Option<UserId>,
        coupon: &Coupon,
        users: &[UserId],
    ) -> Result<Vec<i64>, StorageError> {
        let mut ids = Vec::with_capacity(users.len());
        for user in users {
            let id = self.work.next_id();
            self.work.grants.insert(
                id,
                StoredGrant {
                    user: *user,
                    coupon_id: coupon.id,
                    order_id: None,
                    use_status: UseStatus::Unused,
                    use_time: None,
                },
            );
            if let Some(actor) = actor {
                self.work.audit.push((actor, "coupon.grant", id));
            }
            ids.push(id);
        }
        Ok(ids)
    }

    async fn update_coupon(
        &mut self,
        actor: UserId,
        update: &CouponUpdate,
    ) -> Result<bool, StorageError> {
        let Some(coupon) = self.work.coupons.get(&update.coupon_id) else {
            return Ok(false);
        };
        if coupon.has_total != update.stock.from {
            return Ok(false);
        }
        let changed = update.applied_to(coupon);
        self.work.coupons.insert(update.coupon_id, changed);
        self.work
            .audit
            .push((actor, "coupon.update", update.coupon_id));
        Ok(true)
    }

    async fn lock_grant(&mut self, grant_id: i64) -> Result<Option<UserCoupon>, StorageError> {
        Ok(self.work.user_coupon(grant_id))
    }

    async fn delete_grant(
        &mut self,
        actor: UserId,
        grant_id: i64,
        status: UseStatus,
    ) -> Result<bool, StorageError> {
        let deletable = self
            .work
            .grants
            .get(&grant_id)
            .is_some_and(|g| g.use_status == status && g.order_id.is_none());
        if deletable {
            self.work.grants.remove(&grant_id);
            self.work
                .audit
                .push((actor, "coupon_grant.revoke", grant_id));
        }
        Ok(deletable)
    }

    async fn commit(self) -> Result<(), StorageError> {
        let mut shared = self
            .shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *shared = self.work;
        Ok(())
    }
}
