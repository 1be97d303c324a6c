//! The coupon storage port. Grants and claims decrement `has_total` atomically and never
//! below zero; the adapter runs each operation in one transaction.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{StorageError, UserId};

use crate::coupon::Coupon;
use crate::grant::UserCoupon;
use crate::new_coupon::NewCoupon;

/// Why a grant was refused.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// One of the users does not exist.
    #[error("用户不存在!")]
    UserNotFound,
    /// Fewer left than users to grant to; nothing was granted.
    #[error("优惠券已发放完毕!")]
    SoldOut,
    /// A user would exceed `per_limit`; nothing was granted.
    #[error("超过每人限领数量!")]
    LimitReached,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a coupon could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateCouponError {
    /// A scope id names no direction, category or course.
    #[error("优惠券适用范围中有不存在的方向、分类或课程!")]
    UnknownScope,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a revoke was refused.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// No such grant.
    #[error("优惠券记录不存在!")]
    NotFound,
    /// The grant is used or reserved by an order.
    #[error("优惠券已使用或已被订单占用,无法撤回!")]
    InUse,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a self-claim was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// The coupon is operator-granted only.
    #[error("该优惠券不能自行领取!")]
    NotClaimable,
    /// Outside the validity window.
    #[error("优惠券不在有效期内!")]
    NotValid,
    /// None left.
    #[error("优惠券已发放完毕!")]
    SoldOut,
    /// The user holds `per_limit` already.
    #[error("超过每人限领数量!")]
    LimitReached,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Coupon storage. The operator writes (`create`, `grant`, `revoke`) record an audit entry
/// for `actor` in their own transaction.
pub trait CouponStore: Send + Sync {
    /// A user's grants that are available at `now` (unused, unreserved, in window), newest
    /// first. Errors: `Storage`.
    fn available_for(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<UserCoupon>, StorageError>> + Send;

    /// Inserts a coupon with its scope links in one transaction. Errors: `UnknownScope` when a
    /// scope id names nothing (and nothing is written); `Storage`.
    fn create(
        &self,
        actor: UserId,
        coupon: NewCoupon,
    ) -> impl Future<Output = Result<Coupon, CreateCouponError>> + Send;

    /// Grants one coupon to each user, decrementing `has_total` by the number of users in the
    /// same transaction (all or nothing). Returns the new grant ids.
    fn grant(
        &self,
        actor: UserId,
        coupon_id: i64,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<i64>, GrantError>> + Send;

    /// Deletes an unused, unreserved grant and gives its unit back to `has_total`.
    fn revoke(
        &self,
        actor: UserId,
        grant_id: i64,
    ) -> impl Future<Output = Result<(), RevokeError>> + Send;

    /// A user claims a self-claim coupon, respecting `per_limit` and `has_total` under
    /// concurrency. Returns the grant id.
    fn claim(
        &self,
        user: UserId,
        coupon_id: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<i64, ClaimError>> + Send;
}
