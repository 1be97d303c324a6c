//! The console's order and job pages: find an order by number or status, read its lines,
//! refunds and timeline, refund what is left of it (through the same `RefundService` as
//! `POST /admin/orders/{id}/refund/`), and send a dead job again.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_common::PageRequest;
use luffy_order::back_office::OrderSearch;
use luffy_order::{OrderStatus, RefundAsk, Requester};
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{form_staff, operator, render, see_other, yuan, TokenForm};
use super::table::{page_number, FieldError, Pager};
use crate::state::ConsoleState;
use luffy_web::dto::page::PageParams;
use luffy_web::dto::time::store_time;
use luffy_web::error::ApiError;
use luffy_web::order_export::{orders_csv, OrderQuery, EXPORT_LIMIT};

/// Orders per page.
const ORDERS_PAGE_SIZE: u32 = 20;

/// One order row.
struct OrderRow {
    id: i64,
    number: String,
    user: i64,
    status: &'static str,
    pay_type: &'static str,
    amount: String,
    created: String,
}

/// A column header that sorts: its link (the other direction when it is the current order).
struct SortLink {
    href: String,
    mark: &'static str,
}

/// The order search page.
#[derive(Template)]
#[template(path = "console/orders.html")]
struct OrdersPage {
    csrf: String,
    err: FieldError,
    q: OrdersQuery,
    statuses: Vec<(i16, &'static str)>,
    rows: Vec<OrderRow>,
    pager: Pager,
    by_price: SortLink,
    by_time: SortLink,
    export: String,
}

/// `?number=&user=&status=&pay_type=&from=&to=&min=&max=&ordering=&page=`, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct OrdersQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    pay_type: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    ordering: String,
    #[serde(default)]
    page: String,
}

impl OrdersQuery {
    /// The filters as the admin API's query (the same validation).
    fn api_query(&self) -> OrderQuery {
        let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        OrderQuery {
            number: given(&self.number),
            user: given(&self.user),
            status: given(&self.status),
            pay_type: given(&self.pay_type),
            from: given(&self.from),
            to: given(&self.to),
            min: given(&self.min),
            max: given(&self.max),
            ordering: given(&self.ordering),
            paging: PageParams::default(),
        }
    }

    /// A sorting header's link: `field` descending first, then ascending.
    fn sort_link(&self, field: &str) -> SortLink {
        let descending = format!("-{field}");
        let current = self.ordering.trim();
        let (next, mark) = if current == descending {
            (field.to_owned(), " ↓")
        } else if current == field {
            (descending, " ↑")
        } else {
            (descending, "")
        };
        let filters = self.api_query();
        let mut query = filters.filters_query();
        let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .filter(|(name, _)| name != "ordering")
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        serializer.extend_pairs(kept).append_pair("ordering", &next);
        query = serializer.finish();
        SortLink {
            href: format!("/console/orders?{query}"),
            mark,
        }
    }
}

