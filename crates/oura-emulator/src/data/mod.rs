//! The emulated users and their data: who they are ([`Profile`]), what each day of theirs looked
//! like ([`DayPlan`]), and the index of their documents ([`UserData`]).
//!
//! Startup computes only the small day plans and the document index; documents themselves are
//! generated on request from (seed, user, collection, day, ordinal), and the heart rate and
//! battery series sample by sample from the time of day, so two years of data cost little
//! memory and no startup time. Only the few scores of a day that several documents embed are
//! kept once computed ([`DayScores`]).

pub(crate) mod generate;
pub(crate) mod series;
pub(crate) mod timestamp;

use std::collections::{BTreeMap, HashMap};
use std::sync::{OnceLock, RwLock};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};

use crate::collection::{Collection, Document};
use crate::prng::{Rng, hash, smooth, uuid};

/// Seconds in a five-minute slot.
pub(crate) const SLOT: i64 = 300;

/// A user's fixed traits.
#[derive(Clone, Debug)]
pub(crate) struct Profile {
    /// Key every random stream of this user starts from.
    pub key: u64,
    pub id: String,
    pub email: String,
    pub age: i64,
    pub weight: f64,
    pub height: f64,
    pub biological_sex: &'static str,
    pub offset: FixedOffset,
    pub resting_hr: f64,
    pub hrv: f64,
    pub vo2_max: f64,
    /// Usual bedtime, minutes after midnight of the evening's day (may pass 24:00).
    pub bedtime: i64,
    /// Usual number of five-minute slots in bed.
    pub sleep_slots: i64,
    /// Activity level, around 1.
    pub activity: f64,
    pub target_calories: i64,
    pub battery_cycle_days: i64,
    pub rings: Vec<Ring>,
}

/// One ring a user set up.
#[derive(Clone, Debug)]
pub(crate) struct Ring {
    pub id: String,
    pub set_up_at: i64,
    pub hardware: &'static str,
    pub color: &'static str,
    pub design: &'static str,
    pub size: i64,
    pub firmware: String,
}

/// A planned workout.
#[derive(Clone, Debug)]
pub(crate) struct WorkoutPlan {
    pub start: i64,
    pub end: i64,
    pub activity: &'static str,
    /// 0 easy, 1 moderate, 2 hard.
    pub intensity: u8,
}

/// A planned session (meditation, breathing, ...).
#[derive(Clone, Debug)]
pub(crate) struct SessionPlan {
    pub start: i64,
    pub end: i64,
}

/// What one day of a user looked like: the latent state every document of the day derives from.
#[derive(Clone, Debug)]
pub(crate) struct DayPlan {
    pub day: NaiveDate,
    /// Whether the ring was worn; a day not worn has no documents and no samples.
    pub worn: bool,
    /// Latent factors in about `[-1, 1]`, drifting smoothly from day to day.
    pub sleep_quality: f64,
    pub recovery: f64,
    pub activity: f64,
    pub stress: f64,
    pub temperature: f64,
    /// Main sleep ending on this day: start (unix seconds) and length in five-minute slots.
    pub sleep_start: i64,
    pub sleep_slots: i64,
    /// An afternoon nap: start and slots.
    pub nap: Option<(i64, i64)>,
    pub workouts: Vec<WorkoutPlan>,
    pub session: Option<SessionPlan>,
    pub enhanced_tags: u32,
    pub tags: u32,
    /// A rest mode period starts this day and lasts this many days.
    pub rest_mode_days: Option<i64>,
    pub vo2_max: bool,
}

impl DayPlan {
    /// End of the main sleep (unix seconds).
    pub(crate) fn sleep_end(&self) -> i64 {
        self.sleep_start + self.sleep_slots * SLOT
    }
}

/// Workout activities and how they move.
pub(crate) const ACTIVITIES: &[&str] = &[
    "walking",
    "running",
    "cycling",
    "strength_training",
    "yoga",
    "hiking",
    "swimming",
    "dancing",
];

const OFFSETS_MINUTES: &[i32] = &[120, 60, -300, -480, 540, 0, 330, -180];

/// `f64::round` (halves away from zero), bit for bit, without its call into the C library
/// (the default x86-64 target has no rounding instruction): generation rounds a few million
/// values per year of data.
pub(crate) fn round(x: f64) -> f64 {
    // From 2^52 on, every float is an integer (and NaN and the infinities stay as they are).
    const INTEGERS_FROM: f64 = 4_503_599_627_370_496.0;
    if x.is_nan() || x.abs() >= INTEGERS_FROM {
        return x;
    }
    // Both exact below 2^52: the integer part, and what is left of `x` after it.
    let whole = x as i64 as f64;
    let rest = x - whole;
    let rounded = if rest >= 0.5 {
        whole + 1.0
    } else if rest <= -0.5 {
        whole - 1.0
    } else {
        whole
    };
    // `-0.3` rounds to `-0.0`, as `f64::round` has it.
    rounded.copysign(x)
}

