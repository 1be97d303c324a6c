//! The buyer's refunds (the tutorial's 申请退款): `POST /orders/{id}/refund/` asks for some or all
//! of a paid order's courses back, `GET /orders/{id}/refunds/` lists the order's refunds, and
//! `DELETE /orders/{id}/refunds/{rid}/` withdraws a request still waiting for review.

use actix_web::{web, HttpResponse};
use luffy_common::CourseId;
use luffy_order::{RefundAsk, Requester};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::json::Json;
use crate::dto::refund::RefundView;
use crate::error::ApiError;
use crate::state::AppState;

/// The most courses one request may name (an order has far fewer lines).
const MAX_COURSES: usize = 100;

/// `{course_ids?: [..], reason}`: without `course_ids`, every line not refunded yet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundForm {
    /// The courses to refund (positive ids, lines of the order); absent: every line not
    /// refunded yet.
    #[serde(default)]
    course_ids: Option<Vec<i64>>,
    /// Why (at most 255 characters).
    #[serde(default)]
    reason: String,
}

impl RefundForm {
    /// The request, once its course ids are plausible (positive, not too many).
    pub fn into_ask(self) -> Result<RefundAsk, ApiError> {
        let course_ids = match self.course_ids {
            None => None,
            Some(ids) if ids.len() > MAX_COURSES => {
                return Err(ApiError::BadRequest(format!(
                    "一次最多申请{MAX_COURSES}门课程的退款!"
                )))
            }
            Some(ids) => Some(
                ids.into_iter()
                    .map(|id| {
                        if id > 0 {
                            Ok(CourseId(id))
                        } else {
                            Err(ApiError::BadRequest(format!("课程ID[{id}]无效!")))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(RefundAsk {
            course_ids,
            reason: self.reason,
        })
    }
}

/// 201 `{id, status, amount, course_ids, ...}`; 400 outside the window, for a foreign or
/// refunded course, or an order that is not paid; 404 when not the caller's; 409 when a
/// course has an open request.
pub async fn request_refund(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<i64>,
    form: Json<RefundForm>,
) -> Result<HttpResponse, ApiError> {
    let ask = form.into_inner().into_ask()?;
    let refund = state
        .refunds
        .request(Requester::Buyer(caller.id), path.into_inner(), ask)
        .await?;
    Ok(HttpResponse::Created().json(RefundView::new(&refund, state.timezone)))
}

/// 200 `[refund, ...]`, oldest first; 404 when not the caller's.
pub async fn list_refunds(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let refunds = state.refunds.list(caller.id, path.into_inner()).await?;
    let timezone = state.timezone;
    Ok(HttpResponse::Ok().json(
        refunds
            .iter()
            .map(|r| RefundView::new(r, timezone))
            .collect::<Vec<_>>(),
    ))
}

/// 200 the withdrawn refund; 404 when not the caller's; 409 once it was reviewed.
pub async fn cancel_refund(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (order_id, refund_id) = path.into_inner();
    let refund = state.refunds.cancel(caller.id, order_id, refund_id).await?;
    Ok(HttpResponse::Ok().json(RefundView::new(&refund, state.timezone)))
}
