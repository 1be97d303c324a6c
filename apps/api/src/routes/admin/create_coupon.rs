//! `POST /admin/coupons/`: create a coupon with its scope.

use actix_web::{web, HttpResponse};
use luffy_coupon::new_coupon::CouponDraft;
use luffy_coupon::{NewCoupon, UseStatus, UserCoupon};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::dto::time::parse_store_time;
use crate::error::ApiError;
use crate::routes::coupons::view::CouponItem;
use crate::state::AppState;

/// The coupon form; times are RFC 3339 or `YYYY-MM-DD HH:MM:SS` in the store timezone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponForm {
    /// 1-50 characters.
    name: String,
    /// 1 减免, 2 折扣.
    #[serde(deserialize_with = "flexible::integer")]
    discount: i64,
    /// 0 all, 1 directions, 2 categories, 3 courses.
    #[serde(deserialize_with = "flexible::integer")]
    coupon_type: i64,
    /// Ids in scope; empty for type 0.
    #[serde(default)]
    scope_ids: Vec<i64>,
    /// How many may be granted.
    #[serde(deserialize_with = "flexible::integer")]
    total: i64,
    /// `YYYY-MM-DD HH:MM:SS` (store time) or RFC 3339.
    start_time: String,
    /// After start_time.
    end_time: String,
    /// 0 granted (default), 1 claimable.
    #[serde(default, deserialize_with = "flexible::integer")]
    get_type: i64,
    /// Least course price (default 0).
    #[serde(default, deserialize_with = "flexible::integer")]
    condition: i64,
    /// Grants per user (default 1).
    #[serde(default = "one", deserialize_with = "flexible::integer")]
    per_limit: i64,
    /// `-N` (reduction) or `*0.xx` (percent).
    sale: String,
}

fn one() -> i64 {
    1
}

fn small(value: i64, field: &str) -> Result<i16, ApiError> {
    i16::try_from(value).map_err(|_| ApiError::bad_request(format!("参数 {field} 超出范围!")))
}

/// Validates with the coupon crate's rules, then saves coupon and scope in one transaction.
pub async fn create_coupon(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<CouponForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let time = |text: &str, field: &str| {
        parse_store_time(text, state.timezone).ok_or_else(|| {
            ApiError::bad_request(format!(
                "参数 {field} 的时间格式应为 YYYY-MM-DD HH:MM:SS 或 RFC 3339!"
            ))
        })
    };
    let draft = CouponDraft {
        name: form.name,
        discount: small(form.discount, "discount")?,
        coupon_type: small(form.coupon_type, "coupon_type")?,
        scope_ids: form.scope_ids,
        total: form.total,
        starts_at: time(&form.start_time, "start_time")?,
        ends_at: time(&form.end_time, "end_time")?,
        get_type: small(form.get_type, "get_type")?,
        condition: form.condition,
        per_limit: form.per_limit,
        sale: form.sale,
    };
    let coupon = NewCoupon::validate(draft).map_err(|e| ApiError::BadRequest(e.0))?;
    let coupon = state.coupons.create(staff.0.id, coupon).await?;
    // Shown in the same item shape, with no grant yet (user_coupon_id 0).
    let preview = UserCoupon {
        id: 0,
        user: luffy_common::UserId(0),
        coupon,
        order_id: None,
        use_status: UseStatus::Unused,
        use_time: None,
    };
    Ok(HttpResponse::Created().json(CouponItem::new(&preview, state.timezone)))
}
