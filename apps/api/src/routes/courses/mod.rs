//! The public catalog: course list and detail with the computed promotion.

pub mod detail;
pub mod list;
pub mod view;
