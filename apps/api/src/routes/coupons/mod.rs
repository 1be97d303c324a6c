//! Coupons for buyers (SPEC 2.4, 3): available coupons, the ones usable for the current
//! selection, and self-claim.

pub mod claim;
pub mod enable;
pub mod list;
pub mod view;