/// `GET /console/orders?...`: filtered, sorted, 20 per page.
pub async fn orders(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<OrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let number = page_number(&query.page);
    let filters = query.api_query();
    let (err, rows, total, status) = match filters.checked_filter(state.timezone) {
        Err((field, hint)) => (
            FieldError::at(field, hint),
            Vec::new(),
            0,
            StatusCode::BAD_REQUEST,
        ),
        Ok(filter) => {
            let page = state
                .orders
                .search(&OrderSearch {
                    filter,
                    page: PageRequest::new(
                        number.into(),
                        ORDERS_PAGE_SIZE.into(),
                        ORDERS_PAGE_SIZE,
                    )?,
                })
                .await?;
            let timezone = state.timezone;
            let rows = page
                .items
                .iter()
                .map(|o| OrderRow {
                    id: o.id,
                    number: o.order_number.clone(),
                    user: o.user.get(),
                    status: o.status.display_name(),
                    pay_type: o.pay_type.display_name(),
                    amount: yuan(o.real_price),
                    created: store_time(o.created_time, timezone),
                })
                .collect();
            (FieldError::default(), rows, page.total, StatusCode::OK)
        }
    };
    let kept = filters.filters_query();
    let params: Vec<(String, String)> = form_urlencoded::parse(kept.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let params: Vec<(&str, &str)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let statuses = OrderStatus::ALL
        .into_iter()
        .map(|s| (s.code(), s.display_name()))
        .collect();
    Ok(render(
        &OrdersPage {
            csrf: csrf_token(&session),
            err,
            statuses,
            rows,
            pager: Pager::new("/console/orders", &params, number, ORDERS_PAGE_SIZE, total),
            by_price: query.sort_link("real_price"),
            by_time: query.sort_link("created_time"),
            export: format!("/console/orders/export.csv?{kept}"),
            q: query.into_inner(),
        },
        status,
    ))
}

/// `GET /console/orders/export.csv?...`: the filtered orders (at most 10000) as CSV, as
/// `GET /admin/orders/export.csv` answers them.
pub async fn export_orders(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<OrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let filter = match query.api_query().checked_filter(state.timezone) {
        Ok(filter) => filter,
        Err((_, hint)) => {
            return Ok(HttpResponse::BadRequest()
                .content_type("text/plain; charset=utf-8")
                .body(hint))
        }
    };
    let search = OrderSearch {
        filter,
        page: PageRequest::new(1, i64::from(EXPORT_LIMIT), EXPORT_LIMIT)?,
    };
    orders_csv(&state.orders, state.timezone, &search).await
}

/// One line of an order.
struct LineRow {
    course_id: i64,
    name: String,
    price: String,
}

/// A payment or a job of the order, as text cells.
struct RecordRow {
    cells: Vec<String>,
}

/// One step of the timeline.
struct StepRow {
    at: String,
    what: String,
}

/// One order's page.
#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    csrf: String,
    errmsg: String,
    id: i64,
    number: String,
    buyer: String,
    status: &'static str,
    amount: String,
    refundable: bool,
    lines: Vec<LineRow>,
    refunds: Vec<String>,
    timeline: Vec<StepRow>,
    total: String,
    pay_type: &'static str,
    points: i32,
    coupon: String,
    created: String,
    paid: String,
    payments: Vec<RecordRow>,
    jobs: Vec<RecordRow>,
}

async fn order_page(
    state: &ConsoleState,
    session: &Session,
    id: i64,
    errmsg: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let Some((dossier, events)) = state.orders.dossier(id).await? else {
        return Ok(HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("订单不存在!"));
    };
    let timezone = state.timezone;
    let order = &dossier.order;
    Ok(render(
        &OrderPage {
            csrf: csrf_token(session),
            errmsg,
            id: order.id,
            number: order.order_number.clone(),
            buyer: format!("{} ({})", dossier.username, dossier.mobile),
            status: order.status.display_name(),
            amount: yuan(order.real_price),
            total: yuan(order.total_price),
            pay_type: order.pay_type.display_name(),
            points: order.credit,
            coupon: order
                .coupon
                .as_ref()
                .map(|c| {
                    let released = if c.released { "(已退还)" } else { "" };
                    format!("#{} {} {}{released}", c.id, c.name, c.sale)
                })
                .unwrap_or_default(),
            created: store_time(order.created_time, timezone),
            paid: order
                .pay_time
                .map(|t| store_time(t, timezone))
                .unwrap_or_default(),
            payments: dossier
                .payments
                .iter()
                .map(|p| RecordRow {
                    cells: vec![
                        luffy_order::Channel::parse(&p.channel)
                            .map_or_else(|| p.channel.clone(), |c| c.display_name().to_owned()),
                        p.trade_no.clone(),
                        yuan(p.amount),
                        p.status.clone(),
                        store_time(p.recorded_at, timezone),
                    ],
                })
                .collect(),
            jobs: dossier
                .jobs
                .iter()
                .map(|j| RecordRow {
                    cells: vec![
                        j.id.to_string(),
                        j.kind.clone(),
                        j.status.clone(),
                        j.attempts.to_string(),
                        j.last_error.clone().unwrap_or_default(),
                        store_time(j.updated_at, timezone),
                    ],
                })
                .collect(),
            refundable: order.status.refundable(),
            lines: order
                .lines
                .iter()
                .map(|l| LineRow {
                    course_id: l.course_id.get(),
                    name: l.course_name.clone(),
                    price: yuan(l.real_price),
                })
                .collect(),
            refunds: order
                .refunds
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {}",
                        r.out_request_no,
                        yuan(r.amount),
                        r.status.display_name()
                    )
                })
                .collect(),
            timeline: events
                .iter()
                .map(|e| StepRow {
                    at: store_time(e.at, timezone),
                    what: e.what.clone(),
                })
                .collect(),
        },
        status,
    ))
}

