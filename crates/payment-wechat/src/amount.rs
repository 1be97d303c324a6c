//! Yuan (our `Decimal`) and fen (WeChat's integers), converted exactly: an amount that is
//! not a whole number of fen is refused, never rounded.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::WechatError;

/// Yuan to fen: `12.34` → `1234`. Refuses fractions of a fen, negative amounts and amounts
/// beyond `i64`.
pub fn yuan_to_fen(yuan: Decimal) -> Result<i64, WechatError> {
    if yuan.is_sign_negative() && !yuan.is_zero() {
        return Err(WechatError::Amount(format!("{yuan} is negative")));
    }
    let fen = yuan
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or_else(|| WechatError::Amount(format!("{yuan} is too large")))?;
    if !fen.fract().is_zero() {
        return Err(WechatError::Amount(format!(
            "{yuan} is not a whole number of fen"
        )));
    }
    fen.to_i64()
        .ok_or_else(|| WechatError::Amount(format!("{yuan} is too large")))
}

/// Fen to yuan: `1234` → `12.34`, exactly.
pub fn fen_to_yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn whole_fen_convert_and_fractions_are_refused() {
        assert_eq!(yuan_to_fen(dec!(12.34)).unwrap(), 1234);
        assert_eq!(yuan_to_fen(dec!(0.01)).unwrap(), 1);
        assert_eq!(yuan_to_fen(dec!(100)).unwrap(), 10000);
        assert_eq!(yuan_to_fen(dec!(0)).unwrap(), 0);
        assert_eq!(yuan_to_fen(dec!(12.340)).unwrap(), 1234);
        assert!(yuan_to_fen(dec!(0.001)).is_err());
        assert!(yuan_to_fen(dec!(12.345)).is_err());
        assert!(yuan_to_fen(dec!(-1)).is_err());
        assert_eq!(fen_to_yuan(1234), dec!(12.34));
    }

    proptest! {
        #[test]
        fn fen_round_trip_exactly(fen in 0i64..=10_000_000_000) {
            prop_assert_eq!(yuan_to_fen(fen_to_yuan(fen)).unwrap(), fen);
        }

        #[test]
        fn sub_fen_amounts_never_convert(fen in 0i64..1_000_000, mills in 1i64..10) {
            let yuan = Decimal::new(fen * 10 + mills, 3);
            prop_assert!(yuan_to_fen(yuan).is_err());
        }
    }
}
