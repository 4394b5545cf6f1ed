//! The daily values of the dashboard's metrics, read from an export directory: one file per
//! collection, `<route>.ndjson` or `<route>.csv`, as `oura export` writes them.

use std::collections::BTreeMap;
use std::path::Path;

use std::io::BufRead as _;

use chrono::NaiveDate;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::failure::Failure;

/// What a metric is made of: a field of a daily collection, or of the main sleep period of
/// each day (Oura's `long_sleep`; the longest one when a day has several).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `field` of the one document per `day` of a daily collection.
    Daily {
        /// The collection's route.
        route: &'static str,
        /// The field.
        field: &'static str,
    },
    /// `field` of the day's main sleep period (collection `sleep`).
    MainSleep {
        /// The field.
        field: &'static str,
    },
}

impl Origin {
    /// The fields of a document the metric reads: its value, the day, and for the main sleep
    /// what chooses it.
    pub fn reads(self) -> Vec<&'static str> {
        let mut fields = vec!["day", self.field()];
        if let Origin::MainSleep { .. } = self {
            fields.extend(["type", "total_sleep_duration"]);
        }
        fields
    }

    /// The collection the metric is read from.
    pub fn route(self) -> &'static str {
        match self {
            Origin::Daily { route, .. } => route,
            Origin::MainSleep { .. } => "sleep",
        }
    }

    /// The field the metric is read from.
    pub fn field(self) -> &'static str {
        match self {
            Origin::Daily { field, .. } | Origin::MainSleep { field } => field,
        }
    }
}

/// Documents as JSON objects.
pub type Documents = Vec<Map<String, Value>>;

/// Documents stored as JSON texts (a database's rows), each as a JSON object of only the
/// `wanted` fields.
pub fn from_json_texts(what: &str, texts: &[String], wanted: &[&str]) -> Result<Documents, Failure> {
    texts
        .iter()
        .enumerate()
        .map(|(number, text)| {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            Fields(wanted).deserialize(&mut deserializer).map_err(|_| {
                Failure::new(
                    crate::failure::code::LOCAL_IO,
                    format!(
                        "{what}: row {} is not a JSON object: is this a database `oura sync` wrote?",
                        number + 1
                    ),
                )
            })
        })
        .collect()
}

/// The documents of one collection in an export directory, each as a JSON object of only the
/// `wanted` fields (the others are skipped unread: a sleep period's long sample arrays cost
/// nothing). CSV rows become objects of their header: numbers and booleans parsed, empty cells
/// absent. `None`: the directory has no file of the collection.
pub fn read_collection(dir: &Path, route: &str, wanted: &[&str]) -> Result<Option<Documents>, Failure> {
    let ndjson = dir.join(format!("{route}.ndjson"));
    let csv = dir.join(format!("{route}.csv"));
    if ndjson.is_file() {
        let file = std::fs::File::open(&ndjson)
            .map_err(|err| Failure::io(format!("cannot read {}", ndjson.display()), &err))?;
        let mut docs = Vec::new();
        for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|err| Failure::io(format!("cannot read {}", ndjson.display()), &err))?;
            if line.trim().is_empty() {
                continue;
            }
            let mut deserializer = serde_json::Deserializer::from_str(&line);
            match Fields(wanted).deserialize(&mut deserializer) {
                Ok(doc) => docs.push(doc),
                Err(_) => {
                    return Err(Failure::new(
                        crate::failure::code::LOCAL_IO,
                        format!(
                            "{}: line {} is not a JSON object: is this a file `oura export` wrote?",
                            ndjson.display(),
                            number + 1
                        ),
                    ));
                }
            }
        }
        return Ok(Some(docs));
    }
    if csv.is_file() {
        let text = read(&csv)?;
        let mut header: Option<Vec<Option<String>>> = None;
        let mut docs = Vec::new();
        for_each_record(&text, |record| match &header {
            None => {
                header = Some(
                    record
                        .into_iter()
                        .map(|name| wanted.contains(&name.as_str()).then_some(name))
                        .collect(),
                );
            }
            Some(names) => docs.push(
                names
                    .iter()
                    .zip(record)
                    .filter_map(|(name, cell)| Some((name.clone()?, cell)))
                    .filter(|(_, cell)| !cell.is_empty())
                    .map(|(name, cell)| (name, cell_value(cell)))
                    .collect(),
            ),
        })
        .map_err(|reason| Failure::new(crate::failure::code::LOCAL_IO, format!("{}: {reason}", csv.display())))?;
        return Ok(Some(docs));
    }
    Ok(None)
}

/// Deserializes a JSON object into a map of only the named fields.
struct Fields<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for Fields<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kept = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.0.contains(&key.as_ref()) {
                kept.insert(key.into_owned(), map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(kept)
    }
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|err| Failure::io(format!("cannot read {}", path.display()), &err))
}

/// A CSV cell as the JSON value it was written from: numbers and booleans parsed, the rest text.
fn cell_value(cell: String) -> Value {
    if let Ok(number) = cell.parse::<i64>() {
        return Value::from(number);
    }
    if let Ok(number) = cell.parse::<f64>()
        && number.is_finite()
    {
        return Value::from(number);
    }
    match cell.as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(cell),
    }
}

