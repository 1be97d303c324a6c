//! `POST /payments/alipay/notify`: Alipay's asynchronous notify. Replies exactly `success` once
//! the payment is safely recorded, `fail` for anything forged or wrong (and changes nothing).

use actix_web::web::{Bytes, Data};
use actix_web::HttpResponse;
use luffy_order::{NoticeKind, NoticeOutcome, NoticeRefusal, PaymentNotice, PaymentOutcome};
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::verify_notify;

use crate::business_metrics::NotifyOutcome;
use crate::state::AppState;

fn reply(ok: bool) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(if ok { "success" } else { "fail" })
}

/// Verify the signature here, then let the payment service check app, seller, order and
/// amount and fulfil; `fail` makes Alipay retry later, which is
/// right for transient storage errors and harmless for forgeries. Every answer is counted by
/// outcome in `luffy_alipay_notifies_total`.
pub async fn alipay_notify(state: Data<AppState>, body: Bytes) -> HttpResponse {
    let (ok, outcome) = handle(&state, &body).await;
    if let Some(outcome) = outcome {
        state.business.notify(outcome);
    }
    reply(ok)
}

/// The answer (`success` or not) and the outcome to count (none for a storage failure, which
/// Alipay's retry will settle).
async fn handle(state: &AppState, body: &[u8]) -> (bool, Option<NotifyOutcome>) {
    let params = match parse_form(body) {
        Ok(params) => params,
        Err(error) => {
            tracing::warn!(%error, "undecodable Alipay notify");
            return (false, Some(NotifyOutcome::Forged));
        }
    };
    let notification = match verify_notify(&params, &state.alipay.config().alipay_public_key) {
        Ok(notification) => notification,
        Err(error) => {
            tracing::warn!(%error, "rejected Alipay notify");
            return (false, Some(NotifyOutcome::Forged));
        }
    };
    // Refund notifies carry refund_fee (and gmt_refund, out_biz_no); for a partial refund the
    // trade status is still TRADE_SUCCESS, so the status alone must not decide.
    let is_refund = notification
        .params
        .iter()
        .any(|(key, _)| key == "refund_fee" || key == "gmt_refund");
    let kind = if is_refund {
        NoticeKind::Refund {
            out_request_no: notification
                .params
                .iter()
                .find(|(key, _)| key == "out_biz_no")
                .map(|(_, value)| value.clone()),
        }
    } else if notification.trade_status.is_paid() {
        NoticeKind::Paid {
            paid_at: notification.gmt_payment,
        }
    } else {
        NoticeKind::NotPaid
    };
    let notice = PaymentNotice {
        app_id: notification.app_id.clone(),
        seller_id: notification.seller_id.clone(),
        order_number: notification.out_trade_no.clone(),
        trade_no: notification.trade_no.clone(),
        amount: notification.total_amount,
        kind,
        payload: serde_json::to_string(&notification.params).unwrap_or_default(),
    };
    let order_number = notice.order_number.clone();
    match state.payments.handle_notice(notice).await {
        Ok(NoticeOutcome::Recorded(outcome)) => {
            super::log_payment_outcome(state, &order_number, &outcome);
            let counted = match outcome {
                PaymentOutcome::Fulfilled(_) => NotifyOutcome::Fulfilled,
                PaymentOutcome::AlreadyRecorded { .. } => NotifyOutcome::Duplicate,
                PaymentOutcome::RefundPending { .. } => NotifyOutcome::LateRefund,
            };
            (true, Some(counted))
        }
        Ok(NoticeOutcome::NotPaid) => (true, Some(NotifyOutcome::NotPaid)),
        Ok(NoticeOutcome::Refund(confirmed)) => {
            match confirmed {
                Some(refund) => {
                    tracing::info!(order = %order_number, refund = refund.id, "Alipay refund notify confirmed a refund");
                    luffy_order::RefundEvents::refunded(&state.business, &refund);
                }
                None => {
                    tracing::info!(order = %order_number, "Alipay refund notify: nothing to change")
                }
            }
            (true, Some(NotifyOutcome::Refund))
        }
        Ok(NoticeOutcome::Refused(refusal)) => {
            tracing::warn!(?refusal, order = %order_number, "refused Alipay notify");
            let counted = match refusal {
                NoticeRefusal::Foreign => NotifyOutcome::Foreign,
                NoticeRefusal::AmountMismatch => NotifyOutcome::AmountMismatch,
                NoticeRefusal::UnknownOrder => NotifyOutcome::UnknownOrder,
            };
            (false, Some(counted))
        }
        Err(error) => {
            tracing::error!(%error, "could not record an Alipay payment; Alipay will retry");
            (false, None)
        }
    }
}
