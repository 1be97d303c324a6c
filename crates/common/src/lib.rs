//! Building blocks shared by every luffy crate: typed ids, money rounding, a clock port,
//! paging and the storage error kinds adapters report.

pub mod clock;
pub mod ids;
pub mod money;
pub mod paging;
pub mod storage;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{CourseId, UserId};
pub use paging::{Page, PageRequest};
pub use storage::StorageError;

// Foreign types in the public signatures.
pub use chrono;
pub use rust_decimal;

/// The README's example, compiled and run as a doctest so it cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
