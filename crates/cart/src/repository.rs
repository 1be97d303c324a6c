//! The cart's storage port.

use std::future::Future;

use luffy_common::{CourseId, StorageError, UserId};

use crate::item::CartEntry;

/// Per-user cart storage. Every method is atomic for one user; adapters report an unreachable
/// store as `StorageError::Unavailable`.
pub trait CartStore: Send + Sync {
    /// Puts `course` in the cart in selected state (adding again re-selects it) and returns the
    /// number of items now in the cart.
    fn add(
        &self,
        user: UserId,
        course: CourseId,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// All entries, in course id order.
    fn entries(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<CartEntry>, StorageError>> + Send;

    /// Sets one entry's selected flag; returns false (and changes nothing) if it is not in the cart.
    fn set_selected(
        &self,
        user: UserId,
        course: CourseId,
        selected: bool,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Sets every entry's selected flag.
    fn set_all_selected(
        &self,
        user: UserId,
        selected: bool,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Removes `courses` (missing ones are ignored) and returns the number of items left.
    /// Checkout uses it to remove exactly the ordered courses.
    fn remove(
        &self,
        user: UserId,
        courses: &[CourseId],
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Number of items in the cart.
    fn count(&self, user: UserId) -> impl Future<Output = Result<u64, StorageError>> + Send;
}
