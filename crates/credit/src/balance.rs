//! The money balance (`users.money`) and its ledger: like points, every change writes one
//! ledger row in the transaction that changes the balance, so a balance always equals the sum
//! of its ledger amounts and can be explained line by line.

use luffy_common::UserId;
use rust_decimal::Decimal;

/// Why the balance changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceOperation {
    /// 0 充值: an operator topped the balance up.
    TopUp,
    /// 1 支付: an order was paid from the balance.
    Payment,
    /// 2 退款: money came back to the balance.
    Refund,
}

impl BalanceOperation {
    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::TopUp => 0,
            Self::Payment => 1,
            Self::Refund => 2,
        }
    }

    /// Maps a stored code; unknown codes are refused.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::TopUp),
            1 => Some(Self::Payment),
            2 => Some(Self::Refund),
            _ => None,
        }
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::TopUp => "充值",
            Self::Payment => "支付",
            Self::Refund => "退款",
        }
    }
}

/// One balance ledger row to write next to the balance update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceEntry {
    /// Whose balance.
    pub user: UserId,
    /// Why.
    pub operation: BalanceOperation,
    /// Signed change in yuan (2 dp): positive in, negative out.
    pub amount: Decimal,
    /// The order concerned, if any.
    pub order_id: Option<i64>,
    /// Shown to the user and operators.
    pub remark: String,
}

/// The largest single top-up, so a typo cannot add a fortune.
pub const MAX_TOP_UP: Decimal = Decimal::from_parts(10_000_000, 0, 0, false, 0);

/// Why a top-up amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTopUp {
    /// Zero or negative.
    #[error("充值金额必须大于0!")]
    NotPositive,
    /// More than two decimals.
    #[error("充值金额最多两位小数!")]
    TooPrecise,
    /// Over [`MAX_TOP_UP`].
    #[error("单次充值不能超过10000000元!")]
    TooLarge,
}

/// Checks a top-up amount: positive, at most two decimals, at most [`MAX_TOP_UP`].
pub fn validate_top_up(amount: Decimal) -> Result<Decimal, InvalidTopUp> {
    if amount <= Decimal::ZERO {
        return Err(InvalidTopUp::NotPositive);
    }
    if amount.normalize().scale() > 2 {
        return Err(InvalidTopUp::TooPrecise);
    }
    if amount > MAX_TOP_UP {
        return Err(InvalidTopUp::TooLarge);
    }
    Ok(amount.round_dp(2))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal_macros_free::dec;

    use super::*;

    /// A tiny stand-in for `dec!` so the crate needs no macro dependency.
    mod rust_decimal_macros_free {
        macro_rules! dec {
            ($text:literal) => {
                <rust_decimal::Decimal as std::str::FromStr>::from_str(stringify!($text)).unwrap()
            };
        }
        pub(crate) use dec;
    }

    #[test]
    fn codes_round_trip() {
        for op in [
            BalanceOperation::TopUp,
            BalanceOperation::Payment,
            BalanceOperation::Refund,
        ] {
            assert_eq!(BalanceOperation::from_code(op.code()), Some(op));
        }
        assert_eq!(BalanceOperation::from_code(3), None);
    }

    #[test]
    fn top_ups_must_be_positive_cents_and_bounded() {
        assert_eq!(validate_top_up(dec!(500)), Ok(dec!(500)));
        assert_eq!(validate_top_up(dec!(0.01)), Ok(dec!(0.01)));
        assert_eq!(validate_top_up(dec!(12.50)), Ok(dec!(12.50)));
        assert_eq!(validate_top_up(dec!(0)), Err(InvalidTopUp::NotPositive));
        assert_eq!(validate_top_up(dec!(-1)), Err(InvalidTopUp::NotPositive));
        assert_eq!(validate_top_up(dec!(1.001)), Err(InvalidTopUp::TooPrecise));
        assert_eq!(
            validate_top_up(dec!(10000000.01)),
            Err(InvalidTopUp::TooLarge)
        );
        assert_eq!(validate_top_up(MAX_TOP_UP), Ok(MAX_TOP_UP));
    }

    proptest! {
        /// Any accepted top-up is a positive whole number of cents no larger than the cap, and
        /// every positive whole number of cents up to the cap is accepted unchanged.
        #[test]
        fn accepted_amounts_are_exact_cents(cents in 1i64..=1_000_000_000) {
            let amount = Decimal::new(cents, 2);
            prop_assert_eq!(validate_top_up(amount), Ok(amount));
            let accepted = validate_top_up(amount).unwrap();
            prop_assert!(accepted > Decimal::ZERO && accepted <= MAX_TOP_UP);
            prop_assert_eq!(accepted * Decimal::ONE_HUNDRED, Decimal::from(cents));
        }

        /// A sub-cent amount is never accepted (no money appears from rounding).
        #[test]
        fn sub_cent_amounts_are_refused(mills in 1i64..1_000_000, extra in 1i64..10) {
            let amount = Decimal::new(mills * 10 + extra, 3);
            prop_assert_eq!(validate_top_up(amount), Err(InvalidTopUp::TooPrecise));
        }
    }
}
