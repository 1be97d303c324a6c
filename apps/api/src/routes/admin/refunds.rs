//! The operators' refund queue (issue 12 item 3): `GET /admin/refunds/?status=&page=&size=`,
//! `POST /admin/refunds/{id}/approve/`, `POST /admin/refunds/{id}/reject/ {reason}`, and
//! `POST /admin/orders/{id}/refund/ {course_ids?, reason}` to refund any paid order inside the
//! gateway's window. Every change is audited in its own transaction.

use actix_web::{web, HttpResponse};
use luffy_order::{RefundStatus, Requester};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::json::Json;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::refund::RefundView;
use crate::error::ApiError;
use crate::routes::orders::refund::RefundForm;
use crate::state::AppState;

/// `?status=requested|approved|refunding|refunded|rejected|cancelled|failed&page=&size=`.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// `{reason}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectForm {
    /// Why (required, at most 255 characters).
    reason: String,
}

/// `{count, next, previous, results: [refund, ...]}`, newest first.
pub async fn refund_queue(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            RefundStatus::parse(text)
                .ok_or_else(|| ApiError::BadRequest(format!("退款状态[{text}]无效!")))?,
        ),
    };
    let request = query.page.request()?;
    let page = state.refunds.queue(status, request).await?;
    let link = |n: u32| {
        let filter = status.map_or(String::new(), |s| format!("status={}&", s.as_str()));
        format!(
            "{}/admin/refunds/?{filter}page={n}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    let timezone = state.timezone;
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |refund| {
        RefundView::new(refund, timezone)
    })))
}

/// 200 the approved refund; 404 missing; 409 once reviewed or withdrawn.
pub async fn approve_refund(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let refund = state.refunds.approve(staff.0.id, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(RefundView::new(&refund, state.timezone)))
}

/// 200 the rejected refund; 400 without a reason; 404 missing; 409 once reviewed.
pub async fn reject_refund(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<RejectForm>,
) -> Result<HttpResponse, ApiError> {
    let reason = form.into_inner().reason;
    if reason.trim().is_empty() {
        return Err(ApiError::BadRequest("请填写拒绝退款的原因!".into()));
    }
    let refund = state
        .refunds
        .reject(staff.0.id, path.into_inner(), &reason)
        .await?;
    Ok(HttpResponse::Ok().json(RefundView::new(&refund, state.timezone)))
}

/// 201 the refund, approved at once; the same refusals as the buyer's request, with the
/// gateway's window instead of the buyer's.
pub async fn refund_order(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<RefundForm>,
) -> Result<HttpResponse, ApiError> {
    let ask = form.into_inner().into_ask()?;
    let refund = state
        .refunds
        .request(Requester::Operator(staff.0.id), path.into_inner(), ask)
        .await?;
    Ok(HttpResponse::Created().json(RefundView::new(&refund, state.timezone)))
}