/// `NaiveDate::num_days_from_ce` of 1970-01-01: day numbers and unix days differ by this.
const UNIX_EPOCH_DAY: i64 = 719_163;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Unix seconds of `minutes` after local midnight of `day`.
pub(crate) fn local_ts(offset: FixedOffset, day: NaiveDate, minutes: i64) -> i64 {
    day_start(offset, i64::from(day.num_days_from_ce())) + minutes * 60
}

/// Unix seconds of local midnight of the day numbered `day` (days from the common era, as
/// `NaiveDate::num_days_from_ce`): [`local_ts`] without building a date.
pub(crate) fn day_start(offset: FixedOffset, day: i64) -> i64 {
    (day - UNIX_EPOCH_DAY) * DAY - i64::from(offset.local_minus_utc())
}

/// The number (days from the common era) of the user's local day at a unix time:
/// [`local_day`] without building a date.
pub(crate) fn local_day_number(offset: FixedOffset, unix: i64) -> i64 {
    (unix + i64::from(offset.local_minus_utc())).div_euclid(DAY) + UNIX_EPOCH_DAY
}

/// A unix time shown in the user's offset.
pub(crate) fn local_dt(offset: FixedOffset, unix: i64) -> DateTime<FixedOffset> {
    offset
        .timestamp_opt(unix, 0)
        .single()
        .unwrap_or_else(|| DateTime::<FixedOffset>::MIN_UTC.with_timezone(&offset))
}

/// A unix time in UTC (`+00:00`).
pub(crate) fn utc_dt(unix: i64) -> DateTime<FixedOffset> {
    local_dt(chrono::Offset::fix(&chrono::Utc), unix)
}

/// The user's local date at a unix time.
pub(crate) fn local_day(offset: FixedOffset, unix: i64) -> NaiveDate {
    local_dt(offset, unix).date_naive()
}

impl Profile {
    /// The profile of user `index` (or the sandbox user) under `seed`.
    pub(crate) fn new(seed: u64, index: usize, first_day: NaiveDate) -> Profile {
        let key = hash(&[seed, index as u64, 0x5573_6572]);
        let mut rng = Rng::new(&[key, 1]);
        let biological_sex = if rng.chance(0.5) { "female" } else { "male" };
        let female = biological_sex == "female";
        let height = if female {
            rng.range(1.55, 1.78)
        } else {
            rng.range(1.68, 1.95)
        };
        let bmi = rng.range(20.0, 28.0);
        let offset_minutes = rng.pick(OFFSETS_MINUTES);
        let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or(chrono::Offset::fix(&chrono::Utc));
        let age = rng.int(22, 68);
        let fitness = rng.range(-1.0, 1.0);
        let mut rings = Vec::new();
        let first_setup = local_ts(offset, first_day, 0) - rng.int(10, 400) * 86_400 + rng.int(8 * 3600, 20 * 3600);
        let hardware = rng.pick(&["gen3", "gen3", "or5", "gen4"]);
        rings.push(Ring {
            id: uuid(&[key, 2, 0]),
            set_up_at: first_setup,
            hardware,
            color: rng.pick(&["silver", "stealth_black", "brushed_silver", "rose", "titanium"]),
            design: rng.pick(&["heritage", "horizon", "balance"]),
            size: rng.int(6, 13),
            firmware: format!("2.{}.{}", rng.int(8, 11), rng.int(0, 40)),
        });
        if rng.chance(0.5) {
            let setup = local_ts(offset, first_day, 0) + rng.int(60, 500) * 86_400 + rng.int(8 * 3600, 20 * 3600);
            let size = rings[0].size;
            rings.push(Ring {
                id: uuid(&[key, 2, 1]),
                set_up_at: setup,
                hardware: "or5",
                color: rng.pick(&["midnight", "tide", "cloud", "petal", "deep_rose"]),
                design: "horizon",
                size,
                firmware: format!("3.{}.{}", rng.int(0, 4), rng.int(0, 40)),
            });
        }
        Profile {
            key,
            id: format!("{:016x}{:016x}", hash(&[key, 3]), hash(&[key, 4])),
            email: if index == usize::MAX {
                "sandbox@example.com".to_owned()
            } else {
                format!("user{index}@example.com")
            },
            age,
            weight: (bmi * height * height * 10.0).round() / 10.0,
            height: (height * 100.0).round() / 100.0,
            biological_sex,
            offset,
            resting_hr: 58.0 - 6.0 * fitness + rng.range(-3.0, 3.0),
            hrv: (55.0 - 0.5 * (age as f64 - 40.0) + 15.0 * fitness).max(18.0),
            vo2_max: (45.0 - 0.3 * (age as f64 - 40.0) + 8.0 * fitness).clamp(25.0, 65.0),
            bedtime: rng.int(21 * 60 + 45, 24 * 60 + 15),
            sleep_slots: rng.int(84, 102),
            activity: 1.0 + 0.35 * fitness + rng.range(-0.1, 0.1),
            target_calories: 50 * rng.int(8, 14),
            battery_cycle_days: rng.int(4, 7),
            rings,
        }
    }

