//! What a tool call asks for: its arguments, the range they mean, and the bounded answer of a
//! collection tool.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use futures::StreamExt as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use oura::Param;

use super::table::{self, Collection, RangeKind};

/// The most documents one call may ask for with `limit`.
pub const MAX_LIMIT: usize = 1000;

/// Days a range spans when only one end (or neither) is given: a week, like Oura's own default.
const DEFAULT_DAYS: i64 = 7;

/// The arguments of a `get_<collection>` tool.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// First day or instant.
    pub start: Option<String>,
    /// Last day or instant (inclusive).
    pub end: Option<String>,
    /// Only these fields.
    #[serde(default)]
    pub fields: Vec<String>,
    /// At most this many documents.
    pub limit: Option<usize>,
    /// Keep the per-interval series.
    #[serde(default)]
    pub include_series: bool,
}

/// The arguments of `summarize`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummarizeArgs {
    /// The collection's route name.
    pub collection: String,
    /// First day or instant.
    pub start: Option<String>,
    /// Last day or instant (inclusive).
    pub end: Option<String>,
    /// Only these fields (or `object.member`s).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Include the weekly series (default true).
    pub weekly: Option<bool>,
}

/// Reads a tool's arguments, with a message naming what is wrong.
pub fn parse_args<T: serde::de::DeserializeOwned>(arguments: Option<Map<String, Value>>) -> Result<T, String> {
    serde_json::from_value(Value::Object(arguments.unwrap_or_default()))
        .map_err(|err| format!("invalid arguments: {err}"))
}

/// A range, resolved: the text of both ends as sent to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    /// First day, or instant with its offset.
    pub start: String,
    /// Last day (inclusive), or instant with its offset.
    pub end: String,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn instant(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text.trim()).map_err(|err| {
        format!("{text:?} is neither a date like 2025-06-30 nor a date-time with an offset like 2025-06-30T08:00:00+02:00 ({err})")
    })
}

fn bad_date(text: &str) -> String {
    format!("{text:?} is not a date like 2025-06-30 (YYYY-MM-DD)")
}

fn reversed(start: &str, end: &str) -> String {
    format!("the range starts ({start}) after it ends ({end}): give a start before the end")
}

/// The range a call means: missing ends default to `today` and a week before the end. `None`
/// for collections that take no range. Errors say what was expected.
pub fn resolve(
    kind: RangeKind,
    start: Option<&str>,
    end: Option<&str>,
    today: NaiveDate,
) -> Result<Option<Bounds>, String> {
    let start = start.map(str::trim).filter(|s| !s.is_empty());
    let end = end.map(str::trim).filter(|s| !s.is_empty());
    match kind {
        RangeKind::Whole => Ok(None),
        RangeKind::Days => {
            let end = match end {
                Some(end) => date(end).ok_or_else(|| bad_date(end))?,
                None => today,
            };
            let start = match start {
                Some(start) => date(start).ok_or_else(|| bad_date(start))?,
                None => end - Duration::days(DEFAULT_DAYS - 1),
            };
            if start > end {
                return Err(reversed(&start.to_string(), &end.to_string()));
            }
            Ok(Some(Bounds {
                start: start.to_string(),
                end: end.to_string(),
            }))
        }
        RangeKind::Series => series(start, end, today).map(Some),
    }
}

