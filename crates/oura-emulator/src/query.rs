//! The query grammar of the data routes, as the live API's validator has it.
//!
//! Oura's API validates its query parameters like a pydantic v2 (FastAPI) service, and pydantic
//! v2 parses dates and times with the `speedate` crate. So does this module, with the settings
//! pydantic uses for a lax (non-strict) `datetime`:
//!
//! - date-times: `YYYY-MM-DD`, a separator `T`, `t`, `_` or space, `HH:MM` or `HH:MM:SS` with a
//!   fraction of any length (cut to microseconds, pydantic's default `truncate`), and an offset
//!   `Z`, `z`, `±HH:MM`, `±HHMM` or none (naive);
//! - a bare date (midnight, naive);
//! - a number as Unix time: seconds, or milliseconds when its magnitude passes 2·10¹⁰ (speedate's
//!   `Infer` unit), always in UTC;
//! - `start_date`/`end_date` are the union `datetime | date`, date-time first, so `1` is an
//!   instant in 1970; a date-only value is read by the date-time branch already.
//!
//! Refused with the validator's 422 body: `±HH` offsets, `T24:00:00`, leap seconds, trailing or
//! leading text, impossible dates. A refusal lists what each branch of the type said, with the
//! error type, location, message, input and `ctx` pydantic reports.
//!
//! Booleans (`latest`) accept pydantic's words, case-insensitive, nothing else (no trimming).

use chrono::{NaiveDate, NaiveDateTime};
use oura_api_sys::catalog;
use oura_api_sys::types::ValidationError;
use speedate::{
    DateConfig, DateTimeConfig, MicrosecondsPrecisionOverflowBehavior, ParseError, TimeConfig, TimestampUnit,
};
use strum::EnumMessage;

use crate::errors::{ApiError, validation};

/// Query parameters, decoded, in order.
#[derive(Debug, Default)]
pub(crate) struct Query(pub(crate) Vec<(String, String)>);

impl Query {
    /// Decodes a raw query string (`None`: no query).
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        Query(
            raw.map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// Only the parameters `route` takes (its sandbox twin's, with `sandbox`), as the catalog
    /// says; FastAPI ignores any other query parameter, and so does the emulator.
    pub(crate) fn taken_by(self, route: &catalog::Collection, sandbox: bool) -> Query {
        let params = if sandbox {
            route.sandbox_params.unwrap_or_default()
        } else {
            route.params
        };
        Query(
            self.0
                .into_iter()
                .filter(|(name, _)| params.iter().any(|p| p.name() == name))
                .collect(),
        )
    }

    /// The last value of `name` (FastAPI reads a repeated scalar parameter's last value).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A date-time as the validator reads it: the wall clock as written and its offset in seconds
/// east of UTC (`None`: naive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueryDateTime {
    pub(crate) local: NaiveDateTime,
    pub(crate) offset: Option<i32>,
}

impl QueryDateTime {
    /// Unix seconds; a naive date-time is read as UTC.
    pub(crate) fn unix(self) -> i64 {
        self.local.and_utc().timestamp() - i64::from(self.offset.unwrap_or(0))
    }

    /// The date as written (a date-time's own date, before any conversion).
    pub(crate) fn day(self) -> NaiveDate {
        self.local.date()
    }

    /// Python's `datetime.isoformat()` of the value pydantic would hand the route.
    #[cfg(test)]
    pub(crate) fn isoformat(self) -> String {
        use chrono::Timelike;
        let mut text = self.local.format("%Y-%m-%dT%H:%M:%S").to_string();
        let micros = self.local.nanosecond() / 1000;
        if micros != 0 {
            text.push_str(&format!(".{micros:06}"));
        }
        if let Some(offset) = self.offset {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            text.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60));
            if abs % 60 != 0 {
                text.push_str(&format!(":{:02}", abs % 60));
            }
        }
        text
    }
}

/// pydantic's configuration of speedate for a lax `datetime`.
fn datetime_config() -> DateTimeConfig {
    DateTimeConfig {
        timestamp_unit: TimestampUnit::Infer,
        time_config: TimeConfig {
            microseconds_precision_overflow_behavior: MicrosecondsPrecisionOverflowBehavior::Truncate,
            unix_timestamp_offset: Some(0),
        },
    }
}

fn message(error: &ParseError) -> &'static str {
    error.get_documentation().unwrap_or("invalid input")
}

fn convert(parsed: &speedate::DateTime) -> Option<QueryDateTime> {
    let date = NaiveDate::from_ymd_opt(
        i32::from(parsed.date.year),
        u32::from(parsed.date.month),
        u32::from(parsed.date.day),
    )?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        u32::from(parsed.time.hour),
        u32::from(parsed.time.minute),
        u32::from(parsed.time.second),
        parsed.time.microsecond,
    )?;
    Some(QueryDateTime {
        local: date.and_time(time),
        offset: parsed.time.tz_offset,
    })
}

fn midnight(date: &speedate::Date) -> Option<QueryDateTime> {
    let day = NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))?;
    Some(QueryDateTime {
        local: day.and_time(chrono::NaiveTime::MIN),
        offset: None,
    })
}

/// One error entry as pydantic reports it, located at `loc`.
fn entry(loc: &[&str], kind: &str, prefix: &str, error: &'static str, input: &str) -> ValidationError {
    let mut entry = validation(loc, kind, format!("{prefix}, {error}"), Some(input));
    entry
        .ctx
        .insert("error".to_owned(), serde_json::Value::String(error.to_owned()));
    entry
}

