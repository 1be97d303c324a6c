//! The console's user pages: find accounts by username or mobile (paged), and one account's
//! page with its points and balance ledgers (paged), setting its points and topping up its
//! balance (both with a remark, written with their ledger row and audit entry in one
//! transaction), deactivating or reactivating it, and granting or revoking staff.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_account::{check_state_change, LedgerKind, LedgerLine, User};
use luffy_common::{PageRequest, UserId};
use luffy_credit::{BalanceOperation, LedgerOperation};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{form_staff, operator, render, see_other, yuan};
use super::table::{page_number, FieldError, Pager};
use crate::state::ConsoleState;
use luffy_web::dto::time::store_time;
use luffy_web::error::ApiError;

/// Rows per page of the user list and of a ledger.
const PAGE_SIZE: u32 = 20;

/// A user row.
struct UserRow {
    id: i64,
    username: String,
    mobile: String,
    balance: String,
    points: i32,
    is_active: bool,
    is_staff: bool,
}

impl From<&User> for UserRow {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.get(),
            username: user.username.clone(),
            mobile: user.mobile.clone(),
            balance: yuan(user.money),
            points: user.credit,
            is_active: user.is_active,
            is_staff: user.is_staff,
        }
    }
}

/// The user search page.
#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    csrf: String,
    q: String,
    rows: Vec<UserRow>,
    pager: Pager,
}

/// `?q=&page=` (and `kind=` on a user's page).
#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    kind: String,
}

/// `GET /console/users?q=&page=`.
pub async fn users(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let q: String = query.q.trim().chars().take(64).collect();
    let number = page_number(&query.page);
    let page = state
        .users
        .search(
            &q,
            PageRequest::new(number.into(), PAGE_SIZE.into(), PAGE_SIZE)?,
        )
        .await?;
    Ok(render(
        &UsersPage {
            csrf: csrf_token(&session),
            rows: page.items.iter().map(UserRow::from).collect(),
            pager: Pager::new(
                "/console/users",
                &[("q", &q)],
                number,
                PAGE_SIZE,
                page.total,
            ),
            q,
        },
        StatusCode::OK,
    ))
}

/// A ledger row.
struct LedgerRow {
    at: String,
    operation: &'static str,
    change: String,
    order_id: String,
    remark: String,
}

/// One account's page.
#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    csrf: String,
    err: FieldError,
    notice: String,
    user: UserRow,
    balance_ledger: bool,
    ledger: Vec<LedgerRow>,
    pager: Pager,
}

async fn user_page(
    state: &ConsoleState,
    session: &Session,
    id: i64,
    query: &UsersQuery,
    (err, notice): (FieldError, String),
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let Some(user) = state.users.find(UserId(id)).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let kind = if query.kind == "balance" {
        LedgerKind::Balance
    } else {
        LedgerKind::Points
    };
    let number = page_number(&query.page);
    let request = PageRequest::new(number.into(), PAGE_SIZE.into(), PAGE_SIZE)?;
    let Some(page) = state.users.ledger(UserId(id), kind, request).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let timezone = state.timezone;
    let row = |line: &LedgerLine| LedgerRow {
        at: store_time(line.at, timezone),
        operation: match kind {
            LedgerKind::Points => {
                LedgerOperation::from_code(line.operation).map(LedgerOperation::display_name)
            }
            LedgerKind::Balance => {
                BalanceOperation::from_code(line.operation).map(BalanceOperation::display_name)
            }
        }
        .unwrap_or(""),
        change: match kind {
            LedgerKind::Points => format!("{:+}", line.change.round_dp(0)),
            LedgerKind::Balance if line.change < Decimal::ZERO => {
                format!("-{}", yuan(-line.change))
            }
            LedgerKind::Balance => format!("+{}", yuan(line.change)),
        },
        order_id: line.order_id.map(|o| o.to_string()).unwrap_or_default(),
        remark: line.remark.clone(),
    };
    let kind_name = if kind == LedgerKind::Balance {
        "balance"
    } else {
        "points"
    };
    Ok(render(
        &UserPage {
            csrf: csrf_token(session),
            err,
            notice,
            user: UserRow::from(&user),
            balance_ledger: kind == LedgerKind::Balance,
            ledger: page.items.iter().map(row).collect(),
            pager: Pager::new(
                &format!("/console/users/{id}"),
                &[("kind", kind_name)],
                number,
                PAGE_SIZE,
                page.total,
            ),
        },
        status,
    ))
}

