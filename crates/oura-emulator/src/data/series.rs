//! The time series (heart rate and ring battery), computed sample by sample from the time.
//!
//! Heart rate is sampled every five minutes, on five-minute marks: during a sleep period it is
//! the sleep document's own heart rate item for that slot (`sleep`, or `rest` for a nap); in a
//! workout `workout`, in a session `session`, otherwise `awake` with a day rhythm. There is no
//! sample while the ring charges, on days it was not worn, and for a few random slots.
//! The battery is sampled every 15 minutes: it drains over a charge cycle of a few days and
//! charges for 90 minutes in the evening of the last day of each cycle.
//!
//! A series is walked day by day: what its samples depend on that holds for a whole local day
//! (the plan, the charge window, the nights that end that day and the next) is looked up once
//! per day, not once per sample, and a page is written as JSON text directly ([`page_body`]),
//! the same bytes its typed rows serialize to.

use chrono::FixedOffset;
use oura_api_sys::open_enums::PublicHeartRateSource;
use oura_api_sys::types;

use super::generate::NightHeart;
use super::timestamp::Timestamps;
use super::{DayPlan, Profile, SLOT, UserData, day_start, local_day_number, round, utc_dt};
use crate::json::{write_int, write_str};
use crate::prng::Prefix;

/// Seconds between heart rate samples.
pub(crate) const HEART_RATE_STEP: i64 = SLOT;
/// Seconds between battery samples.
pub(crate) const BATTERY_STEP: i64 = 900;

const CHARGE_START_MIN: i64 = 19 * 60;
const CHARGE_MINUTES: i64 = 90;

/// Whether the day numbered `day` (days from the common era) ends a charge cycle.
fn is_charge_day(profile: &Profile, day: i64) -> bool {
    let cycle = profile.battery_cycle_days.max(1);
    (day + (profile.key % 7) as i64).rem_euclid(cycle) == 0
}

fn charge_window(profile: &Profile, day: i64) -> (i64, i64) {
    let start = day_start(profile.offset, day) + CHARGE_START_MIN * 60;
    (start, start + CHARGE_MINUTES * 60)
}

/// The charge window of the day numbered `day`, if the ring charges that day.
fn charge_of(profile: &Profile, day: i64) -> Option<(i64, i64)> {
    is_charge_day(profile, day).then(|| charge_window(profile, day))
}

/// Whether the ring sits in its charger at `unix`.
pub(crate) fn charging_at(profile: &Profile, unix: i64) -> bool {
    charge_of(profile, local_day_number(profile.offset, unix)).is_some_and(|(start, end)| (start..end).contains(&unix))
}

/// What the battery of one local day depends on.
struct BatteryDay {
    /// The day's number.
    number: i64,
    /// Whether the ring was worn that day (no samples otherwise).
    worn: bool,
    /// The day's own charge window, if it is a charge day.
    here: Option<(i64, i64)>,
    /// The charge window of the last charge day before it.
    before: (i64, i64),
}

impl BatteryDay {
    fn new(user: &UserData, number: i64) -> Self {
        let profile = &user.profile;
        // The latest charge day among the `cycle` days before; there is always one, as one
        // day of every `cycle` consecutive days charges (else the day before those).
        let mut charge_day = number - 1;
        for _ in 0..profile.battery_cycle_days.max(1) {
            if is_charge_day(profile, charge_day) {
                break;
            }
            charge_day -= 1;
        }
        BatteryDay {
            number,
            worn: user.plan_of_number(number).is_some_and(|p| p.worn),
            here: charge_of(profile, number),
            before: charge_window(profile, charge_day),
        }
    }

