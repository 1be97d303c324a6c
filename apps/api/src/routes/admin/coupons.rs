//! Operators' coupon pages: `GET /admin/coupons/` (with how each coupon's stock is spent),
//! `PATCH /admin/coupons/{id}/` (name, window, stock, per-user limit, on/off; audited) and
//! `GET /admin/coupons/{id}/grants/`. A granted coupon is never deleted: it is switched off.

use actix_web::{web, HttpResponse};
use luffy_coupon::{Coupon, CouponChange, CouponStats, GrantRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::time::{parse_store_time, store_time};
use crate::error::ApiError;
use crate::state::AppState;

/// A coupon as operators see it, with its stock counts where they were read.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminCoupon)]
pub struct AdminCouponView {
    /// Id.
    id: i64,
    /// Name.
    name: String,
    /// 1 reduction, 2 percent.
    discount: i16,
    /// 满减 or 折扣.
    get_discount_display: &'static str,
    /// 0 all, 1 directions, 2 categories, 3 courses.
    coupon_type: i16,
    /// Its display name.
    get_coupon_type_display: &'static str,
    /// The sale formula.
    sale: String,
    /// Minimum price.
    condition: i32,
    /// Issued in all.
    total: i32,
    /// Left.
    has_total: i32,
    /// Per-user limit.
    per_limit: i32,
    /// 0 granted by operators, 1 self-claim.
    get_type: i16,
    /// Valid from (store timezone).
    start_time: String,
    /// Valid until.
    end_time: String,
    /// Switched on.
    is_enabled: bool,
    /// Grants made (list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    granted: Option<i64>,
    /// Grants used by paid orders (list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    used: Option<i64>,
    /// Grants held by unpaid orders (list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    reserved: Option<i64>,
}

impl AdminCouponView {
    fn new(coupon: &Coupon, stats: Option<&CouponStats>, timezone: chrono_tz::Tz) -> Self {
        Self {
            id: coupon.id,
            name: coupon.name.clone(),
            discount: coupon.kind.code(),
            get_discount_display: coupon.kind.display_name(),
            coupon_type: coupon.scope.code(),
            get_coupon_type_display: coupon.scope.display_name(),
            sale: coupon.sale.to_string(),
            condition: coupon.condition,
            total: coupon.total,
            has_total: coupon.has_total,
            per_limit: coupon.per_limit,
            get_type: coupon.get_type.code(),
            start_time: store_time(coupon.starts_at, timezone),
            end_time: store_time(coupon.ends_at, timezone),
            is_enabled: coupon.enabled,
            granted: stats.map(|s| s.granted),
            used: stats.map(|s| s.used),
            reserved: stats.map(|s| s.reserved),
        }
    }
}

/// `{count, next, previous, results: [coupon with granted, used, reserved]}`, newest first.
pub async fn list_coupons(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let request = query.request()?;
    let page = state.coupons.list(request).await?;
    let link = |n: u32| {
        format!(
            "{}/admin/coupons/?page={n}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    let timezone = state.timezone;
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |stats| {
        AdminCouponView::new(&stats.coupon, Some(stats), timezone)
    })))
}

/// What may change; times are RFC 3339 or `YYYY-MM-DD HH:MM:SS` in the store timezone.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CouponChangeBody)]
pub struct CouponChangeForm {
    /// 1 to 64 characters.
    #[serde(default)]
    name: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD HH:MM:SS` (store timezone).
    #[serde(default)]
    start_time: Option<String>,
    /// After the start.
    #[serde(default)]
    end_time: Option<String>,
    /// Issued in all; what is left moves by the same difference and may not go below zero.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    total: Option<i64>,
    /// At least 1.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    per_limit: Option<i64>,
    /// false switches the coupon off: its grants stay but cannot be used, claimed or granted.
    #[serde(default)]
    is_enabled: Option<bool>,
}

/// The changed coupon; 400 for a bad value, 404 for a missing coupon.
pub async fn update_coupon(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<CouponChangeForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let time = |text: &Option<String>, field: &str| {
        text.as_deref()
            .map(|t| {
                parse_store_time(t, state.timezone).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "参数 {field} 的时间格式应为 YYYY-MM-DD HH:MM:SS 或 RFC 3339!"
                    ))
                })
            })
            .transpose()
    };
    let small = |value: Option<i64>, field: &str| {
        value
            .map(|v| {
                i32::try_from(v)
                    .map_err(|_| ApiError::bad_request(format!("参数 {field} 超出范围!")))
            })
            .transpose()
    };
    let change = CouponChange {
        name: form.name,
        starts_at: time(&form.start_time, "start_time")?,
        ends_at: time(&form.end_time, "end_time")?,
        total: small(form.total, "total")?,
        per_limit: small(form.per_limit, "per_limit")?,
        enabled: form.is_enabled,
    };
    let coupon = state
        .coupons
        .update(staff.0.id, path.into_inner(), change)
        .await?;
    Ok(HttpResponse::Ok().json(AdminCouponView::new(&coupon, None, state.timezone)))
}

/// One grant of a coupon.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = GrantEntry)]
pub struct GrantView {
    /// Grant id.
    id: i64,
    /// Holder.
    user_id: i64,
    /// Holder's username.
    username: String,
    /// The order holding or having used it.
    order_id: Option<i64>,
    /// 0 unused, 1 used, 2 expired.
    use_status: i16,
    /// When its order was paid.
    use_time: Option<String>,
    /// When it was granted.
    created_time: String,
}

/// `{count, next, previous, results: [{id, user_id, username, order_id, use_status, use_time,
/// created_time}]}`, newest first; 404 for a missing coupon.
pub async fn coupon_grants(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
    query: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let request = query.request()?;
    let coupon = path.into_inner();
    let page = state
        .coupons
        .grants(coupon, request)
        .await?
        .ok_or_else(|| ApiError::NotFound("优惠券不存在!".into()))?;
    let link = |n: u32| {
        format!(
            "{}/admin/coupons/{coupon}/grants/?page={n}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    let timezone = state.timezone;
    Ok(
        HttpResponse::Ok().json(DrfPage::new(&page, link, |grant: &GrantRecord| GrantView {
            id: grant.id,
            user_id: grant.user.get(),
            username: grant.username.clone(),
            order_id: grant.order_id,
            use_status: grant.use_status.code(),
            use_time: grant.use_time.map(|t| store_time(t, timezone)),
            created_time: store_time(grant.granted_at, timezone),
        })),
    )
}
