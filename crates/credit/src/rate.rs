//! Converting points to money (10 points = 1 yuan by default, configurable).

use rust_decimal::Decimal;

/// How many points make one yuan. Always positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditRate(u32);

/// A rate of zero would make points worth infinite money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the points rate must be a positive whole number of points per yuan")]
pub struct InvalidCreditRate;

impl CreditRate {
    /// Validates a configured rate.
    pub fn new(points_per_yuan: u32) -> Result<Self, InvalidCreditRate> {
        if points_per_yuan == 0 {
            Err(InvalidCreditRate)
        } else {
            Ok(Self(points_per_yuan))
        }
    }

    /// Points per yuan, as returned to clients (`credit_to_money`).
    pub fn points_per_yuan(self) -> u32 {
        self.0
    }

    /// The money value of `points`, exact to the cent and rounded half-up below it
    /// (15 points at 10/yuan = 1.50).
    pub fn to_money(self, points: u32) -> Decimal {
        luffy_common::money::round_cents(Decimal::from(points) / Decimal::from(self.0))
    }
}

impl Default for CreditRate {
    fn default() -> Self {
        Self(10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zero_rate_is_refused() {
        assert_eq!(CreditRate::new(0), Err(InvalidCreditRate));
    }

    #[test]
    fn fifteen_points_are_one_fifty() {
        assert_eq!(CreditRate::default().to_money(15).to_string(), "1.50");
        assert_eq!(CreditRate::default().to_money(1000).to_string(), "100.00");
    }

    proptest! {
        #[test]
        fn at_ten_per_yuan_money_is_exact(points in 0u32..10_000_000) {
            let money = CreditRate::default().to_money(points);
            prop_assert_eq!(money * Decimal::from(10), Decimal::from(points));
        }
    }
}