/// Records of RFC 4180 CSV: quoted fields may hold commas, quotes (`""`) and line breaks.
#[cfg(test)]
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    for_each_record(text, |record| records.push(record))?;
    Ok(records)
}

/// Calls `each` with every record of RFC 4180 CSV, one at a time.
pub fn for_each_record(text: &str, mut each: impl FnMut(Vec<String>)) -> Result<(), String> {
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                line += 1;
                record.push(std::mem::take(&mut field));
                each(std::mem::take(&mut record));
                any = false;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("a quoted field is not closed (line {line})"));
    }
    if any {
        record.push(field);
        each(record);
    }
    Ok(())
}

/// The day a document belongs to (its `day` field).
fn day_of(doc: &Map<String, Value>) -> Option<NaiveDate> {
    doc.get("day")
        .and_then(Value::as_str)
        .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
}

/// One value per day of `origin` from the documents of its collection; days without a value
/// (no document, or the field null or absent) are absent.
pub fn daily_values(origin: Origin, docs: &[Map<String, Value>]) -> BTreeMap<NaiveDate, f64> {
    let mut values = BTreeMap::new();
    match origin {
        Origin::Daily { field, .. } => {
            for doc in docs {
                if let (Some(day), Some(value)) = (day_of(doc), doc.get(field).and_then(Value::as_f64)) {
                    values.insert(day, value);
                }
            }
        }
        Origin::MainSleep { field } => {
            // The main period of a day: its `long_sleep` (the longest if several).
            let mut main: BTreeMap<NaiveDate, (f64, f64)> = BTreeMap::new();
            for doc in docs {
                if doc.get("type").and_then(Value::as_str) != Some("long_sleep") {
                    continue;
                }
                let (Some(day), Some(value)) = (day_of(doc), doc.get(field).and_then(Value::as_f64)) else {
                    continue;
                };
                let length = doc.get("total_sleep_duration").and_then(Value::as_f64).unwrap_or(0.0);
                let longer = main.get(&day).is_none_or(|(kept, _)| length > *kept);
                if longer {
                    main.insert(day, (length, value));
                }
            }
            values.extend(main.into_iter().map(|(day, (_, value))| (day, value)));
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn docs(values: Value) -> Vec<Map<String, Value>> {
        values
            .as_array()
            .expect("array")
            .iter()
            .map(|doc| doc.as_object().expect("object").clone())
            .collect()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn only_the_wanted_fields_are_kept() {
        let line =
            r#"{"day": "2025-06-01", "heart_rate": {"items": [50, 51, null]}, "score": 80, "type": "long_sleep"}"#;
        let doc = Fields(&["day", "score", "missing"])
            .deserialize(&mut serde_json::Deserializer::from_str(line))
            .expect("object");
        assert_eq!(Value::Object(doc), json!({"day": "2025-06-01", "score": 80}));
        assert!(
            Fields(&["day"])
                .deserialize(&mut serde_json::Deserializer::from_str("[1]"))
                .is_err()
        );
    }

    #[test]
    fn csv_with_quotes_commas_and_line_breaks() {
        let rows = parse_csv("a,b,c\r\n1,\"x, \"\"y\"\"\",\n2,\"two\nlines\",3").expect("parses");
        assert_eq!(
            rows,
            vec![
                vec!["a", "b", "c"],
                vec!["1", "x, \"y\"", ""],
                vec!["2", "two\nlines", "3"]
            ]
        );
        assert!(parse_csv("a\n\"open").is_err());
    }

    #[test]
    fn the_main_sleep_is_the_longest_long_sleep_and_naps_do_not_count() {
        let docs = docs(json!([
            {"day": "2025-06-01", "type": "long_sleep", "total_sleep_duration": 20000, "average_hrv": 40},
            {"day": "2025-06-01", "type": "long_sleep", "total_sleep_duration": 25000, "average_hrv": 55},
            {"day": "2025-06-01", "type": "late_nap", "total_sleep_duration": 90000, "average_hrv": 99},
            {"day": "2025-06-02", "type": "late_nap", "average_hrv": 70},
            {"day": "2025-06-03", "type": "long_sleep", "average_hrv": null},
        ]));
        let values = daily_values(Origin::MainSleep { field: "average_hrv" }, &docs);
        assert_eq!(values.into_iter().collect::<Vec<_>>(), vec![(day("2025-06-01"), 55.0)]);
    }

    #[test]
    fn daily_fields_skip_nulls_and_documents_without_a_day() {
        let docs = docs(json!([
            {"day": "2025-06-01", "score": 80},
            {"day": "2025-06-02", "score": null},
            {"score": 70},
            {"day": "2025-06-04", "score": 90.5},
        ]));
        let values = daily_values(
            Origin::Daily {
                route: "daily_sleep",
                field: "score",
            },
            &docs,
        );
        assert_eq!(
            values.into_iter().collect::<Vec<_>>(),
            vec![(day("2025-06-01"), 80.0), (day("2025-06-04"), 90.5)]
        );
    }
}