    /// The battery at `unix` (within the day): level, charging, in charger.
    fn at(&self, profile: &Profile, unix: i64) -> (i64, bool, bool) {
        let (start, end) = match self.here {
            Some(window) if window.0 <= unix => window,
            _ => self.before,
        };
        if unix < end {
            let level = 15.0 + 85.0 * (unix - start).max(0) as f64 / (end - start) as f64;
            let level = round(level).min(100.0) as i64;
            return (level, level < 100, true);
        }
        let cycle_hours = (profile.battery_cycle_days.max(1) * 24) as f64 - CHARGE_MINUTES as f64 / 60.0;
        let hours = (unix - end) as f64 / 3600.0;
        let level = round(100.0 - 85.0 * hours / cycle_hours).clamp(5.0, 100.0) as i64;
        (level, false, false)
    }
}

/// A sample of a time series: its typed row, and the same row written as JSON text directly.
pub(crate) trait Sample {
    /// The generated model of a row.
    type Row: serde::Serialize;
    /// About how many bytes a row takes as JSON (to size a page's buffer).
    const ROW_BYTES: usize;
    /// The typed row.
    fn row(&self) -> Self::Row;
    /// Appends the row's JSON text: the bytes [`crate::json::to_vec`] writes for [`Sample::row`].
    fn write_json(&self, out: &mut Vec<u8>, timestamps: &mut Timestamps);
}

/// A heart rate sample.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HeartRate {
    /// Unix seconds.
    pub t: i64,
    pub bpm: i64,
    pub source: PublicHeartRateSource,
}

impl Sample for HeartRate {
    type Row = types::PublicHeartRateRow;
    const ROW_BYTES: usize = 90;

    fn row(&self) -> types::PublicHeartRateRow {
        types::PublicHeartRateRow {
            bpm: self.bpm,
            source: self.source.clone(),
            timestamp: utc_dt(self.t),
            timestamp_unix: Some(self.t * 1000),
        }
    }

    fn write_json(&self, out: &mut Vec<u8>, timestamps: &mut Timestamps) {
        out.extend_from_slice(b"{\"bpm\":");
        write_int(out, self.bpm);
        out.extend_from_slice(b",\"source\":");
        write_str(out, self.source.as_str());
        out.extend_from_slice(b",\"timestamp\":");
        timestamps.write_quoted(out, self.t, UTC);
        out.extend_from_slice(b",\"timestamp_unix\":");
        write_int(out, self.t * 1000);
        out.push(b'}');
    }
}

/// A battery sample.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Battery {
    /// Unix seconds.
    pub t: i64,
    pub level: i64,
    pub charging: bool,
    pub in_charger: bool,
}

impl Sample for Battery {
    type Row = types::PublicRingBatteryLevelRow;
    const ROW_BYTES: usize = 110;

    fn row(&self) -> types::PublicRingBatteryLevelRow {
        types::PublicRingBatteryLevelRow {
            charging: Some(self.charging),
            in_charger: Some(self.in_charger),
            level: self.level,
            timestamp: utc_dt(self.t),
            timestamp_unix: self.t * 1000,
        }
    }

    fn write_json(&self, out: &mut Vec<u8>, timestamps: &mut Timestamps) {
        out.extend_from_slice(b"{\"charging\":");
        out.extend_from_slice(if self.charging { b"true" } else { b"false" });
        out.extend_from_slice(b",\"in_charger\":");
        out.extend_from_slice(if self.in_charger { b"true" } else { b"false" });
        out.extend_from_slice(b",\"level\":");
        write_int(out, self.level);
        out.extend_from_slice(b",\"timestamp\":");
        timestamps.write_quoted(out, self.t, UTC);
        out.extend_from_slice(b",\"timestamp_unix\":");
        write_int(out, self.t * 1000);
        out.push(b'}');
    }
}

const UTC: FixedOffset = match FixedOffset::east_opt(0) {
    Some(utc) => utc,
    None => panic!("UTC is a valid offset"),
};

/// The JSON text of a time series page: `{"data":[...],"next_token":...}`, `next_token` always
/// present (`null` on the last page), as Oura sends it.
pub(crate) fn page_body<S: Sample>(samples: &[S], next_token: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * S::ROW_BYTES + 128);
    let mut timestamps = Timestamps::default();
    out.extend_from_slice(b"{\"data\":[");
    for (i, sample) in samples.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        sample.write_json(&mut out, &mut timestamps);
    }
    out.extend_from_slice(b"],\"next_token\":");
    match next_token {
        Some(token) => write_str(&mut out, token),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    out
}

