//! The collections the emulator serves, and [`Document`], one document of any of them, held in
//! the generated model of `oura-api-sys` for its route.

use chrono::NaiveDate;
use oura_api_sys::open_enums::ExtApiV2DataType;
use oura_api_sys::types;
use serde::Serialize;

/// A collection under `/v2/usercollection/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Collection {
    /// `daily_activity`
    DailyActivity,
    /// `daily_cardiovascular_age`
    DailyCardiovascularAge,
    /// `daily_readiness`
    DailyReadiness,
    /// `daily_resilience`
    DailyResilience,
    /// `daily_sleep`
    DailySleep,
    /// `daily_spo2`
    DailySpo2,
    /// `daily_stress`
    DailyStress,
    /// `enhanced_tag`
    EnhancedTag,
    /// `heartrate` (a time series: no single-document route)
    Heartrate,
    /// `rest_mode_period`
    RestModePeriod,
    /// `ring_battery_level` (a time series: no single-document route)
    RingBatteryLevel,
    /// `ring_configuration` (no date filter)
    RingConfiguration,
    /// `session`
    Session,
    /// `sleep`
    Sleep,
    /// `sleep_time`
    SleepTime,
    /// `tag` (deprecated upstream in favour of `enhanced_tag`)
    Tag,
    /// `vO2_max` (mixed case in the path)
    Vo2Max,
    /// `workout`
    Workout,
}

impl Collection {
    /// Every collection, in path order.
    pub const ALL: [Collection; 18] = [
        Collection::DailyActivity,
        Collection::DailyCardiovascularAge,
        Collection::DailyReadiness,
        Collection::DailyResilience,
        Collection::DailySleep,
        Collection::DailySpo2,
        Collection::DailyStress,
        Collection::EnhancedTag,
        Collection::Heartrate,
        Collection::RestModePeriod,
        Collection::RingBatteryLevel,
        Collection::RingConfiguration,
        Collection::Session,
        Collection::Sleep,
        Collection::SleepTime,
        Collection::Tag,
        Collection::Vo2Max,
        Collection::Workout,
    ];

    /// The path segment after `/v2/usercollection/`.
    pub fn path(self) -> &'static str {
        match self {
            Collection::DailyActivity => "daily_activity",
            Collection::DailyCardiovascularAge => "daily_cardiovascular_age",
            Collection::DailyReadiness => "daily_readiness",
            Collection::DailyResilience => "daily_resilience",
            Collection::DailySleep => "daily_sleep",
            Collection::DailySpo2 => "daily_spo2",
            Collection::DailyStress => "daily_stress",
            Collection::EnhancedTag => "enhanced_tag",
            Collection::Heartrate => "heartrate",
            Collection::RestModePeriod => "rest_mode_period",
            Collection::RingBatteryLevel => "ring_battery_level",
            Collection::RingConfiguration => "ring_configuration",
            Collection::Session => "session",
            Collection::Sleep => "sleep",
            Collection::SleepTime => "sleep_time",
            Collection::Tag => "tag",
            Collection::Vo2Max => "vO2_max",
            Collection::Workout => "workout",
        }
    }

    /// The collection whose path segment is `path`.
    pub fn from_path(path: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.path() == path)
    }

    /// Whether this is a time series (`start_datetime`/`end_datetime`, no single documents).
    pub fn is_time_series(self) -> bool {
        matches!(self, Collection::Heartrate | Collection::RingBatteryLevel)
    }

    /// The webhook `data_type` for this collection (`None` for the time series).
    pub fn data_type(self) -> Option<ExtApiV2DataType> {
        Some(match self {
            Collection::DailyActivity => ExtApiV2DataType::DailyActivity,
            Collection::DailyCardiovascularAge => ExtApiV2DataType::DailyCardiovascularAge,
            Collection::DailyReadiness => ExtApiV2DataType::DailyReadiness,
            Collection::DailyResilience => ExtApiV2DataType::DailyResilience,
            Collection::DailySleep => ExtApiV2DataType::DailySleep,
            Collection::DailySpo2 => ExtApiV2DataType::DailySpo2,
            Collection::DailyStress => ExtApiV2DataType::DailyStress,
            Collection::EnhancedTag => ExtApiV2DataType::EnhancedTag,
            Collection::RestModePeriod => ExtApiV2DataType::RestModePeriod,
            Collection::RingConfiguration => ExtApiV2DataType::RingConfiguration,
            Collection::Session => ExtApiV2DataType::Session,
            Collection::Sleep => ExtApiV2DataType::Sleep,
            Collection::SleepTime => ExtApiV2DataType::SleepTime,
            Collection::Tag => ExtApiV2DataType::Tag,
            Collection::Vo2Max => ExtApiV2DataType::Vo2Max,
            Collection::Workout => ExtApiV2DataType::Workout,
            Collection::Heartrate | Collection::RingBatteryLevel => return None,
        })
    }

    /// The collection a webhook `data_type` names.
    pub fn from_data_type(data_type: &ExtApiV2DataType) -> Option<Collection> {
        Collection::ALL
            .into_iter()
            .find(|c| c.data_type().as_ref() == Some(data_type))
    }

    /// Fields every document of this collection carries even when `fields=` asks for fewer
    /// (the model's required fields, so a filtered document still decodes).
    pub(crate) fn required_fields(self) -> &'static [&'static str] {
        match self {
            Collection::DailyActivity => &[
                "id",
                "active_calories",
                "average_met_minutes",
                "contributors",
                "day",
                "equivalent_walking_distance",
                "high_activity_met_minutes",
                "high_activity_time",
                "inactivity_alerts",
                "low_activity_met_minutes",
                "low_activity_time",
                "medium_activity_met_minutes",
                "medium_activity_time",
                "met",
                "meters_to_target",
                "non_wear_time",
                "resting_time",
                "sedentary_met_minutes",
                "sedentary_time",
                "steps",
                "target_calories",
                "target_meters",
                "timestamp",
                "total_calories",
            ],
            Collection::DailyCardiovascularAge => &["id", "day"],
            Collection::DailyReadiness | Collection::DailySleep => &["id", "contributors", "day", "timestamp"],
            Collection::DailyResilience => &["id", "day", "contributors", "level"],
            Collection::DailySpo2 | Collection::DailyStress | Collection::SleepTime => &["id", "day"],
            Collection::EnhancedTag => &["id", "start_time", "start_day"],
            Collection::Heartrate => &["timestamp", "timestamp_unix", "bpm", "source"],
            Collection::RestModePeriod => &["id", "episodes", "start_day"],
            Collection::RingBatteryLevel => &["timestamp", "timestamp_unix", "level"],
            Collection::RingConfiguration => &["id"],
            Collection::Session => &["id", "day", "end_datetime", "start_datetime", "type"],
            Collection::Sleep => &[
                "id",
                "bedtime_end",
                "bedtime_start",
                "day",
                "low_battery_alert",
                "period",
                "time_in_bed",
            ],
            Collection::Tag => &["id", "day", "text", "timestamp", "tags"],
            Collection::Vo2Max => &["id", "day", "timestamp", "vo2_max"],
            Collection::Workout => &[
                "id",
                "activity",
                "day",
                "end_datetime",
                "intensity",
                "source",
                "start_datetime",
            ],
        }
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}

