//! The coupon use cases: the buyer's usable grants and claims, and the operator's create,
//! grant, change and revoke. Each change is load → decide → write in one transaction: the
//! store locks and reads, [`crate::rules`] decides, the store writes the decision, and the
//! clock says what "now" is.

use luffy_common::{Clock, Page, PageRequest, StorageError, UserId};

use crate::change::CouponChange;
use crate::coupon::Coupon;
use crate::errors::{ClaimError, CreateCouponError, GrantError, RevokeError, UpdateCouponError};
use crate::grant::{UseStatus, UserCoupon};
use crate::new_coupon::NewCoupon;
use crate::ports::{CouponBackOffice, CouponStore, CouponTx};
use crate::records::{CouponStats, GrantRecord};
use crate::rules::{self, StockMove, MAX_GRANT_BATCH};

/// Coupon use cases over the coupon store.
#[derive(Clone)]
pub struct CouponService<S, K> {
    store: S,
    clock: K,
}

/// A guarded write that matched nothing although its row was locked: a bug, never a refusal.
fn lost_guard(what: &str) -> StorageError {
    StorageError::Unexpected(anyhow::anyhow!("{what}: the guarded update matched no row"))
}

/// Moves the stock as decided; the coupon's row is locked, so a miss is a bug.
async fn move_stock<T: CouponTx>(tx: &mut T, stock: &StockMove) -> Result<(), StorageError> {
    if tx.move_stock(stock).await? {
        Ok(())
    } else {
        Err(lost_guard("moving a coupon's stock"))
    }
}

impl<S: CouponStore, K: Clock> CouponService<S, K> {
    /// Wires the store and the clock.
    pub fn new(store: S, clock: K) -> Self {
        Self { store, clock }
    }

    /// The buyer's grants usable now (unused, held by no order, coupon on and in its window),
    /// newest first.
    pub async fn available_for(&self, user: UserId) -> Result<Vec<UserCoupon>, StorageError> {
        let now = self.clock.now();
        let mut grants = self
            .store
            .unreserved_grants(user, UseStatus::Unused)
            .await?;
        grants.retain(|grant| grant.is_available(now));
        Ok(grants)
    }

    /// The buyer claims a self-claim coupon (window, per-user limit and stock decided under the
    /// coupon's row lock, so they hold under concurrency); answers the grant id.
    pub async fn claim(&self, user: UserId, coupon_id: i64) -> Result<i64, ClaimError> {
        let mut tx = self.store.begin().await?;
        let coupon = tx
            .lock_coupon(coupon_id)
            .await?
            .ok_or(ClaimError::CouponNotFound)?;
        let held = tx
            .held_grants(coupon_id, &[user])
            .await?
            .iter()
            .map(|h| h.count)
            .sum();
        let stock = rules::decide_claim(&coupon, held, self.clock.now())?;
        move_stock(&mut tx, &stock).await?;
        let ids = tx.insert_grants(None, &coupon, &[user]).await?;
        tx.commit().await?;
        ids.first()
            .copied()
            .ok_or_else(|| lost_guard("inserting a claimed grant").into())
    }

    /// An operator (`actor`) creates a validated coupon.
    pub async fn create(
        &self,
        actor: UserId,
        coupon: NewCoupon,
    ) -> Result<Coupon, CreateCouponError> {
        let mut tx = self.store.begin().await?;
        let created = tx
            .insert_coupon(actor, &coupon)
            .await?
            .ok_or(CreateCouponError::UnknownScope)?;
        tx.commit().await?;
        Ok(created)
    }

