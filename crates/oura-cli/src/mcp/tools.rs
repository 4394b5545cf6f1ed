//! The tools the server offers and their input schemas: one per collection of the catalog,
//! `get_personal_info`, `summarize`, `auth_status` and `authorize`.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use super::query::MAX_LIMIT;
use super::table::{self, COLLECTIONS, Collection, PERSONAL_INFO, RangeKind};

/// `get_personal_info`.
pub const PERSONAL_INFO_TOOL: &str = "get_personal_info";
/// `summarize`.
pub const SUMMARIZE: &str = "summarize";
/// `auth_status`.
pub const AUTH_STATUS: &str = "auth_status";
/// `authorize`.
pub const AUTHORIZE: &str = "authorize";

fn object(schema: Value) -> Arc<JsonObject> {
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

fn read_only(title: String) -> ToolAnnotations {
    ToolAnnotations::with_title(title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(true)
}

/// What `start` and `end` mean for a kind of range, as schema properties.
fn range_properties(kind: RangeKind) -> Option<(Value, Value)> {
    match kind {
        RangeKind::Whole => None,
        RangeKind::Days => Some((
            json!({
                "type": "string",
                "format": "date",
                "description": "First day, YYYY-MM-DD, included. Default: six days before `end` (a week).",
            }),
            json!({
                "type": "string",
                "format": "date",
                "description": "Last day, YYYY-MM-DD, included: the documents of this day are returned. Default: today.",
            }),
        )),
        RangeKind::Series => {
            let any_length = "Any length: the server asks Oura in 30-day windows itself, so a year is fine.";
            Some((
                json!({
                    "type": "string",
                    "description": format!(
                        "First instant, an RFC 3339 date-time with its UTC offset (2025-06-01T00:00:00+02:00), \
                         or a date (YYYY-MM-DD: from the start of that day in the server's local time). \
                         Default: six days before `end`. {any_length}"
                    ),
                }),
                json!({
                    "type": "string",
                    "description": format!(
                        "Last instant, included, as a date-time with offset or a date (to the end of that local \
                         day). Default: the end of today. {any_length}"
                    ),
                }),
            ))
        }
    }
}

/// The tool of one collection.
pub fn collection_tool(collection: &Collection, default_limit: usize) -> Tool {
    let names: Vec<&str> = collection.fields.iter().map(|f| f.name).collect();
    let series: Vec<&str> = table::series_fields(collection).map(|f| f.name).collect();
    let interval: Vec<&str> = series
        .iter()
        .copied()
        .filter(|name| table::is_interval_series(name))
        .collect();
    let mut properties = serde_json::Map::new();
    if let Some((start, end)) = range_properties(collection.range) {
        properties.insert("start".into(), start);
        properties.insert("end".into(), end);
    }
    let always = match collection.position {
        Some(position) => format!("`id` and `{position}` are always kept"),
        None => "`id` is always kept".to_owned(),
    };
    properties.insert(
        "fields".into(),
        json!({
            "type": "array",
            "items": {"type": "string", "enum": names},
            "uniqueItems": true,
            "description": format!("Only these fields of each document ({always}). Default: every field except per-interval series."),
        }),
    );
    properties.insert(
        "limit".into(),
        json!({
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_LIMIT,
            "description": format!(
                "At most this many documents, the earliest first (default {default_limit}). The answer counts \
                 the documents left out and says where to continue."
            ),
        }),
    );
    if !series.is_empty() {
        properties.insert(
            "include_series".into(),
            json!({
                "type": "boolean",
                "default": false,
                "description": format!(
                    "Also return per-interval series, which are large and left out by default: sample objects \
                     `{{interval, items, timestamp}}` (5-minute heart rate, HRV, MET){}. Naming such a field in \
                     `fields` also returns it.",
                    if interval.is_empty() {
                        String::new()
                    } else {
                        format!(" and texts with one character per interval ({})", interval.join(", "))
                    }
                ),
            }),
        );
    }
    let schema = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    let range = match collection.range {
        RangeKind::Days => "in a range of days (both ends included)",
        RangeKind::Series => "in a range of instants (time series; any length)",
        RangeKind::Whole => "(all of them; this collection takes no range)",
    };
    let description = format!(
        "The user's Oura `{route}` documents {range}, as JSON, at most `limit` per call. \
         Answer: {{collection, range, total, returned, omitted, note, documents}}. Fields: {fields}. \
         For trends over long ranges call `summarize` instead.",
        route = collection.route,
        fields = names.join(", "),
    );
    Tool::new(table::tool_name(collection), description, object(schema))
        .annotate(read_only(format!("Oura {}", collection.route)))
}

/// `get_personal_info`.
fn personal_info_tool() -> Tool {
    let fields: Vec<&str> = PERSONAL_INFO.iter().map(|f| f.name).collect();
    Tool::new(
        PERSONAL_INFO_TOOL,
        format!(
            "The user's Oura personal info, one document: {}. Each needs its scope (`personal`, `email`); not \
             available on the sandbox.",
            fields.join(", ")
        ),
        object(json!({"type": "object", "properties": {}, "additionalProperties": false})),
    )
    .annotate(read_only("Oura personal info".into()))
}

/// `summarize`.
fn summarize_tool() -> Tool {
    let routes: Vec<&str> = COLLECTIONS.iter().map(|c| c.route).collect();
    let schema = json!({
        "type": "object",
        "properties": {
            "collection": {
                "type": "string",
                "enum": routes,
                "description": "The collection to summarize.",
            },
            "start": {
                "type": "string",
                "description": "First day (YYYY-MM-DD, included) or, for heartrate and ring_battery_level, an \
                    RFC 3339 date-time with offset. Default: six days before `end`.",
            },
            "end": {
                "type": "string",
                "description": "Last day (included) or date-time. Default: today. Any length: six months of \
                    readiness or a year of heart rate is fine.",
            },
            "fields": {
                "type": "array",
                "items": {"type": "string"},
                "uniqueItems": true,
                "description": "Only these numeric fields, or an object field for all its numeric members \
                    (`contributors`), or one member (`contributors.hrv_balance`). Default: all.",
            },
            "weekly": {
                "type": "boolean",
                "default": true,
                "description": "Include a weekly series per field (weeks start on Monday).",
            },
        },
        "required": ["collection"],
        "additionalProperties": false,
    });
    Tool::new(
        SUMMARIZE,
        "Statistics of one collection over a range, computed by the server while it reads every page, without \
         returning documents: per numeric field (and numeric member of objects such as `contributors`) the \
         count, mean, min, max, first and last value with their day or instant, and a weekly series \
         {week (Monday), count, mean, min, max}. Use it for trends and averages over weeks or months.",
        object(schema),
    )
    .annotate(read_only("Summarize Oura data".into()))
}

/// `auth_status`.
fn auth_status_tool() -> Tool {
    Tool::new(
        AUTH_STATUS,
        "Which Oura account and server the tools use, and how: the emulator, the sandbox, OURA_TOKEN, or the \
         saved login (its scopes and expiry; it is refreshed automatically), or not logged in. Also reports a \
         login started by `authorize`. Never shows a token.",
        object(json!({"type": "object", "properties": {}, "additionalProperties": false})),
    )
    .annotate(
        ToolAnnotations::with_title("Oura login status")
            .read_only(true)
            .open_world(false),
    )
}

/// `authorize`.
fn authorize_tool() -> Tool {
    Tool::new(
        AUTHORIZE,
        "Starts the Oura login (OAuth in the browser, as `oura login` does) and returns the URL for the user to \
         open; the server waits for the browser's redirect in the background and saves the tokens. Call \
         `auth_status` afterwards to see whether it completed. Needs the application's client id (saved by an \
         earlier `oura login`, or OURA_CLIENT_ID in the server's environment).",
        object(json!({
            "type": "object",
            "properties": {
                "scopes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "uniqueItems": true,
                    "description": "Scopes to ask for (daily, heartrate, personal, ...). Default: all.",
                },
            },
            "additionalProperties": false,
        })),
    )
    .annotate(
        ToolAnnotations::with_title("Log in to Oura")
            .read_only(false)
            .destructive(false)
            .open_world(true),
    )
}

/// Every tool, the collections' in catalog order first.
pub fn all(default_limit: usize) -> Vec<Tool> {
    let mut tools: Vec<Tool> = COLLECTIONS
        .iter()
        .map(|collection| collection_tool(collection, default_limit))
        .collect();
    tools.push(personal_info_tool());
    tools.push(summarize_tool());
    tools.push(auth_status_tool());
    tools.push(authorize_tool());
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_say_what_a_range_means_for_each_kind() {
        let tools = all(100);
        assert_eq!(tools.len(), COLLECTIONS.len() + 4);
        let find = |name: &str| tools.iter().find(|t| t.name == name).expect(name);
        let daily = find("get_daily_sleep");
        assert_eq!(daily.input_schema["properties"]["start"]["format"], "date");
        assert!(
            find("get_daily_stress").input_schema["properties"]
                .get("include_series")
                .is_none()
        );
        let heartrate = find("get_heartrate");
        let end = heartrate.input_schema["properties"]["end"]["description"]
            .as_str()
            .expect("text");
        assert!(end.contains("30-day windows"), "{end}");
        let sleep = find("get_sleep");
        let series = sleep.input_schema["properties"]["include_series"]["description"]
            .as_str()
            .expect("text");
        assert!(
            series.contains("sleep_phase_5_min") && series.contains("items"),
            "{series}"
        );
        let rings = find("get_ring_configuration");
        assert!(rings.input_schema["properties"].get("start").is_none());
        assert_eq!(
            find("get_vo2_max").input_schema["properties"]["limit"]["maximum"],
            MAX_LIMIT
        );
        let summarize = find(SUMMARIZE);
        assert_eq!(summarize.input_schema["required"], json!(["collection"]));
        assert_eq!(
            summarize.input_schema["properties"]["collection"]["enum"]
                .as_array()
                .map(Vec::len),
            Some(COLLECTIONS.len())
        );
    }
}
