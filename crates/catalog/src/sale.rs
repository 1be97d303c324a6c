//! Sale formulas shared by promotions and coupons: `"0"`, `"*0.8"`, `"-100"`.

use std::fmt;
use std::str::FromStr;

use luffy_common::money::{non_negative, round_cents};
use rust_decimal::Decimal;

/// A parsed sale formula. Parsing happens when an operator saves it, so checkout never meets
/// an invalid one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleFormula {
    /// `"0"`: the course is free.
    Free,
    /// `"*0.88"`: pay this fraction of the price; strictly between 0 and 1.
    Multiply(Decimal),
    /// `"-30"`: take this many yuan off, never below zero; strictly positive.
    Reduce(Decimal),
}

/// A formula the store refuses to save, with the reason shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sale formula {formula:?}: {reason}")]
pub struct InvalidSale {
    /// The text that was refused.
    pub formula: String,
    /// Why.
    pub reason: &'static str,
}

impl FromStr for SaleFormula {
    type Err = InvalidSale;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| InvalidSale {
            formula: text.to_owned(),
            reason,
        };
        let number = |digits: &str| -> Result<Decimal, InvalidSale> {
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return Err(invalid("expected a plain decimal number"));
            }
            Decimal::from_str(digits).map_err(|_| invalid("expected a plain decimal number"))
        };
        if text == "0" {
            return Ok(Self::Free);
        }
        if let Some(rest) = text.strip_prefix('*') {
            let factor = number(rest)?;
            if factor <= Decimal::ZERO || factor >= Decimal::ONE || factor.scale() > 4 {
                return Err(invalid(
                    "a multiplier must be between 0 and 1, at most 4 decimals",
                ));
            }
            return Ok(Self::Multiply(factor));
        }
        if let Some(rest) = text.strip_prefix('-') {
            let amount = number(rest)?;
            if amount <= Decimal::ZERO || amount.scale() > 2 {
                return Err(invalid(
                    "a reduction must be positive with at most 2 decimals",
                ));
            }
            return Ok(Self::Reduce(amount));
        }
        Err(invalid("expected \"0\", \"*0.xx\" or \"-N\""))
    }
}

impl fmt::Display for SaleFormula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Free => write!(f, "0"),
            Self::Multiply(factor) => write!(f, "*{factor}"),
            Self::Reduce(amount) => write!(f, "-{amount}"),
        }
    }
}

impl SaleFormula {
    /// The price after the sale, rounded half-up to cents and never below zero.
    pub fn apply(&self, price: Decimal) -> Decimal {
        match self {
            Self::Free => round_cents(Decimal::ZERO),
            Self::Multiply(factor) => round_cents(price * factor),
            Self::Reduce(amount) => round_cents(non_negative(price - amount)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parses_the_three_shapes() {
        assert_eq!("0".parse(), Ok(SaleFormula::Free));
        assert_eq!("*0.88".parse(), Ok(SaleFormula::Multiply(dec!(0.88))));
        assert_eq!("-30".parse(), Ok(SaleFormula::Reduce(dec!(30))));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "", "*", "*1", "*1.5", "*0", "-0", "-", "+30", "30", "*-0.5", "-1e3", "- 30", "*0.88x",
            "-30.001",
        ] {
            assert!(
                bad.parse::<SaleFormula>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn applies_with_rounding() {
        assert_eq!(
            SaleFormula::Multiply(dec!(0.8)).apply(dec!(699.00)),
            dec!(559.20)
        );
        assert_eq!(
            SaleFormula::Multiply(dec!(0.85)).apply(dec!(0.05)),
            dec!(0.04)
        );
        assert_eq!(SaleFormula::Reduce(dec!(100)).apply(dec!(99)), dec!(0.00));
        assert_eq!(SaleFormula::Free.apply(dec!(99)), dec!(0.00));
    }

    #[test]
    fn display_round_trips() {
        for text in ["0", "*0.88", "-30", "-99.5"] {
            let parsed: SaleFormula = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
    }

    proptest! {
        #[test]
        fn sale_price_is_between_zero_and_price(
            cents in 0i64..100_000_000,
            factor in 1i64..10_000,
            reduce in 1i64..1_000_000,
        ) {
            let price = Decimal::new(cents, 2);
            for formula in [
                SaleFormula::Free,
                SaleFormula::Multiply(Decimal::new(factor, 4)),
                SaleFormula::Reduce(Decimal::new(reduce, 2)),
            ] {
                let sale = formula.apply(price);
                prop_assert!(sale >= Decimal::ZERO);
                prop_assert!(sale <= price);
                prop_assert_eq!(sale.scale(), 2);
            }
        }

        #[test]
        fn reduction_takes_exactly_the_amount_when_it_fits(cents in 0i64..100_000_000, reduce in 1i64..1_000_000) {
            let price = Decimal::new(cents, 2);
            let amount = Decimal::new(reduce, 2);
            let sale = SaleFormula::Reduce(amount).apply(price);
            if amount <= price {
                prop_assert_eq!(sale, price - amount);
            } else {
                prop_assert_eq!(sale, Decimal::ZERO);
            }
        }
    }
}