/// The `datetime` branch: a date-time, else a date at midnight; the error is the date parser's.
fn datetime_branch(value: &str) -> Result<QueryDateTime, &'static str> {
    let invalid = "input is outside the supported range";
    match speedate::DateTime::parse_bytes_with_config(value.as_bytes(), &datetime_config()) {
        Ok(parsed) => convert(&parsed).ok_or(invalid),
        Err(_) => match speedate::Date::parse_bytes_with_config(value.as_bytes(), &DateConfig::default()) {
            Ok(date) => midnight(&date).ok_or(invalid),
            Err(error) => Err(message(&error)),
        },
    }
}

/// `start_datetime`/`end_datetime`: pydantic's lax `datetime`.
pub(crate) fn datetime(name: &str, value: &str) -> Result<QueryDateTime, ApiError> {
    datetime_branch(value).map_err(|error| {
        ApiError::Validation(vec![entry(
            &["query", name],
            "datetime_from_date_parsing",
            "Input should be a valid datetime or date",
            error,
            value,
        )])
    })
}

/// `start_date`/`end_date`: the union `datetime | date`, date-time first.
pub(crate) fn date_or_datetime(name: &str, value: &str) -> Result<QueryDateTime, ApiError> {
    let datetime_error = match datetime_branch(value) {
        Ok(parsed) => return Ok(parsed),
        Err(error) => error,
    };
    // The date branch cannot succeed where the date-time branch failed (that one falls back to
    // a date already); it only adds its own account of the failure, as pydantic does.
    let date_error = match speedate::DateTime::parse_bytes_with_config(value.as_bytes(), &datetime_config()) {
        Ok(_) => "input is outside the supported range",
        Err(error) => message(&error),
    };
    Err(ApiError::Validation(vec![
        entry(
            &["query", name, "datetime"],
            "datetime_from_date_parsing",
            "Input should be a valid datetime or date",
            datetime_error,
            value,
        ),
        entry(
            &["query", name, "date"],
            "date_from_datetime_parsing",
            "Input should be a valid date or datetime",
            date_error,
            value,
        ),
    ]))
}

/// `latest`: pydantic's lax `bool` from a string.
pub(crate) fn boolean(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
        _ => Err(ApiError::query(
            name,
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
            value,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar table shared with `grammar-check.sh` (which runs the same rows through
    /// pydantic itself): one table, read twice.
    const TABLE: &str = include_str!("../tests/grammar.json");

    #[derive(serde::Deserialize)]
    struct Row {
        param: String,
        input: String,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        errors: Vec<Expected>,
    }

    #[derive(serde::Deserialize)]
    struct Expected {
        #[serde(rename = "type")]
        kind: String,
        loc: Vec<String>,
        msg: String,
    }

    fn parse(row: &Row) -> Result<String, ApiError> {
        match row.param.as_str() {
            "start_datetime" | "end_datetime" => datetime(&row.param, &row.input).map(QueryDateTime::isoformat),
            "start_date" | "end_date" => date_or_datetime(&row.param, &row.input).map(QueryDateTime::isoformat),
            "latest" => boolean(&row.param, &row.input).map(|b| if b { "True" } else { "False" }.to_owned()),
            other => panic!("the table names an unknown parameter {other:?}"),
        }
    }

    #[test]
    fn every_row_of_the_grammar_table_gets_its_verdict() {
        let rows: Vec<Row> = serde_json::from_str(TABLE).expect("tests/grammar.json is a list of rows");
        assert!(rows.len() >= 40, "the table has {} rows", rows.len());
        let accepted = rows.iter().filter(|r| r.value.is_some()).count();
        assert!(
            accepted >= 15 && rows.len() - accepted >= 15,
            "both verdicts are well covered"
        );
        for row in &rows {
            let what = format!("{}={:?}", row.param, row.input);
            match (parse(row), &row.value) {
                (Ok(got), Some(want)) => assert_eq!(&got, want, "{what}"),
                (Ok(got), None) => panic!("{what} was accepted as {got}, the validator refuses it"),
                (Err(ApiError::Validation(got)), None) => {
                    assert_eq!(got.len(), row.errors.len(), "{what}: {got:?}");
                    for (got, want) in got.iter().zip(&row.errors) {
                        assert_eq!(got.type_, want.kind, "{what}");
                        assert_eq!(got.msg, want.msg, "{what}");
                        let loc: Vec<String> = got
                            .loc
                            .iter()
                            .map(|l| match l {
                                oura_api_sys::types::LocationItem::String(s) => s.clone(),
                                other => format!("{other:?}"),
                            })
                            .collect();
                        assert_eq!(loc, want.loc, "{what}");
                        assert_eq!(got.input, Some(serde_json::Value::String(row.input.clone())), "{what}");
                    }
                }
                (Err(other), _) => panic!("{what}: unexpected refusal {other:?}"),
            }
        }
    }

    #[test]
    fn naive_date_times_are_read_as_utc_and_offsets_apply() {
        let naive = datetime("d", "2025-12-24 00:00:00").expect("naive");
        assert_eq!(naive.unix(), 1_766_534_400);
        let offset = datetime("d", "2025-12-24T00:00:00-0500").expect("offset");
        assert_eq!(offset.unix(), 1_766_534_400 + 5 * 3600);
        assert_eq!(offset.day(), NaiveDate::from_ymd_opt(2025, 12, 24).expect("date"));
        assert_eq!(date_or_datetime("d", "1").expect("unix").unix(), 1);
    }
}