    /// An operator (`actor`) grants a coupon to users, all or nothing (a user listed twice
    /// gets two grants); answers the grant ids in the list's order.
    pub async fn grant(
        &self,
        actor: UserId,
        coupon_id: i64,
        users: &[UserId],
    ) -> Result<Vec<i64>, GrantError> {
        if users.is_empty() || users.len() > MAX_GRANT_BATCH {
            return Err(GrantError::BatchSize);
        }
        let mut tx = self.store.begin().await?;
        let coupon = tx
            .lock_coupon(coupon_id)
            .await?
            .ok_or(GrantError::CouponNotFound)?;
        let distinct = rules::distinct_users(users);
        let known = tx.known_users(&distinct).await?;
        let held = tx.held_grants(coupon_id, &distinct).await?;
        let stock = rules::decide_grant(&coupon, users, &known, &held)?;
        move_stock(&mut tx, &stock).await?;
        let ids = tx.insert_grants(Some(actor), &coupon, users).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// An operator (`actor`) changes a coupon's name, window, stock, per-user limit or switch.
    pub async fn update(
        &self,
        actor: UserId,
        coupon_id: i64,
        change: CouponChange,
    ) -> Result<Coupon, UpdateCouponError> {
        change.validate()?;
        let mut tx = self.store.begin().await?;
        let coupon = tx
            .lock_coupon(coupon_id)
            .await?
            .ok_or(UpdateCouponError::NotFound)?;
        let update = rules::decide_change(&coupon, &change)?;
        if !tx.update_coupon(actor, &update).await? {
            return Err(lost_guard("changing a coupon").into());
        }
        tx.commit().await?;
        Ok(update.applied_to(&coupon))
    }

    /// An operator (`actor`) revokes an unused grant that no order holds; its unit returns to
    /// the coupon's stock.
    pub async fn revoke(&self, actor: UserId, grant_id: i64) -> Result<(), RevokeError> {
        let mut tx = self.store.begin().await?;
        let grant = tx
            .lock_grant(grant_id)
            .await?
            .ok_or(RevokeError::NotFound)?;
        rules::decide_revoke(&grant)?;
        // Lock the coupon too: its stock moves from what is read under the lock.
        let coupon = tx
            .lock_coupon(grant.coupon.id)
            .await?
            .ok_or(RevokeError::NotFound)?;
        if !tx.delete_grant(actor, grant_id, UseStatus::Unused).await? {
            return Err(lost_guard("revoking a grant").into());
        }
        move_stock(&mut tx, &coupon.return_stock()).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl<S: CouponBackOffice, K> CouponService<S, K> {
    /// Coupons with their stock counts, newest first.
    pub async fn list(&self, page: PageRequest) -> Result<Page<CouponStats>, StorageError> {
        self.store.list(page).await
    }

    /// One coupon with its stock counts; `None` when it does not exist.
    pub async fn stats(&self, coupon_id: i64) -> Result<Option<CouponStats>, StorageError> {
        self.store.stats(coupon_id).await
    }

    /// A coupon's grants, newest first; `None` when the coupon does not exist.
    pub async fn grants(
        &self,
        coupon_id: i64,
        page: PageRequest,
    ) -> Result<Option<Page<GrantRecord>>, StorageError> {
        self.store.grants(coupon_id, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builders::coupon_at;
    use crate::coupon::GetType;
    use crate::fake::InMemoryCoupons;
    use chrono::{Duration, Utc};
    use luffy_common::FixedClock;
    use proptest::prelude::*;

    fn service(coupons: Vec<Coupon>, users: &[i64]) -> CouponService<InMemoryCoupons, FixedClock> {
        let users = users.iter().map(|id| UserId(*id)).collect();
        CouponService::new(InMemoryCoupons::new(coupons, users), FixedClock(Utc::now()))
    }

    fn left(service: &CouponService<InMemoryCoupons, FixedClock>) -> i32 {
        service.store.state().coupons[&1].has_total
    }

    #[tokio::test]
    async fn a_grant_takes_stock_and_audits_each_grant_or_changes_nothing() {
        let now = Utc::now();
        let coupons = service(
            vec![Coupon {
                has_total: 3,
                ..coupon_at(now)
            }],
            &[1, 2, 3, 4],
        );
        let ids = coupons
            .grant(UserId(9), 1, &[UserId(1), UserId(2)])
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(left(&coupons), 1);
        assert_eq!(coupons.store.state().audit.len(), 2);
        let refused = coupons.grant(UserId(9), 1, &[UserId(3), UserId(4)]).await;
        assert!(matches!(refused, Err(GrantError::SoldOut)));
        let again = coupons.grant(UserId(9), 1, &[UserId(1)]).await;
        assert!(matches!(again, Err(GrantError::LimitReached)));
        assert_eq!(left(&coupons), 1, "a refused grant takes nothing");
        assert_eq!(coupons.store.state().grants.len(), 2);
        assert!(matches!(
            coupons.grant(UserId(9), 2, &[UserId(1)]).await,
            Err(GrantError::CouponNotFound)
        ));
        let too_many = vec![UserId(1); MAX_GRANT_BATCH + 1];
        assert!(matches!(
            coupons.grant(UserId(9), 1, &too_many).await,
            Err(GrantError::BatchSize)
        ));
    }

    #[tokio::test]
    async fn a_claim_respects_the_window_the_limit_and_the_stock() {
        let now = Utc::now();
        let claimable = Coupon {
            get_type: GetType::SelfClaim,
            has_total: 1,
            per_limit: 1,
            ..coupon_at(now)
        };
        let coupons = service(vec![claimable], &[1, 2]);
        let grant = coupons.claim(UserId(1), 1).await.unwrap();
        assert!(coupons.store.state().grants.contains_key(&grant));
        assert!(matches!(
            coupons.claim(UserId(1), 1).await,
            Err(ClaimError::LimitReached)
        ));
        assert!(matches!(
            coupons.claim(UserId(2), 1).await,
            Err(ClaimError::SoldOut)
        ));
        assert_eq!(left(&coupons), 0);
        assert!(
            coupons.store.state().audit.is_empty(),
            "buyers' claims are not audited"
        );
    }

    #[tokio::test]
    async fn usable_grants_are_unused_unreserved_and_in_their_window() {
        let now = Utc::now();
        let expired = Coupon {
            id: 2,
            ends_at: now - Duration::hours(1),
            starts_at: now - Duration::days(2),
            ..coupon_at(now)
        };
        let coupons = service(vec![coupon_at(now), expired], &[1]);
        let first = coupons.grant(UserId(9), 1, &[UserId(1)]).await.unwrap();
        coupons.grant(UserId(9), 2, &[UserId(1)]).await.unwrap();
        let usable = coupons.available_for(UserId(1)).await.unwrap();
        assert_eq!(usable.iter().map(|g| g.id).collect::<Vec<_>>(), first);
        coupons
            .store
            .state()
            .grants
            .get_mut(&first[0])
            .unwrap()
            .order_id = Some(5);
        assert!(coupons.available_for(UserId(1)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_revoke_gives_the_unit_back_once() {
        let now = Utc::now();
        let coupons = service(vec![coupon_at(now)], &[1]);
        let ids = coupons.grant(UserId(9), 1, &[UserId(1)]).await.unwrap();
        assert_eq!(left(&coupons), 9);
        coupons.revoke(UserId(9), ids[0]).await.unwrap();
        assert_eq!(left(&coupons), 10);
        assert!(matches!(
            coupons.revoke(UserId(9), ids[0]).await,
            Err(RevokeError::NotFound)
        ));
        let ids = coupons.grant(UserId(9), 1, &[UserId(1)]).await.unwrap();
        coupons
            .store
            .state()
            .grants
            .get_mut(&ids[0])
            .unwrap()
            .order_id = Some(5);
        assert!(matches!(
            coupons.revoke(UserId(9), ids[0]).await,
            Err(RevokeError::InUse)
        ));
        assert_eq!(left(&coupons), 9);
    }

    #[tokio::test]
    async fn a_change_is_decided_against_the_stored_coupon() {
        let now = Utc::now();
        let coupons = service(vec![coupon_at(now)], &[1, 2]);
        coupons
            .grant(UserId(9), 1, &[UserId(1), UserId(2)])
            .await
            .unwrap();
        let fewer = CouponChange {
            total: Some(1),
            ..CouponChange::default()
        };
        assert!(matches!(
            coupons.update(UserId(9), 1, fewer).await,
            Err(UpdateCouponError::StockBelowGranted)
        ));
        let changed = coupons
            .update(
                UserId(9),
                1,
                CouponChange {
                    total: Some(4),
                    enabled: Some(false),
                    ..CouponChange::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (changed.total, changed.has_total, changed.enabled),
            (4, 2, false)
        );
        assert_eq!(coupons.store.state().coupons[&1], changed);
        assert!(matches!(
            coupons.grant(UserId(9), 1, &[UserId(1)]).await,
            Err(GrantError::Disabled)
        ));
    }

    proptest! {
        /// Any sequence of grants, claims and revokes keeps the books: what is left plus what
        /// is granted is what was issued, and nobody holds more than the per-user limit.
        #[test]
        fn stock_and_grants_always_add_up(
            steps in proptest::collection::vec((0u8..3, 1i64..5, 1usize..4), 1..30),
        ) {
            let now = Utc::now();
            let coupon = Coupon {
                get_type: GetType::SelfClaim,
                total: 8,
                has_total: 8,
                per_limit: 2,
                ..coupon_at(now)
            };
            let coupons = service(vec![coupon], &[1, 2, 3, 4]);
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                for (kind, user, count) in steps {
                    match kind {
                        0 => {
                            let _ = coupons.grant(UserId(9), 1, &vec![UserId(user); count]).await;
                        }
                        1 => {
                            let _ = coupons.claim(UserId(user), 1).await;
                        }
                        _ => {
                            let id = coupons.store.state().grants.keys().next().copied();
                            if let Some(id) = id {
                                let _ = coupons.revoke(UserId(9), id).await;
                            }
                        }
                    }
                }
            });
            let state = coupons.store.state();
            let granted = state.grants.len() as i32;
            prop_assert_eq!(state.coupons[&1].has_total + granted, 8);
            for user in 1..5 {
                let held = state.grants.values().filter(|g| g.user == UserId(user)).count();
                prop_assert!(held <= 2);
            }
        }
    }
}
