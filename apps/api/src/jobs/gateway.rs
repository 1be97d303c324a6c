//! The handlers' gateway port over the Alipay client.

use luffy_order::jobs::{RemoteTrade, TradeGateway};
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
    ) -> Result<(), String> {
        self.0
            .trade_refund(
                order_number,
                amount,
                out_request_no,
                "订单已取消或超时,原路退款",
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
