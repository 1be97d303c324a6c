//! Order numbers: YYYYMMDD (store timezone) + user id as 8 digits + a sequence as 8 digits
//! (the tutorial's format). The sequence comes from a PostgreSQL sequence.

use chrono::NaiveDate;
use luffy_common::UserId;

/// Formats an order number. Ids and sequences wider than 8 digits keep their low 8 digits for
/// the user part (the sequence keeps uniqueness) and wrap the sequence modulo 10^8; the unique
/// index on order_number is the final guard.
pub fn order_number(date: NaiveDate, user: UserId, sequence: i64) -> String {
    format!(
        "{}{:08}{:08}",
        date.format("%Y%m%d"),
        user.get().rem_euclid(100_000_000),
        sequence.rem_euclid(100_000_000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_format() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            order_number(date, UserId(1), 42),
            "202611250000000100000042"
        );
        assert_eq!(
            order_number(date, UserId(123_456_789), 100_000_001).len(),
            24
        );
    }
}
