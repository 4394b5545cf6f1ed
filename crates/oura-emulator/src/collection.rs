//! The collections the emulator serves, and [`Document`], one document of any of them, held in
//! the generated model of `oura-api-sys` for its route.

use chrono::NaiveDate;
use oura_api_sys::catalog;
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

    /// This collection's row in the spec's collection table ([`oura_api_sys::catalog`]): its
    /// route, the parameters its user and sandbox routes take, its single-document routes, its
    /// fields. Everything the routes need to know about a collection is read from there.
    pub fn spec(self) -> &'static catalog::Collection {
        match self {
            Collection::DailyActivity => &catalog::DAILY_ACTIVITY,
            Collection::DailyCardiovascularAge => &catalog::DAILY_CARDIOVASCULAR_AGE,
            Collection::DailyReadiness => &catalog::DAILY_READINESS,
            Collection::DailyResilience => &catalog::DAILY_RESILIENCE,
            Collection::DailySleep => &catalog::DAILY_SLEEP,
            Collection::DailySpo2 => &catalog::DAILY_SPO2,
            Collection::DailyStress => &catalog::DAILY_STRESS,
            Collection::EnhancedTag => &catalog::ENHANCED_TAG,
            Collection::Heartrate => &catalog::HEARTRATE,
            Collection::RestModePeriod => &catalog::REST_MODE_PERIOD,
            Collection::RingBatteryLevel => &catalog::RING_BATTERY_LEVEL,
            Collection::RingConfiguration => &catalog::RING_CONFIGURATION,
            Collection::Session => &catalog::SESSION,
            Collection::Sleep => &catalog::SLEEP,
            Collection::SleepTime => &catalog::SLEEP_TIME,
            Collection::Tag => &catalog::TAG,
            Collection::Vo2Max => &catalog::VO2_MAX,
            Collection::Workout => &catalog::WORKOUT,
        }
    }

    /// The path segment after `/v2/usercollection/` (the catalog's route).
    pub fn path(self) -> &'static str {
        self.spec().route
    }

    /// The collection whose path segment is `path`.
    pub fn from_path(path: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.path() == path)
    }

    /// Whether this is a time series (`start_datetime`/`end_datetime`, no single documents).
    pub fn is_time_series(self) -> bool {
        self.spec().range == catalog::RangeKind::Series
    }

    /// The webhook `data_type` for this collection: its route in lower case, when the spec's
    /// `data_type` enum lists it (`None` for the time series).
    pub fn data_type(self) -> Option<ExtApiV2DataType> {
        Some(ExtApiV2DataType::from(self.spec().method_name().as_str())).filter(ExtApiV2DataType::is_known)
    }

    /// The collection a webhook `data_type` names.
    pub fn from_data_type(data_type: &ExtApiV2DataType) -> Option<Collection> {
        Collection::ALL
            .into_iter()
            .find(|c| c.data_type().as_ref() == Some(data_type))
    }

    /// Fields every document of this collection carries even when `fields=` asks for fewer
    /// (the model's required fields in the catalog, so a filtered document still decodes).
    pub(crate) fn required_fields(self) -> impl Iterator<Item = &'static str> {
        self.spec().fields.iter().filter(|f| f.required).map(|f| f.name)
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

        /// The name of the generated model a collection's documents are held in (`None` for
        /// the time series, which take no documents).
        #[cfg(test)]
        fn model_name(collection: Collection) -> Option<&'static str> {
            match collection {
                $(Collection::$variant => Some(stringify!($model)),)*
                Collection::Heartrate | Collection::RingBatteryLevel => None,
            }
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

        /// A page of documents of one collection as a JSON value, through its typed page model
        /// (to edit before it is sent: `fields`).
        pub(crate) fn page_json(
            collection: Collection,
            docs: Vec<Document>,
            next_token: Option<String>,
        ) -> serde_json::Value {
            page_as::<AsValue>(collection, docs, next_token)
        }

        /// A page of documents of one collection as the body sent, serialized from its typed
        /// page model directly: the text of [`page_json`]'s value, in the model's key order.
        pub(crate) fn page_body(collection: Collection, docs: Vec<Document>, next_token: Option<String>) -> Vec<u8> {
            page_as::<AsBytes>(collection, docs, next_token)
        }

        fn page_as<O: PageOut>(collection: Collection, docs: Vec<Document>, next_token: Option<String>) -> O::Out {
            match collection {
                $(
                    Collection::$variant => O::out(&types::$page {
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
                Collection::Heartrate | Collection::RingBatteryLevel => O::out(&serde_json::json!({
                    "data": [],
                    "next_token": next_token,
                })),
            }
        }
    };
}

/// What a page is serialized into.
trait PageOut {
    type Out;
    fn out<T: Serialize>(page: &T) -> Self::Out;
}

/// A [`serde_json::Value`].
struct AsValue;

impl PageOut for AsValue {
    type Out = serde_json::Value;
    fn out<T: Serialize>(page: &T) -> serde_json::Value {
        serde_json::to_value(page).unwrap_or(serde_json::Value::Null)
    }
}

/// JSON text.
struct AsBytes;

impl PageOut for AsBytes {
    type Out = Vec<u8>;
    fn out<T: Serialize>(page: &T) -> Vec<u8> {
        crate::json::to_vec(page, 64 * 1024)
    }
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
    fn every_collection_of_the_spec_is_served_and_nothing_else() {
        for spec in catalog::COLLECTIONS {
            let served: Vec<Collection> = Collection::ALL
                .into_iter()
                .filter(|c| c.spec().route == spec.route)
                .collect();
            assert_eq!(
                served.len(),
                1,
                "the spec's collection {} is served by {served:?}",
                spec.route
            );
            if let Some(model) = model_name(served[0]) {
                assert_eq!(
                    model, spec.model,
                    "{}: documents are held in the spec's model",
                    spec.route
                );
            }
        }
        assert_eq!(
            Collection::ALL.len(),
            catalog::COLLECTIONS.len(),
            "a collection the spec lacks"
        );
        assert!(Collection::Heartrate.is_time_series());
        assert!(!Collection::Heartrate.spec().single);
        let required: Vec<&str> = Collection::Heartrate.required_fields().collect();
        assert_eq!(required, ["timestamp", "bpm", "source"]);
    }

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
        assert_eq!(Collection::Heartrate.data_type(), None);
        assert_eq!(Collection::RingBatteryLevel.data_type(), None);
        let with_events = Collection::ALL.into_iter().filter_map(Collection::data_type).count();
        assert_eq!(
            with_events,
            ExtApiV2DataType::KNOWN.len(),
            "every data_type has its collection"
        );
    }
}
