//! `GET /coupon/enable/`: the coupons usable for the selected cart items, plus the points
//! balance and rate the checkout page needs.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use luffy_coupon::CouponScope;
use serde::Serialize;

use super::view::{CouponItem, EnableCourse};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The checkout page's coupons and points.
#[derive(Debug, Serialize)]
pub struct EnabledCoupons {
    errmsg: &'static str,
    has_credit: i32,
    credit_to_money: u32,
    coupon_list: Vec<CouponItem>,
}

/// A coupon is listed when at least one selected course could take it (in scope, no
/// promotion, price at least the condition), exactly as pricing decides.
pub async fn enabled_coupons(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let user = state
        .users
        .find(caller.id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("用户不存在!".into()))?;
    let selected = state.carts.selected_lines(caller.id).await?;
    let grants = state.coupons.available_for(caller.id).await?;
    let coupon_list: Vec<CouponItem> = grants
        .iter()
        .filter_map(|grant| {
            let usable: Vec<i64> = selected
                .iter()
                .filter(|line| grant.coupon.can_discount(&line.course, now))
                .map(|line| line.course.id.get())
                .collect();
            if usable.is_empty() {
                return None;
            }
            let enable = match grant.coupon.scope {
                CouponScope::All => EnableCourse::All("__all__"),
                _ => EnableCourse::Courses(usable),
            };
            Some(CouponItem::new(grant, state.timezone).with_enable_course(enable))
        })
        .collect();
    Ok(HttpResponse::Ok().json(EnabledCoupons {
        errmsg: "ok",
        has_credit: user.credit,
        credit_to_money: state.credit_rate.points_per_yuan(),
        coupon_list,
    }))
}
