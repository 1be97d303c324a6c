//! Building blocks shared by every luffy crate: typed ids, money rounding, a clock port,
//! paging and the storage error kinds adapters report.
//!
//! ---
#![doc = include_str!("../README.md")]

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
