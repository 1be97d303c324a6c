//! The console's coupon page: every coupon with its stock (granted, used, reserved, left), a
//! form to create one (the same `NewCoupon` rules as `POST /admin/coupons/`) and a form to grant
//! one to buyers named by username or mobile (`CouponService::grant`, all or nothing).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_common::PageRequest;
use luffy_coupon::{
    CouponChange, CouponDraft, CreateCouponError, GrantError, NewCoupon, RevokeError,
    UpdateCouponError, UseStatus, MAX_GRANT_BATCH,
};
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{form_staff, operator, render, sale_text, see_other, TokenForm};
use super::table::{page_number, FieldError, Pager};
use crate::state::ConsoleState;
use luffy_web::dto::time::{parse_store_time, store_time};
use luffy_web::error::ApiError;

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
    err: FieldError,
    notice: String,
    rows: Vec<CouponRow>,
    pager: Pager,
}

/// Coupons per page of the list.
const PAGE_SIZE: u32 = 20;

async fn coupons_page(
    state: &ConsoleState,
    session: &Session,
    err: FieldError,
    notice: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    coupons_list(state, session, 1, (err, notice), status).await
}

async fn coupons_list(
    state: &ConsoleState,
    session: &Session,
    number: u32,
    (err, notice): (FieldError, String),
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(number.into(), PAGE_SIZE.into(), PAGE_SIZE)?;
    let page = state.coupons.list(request).await?;
    let timezone = state.timezone;
    Ok(render(
        &CouponsPage {
            csrf: csrf_token(session),
            err,
            notice,
            pager: Pager::new("/console/coupons", &[], number, PAGE_SIZE, page.total),
            rows: page
                .items
                .iter()
                .map(|s| CouponRow {
                    id: s.coupon.id,
                    name: s.coupon.name.clone(),
                    sale: sale_text(&s.coupon.sale.to_string()),
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

/// `GET /console/coupons?page=`.
pub async fn coupons(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<GrantsQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let page = page_number(&query.page);
    let nothing = (FieldError::default(), String::new());
    coupons_list(&state, &session, page, nothing, StatusCode::OK).await
}

/// The create form: a coupon for every course, or for some directions, categories or courses.
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
    #[serde(default)]
    coupon_type: String,
    #[serde(default)]
    scope_ids: String,
}

/// `POST /console/coupons`.
pub async fn create(
    state: web::Data<ConsoleState>,
    session: Session,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let refuse = |err: FieldError| {
        let state = state.clone();
        let session = session.clone();
        async move {
            coupons_page(
                &state,
                &session,
                err,
                String::new(),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    };
    let number = |text: &str, field: &str, label: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| FieldError::at(field, format!("{label}应为整数!")))
    };
    let time = |text: &str, field: &str, label: &str| {
        parse_store_time(text, state.timezone)
            .ok_or_else(|| FieldError::at(field, format!("{label}的格式应为 YYYY-MM-DD HH:MM:SS!")))
    };
    let sale = form.sale.trim().to_owned();
    let draft = (|| {
        Ok::<_, FieldError>(CouponDraft {
            name: form.name.clone(),
            discount: if sale.starts_with('*') { 2 } else { 1 },
            coupon_type: match form.coupon_type.trim() {
                "" => 0,
                text => text
                    .parse()
                    .map_err(|_| FieldError::at("coupon_type", "请选择适用范围!"))?,
            },
            scope_ids: form
                .scope_ids
                .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
                .filter(|t| !t.is_empty())
                .map(|t| {
                    t.parse::<i64>()
                        .map_err(|_| FieldError::at("scope_ids", format!("编号[{t}]无效!")))
                })
                .collect::<Result<Vec<_>, _>>()?,
            total: number(&form.total, "total", "发放数量")?,
            starts_at: time(&form.start_time, "start_time", "开始时间")?,
            ends_at: time(&form.end_time, "end_time", "结束时间")?,
            get_type: 1,
            condition: if form.condition.trim().is_empty() {
                0
            } else {
                number(&form.condition, "condition", "使用门槛")?
            },
            per_limit: 1,
            sale: sale.clone(),
        })
    })();
    let draft = match draft {
        Ok(draft) => draft,
        Err(err) => return refuse(err).await,
    };
    let coupon = match NewCoupon::validate(draft) {
        Ok(coupon) => coupon,
        Err(invalid) => return refuse(FieldError::at("create", invalid.0)).await,
    };
    match state.coupons.create(staff, coupon).await {
        Ok(_) => Ok(see_other("/console/coupons")),
        Err(CreateCouponError::Storage(error)) => Err(error.into()),
        Err(refusal) => refuse(FieldError::at("create", refusal.to_string())).await,
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
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let names: Vec<&str> = form
        .users
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() || names.len() > MAX_GRANT_BATCH {
        let message = format!("请填写1到{MAX_GRANT_BATCH}个用户名或手机号!");
        return coupons_page(
            &state,
            &session,
            FieldError::at("grant", message),
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
                    FieldError::at("grant", message),
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
            coupons_page(
                &state,
                &session,
                FieldError::default(),
                notice,
                StatusCode::OK,
            )
            .await
        }
        Err(GrantError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            coupons_page(
                &state,
                &session,
                FieldError::at("grant", refusal.to_string()),
                String::new(),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

/// Grants per page of a coupon's page.
const GRANTS_PAGE_SIZE: u32 = 20;

/// One grant of a coupon.
struct GrantRow {
    id: i64,
    username: String,
    user: i64,
    state: &'static str,
    revocable: bool,
    order_id: String,
    granted: String,
}

/// The coupon form's values.
struct CouponFields {
    name: String,
    start_time: String,
    end_time: String,
    total: String,
    per_limit: String,
    enabled: bool,
}

/// One coupon's page: its stock, the change form and its grants.
#[derive(Template)]
#[template(path = "console/coupon.html")]
struct CouponPage {
    csrf: String,
    err: FieldError,
    notice: String,
    id: i64,
    sale: String,
    granted: i64,
    used: i64,
    reserved: i64,
    left: i32,
    f: CouponFields,
    grants: Vec<GrantRow>,
    pager: Pager,
}

/// `?page=` of the grants.
#[derive(Debug, Deserialize)]
pub struct GrantsQuery {
    #[serde(default)]
    page: String,
}

async fn coupon_page(
    state: &ConsoleState,
    session: &Session,
    id: i64,
    page: u32,
    (err, notice, typed): (FieldError, String, Option<CouponFields>),
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let Some(stats) = state.coupons.stats(id).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let request = PageRequest::new(page.into(), GRANTS_PAGE_SIZE.into(), GRANTS_PAGE_SIZE)?;
    let grants = state
        .coupons
        .grants(id, request)
        .await?
        .ok_or(ApiError::NotFound("优惠券不存在!".into()))?;
    let timezone = state.timezone;
    let coupon = &stats.coupon;
    let f = typed.unwrap_or_else(|| CouponFields {
        name: coupon.name.clone(),
        start_time: store_time(coupon.starts_at, timezone),
        end_time: store_time(coupon.ends_at, timezone),
        total: coupon.total.to_string(),
        per_limit: coupon.per_limit.to_string(),
        enabled: coupon.enabled,
    });
    Ok(render(
        &CouponPage {
            csrf: csrf_token(session),
            err,
            notice,
            id,
            sale: sale_text(&coupon.sale.to_string()),
            granted: stats.granted,
            used: stats.used,
            reserved: stats.reserved,
            left: coupon.has_total,
            f,
            grants: grants
                .items
                .iter()
                .map(|g| {
                    let status = Some(g.use_status);
                    GrantRow {
                        id: g.id,
                        username: g.username.clone(),
                        user: g.user.get(),
                        state: match status {
                            Some(UseStatus::Unused) if g.order_id.is_some() => "已预占",
                            Some(UseStatus::Unused) => "未使用",
                            Some(UseStatus::Used) => "已使用",
                            _ => "已过期",
                        },
                        revocable: status == Some(UseStatus::Unused) && g.order_id.is_none(),
                        order_id: g.order_id.map(|o| o.to_string()).unwrap_or_default(),
                        granted: store_time(g.granted_at, timezone),
                    }
                })
                .collect(),
            pager: Pager::new(
                &format!("/console/coupons/{id}"),
                &[],
                page,
                GRANTS_PAGE_SIZE,
                grants.total,
            ),
        },
        status,
    ))
}

/// `GET /console/coupons/{id}?page=`.
pub async fn coupon(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    query: web::Query<GrantsQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let page = page_number(&query.page);
    let nothing = (FieldError::default(), String::new(), None);
    coupon_page(
        &state,
        &session,
        path.into_inner(),
        page,
        nothing,
        StatusCode::OK,
    )
    .await
}

/// The change form.
#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    total: String,
    #[serde(default)]
    per_limit: String,
    #[serde(default)]
    enabled: String,
}

impl ChangeForm {
    fn typed(&self) -> CouponFields {
        CouponFields {
            name: self.name.clone(),
            start_time: self.start_time.clone(),
            end_time: self.end_time.clone(),
            total: self.total.clone(),
            per_limit: self.per_limit.clone(),
            enabled: self.enabled == "1",
        }
    }

    /// The change (every field set); text that does not read is refused beside its field.
    fn change(&self, timezone: chrono_tz::Tz) -> Result<CouponChange, FieldError> {
        let number = |text: &str, field: &str, label: &str| {
            text.trim()
                .parse::<i32>()
                .map_err(|_| FieldError::at(field, format!("{label}应为整数!")))
        };
        let time = |text: &str, field: &str, label: &str| {
            parse_store_time(text, timezone).ok_or_else(|| {
                FieldError::at(field, format!("{label}的格式应为 YYYY-MM-DD HH:MM:SS!"))
            })
        };
        Ok(CouponChange {
            name: Some(self.name.trim().to_owned()),
            starts_at: Some(time(&self.start_time, "start_time", "开始时间")?),
            ends_at: Some(time(&self.end_time, "end_time", "结束时间")?),
            total: Some(number(&self.total, "total", "发行总量")?),
            per_limit: Some(number(&self.per_limit, "per_limit", "每人限领")?),
            enabled: Some(self.enabled == "1"),
        })
    }
}

/// `POST /console/coupons/{id}`: changes the name, window, stock, per-user limit or switch.
pub async fn update(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let refused = |err: FieldError| {
        coupon_page(
            &state,
            &session,
            id,
            1,
            (err, String::new(), Some(form.typed())),
            StatusCode::BAD_REQUEST,
        )
    };
    let change = match form.change(state.timezone) {
        Ok(change) => change,
        Err(err) => return refused(err).await,
    };
    match state.coupons.update(staff, id, change).await {
        Ok(_) => Ok(see_other(&format!("/console/coupons/{id}"))),
        Err(UpdateCouponError::NotFound) => Ok(HttpResponse::NotFound().finish()),
        Err(UpdateCouponError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            refused(FieldError::at(
                refusal.field().unwrap_or_default(),
                refusal.to_string(),
            ))
            .await
        }
    }
}

/// `POST /console/coupons/{id}/grants/{grant}/revoke`: takes back an unused grant.
pub async fn revoke(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let (id, grant) = path.into_inner();
    // The grant is named by its own id (as in the admin API); the coupon only picks the page.
    let coupon_exists = state
        .coupons
        .grants(id, PageRequest::new(1, 1, 1)?)
        .await?
        .is_some();
    if !coupon_exists {
        return Ok(HttpResponse::NotFound().finish());
    }
    let outcome = match state.coupons.revoke(staff, grant).await {
        Ok(()) => (FieldError::default(), "已撤回该优惠券!".to_owned(), None),
        Err(RevokeError::Storage(error)) => return Err(error.into()),
        Err(RevokeError::NotFound) => return Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => (
            FieldError::at("grant", refusal.to_string()),
            String::new(),
            None,
        ),
    };
    let status = if outcome.0.errmsg.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    coupon_page(&state, &session, id, 1, outcome, status).await
}
