//! Any collection by its route name, as raw JSON: for tools that work on every collection
//! (exports, command lines, servers) without naming each model.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset};
use futures::stream::StreamExt;
use serde_json::value::RawValue;

use crate::client::{ApiResponse, Client};
use crate::collections::{COLLECTIONS, Collection, DocumentStream, json_locate, json_position, raw_pages};
use crate::error::{Error, Result};
use crate::paginate::{self, Page};
use crate::range::{All, DateRange, DateTimeRange, Position, RangeKind, RangeQuery};
use crate::raw::{self, RawDocument};

/// A range of any of the three kinds, for the collection it is used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnyRange {
    /// Days, both ends inclusive, for the day collections.
    Days(DateRange),
    /// Instants, both ends inclusive, for the time series.
    Series(DateTimeRange),
    /// Everything, for the collections without a range.
    Whole,
}

impl AnyRange {
    /// The kind of range this is.
    pub fn kind(&self) -> RangeKind {
        match self {
            AnyRange::Days(_) => RangeKind::Days,
            AnyRange::Series(_) => RangeKind::Series,
            AnyRange::Whole => RangeKind::Whole,
        }
    }

    /// A range of `kind` from optional textual bounds, as tools take them (see
    /// [`RangeQuery::from_bounds`]): dates for day collections; RFC 3339 date-times or dates
    /// (whole local days) for time series; nothing for the rest.
    pub fn from_bounds(kind: RangeKind, start: Option<&str>, end: Option<&str>) -> Result<Self> {
        Ok(match kind {
            RangeKind::Days => AnyRange::Days(DateRange::from_bounds(start, end)?),
            RangeKind::Series => AnyRange::Series(DateTimeRange::from_bounds(start, end)?),
            RangeKind::Whole => AnyRange::Whole,
        })
    }

    /// The whole of the days `days`, in the kind `kind` asks for: the days themselves, or
    /// their instants from local midnight for a time series.
    pub fn of_days(kind: RangeKind, days: DateRange) -> Self {
        match kind {
            RangeKind::Days => AnyRange::Days(days),
            RangeKind::Series => AnyRange::Series(DateTimeRange::days(days)),
            RangeKind::Whole => AnyRange::Whole,
        }
    }

    /// The ranges this one is fetched in, in order, each one chain of pages: itself, or for a
    /// time series its windows of at most [`DateTimeRange::MAX_WINDOW`]. Every document of
    /// the range belongs to exactly one of them, so they can be fetched at once.
    pub fn windows(&self) -> Vec<AnyRange> {
        match self {
            AnyRange::Series(range) => range
                .windows()
                .into_iter()
                .filter_map(|(start, end)| {
                    last_instant_before(end).and_then(|last| DateTimeRange::new(start, last).ok())
                })
                .map(AnyRange::Series)
                .collect(),
            other => vec![*other],
        }
    }

    /// Whether a document at `position` belongs to the range.
    pub fn contains(&self, position: Position) -> bool {
        match (self, position) {
            (AnyRange::Days(range), Position::Day(day)) => range.start() <= day && day <= range.end(),
            (AnyRange::Series(range), Position::Time(at)) => range.start() <= at && at <= range.end(),
            (AnyRange::Whole, _) => true,
            _ => false,
        }
    }

    fn query_windows(&self) -> Vec<crate::range::Window> {
        let windows = match self {
            AnyRange::Days(range) => range.windows(),
            AnyRange::Series(range) => RangeQuery::windows(range),
            AnyRange::Whole => All.windows(),
        };
        windows.into_iter().map(|w| w.0).collect()
    }
}

/// The last whole second before a window's exclusive end (Oura's timestamps are whole seconds).
fn last_instant_before(end: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    end.checked_sub_signed(Duration::seconds(1))
}

impl From<DateRange> for AnyRange {
    fn from(range: DateRange) -> Self {
        AnyRange::Days(range)
    }
}

impl From<DateTimeRange> for AnyRange {
    fn from(range: DateTimeRange) -> Self {
        AnyRange::Series(range)
    }
}

impl From<All> for AnyRange {
    fn from(_: All) -> Self {
        AnyRange::Whole
    }
}

macro_rules! try_from_any {
    ($ty:ty, $pattern:pat => $value:expr) => {
        impl TryFrom<AnyRange> for $ty {
            type Error = Error;

            fn try_from(range: AnyRange) -> Result<Self> {
                match range {
                    $pattern => Ok($value),
                    other => Err(Error::InvalidInput(format!(
                        "a range of {:?} where one of {:?} is needed",
                        other.kind(),
                        <$ty as RangeQuery>::KIND
                    ))),
                }
            }
        }
    };
}

try_from_any!(DateRange, AnyRange::Days(range) => range);
try_from_any!(DateTimeRange, AnyRange::Series(range) => range);
try_from_any!(All, AnyRange::Whole => All);

/// The collection routed at `route` (exactly as in the path: `vO2_max`), or an error listing
/// the known ones.
pub fn collection(route: &str) -> Result<&'static Collection> {
    oura_api_sys::catalog::find(route).ok_or_else(|| {
        let known: Vec<&str> = COLLECTIONS.iter().map(|c| c.route).collect();
        Error::InvalidInput(format!("unknown collection {route:?}; known: {}", known.join(", ")))
    })
}

