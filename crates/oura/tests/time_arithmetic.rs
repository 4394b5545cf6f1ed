//! Property tests: no date or time the user or the server supplies can make the range or
//! rate-limit arithmetic panic, up to the edges of what `chrono` can represent.

use std::time::Duration;

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta};
use oura::{DateRange, DateTimeRange, Error, RangeQuery, RateLimit, RetryPolicy};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

/// Any date chrono can represent, biased towards its two ends.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let min = NaiveDate::MIN.num_days_from_ce();
    let max = NaiveDate::MAX.num_days_from_ce();
    prop_oneof![(min..=max), (min..min + 400), (max - 400..=max), (0..3_660_000i32),]
        .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).expect("in range"))
}

/// A date Oura can express (years 1 to 9999).
fn api_date() -> impl Strategy<Value = NaiveDate> {
    let min = NaiveDate::from_ymd_opt(1, 1, 1).expect("date").num_days_from_ce();
    let max = NaiveDate::from_ymd_opt(9999, 12, 31).expect("date").num_days_from_ce();
    prop_oneof![(min..=max), (min..min + 100), (max - 100..=max)]
        .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).expect("in range"))
}

fn any_offset() -> impl Strategy<Value = FixedOffset> {
    prop_oneof![(-86_399..=86_399i32), Just(-86_399), Just(86_399), Just(0)]
        .prop_map(|secs| FixedOffset::east_opt(secs).expect("offset"))
}

fn any_instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (any_date(), 0..86_400u32, any_offset()).prop_map(|(day, secs, offset)| {
        let utc = day.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60).expect("time");
        DateTime::from_naive_utc_and_offset(utc, offset)
    })
}

fn in_api_years(day: NaiveDate) -> bool {
    (1..=9999).contains(&day.year())
}

