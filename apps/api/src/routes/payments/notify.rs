//! `POST /payments/{channel}/notify`: a channel's asynchronous notify. The channel's adapter
//! verifies it and answers in the channel's protocol (Alipay: exactly `success` once the
//! payment is safely recorded, `fail` otherwise); the payment service decides.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use luffy_order::{
    Channel, ChannelRequest, NoticeOutcome, NoticeRefusal, NotifyVerdict, PaymentGateway,
    PaymentOutcome,
};

use crate::business_metrics::NotifyOutcome;
use crate::state::AppState;

/// The request as the adapter verifies it: headers, query and the raw body, untouched.
pub fn channel_request(req: &HttpRequest, body: &[u8]) -> ChannelRequest {
    ChannelRequest {
        headers: req
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_owned(), v.to_owned()))
            })
            .collect(),
        query: req.query_string().to_owned(),
        body: body.to_vec(),
    }
}

/// Alipay's notify.
pub async fn alipay_notify(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    channel_notify(&state, Channel::Alipay, &req, &body).await
}

/// Verify with the channel's adapter, then let the payment service check app, seller, order
/// and amount and fulfil. A refusal makes the channel retry later, which is right for
/// transient storage errors and harmless for forgeries. Every answer is counted by channel and
/// outcome in `luffy_payment_notifies_total`.
pub async fn channel_notify(
    state: &AppState,
    channel: Channel,
    req: &HttpRequest,
    body: &[u8],
) -> HttpResponse {
    let Some(gateway) = state.gateways.get(channel) else {
        return HttpResponse::NotFound().finish();
    };
    let (verdict, outcome) = handle(state, gateway, &channel_request(req, body)).await;
    if let Some(outcome) = outcome {
        state.business.notify(channel, outcome);
    }
    let reply = gateway.notify_reply(verdict);
    let status = actix_web::http::StatusCode::from_u16(reply.status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    match reply.content_type {
        Some(content_type) => response.content_type(content_type).body(reply.body),
        None => response.finish(),
    }
}

/// The verdict for the channel's answer and the outcome to count (none for a storage
/// failure, which the channel's retry will settle).
async fn handle(
    state: &AppState,
    gateway: &dyn PaymentGateway,
    request: &ChannelRequest,
) -> (NotifyVerdict, Option<NotifyOutcome>) {
    let channel = gateway.channel();
    let notice = match gateway.verify_notify(request) {
        Ok(notice) => notice,
        Err(error) => {
            tracing::warn!(%error, %channel, "rejected notify");
            return (NotifyVerdict::Refused, Some(NotifyOutcome::Forged));
        }
    };
    let order_number = notice.order_number.clone();
    match state.payments.handle_notice(notice).await {
        Ok(NoticeOutcome::Recorded(outcome)) => {
            super::log_payment_outcome(state, channel, &order_number, &outcome);
            let counted = match outcome {
                PaymentOutcome::Fulfilled(_) => NotifyOutcome::Fulfilled,
                PaymentOutcome::AlreadyRecorded { .. } => NotifyOutcome::Duplicate,
                PaymentOutcome::RefundPending { .. } => NotifyOutcome::LateRefund,
            };
            (NotifyVerdict::Accepted, Some(counted))
        }
        Ok(NoticeOutcome::NotPaid) => (NotifyVerdict::Accepted, Some(NotifyOutcome::NotPaid)),
        Ok(NoticeOutcome::Refund(confirmed)) => {
            match confirmed {
                Some(refund) => {
                    tracing::info!(order = %order_number, refund = refund.id, %channel, "refund notify confirmed a refund");
                    luffy_order::RefundEvents::refunded(&state.business, &refund);
                }
                None => {
                    tracing::info!(order = %order_number, %channel, "refund notify: nothing to change")
                }
            }
            (NotifyVerdict::Accepted, Some(NotifyOutcome::Refund))
        }
        Ok(NoticeOutcome::Refused(refusal)) => {
            tracing::warn!(?refusal, order = %order_number, %channel, "refused notify");
            let counted = match refusal {
                NoticeRefusal::Foreign => NotifyOutcome::Foreign,
                NoticeRefusal::AmountMismatch => NotifyOutcome::AmountMismatch,
                NoticeRefusal::UnknownOrder => NotifyOutcome::UnknownOrder,
            };
            (NotifyVerdict::Refused, Some(counted))
        }
        Err(error) => {
            tracing::error!(%error, %channel, "could not record a payment; the channel will retry");
            (NotifyVerdict::Failed, None)
        }
    }
}
