//! Every collection of the API, one row each in a table, and what can be done with one.

use std::marker::PhantomData;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use crate::client::{ApiRequest, Client, encode_path_segment};
use crate::error::{Error, Result};
use crate::models;
use crate::paginate::{self, Locate, Page};
use crate::range::{All, DateRange, DateTimeRange, Position, RangeKind, RangeQuery};

/// A document type of a collection: how to reach it and where it lies in time.
pub trait Document: DeserializeOwned + Send + Sync + 'static {
    /// The route name, as in `/v2/usercollection/<ROUTE>`.
    const ROUTE: &'static str;
    /// The field that places a document in a range (`day`, `start_day`, `timestamp`).
    const POSITION_FIELD: Option<&'static str>;
    /// The range type the collection takes: [`DateRange`], [`DateTimeRange`] or [`All`].
    type Range: RangeQuery;
    /// Where this document lies in time.
    fn position(&self) -> Option<Position>;
}

/// A collection with a single-document route, `/v2/usercollection/<ROUTE>/<id>`.
pub trait SingleDocument: Document {}

/// A time-series collection, which takes `latest`.
pub trait TimeSeries: Document<Range = DateTimeRange> {}

/// Converts a model's position field.
trait ToPosition {
    fn to_position(&self) -> Option<Position>;
}

impl ToPosition for chrono::NaiveDate {
    fn to_position(&self) -> Option<Position> {
        Some(Position::Day(*self))
    }
}

impl ToPosition for chrono::DateTime<chrono::FixedOffset> {
    fn to_position(&self) -> Option<Position> {
        Some(Position::Time(*self))
    }
}

macro_rules! position {
    ($doc:ident,) => {
        None
    };
    ($doc:ident, $field:ident) => {
        ToPosition::to_position(&$doc.$field)
    };
}

macro_rules! kind {
    ($ty:ty, single) => {
        impl SingleDocument for $ty {}
    };
    ($ty:ty, series) => {
        impl TimeSeries for $ty {}
    };
    ($ty:ty, list) => {};
}

macro_rules! collections {
    ($(
        $(#[$doc:meta])*
        $method:ident $route:literal => $ty:ty, $range:ty, [$($field:ident)?], $kind:ident;
    )*) => {
        $(
            impl Document for $ty {
                const ROUTE: &'static str = $route;
                const POSITION_FIELD: Option<&'static str> = {
                    #[allow(unused_mut, unused_assignments, reason = "the field is optional in the table")]
                    let mut field = None;
                    $(field = Some(stringify!($field));)?
                    field
                };
                type Range = $range;
                fn position(&self) -> Option<Position> {
                    position!(self, $($field)?)
                }
            }
            kind!($ty, $kind);
        )*

        impl Client {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> Documents<$ty> {
                    Documents::new(self.clone())
                }
            )*
        }

        /// The route name of every collection, in the order of the table.
        pub const ROUTES: &[&str] = &[$($route),*];

        /// What the table says about every collection, in its order: for tools that work on
        /// any collection by name.
        pub const COLLECTIONS: &[Collection] = &[
            $(Collection {
                route: $route,
                kind: <$range as RangeQuery>::KIND,
                position: <$ty as Document>::POSITION_FIELD,
            },)*
        ];

        /// The pages of any collection by its route name (`daily_sleep`, `heartrate`, `vO2_max`,
        /// ...), as the raw JSON documents Oura sent. `start`/`end` are parsed for the
        /// collection's kind of range (see [`RangeQuery::from_bounds`]).
        pub fn pages_by_route(
            client: &Client,
            route: &str,
            start: Option<&str>,
            end: Option<&str>,
        ) -> Result<DocumentStream<Page<serde_json::Value>>> {
            match route {
                $($route => Ok(client.$method().raw().pages(<$range as RangeQuery>::from_bounds(start, end)?)),)*
                other => Err(Error::InvalidInput(format!(
                    "unknown collection {other:?}; known: {}",
                    ROUTES.join(", ")
                ))),
            }
        }
    };
}

