//! Documents generated from a user's day plans.
//!
//! Every value derives from the plan of its day (and of neighbouring days where Oura's own
//! scores do), so documents agree with each other: a daily sleep score is the weighted mean of
//! contributors computed from that night's sleep document, whose durations are counted from its
//! hypnogram; readiness embeds the previous night's sleep score and the day before's activity.

use chrono::{Datelike, NaiveDate, Timelike};
use oura_api_sys::open_enums::{
    LongTermResilienceLevel, PublicDailyStressSummary, PublicMomentMood, PublicMomentType, PublicRingColor,
    PublicRingDesign, PublicRingHardwareType, PublicSleepAlgorithmVersion, PublicSleepAnalysisReason,
    PublicSleepTimeRecommendation, PublicSleepTimeStatus, PublicSleepType, PublicWorkoutIntensity, PublicWorkoutSource,
};
use oura_api_sys::types;

use super::{DayPlan, NightSummary, Profile, SLOT, UserData, local_day, local_dt, local_ts, round, series, utc_dt};
use crate::collection::{Collection, Document};
use crate::prng::{Rng, smooth, uuid};

fn round_to(value: f64, digits: i32) -> f64 {
    let factor = 10f64.powi(digits);
    round(value * factor) / factor
}

fn score(value: f64) -> i64 {
    round(value).clamp(1.0, 100.0) as i64
}

/// A weighted mean of `(value, weight)` pairs, ignoring missing values.
fn weighted(parts: &[(Option<i64>, f64)]) -> Option<i64> {
    let (sum, weights) = parts
        .iter()
        .filter_map(|(v, w)| v.map(|v| (v as f64 * w, *w)))
        .fold((0.0, 0.0), |(s, ws), (v, w)| (s + v, ws + w));
    (weights > 0.0).then(|| score(sum / weights))
}

/// The id of the generated document at (collection, day, ordinal).
pub(crate) fn document_id(profile: &Profile, collection: Collection, day_key: i32, ordinal: u32) -> String {
    if collection == Collection::RingConfiguration
        && let Some(ring) = profile.rings.get(ordinal as usize)
    {
        return ring.id.clone();
    }
    uuid(&[profile.key, 100 + collection as u64, day_key as u64, u64::from(ordinal)])
}

/// Generates the document at (collection, day, ordinal) with the given id.
pub(crate) fn document(
    user: &UserData,
    collection: Collection,
    day: NaiveDate,
    ordinal: u32,
    id: String,
) -> Option<Document> {
    let profile = &user.profile;
    if collection == Collection::RingConfiguration {
        return Some(ring_configuration(profile, ordinal as usize, id));
    }
    let plan = user.plan(day)?;
    Some(match collection {
        Collection::Sleep => Document::Sleep(sleep(user, plan, ordinal, id)?),
        Collection::DailySleep => {
            let NightSummary {
                contributors, score, ..
            } = night_summary(user, plan, None);
            Document::DailySleep(types::PublicDailySleep {
                contributors,
                day,
                id,
                score,
                timestamp: local_dt(profile.offset, local_ts(profile.offset, day, 0)),
            })
        }
        Collection::DailyReadiness => {
            let readiness = readiness(user, plan, None);
            Document::DailyReadiness(types::PublicDailyReadiness {
                contributors: readiness.contributors,
                day,
                id,
                score: readiness.score,
                temperature_deviation: readiness.temperature_deviation,
                temperature_trend_deviation: readiness.temperature_trend_deviation,
                timestamp: local_dt(profile.offset, local_ts(profile.offset, day, 0)),
            })
        }
        Collection::DailyActivity => Document::DailyActivity(activity(user, plan, id)),
        Collection::DailySpo2 => {
            let mut rng = Rng::new(&[profile.key, 30, day_key(day)]);
            Document::DailySpo2(types::PublicDailySpO2 {
                breathing_disturbance_index: Some(
                    (6.0 + 5.0 * plan.stress + 2.0 * rng.normal()).round().clamp(0.0, 40.0) as i64,
                ),
                day,
                id,
                spo2_percentage: Some(types::PublicSpo2AggregatedValues {
                    average: round_to((97.0 + 0.8 * plan.recovery + 0.4 * rng.normal()).clamp(90.0, 100.0), 3),
                }),
            })
        }
        Collection::DailyStress => {
            let mut rng = Rng::new(&[profile.key, 31, day_key(day)]);
            let stress_high = 900 * (4.0 + 4.0 * plan.stress + 2.0 * rng.normal()).round().clamp(0.0, 40.0) as i64;
            let recovery_high = 900
                * (4.0 + 4.0 * plan.recovery - 2.0 * plan.stress + 2.0 * rng.normal())
                    .round()
                    .clamp(0.0, 40.0) as i64;
            let day_summary = if rng.chance(0.1) {
                None
            } else if stress_high > 2 * recovery_high {
                Some(PublicDailyStressSummary::Stressful)
            } else if recovery_high > stress_high {
                Some(PublicDailyStressSummary::Restored)
            } else {
                Some(PublicDailyStressSummary::Normal)
            };
            Document::DailyStress(types::PublicDailyStress {
                day,
                day_summary,
                id,
                recovery_high: Some(recovery_high),
                stress_high: Some(stress_high),
            })
        }
        Collection::DailyResilience => {
            let n = day_key(day) as i64;
            let long = smooth(profile.key ^ 32, n, 30);
            let sleep_recovery = round_to((55.0 + 20.0 * plan.recovery + 10.0 * long).clamp(0.0, 100.0), 1);
            let daytime_recovery = round_to((45.0 - 15.0 * plan.stress + 10.0 * long).clamp(0.0, 100.0), 1);
            let stress = round_to((50.0 + 25.0 * plan.stress).clamp(0.0, 100.0), 1);
            let overall = (sleep_recovery + daytime_recovery + (100.0 - stress)) / 3.0;
            let level = match overall {
                x if x < 35.0 => LongTermResilienceLevel::Limited,
                x if x < 48.0 => LongTermResilienceLevel::Adequate,
                x if x < 60.0 => LongTermResilienceLevel::Solid,
                x if x < 72.0 => LongTermResilienceLevel::Strong,
                _ => LongTermResilienceLevel::Exceptional,
            };
            Document::DailyResilience(types::DailyResilienceModel {
                contributors: types::ResilienceContributors {
                    daytime_recovery,
                    sleep_recovery,
                    stress,
                },
                day,
                id,
                level,
            })
        }
        Collection::DailyCardiovascularAge => {
            let n = day_key(day) as i64;
            let vascular_age = profile.age
                + (3.0 * smooth(profile.key ^ 33, n, 40) - 2.0 * (profile.vo2_max - 40.0) / 10.0).round() as i64;
            Document::DailyCardiovascularAge(types::PublicDailyCardiovascularAge {
                day,
                id: Some(id),
                pulse_wave_velocity: Some(round_to(5.0 + 0.07 * (vascular_age as f64 - 20.0), 2)),
                vascular_age: Some(vascular_age),
            })
        }
        Collection::SleepTime => Document::SleepTime(sleep_time(user, plan, id)),
        Collection::Vo2Max => {
            let n = day_key(day) as i64;
            Document::Vo2Max(types::PublicVo2Max {
                day,
                id,
                timestamp: local_dt(profile.offset, plan.sleep_end() + 3600),
                vo2_max: (profile.vo2_max + 2.0 * smooth(profile.key ^ 34, n, 60)).round() as i64,
            })
        }
        Collection::Workout => Document::Workout(workout(profile, plan, ordinal, id)?),
        Collection::Session => Document::Session(session(profile, plan, id)?),
        Collection::EnhancedTag => Document::EnhancedTag(enhanced_tag(profile, plan, ordinal, id)),
        Collection::Tag => Document::Tag(tag(profile, plan, ordinal, id)),
        Collection::RestModePeriod => Document::RestModePeriod(rest_mode(user, plan, id)?),
        Collection::RingConfiguration | Collection::Heartrate | Collection::RingBatteryLevel => {
            return None;
        }
    })
}

