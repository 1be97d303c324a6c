//! The console's pages: login and logout, the dashboard (30 days of orders, revenue and refunds
//! as a server-drawn SVG; unpaid orders about to time out; dead jobs; the refund queue's size)
//! and the refund queue with approve and reject. Every form carries the session's CSRF token;
//! every change goes through the same domain services as the admin API.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use luffy_common::PageRequest;
use luffy_order::back_office::{OrderFilter, OrderOrdering, OrderSearch};
use luffy_order::{OrderStatus, RefundStatus};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::chart::{chart_top, daily_chart};
use super::guard::{
    csrf_ok, csrf_token, login_allowed, login_succeeded, visitor, Visitor, STAFF_KEY,
};
use crate::state::ConsoleState;
use luffy_web::dto::time::store_time;
use luffy_web::error::ApiError;
use luffy_web::password::verify_password;

/// Money as the console shows it: ¥ and two decimals (half-up, as prices are rounded).
pub(crate) fn yuan(amount: Decimal) -> String {
    let cents =
        amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("¥{cents:.2}")
}

/// A sale formula as operators read it: 免费, 8.5折 or 减¥30.00 (the formula text when it
/// does not parse).
pub(crate) fn sale_text(formula: &str) -> String {
    use luffy_catalog::SaleFormula;
    match formula.parse::<SaleFormula>() {
        Ok(SaleFormula::Free) => "免费".to_owned(),
        Ok(SaleFormula::Multiply(factor)) => format!("{}折", (factor * Decimal::TEN).normalize()),
        Ok(SaleFormula::Reduce(amount)) => format!("减{}", yuan(amount)),
        Err(_) => formula.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_sales_read_as_operators_expect() {
        assert_eq!(yuan(Decimal::new(1999, 1)), "¥199.90");
        assert_eq!(yuan(Decimal::new(12345, 3)), "¥12.35");
        assert_eq!(sale_text("0"), "免费");
        assert_eq!(sale_text("*0.8"), "8折");
        assert_eq!(sale_text("*0.85"), "8.5折");
        assert_eq!(sale_text("-30"), "减¥30.00");
        assert_eq!(sale_text("bad"), "bad");
    }
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Renders a page (a rendering failure is logged and answered 500 without details).
pub(crate) fn render(
    template: &impl Template,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    match template.render() {
        Ok(body) => html(status, body),
        Err(error) => {
            tracing::error!(%error, "rendering a console page");
            html(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "页面渲染失败".into(),
            )
        }
    }
}

/// A redirect after a form (303).
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The login page.
#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    csrf: String,
    errmsg: String,
    username: String,
}

/// The page a non-staff account gets (403).
#[derive(Template)]
#[template(path = "console/denied.html")]
struct DeniedPage {
    errmsg: String,
}

/// The 403 page.
pub(crate) fn denied(errmsg: &str) -> HttpResponse {
    render(
        &DeniedPage {
            errmsg: errmsg.to_owned(),
        },
        actix_web::http::StatusCode::FORBIDDEN,
    )
}

/// Resolves the operator or answers: the login page's redirect for a visitor, 403 for a buyer.
pub(crate) async fn operator(
    state: &ConsoleState,
    session: &Session,
) -> Result<Result<i64, HttpResponse>, ApiError> {
    Ok(match visitor(state, session).await? {
        Visitor::Staff(id) => Ok(id.get()),
        Visitor::NotStaff => Err(denied("仅限运营人员使用,您的账号没有权限!")),
        Visitor::Anonymous => Err(see_other("/console/login")),
    })
}

/// The operator behind a form post whose CSRF token is the session's; otherwise the answer to
/// send (the login page, 403 for a buyer, or 403 for a missing or stale token).
pub(crate) async fn form_operator(
    state: &ConsoleState,
    session: &Session,
    submitted: &str,
) -> Result<Result<luffy_common::UserId, HttpResponse>, ApiError> {
    Ok(match operator(state, session).await? {
        Err(answer) => Err(answer),
        Ok(_) if !csrf_ok(session, submitted) => Err(denied("页面已过期,请重新提交!")),
        Ok(id) => Ok(luffy_common::UserId(id)),
    })
}

/// The operator behind a form post; otherwise the handler returns the answer
/// [`form_operator`] gives (the login page, or 403).
macro_rules! form_staff {
    ($state:expr, $session:expr, $csrf:expr) => {
        match $crate::pages::form_operator($state, $session, $csrf).await? {
            Ok(staff) => staff,
            Err(answer) => return Ok(answer),
        }
    };
}
pub(crate) use form_staff;

/// `GET /console/login`.
pub async fn login_page(session: Session) -> HttpResponse {
    render(
        &LoginPage {
            csrf: csrf_token(&session),
            errmsg: String::new(),
            username: String::new(),
        },
        actix_web::http::StatusCode::OK,
    )
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /console/login`: staff with their password; the session is renewed on success.
pub async fn login(
    state: web::Data<ConsoleState>,
    session: Session,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let page = |errmsg: &str, status| {
        render(
            &LoginPage {
                csrf: csrf_token(&session),
                errmsg: errmsg.to_owned(),
                username: form.username.clone(),
            },
            status,
        )
    };
    if !csrf_ok(&session, &form.csrf) {
        return Ok(page(
            "页面已过期,请重新提交!",
            actix_web::http::StatusCode::FORBIDDEN,
        ));
    }
    let username = form.username.trim().to_owned();
    if username.is_empty() || form.password.is_empty() {
        return Ok(page(
            "请输入用户名和密码!",
            actix_web::http::StatusCode::BAD_REQUEST,
        ));
    }
    if !login_allowed(&state, &req, &username).await {
        return Ok(page(
            "登录尝试过于频繁,请15分钟后再试!",
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let user = state.users.find_by_login(&username).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = verify_password(form.password.clone(), stored).await?;
    let user = match user {
        Some(user) if valid && user.is_active => user,
        _ => {
            return Ok(page(
                "用户名或密码错误!",
                actix_web::http::StatusCode::UNAUTHORIZED,
            ))
        }
    };
    if !user.is_staff {
        return Ok(denied("仅限运营人员使用,您的账号没有权限!"));
    }
    login_succeeded(&state, &username).await;
    session.renew();
    session.remove(super::guard::CSRF_KEY);
    session
        .insert(STAFF_KEY, user.id.get())
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("{e}")))?;
    tracing::info!(operator = user.id.get(), "console login");
    Ok(see_other("/console/"))
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

/// `POST /console/logout`.
pub async fn logout(session: Session, form: web::Form<TokenForm>) -> HttpResponse {
    if !csrf_ok(&session, &form.csrf) {
        return denied("页面已过期,请重新提交!");
    }
    session.purge();
    see_other("/console/login")
}

/// One row of the unpaid-orders table.
struct UnpaidRow {
    number: String,
    amount: String,
    expires: String,
}

/// One day of the figures table.
struct DayRow {
    day: String,
    orders: i64,
    revenue: String,
    /// Revenue per channel, in [`luffy_order::Channel::ALL`] order.
    by_channel: Vec<String>,
    refunded: String,
}

/// The dashboard.
#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    csrf: String,
    chart: String,
    scale: String,
    days: Vec<DayRow>,
    unpaid_total: u64,
    unpaid: Vec<UnpaidRow>,
    dead_jobs: u64,
    refund_queue: u64,
    revenue_total: String,
    /// Revenue over the days per channel: (name, amount).
    revenue_by_channel: Vec<(&'static str, String)>,
    refunded_total: String,
}

/// `GET /console/`.
pub async fn dashboard(
    state: web::Data<ConsoleState>,
    session: Session,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let figures = state
        .orders
        .daily_figures(30, &state.settings.timezone)
        .await?;
    let page = |size| PageRequest::new(1, size, 100);
    let unpaid = state
        .orders
        .search(&OrderSearch {
            filter: OrderFilter {
                status: Some(OrderStatus::Unpaid),
                ordering: OrderOrdering::Oldest,
                ..OrderFilter::default()
            },
            page: page(10)?,
        })
        .await?;
    let dead = state.jobs.dead(page(1)?).await?;
    let queue = state
        .refunds
        .queue(Some(RefundStatus::Requested), page(1)?)
        .await?;
    let timezone = state.timezone;
    let revenue: Decimal = figures.iter().map(|d| d.revenue).sum();
    let refunded: Decimal = figures.iter().map(|d| d.refunded).sum();
    Ok(render(
        &DashboardPage {
            csrf: csrf_token(&session),
            chart: daily_chart(&figures),
            scale: format!("{:.0}", chart_top(&figures)),
            days: figures
                .iter()
                .rev()
                .map(|d| DayRow {
                    day: d.day.clone(),
                    orders: d.orders,
                    revenue: yuan(d.revenue),
                    by_channel: d.revenue_by_channel.iter().map(|(_, a)| yuan(*a)).collect(),
                    refunded: yuan(d.refunded),
                })
                .collect(),
            unpaid_total: unpaid.total,
            unpaid: unpaid
                .items
                .iter()
                .map(|o| UnpaidRow {
                    number: o.order_number.clone(),
                    amount: yuan(o.real_price),
                    expires: store_time(o.expires_at, timezone),
                })
                .collect(),
            dead_jobs: dead.total,
            refund_queue: queue.total,
            revenue_total: yuan(revenue),
            revenue_by_channel: luffy_order::Channel::ALL
                .iter()
                .map(|channel| {
                    let sum: Decimal = figures
                        .iter()
                        .flat_map(|d| d.revenue_by_channel.iter())
                        .filter(|(c, _)| c == channel)
                        .map(|(_, a)| *a)
                        .sum();
                    (channel.display_name(), yuan(sum))
                })
                .collect(),
            refunded_total: yuan(refunded),
        },
        actix_web::http::StatusCode::OK,
    ))
}

/// One row of the refund queue.
struct RefundRow {
    id: i64,
    order_number: String,
    status: &'static str,
    waiting: bool,
    amount: String,
    /// The way the money goes back (支付宝, 微信, 余额).
    channel: &'static str,
    courses: String,
    reason: String,
    created: String,
}

/// The refund queue page.
#[derive(Template)]
#[template(path = "console/refunds.html")]
struct RefundsPage {
    csrf: String,
    errmsg: String,
    filter: String,
    rows: Vec<RefundRow>,
    total: u64,
    pager: super::table::Pager,
}

/// `?status=&page=`.
#[derive(Debug, Deserialize)]
pub struct RefundQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: String,
}

/// Refunds per page of the queue.
const REFUNDS_PAGE_SIZE: u32 = 20;

async fn refunds_page(
    state: &ConsoleState,
    session: &Session,
    (filter, number): (&str, u32),
    errmsg: String,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, ApiError> {
    let wanted = RefundStatus::parse(filter);
    let request = PageRequest::new(number.into(), REFUNDS_PAGE_SIZE.into(), REFUNDS_PAGE_SIZE)?;
    let page = state.refunds.queue(wanted, request).await?;
    let kept = if wanted.is_some() { filter } else { "" };
    let pager = super::table::Pager::new(
        "/console/refunds",
        &[("status", kept)],
        number,
        REFUNDS_PAGE_SIZE,
        page.total,
    );
    let timezone = state.timezone;
    Ok(render(
        &RefundsPage {
            csrf: csrf_token(session),
            errmsg,
            filter: wanted
                .map(|s| s.display_name().to_owned())
                .unwrap_or_default(),
            total: page.total,
            pager,
            rows: page
                .items
                .iter()
                .map(|r| RefundRow {
                    id: r.id,
                    order_number: r.order_number.clone(),
                    status: r.status.display_name(),
                    waiting: r.status == RefundStatus::Requested,
                    amount: yuan(r.amount),
                    channel: r.channel.display_name(),
                    courses: r
                        .course_ids
                        .iter()
                        .map(|c| c.get().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reason: r.reason.clone(),
                    created: store_time(r.created_time, timezone),
                })
                .collect(),
        },
        status,
    ))
}

/// `GET /console/refunds?status=`.
pub async fn refunds(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<RefundQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let filter = query.status.clone().unwrap_or_default();
    let number = super::table::page_number(&query.page);
    refunds_page(
        &state,
        &session,
        (&filter, number),
        String::new(),
        actix_web::http::StatusCode::OK,
    )
    .await
}

/// A review form.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/refunds/{id}/{approve|reject}`.
pub async fn review(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<(i64, String)>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let (refund, action) = path.into_inner();
    let outcome = match action.as_str() {
        "approve" => state.refunds.approve(staff, refund).await.map(|_| ()),
        "reject" if form.reason.trim().is_empty() => {
            return refunds_page(
                &state,
                &session,
                ("requested", 1),
                "请填写拒绝退款的原因!".into(),
                actix_web::http::StatusCode::BAD_REQUEST,
            )
            .await
        }
        "reject" => state
            .refunds
            .reject(staff, refund, &form.reason)
            .await
            .map(|_| ()),
        _ => return Ok(HttpResponse::NotFound().finish()),
    };
    match outcome {
        Ok(()) => Ok(see_other("/console/refunds?status=requested")),
        Err(luffy_order::RefundError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            let status = if refusal.is_conflict() {
                actix_web::http::StatusCode::CONFLICT
            } else {
                actix_web::http::StatusCode::BAD_REQUEST
            };
            refunds_page(
                &state,
                &session,
                ("requested", 1),
                refusal.to_string(),
                status,
            )
            .await
        }
    }
}
