//! `GET /coupon/enable/`: the coupons usable for the selected cart items, plus the points
//! balance and rate the checkout page needs.

use actix_web::{web, HttpResponse};
use luffy_coupon::CouponScope;
use serde::Serialize;
use utoipa::ToSchema;

use super::view::{CouponItem, EnableCourse};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The checkout page's coupons and points.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnabledCoupons {
    /// `ok`.
    errmsg: &'static str,
    /// Points balance.
    has_credit: i32,
    /// Points per yuan.
    credit_to_money: u32,
    /// Usable for the selected items.
    coupon_list: Vec<CouponItem>,
}

/// A coupon is listed when at least one selected course could take it, exactly as pricing
/// decides (`luffy_order::usable_coupons`).
pub async fn enabled_coupons(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let options = state
        .checkout
        .coupon_options(caller.id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("用户不存在!".into()))?;
    let coupon_list: Vec<CouponItem> = options
        .coupons
        .iter()
        .map(|option| {
            let enable = match option.grant.coupon.scope {
                CouponScope::All => EnableCourse::All("__all__"),
                _ => EnableCourse::Courses(option.courses.iter().map(|c| c.get()).collect()),
            };
            CouponItem::new(&option.grant, state.timezone).with_enable_course(enable)
        })
        .collect();
    Ok(HttpResponse::Ok().json(EnabledCoupons {
        errmsg: "ok",
        has_credit: options.points,
        credit_to_money: state.checkout.rate().points_per_yuan(),
        coupon_list,
    }))
}
