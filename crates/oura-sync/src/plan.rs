//! Stage 1, plan: which collections, over which ranges, in which units of work.
//!
//! Each collection starts where the sink says its export stands ([`Mark`]), or at `since`, or
//! at the default first day (the setup day of the user's first ring). A day collection is one
//! unit (its pages follow each other); a time series is one unit per window of at most
//! [`oura::DateTimeRange::MAX_WINDOW`]; a collection without a range is one unit. Units run
//! concurrently; [`schedule`] gives their order, which the fetch follows where it has nothing
//! better to go by (it measures each unit's chain of pages as the pages come).
//!
//! Nothing here reads the clock: the caller says what today and now are. No arithmetic on a
//! date here can panic: a range past chrono's limits is cut, never overflowed.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde_json::Value;

use crate::sink::Mark;
use crate::{Collection, RangeKind};

/// The first day asked for when nothing tells an earlier one (no ring configuration visible).
pub const FALLBACK_SINCE: NaiveDate = match NaiveDate::from_ymd_opt(2015, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Where a collection's fetch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At the beginning of a day.
    Day(NaiveDate),
    /// At an instant (where the last time series sample was).
    Instant(DateTime<FixedOffset>),
}

impl Start {
    /// A position as a start: a day (`2024-01-31`) or an RFC 3339 instant.
    pub fn parse(text: &str) -> Option<Start> {
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Start::Day(day));
        }
        DateTime::parse_from_rfc3339(text).ok().map(Start::Instant)
    }

    /// Where to start: `since` if given, else where the mark says the export stands, else
    /// `default`.
    pub fn choose(since: Option<NaiveDate>, mark: Option<&Mark>, default: NaiveDate) -> Start {
        since
            .map(Start::Day)
            .or_else(|| {
                mark.and_then(|m| m.last.as_deref().or(m.through.as_deref()))
                    .and_then(Start::parse)
            })
            .unwrap_or(Start::Day(default))
    }
}

/// The range of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Whole days, both ends included.
    Days {
        /// The first day.
        start: NaiveDate,
        /// The last day.
        end: NaiveDate,
    },
    /// Instants: a window of a time series.
    Series {
        /// The first instant.
        start: DateTime<FixedOffset>,
        /// The last instant.
        end: DateTime<FixedOffset>,
    },
    /// The whole collection.
    Whole,
}

/// One piece of work: a range of one collection, fetched page after page.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// The collection's place in the sync's list.
    pub slot: usize,
    /// The unit's place among its collection's units (time order).
    pub index: usize,
    /// The collection.
    pub collection: &'static Collection,
    /// The range.
    pub span: Span,
    /// The first day of the range (for progress).
    pub from_day: NaiveDate,
    /// Days in the range (at least 1).
    pub days: u64,
}