fn day_key(day: NaiveDate) -> u64 {
    day.num_days_from_ce() as u64
}

/// The personal info document of a user.
pub(crate) fn personal_info(profile: &Profile) -> types::PersonalInfoResponse {
    types::PersonalInfoResponse {
        age: Some(profile.age),
        biological_sex: Some(profile.biological_sex.to_owned()),
        email: Some(profile.email.clone()),
        height: Some(profile.height),
        id: profile.id.clone(),
        weight: Some(profile.weight),
    }
}

fn ring_configuration(profile: &Profile, ordinal: usize, id: String) -> Document {
    let ring = profile.rings.get(ordinal);
    Document::RingConfiguration(types::PublicRingConfiguration {
        color: ring.map(|r| PublicRingColor::from(r.color)),
        design: ring.map(|r| PublicRingDesign::from(r.design)),
        firmware_version: ring.map(|r| r.firmware.clone()),
        hardware_type: ring.map(|r| PublicRingHardwareType::from(r.hardware)),
        id,
        set_up_at: ring.map(|r| utc_dt(r.set_up_at)),
        size: ring.map(|r| r.size),
    })
}

/// Nights are at most this many slots long (the longest main sleep is 125).
const LONGEST_NIGHT: usize = 128;

/// `sin(π p / n)` for each slot `p` of a night of `n` slots (empty past [`LONGEST_NIGHT`]),
/// computed once per process: nights come in a few lengths, and `sin` was a quarter of the
/// work of building one.
fn half_wave(n: usize) -> &'static [f64] {
    static TABLES: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        (0..=LONGEST_NIGHT)
            .map(|n| {
                (0..n)
                    .map(|p| (p as f64 / n as f64 * std::f64::consts::PI).sin())
                    .collect()
            })
            .collect()
    });
    tables.get(n).map_or(&[], Vec::as_slice)
}

/// One sleep period, slot by slot.
pub(crate) struct Night {
    pub start: i64,
    /// Hypnogram, one byte per five minutes: `1` deep, `2` light, `3` REM, `4` awake.
    pub phases: Vec<u8>,
    pub heart_rate: Vec<Option<f64>>,
    pub hrv: Vec<Option<f64>>,
    /// One byte per 30 seconds, `1` (still) to `4` (restless).
    pub movement: Vec<u8>,
    pub latency_slots: usize,
    pub breath: f64,
}

/// The first part of a sleep period in its random stream: the hypnogram, heart rate and HRV
/// (all the heart rate series reads of a night), and the stream where the rest continues. The
/// movement that follows costs most of a night to generate; [`NightHeart::finish`] adds it.
pub(crate) struct NightHeart {
    pub start: i64,
    /// As [`Night::phases`].
    pub phases: Vec<u8>,
    pub heart_rate: Vec<Option<f64>>,
    pub hrv: Vec<Option<f64>>,
    pub latency_slots: usize,
    rng: Rng,
}

