//! Coupons: scopes (all, direction, category, course), `-N` reductions and `*0.xx`
//! discounts, a minimum price, a validity window, and per-user grants ("coupon logs").
//!
//! Where a coupon rule lives: [`rules`] decides grants, claims, changes, revokes and stock
//! moves; [`Coupon`] and [`UserCoupon`] say what a coupon discounts and when a grant is usable;
//! [`CouponService`] runs each use case as load → decide → write in one [`CouponTx`].
//! PostgreSQL is the single source of truth; the ports are in [`ports`].
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod change;
pub mod coupon;
pub mod errors;
pub mod grant;
pub mod new_coupon;
pub mod ports;
pub mod records;
pub mod rules;
pub mod service;

#[cfg(any(test, feature = "test-util"))]
pub mod builders;
#[cfg(any(test, feature = "test-util"))]
pub mod fake;

pub use change::CouponChange;
pub use coupon::{Coupon, CouponKind, CouponScope, GetType, ScopeItem, ScopeKind};
pub use errors::{ClaimError, CreateCouponError, GrantError, RevokeError, UpdateCouponError};
pub use grant::{UseStatus, UserCoupon};
pub use new_coupon::{CouponDraft, InvalidCoupon, NewCoupon, NewScope};
pub use ports::{CouponBackOffice, CouponStore, CouponTx};
pub use records::{CouponStats, GrantRecord};
pub use rules::{CouponUpdate, HeldGrants, StockMove, MAX_GRANT_BATCH};
pub use service::CouponService;

// Foreign types in the public signatures.
pub use chrono;
pub use rust_decimal;
