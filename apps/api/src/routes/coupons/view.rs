//! The tutorial's coupon item: scalar fields as strings, scope lists with Django-style keys.

use luffy_coupon::{CouponScope, ScopeItem, UserCoupon};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::time::store_time;

/// A direction in a coupon's scope, with the Django-style keys the client reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectionRef {
    #[serde(rename = "direction__id")]
    id: i64,
    #[serde(rename = "direction__name")]
    name: String,
}

/// A category in a coupon's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRef {
    #[serde(rename = "category__id")]
    id: i64,
    #[serde(rename = "category__name")]
    name: String,
}

/// A course in a coupon's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseRef {
    #[serde(rename = "course__id")]
    id: i64,
    #[serde(rename = "course__name")]
    name: String,
}

/// Which selected courses a coupon can discount.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EnableCourse {
    /// `"__all__"`: an all-course coupon.
    All(&'static str),
    /// The usable course ids.
    Courses(Vec<i64>),
}

/// One coupon grant as the tutorial's client reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponItem {
    /// The grant id to check out with.
    user_coupon_id: i64,
    /// Coupon id.
    coupon_id: String,
    /// Name.
    name: String,
    /// 1 减免, 2 折扣.
    discount: String,
    /// Its name.
    get_discount_display: &'static str,
    /// 0 all, 1 directions, 2 categories, 3 courses.
    coupon_type: String,
    /// Its name.
    get_coupon_type_display: &'static str,
    /// Store time.
    start_time: String,
    /// Store time.
    end_time: String,
    /// 0 granted, 1 claimable.
    get_type: String,
    /// Its name.
    get_get_type_display: &'static str,
    /// Least price.
    condition: String,
    /// `-N` or `*0.xx`.
    sale: String,
    /// Directions in scope.
    to_direction: Vec<DirectionRef>,
    /// Categories in scope.
    to_category: Vec<CategoryRef>,
    /// Courses in scope.
    to_course: Vec<CourseRef>,
    /// `/coupon/enable/` only: `"__all__"` or the usable course ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_course: Option<EnableCourse>,
}

/// A scope's items in one of the reference shapes.
fn refs<T>(items: &[ScopeItem], make: impl Fn(i64, String) -> T) -> Vec<T> {
    items.iter().map(|i| make(i.id, i.name.clone())).collect()
}

impl CouponItem {
    /// Renders a grant in the store timezone.
    pub fn new(grant: &UserCoupon, timezone: chrono_tz::Tz) -> Self {
        let coupon = &grant.coupon;
        let (mut to_direction, mut to_category, mut to_course) =
            (Vec::new(), Vec::new(), Vec::new());
        match &coupon.scope {
            CouponScope::Directions(items) => {
                to_direction = refs(items, |id, name| DirectionRef { id, name });
            }
            CouponScope::Categories(items) => {
                to_category = refs(items, |id, name| CategoryRef { id, name });
            }
            CouponScope::Courses(items) => {
                to_course = refs(items, |id, name| CourseRef { id, name })
            }
            CouponScope::All => {}
        }
        Self {
            user_coupon_id: grant.id,
            coupon_id: coupon.id.to_string(),
            name: coupon.name.clone(),
            discount: coupon.kind.code().to_string(),
            get_discount_display: coupon.kind.display_name(),
            coupon_type: coupon.scope.code().to_string(),
            get_coupon_type_display: coupon.scope.display_name(),
            start_time: store_time(coupon.starts_at, timezone),
            end_time: store_time(coupon.ends_at, timezone),
            get_type: coupon.get_type.code().to_string(),
            get_get_type_display: coupon.get_type.display_name(),
            condition: coupon.condition.to_string(),
            sale: coupon.sale.to_string(),
            to_direction,
            to_category,
            to_course,
            enable_course: None,
        }
    }

    /// Adds `enable_course`: `"__all__"` for all-course coupons, else the usable course ids.
    pub fn with_enable_course(mut self, value: EnableCourse) -> Self {
        self.enable_course = Some(value);
        self
    }
}