/// `GET /console/users/{id}?kind=points|balance&page=`.
pub async fn user(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let answer = (FieldError::default(), String::new());
    user_page(
        &state,
        &session,
        path.into_inner(),
        &query,
        answer,
        StatusCode::OK,
    )
    .await
}

/// The points and balance forms.
#[derive(Debug, Deserialize)]
pub struct AmountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    remark: String,
}

/// The answer after a form on a user's page: the page with the refusal beside `field`, or with
/// a notice.
async fn answer(
    state: &ConsoleState,
    session: &Session,
    id: i64,
    kind: &str,
    outcome: Result<String, FieldError>,
) -> Result<HttpResponse, ApiError> {
    let query = UsersQuery {
        q: String::new(),
        page: String::new(),
        kind: kind.to_owned(),
    };
    match outcome {
        Ok(notice) => {
            user_page(
                state,
                session,
                id,
                &query,
                (FieldError::default(), notice),
                StatusCode::OK,
            )
            .await
        }
        Err(err) => {
            user_page(
                state,
                session,
                id,
                &query,
                (err, String::new()),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

/// A remark ([`luffy_credit::operator_remark`]), refused beside its field.
fn remark(text: &str, field: &str, default: String) -> Result<String, FieldError> {
    luffy_credit::operator_remark(text, || default)
        .map_err(|too_long| FieldError::at(field, too_long.to_string()))
}

/// `POST /console/users/{id}/credit`: sets the points balance (`amount`) with a remark.
pub async fn set_credit(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<AmountForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let checked = form
        .amount
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|points| *points >= 0)
        .ok_or_else(|| FieldError::at("credit.amount", "积分应为0到2147483647之间的整数!"))
        .and_then(|points| {
            let default = format!("管理员[{}]调整积分", staff.get());
            Ok((points, remark(&form.remark, "credit.remark", default)?))
        });
    let outcome = match checked {
        Err(err) => Err(err),
        Ok((points, remark)) => match state
            .users
            .set_credit(staff, UserId(id), points, &remark)
            .await?
        {
            None => return Ok(HttpResponse::NotFound().finish()),
            Some((old, new)) => Ok(format!("积分已从{old}调整为{new}!")),
        },
    };
    answer(&state, &session, id, "points", outcome).await
}

/// `POST /console/users/{id}/balance`: tops the balance up by `amount` yuan with a remark.
pub async fn top_up(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<AmountForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let checked = form
        .amount
        .trim()
        .parse::<Decimal>()
        .map_err(|_| FieldError::at("balance.amount", "充值金额应为数字!"))
        .and_then(|amount| {
            luffy_credit::validate_top_up(amount)
                .map_err(|e| FieldError::at("balance.amount", e.to_string()))
        })
        .and_then(|amount| {
            let default = format!("管理员[{}]充值", staff.get());
            Ok((amount, remark(&form.remark, "balance.remark", default)?))
        });
    let outcome = match checked {
        Err(err) => Err(err),
        Ok((amount, remark)) => match state
            .users
            .top_up(staff, UserId(id), amount, &remark)
            .await?
        {
            None => return Ok(HttpResponse::NotFound().finish()),
            Some(balance) => Ok(format!("充值成功,余额{}!", yuan(balance))),
        },
    };
    answer(&state, &session, id, "balance", outcome).await
}

/// The account state form: `field` is `is_active` or `is_staff`, `value` `1` or `0`.
#[derive(Debug, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
}

/// `POST /console/users/{id}/state`: deactivates or reactivates the account, or grants or
/// revokes staff; the account's sessions and tokens follow on their next request.
pub async fn change_state(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<StateForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let value = form.value == "1";
    let (is_active, is_staff) = match form.field.as_str() {
        "is_active" => (Some(value), None),
        "is_staff" => (None, Some(value)),
        _ => (None, None),
    };
    if let Err(refused) = check_state_change(staff, UserId(id), is_active, is_staff) {
        let err = FieldError::at("state", refused.to_string());
        return answer(&state, &session, id, "points", Err(err)).await;
    }
    match state
        .users
        .change_state(staff, UserId(id), is_active, is_staff)
        .await?
    {
        None => Ok(HttpResponse::NotFound().finish()),
        Some(_) => {
            tracing::info!(
                operator = staff.get(),
                user = id,
                ?is_active,
                ?is_staff,
                "account state changed in the console"
            );
            Ok(see_other(&format!("/console/users/{id}")))
        }
    }
}
