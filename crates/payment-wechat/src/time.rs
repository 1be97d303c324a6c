//! WeChat Pay's times: RFC 3339 in Beijing time (`2026-12-02T18:30:00+08:00`).

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Asia::Shanghai;

/// An instant as WeChat Pay writes it (`time_expire`, `success_time`, `create_time`).
pub fn beijing_rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn utc_is_written_in_beijing_time() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 10, 30, 0).unwrap();
        assert_eq!(beijing_rfc3339(at), "2026-12-02T18:30:00+08:00");
    }
}