    /// The ring worn at a unix time (the latest set up before it).
    pub(crate) fn ring_at(&self, unix: i64) -> Option<&Ring> {
        self.rings
            .iter()
            .rev()
            .find(|ring| ring.set_up_at <= unix)
            .or(self.rings.first())
    }

    /// Whether the ring was worn on `day`: a few gaps of one to three days a season, plus the
    /// odd single day.
    pub(crate) fn worn(&self, day: NaiveDate) -> bool {
        let n = i64::from(day.num_days_from_ce());
        let block = n.div_euclid(61);
        let mut rng = Rng::new(&[self.key, 5, block as u64]);
        if rng.chance(0.7) {
            let start = rng.int(0, 57);
            let len = rng.int(1, 3);
            let pos = n.rem_euclid(61);
            if pos >= start && pos < start + len {
                return false;
            }
        }
        !Rng::new(&[self.key, 6, n as u64]).chance(0.01)
    }

    /// The plan of `day`.
    pub(crate) fn plan(&self, day: NaiveDate, today: NaiveDate) -> DayPlan {
        let n = i64::from(day.num_days_from_ce());
        let key = self.key;
        let drift = |k: u64, rng: &mut Rng| {
            (0.6 * smooth(key ^ k, n, 23) + 0.3 * smooth(key ^ k ^ 0xff, n, 6) + 0.25 * rng.normal()).clamp(-1.5, 1.5)
        };
        let mut rng = Rng::new(&[key, 7, n as u64]);
        let sleep_quality = drift(11, &mut rng);
        let recovery = 0.6 * sleep_quality + 0.4 * drift(12, &mut rng);
        let activity = drift(13, &mut rng);
        let stress = drift(14, &mut rng);
        let temperature = 0.5 * smooth(key ^ 15, n, 9) + 0.15 * rng.normal();
        let worn = day == today || self.worn(day);

        let evening = day.pred_opt().unwrap_or(day);
        let bedtime =
            self.bedtime + (25.0 * smooth(key ^ 16, n, 5)) as i64 + rng.int(-20, 20) - (15.0 * sleep_quality) as i64;
        let bedtime = (bedtime.clamp(21 * 60 + 30, 25 * 60 + 30) / 5) * 5;
        let sleep_start = local_ts(self.offset, evening, bedtime);
        let sleep_slots = (self.sleep_slots as f64 + 10.0 * sleep_quality + rng.range(-8.0, 8.0))
            .round()
            .clamp(54.0, 125.0) as i64;
        let wake = sleep_start + sleep_slots * SLOT;

        let weekday = day.weekday().num_days_from_monday();
        let workout_chance = (0.35 * self.activity + 0.1 * activity).clamp(0.05, 0.8);
        let mut workouts = Vec::new();
        if rng.chance(workout_chance) {
            let start = wake + rng.int(9, 24) * SLOT;
            let minutes = rng.int(25, 90);
            workouts.push(WorkoutPlan {
                start,
                end: start + minutes * 60,
                activity: rng.pick(ACTIVITIES),
                intensity: rng.int(0, 2) as u8,
            });
        }
        if rng.chance(workout_chance * if weekday >= 5 { 0.2 } else { 0.45 }) {
            let start = local_ts(self.offset, day, 17 * 60 + 5 * rng.int(0, 9));
            let minutes = rng.int(20, 60);
            workouts.push(WorkoutPlan {
                start,
                end: start + minutes * 60,
                activity: rng.pick(ACTIVITIES),
                intensity: rng.int(0, 2) as u8,
            });
        }
        let nap = rng
            .chance(0.08)
            .then(|| (local_ts(self.offset, day, 14 * 60 + 5 * rng.int(0, 6)), rng.int(4, 6)));
        let session = rng.chance(0.15).then(|| {
            let start = local_ts(self.offset, day, 16 * 60 + 5 * rng.int(0, 4)) + rng.int(0, 59);
            SessionPlan {
                start,
                end: start + rng.int(8 * 60, 20 * 60),
            }
        });
        let enhanced_tags = if rng.chance(0.25) {
            1 + u32::from(rng.chance(0.2))
        } else {
            0
        };
        let tags = u32::from(rng.chance(0.05));
        let rest_mode_days = (stress > 0.9 && rng.chance(0.15)).then(|| rng.int(1, 3));
        DayPlan {
            day,
            worn,
            sleep_quality,
            recovery,
            activity,
            stress,
            temperature,
            sleep_start,
            sleep_slots,
            nap,
            workouts,
            session,
            enhanced_tags,
            tags,
            rest_mode_days,
            vo2_max: (n + self.key as i64 % 7).rem_euclid(7) == 0,
        }
    }
}

