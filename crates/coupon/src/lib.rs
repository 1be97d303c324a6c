//! Coupons (SPEC 2.4): scopes (all, direction, category, course), `-N` reductions and `*0.xx`
//! discounts, minimum price, validity window and per-user grants.
//!
//! The rules and the `CouponRepository` port arrive with the checkout issue; this crate holds
//! the place in the workspace so the dependency graph is fixed from the start.