/// The sleep periods of the day numbered `day`, with the source their samples carry.
fn nights_of(user: &UserData, day: i64) -> Vec<(NightHeart, PublicHeartRateSource)> {
    let mut nights = Vec::new();
    if let Some(plan) = user.plan_of_number(day).filter(|p| p.worn) {
        nights.push((NightHeart::main(&user.profile, plan), PublicHeartRateSource::Sleep));
        if let Some(nap) = NightHeart::nap(&user.profile, plan) {
            nights.push((nap, PublicHeartRateSource::Rest));
        }
    }
    nights
}

const MINUTES_A_DAY: usize = 24 * 60;

/// The awake heart rate's day rhythm, by minute of the local day, computed once per process.
fn day_rhythm() -> &'static [f64] {
    static RHYTHM: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    RHYTHM.get_or_init(|| {
        (0..MINUTES_A_DAY)
            .map(|minute| {
                let hour = (minute / 60) as f64 + (minute % 60) as f64 / 60.0;
                7.0 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin()
            })
            .collect()
    })
}

/// What the heart rate of one local day depends on.
struct HeartDay<'a> {
    number: i64,
    /// Local midnight that starts the day (unix seconds).
    start: i64,
    /// The day's plan, if the ring was worn.
    plan: Option<&'a DayPlan>,
    charge: Option<(i64, i64)>,
    /// The nights ending on this day, then those ending on the next (a night that starts this
    /// evening ends tomorrow).
    nights: Vec<(NightHeart, PublicHeartRateSource)>,
    next_nights: Vec<(NightHeart, PublicHeartRateSource)>,
}

/// Walks the heart rate of a user sample by sample, day by day.
struct HeartRateWalk<'a> {
    user: &'a UserData,
    day: Option<HeartDay<'a>>,
    /// The random streams of the samples, keyed by their instant.
    streams: Prefix,
}

impl<'a> HeartRateWalk<'a> {
    fn new(user: &'a UserData) -> Self {
        Self {
            user,
            day: None,
            streams: Prefix::new(&[user.profile.key, 200]),
        }
    }

    /// The day numbered `number`, reusing the nights of the day walked before it or after it.
    fn enter(&mut self, number: i64) {
        let user = self.user;
        let (nights, next_nights) = match self.day.take() {
            Some(day) if day.number + 1 == number => (day.next_nights, nights_of(user, number + 1)),
            Some(day) if day.number - 1 == number => (nights_of(user, number), day.nights),
            _ => (nights_of(user, number), nights_of(user, number + 1)),
        };
        self.day = Some(HeartDay {
            number,
            start: day_start(user.profile.offset, number),
            plan: user.plan_of_number(number).filter(|p| p.worn),
            charge: charge_of(&user.profile, number),
            nights,
            next_nights,
        });
    }