/// The pages of any collection by its route name (`daily_sleep`, `heartrate`, `vO2_max`, ...),
/// as the raw JSON documents Oura sent, filtered to `range` like the typed streams. A range of
/// the wrong kind for the collection is an error before any request.
pub fn pages_by_route(
    client: &Client,
    route: &str,
    range: impl Into<AnyRange>,
) -> Result<DocumentStream<Page<serde_json::Value>>> {
    pages_with_fields(client, route, range, &[])
}

/// [`pages_by_route`], with only these fields of each document (`fields=`; the sandbox takes
/// none, an error before any request).
pub fn pages_with_fields(
    client: &Client,
    route: &str,
    range: impl Into<AnyRange>,
    fields: &[String],
) -> Result<DocumentStream<Page<serde_json::Value>>> {
    let (collection, range) = checked(route, range.into())?;
    Ok(raw_pages(
        client,
        collection,
        range.query_windows(),
        fields,
        paginate::decode_json(),
        json_locate(collection),
    ))
}

/// The pages of any collection by its route name, like [`pages_by_route`], each document left
/// as the JSON text Oura sent ([`RawDocument`], its `id` and position read) instead of decoded
/// into a [`serde_json::Value`]: for tools that store or forward documents as they came, at a
/// fraction of the cost. The same requests, filtering and limits (authorization, retries, rate
/// limiter, `max_response_size`, `max_pages`) as every listing.
pub fn raw_pages_by_route(
    client: &Client,
    route: &str,
    range: impl Into<AnyRange>,
) -> Result<DocumentStream<Page<RawDocument>>> {
    let (collection, range) = checked(route, range.into())?;
    let field = collection.position;
    // A window's pages hold as many documents as its first, but for its last: each page's
    // vector is made the size of the one before, not grown document by document.
    let size = std::sync::atomic::AtomicUsize::new(0);
    let decode: paginate::Decode<RawDocument> = Arc::new(move |response: &mut ApiResponse| {
        let body = Vec::from(std::mem::take(&mut response.body));
        let wire = raw::page(body, field, size.load(std::sync::atomic::Ordering::Relaxed))
            .map_err(|(err, body)| Error::decode::<paginate::Wire<Box<RawValue>>>(&body, err, &response.headers))?;
        size.store(wire.data.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(wire)
    });
    Ok(raw_pages(
        client,
        collection,
        range.query_windows(),
        &[],
        decode,
        Arc::new(|doc: &RawDocument| paginate::Located::Text(doc.position_text())),
    ))
}

/// The collection routed at `route`, if `range` is of the kind it takes.
fn checked(route: &str, range: AnyRange) -> Result<(&'static Collection, AnyRange)> {
    let collection = collection(route)?;
    if range.kind() != collection.range {
        return Err(Error::InvalidInput(format!(
            "{route} takes a range of {:?}, not {:?}",
            collection.range,
            range.kind()
        )));
    }
    Ok((collection, range))
}

/// Any collection by its route name, as the raw JSON documents Oura sent, one by one: the
/// documents of [`pages_by_route`].
pub fn list_by_route(
    client: &Client,
    route: &str,
    range: impl Into<AnyRange>,
) -> Result<DocumentStream<serde_json::Value>> {
    Ok(paginate::documents(pages_by_route(client, route, range)?).boxed())
}

/// Where a raw document of `collection` lies in time, read from its position field.
pub fn position_of(collection: &Collection, document: &serde_json::Value) -> Option<Position> {
    json_position(document, collection.position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("date-time")
    }

    #[test]
    fn series_windows_cover_the_range_once_and_in_order() {
        let range =
            DateTimeRange::new(at("2024-01-01T00:00:00+02:00"), at("2024-03-16T00:00:00+02:00")).expect("range");
        let windows = AnyRange::Series(range).windows();
        let bounds: Vec<(String, String)> = windows
            .iter()
            .map(|w| match w {
                AnyRange::Series(r) => (r.start().to_rfc3339(), r.end().to_rfc3339()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            bounds,
            [
                ("2024-01-01T00:00:00+02:00".into(), "2024-01-30T23:59:59+02:00".into()),
                ("2024-01-31T00:00:00+02:00".into(), "2024-02-29T23:59:59+02:00".into()),
                ("2024-03-01T00:00:00+02:00".into(), "2024-03-16T00:00:00+02:00".into()),
            ]
        );
        let edge = Position::Time(at("2024-01-31T00:00:00+02:00"));
        assert_eq!(windows.iter().filter(|w| w.contains(edge)).count(), 1);
        let days = AnyRange::Days(DateRange::parse("2024-01-01", "2024-01-31").expect("days"));
        assert_eq!(days.windows(), vec![days]);
    }

    #[test]
    fn unknown_routes_and_ranges_of_the_wrong_kind_are_refused() {
        let client = Client::new("t").expect("client");
        let err = pages_by_route(&client, "naps", AnyRange::Whole).err().expect("unknown");
        assert!(
            err.to_string().contains("naps") && err.to_string().contains("daily_sleep"),
            "{err}"
        );
        let err = pages_by_route(
            &client,
            "heartrate",
            DateRange::parse("2024-01-01", "2024-01-02").expect("days"),
        )
        .err()
        .expect("wrong kind");
        assert!(err.to_string().contains("heartrate"), "{err}");
    }
}