collections! {
    /// Daily activity: activity score and contributors, steps, calories, time per intensity.
    daily_activity "daily_activity" => models::DailyActivity, DateRange, [day], single;
    /// Daily cardiovascular age: vascular age and pulse wave velocity.
    daily_cardiovascular_age "daily_cardiovascular_age" => models::DailyCardiovascularAge, DateRange, [day], single;
    /// Daily readiness: readiness score, contributors and temperature deviation.
    daily_readiness "daily_readiness" => models::DailyReadiness, DateRange, [day], single;
    /// Daily resilience: resilience level and its contributors.
    daily_resilience "daily_resilience" => models::DailyResilience, DateRange, [day], single;
    /// Daily sleep: the sleep score of each day and its contributors.
    daily_sleep "daily_sleep" => models::DailySleep, DateRange, [day], single;
    /// Daily SpO2: average blood oxygen during sleep and breathing disturbance index.
    daily_spo2 "daily_spo2" => models::DailySpO2, DateRange, [day], single;
    /// Daily stress: time spent stressed and recovering, and the day's summary.
    daily_stress "daily_stress" => models::DailyStress, DateRange, [day], single;
    /// Enhanced tags: tags the user entered, with start and end.
    enhanced_tag "enhanced_tag" => models::EnhancedTag, DateRange, [start_day], single;
    /// Heart rate: one sample every few minutes, with its source (awake, rest, sleep, workout ...).
    heartrate "heartrate" => models::HeartRate, DateTimeRange, [timestamp], series;
    /// Rest mode periods and their episodes.
    rest_mode_period "rest_mode_period" => models::RestModePeriod, DateRange, [start_day], single;
    /// Ring battery level samples.
    ring_battery_level "ring_battery_level" => models::RingBatteryLevel, DateTimeRange, [timestamp], series;
    /// The user's rings: model, size, color, firmware, setup time.
    ring_configuration "ring_configuration" => models::RingConfiguration, All, [], single;
    /// Guided and unguided sessions (meditation, breathing, ...), with their biometrics.
    session "session" => models::Session, DateRange, [day], single;
    /// Sleep periods: stages, hypnogram, heart rate and HRV during sleep, efficiency, latency.
    sleep "sleep" => models::Sleep, DateRange, [day], single;
    /// Recommended bedtime windows.
    sleep_time "sleep_time" => models::SleepTime, DateRange, [day], single;
    /// Tags (deprecated by Oura in favour of [`Client::enhanced_tag`]).
    tag "tag" => models::Tag, DateRange, [day], single;
    /// VO2 max (cardio capacity) estimates.
    vo2_max "vO2_max" => models::VO2Max, DateRange, [day], single;
    /// Workouts, detected or entered: activity, intensity, calories, distance.
    workout "workout" => models::Workout, DateRange, [day], single;
}

impl Client {
    /// The user's personal information (age, weight, height, sex, email: each needs its scope).
    ///
    /// The sandbox has no such route; there it is an error without a request.
    pub async fn personal_info(&self) -> Result<models::PersonalInfo> {
        if self.is_sandbox() {
            return Err(Error::InvalidInput("Oura's sandbox has no personal_info route".into()));
        }
        let route = "/v2/usercollection/personal_info";
        self.execute(&ApiRequest::get(route.to_owned(), route)).await?.json()
    }
}

/// One collection of the client's user: `client.daily_sleep()`, `client.heartrate()`, ...
#[derive(Debug)]
#[must_use]
pub struct Documents<T> {
    client: Client,
    _document: PhantomData<fn() -> T>,
}

impl<T> Clone for Documents<T> {
    fn clone(&self) -> Self {
        Documents {
            client: self.client.clone(),
            _document: PhantomData,
        }
    }
}

impl<T: Document> Documents<T> {
    fn new(client: Client) -> Self {
        Documents {
            client,
            _document: PhantomData,
        }
    }

    fn list_path(&self) -> String {
        format!("{}/{}", self.client.collection_prefix(), T::ROUTE)
    }

    fn route(&self) -> &'static str {
        T::ROUTE
    }

    /// Every document in `range`, following pagination lazily, in Oura's order.
    ///
    /// ```no_run
    /// # async fn run(client: oura::Client) -> oura::Result<()> {
    /// use futures::TryStreamExt;
    /// let mut nights = client.sleep().list(oura::DateRange::last_days(30));
    /// while let Some(night) = nights.try_next().await? {
    ///     println!("{} {:?}", night.day, night.total_sleep_duration);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, range: T::Range) -> BoxStream<'static, Result<T>> {
        paginate::documents(self.pages(range)).boxed()
    }

    /// Every document in `range`, collected.
    pub async fn all(&self, range: T::Range) -> Result<Vec<T>> {
        self.list(range).try_collect().await
    }

    /// The pages of `range`, for callers who want page-level access (sizes, rate limits).
    pub fn pages(&self, range: T::Range) -> BoxStream<'static, Result<Page<T>>> {
        let windows = range.windows().into_iter().map(|w| w.0).collect();
        let locate: Locate<T> = Arc::new(|doc: &T| doc.position());
        paginate::pages(
            self.client.clone(),
            self.list_path(),
            self.route(),
            windows,
            Vec::new(),
            locate,
        )
        .boxed()
    }

    /// The documents as the raw JSON Oura sent (unknown fields kept), filtered to the range
    /// like [`list`](Self::list).
    pub fn raw(&self) -> Fields<T> {
        Fields {
            documents: self.clone(),
            fields: Vec::new(),
        }
    }

    /// Only these fields of each document, as raw JSON (partial documents cannot fill the
    /// typed models). Oura always adds a few fields of its own, such as `id`.
    pub fn fields<I, S>(&self, fields: I) -> Fields<T>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let fields: Vec<String> = fields.into_iter().map(|f| f.as_ref().trim().to_owned()).collect();
        Fields {
            documents: self.clone(),
            fields,
        }
    }
}

