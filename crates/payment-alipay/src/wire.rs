//! Wire formats: UTC+8 timestamps and 2-dp amounts.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// Alipay's clock: Beijing time, UTC+8 all year.
fn china() -> Tz {
    chrono_tz::Asia::Shanghai
}

/// `yyyy-MM-dd HH:mm:ss` in UTC+8, as every Alipay timestamp.
pub fn timestamp(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Parses an Alipay `yyyy-MM-dd HH:mm:ss` (UTC+8) timestamp.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    china()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A 2-dp amount string ("1208.40", never "1208.4").
pub fn amount(value: Decimal) -> String {
    let mut rounded = value.round_dp(2);
    rounded.rescale(2);
    rounded.to_string()
}

/// Parses an amount: plain decimal, at most 2 dp, not negative.
pub fn parse_amount(text: &str) -> Option<Decimal> {
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let value: Decimal = text.parse().ok()?;
    (value.scale() <= 2).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn formats() {
        let instant = Utc
            .with_ymd_and_hms(2026, 11, 24, 16, 5, 9)
            .single()
            .unwrap();
        assert_eq!(timestamp(instant), "2026-11-25 00:05:09");
        assert_eq!(parse_timestamp("2026-11-25 00:05:09"), Some(instant));
        assert_eq!(amount(dec!(1208.4)), "1208.40");
        assert_eq!(amount(dec!(0)), "0.00");
        assert_eq!(parse_amount("1208.40"), Some(dec!(1208.40)));
        for bad in ["", "-1", "1e3", "1.234", "abc", " 1"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }
}
