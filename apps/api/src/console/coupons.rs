//! The console's coupon page: every coupon with its stock (granted, used, reserved, left), a
//! form to create one (the same `NewCoupon` rules as `POST /admin/coupons/`) and a form to grant
//! one to buyers named by username or mobile (`CouponService::grant`, all or nothing).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_common::PageRequest;
use luffy_coupon::{CouponDraft, CreateCouponError, GrantError, NewCoupon};
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{form_operator, operator, render, see_other};
use crate::dto::time::{parse_store_time, store_time};
use crate::error::ApiError;
use crate::state::AppState;

/// One coupon row.
struct CouponRow {
    id: i64,
    name: String,
    sale: String,
    window: String,
    granted: i64,
    used: i64,
    reserved: i64,
    left: i32,
    enabled: bool,
}

/// The coupon page.
#[derive(Template)]
#[template(path = "console/coupons.html")]
struct CouponsPage {
    csrf: String,
    errmsg: String,
    notice: String,
    rows: Vec<CouponRow>,
}

async fn coupons_page(
    state: &AppState,
    session: &Session,
    errmsg: String,
    notice: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let page = state.coupons.list(PageRequest::new(1, 100, 100)?).await?;
    let timezone = state.timezone;
    Ok(render(
        &CouponsPage {
            csrf: csrf_token(session),
            errmsg,
            notice,
            rows: page
                .items
                .iter()
                .map(|s| CouponRow {
                    id: s.coupon.id,
                    name: s.coupon.name.clone(),
                    sale: s.coupon.sale.to_string(),
                    window: format!(
                        "{} ~ {}",
                        store_time(s.coupon.starts_at, timezone),
                        store_time(s.coupon.ends_at, timezone)
                    ),
                    granted: s.granted,
                    used: s.used,
                    reserved: s.reserved,
                    left: s.coupon.has_total,
                    enabled: s.coupon.enabled,
                })
                .collect(),
        },
        status,
    ))
}

/// `GET /console/coupons`.
pub async fn coupons(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    coupons_page(
        &state,
        &session,
        String::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// The create form: a coupon for every course (scopes are set through the admin API).
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sale: String,
    #[serde(default)]
    total: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
}

/// `POST /console/coupons`.
pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = match form_operator(&state, &session, &form.csrf).await? {
        Ok(staff) => staff,
        Err(answer) => return Ok(answer),
    };
    let refuse = |message: String| {
        let state = state.clone();
        let session = session.clone();
        async move {
            coupons_page(
                &state,
                &session,
                message,
                String::new(),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    };
    let number = |text: &str, label: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| format!("{label}应为整数!"))
    };
    let time = |text: &str, label: &str| {
        parse_store_time(text, state.timezone)
            .ok_or_else(|| format!("{label}的格式应为 YYYY-MM-DD HH:MM:SS!"))
    };
    let sale = form.sale.trim().to_owned();
    let draft = (|| {
        Ok::<_, String>(CouponDraft {
            name: form.name.clone(),
            discount: if sale.starts_with('*') { 2 } else { 1 },
            coupon_type: 0,
            scope_ids: Vec::new(),
            total: number(&form.total, "发放数量")?,
            starts_at: time(&form.start_time, "开始时间")?,
            ends_at: time(&form.end_time, "结束时间")?,
            get_type: 1,
            condition: if form.condition.trim().is_empty() {
                0
            } else {
                number(&form.condition, "使用门槛")?
            },
            per_limit: 1,
            sale: sale.clone(),
        })
    })();
    let draft = match draft {
        Ok(draft) => draft,
        Err(message) => return refuse(message).await,
    };
    let coupon = match NewCoupon::validate(draft) {
        Ok(coupon) => coupon,
        Err(invalid) => return refuse(invalid.0).await,
    };
    match state.coupons.create(staff, coupon).await {
        Ok(_) => Ok(see_other("/console/coupons")),
        Err(CreateCouponError::Storage(error)) => Err(error.into()),
        Err(refusal) => refuse(refusal.to_string()).await,
    }
}

/// The grant form: usernames or mobiles, separated by commas or spaces.
#[derive(Debug, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    users: String,
}

/// `POST /console/coupons/{id}/grant`.
pub async fn grant(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = match form_operator(&state, &session, &form.csrf).await? {
        Ok(staff) => staff,
        Err(answer) => return Ok(answer),
    };
    let names: Vec<&str> = form
        .users
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() || names.len() > 100 {
        let message = "请填写1到100个用户名或手机号!".to_owned();
        return coupons_page(
            &state,
            &session,
            message,
            String::new(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let mut users = Vec::with_capacity(names.len());
    for name in &names {
        match state.users.find_by_login(name).await? {
            Some(user) => users.push(user.id),
            None => {
                let message = format!("用户[{name}]不存在!");
                return coupons_page(
                    &state,
                    &session,
                    message,
                    String::new(),
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
        }
    }
    match state.coupons.grant(staff, path.into_inner(), &users).await {
        Ok(ids) => {
            let notice = format!("已发放{}张优惠券!", ids.len());
            coupons_page(&state, &session, String::new(), notice, StatusCode::OK).await
        }
        Err(GrantError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            coupons_page(
                &state,
                &session,
                refusal.to_string(),
                String::new(),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}
