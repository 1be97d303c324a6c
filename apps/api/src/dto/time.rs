//! Times go out as `YYYY-MM-DD HH:MM:SS` in the store timezone (SPEC 3).

use chrono::{DateTime, Utc};

/// Formats a UTC instant for clients.
pub fn store_time(instant: DateTime<Utc>, timezone: chrono_tz::Tz) -> String {
    instant
        .with_timezone(&timezone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
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