impl Unit {
    /// About how many pages the unit takes, to schedule the longest first: samples every five
    /// minutes in pages of 1000, one document a day in pages of 50.
    pub fn expected_pages(&self) -> f64 {
        let per_day = match self.collection.range {
            RangeKind::Series => 288.0 / 1000.0,
            RangeKind::Days => 1.0 / 50.0,
            RangeKind::Whole => 0.01,
        };
        (self.days as f64 * per_day).ceil().max(1.0)
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> u64 {
    u64::try_from(to.signed_duration_since(from).num_days().saturating_add(1))
        .unwrap_or(1)
        .max(1)
}

/// The units of one collection, in time order, from `start` up to `today` (day collections)
/// or `now` (time series). A time series starting on a day starts at that day's midnight in
/// the offset the local time zone (chrono's `Local`, which reads `TZ`) has on that day: see
/// [`units_in`].
pub fn units(
    slot: usize,
    collection: &'static Collection,
    start: Start,
    today: NaiveDate,
    now: DateTime<FixedOffset>,
) -> Vec<Unit> {
    units_in(slot, collection, start, today, now, local_offset_on)
}

/// The offset the local time zone has at the start of `day`, if it has a midnight that day.
fn local_offset_on(day: NaiveDate) -> Option<FixedOffset> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(chrono::Local)
        .earliest()
        .map(|at| at.fixed_offset().timezone())
}

/// [`units`] in the time zone whose offset on a day is `offset_on(day)`: a time series that
/// starts on a day starts at its midnight in that offset, so a range that starts before a DST
/// change and ends after it still starts at local midnight. Where the zone has no offset for
/// the day (no midnight), the offset of `now` is taken.
pub fn units_in(
    slot: usize,
    collection: &'static Collection,
    start: Start,
    today: NaiveDate,
    now: DateTime<FixedOffset>,
    offset_on: impl Fn(NaiveDate) -> Option<FixedOffset>,
) -> Vec<Unit> {
    let unit = |index, span, from_day: NaiveDate, to_day: NaiveDate| Unit {
        slot,
        index,
        collection,
        span,
        from_day,
        days: days_between(from_day, to_day),
    };
    match collection.range {
        RangeKind::Whole => vec![unit(0, Span::Whole, today, today)],
        RangeKind::Days => {
            let first = match start {
                Start::Day(day) => day,
                Start::Instant(at) => at.date_naive(),
            };
            if first > today {
                return Vec::new();
            }
            vec![unit(
                0,
                Span::Days {
                    start: first,
                    end: today,
                },
                first,
                today,
            )]
        }
        RangeKind::Series => {
            let mut from = match start {
                Start::Instant(at) => at,
                Start::Day(day) => day
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(offset_on(day).unwrap_or(*now.offset())).single())
                    .unwrap_or(now),
            };
            let mut units = Vec::new();
            while from < now {
                let to = from
                    .checked_add_signed(oura::DateTimeRange::MAX_WINDOW)
                    .map_or(now, |to| to.min(now));
                // Windows meet without overlapping: each ends a second before the next starts.
                let end = if to < now {
                    to.checked_sub_signed(Duration::seconds(1)).unwrap_or(to)
                } else {
                    to
                };
                units.push(unit(
                    units.len(),
                    Span::Series { start: from, end },
                    from.date_naive(),
                    end.date_naive(),
                ));
                from = to;
            }
            units
        }
    }
}

/// Orders units for running (the fetch's order while no chain of pages is at risk of making
/// the run longer, and among requests equally urgent otherwise), a collection's units together
/// and in time order: collections
/// with the longest chain of pages first (so that the last ones to finish are short), and of
/// those the ones with the most pages first. A collection is then finished, and written,
/// while the others are still being fetched, and the last writes of a run are small: a
/// collection's short last window (a time series' last days) is not left for the end.
pub fn schedule(units: &mut [Unit]) {
    let mut weight: std::collections::HashMap<usize, (f64, f64)> = std::collections::HashMap::new();
    for unit in units.iter() {
        let (longest, total) = weight.entry(unit.slot).or_insert((0.0, 0.0));
        *longest = longest.max(unit.expected_pages());
        *total += unit.expected_pages();
    }
    let of = |unit: &Unit| weight.get(&unit.slot).copied().unwrap_or_default();
    units.sort_by(|a, b| {
        let ((a_longest, a_total), (b_longest, b_total)) = (of(a), of(b));
        b_longest
            .total_cmp(&a_longest)
            .then(b_total.total_cmp(&a_total))
            .then(a.slot.cmp(&b.slot))
            .then(a.index.cmp(&b.index))
    });
}

