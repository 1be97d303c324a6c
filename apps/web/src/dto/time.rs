//! Times go out as `YYYY-MM-DD HH:MM:SS` in the store timezone (SPEC 3).

use chrono::{DateTime, Utc};

/// Formats a UTC instant for clients.
pub fn store_time(instant: DateTime<Utc>, timezone: chrono_tz::Tz) -> String {
    instant
        .with_timezone(&timezone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Parses a client-supplied time: RFC 3339, or `YYYY-MM-DD HH:MM:SS` in the store timezone.
pub fn parse_store_time(text: &str, timezone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDateTime, TimeZone};
    if let Ok(instant) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(instant.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    timezone
        .from_local_datetime(&naive)
        .single()
        .map(|local| local.with_timezone(&Utc))
}

/// Parses a range bound of an operator filter: an RFC 3339 instant, or a `YYYY-MM-DD` day in the
/// store timezone meaning its start (with `end_of_day`, the start of the next day, so that the
/// day is included).
pub fn parse_day_bound(
    text: &str,
    timezone: chrono_tz::Tz,
    end_of_day: bool,
) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, TimeZone};
    if let Ok(instant) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(instant.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    let day = if end_of_day { day.succ_opt()? } else { day };
    timezone
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shanghai_is_utc_plus_eight() {
        let instant = Utc
            .with_ymd_and_hms(2026, 11, 24, 16, 30, 0)
            .single()
            .unwrap();
        assert_eq!(
            store_time(instant, chrono_tz::Asia::Shanghai),
            "2026-11-25 00:30:00"
        );
    }
}