impl Night {
    /// The main sleep ending on the plan's day.
    pub(crate) fn main(profile: &Profile, plan: &DayPlan) -> Night {
        NightHeart::main(profile, plan).finish()
    }

    /// The nap of the plan's day, if any.
    pub(crate) fn nap(profile: &Profile, plan: &DayPlan) -> Option<Night> {
        NightHeart::nap(profile, plan).map(NightHeart::finish)
    }
}

impl NightHeart {
    /// The main sleep ending on the plan's day.
    pub(crate) fn main(profile: &Profile, plan: &DayPlan) -> NightHeart {
        NightHeart::build(profile, plan, plan.sleep_start, plan.sleep_slots, false)
    }

    /// The nap of the plan's day, if any.
    pub(crate) fn nap(profile: &Profile, plan: &DayPlan) -> Option<NightHeart> {
        plan.nap
            .map(|(start, slots)| NightHeart::build(profile, plan, start, slots, true))
    }

    fn build(profile: &Profile, plan: &DayPlan, start: i64, slots: i64, nap: bool) -> NightHeart {
        let n = slots.max(1) as usize;
        let mut rng = Rng::new(&[profile.key, 20, day_key(plan.day), u64::from(nap)]);
        let q = plan.sleep_quality;
        let latency_slots = if nap {
            1
        } else {
            round(2.0 - 1.2 * q + rng.normal()).clamp(1.0, 6.0) as usize
        };
        let mut phases = Vec::with_capacity(n);
        for p in 0..n {
            let f = p as f64 / n as f64;
            let awake = p < latency_slots.min(n.saturating_sub(1))
                || (!nap && p + 1 == n && rng.chance(0.7))
                || rng.chance(0.035 + 0.03 * plan.stress.max(0.0));
            let phase = if awake {
                b'4'
            } else if nap {
                if (5..9).contains(&(p % 12)) { b'1' } else { b'2' }
            } else {
                let c = (p - latency_slots) % 18;
                let deep = round((6.5 - 1.0 * (1.0 - q)) * (1.0 - f)) as usize;
                let rem = round(1.5 + 5.5 * f + q).max(1.0) as usize;
                if c < 3 {
                    b'2'
                } else if c < 3 + deep {
                    b'1'
                } else if c >= 18usize.saturating_sub(rem) {
                    b'3'
                } else {
                    b'2'
                }
            };
            phases.push(phase);
        }
        let resting = profile.resting_hr - 3.0 * plan.recovery;
        let arc = half_wave(n);
        let mut heart_rate = Vec::with_capacity(n);
        let mut hrv = Vec::with_capacity(n);
        for (p, phase) in phases.iter().enumerate() {
            let f = p as f64 / n as f64;
            let (hr_adj, hrv_adj) = match phase {
                b'1' => (-2.0, 10.0),
                b'3' => (3.0, -4.0),
                b'4' => (6.0, -10.0),
                _ => (0.0, 0.0),
            };
            let base = resting * (1.0 + 0.13 * (1.0 - f) * (1.0 - f))
                - 2.5 * arc.get(p).copied().unwrap_or_else(|| (f * std::f64::consts::PI).sin());
            let missing = rng.chance(0.03) && p > 0;
            heart_rate.push((!missing).then(|| round(base + hr_adj + 1.2 * rng.normal()).max(35.0)));
            let hrv_base = profile.hrv * (1.0 + 0.25 * plan.recovery) * (0.65 + 0.7 * f);
            hrv.push((!missing).then(|| round(hrv_base + hrv_adj + 5.0 * rng.normal()).clamp(5.0, 200.0)));
        }
        NightHeart {
            start,
            phases,
            heart_rate,
            hrv,
            latency_slots,
            rng,
        }
    }

    /// One past the last second of the period.
    pub(crate) fn end(&self) -> i64 {
        self.start + self.phases.len() as i64 * SLOT
    }

    /// The whole night: the stream continues with the movement and the breath.
    pub(crate) fn finish(self) -> Night {
        let NightHeart {
            start,
            phases,
            heart_rate,
            hrv,
            latency_slots,
            mut rng,
        } = self;
        let n = phases.len();
        let mut movement = Vec::with_capacity(n * 10);
        for phase in &phases {
            for _ in 0..10 {
                let m = match phase {
                    b'4' => {
                        if rng.chance(0.5) {
                            b'3'
                        } else if rng.chance(0.3) {
                            b'4'
                        } else {
                            b'2'
                        }
                    }
                    b'1' => b'1',
                    _ => {
                        if rng.chance(0.12) {
                            b'2'
                        } else {
                            b'1'
                        }
                    }
                };
                movement.push(m);
            }
        }
        Night {
            start,
            phases,
            heart_rate,
            hrv,
            movement,
            latency_slots,
            breath: round_to(14.5 + 0.8 * rng.normal(), 3),
        }
    }
}

impl Night {
    pub(crate) fn end(&self) -> i64 {
        self.start + self.phases.len() as i64 * SLOT
    }

    fn seconds_in(&self, phase: u8) -> i64 {
        self.phases.iter().filter(|p| **p == phase).count() as i64 * SLOT
    }

