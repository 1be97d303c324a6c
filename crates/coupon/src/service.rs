//! The coupon use cases the API serves: the buyer's usable grants and claims, and the
//! operator's create, grant and revoke, with the clock deciding coupon windows.

use luffy_common::{Clock, Page, PageRequest, StorageError, UserId};

use crate::coupon::Coupon;
use crate::grant::UserCoupon;
use crate::new_coupon::NewCoupon;
use crate::repository::{
    ClaimError, CouponChange, CouponStats, CouponStore, CreateCouponError, GrantError, GrantRecord,
    RevokeError, UpdateCouponError,
};

/// Coupon use cases over the coupon store.
#[derive(Clone)]
pub struct CouponService<S, K> {
    store: S,
    clock: K,
}

impl<S: CouponStore, K: Clock> CouponService<S, K> {
    /// Wires the store and the clock.
    pub fn new(store: S, clock: K) -> Self {
        Self { store, clock }
    }

    /// The buyer's grants usable now.
    pub async fn available_for(&self, user: UserId) -> Result<Vec<UserCoupon>, StorageError> {
        self.store.available_for(user, self.clock.now()).await
    }

    /// The buyer claims a coupon (window, stock and per-user limit checked by the store under
    /// the coupon's row lock); answers the grant id.
    pub async fn claim(&self, user: UserId, coupon_id: i64) -> Result<i64, ClaimError> {
        self.store.claim(user, coupon_id, self.clock.now()).await
    }

    /// An operator (`actor`) creates a validated coupon.
    pub async fn create(
        &self,
        actor: UserId,
        coupon: NewCoupon,
    ) -> Result<Coupon, CreateCouponError> {
        self.store.create(actor, coupon).await
    }

    /// An operator (`actor`) grants a coupon to users; answers the grant ids.
    pub async fn grant(
        &self,
        actor: UserId,
        coupon_id: i64,
        users: &[UserId],
    ) -> Result<Vec<i64>, GrantError> {
        self.store.grant(actor, coupon_id, users).await
    }

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

    /// An operator (`actor`) changes a coupon's name, window, stock, per-user limit or switch.
    pub async fn update(
        &self,
        actor: UserId,
        coupon_id: i64,
        change: CouponChange,
    ) -> Result<Coupon, UpdateCouponError> {
        change.validate()?;
        self.store.update(actor, coupon_id, &change).await
    }

    /// An operator (`actor`) revokes an unused, unreserved grant.
    pub async fn revoke(&self, actor: UserId, grant_id: i64) -> Result<(), RevokeError> {
        self.store.revoke(actor, grant_id).await
    }
}
