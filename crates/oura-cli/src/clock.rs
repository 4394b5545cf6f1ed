//! What the command takes as today and now: the date in `OURA_TODAY` when it is set, so that a
//! script, a demo or a test runs the command as if on that day, else the local date and time.
//!
//! Every default that depends on the day reads it here: the end of `get`'s and `export`'s
//! ranges, the last day of an emulator's history (`--emulator`, `oura emulator`), `sync`'s and
//! `mcp`'s today. A command's own `--today` or `--until` still wins.

use chrono::{DateTime, FixedOffset, Local, NaiveDate};

use crate::failure::Failure;

/// The environment variable that pins today (`YYYY-MM-DD`).
pub const TODAY_ENV: &str = "OURA_TODAY";

/// Today: `OURA_TODAY`, else the local date. A value that is not a date is a usage error,
/// never silently the machine's date.
pub fn today() -> Result<NaiveDate, Failure> {
    Ok(match pinned()? {
        Some(day) => day,
        None => Local::now().date_naive(),
    })
}

/// Now: the last second of `OURA_TODAY` in local time when it is set, else the local time.
pub fn now() -> Result<DateTime<FixedOffset>, Failure> {
    Ok(match pinned()? {
        Some(day) => end_of(day),
        None => Local::now().fixed_offset(),
    })
}

/// The last instant of `day` in local time (23:59:59; on a day whose end the zone skips, the
/// latest instant before it).
pub fn end_of(day: NaiveDate) -> DateTime<FixedOffset> {
    let mut at = day.and_hms_opt(23, 59, 59).unwrap_or_default();
    // A zone may skip the day's last hour (a DST change at midnight): step back to a local time
    // that exists.
    for _ in 0..4 {
        if let Some(local) = at.and_local_timezone(Local).earliest() {
            return local.fixed_offset();
        }
        at -= chrono::Duration::hours(1);
    }
    at.and_utc().fixed_offset()
}

/// The day in `OURA_TODAY`, if it is set.
pub fn pinned() -> Result<Option<NaiveDate>, Failure> {
    let Ok(text) = std::env::var(TODAY_ENV) else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse(text).map(Some)
}

fn parse(text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|err| Failure::usage(format!("{TODAY_ENV}={text:?} is not a date like 2024-01-31: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_day_parses_and_garbage_is_a_usage_error() {
        assert_eq!(parse("2024-02-29").ok(), NaiveDate::from_ymd_opt(2024, 2, 29));
        let err = parse("2025-02-29").err().map(|f| f.message).unwrap_or_default();
        assert!(err.contains("OURA_TODAY=\"2025-02-29\""), "{err}");
        assert!(parse("yesterday").is_err());
    }

    #[test]
    fn the_end_of_a_day_is_its_last_second() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default();
        let end = end_of(day);
        assert_eq!(end.date_naive(), day);
        assert_eq!(end.format("%H:%M:%S").to_string(), "23:59:59");
    }
}
