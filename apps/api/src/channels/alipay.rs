//! The Alipay adapter of the payment port: page pay, notify and return verification, and the
//! trade calls the jobs need, over [`AlipayClient`].

use chrono::{DateTime, Utc};
use luffy_order::gateway::{GatewayFuture, NoticeKind, PaymentNotice};
use luffy_order::{
    BillEntry, BillEntryKind, BillError, Channel, ChannelBill, ChannelReply, ChannelRequest,
    NotifyVerdict, PaymentGateway, PaymentRequest, PaymentStart, RefundRequest, RemoteRefund,
    RemoteTrade, ReturnedTrade,
};
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::{bill, AlipayClient, AlipayError, PagePay};

/// [`PaymentGateway`] over [`AlipayClient`].
#[derive(Clone)]
pub struct AlipayGateway(pub AlipayClient);

impl AlipayGateway {
    async fn query_trade(&self, order_number: &str) -> RemoteTrade {
        match self.0.trade_query(order_number).await {
            Ok(trade) if trade.trade_status.is_paid() => RemoteTrade::Paid {
                trade_no: trade.trade_no,
                amount: trade.total_amount,
                raw: trade.raw,
            },
            Ok(_) => RemoteTrade::NotPaid,
            Err(error) if error.is_sub_code("ACQ.TRADE_NOT_EXIST") => RemoteTrade::NotPaid,
            Err(error) => RemoteTrade::Unknown(error.to_string()),
        }
    }

    async fn close_trade(&self, order_number: &str) -> Result<(), String> {
        match self.0.trade_close(order_number).await {
            Ok(()) => Ok(()),
            // Never opened, or already paid (the notify path records and refunds that).
            Err(error)
                if error.is_sub_code("ACQ.TRADE_NOT_EXIST")
                    || error.is_sub_code("ACQ.TRADE_STATUS_ERROR") =>
            {
                Ok(())
            }
            Err(error) => Err(error.to_string()),
        }
    }

    async fn send_refund(&self, refund: &RefundRequest) -> RemoteRefund {
        match self
            .0
            .trade_refund(
                &refund.order_number,
                refund.amount,
                &refund.out_request_no,
                "订单退款,原路退回",
            )
            .await
        {
            // Only an answer that says this call moved money proves it; a retry's "N" (or any
            // failure, 20000 or timeout) is settled by the refund query.
            Ok(result) if result.fund_change => RemoteRefund::Done,
            Ok(_) => RemoteRefund::NotConfirmed("fund_change=N".into()),
            Err(error) => RemoteRefund::NotConfirmed(error.to_string()),
        }
    }

    async fn query_refund(&self, refund: &RefundRequest) -> RemoteRefund {
        match self
            .0
            .refund_query(&refund.order_number, &refund.out_request_no)
            .await
        {
            Ok(answer) if answer.is_success() => RemoteRefund::Done,
            Ok(answer) if answer.refund_status.is_empty() => {
                RemoteRefund::NotConfirmed("the gateway knows no such refund".into())
            }
            Ok(answer) => {
                RemoteRefund::NotConfirmed(format!("refund_status {}", answer.refund_status))
            }
            Err(error) => RemoteRefund::NotConfirmed(error.to_string()),
        }
    }
}

/// Reads a verified notify: refund notifies carry `refund_fee` (and `gmt_refund`,
/// `out_biz_no`); for a partial refund the trade status is still TRADE_SUCCESS, so the status
/// alone must not decide.
fn notice(notification: luffy_payment_alipay::Notification) -> PaymentNotice {
    let field = |name: &str| {
        notification
            .params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let is_refund = field("refund_fee").is_some() || field("gmt_refund").is_some();
    let kind = if is_refund {
        NoticeKind::Refund {
            out_request_no: field("out_biz_no"),
        }
    } else if notification.trade_status.is_paid() {
        NoticeKind::Paid {
            paid_at: notification.gmt_payment,
        }
    } else {
        NoticeKind::NotPaid
    };
    PaymentNotice {
        channel: Channel::Alipay,
        app_id: Some(notification.app_id.clone()),
        seller_id: notification.seller_id.clone(),
        order_number: notification.out_trade_no.clone(),
        trade_no: notification.trade_no.clone(),
        amount: notification.total_amount,
        kind,
        payload: serde_json::to_string(&notification.params).unwrap_or_default(),
    }
}

impl PaymentGateway for AlipayGateway {
    fn channel(&self) -> Channel {
        Channel::Alipay
    }

    /// `time_expire` is the order's expiry, so the gateway itself refuses late payment.
    fn start<'a>(
        &'a self,
        payment: &'a PaymentRequest,
        now: DateTime<Utc>,
    ) -> GatewayFuture<'a, Result<PaymentStart, String>> {
        let link = self
            .0
            .page_pay_url(
                &PagePay {
                    out_trade_no: payment.order_number.clone(),
                    total_amount: payment.amount,
                    subject: payment.subject.clone(),
                    time_expire: payment.expires_at,
                },
                now,
            )
            .map(PaymentStart::Link)
            .map_err(|e| format!("signing the pay link: {e}"));
        Box::pin(std::future::ready(link))
    }

    fn verify_notify(&self, request: &ChannelRequest) -> Result<PaymentNotice, String> {
        let params = parse_form(&request.body).map_err(|e| format!("undecodable: {e}"))?;
        let notification = self.0.verify_notify(&params).map_err(|e| e.to_string())?;
        Ok(notice(notification))
    }

    /// Alipay stops retrying on exactly `success`; anything else (`fail`) makes it retry.
    fn notify_reply(&self, verdict: NotifyVerdict) -> ChannelReply {
        ChannelReply {
            status: 200,
            content_type: Some("text/plain; charset=utf-8"),
            body: match verdict {
                NotifyVerdict::Accepted => "success",
                NotifyVerdict::Refused | NotifyVerdict::Failed => "fail",
            }
            .into(),
        }
    }

    fn verify_return(&self, request: &ChannelRequest) -> Result<ReturnedTrade, String> {
        let params = parse_form(request.query.as_bytes()).map_err(|e| e.to_string())?;
        let returned = self.0.verify_return(&params).map_err(|e| e.to_string())?;
        Ok(ReturnedTrade {
            app_id: returned.app_id,
            order_number: returned.out_trade_no,
        })
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
            let bill = self.0.trade_bill(day).await.map_err(|e| match e {
                AlipayError::Business { sub_code, .. } if sub_code == "isp.bill_not_exist" => {
                    BillError::NotReady
                }
                AlipayError::Malformed(why) => BillError::Refused(why),
                other => BillError::Unavailable(other.to_string()),
            })?;
            Ok(ChannelBill {
                day: bill.day,
                entries: bill
                    .rows
                    .into_iter()
                    .map(|row| BillEntry {
                        kind: match row.kind {
                            bill::BillEntryKind::Payment => BillEntryKind::Payment,
                            bill::BillEntryKind::Refund => BillEntryKind::Refund,
                        },
                        order_number: row.out_trade_no,
                        trade_no: row.trade_no,
                        refund_no: row.out_request_no,
                        amount_fen: row.amount_fen,
                        at: row.completed_at,
                    })
                    .collect(),
            })
        })
    }
}