/// A time-series range: two dates (whole local days), two instants, or one of each (the date
/// taken in the instant's offset).
fn series(start: Option<&str>, end: Option<&str>, today: NaiveDate) -> Result<Bounds, String> {
    let whole_days = |start: NaiveDate, end: NaiveDate| {
        if start > end {
            return Err(reversed(&start.to_string(), &end.to_string()));
        }
        Ok(Bounds {
            start: start.to_string(),
            end: end.to_string(),
        })
    };
    let at = |day: NaiveDate, hms: &str, offset: FixedOffset| -> Result<DateTime<FixedOffset>, String> {
        instant(&format!("{day}T{hms}{offset}"))
    };
    let instants = |start: DateTime<FixedOffset>, end: DateTime<FixedOffset>| {
        if start > end {
            return Err(reversed(&start.to_rfc3339(), &end.to_rfc3339()));
        }
        Ok(Bounds {
            start: start.to_rfc3339(),
            end: end.to_rfc3339(),
        })
    };
    match (start, end) {
        (None, None) => whole_days(today - Duration::days(DEFAULT_DAYS - 1), today),
        (Some(start), None) => match date(start) {
            Some(day) => whole_days(day, today),
            None => {
                let start = instant(start)?;
                instants(start, at(today, "23:59:59", *start.offset())?)
            }
        },
        (None, Some(end)) => match date(end) {
            Some(day) => whole_days(day - Duration::days(DEFAULT_DAYS - 1), day),
            None => {
                let end = instant(end)?;
                instants(end - Duration::days(DEFAULT_DAYS), end)
            }
        },
        (Some(start), Some(end)) => match (date(start), date(end)) {
            (Some(start), Some(end)) => whole_days(start, end),
            (Some(day), None) => {
                let end = instant(end)?;
                instants(at(day, "00:00:00", *end.offset())?, end)
            }
            (None, Some(day)) => {
                let start = instant(start)?;
                instants(start, at(day, "23:59:59", *start.offset())?)
            }
            (None, None) => instants(instant(start)?, instant(end)?),
        },
    }
}

/// The range the library fetches for resolved bounds.
pub fn range(collection: &Collection, bounds: Option<&Bounds>) -> oura::Result<oura::AnyRange> {
    oura::AnyRange::from_bounds(
        collection.range,
        bounds.map(|b| b.start.as_str()),
        bounds.map(|b| b.end.as_str()),
    )
}

/// The pages of a collection in a range. With `fields`, Oura is asked for only those (plus the
/// position field, which places a document in the range) where the route takes `fields`.
pub fn pages(
    client: &oura::Client,
    collection: &Collection,
    range: oura::AnyRange,
    fields: &[String],
) -> oura::Result<oura::DocumentStream<oura::Page<Value>>> {
    let mut asked: Vec<String> = Vec::new();
    if !fields.is_empty() && collection.takes(Param::Fields, client.is_sandbox()) {
        let top = fields
            .iter()
            .map(|f| f.trim().split('.').next().unwrap_or_default().to_owned());
        asked.extend(top.chain(collection.position.map(str::to_owned)));
        asked.sort();
        asked.dedup();
    }
    oura::pages_with_fields(client, collection.route, range, &asked)
}

/// Checks `fields` against the collection's fields; the error lists the known ones.
pub fn check_fields(collection: &Collection, fields: &[String]) -> Result<(), String> {
    let unknown: Vec<&str> = fields
        .iter()
        .map(|f| f.trim())
        .filter(|f| {
            let top = f.split('.').next().unwrap_or(f);
            collection.field(top).is_none()
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known: Vec<&str> = collection.fields.iter().map(|f| f.name).collect();
    Err(format!(
        "unknown field{} {} of {}: use some of {}",
        if unknown.len() == 1 { "" } else { "s" },
        unknown.join(", "),
        collection.route,
        known.join(", ")
    ))
}

/// What one document of an answer keeps: the asked fields (plus `id` and the position), and
/// series only when asked for.
#[derive(Debug)]
pub struct Shape<'a> {
    collection: &'a Collection,
    fields: &'a [String],
    include_series: bool,
}

impl<'a> Shape<'a> {
    /// The shape of `args` for `collection`.
    pub fn new(collection: &'a Collection, fields: &'a [String], include_series: bool) -> Self {
        Shape {
            collection,
            fields,
            include_series,
        }
    }

    /// Whether `name` was asked for, itself or one of its members (`readiness.score`).
    fn asked(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.trim().split('.').next() == Some(name))
    }

    /// Shapes one document; records the series fields it left out in `omitted`.
    pub fn apply(&self, doc: Value, omitted: &mut Vec<&'static str>) -> Value {
        let Value::Object(map) = doc else {
            return doc;
        };
        let keep_always = |name: &str| name == "id" || Some(name) == self.collection.position;
        let mut out = Map::new();
        for (name, value) in map {
            if !self.fields.is_empty() && !self.asked(&name) && !keep_always(&name) {
                continue;
            }
            if !self.include_series && !self.asked(&name) && table::is_series_value(&name, &value) {
                if let Some(field) = self.collection.field(&name)
                    && !omitted.contains(&field.name)
                {
                    omitted.push(field.name);
                }
                continue;
            }
            out.insert(name, value);
        }
        Value::Object(out)
    }
}

