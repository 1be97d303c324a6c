//! The coupon storage ports, split by who uses them: [`CouponStore`] for the buyer's reads and
//! to open a [`CouponTx`], the one transaction every coupon change runs in, and
//! [`CouponBackOffice`] for what operators list. The service reads through the transaction,
//! decides with [`crate::rules`] and writes the decision back: the adapter only loads and
//! writes, with grant states bound from [`UseStatus`].
//!
//! A transaction dropped without `commit` is rolled back (the adapter discards the
//! connection), so a refusal, an error or a cancelled request leaves nothing half-done.

use std::future::Future;

use luffy_common::{Page, PageRequest, StorageError, UserId};

use crate::coupon::Coupon;
use crate::grant::{UseStatus, UserCoupon};
use crate::new_coupon::NewCoupon;
use crate::records::{CouponStats, GrantRecord};
use crate::rules::{CouponUpdate, HeldGrants, StockMove};

/// The buyer's coupon reads, and the transaction that changes coupons and grants.
pub trait CouponStore: Clone + Send + Sync + 'static {
    /// One transaction.
    type Tx: CouponTx;

    /// Opens a transaction. Errors: `Storage` (unavailable when no connection is free).
    fn begin(&self) -> impl Future<Output = Result<Self::Tx, StorageError>> + Send;

    /// A user's grants in `status` that no order holds, newest first, with their coupons.
    fn unreserved_grants(
        &self,
        user: UserId,
        status: UseStatus,
    ) -> impl Future<Output = Result<Vec<UserCoupon>, StorageError>> + Send;
}

/// What operators list about coupons.
pub trait CouponBackOffice: Send + Sync {
    /// Coupons with their stock counts, newest first.
    fn list(
        &self,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<CouponStats>, StorageError>> + Send;

    /// One coupon with its stock counts; `None` when it does not exist.
    fn stats(
        &self,
        coupon_id: i64,
    ) -> impl Future<Output = Result<Option<CouponStats>, StorageError>> + Send;

    /// A coupon's grants, newest first; `None` when the coupon does not exist.
    fn grants(
        &self,
        coupon_id: i64,
        page: PageRequest,
    ) -> impl Future<Output = Result<Option<Page<GrantRecord>>, StorageError>> + Send;
}

/// One transaction that changes coupons and grants. The operator's writes (`actor` set) write
/// their audit entries, with the rows before and after, in the same transaction.
pub trait CouponTx: Send {
    /// Inserts a coupon with its scope links, audited for `actor`; `None` when a scope id
    /// names no direction, category or course (the caller rolls back).
    fn insert_coupon(
        &mut self,
        actor: UserId,
        coupon: &NewCoupon,
    ) -> impl Future<Output = Result<Option<Coupon>, StorageError>> + Send;

    /// Locks a coupon's row (`FOR UPDATE`), so that grants, claims and changes of one coupon
    /// take turns, and reads it with its scope.
    fn lock_coupon(
        &mut self,
        coupon_id: i64,
    ) -> impl Future<Output = Result<Option<Coupon>, StorageError>> + Send;

    /// Which of these users exist.
    fn known_users(
        &mut self,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<UserId>, StorageError>> + Send;

    /// How many grants of the coupon each of these users holds (users holding none are absent).
    fn held_grants(
        &mut self,
        coupon_id: i64,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<HeldGrants>, StorageError>> + Send;

    /// Moves the stock left with a guarded update (`has_total` must still be `from`); false
    /// when it was not (then nothing moved).
    fn move_stock(
        &mut self,
        stock: &StockMove,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Inserts one unused grant of the coupon per listed user, in the list's order, and
    /// answers their ids; audited one entry per grant when an operator (`actor`) grants.
    fn insert_grants(
        &mut self,
        actor: Option<UserId>,
        coupon: &Coupon,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<i64>, StorageError>> + Send;

    /// Stores a decided change of a coupon with its stock move (guarded like
    /// [`CouponTx::move_stock`]), audited for `actor`; false when the guard matched nothing.
    fn update_coupon(
        &mut self,
        actor: UserId,
        update: &CouponUpdate,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Locks a grant's row and reads it with its coupon (not locked).
    fn lock_grant(
        &mut self,
        grant_id: i64,
    ) -> impl Future<Output = Result<Option<UserCoupon>, StorageError>> + Send;

    /// Deletes a grant if it is still in `status` and held by no order, audited for `actor`;
    /// false when it was not.
    fn delete_grant(
        &mut self,
        actor: UserId,
        grant_id: i64,
        status: UseStatus,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Commits.
    fn commit(self) -> impl Future<Output = Result<(), StorageError>> + Send;
}