    fn total_sleep(&self) -> i64 {
        self.seconds_in(b'1') + self.seconds_in(b'2') + self.seconds_in(b'3')
    }

    fn time_in_bed(&self) -> i64 {
        self.phases.len() as i64 * SLOT
    }

    fn efficiency(&self) -> i64 {
        (100.0 * self.total_sleep() as f64 / self.time_in_bed().max(1) as f64).round() as i64
    }

    fn restless_periods(&self) -> i64 {
        self.movement.windows(2).filter(|w| w[0] < b'3' && w[1] >= b'3').count() as i64
    }

    fn lowest_heart_rate(&self) -> Option<i64> {
        self.heart_rate
            .iter()
            .flatten()
            .fold(None, |min: Option<f64>, v| Some(min.map_or(*v, |m| m.min(*v))))
            .map(|v| v as i64)
    }

    fn mean(values: &[Option<f64>]) -> Option<f64> {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
    }
}

/// Sleep contributors and score of a night.
fn sleep_contributors(profile: &Profile, night: &Night) -> (types::PublicSleepContributors, Option<i64>) {
    let hours = night.total_sleep() as f64 / 3600.0;
    let total_sleep = score(if hours >= 8.0 {
        100.0
    } else {
        100.0 - (8.0 - hours) * 18.0
    });
    let efficiency = score((night.efficiency() as f64 - 55.0) * 100.0 / 40.0);
    let awake_inside = night.phases[night.latency_slots.min(night.phases.len())..]
        .iter()
        .filter(|p| **p == b'4')
        .count() as f64;
    let restfulness = score(100.0 - awake_inside * 4.0 - night.restless_periods() as f64 * 0.6);
    let rem_sleep = score(night.seconds_in(b'3') as f64 / 60.0 / 95.0 * 100.0);
    let deep_sleep = score(night.seconds_in(b'1') as f64 / 60.0 / 80.0 * 100.0);
    let latency_min = (night.latency_slots as i64 * SLOT / 60) as f64;
    let latency = score(if latency_min < 5.0 {
        80.0
    } else if latency_min <= 20.0 {
        100.0
    } else {
        100.0 - (latency_min - 20.0) * 3.0
    });
    let midpoint = local_dt(profile.offset, (night.start + night.end()) / 2);
    let hour = f64::from(midpoint.num_seconds_from_midnight()) / 3600.0;
    let hour = if hour > 12.0 { hour - 24.0 } else { hour };
    let timing = score(100.0 - (hour - 3.0).abs() * 15.0);
    let contributors = types::PublicSleepContributors {
        deep_sleep: Some(deep_sleep),
        efficiency: Some(efficiency),
        latency: Some(latency),
        rem_sleep: Some(rem_sleep),
        restfulness: Some(restfulness),
        timing: Some(timing),
        total_sleep: Some(total_sleep),
    };
    let score = weighted(&[
        (contributors.total_sleep, 0.35),
        (contributors.efficiency, 0.1),
        (contributors.restfulness, 0.15),
        (contributors.rem_sleep, 0.1),
        (contributors.deep_sleep, 0.1),
        (contributors.latency, 0.1),
        (contributors.timing, 0.1),
    ]);
    (contributors, score)
}

struct Readiness {
    contributors: types::PublicReadinessContributors,
    score: Option<i64>,
    temperature_deviation: Option<f64>,
    temperature_trend_deviation: Option<f64>,
}

/// The summary of the main night of `plan` (`night`, when the caller has built it already),
/// computed once per day.
fn night_summary(user: &UserData, plan: &DayPlan, night: Option<&Night>) -> NightSummary {
    let compute = || {
        let built;
        let night = match night {
            Some(night) => night,
            None => {
                built = Night::main(&user.profile, plan);
                &built
            }
        };
        let (contributors, score) = sleep_contributors(&user.profile, night);
        NightSummary {
            contributors,
            score,
            lowest_heart_rate: night.lowest_heart_rate(),
        }
    };
    match user.scores_of(plan.day) {
        Some(scores) => scores.night.get_or_init(compute).clone(),
        None => compute(),
    }
}

/// Readiness of the day of `plan`; `night` is its main night when the caller has built it.
fn readiness(user: &UserData, plan: &DayPlan, night: Option<&Night>) -> Readiness {
    let profile = &user.profile;
    let n = day_key(plan.day) as i64;
    let NightSummary {
        score: previous_night,
        lowest_heart_rate: lowest,
        ..
    } = night_summary(user, plan, night);
    let previous_day_activity = plan
        .day
        .pred_opt()
        .and_then(|d| user.plan(d))
        .filter(|p| p.worn)
        .and_then(|p| activity_score(user, p));
    let lowest = lowest.unwrap_or(profile.resting_hr as i64) as f64;
    let temperature_deviation = round_to(plan.temperature * 0.4, 2);
    let contributors = types::PublicReadinessContributors {
        activity_balance: Some(score(80.0 + 12.0 * smooth(profile.key ^ 40, n, 14))),
        body_temperature: Some(score(100.0 - temperature_deviation.abs() * 60.0)),
        hrv_balance: Some(score(75.0 + 20.0 * plan.recovery)),
        previous_day_activity,
        previous_night,
        recovery_index: Some(score(72.0 + 25.0 * plan.recovery)),
        resting_heart_rate: Some(score(100.0 - (lowest - profile.resting_hr + 4.0).max(0.0) * 6.0)),
        sleep_balance: Some(score(78.0 + 14.0 * smooth(profile.key ^ 41, n, 14))),
        sleep_regularity: Some(score(82.0 + 14.0 * smooth(profile.key ^ 42, n, 10))),
    };
    let score = weighted(&[
        (contributors.activity_balance, 0.1),
        (contributors.body_temperature, 0.1),
        (contributors.hrv_balance, 0.15),
        (contributors.previous_day_activity, 0.1),
        (contributors.previous_night, 0.2),
        (contributors.recovery_index, 0.1),
        (contributors.resting_heart_rate, 0.1),
        (contributors.sleep_balance, 0.1),
        (contributors.sleep_regularity, 0.05),
    ]);
    Readiness {
        contributors,
        score,
        temperature_deviation: Some(temperature_deviation),
        temperature_trend_deviation: Some(round_to(0.3 * smooth(profile.key ^ 15, n, 9), 2)),
    }
}

