//! The time series (heart rate and ring battery), computed sample by sample from the time.
//!
//! Heart rate is sampled every five minutes, on five-minute marks: during a sleep period it is
//! the sleep document's own heart rate item for that slot (`sleep`, or `rest` for a nap); in a
//! workout `workout`, in a session `session`, otherwise `awake` with a day rhythm. There is no
//! sample while the ring charges, on days it was not worn, and for a few random slots.
//! The battery is sampled every 15 minutes: it drains over a charge cycle of a few days and
//! charges for 90 minutes in the evening of the last day of each cycle.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Timelike};
use oura_api_sys::open_enums::PublicHeartRateSource;
use oura_api_sys::types;

use super::generate::Night;
use super::{Profile, SLOT, UserData, local_day, local_dt, local_ts, utc_dt};
use crate::prng::Rng;

/// Seconds between heart rate samples.
pub(crate) const HEART_RATE_STEP: i64 = SLOT;
/// Seconds between battery samples.
pub(crate) const BATTERY_STEP: i64 = 900;

const CHARGE_START_MIN: i64 = 19 * 60;
const CHARGE_MINUTES: i64 = 90;

fn is_charge_day(profile: &Profile, day: NaiveDate) -> bool {
    let cycle = profile.battery_cycle_days.max(1);
    (i64::from(day.num_days_from_ce()) + (profile.key % 7) as i64).rem_euclid(cycle) == 0
}

fn charge_window(profile: &Profile, day: NaiveDate) -> (i64, i64) {
    let start = local_ts(profile.offset, day, CHARGE_START_MIN);
    (start, start + CHARGE_MINUTES * 60)
}

/// Whether the ring sits in its charger at `unix`.
pub(crate) fn charging_at(profile: &Profile, unix: i64) -> bool {
    let day = local_day(profile.offset, unix);
    if !is_charge_day(profile, day) {
        return false;
    }
    let (start, end) = charge_window(profile, day);
    (start..end).contains(&unix)
}

/// The battery at `unix`: level, charging, in charger.
pub(crate) fn battery_at(profile: &Profile, unix: i64) -> (i64, bool, bool) {
    let day = local_day(profile.offset, unix);
    let mut charge_day = day;
    for _ in 0..=profile.battery_cycle_days.max(1) {
        if is_charge_day(profile, charge_day) && charge_window(profile, charge_day).0 <= unix {
            break;
        }
        charge_day = charge_day.pred_opt().unwrap_or(charge_day);
    }
    let (start, end) = charge_window(profile, charge_day);
    if unix < end {
        let level = 15.0 + 85.0 * (unix - start).max(0) as f64 / (end - start) as f64;
        let level = level.round().min(100.0) as i64;
        return (level, level < 100, true);
    }
    let cycle_hours = (profile.battery_cycle_days.max(1) * 24) as f64 - CHARGE_MINUTES as f64 / 60.0;
    let hours = (unix - end) as f64 / 3600.0;
    let level = (100.0 - 85.0 * hours / cycle_hours).round().clamp(5.0, 100.0) as i64;
    (level, false, false)
}

/// Caches the nights of the days a series walks through.
struct Nights<'a> {
    user: &'a UserData,
    cache: HashMap<NaiveDate, Vec<(Night, PublicHeartRateSource)>>,
}

impl<'a> Nights<'a> {
    fn of(&mut self, day: NaiveDate) -> &[(Night, PublicHeartRateSource)] {
        let user = self.user;
        self.cache.entry(day).or_insert_with(|| {
            let mut nights = Vec::new();
            if let Some(plan) = user.plan(day).filter(|p| p.worn) {
                nights.push((Night::main(&user.profile, plan), PublicHeartRateSource::Sleep));
                if let Some(nap) = Night::nap(&user.profile, plan) {
                    nights.push((nap, PublicHeartRateSource::Rest));
                }
            }
            nights
        })
    }
}

