//! Every collection of the API, one row each in a table, and what can be done with one.

use std::marker::PhantomData;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use crate::by_route::AnyRange;
use crate::client::{ApiRequest, Client, encode_path_segment};
use crate::error::{Error, Result};
use crate::models;
use crate::paginate::{self, Locate, Located, Page};
use crate::range::{All, DateRange, DateTimeRange, Position, RangeQuery, Window};
use oura_api_sys::catalog::{self, Param};
pub use oura_api_sys::catalog::{COLLECTIONS, Collection};

/// A document type of a collection: how to reach it and where it lies in time.
///
/// Implemented for the model of every collection of the spec, from its row of the generated
/// collection table ([`COLLECTIONS`]).
pub trait Document: DeserializeOwned + serde::Serialize + Send + Sync + 'static {
    /// The collection's row of the table.
    const COLLECTION: &'static Collection;
    /// The route name, as in `/v2/usercollection/<ROUTE>`.
    const ROUTE: &'static str = Self::COLLECTION.route;
    /// The field that places a document in a range (`day`, `start_day`, `timestamp`).
    const POSITION_FIELD: Option<&'static str> = Self::COLLECTION.position;
    /// The range type the collection takes: [`DateRange`], [`DateTimeRange`] or [`All`].
    type Range: RangeQuery + TryFrom<AnyRange, Error = Error>;
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

macro_rules! range_type {
    (Days) => {
        DateRange
    };
    (Series) => {
        DateTimeRange
    };
    (Whole) => {
        All
    };
}

macro_rules! kind {
    ($ty:ty, single) => {
        impl SingleDocument for $ty {}
    };
    ($ty:ty, latest) => {
        impl TimeSeries for $ty {}
    };
    ($ty:ty, list) => {};
    ($ty:ty, nolatest) => {};
}