/// The day the user's first ring was set up, from ring configuration documents.
pub fn earliest_setup(rings: &[Value]) -> Option<NaiveDate> {
    rings
        .iter()
        .filter_map(|ring| ring.get("set_up_at")?.as_str())
        .filter_map(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.date_naive())
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(route: &str) -> &'static Collection {
        crate::find(route).expect("collection")
    }

    /// [`super::units`] in a zone fixed at `now`'s offset, whatever the machine's zone.
    fn units(
        slot: usize,
        collection: &'static Collection,
        start: Start,
        today: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> Vec<Unit> {
        units_in(slot, collection, start, today, now, |_| Some(*now.offset()))
    }

    fn offset(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).expect("offset")
    }

    #[test]
    fn a_series_across_a_dst_change_starts_at_local_midnight_of_its_first_day() {
        // Europe/Berlin in 2025: +01:00 until the last Sunday of March, +02:00 after.
        let berlin = |day: NaiveDate| Some(offset(if day > self::day("2025-03-30") { 2 } else { 1 }));
        let now = at("2025-06-30T23:59:59+02:00");
        let first = |offset_on: &dyn Fn(NaiveDate) -> Option<FixedOffset>| {
            units_in(
                0,
                find("heartrate"),
                Start::Day(day("2025-03-01")),
                day("2025-06-30"),
                now,
                offset_on,
            )[0]
            .span
        };
        let Span::Series { start, end } = first(&berlin) else {
            panic!("a series span")
        };
        assert_eq!(start, at("2025-03-01T00:00:00+01:00"));
        assert_eq!(start.offset(), &offset(1));
        // The window is thirty days long from there, wherever the DST change falls.
        assert_eq!(end, at("2025-03-30T23:59:59+01:00"));
        // America/New_York in 2024: -05:00 in February, -04:00 in June.
        let new_york = |day: NaiveDate| Some(offset(if day >= self::day("2024-03-11") { -4 } else { -5 }));
        let from_february = units_in(
            0,
            find("ring_battery_level"),
            Start::Day(day("2024-02-29")),
            day("2024-06-30"),
            at("2024-06-30T23:59:59-04:00"),
            new_york,
        );
        assert_eq!(
            from_february[0].span,
            Span::Series {
                start: at("2024-02-29T00:00:00-05:00"),
                end: at("2024-03-29T23:59:59-05:00"),
            }
        );
        assert_eq!(from_february[0].from_day, day("2024-02-29"));
        // A day without a midnight in the zone falls back to the offset of `now`.
        let Span::Series { start, .. } = first(&|_| None) else {
            panic!("a series span")
        };
        assert_eq!(start, at("2025-03-01T00:00:00+02:00"));
    }

    #[test]
    fn the_local_zone_never_panics_at_the_edges() {
        let now = DateTime::<chrono::Utc>::MAX_UTC.fixed_offset();
        assert!(super::units(0, find("heartrate"), Start::Day(NaiveDate::MAX), NaiveDate::MAX, now).len() <= 1);
        let soon = DateTime::<chrono::Utc>::MIN_UTC.fixed_offset() + Duration::days(40);
        let early = super::units(0, find("heartrate"), Start::Day(NaiveDate::MIN), NaiveDate::MIN, soon);
        assert!(early.len() <= 2, "{early:?}");
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("day")
    }

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("instant")
    }

    #[test]
    fn the_start_is_since_then_the_mark_then_the_default() {
        let mark = Mark {
            last: Some("2025-06-01T10:00:00+00:00".into()),
            through: None,
        };
        let default = day("2025-01-01");
        assert_eq!(
            Start::choose(Some(day("2025-05-01")), Some(&mark), default),
            Start::Day(day("2025-05-01"))
        );
        assert_eq!(
            Start::choose(None, Some(&mark), default),
            Start::Instant(at("2025-06-01T10:00:00+00:00"))
        );
        let through = Mark {
            last: None,
            through: Some("2025-06-30".into()),
        };
        assert_eq!(
            Start::choose(None, Some(&through), default),
            Start::Day(day("2025-06-30"))
        );
        assert_eq!(Start::choose(None, None, default), Start::Day(default));
    }

    #[test]
    fn a_series_is_cut_into_windows_that_meet_without_overlap() {
        let now = at("2025-06-30T12:00:00+00:00");
        let units = units(
            3,
            find("heartrate"),
            Start::Day(day("2025-04-01")),
            day("2025-06-30"),
            now,
        );
        let spans: Vec<Span> = units.iter().map(|u| u.span).collect();
        assert_eq!(
            spans,
            vec![
                Span::Series {
                    start: at("2025-04-01T00:00:00+00:00"),
                    end: at("2025-04-30T23:59:59+00:00")
                },
                Span::Series {
                    start: at("2025-05-01T00:00:00+00:00"),
                    end: at("2025-05-30T23:59:59+00:00")
                },
                Span::Series {
                    start: at("2025-05-31T00:00:00+00:00"),
                    end: at("2025-06-29T23:59:59+00:00")
                },
                Span::Series {
                    start: at("2025-06-30T00:00:00+00:00"),
                    end: now
                },
            ]
        );
        assert!(units.iter().all(|u| u.slot == 3));
        assert_eq!(units.iter().map(|u| u.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        assert_eq!(units.iter().map(|u| u.days).sum::<u64>(), 30 + 30 + 30 + 1);
    }

    #[test]
    fn day_collections_are_one_unit_and_a_future_start_is_none() {
        let now = at("2025-06-30T12:00:00+00:00");
        let sleep = units(
            0,
            find("daily_sleep"),
            Start::Day(day("2025-06-01")),
            day("2025-06-30"),
            now,
        );
        assert_eq!(sleep.len(), 1);
        assert_eq!(
            sleep[0].span,
            Span::Days {
                start: day("2025-06-01"),
                end: day("2025-06-30")
            }
        );
        assert_eq!(sleep[0].days, 30);
        assert!(
            units(
                0,
                find("daily_sleep"),
                Start::Day(day("2025-07-01")),
                day("2025-06-30"),
                now
            )
            .is_empty()
        );
        assert_eq!(
            units(
                0,
                find("ring_configuration"),
                Start::Day(day("2025-07-01")),
                day("2025-06-30"),
                now
            )[0]
            .span,
            Span::Whole
        );
    }

    #[test]
    fn extreme_dates_never_panic() {
        let now = DateTime::<chrono::Utc>::MAX_UTC.fixed_offset();
        let far = units(0, find("heartrate"), Start::Day(NaiveDate::MAX), NaiveDate::MAX, now);
        assert!(far.len() <= 1, "{far:?}");
        let early = units(0, find("daily_sleep"), Start::Day(NaiveDate::MIN), NaiveDate::MAX, now);
        assert_eq!(early.len(), 1);
        let near_end = units(
            0,
            find("heartrate"),
            Start::Instant(now - Duration::days(40)),
            NaiveDate::MAX,
            now,
        );
        assert_eq!(near_end.len(), 2);
    }

    #[test]
    fn scheduling_puts_long_chains_first_and_keeps_time_order() {
        let now = at("2025-06-30T00:00:00+00:00");
        let mut all = units(
            0,
            find("daily_sleep"),
            Start::Day(day("2024-07-01")),
            day("2025-06-30"),
            now,
        );
        all.extend(units(
            1,
            find("heartrate"),
            Start::Day(day("2025-03-25")),
            day("2025-06-30"),
            now,
        ));
        schedule(&mut all);
        // The heart rate's windows (the longest chains) first, all of them together and in
        // time order, its short last window included; the one unit of daily sleep after.
        let order: Vec<(&str, usize)> = all.iter().map(|u| (u.collection.route, u.index)).collect();
        let windows = order.len() - 1;
        assert!(windows >= 3, "{order:?}");
        assert_eq!(
            order[..windows],
            (0..windows).map(|i| ("heartrate", i)).collect::<Vec<_>>()[..]
        );
        assert_eq!(order[windows], ("daily_sleep", 0));
        // Its last window is no longer than daily sleep's chain: by chains alone, daily sleep
        // would have gone before it.
        let pages: Vec<f64> = all.iter().map(Unit::expected_pages).collect();
        assert!(pages[windows - 1] <= pages[windows], "{pages:?}");
    }

    #[test]
    fn the_default_start_is_the_first_ring_setup() {
        let rings = [
            json!({"id": "b", "set_up_at": "2023-05-02T10:00:00+02:00"}),
            json!({"id": "a", "set_up_at": "2021-01-09T08:00:00+00:00"}),
            json!({"id": "c", "set_up_at": "not a time"}),
        ];
        assert_eq!(earliest_setup(&rings), Some(day("2021-01-09")));
        assert_eq!(earliest_setup(&[]), None);
    }
}