    /// The heart rate sample at `t` (a five-minute mark), if there is one.
    fn at(&mut self, t: i64) -> Option<HeartRate> {
        let profile = &self.user.profile;
        let number = local_day_number(profile.offset, t);
        if self.day.as_ref().is_none_or(|day| day.number != number) {
            self.enter(number);
        }
        let day = self.day.as_ref()?;
        let sample = |bpm: i64, source: PublicHeartRateSource| Some(HeartRate { t, bpm, source });
        if day.charge.is_some_and(|(start, end)| (start..end).contains(&t)) {
            return None;
        }
        for (night, source) in day.nights.iter().chain(&day.next_nights) {
            if (night.start..night.end()).contains(&t) {
                let slot = ((t - night.start) / SLOT) as usize;
                let bpm = night.heart_rate.get(slot).copied().flatten()?;
                return sample(bpm as i64, source.clone());
            }
        }
        let plan = day.plan?;
        let mut rng = self.streams.rng(t as u64);
        if rng.chance(0.02) {
            return None;
        }
        if let Some(w) = plan.workouts.iter().find(|w| (w.start..w.end).contains(&t)) {
            let ramp = ((t - w.start) as f64 / 600.0).min(1.0);
            let bpm = profile.resting_hr + ramp * (45.0 + 22.0 * f64::from(w.intensity)) + 6.0 * rng.normal();
            return sample(round(bpm) as i64, PublicHeartRateSource::Workout);
        }
        if plan.session.as_ref().is_some_and(|s| (s.start..s.end).contains(&t)) {
            let bpm = profile.resting_hr + 5.0 + 2.0 * rng.normal();
            return sample(round(bpm) as i64, PublicHeartRateSource::Session);
        }
        let rhythm = day_rhythm()[((t - day.start) / 60) as usize % MINUTES_A_DAY];
        let bpm = profile.resting_hr + 16.0 + rhythm + 5.0 * plan.stress.max(0.0) + 5.0 * rng.normal();
        sample(round(bpm).max(40.0) as i64, PublicHeartRateSource::Awake)
    }
}

/// A page of a time series.
pub(crate) struct SeriesPage<T> {
    pub rows: Vec<T>,
    /// Where the next page starts (unix seconds), if there is one.
    pub next: Option<i64>,
}

fn first_mark(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step + if t.rem_euclid(step) == 0 { 0 } else { step }
}

/// Heart rate samples in `[from, to)`, at most `limit` of them.
pub(crate) fn heart_rate(user: &UserData, from: i64, to: i64, limit: usize) -> SeriesPage<HeartRate> {
    let (span_start, span_end) = user.span();
    let mut walk = HeartRateWalk::new(user);
    let mut t = first_mark(from.max(span_start), HEART_RATE_STEP);
    let end = to.min(span_end);
    let mut rows = Vec::with_capacity(limit.min(usize::try_from((end - t).max(0) / HEART_RATE_STEP + 1).unwrap_or(0)));
    while t < end {
        if let Some(sample) = walk.at(t) {
            if rows.len() == limit {
                return SeriesPage { rows, next: Some(t) };
            }
            rows.push(sample);
        }
        t += HEART_RATE_STEP;
    }
    SeriesPage { rows, next: None }
}

/// The most recent heart rate sample in `[from, to)`.
pub(crate) fn latest_heart_rate(user: &UserData, from: i64, to: i64) -> Option<HeartRate> {
    let (span_start, span_end) = user.span();
    let mut walk = HeartRateWalk::new(user);
    let start = from.max(span_start);
    let mut t = first_mark(to.min(span_end), HEART_RATE_STEP) - HEART_RATE_STEP;
    while t >= start {
        if let Some(sample) = walk.at(t) {
            return Some(sample);
        }
        t -= HEART_RATE_STEP;
    }
    None
}

/// Walks the battery of a user sample by sample, day by day.
struct BatteryWalk<'a> {
    user: &'a UserData,
    day: Option<BatteryDay>,
}

impl BatteryWalk<'_> {
    fn at(&mut self, t: i64) -> Option<Battery> {
        let number = local_day_number(self.user.profile.offset, t);
        if self.day.as_ref().is_none_or(|day| day.number != number) {
            self.day = Some(BatteryDay::new(self.user, number));
        }
        let day = self.day.as_ref().filter(|day| day.worn)?;
        let (level, charging, in_charger) = day.at(&self.user.profile, t);
        Some(Battery {
            t,
            level,
            charging,
            in_charger,
        })
    }
}