/// One typed collection: called by `oura_api_sys::__collection_facts!` with the facts of the
/// spec's collection table appended to the facade's own (documentation and method name).
macro_rules! typed_collection {
    (
        $(#[$doc:meta])* $method:ident
        $konst:ident, $model:ident, $range:ident, [$($field:ident)?], $single:ident, $latest:ident
    ) => {
        impl Document for models::$model {
            const COLLECTION: &'static Collection = &catalog::$konst;
            type Range = range_type!($range);
            fn position(&self) -> Option<Position> {
                position!(self, $($field)?)
            }
        }
        kind!(models::$model, $single);
        kind!(models::$model, $latest);

        impl Client {
            $(#[$doc])*
            pub fn $method(&self) -> Documents<models::$model> {
                Documents::new(self.clone())
            }
        }
    };
}

macro_rules! visit_one {
    ($visitor:ident $konst:ident, $model:ident, $($rest:tt)*) => {
        $visitor.visit::<models::$model>()
    };
}

/// Receives the model type of every collection: [`visit_collections`].
pub trait CollectionVisitor {
    /// Called once per collection with its model type.
    fn visit<T: Document>(&mut self);
}

/// The facade's collections: a friendly method name and its documentation for each route of
/// the spec. Everything else (model, range, parameters, position) comes from the generated
/// table; a route the spec lacks fails the build, and a route of the spec missing here fails
/// `cargo test` (`every_collection_of_the_spec_has_a_method`).
macro_rules! collections {
    ($(
        $(#[$doc:meta])*
        $method:ident $route:tt;
    )*) => {
        $(oura_api_sys::__collection_facts!($route, typed_collection, $(#[$doc])* $method);)*

        /// Calls `visitor` with the model type of every collection, in the table's order: for
        /// code that works on every typed collection (tests, generic tools).
        ///
        /// ```
        /// struct Routes(Vec<&'static str>);
        /// impl oura::CollectionVisitor for Routes {
        ///     fn visit<T: oura::Document>(&mut self) {
        ///         self.0.push(T::ROUTE);
        ///     }
        /// }
        /// let mut routes = Routes(Vec::new());
        /// oura::visit_collections(&mut routes);
        /// assert_eq!(routes.0, oura::ROUTES);
        /// ```
        pub fn visit_collections(visitor: &mut impl CollectionVisitor) {
            $(oura_api_sys::__collection_facts!($route, visit_one, visitor);)*
        }

        /// The route name of every collection the client has a method for, in the table's order.
        pub const ROUTES: &[&str] = &[$($route),*];
    };
}

collections! {
    /// Daily activity: activity score and contributors, steps, calories, time per intensity.
    daily_activity "daily_activity";
    /// Daily cardiovascular age: vascular age and pulse wave velocity.
    daily_cardiovascular_age "daily_cardiovascular_age";
    /// Daily readiness: readiness score, contributors and temperature deviation.
    daily_readiness "daily_readiness";
    /// Daily resilience: resilience level and its contributors.
    daily_resilience "daily_resilience";
    /// Daily sleep: the sleep score of each day and its contributors.
    daily_sleep "daily_sleep";
    /// Daily SpO2: average blood oxygen during sleep and breathing disturbance index.
    daily_spo2 "daily_spo2";
    /// Daily stress: time spent stressed and recovering, and the day's summary.
    daily_stress "daily_stress";
    /// Enhanced tags: tags the user entered, with start and end.
    enhanced_tag "enhanced_tag";
    /// Heart rate: one sample every few minutes, with its source (awake, rest, sleep, workout ...).
    heartrate "heartrate";
    /// Rest mode periods and their episodes.
    rest_mode_period "rest_mode_period";
    /// Ring battery level samples.
    ring_battery_level "ring_battery_level";
    /// The user's rings: model, size, color, firmware, setup time.
    ring_configuration "ring_configuration";
    /// Guided and unguided sessions (meditation, breathing, ...), with their biometrics.
    session "session";
    /// Sleep periods: stages, hypnogram, heart rate and HRV during sleep, efficiency, latency.
    sleep "sleep";
    /// Recommended bedtime windows.
    sleep_time "sleep_time";
    /// Tags (deprecated by Oura in favour of [`Client::enhanced_tag`]).
    tag "tag";
    /// VO2 max (cardio capacity) estimates.
    vo2_max "vO2_max";
    /// Workouts, detected or entered: activity, intensity, calories, distance.
    workout "workout";
}

impl Client {
    /// Any collection by its model type: `client.documents::<models::DailySleep>()` is
    /// `client.daily_sleep()`. For code generic over collections (see [`visit_collections`]).
    pub fn documents<T: Document>(&self) -> Documents<T> {
        Documents::new(self.clone())
    }

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
        let locate: Locate<T> = Arc::new(|doc: &T| Located::At(doc.position()));
        paginate::pages(
            self.client.clone(),
            self.list_path(),
            self.route(),
            windows,
            Vec::new(),
            paginate::decode_json(),
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
        if self.client.is_sandbox() && !T::COLLECTION.sandbox_single {
            return Err(Error::InvalidInput(format!(
                "Oura's sandbox has no single-document route for {}",
                T::ROUTE
            )));
        }
        let path = format!("{}/{}", self.list_path(), encode_path_segment(id));
        self.client.execute(&ApiRequest::get(path, self.route())).await?.json()
    }
}

impl<T: TimeSeries> Documents<T> {
    /// The most recent sample, if the user has any.
    ///
    /// Oura's sandbox takes no `latest`: there it is an error before any request.
    pub async fn latest(&self) -> Result<Option<T>> {
        check_params(T::COLLECTION, &self.client, &[Param::Latest])?;
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
    ///
    /// Oura's sandbox takes no `fields`: asking it for some is an error before any request.
    pub fn pages(&self, range: T::Range) -> BoxStream<'static, Result<Page<serde_json::Value>>> {
        let windows = range.windows().into_iter().map(|w| w.0).collect();
        raw_pages(
            &self.documents.client,
            T::COLLECTION,
            windows,
            &self.fields,
            paginate::decode_json(),
            json_locate(T::COLLECTION),
        )
    }
}

/// The raw JSON pages of any collection over `windows`, with only `fields` when there are some:
/// each document as `decode` reads it (a [`serde_json::Value`], or its undecoded text), placed
/// in time by `locate` to keep only the windows' documents.
pub(crate) fn raw_pages<T: Send + 'static>(
    client: &Client,
    collection: &'static Collection,
    windows: Vec<Window>,
    fields: &[String],
    decode: paginate::Decode<T>,
    locate: Locate<T>,
) -> BoxStream<'static, Result<Page<T>>> {
    let checked = (|| {
        if let Some(bad) = fields.iter().find(|f| f.is_empty() || f.contains(',')) {
            return Err(Error::InvalidInput(format!("invalid field name {bad:?}")));
        }
        if !fields.is_empty() {
            check_params(collection, client, &[Param::Fields])?;
        }
        Ok(())
    })();
    if let Err(err) = checked {
        return stream::once(async move { Err(err) }).boxed();
    }
    let extra = if fields.is_empty() {
        Vec::new()
    } else {
        vec![("fields", fields.join(","))]
    };
    paginate::pages(
        client.clone(),
        format!("{}/{}", client.collection_prefix(), collection.route),
        collection.route,
        windows,
        extra,
        decode,
        locate,
    )
    .boxed()
}

/// An error, before any request, when the route `client` would call does not take `params`
/// (the sandbox's routes take neither `fields` nor `latest`).
pub(crate) fn check_params(collection: &Collection, client: &Client, params: &[Param]) -> Result<()> {
    let sandbox = client.is_sandbox();
    match params.iter().find(|p| !collection.takes(**p, sandbox)) {
        None => Ok(()),
        Some(param) => Err(Error::InvalidInput(format!(
            "{}{} takes no `{}` parameter",
            if sandbox { "Oura's sandbox route for " } else { "" },
            collection.route,
            param.name()
        ))),
    }
}

/// The position of a JSON document, when it carries the position field.
pub(crate) fn json_position(doc: &serde_json::Value, field: Option<&str>) -> Option<Position> {
    Position::parse(doc.get(field?)?.as_str()?)
}

/// Places JSON documents of `collection` in time.
pub(crate) fn json_locate(collection: &'static Collection) -> Locate<serde_json::Value> {
    Arc::new(move |doc: &serde_json::Value| {
        Located::Text(collection.position.and_then(|field| doc.get(field)?.as_str()))
    })
}

/// Keeps the stream type nameable in signatures.
pub type DocumentStream<T> = BoxStream<'static, Result<T>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A collection of the spec without its facade method, or a method for a route the spec
    /// lacks, fails here with the route named.
    #[test]
    fn every_collection_of_the_spec_has_a_method() {
        let spec: Vec<&str> = COLLECTIONS.iter().map(|c| c.route).collect();
        let missing: Vec<&&str> = spec.iter().filter(|route| !ROUTES.contains(route)).collect();
        assert!(
            missing.is_empty(),
            "collections of the spec without a method in the facade's `collections!` table: {missing:?}"
        );
        let extra: Vec<&&str> = ROUTES.iter().filter(|route| !spec.contains(route)).collect();
        assert!(extra.is_empty(), "facade methods for routes the spec lacks: {extra:?}");
    }

    #[test]
    fn the_typed_models_carry_their_rows() {
        assert_eq!(<models::DailySleep as Document>::ROUTE, "daily_sleep");
        assert_eq!(<models::EnhancedTag as Document>::POSITION_FIELD, Some("start_day"));
        assert_eq!(<models::VO2Max as Document>::COLLECTION.route, "vO2_max");
        assert_eq!(
            <models::HeartRate as Document>::COLLECTION.range,
            crate::RangeKind::Series
        );
    }
}