fn sleep(user: &UserData, plan: &DayPlan, ordinal: u32, id: String) -> Option<types::PublicModifiedSleepModel> {
    let profile = &user.profile;
    let nap = ordinal > 0;
    let night = if nap {
        Night::nap(profile, plan)?
    } else {
        Night::main(profile, plan)
    };
    let phase_5_min = String::from_utf8_lossy(&night.phases).into_owned();
    let phase_30_sec: Vec<u8> = night.phases.iter().flat_map(|p| [*p; 10]).collect();
    let phase_30_sec = String::from_utf8_lossy(&phase_30_sec).into_owned();
    let readiness = (!nap).then(|| {
        let r = readiness(user, plan, Some(&night));
        types::PublicReadiness {
            contributors: r.contributors,
            score: r.score,
            temperature_deviation: r.temperature_deviation,
            temperature_trend_deviation: r.temperature_trend_deviation,
        }
    });
    let start = local_dt(profile.offset, night.start);
    let sample = |items: Vec<Option<f64>>| types::PublicSample {
        interval: SLOT as f64,
        items,
        timestamp: start,
    };
    Some(types::PublicModifiedSleepModel {
        app_sleep_phase_5_min: Some(phase_5_min.clone()),
        average_breath: Some(night.breath),
        average_heart_rate: Night::mean(&night.heart_rate).map(|v| round_to(v, 3)),
        average_hrv: Night::mean(&night.hrv).map(|v| v.round() as i64),
        awake_time: Some(night.seconds_in(b'4')),
        bedtime_end: local_dt(profile.offset, night.end()),
        bedtime_start: start,
        day: plan.day,
        deep_sleep_duration: Some(night.seconds_in(b'1')),
        efficiency: Some(night.efficiency()),
        heart_rate: Some(sample(night.heart_rate.clone())),
        hrv: Some(sample(night.hrv.clone())),
        id,
        latency: Some(night.latency_slots as i64 * SLOT),
        light_sleep_duration: Some(night.seconds_in(b'2')),
        low_battery_alert: false,
        lowest_heart_rate: night.lowest_heart_rate(),
        movement_30_sec: Some(String::from_utf8_lossy(&night.movement).into_owned()),
        period: i64::from(ordinal),
        readiness,
        readiness_score_delta: if nap { None } else { Some(0) },
        rem_sleep_duration: Some(night.seconds_in(b'3')),
        restless_periods: Some(night.restless_periods()),
        ring_id: profile.ring_at(night.start).map(|r| r.id.clone()),
        sleep_algorithm_version: Some(PublicSleepAlgorithmVersion::V2),
        sleep_analysis_reason: Some(PublicSleepAnalysisReason::ForegroundSleepAnalysis),
        sleep_phase_30_sec: Some(phase_30_sec),
        sleep_phase_5_min: Some(phase_5_min),
        sleep_score_delta: if nap { None } else { Some(0) },
        time_in_bed: night.time_in_bed(),
        total_sleep_duration: Some(night.total_sleep()),
        type_: Some(if nap {
            PublicSleepType::LateNap
        } else {
            PublicSleepType::LongSleep
        }),
    })
}

/// The activity class of each five-minute slot of an activity day (04:00 to 04:00 local):
/// `0` non-wear, `1` rest, `2` inactive, `3` low, `4` medium, `5` high.
fn activity_classes(user: &UserData, plan: &DayPlan) -> Vec<u8> {
    let profile = &user.profile;
    let start = local_ts(profile.offset, plan.day, 4 * 60);
    let mut rng = Rng::new(&[profile.key, 50, day_key(plan.day)]);
    let next = plan.day.succ_opt().and_then(|d| user.plan(d)).filter(|p| p.worn);
    let mut sleeps = vec![(plan.sleep_start, plan.sleep_end())];
    if let Some((nap_start, slots)) = plan.nap {
        sleeps.push((nap_start, nap_start + slots * SLOT));
    }
    if let Some(next) = next {
        sleeps.push((next.sleep_start, next.sleep_end()));
    }
    (0..288)
        .map(|slot| {
            let t = start + slot * SLOT;
            if series::charging_at(profile, t) {
                return b'0';
            }
            if sleeps.iter().any(|(s, e)| t >= *s && t < *e) {
                return b'1';
            }
            if let Some(w) = plan.workouts.iter().find(|w| t >= w.start && t < w.end) {
                return if w.intensity >= 2 || (w.intensity == 1 && rng.chance(0.5)) {
                    b'5'
                } else {
                    b'4'
                };
            }
            if plan.session.as_ref().is_some_and(|s| t >= s.start && t < s.end) {
                return b'1';
            }
            let local_hour = (slot * 5 / 60 + 4) % 24;
            if !(6..23).contains(&local_hour) {
                return b'1';
            }
            let active = (0.25 * profile.activity + 0.08 * plan.activity).clamp(0.05, 0.6);
            if rng.chance(active) {
                if rng.chance(0.12) { b'4' } else { b'3' }
            } else {
                b'2'
            }
        })
        .collect()
}