/// Battery samples in `[from, to)`, at most `limit` of them.
pub(crate) fn battery(user: &UserData, from: i64, to: i64, limit: usize) -> SeriesPage<Battery> {
    let (span_start, span_end) = user.span();
    let mut walk = BatteryWalk { user, day: None };
    let mut t = first_mark(from.max(span_start), BATTERY_STEP);
    let end = to.min(span_end);
    let mut rows = Vec::with_capacity(limit.min(usize::try_from((end - t).max(0) / BATTERY_STEP + 1).unwrap_or(0)));
    while t < end {
        if let Some(sample) = walk.at(t) {
            if rows.len() == limit {
                return SeriesPage { rows, next: Some(t) };
            }
            rows.push(sample);
        }
        t += BATTERY_STEP;
    }
    SeriesPage { rows, next: None }
}

/// The most recent battery sample in `[from, to)`.
pub(crate) fn latest_battery(user: &UserData, from: i64, to: i64) -> Option<Battery> {
    let (span_start, span_end) = user.span();
    let mut walk = BatteryWalk { user, day: None };
    let start = from.max(span_start);
    let mut t = first_mark(to.min(span_end), BATTERY_STEP) - BATTERY_STEP;
    while t >= start {
        if let Some(sample) = walk.at(t) {
            return Some(sample);
        }
        t -= BATTERY_STEP;
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn users() -> Vec<UserData> {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
        let first = NaiveDate::from_ymd_opt(2025, 4, 1).expect("date");
        (0..6).map(|index| UserData::new(17, index, first, today)).collect()
    }

    #[test]
    fn rows_written_directly_are_the_bytes_the_documents_writer_writes() {
        let mut compared = 0;
        for user in users() {
            let (start, end) = user.span();
            let hearts = heart_rate(&user, start, end, usize::MAX).rows;
            let batteries = battery(&user, start, end, usize::MAX).rows;
            assert!(hearts.len() > 10_000 && batteries.len() > 5_000);
            for sample in &hearts {
                let mut out = Vec::new();
                sample.write_json(&mut out, &mut Timestamps::default());
                assert_eq!(out, crate::json::to_vec(&sample.row(), 128), "{sample:?}");
            }
            for sample in &batteries {
                let mut out = Vec::new();
                sample.write_json(&mut out, &mut Timestamps::default());
                assert_eq!(out, crate::json::to_vec(&sample.row(), 128), "{sample:?}");
            }
            compared += hearts.len() + batteries.len();
            // Whole pages, with and without a token.
            #[derive(serde::Serialize)]
            struct Body<T> {
                data: Vec<T>,
                next_token: Option<String>,
            }
            for token in [None, Some("abc-_09".to_owned()), Some("needs \"escapes\"\n".to_owned())] {
                let page = &hearts[..50];
                let typed = Body {
                    data: page.iter().map(Sample::row).collect(),
                    next_token: token.clone(),
                };
                assert_eq!(page_body(page, token.as_deref()), crate::json::to_vec(&typed, 4096));
            }
            let empty: [Battery; 0] = [];
            assert_eq!(page_body(&empty, None), b"{\"data\":[],\"next_token\":null}");
        }
        assert!(compared > 100_000);
    }

    #[test]
    fn samples_are_the_same_walked_in_pages_or_backwards() {
        for user in users().iter().take(3) {
            let (start, end) = user.span();
            let all = heart_rate(user, start, end, usize::MAX).rows;
            // In pages of 777 samples, each page a new walk starting mid-day.
            let mut paged = Vec::new();
            let mut from = start;
            loop {
                let page = heart_rate(user, from, end, 777);
                paged.extend(page.rows);
                match page.next {
                    Some(next) => from = next,
                    None => break,
                }
            }
            assert_eq!(paged, all);
            // The latest sample before each of a few instants is the last one walked forwards.
            for to in [end, end - 86_400 * 3 - 17, start + 86_400 * 20 + 1234] {
                let expected = all.iter().rev().find(|s| s.t < to).cloned();
                assert_eq!(latest_heart_rate(user, start, to), expected);
            }
            let batteries = battery(user, start, end, usize::MAX).rows;
            for to in [end, end - 86_400 * 5 - 1] {
                let expected = batteries.iter().rev().find(|s| s.t < to).cloned();
                assert_eq!(latest_battery(user, start, to), expected);
            }
        }
    }
}