/// Checks that `windows` tile `[start, end]`: contiguous, each at most 30 days, ending one
/// second after `end` (or at `end` at the very last representable instant).
fn assert_tiles(range: &DateTimeRange) -> Result<(), TestCaseError> {
    let windows = range.windows();
    prop_assert!(!windows.is_empty());
    prop_assert_eq!(windows[0].0, range.start());
    for pair in windows.windows(2) {
        prop_assert_eq!(pair[0].1, pair[1].0);
    }
    for (start, end) in &windows {
        prop_assert!(start <= end);
        prop_assert!(*end - *start <= DateTimeRange::MAX_WINDOW);
    }
    let last = windows[windows.len() - 1].1;
    let next = range.end().checked_add_signed(TimeDelta::seconds(1));
    prop_assert!(Some(last) == next || (next.is_none() && last == range.end()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn day_ranges_are_built_or_refused_never_a_panic(start in any_date(), end in any_date()) {
        match DateRange::new(start, end) {
            Ok(range) => {
                prop_assert!(in_api_years(start) && in_api_years(end) && start <= end);
                prop_assert_eq!((range.start(), range.end()), (start, end));
                prop_assert_eq!(RangeQuery::windows(&range).len(), 1);
            }
            Err(err) => {
                prop_assert!(matches!(err, Error::InvalidInput(_)), "{:?}", err);
                prop_assert!(!(in_api_years(start) && in_api_years(end) && start <= end));
            }
        }
        // The same dates as text, as tools pass them (`+262142-12-30` among them).
        let parsed = DateRange::parse(&start.to_string(), &end.to_string());
        prop_assert_eq!(parsed.is_ok(), DateRange::new(start, end).is_ok());
        let bounds = DateRange::from_bounds(Some(&start.to_string()), Some(&end.to_string()));
        prop_assert_eq!(bounds.is_ok(), DateRange::new(start, end).is_ok());
    }

    #[test]
    fn whole_days_at_any_offset_never_panic(day in any_date(), offset in any_offset(), span in 0u64..3) {
        let end = day.checked_add_days(chrono::Days::new(span)).unwrap_or(day);
        let range = DateRange::day(day);
        let whole = DateTimeRange::days_in(range, offset);
        prop_assert!(whole.start() <= whole.end());
        prop_assert_eq!(*whole.start().offset(), offset);
        assert_tiles(&whole)?;
        if let Ok(range) = DateRange::new(day, end) {
            let whole = DateTimeRange::days_in(range, offset);
            prop_assert_eq!(whole.start().naive_local().date(), day);
            prop_assert_eq!(whole.end().naive_local().date(), end);
            prop_assert_eq!(whole.end().naive_local().time().to_string(), "23:59:59");
            assert_tiles(&whole)?;
        }
    }

    #[test]
    fn instant_ranges_are_built_or_refused_never_a_panic(start in any_instant(), end in any_instant()) {
        match DateTimeRange::new(start, end) {
            Ok(range) => {
                prop_assert!(start <= end);
                // Tiling is checked on ranges short enough to enumerate quickly.
                if end - start < TimeDelta::days(3 * 366) {
                    assert_tiles(&range)?;
                }
            }
            Err(err) => prop_assert!(matches!(err, Error::InvalidInput(_)), "{:?}", err),
        }
        let parsed = DateTimeRange::from_bounds(Some(&start.to_rfc3339()), Some(&end.to_rfc3339()));
        if let Err(err) = parsed {
            prop_assert!(matches!(err, Error::InvalidInput(_)), "{:?}", err);
        }
    }

    #[test]
    fn ranges_near_the_api_years_edges_tile(day in api_date(), offset in any_offset(), secs in 0i64..(120 * 86_400)) {
        let start = DateTime::<FixedOffset>::from_naive_utc_and_offset(day.and_time(chrono::NaiveTime::MIN), offset);
        if let Some(end) = start.checked_add_signed(TimeDelta::seconds(secs))
            && let Ok(range) = DateTimeRange::new(start, end)
        {
            assert_tiles(&range)?;
            prop_assert_eq!(range.windows().len() as i64, secs / (30 * 86_400) + 1);
        }
    }

    #[test]
    fn rate_limit_headers_of_any_size_never_panic(
        retry_after in any::<u64>(),
        reset in any::<i64>(),
        limit in any::<u64>(),
        window in any::<u64>(),
        attempt in 1u32..10,
    ) {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("retry-after", retry_after.to_string()),
            ("x-ratelimit-reset", reset.to_string()),
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-window", window.to_string()),
        ] {
            headers.insert(name, HeaderValue::from_str(&value).expect("header"));
        }
        let rate_limit = RateLimit::from_headers(&headers);
        prop_assert_eq!(rate_limit.retry_after, Some(Duration::from_secs(retry_after)));
        let error = Error::RateLimited { rate_limit: Box::new(rate_limit.clone()), trace_id: None };
        prop_assert!(error.to_string().starts_with("rate limited by Oura (429)"));
        let policy = RetryPolicy::default();
        if let Some(wait) = policy.delay(attempt, &error) {
            prop_assert!(wait <= policy.max_retry_after);
        }
        let now = DateTime::from_timestamp(1_700_000_000, 0).expect("time");
        let wait = rate_limit.wait_at(now, Duration::from_secs(3600)).expect("headers were sent");
        prop_assert_eq!(wait, Duration::from_secs(retry_after.min(3600)));
    }
}

#[test]
fn the_extreme_dates_of_the_report_are_clear_errors() {
    for (start, end) in [("+262142-12-30", "+262142-12-31"), ("-262143-01-01", "2025-01-01")] {
        let err = DateRange::parse(start, end).expect_err("outside the API's years");
        assert!(err.to_string().contains("outside the years 1..=9999"), "{err}");
        let err = DateTimeRange::from_bounds(Some(start), Some(end)).expect_err("outside the API's years");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }
    // The very last representable instant still gives windows (and no panic).
    let last =
        DateTime::<FixedOffset>::from_naive_utc_and_offset(NaiveDateTime::MAX, FixedOffset::east_opt(0).expect("utc"));
    for hours in [-23, -1, 0, 1, 23] {
        let offset = FixedOffset::east_opt(hours * 3600).expect("offset");
        let range = DateTimeRange::days_in(DateRange::day(NaiveDate::MAX), offset);
        assert!(range.end() <= last);
        let stop = range.windows().last().map(|w| w.1).expect("a window");
        let next = range.end().checked_add_signed(TimeDelta::seconds(1));
        assert!(stop == range.end() || Some(stop) == next, "{hours}: {stop}");
    }
    // In UTC the last second of the last day has no second after it: the window ends there.
    let utc = DateTimeRange::days_in(DateRange::day(NaiveDate::MAX), FixedOffset::east_opt(0).expect("utc"));
    assert_eq!(utc.windows().last().map(|w| w.1), Some(utc.end()));
}