fn met_of(class: u8, rng: &mut Rng) -> f64 {
    let met = match class {
        b'0' | b'1' => 0.9 + if rng.chance(0.1) { 0.2 } else { 0.0 },
        b'2' => rng.range(1.0, 1.9),
        b'3' => rng.range(2.0, 3.4),
        b'4' => rng.range(3.5, 5.9),
        _ => rng.range(6.0, 9.5),
    };
    round_to(met, 1)
}

struct ActivitySummary {
    classes: Vec<u8>,
    met: Vec<f64>,
}

fn activity_summary(user: &UserData, plan: &DayPlan) -> ActivitySummary {
    let classes = activity_classes(user, plan);
    let mut rng = Rng::new(&[user.profile.key, 51, day_key(plan.day)]);
    // One value a minute, five a slot.
    let mut met = Vec::with_capacity(classes.len() * 5);
    for class in &classes {
        for _ in 0..5 {
            met.push(met_of(*class, &mut rng));
        }
    }
    ActivitySummary { classes, met }
}

/// The activity score of the day of `plan`, computed once per day.
fn activity_score(user: &UserData, plan: &DayPlan) -> Option<i64> {
    let compute = || {
        let summary = activity_summary(user, plan);
        activity_contributors(user, plan, &summary).1
    };
    match user.scores_of(plan.day) {
        Some(scores) => *scores.activity.get_or_init(compute),
        None => compute(),
    }
}

fn count(classes: &[u8], class: u8) -> i64 {
    classes.iter().filter(|c| **c == class).count() as i64
}

fn met_minutes(summary: &ActivitySummary, class: u8) -> f64 {
    summary
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == class)
        .map(|(slot, _)| summary.met[slot * 5..slot * 5 + 5].iter().sum::<f64>())
        .sum()
}

fn inactivity_alerts(classes: &[u8]) -> i64 {
    let mut alerts = 0;
    let mut run = 0;
    for class in classes {
        if *class == b'2' {
            run += 1;
            if run == 12 {
                alerts += 1;
                run = 0;
            }
        } else {
            run = 0;
        }
    }
    alerts
}

fn active_calories(user: &UserData, summary: &ActivitySummary) -> i64 {
    let weight = user.profile.weight;
    summary
        .met
        .iter()
        .map(|met| (met - 1.0).max(0.0) * weight / 60.0)
        .sum::<f64>()
        .round() as i64
}

fn activity_contributors(
    user: &UserData,
    plan: &DayPlan,
    summary: &ActivitySummary,
) -> (types::PublicActivityContributors, Option<i64>) {
    let profile = &user.profile;
    let sedentary_hours = count(&summary.classes, b'2') as f64 * 5.0 / 60.0;
    let alerts = inactivity_alerts(&summary.classes);
    let calories = active_calories(user, summary) as f64;
    let workouts_week = (1..=7)
        .filter_map(|back| plan.day.checked_sub_days(chrono::Days::new(back)))
        .filter_map(|d| user.plan(d))
        .filter(|p| p.worn)
        .map(|p| p.workouts.len())
        .sum::<usize>() as f64;
    let hard_yesterday = plan
        .day
        .pred_opt()
        .and_then(|d| user.plan(d))
        .is_some_and(|p| p.workouts.iter().any(|w| w.intensity == 2));
    let n = day_key(plan.day) as i64;
    let contributors = types::PublicActivityContributors {
        meet_daily_targets: Some(score(
            45.0 + 55.0 * (calories / profile.target_calories as f64).min(1.0),
        )),
        move_every_hour: Some(score(100.0 - alerts as f64 * 15.0)),
        recovery_time: Some(if hard_yesterday { 75 } else { 100 }),
        stay_active: Some(score(if sedentary_hours <= 7.0 {
            100.0
        } else {
            100.0 - (sedentary_hours - 7.0) * 9.0
        })),
        training_frequency: Some(score(55.0 + 15.0 * workouts_week)),
        training_volume: Some(score(80.0 + 18.0 * smooth(profile.key ^ 52, n, 10))),
    };
    let score = weighted(&[
        (contributors.meet_daily_targets, 0.25),
        (contributors.move_every_hour, 0.15),
        (contributors.recovery_time, 0.15),
        (contributors.stay_active, 0.15),
        (contributors.training_frequency, 0.15),
        (contributors.training_volume, 0.15),
    ]);
    (contributors, score)
}

