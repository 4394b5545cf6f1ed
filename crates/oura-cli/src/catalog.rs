//! The collections the tool knows: how each is ranged, where a document lies in time, and its
//! pages as raw JSON.

use futures::stream::BoxStream;
use oura::{Client, Page};
use serde_json::Value;

/// How a collection is asked for (the library's table says).
pub use oura::RangeKind as Kind;
/// Every collection, in the library's order, and one of them.
pub use oura::{COLLECTIONS, Collection};

/// The pages of a collection as raw JSON, one request per page polled.
pub fn pages(
    client: &Client,
    route: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> oura::Result<BoxStream<'static, oura::Result<Page<Value>>>> {
    let collection = oura::collection(route)?;
    let range = oura::AnyRange::from_bounds(collection.range, start, end)?;
    oura::pages_by_route(client, route, range)
}

fn unknown(name: &str) -> oura::Error {
    let known: Vec<&str> = COLLECTIONS.iter().map(|c| c.route).collect();
    oura::Error::InvalidInput(format!("unknown collection {name:?}: use one of {}", known.join(", ")))
}

/// A collection by name, ignoring case and `-`/`_` (`vo2-max` is `vO2_max`).
pub fn find(name: &str) -> Result<Collection, oura::Error> {
    let wanted = normalize(name);
    COLLECTIONS
        .iter()
        .find(|c| normalize(c.route) == wanted)
        .copied()
        .ok_or_else(|| unknown(name))
}

fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('-', "_")
}

/// The text of a JSON value as a table or CSV cell: strings as they are, `null` empty, other
/// values as compact JSON.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What the tool reads off a document of a [`Collection`].
pub trait Keyed {
    /// Where a document lies in time, as Oura wrote it (a day or an RFC 3339 instant).
    fn position_of<'v>(&self, doc: &'v Value) -> Option<&'v str>;
    /// The identity of a document, to write each one once: its `id`, else its position (time
    /// series samples have no id), else its whole text.
    fn key_of(&self, doc: &Value) -> String;
}

impl Keyed for Collection {
    /// Where a document lies in time, as Oura wrote it (a day or an RFC 3339 instant).
    fn position_of<'v>(&self, doc: &'v Value) -> Option<&'v str> {
        doc.get(self.position?)?.as_str()
    }

    /// The identity of a document, to write each one once: its `id`, else its position (time
    /// series samples have no id), else its whole text.
    fn key_of(&self, doc: &Value) -> String {
        let id = doc.get("id").map(cell_text).unwrap_or_default();
        let position = self.position_of(doc).unwrap_or_default();
        key(&id, position, || doc.to_string())
    }
}

/// A document key from its id and position texts (either may be empty), else `whole`.
pub fn key(id: &str, position: &str, whole: impl FnOnce() -> String) -> String {
    if !id.is_empty() {
        format!("i:{id}")
    } else if !position.is_empty() {
        format!("p:{position}")
    } else {
        format!("w:{}", whole())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_loosely_and_unknown_ones_list_the_known() {
        assert_eq!(find("VO2-max").map(|c| c.route).ok(), Some("vO2_max"));
        assert_eq!(find("heartrate").map(|c| c.range).ok(), Some(Kind::Series));
        let err = find("sleeps").expect_err("unknown");
        assert!(err.to_string().contains("daily_sleep"), "{err}");
    }

    #[test]
    fn keys_prefer_the_id_then_the_position() {
        let sleep = find("sleep").expect("sleep");
        let heartrate = find("heartrate").expect("heartrate");
        let doc = serde_json::json!({"id": "a1", "day": "2024-01-02"});
        assert_eq!(sleep.key_of(&doc), "i:a1");
        let sample = serde_json::json!({"bpm": 60, "timestamp": "2024-01-02T03:04:05+00:00"});
        assert_eq!(heartrate.key_of(&sample), "p:2024-01-02T03:04:05+00:00");
        assert_eq!(sleep.key_of(&serde_json::json!({"x": 1})), r#"w:{"x":1}"#);
    }
}
