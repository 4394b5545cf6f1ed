//! The documents of every collection, under friendly names.
//!
//! These are the generated models of `oura-api-sys`: timestamps are
//! `chrono::DateTime<FixedOffset>` (the user's offset kept), days are `chrono::NaiveDate`, enums
//! keep values newer API versions add in an `Other(String)` variant, unknown fields are ignored.
//! Every generated type is also here under its generated name.

pub use oura_api_sys::open_enums::*;
pub use oura_api_sys::types::*;

/// A day's activity: score, contributors, steps, calories, time per intensity, MET samples.
pub type DailyActivity = PublicDailyActivity;
/// A day's cardiovascular age estimate.
pub type DailyCardiovascularAge = PublicDailyCardiovascularAge;
/// A day's readiness: score, contributors, temperature deviation.
pub type DailyReadiness = PublicDailyReadiness;
/// A day's resilience level and its contributors.
pub type DailyResilience = DailyResilienceModel;
/// A day's sleep score and its contributors.
pub type DailySleep = PublicDailySleep;
/// A day's average SpO2 during sleep and breathing disturbance index.
pub type DailySpO2 = PublicDailySpO2;
/// A day's stress and recovery time.
pub type DailyStress = PublicDailyStress;
/// A tag the user entered, with its start and end.
pub type EnhancedTag = EnhancedTagModel;
/// One heart rate sample.
pub type HeartRate = PublicHeartRateRow;
/// The user's personal information.
pub type PersonalInfo = PersonalInfoResponse;
/// A rest mode period and its episodes.
pub type RestModePeriod = PublicRestModePeriod;
/// One ring battery level sample.
pub type RingBatteryLevel = PublicRingBatteryLevelRow;
/// One of the user's rings.
pub type RingConfiguration = PublicRingConfiguration;
/// A guided or unguided session.
pub type Session = PublicSession;
/// One sleep period: stages, hypnogram, heart rate, HRV, efficiency.
pub type Sleep = PublicModifiedSleepModel;
/// A recommended bedtime window.
pub type SleepTime = PublicSleepTime;
/// A tag (deprecated by Oura in favour of [`EnhancedTag`]).
pub type Tag = TagModel;
/// A VO2 max estimate.
pub type VO2Max = PublicVo2Max;
/// A workout.
pub type Workout = PublicWorkout;
/// A webhook subscription.
pub type WebhookSubscription = WebhookSubscriptionModel;