/// The heart rate sample at `t` (a five-minute mark), if there is one.
fn heart_rate_at(nights: &mut Nights<'_>, t: i64) -> Option<(i64, PublicHeartRateSource)> {
    let user = nights.user;
    let profile = &user.profile;
    if charging_at(profile, t) {
        return None;
    }
    let day = local_day(profile.offset, t);
    let next = day.succ_opt().unwrap_or(day);
    for d in [day, next] {
        for (night, source) in nights.of(d) {
            if (night.start..night.end()).contains(&t) {
                let slot = ((t - night.start) / SLOT) as usize;
                let bpm = night.heart_rate.get(slot).copied().flatten()?;
                return Some((bpm as i64, source.clone()));
            }
        }
    }
    let plan = user.plan(day).filter(|p| p.worn)?;
    let mut rng = Rng::new(&[profile.key, 200, t as u64]);
    if rng.chance(0.02) {
        return None;
    }
    if let Some(w) = plan.workouts.iter().find(|w| (w.start..w.end).contains(&t)) {
        let ramp = ((t - w.start) as f64 / 600.0).min(1.0);
        let bpm = profile.resting_hr + ramp * (45.0 + 22.0 * f64::from(w.intensity)) + 6.0 * rng.normal();
        return Some((bpm.round() as i64, PublicHeartRateSource::Workout));
    }
    if plan.session.as_ref().is_some_and(|s| (s.start..s.end).contains(&t)) {
        let bpm = profile.resting_hr + 5.0 + 2.0 * rng.normal();
        return Some((bpm.round() as i64, PublicHeartRateSource::Session));
    }
    let local = local_dt(profile.offset, t);
    let hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
    let rhythm = 7.0 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin();
    let bpm = profile.resting_hr + 16.0 + rhythm + 5.0 * plan.stress.max(0.0) + 5.0 * rng.normal();
    Some((bpm.round().max(40.0) as i64, PublicHeartRateSource::Awake))
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
pub(crate) fn heart_rate(user: &UserData, from: i64, to: i64, limit: usize) -> SeriesPage<types::PublicHeartRateRow> {
    let (span_start, span_end) = user.span();
    let mut nights = Nights {
        user,
        cache: HashMap::new(),
    };
    let mut rows = Vec::new();
    let mut t = first_mark(from.max(span_start), HEART_RATE_STEP);
    let end = to.min(span_end);
    while t < end {
        if let Some((bpm, source)) = heart_rate_at(&mut nights, t) {
            if rows.len() == limit {
                return SeriesPage { rows, next: Some(t) };
            }
            rows.push(types::PublicHeartRateRow {
                bpm,
                source,
                timestamp: utc_dt(t),
                timestamp_unix: Some(t * 1000),
            });
        }
        t += HEART_RATE_STEP;
    }
    SeriesPage { rows, next: None }
}

/// The most recent heart rate sample in `[from, to)`.
pub(crate) fn latest_heart_rate(user: &UserData, from: i64, to: i64) -> Option<types::PublicHeartRateRow> {
    let (span_start, span_end) = user.span();
    let mut nights = Nights {
        user,
        cache: HashMap::new(),
    };
    let start = from.max(span_start);
    let mut t = first_mark(to.min(span_end), HEART_RATE_STEP) - HEART_RATE_STEP;
    while t >= start {
        if let Some((bpm, source)) = heart_rate_at(&mut nights, t) {
            return Some(types::PublicHeartRateRow {
                bpm,
                source,
                timestamp: utc_dt(t),
                timestamp_unix: Some(t * 1000),
            });
        }
        t -= HEART_RATE_STEP;
    }
    None
}

fn battery_row(user: &UserData, t: i64) -> Option<types::PublicRingBatteryLevelRow> {
    let profile = &user.profile;
    let day = local_day(profile.offset, t);
    user.plan(day).filter(|p| p.worn)?;
    let (level, charging, in_charger) = battery_at(profile, t);
    Some(types::PublicRingBatteryLevelRow {
        charging: Some(charging),
        in_charger: Some(in_charger),
        level,
        timestamp: utc_dt(t),
        timestamp_unix: t * 1000,
    })
}

/// Battery samples in `[from, to)`, at most `limit` of them.
pub(crate) fn battery(
    user: &UserData,
    from: i64,
    to: i64,
    limit: usize,
) -> SeriesPage<types::PublicRingBatteryLevelRow> {
    let (span_start, span_end) = user.span();
    let mut rows = Vec::new();
    let mut t = first_mark(from.max(span_start), BATTERY_STEP);
    let end = to.min(span_end);
    while t < end {
        if let Some(row) = battery_row(user, t) {
            if rows.len() == limit {
                return SeriesPage { rows, next: Some(t) };
            }
            rows.push(row);
        }
        t += BATTERY_STEP;
    }
    SeriesPage { rows, next: None }
}

/// The most recent battery sample in `[from, to)`.
pub(crate) fn latest_battery(user: &UserData, from: i64, to: i64) -> Option<types::PublicRingBatteryLevelRow> {
    let (span_start, span_end) = user.span();
    let start = from.max(span_start);
    let mut t = first_mark(to.min(span_end), BATTERY_STEP) - BATTERY_STEP;
    while t >= start {
        if let Some(row) = battery_row(user, t) {
            return Some(row);
        }
        t -= BATTERY_STEP;
    }
    None
}
