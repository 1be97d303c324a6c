//! Exponential backoff with a ceiling.

use std::time::Duration;

/// After failed attempt `n` (1-based), wait `base * 2^(n-1)`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The delay after `attempts` failed attempts.
    pub fn delay_after(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.max(1) - 1).unwrap_or(0).min(30);
        self.base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.max)
    }

    /// Whether a job that failed its `attempts`-th attempt of `max_attempts` is dead.
    pub fn is_exhausted(attempts: i32, max_attempts: i32) -> bool {
        attempts >= max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn doubles_then_caps() {
        let policy = RetryPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
        };
        let delays: Vec<u64> = (1..=6).map(|n| policy.delay_after(n).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 10, 10]);
        assert!(RetryPolicy::is_exhausted(3, 3));
        assert!(!RetryPolicy::is_exhausted(2, 3));
    }

    proptest! {
        #[test]
        fn delays_grow_and_never_exceed_max(base in 1u64..10_000, max in 1u64..100_000, n in 1i32..100) {
            let policy = RetryPolicy { base: Duration::from_millis(base), max: Duration::from_millis(max) };
            prop_assert!(policy.delay_after(n) <= policy.max);
            prop_assert!(policy.delay_after(n + 1) >= policy.delay_after(n));
        }
    }
}