/// `GET /console/orders/{id}`.
pub async fn order(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    order_page(
        &state,
        &session,
        path.into_inner(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// The operator's refund form.
#[derive(Debug, Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/orders/{id}/refund`: refunds every line not refunded yet.
pub async fn refund_order(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<RefundForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let ask = RefundAsk {
        course_ids: None,
        reason: form.reason.trim().to_owned(),
    };
    match state
        .refunds
        .request(Requester::Operator(staff), id, ask)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/console/orders/{id}"))),
        Err(luffy_order::RefundError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            let status = if refusal.is_conflict() {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            order_page(&state, &session, id, refusal.to_string(), status).await
        }
    }
}

/// One dead job.
struct JobRow {
    id: i64,
    kind: String,
    order_id: String,
    attempts: i32,
    last_error: String,
    failed: String,
}

/// The jobs page: counts by kind and state, and the dead jobs.
#[derive(Template)]
#[template(path = "console/jobs.html")]
struct JobsPage {
    csrf: String,
    errmsg: String,
    counts: Vec<luffy_scheduler::KindCount>,
    due: i64,
    rows: Vec<JobRow>,
    total: u64,
    pager: Pager,
}

/// Dead jobs per page.
const JOBS_PAGE_SIZE: u32 = 20;

/// `?page=`.
#[derive(Debug, Deserialize)]
pub struct JobsQuery {
    #[serde(default)]
    page: String,
}

async fn jobs_page(
    state: &ConsoleState,
    session: &Session,
    number: u32,
    errmsg: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(number.into(), JOBS_PAGE_SIZE.into(), JOBS_PAGE_SIZE)?;
    let page = state.jobs.dead(request).await?;
    let counts = state.jobs.counts().await?;
    let timezone = state.timezone;
    Ok(render(
        &JobsPage {
            csrf: csrf_token(session),
            errmsg,
            counts: counts.by_kind_and_status,
            due: counts.due,
            pager: Pager::new("/console/jobs", &[], number, JOBS_PAGE_SIZE, page.total),
            total: page.total,
            rows: page
                .items
                .iter()
                .map(|j| JobRow {
                    id: j.id,
                    kind: j.kind.clone(),
                    order_id: j.order_id.map(|o| o.to_string()).unwrap_or_default(),
                    attempts: j.attempts,
                    last_error: j.last_error.clone(),
                    failed: store_time(j.failed_at, timezone),
                })
                .collect(),
        },
        status,
    ))
}

/// `GET /console/jobs?page=`: job counts, and dead jobs with their last error.
pub async fn jobs(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<JobsQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let page = page_number(&query.page);
    jobs_page(&state, &session, page, String::new(), StatusCode::OK).await
}

/// `POST /console/jobs/{id}/retry`.
pub async fn retry_job(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    match state.jobs.retry(staff, path.into_inner()).await {
        Ok(()) => Ok(see_other("/console/jobs")),
        Err(luffy_scheduler::RetryError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            jobs_page(
                &state,
                &session,
                1,
                refusal.to_string(),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}
