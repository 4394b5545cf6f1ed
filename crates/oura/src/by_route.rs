//! Any collection by its route name, as raw JSON: for tools that work on every collection
//! (exports, command lines, servers) without naming each model.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Duration, FixedOffset};
use futures::stream::StreamExt;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::client::Client;
use crate::collections::{COLLECTIONS, Collection, DocumentStream, json_position, position_text, raw_pages};
use crate::error::{Error, Result};
use crate::paginate::{self, Page};
use crate::range::{All, DateRange, DateTimeRange, Position, RangeKind, RangeQuery};

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
        json_position,
    ))
}

/// A document exactly as Oura sent it: its JSON text, not decoded (see [`head_of`] to read
/// its identity and position).
pub type RawDocument = Box<RawValue>;

/// The pages of any collection by its route name, like [`pages_by_route`], each document left
/// as the JSON text Oura sent ([`RawDocument`]) instead of decoded into a
/// [`serde_json::Value`]: for tools that store or forward documents as they came, at a
/// fraction of the cost. The same requests, filtering and limits (authorization, retries, rate
/// limiter, `max_response_size`, `max_pages`) as every listing.
pub fn raw_pages_by_route(
    client: &Client,
    route: &str,
    range: impl Into<AnyRange>,
) -> Result<DocumentStream<Page<RawDocument>>> {
    let (collection, range) = checked(route, range.into())?;
    Ok(raw_pages(
        client,
        collection,
        range.query_windows(),
        &[],
        |doc, field| head_in(doc, field).position.as_deref().and_then(position_text),
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

/// What identifies a raw document and places it in time, read from its text without decoding
/// the rest ([`head_of`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Head<'a> {
    /// The `id`: a string as its text (borrowed unless it holds escapes), another value (a
    /// number) as its JSON text; `None` when absent or `null`.
    pub id: Option<Cow<'a, str>>,
    /// The text of the collection's position field (a day or an RFC 3339 instant), when it
    /// is a string.
    pub position: Option<Cow<'a, str>>,
}

/// The `id` and position field (from `collection`'s row) of a raw document. A document that is
/// not a JSON object has neither.
pub fn head_of<'a>(collection: &Collection, document: &'a RawValue) -> Head<'a> {
    head_in(document, collection.position)
}

/// The head of `document` with the position in `field`.
fn head_in<'a>(document: &'a RawValue, field: Option<&str>) -> Head<'a> {
    let mut de = serde_json::Deserializer::from_str(document.get());
    HeadSeed { field }.deserialize(&mut de).unwrap_or_default()
}

/// Reads a document's head: the keys are compared, not copied; other values are skipped.
struct HeadSeed<'f> {
    field: Option<&'f str>,
}

impl<'de> DeserializeSeed<'de> for HeadSeed<'_> {
    type Value = Head<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<Head<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed<'_> {
    type Value = Head<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Head<'de>, A::Error> {
        let mut head = Head::default();
        while let Some(key) = map.next_key_seed(KeySeed { field: self.field })? {
            match key {
                HeadKey::Id => {
                    let raw: &'de RawValue = map.next_value()?;
                    head.id = match raw.get() {
                        "null" => None,
                        text if text.starts_with('"') => {
                            let mut de = serde_json::Deserializer::from_str(text);
                            Some(TextSeed.deserialize(&mut de).map_err(de::Error::custom)?)
                        }
                        text => Some(Cow::Borrowed(text)),
                    };
                }
                HeadKey::Position => head.position = map.next_value_seed(MaybeText)?,
                HeadKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

/// The keys a head reads.
enum HeadKey {
    Id,
    Position,
    Other,
}

struct KeySeed<'f> {
    field: Option<&'f str>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = HeadKey;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<HeadKey, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = HeadKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<HeadKey, E> {
        Ok(if key == "id" {
            HeadKey::Id
        } else if Some(key) == self.field {
            HeadKey::Position
        } else {
            HeadKey::Other
        })
    }
}

/// A string, borrowed from the input when it holds no escapes.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(text.to_owned()))
    }
}

/// A string, or `None` for any other value (skipped).
struct MaybeText;

impl<'de> DeserializeSeed<'de> for MaybeText {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MaybeText {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<Self::Value, E> {
        Ok(Some(Cow::Owned(text.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
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

    fn head(route: &str, text: &str) -> (Option<String>, Option<String>) {
        let raw = RawValue::from_string(text.to_owned()).expect("json");
        let head = head_of(collection(route).expect("collection"), &raw);
        (head.id.map(Cow::into_owned), head.position.map(Cow::into_owned))
    }

    #[test]
    fn the_head_is_read_without_decoding_the_rest() {
        let some = |id: &str, at: &str| (Some(id.to_owned()), Some(at.to_owned()));
        // Nested values (holding an `id` and a `day` of their own) are skipped, not read.
        assert_eq!(
            head(
                "daily_sleep",
                r#"{"contributors":{"id":"inner","day":"1999-01-01"},"list":[{"id":1}],"id":"x","day":"2024-01-31"}"#
            ),
            some("x", "2024-01-31")
        );
        // Escapes are decoded; a numeric id is its JSON text; the position is the row's field.
        assert_eq!(
            head("enhanced_tag", r#"{"id":"a\"b","day":"no","start_day":"2024-02-29"}"#),
            some("a\"b", "2024-02-29")
        );
        assert_eq!(
            head("daily_sleep", r#"{"id":17,"day":"2024-01-31"}"#),
            some("17", "2024-01-31")
        );
        // A time series sample has no id; a position that is not a string is none.
        assert_eq!(
            head("heartrate", r#"{"bpm":60,"timestamp":"2024-01-31T10:00:00+00:00"}"#),
            (None, Some("2024-01-31T10:00:00+00:00".to_owned()))
        );
        assert_eq!(head("daily_sleep", r#"{"id":null,"day":20240131}"#), (None, None));
        assert_eq!(
            head("ring_configuration", r#"{"id":"r","day":"2024-01-31"}"#),
            (Some("r".into()), None)
        );
        // Not an object: nothing, never a panic.
        assert_eq!(head("daily_sleep", "[1,2]"), (None, None));
        assert_eq!(head("daily_sleep", r#""text""#), (None, None));
        // A key given twice: the last wins, as when decoding into a map.
        assert_eq!(head("daily_sleep", r#"{"id":"a","id":"b"}"#), (Some("b".into()), None));
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
