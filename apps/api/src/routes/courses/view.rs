//! The course JSON shape shared by the catalog and the cart (SPEC 3).

use chrono::{DateTime, Utc};
use luffy_catalog::{Course, CourseDiscount};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dto::money;

/// The `discount` object: `{}` without a running promotion; `price` only when it applies.
#[derive(Debug, Serialize)]
pub struct DiscountView {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire: Option<i64>,
    #[serde(
        with = "money::optional_number",
        skip_serializing_if = "Option::is_none"
    )]
    price: Option<Decimal>,
}

impl From<&CourseDiscount> for DiscountView {
    fn from(discount: &CourseDiscount) -> Self {
        Self {
            type_name: discount.type_name.clone(),
            expire: discount.expire,
            price: discount.price,
        }
    }
}

/// A named reference (direction or category).
#[derive(Debug, Serialize)]
pub struct NamedRef {
    id: i64,
    name: String,
}

/// A course as the catalog shows it.
#[derive(Debug, Serialize)]
pub struct CourseView {
    id: i64,
    name: String,
    course_cover: String,
    course_type: &'static str,
    #[serde(with = "money::number")]
    price: Decimal,
    credit: i32,
    discount: DiscountView,
    direction: NamedRef,
    category: NamedRef,
}

impl CourseView {
    /// Renders a course with its discount at `now`.
    pub fn new(course: &Course, now: DateTime<Utc>) -> Self {
        Self {
            id: course.id.get(),
            name: course.name.clone(),
            course_cover: course.course_cover.clone(),
            course_type: course.course_type.display_name(),
            price: course.price,
            credit: course.credit,
            discount: DiscountView::from(&course.discount_at(now)),
            direction: NamedRef {
                id: course.direction.id,
                name: course.direction.name.clone(),
            },
            category: NamedRef {
                id: course.category.id,
                name: course.category.name.clone(),
            },
        }
    }
}