fn activity(user: &UserData, plan: &DayPlan, id: String) -> types::PublicDailyActivity {
    let profile = &user.profile;
    let summary = activity_summary(user, plan);
    let (contributors, score) = activity_contributors(user, plan, &summary);
    if let Some(scores) = user.scores_of(plan.day) {
        let _ = scores.activity.set(score);
    }
    let minutes = |class: u8| count(&summary.classes, class) * 5;
    let steps = (minutes(b'2') as f64 * 6.0
        + minutes(b'3') as f64 * 55.0
        + minutes(b'4') as f64 * 105.0
        + minutes(b'5') as f64 * 150.0)
        .round() as i64;
    let equivalent_walking_distance = (steps as f64 * 0.75).round() as i64;
    let active_calories = active_calories(user, &summary);
    let bmr = (10.0 * profile.weight + 625.0 * profile.height - 5.0 * profile.age as f64
        + if profile.biological_sex == "male" { 5.0 } else { -161.0 })
    .round() as i64;
    let target_meters = profile.target_calories * 16;
    let start = local_ts(profile.offset, plan.day, 4 * 60);
    types::PublicDailyActivity {
        active_calories,
        average_met_minutes: round_to(summary.met.iter().sum::<f64>() / summary.met.len().max(1) as f64, 3),
        class_5_min: Some(String::from_utf8_lossy(&summary.classes).into_owned()),
        contributors,
        day: plan.day,
        equivalent_walking_distance,
        high_activity_met_minutes: met_minutes(&summary, b'5').round() as i64,
        high_activity_time: minutes(b'5') * 60,
        id,
        inactivity_alerts: inactivity_alerts(&summary.classes),
        low_activity_met_minutes: met_minutes(&summary, b'3').round() as i64,
        low_activity_time: minutes(b'3') * 60,
        medium_activity_met_minutes: met_minutes(&summary, b'4').round() as i64,
        medium_activity_time: minutes(b'4') * 60,
        met: types::PublicSample {
            interval: 60.0,
            items: summary.met.iter().map(|m| Some(*m)).collect(),
            timestamp: local_dt(profile.offset, start),
        },
        meters_to_target: (target_meters - equivalent_walking_distance).max(0),
        non_wear_time: minutes(b'0') * 60,
        resting_time: minutes(b'1') * 60,
        score,
        sedentary_met_minutes: met_minutes(&summary, b'2').round() as i64,
        sedentary_time: minutes(b'2') * 60,
        steps,
        target_calories: profile.target_calories,
        target_meters,
        timestamp: local_dt(profile.offset, start),
        total_calories: active_calories + bmr,
    }
}

fn sleep_time(user: &UserData, plan: &DayPlan, id: String) -> types::PublicSleepTime {
    let profile = &user.profile;
    let nights = (plan.day - user.first_day).num_days();
    let mut rng = Rng::new(&[profile.key, 60, day_key(plan.day)]);
    let (status, recommendation, optimal) = if nights < 14 {
        (PublicSleepTimeStatus::NotEnoughNights, None, false)
    } else if plan.sleep_quality < -0.9 {
        (
            PublicSleepTimeStatus::BadSleepQuality,
            Some(PublicSleepTimeRecommendation::ImproveEfficiency),
            false,
        )
    } else if rng.chance(0.15) {
        (
            PublicSleepTimeStatus::OnlyRecommendedFound,
            Some(PublicSleepTimeRecommendation::EarlierBedtime),
            false,
        )
    } else {
        (
            PublicSleepTimeStatus::OptimalFound,
            Some(PublicSleepTimeRecommendation::FollowOptimalBedtime),
            true,
        )
    };
    let start_offset = (profile.bedtime - 24 * 60 - 30) * 60;
    types::PublicSleepTime {
        day: plan.day,
        id,
        optimal_bedtime: optimal.then(|| types::PublicSleepTimeWindow {
            day_tz: i64::from(profile.offset.local_minus_utc()),
            end_offset: start_offset + 3600,
            start_offset,
        }),
        recommendation,
        status: Some(status),
    }
}

fn workout(profile: &Profile, plan: &DayPlan, ordinal: u32, id: String) -> Option<types::PublicWorkout> {
    let w = plan.workouts.get(ordinal as usize)?;
    let mut rng = Rng::new(&[profile.key, 70, day_key(plan.day), u64::from(ordinal)]);
    let hours = (w.end - w.start) as f64 / 3600.0;
    let intensity_factor = [0.75, 1.0, 1.3][usize::from(w.intensity.min(2))];
    let (met, speed) = match w.activity {
        "walking" => (3.5, Some(1.4)),
        "running" => (9.0, Some(3.0)),
        "cycling" => (7.5, Some(6.5)),
        "hiking" => (6.0, Some(1.2)),
        "swimming" => (7.0, None),
        "dancing" => (5.0, None),
        "yoga" => (2.5, None),
        _ => (5.0, None),
    };
    Some(types::PublicWorkout {
        activity: w.activity.to_owned(),
        calories: Some(round_to(met * intensity_factor * profile.weight * hours * 0.9, 3)),
        day: plan.day,
        distance: speed.map(|s: f64| round_to(s * intensity_factor * hours * 3600.0, 1)),
        end_datetime: local_dt(profile.offset, w.end),
        id,
        intensity: match w.intensity {
            0 => PublicWorkoutIntensity::Easy,
            1 => PublicWorkoutIntensity::Moderate,
            _ => PublicWorkoutIntensity::Hard,
        },
        label: None,
        source: rng.pick(&[
            PublicWorkoutSource::Autodetected,
            PublicWorkoutSource::Confirmed,
            PublicWorkoutSource::Manual,
            PublicWorkoutSource::WorkoutHeartRate,
        ]),
        start_datetime: local_dt(profile.offset, w.start),
    })
}