/// Where a document of the index comes from.
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    /// Generated on request from (day, ordinal).
    Generated { id: String },
    /// Added through [`crate::Emulator::add_data`] or the admin route.
    Added(Box<Document>),
}

/// The order of documents in a collection: day (days from the common era), then a sequence
/// number (generated documents use their ordinal, added ones count up from `ADDED_SEQ`).
pub(crate) type SortKey = (i32, u32);

/// Sequence numbers of added documents start here.
pub(crate) const ADDED_SEQ: u32 = 1 << 20;

/// The mutable index of a user's documents.
#[derive(Debug, Default)]
pub(crate) struct DocIndex {
    pub by_collection: HashMap<Collection, BTreeMap<SortKey, Entry>>,
    pub ids: HashMap<String, (Collection, SortKey)>,
    pub next_seq: u32,
}

/// What several documents read of a day's main night: the daily sleep's contributors and
/// score, which the readiness embeds with the night's lowest heart rate.
#[derive(Clone, Debug)]
pub(crate) struct NightSummary {
    pub contributors: oura_api_sys::types::PublicSleepContributors,
    pub score: Option<i64>,
    pub lowest_heart_rate: Option<i64>,
}

/// Scores of a day that several documents embed (a daily sleep and a readiness read the main
/// night's, a readiness the day before's activity score), kept once computed: each costs a
/// whole night or a day of activity to compute, and a hundred-odd bytes to keep (less than the
/// day's entries in the document index).
#[derive(Debug, Default)]
pub(crate) struct DayScores {
    /// The main night's summary.
    pub night: OnceLock<NightSummary>,
    /// The activity score.
    pub activity: OnceLock<Option<i64>>,
}

/// One user: profile, plans and document index.
#[derive(Debug)]
pub(crate) struct UserData {
    pub profile: Profile,
    pub first_day: NaiveDate,
    pub today: NaiveDate,
    pub plans: Vec<DayPlan>,
    /// One per plan.
    pub scores: Vec<DayScores>,
    pub index: RwLock<DocIndex>,
}

impl UserData {
    /// Builds a user's plans and index for the days `first_day..=today`.
    pub(crate) fn new(seed: u64, index: usize, first_day: NaiveDate, today: NaiveDate) -> Self {
        let profile = Profile::new(seed, index, first_day);
        let plans: Vec<DayPlan> = first_day
            .iter_days()
            .take_while(|d| *d <= today)
            .map(|d| profile.plan(d, today))
            .collect();
        let mut doc_index = DocIndex {
            next_seq: ADDED_SEQ,
            ..DocIndex::default()
        };
        let mut insert = |collection: Collection, day: NaiveDate, ordinal: u32| {
            let day_key = day.num_days_from_ce();
            let id = generate::document_id(&profile, collection, day_key, ordinal);
            let key = (day_key, ordinal);
            doc_index.ids.insert(id.clone(), (collection, key));
            doc_index
                .by_collection
                .entry(collection)
                .or_default()
                .insert(key, Entry::Generated { id });
        };
        for (ordinal, ring) in profile.rings.iter().enumerate() {
            if ring.set_up_at <= local_ts(profile.offset, today, 24 * 60) {
                insert(
                    Collection::RingConfiguration,
                    local_day(profile.offset, ring.set_up_at),
                    ordinal as u32,
                );
            }
        }
        for plan in &plans {
            let day = plan.day;
            if plan.worn {
                for collection in [
                    Collection::DailyActivity,
                    Collection::DailyCardiovascularAge,
                    Collection::DailyReadiness,
                    Collection::DailyResilience,
                    Collection::DailySleep,
                    Collection::DailySpo2,
                    Collection::DailyStress,
                    Collection::SleepTime,
                    Collection::Sleep,
                ] {
                    insert(collection, day, 0);
                }
                if plan.nap.is_some() {
                    insert(Collection::Sleep, day, 1);
                }
                for ordinal in 0..plan.workouts.len() {
                    insert(Collection::Workout, day, ordinal as u32);
                }
                if plan.session.is_some() {
                    insert(Collection::Session, day, 0);
                }
                if plan.vo2_max {
                    insert(Collection::Vo2Max, day, 0);
                }
            }
            for ordinal in 0..plan.enhanced_tags {
                insert(Collection::EnhancedTag, day, ordinal);
            }
            for ordinal in 0..plan.tags {
                insert(Collection::Tag, day, ordinal);
            }
            if plan.rest_mode_days.is_some() {
                insert(Collection::RestModePeriod, day, 0);
            }
        }
        UserData {
            profile,
            first_day,
            today,
            scores: plans.iter().map(|_| DayScores::default()).collect(),
            plans,
            index: RwLock::new(doc_index),
        }
    }

