//! The WeChat Pay adapter of the payment port: Native pay (a code to scan), verified and
//! decrypted notifies, and the trade calls the jobs need, over [`WechatClient`]. Amounts
//! cross the edge here, yuan ↔ fen, exactly.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use luffy_common::{Clock, SystemClock};
use luffy_order::gateway::{GatewayFuture, NoticeKind, PaymentNotice};
use luffy_order::{
    BillEntry, BillEntryKind, BillError, Channel, ChannelBill, ChannelReply, ChannelRequest,
    NotifyVerdict, PaymentGateway, PaymentRequest, PaymentStart, RefundRequest, RemoteRefund,
    RemoteTrade,
};
use luffy_payment_wechat::{
    bill, fen_to_yuan, verify_notify, yuan_to_fen, NativeOrder, Notice, RefundOrder, WechatClient,
    WechatError,
};
use serde_json::json;

/// [`PaymentGateway`] over [`WechatClient`].
#[derive(Clone)]
pub struct WechatGateway {
    client: WechatClient,
    clock: Arc<dyn Clock>,
}

impl WechatGateway {
    /// The adapter over a client; notifies are checked against the system clock.
    pub fn new(client: WechatClient) -> Self {
        Self {
            client,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same adapter reading "now" from `clock` (the notify's 300 s window).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// The client.
    pub fn client(&self) -> &WechatClient {
        &self.client
    }

    async fn start_native(&self, payment: &PaymentRequest) -> Result<PaymentStart, String> {
        let total_fen = yuan_to_fen(payment.amount).map_err(|e| e.to_string())?;
        let code_url = self
            .client
            .native_pay(&NativeOrder {
                description: payment.subject.clone(),
                out_trade_no: payment.order_number.clone(),
                time_expire: payment.expires_at,
                total_fen,
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(PaymentStart::Code(code_url))
    }

    async fn query_trade(&self, order_number: &str) -> RemoteTrade {
        match self.client.query_order(order_number).await {
            Ok(answer) if answer.value.is_paid() => {
                let (Some(trade_no), Some(amount)) = (
                    answer.value.transaction_id.clone(),
                    answer.value.amount.clone(),
                ) else {
                    return RemoteTrade::Unknown(
                        "a paid trade without transaction_id or amount".into(),
                    );
                };
                RemoteTrade::Paid {
                    trade_no,
                    amount: fen_to_yuan(amount.total),
                    raw: answer.raw,
                }
            }
            Ok(_) => RemoteTrade::NotPaid,
            Err(error) if error.is_code("ORDER_NOT_EXIST") => RemoteTrade::NotPaid,
            Err(error) => RemoteTrade::Unknown(error.to_string()),
        }
    }

    async fn close_trade(&self, order_number: &str) -> Result<(), String> {
        match self.client.close_order(order_number).await {
            Ok(()) => Ok(()),
            // Never opened, or already paid (the notify path records and refunds that).
            Err(error) if error.is_code("ORDER_NOT_EXIST") || error.is_code("ORDERPAID") => Ok(()),
            Err(error) => Err(error.to_string()),
        }
    }

    async fn send_refund(&self, refund: &RefundRequest) -> RemoteRefund {
        let (refund_fen, total_fen) =
            match (yuan_to_fen(refund.amount), yuan_to_fen(refund.order_total)) {
                (Ok(refund_fen), Ok(total_fen)) => (refund_fen, total_fen),
                (Err(error), _) | (_, Err(error)) => {
                    return RemoteRefund::NotConfirmed(error.to_string())
                }
            };
        let order = RefundOrder {
            out_trade_no: refund.order_number.clone(),
            out_refund_no: refund.out_request_no.clone(),
            reason: "订单退款,原路退回".into(),
            refund_fen,
            total_fen,
        };
        match self.client.refund(&order).await {
            Ok(answer) if answer.value.is_success() => RemoteRefund::Done,
            Ok(answer) => {
                RemoteRefund::NotConfirmed(format!("status {}", answer.value.refund_status))
            }
            Err(error) => RemoteRefund::NotConfirmed(error.to_string()),
        }
    }

    async fn query_refund(&self, refund: &RefundRequest) -> RemoteRefund {
        match self.client.query_refund(&refund.out_request_no).await {
            Ok(answer) if answer.value.is_success() => RemoteRefund::Done,
            Ok(answer) => {
                RemoteRefund::NotConfirmed(format!("status {}", answer.value.refund_status))
            }
            Err(error) => RemoteRefund::NotConfirmed(error.to_string()),
        }
    }
}

/// A decrypted notify in the domain's terms.
fn notice(notice: Notice) -> Result<PaymentNotice, String> {
    match notice {
        Notice::Transaction {
            event_type,
            transaction,
            plaintext,
        } => {
            let amount = transaction
                .amount
                .as_ref()
                .ok_or("a transaction without amount")?;
            let paid = event_type == "TRANSACTION.SUCCESS" && transaction.is_paid();
            let trade_no = match (&transaction.transaction_id, paid) {
                (Some(id), _) => id.clone(),
                (None, false) => String::new(),
                (None, true) => return Err("a paid transaction without transaction_id".into()),
            };
            Ok(PaymentNotice {
                channel: Channel::Wechat,
                app_id: Some(transaction.appid.clone()),
                seller_id: Some(transaction.mchid.clone()),
                order_number: transaction.out_trade_no.clone(),
                trade_no,
                amount: fen_to_yuan(amount.total),
                kind: if paid {
                    NoticeKind::Paid {
                        paid_at: transaction.paid_at(),
                    }
                } else {
                    NoticeKind::NotPaid
                },
                payload: plaintext,
            })
        }
        Notice::Refund {
            event_type,
            refund,
            plaintext,
        } => Ok(PaymentNotice {
            channel: Channel::Wechat,
            app_id: None,
            seller_id: refund.mchid.clone(),
            order_number: refund.out_trade_no.clone(),
            trade_no: refund.transaction_id.clone(),
            amount: fen_to_yuan(refund.amount.total),
            kind: if event_type == "REFUND.SUCCESS" {
                NoticeKind::Refund {
                    out_request_no: Some(refund.out_refund_no.clone()),
                }
            } else {
                NoticeKind::RefundNotDone {
                    out_request_no: Some(refund.out_refund_no.clone()),
                    status: event_type,
                }
            },
            payload: plaintext,
        }),
    }
}

impl PaymentGateway for WechatGateway {
    fn channel(&self) -> Channel {
        Channel::Wechat
    }

    /// `time_expire` is the order's deadline (in +08:00), so WeChat itself refuses late
    /// payment; the amount is converted to fen exactly or refused.
    fn start<'a>(
        &'a self,
        payment: &'a PaymentRequest,
        _now: DateTime<Utc>,
    ) -> GatewayFuture<'a, Result<PaymentStart, String>> {
        Box::pin(self.start_native(payment))
    }

    fn verify_notify(&self, request: &ChannelRequest) -> Result<PaymentNotice, String> {
        let verified = verify_notify(
            self.client.config(),
            |name| request.header(name),
            &request.body,
            self.clock.now(),
        )
        .map_err(|e| e.to_string())?;
        notice(verified)
    }

    /// WeChat stops retrying on any 2xx (204, no body); otherwise it wants
    /// `{"code": "FAIL", "message": ...}` with a 4xx or 5xx.
    fn notify_reply(&self, verdict: NotifyVerdict) -> ChannelReply {
        let fail = |status: u16, message: &str| ChannelReply {
            status,
            content_type: Some("application/json"),
            body: json!({"code": "FAIL", "message": message}).to_string(),
        };
        match verdict {
            NotifyVerdict::Accepted => ChannelReply {
                status: 204,
                content_type: None,
                body: String::new(),
            },
            NotifyVerdict::Refused => fail(400, "验签失败或通知与订单不符"),
            NotifyVerdict::Failed => fail(500, "处理失败,请稍后重试"),
        }
    }

    fn query<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, RemoteTrade> {
        Box::pin(self.query_trade(order_number))
    }

    fn close<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, Result<(), String>> {
        Box::pin(self.close_trade(order_number))
    }

    fn refund<'a>(&'a self, refund: &'a RefundRequest) -> GatewayFuture<'a, RemoteRefund> {
        Box::pin(self.send_refund(refund))
    }

    fn refund_query<'a>(&'a self, refund: &'a RefundRequest) -> GatewayFuture<'a, RemoteRefund> {
        Box::pin(self.query_refund(refund))
    }

    fn bill(&self, day: chrono::NaiveDate) -> GatewayFuture<'_, Result<ChannelBill, BillError>> {
        Box::pin(async move {
            let bill = self.client.trade_bill(day).await.map_err(|e| match e {
                WechatError::Api { code, .. } if code == "NO_STATEMENT_EXIST" => {
                    BillError::NotReady
                }
                WechatError::Malformed(why) => BillError::Refused(why),
                other => BillError::Unavailable(other.to_string()),
            })?;
            Ok(ChannelBill {
                day,
                entries: bill
                    .rows
                    .into_iter()
                    .map(|row| BillEntry {
                        kind: match row.kind {
                            bill::BillEntryKind::Payment => BillEntryKind::Payment,
                            bill::BillEntryKind::Refund => BillEntryKind::Refund,
                        },
                        order_number: row.out_trade_no,
                        trade_no: row.transaction_id,
                        refund_no: row.out_refund_no,
                        amount_fen: row.amount_fen,
                        at: row.at,
                    })
                    .collect(),
            })
        })
    }
}
