//! `POST /payments/alipay/notify`: Alipay's asynchronous notify. Replies exactly `success` once
//! the payment is safely recorded, `fail` for anything forged or wrong (and changes nothing).

use actix_web::web::{Bytes, Data};
use actix_web::HttpResponse;
use chrono::Utc;
use luffy_order::{Channel, PaymentError, PaymentEvent, PaymentOutcome, PaymentStore};
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::{verify_notify, Notification};

use crate::business_metrics::NotifyOutcome;
use crate::state::AppState;

fn reply(ok: bool) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(if ok { "success" } else { "fail" })
}

/// Checks a verified notify against our configuration (SPEC 2.7).
fn belongs_to_us(state: &AppState, notification: &Notification) -> bool {
    let config = state.alipay.config();
    if notification.app_id != config.app_id {
        return false;
    }
    match (&config.seller_id, &notification.seller_id) {
        (Some(ours), Some(theirs)) => ours == theirs,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// Verify, check app/seller/order/amount, fulfil; `fail` makes Alipay retry later, which is
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
    if !belongs_to_us(state, &notification) {
        tracing::warn!(app_id = %notification.app_id, "Alipay notify for another app or seller");
        return (false, Some(NotifyOutcome::Foreign));
    }
    if !notification.trade_status.is_paid() {
        // WAIT_BUYER_PAY / TRADE_CLOSED: nothing to do, but only for an order we know with
        // the right amount.
        let ok = matches!(
            state
                .orders
                .find_by_number(None, &notification.out_trade_no)
                .await,
            Ok(Some(order)) if order.real_price == notification.total_amount
        );
        return (ok, Some(NotifyOutcome::NotPaid));
    }
    let payload = serde_json::to_string(&notification.params).unwrap_or_default();
    let event = PaymentEvent {
        order_number: notification.out_trade_no.clone(),
        trade_no: notification.trade_no.clone(),
        amount: notification.total_amount,
        channel: Channel::Alipay,
        payload,
        paid_at: notification.gmt_payment.unwrap_or_else(Utc::now),
    };
    match state.payments.record_payment(event).await {
        Ok(outcome) => {
            super::log_payment_outcome(state, &notification.out_trade_no, &outcome);
            let counted = match outcome {
                PaymentOutcome::Fulfilled(_) => NotifyOutcome::Fulfilled,
                PaymentOutcome::AlreadyRecorded { .. } => NotifyOutcome::Duplicate,
                PaymentOutcome::RefundPending { .. } => NotifyOutcome::LateRefund,
            };
            (true, Some(counted))
        }
        Err(PaymentError::Storage(error)) => {
            tracing::error!(%error, "could not record an Alipay payment; Alipay will retry");
            (false, None)
        }
        Err(error) => {
            tracing::warn!(%error, order = %notification.out_trade_no, "refused Alipay notify");
            let counted = match error {
                PaymentError::AmountMismatch => NotifyOutcome::AmountMismatch,
                _ => NotifyOutcome::UnknownOrder,
            };
            (false, Some(counted))
        }
    }
}