macro_rules! documents {
    ($($variant:ident($model:ident) => $page:ident,)*) => {
        /// One document of a collection, in the `oura-api-sys` model its route returns.
        ///
        /// Used by [`Emulator::add_data`](crate::Emulator::add_data) to add data and by the
        /// routes to serve it: what the emulator sends is what these models serialize to.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        #[allow(
            clippy::large_enum_variant,
            reason = "documents are built once and moved; the variants are the models as they are"
        )]
        pub enum Document {
            $(
                #[doc = concat!("A `", stringify!($model), "`.")]
                $variant(types::$model),
            )*
        }

        impl Document {
            /// The collection this document belongs to.
            pub fn collection(&self) -> Collection {
                match self {
                    $(Document::$variant(_) => Collection::$variant,)*
                }
            }

            /// Decodes a document of `collection` from its JSON.
            pub fn from_json(
                collection: Collection,
                value: serde_json::Value,
            ) -> Result<Document, serde_json::Error> {
                match collection {
                    $(Collection::$variant => serde_json::from_value(value).map(Document::$variant),)*
                    Collection::Heartrate | Collection::RingBatteryLevel => Err(
                        <serde_json::Error as serde::de::Error>::custom(
                            "time series take no documents",
                        ),
                    ),
                }
            }

            /// The JSON the routes send for this document.
            pub(crate) fn to_json(&self) -> serde_json::Value {
                let value = match self {
                    $(Document::$variant(doc) => serde_json::to_value(doc),)*
                };
                value.unwrap_or(serde_json::Value::Null)
            }
        }

        $(
            impl From<types::$model> for Document {
                fn from(doc: types::$model) -> Self {
                    Document::$variant(doc)
                }
            }
        )*

        /// Serializes a page of documents of one collection through its typed page model.
        pub(crate) fn page_json(
            collection: Collection,
            docs: Vec<Document>,
            next_token: Option<String>,
        ) -> serde_json::Value {
            fn to_value<T: Serialize>(page: T) -> serde_json::Value {
                serde_json::to_value(page).unwrap_or(serde_json::Value::Null)
            }
            match collection {
                $(
                    Collection::$variant => to_value(types::$page {
                        data: docs
                            .into_iter()
                            .filter_map(|doc| match doc {
                                Document::$variant(doc) => Some(doc),
                                #[allow(unreachable_patterns)]
                                _ => None,
                            })
                            .collect(),
                        next_token,
                    }),
                )*
                Collection::Heartrate | Collection::RingBatteryLevel => serde_json::json!({
                    "data": [],
                    "next_token": next_token,
                }),
            }
        }
    };
}

