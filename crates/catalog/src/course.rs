//! A course as the catalog sells it, with the promotions that may currently apply to it.

use chrono::{DateTime, Utc};
use luffy_common::CourseId;
use rust_decimal::Decimal;

use crate::promotion::{current_discount, CourseDiscount, PromotionLink};

/// The tutorial's three course types; the API shows the Chinese display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseType {
    /// 0 实战课程
    Practical,
    /// 1 会员专享
    MembersOnly,
    /// 2 学位课程
    Degree,
}

impl CourseType {
    /// Maps the stored small integer; unknown values are refused rather than guessed.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Practical),
            1 => Some(Self::MembersOnly),
            2 => Some(Self::Degree),
            _ => None,
        }
    }

    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Practical => 0,
            Self::MembersOnly => 1,
            Self::Degree => 2,
        }
    }

    /// What the tutorial's client prints (`get_course_type_display`).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Practical => "实战课程",
            Self::MembersOnly => "会员专享",
            Self::Degree => "学位课程",
        }
    }
}

/// A learning direction (前端开发, 后端开发...), the widest coupon scope below "all".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Direction {
    /// Row id.
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// A category inside a direction, the middle coupon scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Row id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// The direction this category belongs to.
    pub direction_id: i64,
}

/// A course snapshot: everything checkout and the cart need to price and scope it.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    /// Course id.
    pub id: CourseId,
    /// Display name.
    pub name: String,
    /// URL path of the cover image.
    pub course_cover: String,
    /// Practical, members-only or degree.
    pub course_type: CourseType,
    /// List price, 2 dp.
    pub price: Decimal,
    /// Maximum number of points this course accepts at checkout.
    pub credit: i32,
    /// The course's direction.
    pub direction: Direction,
    /// The course's category.
    pub category: Category,
    /// Hidden courses cannot be bought.
    pub is_show: bool,
    /// Deleted courses cannot be bought.
    pub is_deleted: bool,
    /// Promotion links whose activity has not ended; `discount_at` picks the running one.
    pub promotions: Vec<PromotionLink>,
}

impl Course {
    /// Whether a buyer may put this course in a cart or an order.
    pub fn is_purchasable(&self) -> bool {
        self.is_show && !self.is_deleted
    }

    /// The course's discount object at `now`.
    pub fn discount_at(&self, now: DateTime<Utc>) -> CourseDiscount {
        current_discount(self.price, &self.promotions, now)
    }
}
