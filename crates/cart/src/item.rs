//! What the cart stores and what it shows.

use chrono::{DateTime, Utc};
use luffy_catalog::{Course, CourseDiscount};
use luffy_common::CourseId;

/// One stored cart field: a course and whether it is selected for checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartEntry {
    /// The course.
    pub course_id: CourseId,
    /// Selected for the next checkout.
    pub selected: bool,
}

/// A cart entry joined with its course and the discount at the time it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    /// The course snapshot.
    pub course: Course,
    /// Its discount at `priced_at`.
    pub discount: CourseDiscount,
    /// Selected for the next checkout.
    pub selected: bool,
}

impl CartLine {
    /// Joins an entry with its course, pricing the promotion at `now`.
    pub fn new(course: Course, selected: bool, now: DateTime<Utc>) -> Self {
        let discount = course.discount_at(now);
        Self {
            course,
            discount,
            selected,
        }
    }
}
