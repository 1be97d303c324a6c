//! Operator routes (staff only, SPEC 3): coupons with scopes, grants, revokes, points, the
//! balance, account states, jobs, and the audit trail every write here leaves.

pub mod adjust_credit;
pub mod audit;
pub mod catalog;
pub mod coupons;
pub mod create_coupon;
pub mod dead_jobs;
pub mod grant_coupon;
pub mod job_stats;
pub mod orders;
pub mod reconciliations;
pub mod refunds;
pub mod revoke_grant;
pub mod taxonomy;
pub mod top_up;
pub mod update_user;
pub mod upload;
pub mod users;
