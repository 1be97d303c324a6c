//! `GET /admin/users/?q=&page=&size=`: operators find accounts by a part of the username or
//! mobile; `GET /admin/users/{id}/ledger/?kind=points|balance&page=&size=`: an account's points
//! or balance ledger, newest first.

use actix_web::{web, HttpResponse};
use luffy_account::{LedgerKind, LedgerLine, User};
use luffy_common::UserId;
use luffy_credit::{BalanceOperation, LedgerOperation};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::money;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::state::AppState;

/// The search text and paging.
#[derive(Debug, Deserialize)]
pub struct UserSearch {
    #[serde(default)]
    q: String,
    #[serde(flatten)]
    paging: PageParams,
}

/// An account as operators see it (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminUser)]
pub struct UserView {
    /// Id.
    id: i64,
    /// Login name.
    username: String,
    /// Mobile.
    mobile: String,
    /// Balance (yuan).
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    money: Decimal,
    /// Points.
    credit: i32,
    /// May log in.
    is_active: bool,
    /// May use operator routes.
    is_staff: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.get(),
            username: user.username.clone(),
            mobile: user.mobile.clone(),
            money: user.money,
            credit: user.credit,
            is_active: user.is_active,
            is_staff: user.is_staff,
        }
    }
}

/// `{count, next, previous, results: [{id, username, mobile, money, credit, is_active,
/// is_staff}]}`, newest accounts first.
pub async fn search_users(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<UserSearch>,
) -> Result<HttpResponse, ApiError> {
    if query.q.chars().count() > 64 {
        return Err(ApiError::bad_request("参数 q 不能超过64个字符!"));
    }
    let request = query.paging.request()?;
    let page = state.users.search(&query.q, request).await?;
    let link = |n: u32| {
        format!(
            "{}/admin/users/?q={}&page={n}&size={}",
            state.settings.public_base(),
            form_urlencoded::byte_serialize(query.q.as_bytes()).collect::<String>(),
            request.size()
        )
    };
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |user| UserView::from(user))))
}

/// Which ledger and paging.
#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    #[serde(default = "points")]
    kind: String,
    #[serde(flatten)]
    paging: PageParams,
}

fn points() -> String {
    "points".into()
}

/// One ledger row.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LedgerLine)]
pub struct LedgerLineView {
    /// Id.
    id: i64,
    /// Operation code.
    operation: i16,
    /// 业务增值, 购物消费, 系统赠送, 订单退还 (points) or 充值, 支付, 退款 (balance).
    get_operation_display: &'static str,
    /// Signed change: points, or yuan.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    change: Decimal,
    /// The order involved.
    order_id: Option<i64>,
    /// Why.
    remark: String,
    /// When, in the store timezone.
    created_time: String,
}

/// `{count, next, previous, results: [{id, operation, get_operation_display, change, order_id,
/// remark, created_time}]}`; `change` is points for `kind=points`, yuan for `kind=balance`.
pub async fn user_ledger(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = match query.kind.as_str() {
        "points" => LedgerKind::Points,
        "balance" => LedgerKind::Balance,
        _ => return Err(ApiError::bad_request("参数 kind 只能是 points 或 balance!")),
    };
    let request = query.paging.request()?;
    let user = path.into_inner();
    let page = state
        .users
        .ledger(UserId(user), kind, request)
        .await?
        .ok_or_else(|| ApiError::NotFound("用户不存在!".into()))?;
    let link = |n: u32| {
        format!(
            "{}/admin/users/{user}/ledger/?kind={}&page={n}&size={}",
            state.settings.public_base(),
            query.kind,
            request.size()
        )
    };
    let timezone = state.timezone;
    let view = |line: &LedgerLine| LedgerLineView {
        id: line.id,
        operation: line.operation,
        get_operation_display: match kind {
            LedgerKind::Points => {
                LedgerOperation::from_code(line.operation).map(LedgerOperation::display_name)
            }
            LedgerKind::Balance => {
                BalanceOperation::from_code(line.operation).map(BalanceOperation::display_name)
            }
        }
        .unwrap_or(""),
        change: line.change,
        order_id: line.order_id,
        remark: line.remark.clone(),
        created_time: store_time(line.at, timezone),
    };
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, view)))
}
