//! The public catalog: course list and detail with the computed promotion, and the pages of
//! the tutorial's client (filters, filtered list, chapters).

pub mod browse;
pub mod chapters;
pub mod detail;
pub mod filters;
pub mod list;
pub mod search;
pub mod view;
