//! The handlers' gateway port over the Alipay client.

use luffy_order::jobs::{RemoteRefund, RemoteTrade, TradeGateway};
use luffy_payment_alipay::AlipayClient;
use rust_decimal::Decimal;

/// [`TradeGateway`] over [`AlipayClient`].
#[derive(Clone)]
pub struct AlipayGateway(pub AlipayClient);

impl TradeGateway for AlipayGateway {
    async fn query(&self, order_number: &str) -> RemoteTrade {
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

    async fn close(&self, order_number: &str) -> Result<(), String> {
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

    async fn refund(
        &self,
        order_number: &str,
        amount: Decimal,
        out_request_no: &str,
    ) -> RemoteRefund {
        match self
            .0
            .trade_refund(order_number, amount, out_request_no, "订单退款,原路退回")
            .await
        {
            // Only an answer that says this call moved money proves it; a retry's "N" (or any
            // failure, 20000 or timeout) is settled by the refund query.
            Ok(result) if result.fund_change => RemoteRefund::Done,
            Ok(_) => RemoteRefund::NotConfirmed("fund_change=N".into()),
            Err(error) => RemoteRefund::NotConfirmed(error.to_string()),
        }
    }

    async fn refund_query(&self, order_number: &str, out_request_no: &str) -> RemoteRefund {
        match self.0.refund_query(order_number, out_request_no).await {
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
