//! The tutorial's coupon item: scalar fields as strings, scope lists with Django-style keys.

use luffy_coupon::{CouponScope, UserCoupon};
use serde::Serialize;
use serde_json::{json, Value};

use crate::dto::time::store_time;

/// One coupon grant as the tutorial's client reads it.
#[derive(Debug, Serialize)]
pub struct CouponItem {
    user_coupon_id: i64,
    coupon_id: String,
    name: String,
    discount: String,
    get_discount_display: &'static str,
    coupon_type: String,
    get_coupon_type_display: &'static str,
    start_time: String,
    end_time: String,
    get_type: String,
    get_get_type_display: &'static str,
    condition: String,
    sale: String,
    to_direction: Vec<Value>,
    to_category: Vec<Value>,
    to_course: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_course: Option<Value>,
}

impl CouponItem {
    /// Renders a grant in the store timezone.
    pub fn new(grant: &UserCoupon, timezone: chrono_tz::Tz) -> Self {
        let coupon = &grant.coupon;
        let list = |scope: &CouponScope, id_key: &str, name_key: &str| -> Vec<Value> {
            let items = match scope {
                CouponScope::Directions(items) if id_key.starts_with("direction") => items,
                CouponScope::Categories(items) if id_key.starts_with("category") => items,
                CouponScope::Courses(items) if id_key.starts_with("course") => items,
                _ => return Vec::new(),
            };
            items
                .iter()
                .map(|i| json!({id_key: i.id, name_key: i.name}))
                .collect()
        };
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
            to_direction: list(&coupon.scope, "direction__id", "direction__name"),
            to_category: list(&coupon.scope, "category__id", "category__name"),
            to_course: list(&coupon.scope, "course__id", "course__name"),
            enable_course: None,
        }
    }

    /// Adds `enable_course`: `"__all__"` for all-course coupons, else the usable course ids.
    pub fn with_enable_course(mut self, value: Value) -> Self {
        self.enable_course = Some(value);
        self
    }
}
