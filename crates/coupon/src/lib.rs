//! Coupons (SPEC 2.4): scopes (all, direction, category, course), `-N` reductions and `*0.xx`
//! discounts, a minimum price, a validity window, and per-user grants ("coupon logs").
//! PostgreSQL is the single source of truth; the repository port is [`CouponStore`].

pub mod coupon;
pub mod grant;
pub mod new_coupon;
pub mod repository;
pub mod service;

pub use coupon::{Coupon, CouponKind, CouponScope, GetType, ScopeItem};
pub use grant::{UseStatus, UserCoupon};
pub use new_coupon::{CouponDraft, InvalidCoupon, NewCoupon, NewScope};
pub use repository::{
    ClaimError, CouponChange, CouponStats, CouponStore, CreateCouponError, GrantError, GrantRecord,
    RevokeError, UpdateCouponError,
};
pub use service::CouponService;

/// The README's example, compiled and run as a doctest so it cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