fn session(profile: &Profile, plan: &DayPlan, id: String) -> Option<types::PublicSession> {
    let s = plan.session.as_ref()?;
    let mut rng = Rng::new(&[profile.key, 80, day_key(plan.day)]);
    let n = ((s.end - s.start) / 5).max(1) as usize;
    let start = local_dt(profile.offset, s.start);
    let hr: Vec<Option<f64>> = (0..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            (i >= 4).then(|| round_to(profile.resting_hr + 8.0 - 6.0 * f + 0.3 * rng.normal(), 1))
        })
        .collect();
    let hrv: Vec<Option<f64>> = (0..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            (i >= 12).then(|| (profile.hrv * (0.8 + 0.4 * f) + rng.normal()).round())
        })
        .collect();
    let motion: Vec<Option<f64>> = (0..n)
        .map(|_| Some(if rng.chance(0.04) { rng.int(5, 50) as f64 } else { 0.0 }))
        .collect();
    let sample = |items| types::PublicSample {
        interval: 5.0,
        items,
        timestamp: start,
    };
    Some(types::PublicSession {
        day: plan.day,
        end_datetime: local_dt(profile.offset, s.end),
        heart_rate: Some(sample(hr)),
        heart_rate_variability: Some(sample(hrv)),
        id,
        mood: rng.chance(0.7).then(|| {
            rng.pick(&[
                PublicMomentMood::Good,
                PublicMomentMood::Great,
                PublicMomentMood::Same,
                PublicMomentMood::Bad,
            ])
        }),
        motion_count: Some(sample(motion)),
        start_datetime: start,
        type_: rng.pick(&[
            PublicMomentType::Breathing,
            PublicMomentType::Meditation,
            PublicMomentType::Relaxation,
            PublicMomentType::Rest,
            PublicMomentType::BodyStatus,
        ]),
    })
}

const TAG_CODES: &[&str] = &[
    "tag_generic_caffeine",
    "tag_generic_alcohol",
    "tag_generic_late_meal",
    "tag_generic_nocaffeine",
    "tag_generic_stress",
    "tag_generic_sauna",
    "tag_generic_headache",
    "tag_generic_travel",
    "custom",
];

fn enhanced_tag(profile: &Profile, plan: &DayPlan, ordinal: u32, id: String) -> types::EnhancedTagModel {
    let mut rng = Rng::new(&[profile.key, 90, day_key(plan.day), u64::from(ordinal)]);
    let code = rng.pick(TAG_CODES);
    let start = local_ts(profile.offset, plan.day, rng.int(7 * 60, 21 * 60)) + rng.int(0, 59);
    let end = rng.chance(0.3).then(|| start + rng.int(10, 120) * 60);
    types::EnhancedTagModel {
        comment: rng
            .chance(0.3)
            .then(|| (rng.pick(&["", "felt fine", "long day", "with friends"])).to_owned()),
        custom_name: (code == "custom")
            .then(|| (rng.pick(&["Cold plunge", "Stretching", "Late screen time"])).to_owned()),
        end_day: end.map(|e| local_day(profile.offset, e)),
        end_time: end.map(|e| local_dt(profile.offset, e)),
        id,
        start_day: plan.day,
        start_time: local_dt(profile.offset, start),
        tag_type_code: Some(code.to_owned()),
    }
}

fn tag(profile: &Profile, plan: &DayPlan, ordinal: u32, id: String) -> types::TagModel {
    let mut rng = Rng::new(&[profile.key, 91, day_key(plan.day), u64::from(ordinal)]);
    let (tags, text): (&[&str], Option<&str>) = rng.pick(&[
        (&["coffee"][..], Some("Morning coffee")),
        (&["alcohol"][..], None),
        (&["workout"][..], Some("Morning workout")),
        (&["late_meal", "alcohol"][..], Some("Dinner out")),
        (&["sick"][..], None),
    ]);
    types::TagModel {
        day: plan.day,
        id,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        text: text.map(str::to_owned),
        timestamp: local_dt(
            profile.offset,
            local_ts(profile.offset, plan.day, rng.int(8 * 60, 22 * 60)),
        ),
    }
}

fn rest_mode(user: &UserData, plan: &DayPlan, id: String) -> Option<types::PublicRestModePeriod> {
    let profile = &user.profile;
    let days = plan.rest_mode_days?;
    let mut rng = Rng::new(&[profile.key, 92, day_key(plan.day)]);
    let start = plan.sleep_end() + rng.int(5, 60) * 60;
    let end_day = plan.day.checked_add_days(chrono::Days::new(days.max(1) as u64 - 1))?;
    let end = (end_day <= user.today)
        .then(|| local_ts(profile.offset, end_day, rng.int(18 * 60, 22 * 60)))
        .filter(|end| *end > start);
    let episodes = (0..rng.int(1, 2))
        .map(|i| types::PublicRestModeEpisode {
            tags: vec![
                (rng.pick(&[
                    "tag_generic_fatigue",
                    "tag_generic_cold",
                    "tag_generic_flu",
                    "tag_sleep_alcohol",
                ]))
                .to_owned(),
            ],
            timestamp: local_dt(profile.offset, start + i * 3600),
        })
        .collect();
    Some(types::PublicRestModePeriod {
        end_day: end.map(|e| local_day(profile.offset, e)),
        end_time: end.map(|e| local_dt(profile.offset, e)),
        episodes,
        id,
        start_day: plan.day,
        start_time: Some(local_dt(profile.offset, start)),
    })
}