documents! {
    DailyActivity(PublicDailyActivity) => MultiDocumentResponsePublicDailyActivity,
    DailyCardiovascularAge(PublicDailyCardiovascularAge) => MultiDocumentResponsePublicDailyCardiovascularAge,
    DailyReadiness(PublicDailyReadiness) => MultiDocumentResponsePublicDailyReadiness,
    DailyResilience(DailyResilienceModel) => MultiDocumentResponseDailyResilienceModel,
    DailySleep(PublicDailySleep) => MultiDocumentResponsePublicDailySleep,
    DailySpo2(PublicDailySpO2) => MultiDocumentResponsePublicDailySpO2,
    DailyStress(PublicDailyStress) => MultiDocumentResponsePublicDailyStress,
    EnhancedTag(EnhancedTagModel) => MultiDocumentResponseEnhancedTagModel,
    RestModePeriod(PublicRestModePeriod) => MultiDocumentResponsePublicRestModePeriod,
    RingConfiguration(PublicRingConfiguration) => MultiDocumentResponsePublicRingConfiguration,
    Session(PublicSession) => MultiDocumentResponsePublicSession,
    Sleep(PublicModifiedSleepModel) => MultiDocumentResponsePublicModifiedSleepModel,
    SleepTime(PublicSleepTime) => MultiDocumentResponsePublicSleepTime,
    Tag(TagModel) => MultiDocumentResponseTagModel,
    Vo2Max(PublicVo2Max) => MultiDocumentResponsePublicVo2Max,
    Workout(PublicWorkout) => MultiDocumentResponsePublicWorkout,
}

impl Document {
    /// The document's id (`daily_cardiovascular_age` documents may lack one).
    pub fn id(&self) -> Option<&str> {
        Some(match self {
            Document::DailyActivity(d) => &d.id,
            Document::DailyCardiovascularAge(d) => return d.id.as_deref(),
            Document::DailyReadiness(d) => &d.id,
            Document::DailyResilience(d) => &d.id,
            Document::DailySleep(d) => &d.id,
            Document::DailySpo2(d) => &d.id,
            Document::DailyStress(d) => &d.id,
            Document::EnhancedTag(d) => &d.id,
            Document::RestModePeriod(d) => &d.id,
            Document::RingConfiguration(d) => &d.id,
            Document::Session(d) => &d.id,
            Document::Sleep(d) => &d.id,
            Document::SleepTime(d) => &d.id,
            Document::Tag(d) => &d.id,
            Document::Vo2Max(d) => &d.id,
            Document::Workout(d) => &d.id,
        })
    }

    /// Sets the document's id.
    pub(crate) fn set_id(&mut self, id: String) {
        match self {
            Document::DailyActivity(d) => d.id = id,
            Document::DailyCardiovascularAge(d) => d.id = Some(id),
            Document::DailyReadiness(d) => d.id = id,
            Document::DailyResilience(d) => d.id = id,
            Document::DailySleep(d) => d.id = id,
            Document::DailySpo2(d) => d.id = id,
            Document::DailyStress(d) => d.id = id,
            Document::EnhancedTag(d) => d.id = id,
            Document::RestModePeriod(d) => d.id = id,
            Document::RingConfiguration(d) => d.id = id,
            Document::Session(d) => d.id = id,
            Document::Sleep(d) => d.id = id,
            Document::SleepTime(d) => d.id = id,
            Document::Tag(d) => d.id = id,
            Document::Vo2Max(d) => d.id = id,
            Document::Workout(d) => d.id = id,
        }
    }

    /// The day the date filters (`start_date`/`end_date`) apply to; `None` for ring
    /// configurations without a set-up time.
    pub fn day(&self) -> Option<NaiveDate> {
        Some(match self {
            Document::DailyActivity(d) => d.day,
            Document::DailyCardiovascularAge(d) => d.day,
            Document::DailyReadiness(d) => d.day,
            Document::DailyResilience(d) => d.day,
            Document::DailySleep(d) => d.day,
            Document::DailySpo2(d) => d.day,
            Document::DailyStress(d) => d.day,
            Document::EnhancedTag(d) => d.start_day,
            Document::RestModePeriod(d) => d.start_day,
            Document::RingConfiguration(d) => return d.set_up_at.map(|t| t.date_naive()),
            Document::Session(d) => d.day,
            Document::Sleep(d) => d.day,
            Document::SleepTime(d) => d.day,
            Document::Tag(d) => d.day,
            Document::Vo2Max(d) => d.day,
            Document::Workout(d) => d.day,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_and_data_types_match() {
        for collection in Collection::ALL {
            assert_eq!(Collection::from_path(collection.path()), Some(collection));
            if let Some(data_type) = collection.data_type() {
                assert!(data_type.is_known());
                assert_eq!(Collection::from_data_type(&data_type), Some(collection));
            }
        }
        assert_eq!(Collection::Vo2Max.path(), "vO2_max");
        assert_eq!(
            Collection::Vo2Max.data_type().map(|d| d.to_string()),
            Some("vo2_max".to_owned())
        );
        assert_eq!(Collection::from_path("vo2_max"), None);
    }
}