    /// The plan of `day`, if it is in the history.
    pub(crate) fn plan(&self, day: NaiveDate) -> Option<&DayPlan> {
        let index = (day - self.first_day).num_days();
        usize::try_from(index).ok().and_then(|index| self.plans.get(index))
    }

    /// The kept scores of `day`, if it is in the history.
    pub(crate) fn scores_of(&self, day: NaiveDate) -> Option<&DayScores> {
        let index = (day - self.first_day).num_days();
        usize::try_from(index).ok().and_then(|index| self.scores.get(index))
    }

    /// The plan of the day numbered `day` (see [`local_day_number`]), if it is in the history.
    pub(crate) fn plan_of_number(&self, day: i64) -> Option<&DayPlan> {
        let index = day - i64::from(self.first_day.num_days_from_ce());
        usize::try_from(index).ok().and_then(|index| self.plans.get(index))
    }

    /// First instant of the history and the end of `today`, in unix seconds.
    pub(crate) fn span(&self) -> (i64, i64) {
        (
            local_ts(self.profile.offset, self.first_day, 0),
            local_ts(self.profile.offset, self.today, 24 * 60),
        )
    }

    /// The document an index entry (taken out of the index, so the lock is not held while
    /// documents are generated) stands for.
    pub(crate) fn materialize(&self, collection: Collection, key: SortKey, entry: Entry) -> Option<Document> {
        match entry {
            Entry::Added(doc) => Some(*doc),
            Entry::Generated { id } => {
                let day = NaiveDate::from_num_days_from_ce_opt(key.0)?;
                generate::document(self, collection, day, key.1, id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_f64_round_bit_for_bit() {
        let mut rng = Rng::new(&[99]);
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            1e300,
            -1e-300,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for _ in 0..1_000_000 {
            let scale = 10f64.powi(rng.int(-3, 17) as i32);
            values.push(rng.range(-1.0, 1.0) * scale);
            // Halves and their neighbours.
            let half = rng.int(-1_000_000, 1_000_000) as f64 + 0.5;
            values.extend([half, half.next_up(), half.next_down()]);
        }
        for value in values {
            assert_eq!(round(value).to_bits(), value.round().to_bits(), "{value:e}");
        }
    }

    #[test]
    fn day_numbers_and_midnights_agree_with_chrono() {
        let first = NaiveDate::from_ymd_opt(1999, 12, 25).expect("date");
        for minutes in [-720, -300, -30, 0, 60, 330, 345, 540, 840] {
            let offset = FixedOffset::east_opt(minutes * 60).expect("offset");
            for day in first.iter_days().take(9000).step_by(7) {
                let midnight = day
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(offset).single())
                    .expect("midnight")
                    .timestamp();
                assert_eq!(local_ts(offset, day, 0), midnight, "{day} {offset}");
                assert_eq!(local_ts(offset, day, 90), midnight + 5400);
                let number = i64::from(day.num_days_from_ce());
                for unix in [midnight, midnight + 1, midnight + DAY - 1, midnight + 43_210] {
                    assert_eq!(local_day_number(offset, unix), number, "{unix} {offset}");
                    assert_eq!(local_day(offset, unix), day);
                }
                assert_eq!(local_day_number(offset, midnight - 1), number - 1);
            }
        }
    }
}