/// Collects up to `limit` documents and counts the rest.
#[derive(Debug)]
pub struct Bounded {
    limit: usize,
    /// The kept documents.
    pub documents: Vec<Value>,
    /// Documents seen in all.
    pub total: u64,
    /// Where the first document left out lies (its position field).
    pub next_position: Option<String>,
    /// Series fields left out.
    pub omitted_series: Vec<&'static str>,
}

impl Bounded {
    /// Keeps at most `limit` documents.
    pub fn new(limit: usize) -> Self {
        Bounded {
            limit,
            documents: Vec::new(),
            total: 0,
            next_position: None,
            omitted_series: Vec::new(),
        }
    }

    /// Takes one document.
    pub fn push(&mut self, doc: Value, shape: &Shape<'_>, position: Option<&str>) {
        self.total += 1;
        if self.documents.len() < self.limit {
            let doc = shape.apply(doc, &mut self.omitted_series);
            self.documents.push(doc);
        } else if self.total == self.limit as u64 + 1 {
            self.next_position = position.and_then(|field| shape_position(&doc, field));
        }
    }

    /// Appends the answer of the documents that follow this one's (the next window of a
    /// range, read at the same time), as if they had been pushed here.
    pub fn merge(&mut self, later: Bounded, position: Option<&str>) {
        let room = self.limit.saturating_sub(self.documents.len());
        let left_out_before = self.total > self.documents.len() as u64;
        self.total += later.total;
        for name in later.omitted_series {
            if !self.omitted_series.contains(&name) {
                self.omitted_series.push(name);
            }
        }
        let mut rest = later.documents.into_iter();
        self.documents.extend(rest.by_ref().take(room));
        if !left_out_before {
            self.next_position = match rest.next() {
                Some(doc) => position.and_then(|field| shape_position(&doc, field)),
                None => later.next_position,
            };
        }
    }

    /// The answer: the documents and, when some were left out, how to get them.
    pub fn into_json(self, collection: &Collection, bounds: Option<&Bounds>) -> Value {
        let omitted = self.total - self.documents.len() as u64;
        let mut notes = Vec::new();
        if omitted > 0 {
            let resume = match &self.next_position {
                Some(at) => format!(" The first one left out is at {at}: call again with start={at} to continue."),
                None => String::new(),
            };
            notes.push(format!(
                "{omitted} of {} documents left out (limit {}).{resume} To see more at once: ask for fewer fields, \
                 a shorter range, or call `summarize` for statistics over the whole range without the documents.",
                self.total, self.limit
            ));
        }
        if !self.omitted_series.is_empty() {
            notes.push(format!(
                "Per-interval series left out to keep the answer small: {}. Name them in `fields` or set \
                 include_series=true to get them.",
                self.omitted_series.join(", ")
            ));
        }
        let mut answer = json!({
            "collection": collection.route,
            "total": self.total,
            "returned": self.documents.len(),
            "omitted": omitted,
        });
        if let Some(bounds) = bounds {
            answer["range"] = json!({"start": bounds.start, "end": bounds.end});
        }
        if !notes.is_empty() {
            answer["note"] = Value::String(notes.join(" "));
        }
        answer["documents"] = Value::Array(self.documents);
        answer
    }
}

fn shape_position(doc: &Value, field: &str) -> Option<String> {
    doc.get(field)?.as_str().map(str::to_owned)
}

/// Windows of a time series read at once (each its own chain of pages).
pub const WINDOWS_AT_ONCE: usize = 4;

