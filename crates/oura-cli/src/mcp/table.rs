//! The collection table as the server reads it: tool names, which fields are numbers (for
//! summaries) and which hold per-interval series (left out unless asked for).
//!
//! Everything here is derived from the one generated catalog; nothing about a particular
//! collection is written down in this module.

use serde_json::Value;

pub use oura::api_sys::catalog::{COLLECTIONS, Collection, Field, FieldType, PERSONAL_INFO, RangeKind};

/// The tool of a collection: `get_` and the route in lower case (`get_vo2_max`).
pub fn tool_name(collection: &Collection) -> String {
    format!("get_{}", collection.route.to_ascii_lowercase())
}

/// The collection of a `get_<route>` tool.
pub fn by_tool(name: &str) -> Option<&'static Collection> {
    let route = name.strip_prefix("get_")?;
    COLLECTIONS.iter().find(|c| c.route.to_ascii_lowercase() == route)
}

/// A collection by name, ignoring case and `-`/`_` (`vo2-max` is `vO2_max`).
pub fn by_name(name: &str) -> Option<&'static Collection> {
    let wanted = normalize(name);
    COLLECTIONS.iter().find(|c| normalize(c.route) == wanted)
}

fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('-', "_")
}

/// Whether a field name is a per-interval text series: one character per interval, named
/// for the interval (`sleep_phase_5_min`, `movement_30_sec`, `class_5_min`).
pub fn is_interval_series(name: &str) -> bool {
    let Some((head, unit)) = name.rsplit_once('_') else {
        return false;
    };
    let Some((what, count)) = head.rsplit_once('_') else {
        return false;
    };
    matches!(unit, "sec" | "min") && !what.is_empty() && !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit())
}

/// The fields of a collection that may hold a series: interval texts, and objects (Oura's
/// sample objects, `{interval, items, timestamp}`, are objects in the catalog).
pub fn series_fields(collection: &Collection) -> impl Iterator<Item = &'static Field> {
    collection
        .fields
        .iter()
        .filter(|f| is_interval_series(f.name) || f.ty == FieldType::Object)
}

/// Whether this value of field `name` is a series: an interval text, or an object holding an
/// `items` array of samples.
pub fn is_series_value(name: &str, value: &Value) -> bool {
    match value {
        Value::String(_) => is_interval_series(name),
        Value::Object(map) => map.get("items").is_some_and(Value::is_array),
        _ => false,
    }
}

/// The fields a summary computes statistics of: numbers, and objects whose members are numbers
/// (`contributors`).
pub fn numeric_or_object(field: &Field) -> bool {
    matches!(field.ty, FieldType::Integer | FieldType::Number | FieldType::Object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_has_one_tool_and_is_found_back_by_it() {
        let mut names: Vec<String> = COLLECTIONS.iter().map(tool_name).collect();
        assert!(names.contains(&"get_vo2_max".to_owned()), "{names:?}");
        assert!(names.contains(&"get_heartrate".to_owned()));
        for collection in COLLECTIONS {
            assert_eq!(by_tool(&tool_name(collection)).map(|c| c.route), Some(collection.route));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COLLECTIONS.len(), "tool names are unique");
        assert_eq!(by_name("VO2-max").map(|c| c.route), Some("vO2_max"));
        assert!(by_tool("get_nothing").is_none());
        assert!(by_tool("daily_sleep").is_none());
    }

    #[test]
    fn interval_series_are_told_by_their_names() {
        for name in [
            "sleep_phase_5_min",
            "movement_30_sec",
            "class_5_min",
            "app_sleep_phase_5_min",
        ] {
            assert!(is_interval_series(name), "{name}");
        }
        for name in ["day", "score", "total_sleep_duration", "min", "_5_min", "time_in_min"] {
            assert!(!is_interval_series(name), "{name}");
        }
        let sleep = by_name("sleep").expect("sleep");
        let series: Vec<&str> = series_fields(sleep).map(|f| f.name).collect();
        for name in ["heart_rate", "hrv", "sleep_phase_5_min", "movement_30_sec"] {
            assert!(series.contains(&name), "{name} in {series:?}");
        }
        assert!(is_series_value(
            "hrv",
            &serde_json::json!({"interval": 300.0, "items": [1, 2]})
        ));
        assert!(!is_series_value(
            "contributors",
            &serde_json::json!({"hrv_balance": 80})
        ));
        assert!(!is_series_value("day", &serde_json::json!("2025-06-30")));
    }
}
