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
}
