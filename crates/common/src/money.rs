//! Money is `rust_decimal::Decimal` with two decimal places, rounded half-up.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents the way the store's receipts do: half away from zero, 2 dp.
pub fn round_cents(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// Clamps a computed price at zero so no discount can make the store pay the buyer.
pub fn non_negative(value: Decimal) -> Decimal {
    if value.is_sign_negative() {
        let mut zero = Decimal::ZERO;
        zero.rescale(2);
        zero
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn rounds_half_up_to_two_places() {
        let cases = [
            ("1.005", "1.01"),
            ("1.004", "1.00"),
            ("559.2", "559.20"),
            ("0", "0.00"),
        ];
        for (input, expected) in cases {
            let got = round_cents(Decimal::from_str(input).unwrap_or_default());
            assert_eq!(got.to_string(), expected, "rounding {input}");
        }
    }

    #[test]
    fn negative_prices_become_zero() {
        assert_eq!(non_negative(Decimal::new(-5, 0)).to_string(), "0.00");
        assert_eq!(non_negative(Decimal::new(5, 1)), Decimal::new(5, 1));
    }

    proptest! {
        #[test]
        fn rounding_is_within_half_a_cent(cents in 0i64..10_000_000, extra in 0i64..100) {
            let value = Decimal::new(cents * 100 + extra, 4);
            let rounded = round_cents(value);
            prop_assert_eq!(rounded.scale(), 2);
            prop_assert!((rounded - value).abs() <= Decimal::new(5, 3));
        }
    }
}