/// Reads every page of a collection in range into a [`Bounded`] answer. A time series' windows
/// are read [`WINDOWS_AT_ONCE`] at a time, each into its own answer, merged in order.
pub async fn bounded(
    client: &oura::Client,
    collection: &'static Collection,
    bounds: Option<&Bounds>,
    shape: &Shape<'_>,
    limit: usize,
) -> oura::Result<Bounded> {
    let mut parts = futures::stream::iter(range(collection, bounds)?.windows())
        .map(|window| {
            let client = client.clone();
            async move {
                let mut part = Bounded::new(limit);
                let mut pages = pages(&client, collection, window, shape.fields)?;
                while let Some(page) = pages.next().await {
                    for doc in page?.data {
                        part.push(doc, shape, collection.position);
                    }
                }
                Ok::<_, oura::Error>(part)
            }
        })
        .buffered(WINDOWS_AT_ONCE);
    let mut answer = Bounded::new(limit);
    while let Some(part) = parts.next().await {
        answer.merge(part?, collection.position);
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        date(text).expect("date")
    }

    fn bounds(start: &str, end: &str) -> Option<Bounds> {
        Some(Bounds {
            start: start.into(),
            end: end.into(),
        })
    }

    #[test]
    fn day_ranges_default_to_the_week_ending_today_and_refuse_bad_input() {
        let today = day("2025-06-30");
        assert_eq!(
            resolve(RangeKind::Days, None, None, today),
            Ok(bounds("2025-06-24", "2025-06-30"))
        );
        assert_eq!(
            resolve(RangeKind::Days, None, Some("2025-01-10"), today),
            Ok(bounds("2025-01-04", "2025-01-10"))
        );
        assert_eq!(
            resolve(RangeKind::Days, Some("2025-01-01"), None, today),
            Ok(bounds("2025-01-01", "2025-06-30"))
        );
        let err = resolve(RangeKind::Days, Some("2025-02-30"), None, today).expect_err("no such day");
        assert!(err.contains("\"2025-02-30\" is not a date"), "{err}");
        let err = resolve(RangeKind::Days, Some("2025-07-01"), Some("2025-06-01"), today).expect_err("reversed");
        assert!(err.contains("starts (2025-07-01) after it ends (2025-06-01)"), "{err}");
        assert_eq!(resolve(RangeKind::Whole, Some("junk"), None, today), Ok(None));
    }

    #[test]
    fn series_ranges_take_dates_instants_or_one_of_each() {
        let today = day("2025-06-30");
        assert_eq!(
            resolve(RangeKind::Series, None, None, today),
            Ok(bounds("2025-06-24", "2025-06-30"))
        );
        assert_eq!(
            resolve(RangeKind::Series, Some("2024-07-01"), Some("2025-06-30"), today),
            Ok(bounds("2024-07-01", "2025-06-30")),
            "a year is not refused: the library splits it into windows"
        );
        assert_eq!(
            resolve(RangeKind::Series, Some("2025-06-01T08:00:00+02:00"), None, today),
            Ok(bounds("2025-06-01T08:00:00+02:00", "2025-06-30T23:59:59+02:00"))
        );
        assert_eq!(
            resolve(
                RangeKind::Series,
                Some("2025-06-01"),
                Some("2025-06-02T12:00:00-05:00"),
                today
            ),
            Ok(bounds("2025-06-01T00:00:00-05:00", "2025-06-02T12:00:00-05:00"))
        );
        assert_eq!(
            resolve(RangeKind::Series, None, Some("2025-06-08T00:00:00Z"), today),
            Ok(bounds("2025-06-01T00:00:00+00:00", "2025-06-08T00:00:00+00:00"))
        );
        let err = resolve(RangeKind::Series, Some("yesterday"), None, today).expect_err("bad");
        assert!(err.contains("neither a date"), "{err}");
        let err = resolve(
            RangeKind::Series,
            Some("2025-06-02T00:00:00Z"),
            Some("2025-06-01T00:00:00Z"),
            today,
        )
        .expect_err("reversed");
        assert!(err.contains("after it ends"), "{err}");
    }

    #[test]
    fn answers_are_capped_with_a_note_that_says_how_to_continue() {
        let collection = table::by_name("daily_sleep").expect("daily_sleep");
        let shape = Shape::new(collection, &[], false);
        let mut answer = Bounded::new(2);
        for n in 1..=5 {
            answer.push(
                json!({"id": n, "day": format!("2025-06-0{n}"), "score": 80}),
                &shape,
                Some("day"),
            );
        }
        let json = answer.into_json(collection, bounds("2025-06-01", "2025-06-05").as_ref());
        assert_eq!(
            (
                json["total"].as_u64(),
                json["returned"].as_u64(),
                json["omitted"].as_u64()
            ),
            (Some(5), Some(2), Some(3))
        );
        assert_eq!(json["documents"].as_array().map(Vec::len), Some(2));
        assert_eq!(json["documents"][1]["day"], "2025-06-02");
        let note = json["note"].as_str().expect("note");
        assert!(note.starts_with("3 of 5 documents left out (limit 2)."), "{note}");
        assert!(note.contains("start=2025-06-03"), "{note}");
        assert!(note.contains("summarize"), "{note}");
        assert_eq!(json["range"], json!({"start": "2025-06-01", "end": "2025-06-05"}));

        let mut all = Bounded::new(10);
        all.push(json!({"id": 1, "day": "2025-06-01"}), &shape, Some("day"));
        let json = all.into_json(collection, None);
        assert_eq!(json["omitted"], 0);
        assert!(json.get("note").is_none(), "{json}");
    }

    #[test]
    fn answers_of_consecutive_windows_merge_into_the_answer_of_the_whole() {
        let collection = table::by_name("heartrate").expect("heartrate");
        let shape = Shape::new(collection, &[], false);
        let docs: Vec<Value> = (0..10)
            .map(|n| json!({"bpm": 60 + n, "timestamp": format!("2025-06-01T0{n}:00:00+00:00")}))
            .collect();
        for limit in [0, 1, 3, 4, 9, 10, 20] {
            let mut whole = Bounded::new(limit);
            docs.iter()
                .for_each(|d| whole.push(d.clone(), &shape, Some("timestamp")));
            let expected = whole.into_json(collection, None);
            for cuts in [[0, 0, 10], [3, 3, 10], [2, 7, 10], [4, 5, 10], [10, 10, 10]] {
                let mut merged = Bounded::new(limit);
                let mut from = 0;
                for cut in cuts {
                    let mut part = Bounded::new(limit);
                    docs[from..cut]
                        .iter()
                        .for_each(|d| part.push(d.clone(), &shape, Some("timestamp")));
                    merged.merge(part, Some("timestamp"));
                    from = cut;
                }
                assert_eq!(
                    merged.into_json(collection, None),
                    expected,
                    "limit {limit}, cuts {cuts:?}"
                );
            }
        }
    }

    #[test]
    fn series_are_left_out_unless_asked_and_fields_select() {
        let sleep = table::by_name("sleep").expect("sleep");
        let doc = json!({
            "id": "a", "day": "2025-06-30", "efficiency": 90, "sleep_phase_5_min": "4422",
            "hrv": {"interval": 300.0, "items": [1, 2], "timestamp": "2025-06-29T23:00:00+00:00"},
            "readiness": {"score": 80},
        });
        let mut omitted = Vec::new();
        let shaped = Shape::new(sleep, &[], false).apply(doc.clone(), &mut omitted);
        assert_eq!(
            shaped,
            json!({"id": "a", "day": "2025-06-30", "efficiency": 90, "readiness": {"score": 80}})
        );
        assert_eq!(omitted, ["sleep_phase_5_min", "hrv"]);

        let fields = vec!["hrv".to_owned()];
        let mut omitted = Vec::new();
        let shaped = Shape::new(sleep, &fields, false).apply(doc.clone(), &mut omitted);
        assert_eq!(shaped["hrv"]["items"], json!([1, 2]));
        assert_eq!(shaped.as_object().map(|m| m.len()), Some(3), "id, day, hrv: {shaped}");
        assert!(omitted.is_empty());

        let mut omitted = Vec::new();
        assert_eq!(Shape::new(sleep, &[], true).apply(doc.clone(), &mut omitted), doc);

        assert_eq!(
            check_fields(sleep, &["efficiency".into(), "readiness.score".into()]),
            Ok(())
        );
        let err = check_fields(sleep, &["efficency".into()]).expect_err("typo");
        assert!(
            err.starts_with("unknown field efficency of sleep: use some of id, "),
            "{err}"
        );
    }
}