impl<T: SingleDocument> Documents<T> {
    /// One document by id; [`Error::NotFound`] when there is none.
    pub async fn get(&self, id: &str) -> Result<T> {
        if id.trim().is_empty() {
            return Err(Error::InvalidInput("a document id cannot be empty".into()));
        }
        let path = format!("{}/{}", self.list_path(), encode_path_segment(id));
        self.client.execute(&ApiRequest::get(path, self.route())).await?.json()
    }
}

impl<T: TimeSeries> Documents<T> {
    /// The most recent sample, if the user has any.
    pub async fn latest(&self) -> Result<Option<T>> {
        let mut request = ApiRequest::get(self.list_path(), self.route());
        request.query.push(("latest", "true".to_owned()));
        let page: Page<T> = self.client.execute(&request).await?.json::<WirePage<T>>()?.into();
        Ok(page.data.into_iter().last())
    }
}

#[derive(serde::Deserialize)]
struct WirePage<T> {
    data: Vec<T>,
}

impl<T> From<WirePage<T>> for Page<T> {
    fn from(wire: WirePage<T>) -> Self {
        Page {
            data: wire.data,
            next_token: None,
            rate_limit: None,
        }
    }
}

/// A collection read as raw JSON: [`Documents::raw`], or with only some fields:
/// [`Documents::fields`].
#[derive(Debug)]
#[must_use]
pub struct Fields<T> {
    documents: Documents<T>,
    fields: Vec<String>,
}

impl<T> Clone for Fields<T> {
    fn clone(&self) -> Self {
        Fields {
            documents: self.documents.clone(),
            fields: self.fields.clone(),
        }
    }
}

impl<T: Document> Fields<T> {
    /// Every document in `range`, as JSON objects.
    pub fn list(&self, range: T::Range) -> BoxStream<'static, Result<serde_json::Value>> {
        paginate::documents(self.pages(range)).boxed()
    }

    /// The pages of `range`, as JSON objects.
    pub fn pages(&self, range: T::Range) -> BoxStream<'static, Result<Page<serde_json::Value>>> {
        if let Some(bad) = self.fields.iter().find(|f| f.is_empty() || f.contains(',')) {
            let err = Error::InvalidInput(format!("invalid field name {bad:?}"));
            return stream::once(async move { Err(err) }).boxed();
        }
        let windows = range.windows().into_iter().map(|w| w.0).collect();
        let extra = if self.fields.is_empty() {
            Vec::new()
        } else {
            vec![("fields", self.fields.join(","))]
        };
        let locate: Locate<serde_json::Value> =
            Arc::new(|doc: &serde_json::Value| json_position(doc, T::POSITION_FIELD));
        let documents = &self.documents;
        paginate::pages(
            documents.client.clone(),
            documents.list_path(),
            T::ROUTE,
            windows,
            extra,
            locate,
        )
        .boxed()
    }
}

/// The position of a raw document, when it carries the position field.
fn json_position(doc: &serde_json::Value, field: Option<&str>) -> Option<Position> {
    let text = doc.get(field?)?.as_str()?;
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Position::Day(day));
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(Position::Time)
}

/// Any collection by its route name, as the raw JSON documents Oura sent, one by one: the
/// documents of [`pages_by_route`].
pub fn list_by_route(
    client: &Client,
    route: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<DocumentStream<serde_json::Value>> {
    Ok(paginate::documents(pages_by_route(client, route, start, end)?).boxed())
}

/// One row of the collection table: [`COLLECTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Collection {
    /// The route name, as in `/v2/usercollection/<route>`.
    pub route: &'static str,
    /// The kind of range it takes.
    pub kind: RangeKind,
    /// The field that places a document in time (`day`, `start_day`, `timestamp`).
    pub position: Option<&'static str>,
}

/// Keeps the stream type nameable in signatures.
pub type DocumentStream<T> = BoxStream<'static, Result<T>>;
