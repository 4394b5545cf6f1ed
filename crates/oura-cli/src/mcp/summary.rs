//! Statistics of a collection over a range, computed while the pages stream by: per numeric
//! field the count, mean, minimum, maximum, first and last value, and a weekly series. Memory
//! grows with the number of fields and weeks, never with the number of documents.

use std::collections::BTreeMap;

use chrono::{Datelike as _, Duration, NaiveDate};
use serde_json::{Map, Value, json};

use super::table::{self, Collection};

/// Running statistics of one series of numbers.
#[derive(Debug, Clone, PartialEq)]
struct Stats {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn new(value: f64) -> Self {
        Stats {
            count: 1,
            sum: value,
            min: value,
            max: value,
        }
    }

    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    fn merge(&mut self, other: &Stats) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }
}

/// One field's statistics: the whole range, its first and last values, and each week.
#[derive(Debug, Clone)]
struct FieldSummary {
    all: Stats,
    first: (f64, Option<String>),
    last: (f64, Option<String>),
    weeks: BTreeMap<NaiveDate, Stats>,
}

/// The statistics of a collection's documents, fed one document at a time.
#[derive(Debug)]
pub struct Summary {
    collection: &'static Collection,
    only: Vec<String>,
    documents: u64,
    first_position: Option<String>,
    last_position: Option<String>,
    fields: BTreeMap<String, FieldSummary>,
}

/// Rounds a statistic for reading (the inputs are scores, seconds, beats per minute).
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// The Monday of the week of a position (`2025-06-30` or `2025-06-30T08:00:00+02:00`: the day
/// as written, in the document's own offset).
fn week_of(position: &str) -> Option<NaiveDate> {
    let day = NaiveDate::parse_from_str(position.get(..10)?, "%Y-%m-%d").ok()?;
    Some(day - Duration::days(i64::from(day.weekday().num_days_from_monday())))
}

impl Summary {
    /// An empty summary of `collection`; `only` restricts it to these fields (a field name
    /// or `object.member`), empty for every numeric field.
    pub fn new(collection: &'static Collection, only: Vec<String>) -> Self {
        Summary {
            collection,
            only,
            documents: 0,
            first_position: None,
            last_position: None,
            fields: BTreeMap::new(),
        }
    }

    /// Whether a field (or member, `object.member`) is summarized.
    fn wanted(&self, name: &str) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|only| only == name || name.strip_prefix(only.as_str()).is_some_and(|m| m.starts_with('.')))
    }

    /// Adds one document.
    pub fn add(&mut self, doc: &Value) {
        self.documents += 1;
        let position = self
            .collection
            .position
            .and_then(|field| doc.get(field))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if self.first_position.is_none() {
            self.first_position.clone_from(&position);
        }
        if position.is_some() {
            self.last_position.clone_from(&position);
        }
        let week = position.as_deref().and_then(week_of);
        for field in self.collection.fields.iter().filter(|f| table::numeric_or_object(f)) {
            match doc.get(field.name) {
                Some(Value::Object(members)) if !table::is_series_value(field.name, &doc[field.name]) => {
                    for (member, value) in members {
                        if let Some(number) = value.as_f64() {
                            self.record(format!("{}.{member}", field.name), number, position.as_deref(), week);
                        }
                    }
                }
                Some(value) => {
                    if let Some(number) = value.as_f64() {
                        self.record(field.name.to_owned(), number, position.as_deref(), week);
                    }
                }
                None => {}
            }
        }
    }

    fn record(&mut self, name: String, value: f64, position: Option<&str>, week: Option<NaiveDate>) {
        if !value.is_finite() || !self.wanted(&name) {
            return;
        }
        let position = position.map(str::to_owned);
        match self.fields.get_mut(&name) {
            Some(field) => {
                field.all.add(value);
                field.last = (value, position);
                if let Some(week) = week {
                    field
                        .weeks
                        .entry(week)
                        .and_modify(|stats| stats.add(value))
                        .or_insert_with(|| Stats::new(value));
                }
            }
            None => {
                let weeks = week.map(|week| (week, Stats::new(value))).into_iter().collect();
                self.fields.insert(
                    name,
                    FieldSummary {
                        all: Stats::new(value),
                        first: (value, position.clone()),
                        last: (value, position),
                        weeks,
                    },
                );
            }
        }
    }

    /// Adds the summary of the documents that follow this one's (the next window of a range).
    pub fn merge(&mut self, later: Summary) {
        self.documents += later.documents;
        if self.first_position.is_none() {
            self.first_position = later.first_position;
        }
        if later.last_position.is_some() {
            self.last_position = later.last_position;
        }
        for (name, field) in later.fields {
            match self.fields.get_mut(&name) {
                Some(mine) => {
                    mine.all.merge(&field.all);
                    mine.last = field.last;
                    for (week, stats) in field.weeks {
                        mine.weeks
                            .entry(week)
                            .and_modify(|mine| mine.merge(&stats))
                            .or_insert(stats);
                    }
                }
                None => {
                    self.fields.insert(name, field);
                }
            }
        }
    }

    /// The summary as JSON: `documents`, `first`/`last` positions, and per field `count`,
    /// `mean`, `min`, `max`, `first`, `last` and (with `weekly`) `weeks`, each week as
    /// `{week (its Monday), count, mean, min, max}`.
    pub fn to_json(&self, weekly: bool) -> Value {
        let mut fields = Map::new();
        for (name, field) in &self.fields {
            let mut entry = json!({
                "count": field.all.count,
                "mean": round(field.all.mean()),
                "min": field.all.min,
                "max": field.all.max,
                "first": {"value": field.first.0, "at": field.first.1},
                "last": {"value": field.last.0, "at": field.last.1},
            });
            if weekly && !field.weeks.is_empty() {
                entry["weeks"] = field
                    .weeks
                    .iter()
                    .map(|(week, stats)| {
                        json!({
                            "week": week.to_string(),
                            "count": stats.count,
                            "mean": round(stats.mean()),
                            "min": stats.min,
                            "max": stats.max,
                        })
                    })
                    .collect();
            }
            fields.insert(name.clone(), entry);
        }
        json!({
            "documents": self.documents,
            "first": self.first_position,
            "last": self.last_position,
            "fields": fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(route: &str) -> &'static Collection {
        table::by_name(route).expect(route)
    }

    #[test]
    fn numbers_are_counted_averaged_and_bounded_per_field_and_week() {
        let mut summary = Summary::new(collection("daily_readiness"), Vec::new());
        // 2025-06-29 is a Sunday, 2025-06-30 a Monday: two weeks.
        for (day, score, hrv) in [("2025-06-28", 70, 60), ("2025-06-29", 80, 70), ("2025-06-30", 90, 95)] {
            summary.add(&json!({
                "id": day, "day": day, "score": score, "temperature_deviation": null,
                "contributors": {"hrv_balance": hrv, "resting_heart_rate": null},
            }));
        }
        let json = summary.to_json(true);
        assert_eq!(json["documents"], 3);
        assert_eq!(json["first"], "2025-06-28");
        assert_eq!(json["last"], "2025-06-30");
        let score = &json["fields"]["score"];
        assert_eq!(score["count"], 3);
        assert_eq!(score["mean"], 80.0);
        assert_eq!((score["min"].as_f64(), score["max"].as_f64()), (Some(70.0), Some(90.0)));
        assert_eq!(score["first"], json!({"value": 70.0, "at": "2025-06-28"}));
        assert_eq!(score["last"], json!({"value": 90.0, "at": "2025-06-30"}));
        assert_eq!(
            score["weeks"],
            json!([
                {"week": "2025-06-23", "count": 2, "mean": 75.0, "min": 70.0, "max": 80.0},
                {"week": "2025-06-30", "count": 1, "mean": 90.0, "min": 90.0, "max": 90.0},
            ])
        );
        assert_eq!(json["fields"]["contributors.hrv_balance"]["mean"], 75.0);
        // Nulls are not numbers: no entry, not a zero.
        assert!(json["fields"].get("temperature_deviation").is_none(), "{json}");
        assert!(json["fields"].get("contributors.resting_heart_rate").is_none());
        assert!(summary.to_json(false)["fields"]["score"].get("weeks").is_none());
    }

    #[test]
    fn time_series_are_weekly_by_the_sample_day_and_series_objects_are_skipped() {
        let mut summary = Summary::new(collection("heartrate"), Vec::new());
        let samples = [
            ("2025-06-29T23:59:00+02:00", 50),
            ("2025-06-30T00:01:00+02:00", 61),
            ("2025-06-30T12:00:00+02:00", 70),
        ];
        for (at, bpm) in samples {
            summary.add(&json!({"bpm": bpm, "source": "awake", "timestamp": at}));
        }
        let bpm = &summary.to_json(true)["fields"]["bpm"];
        assert_eq!(bpm["count"], 3);
        assert_eq!(bpm["mean"], 60.333);
        assert_eq!(bpm["weeks"][0]["count"], 1);
        assert_eq!(
            bpm["weeks"][1],
            json!({"week": "2025-06-30", "count": 2, "mean": 65.5, "min": 61.0, "max": 70.0})
        );

        let mut sleep = Summary::new(collection("sleep"), vec!["hrv".into(), "average_hrv".into()]);
        sleep.add(&json!({"day": "2025-06-30", "average_hrv": 40, "efficiency": 90,
            "hrv": {"interval": 300.0, "items": [30, 40], "timestamp": "2025-06-29T23:00:00+00:00"}}));
        let fields = &sleep.to_json(true)["fields"];
        assert_eq!(fields.as_object().map(|f| f.len()), Some(1), "{fields}");
        assert_eq!(fields["average_hrv"]["mean"], 40.0);
    }

    #[test]
    fn summaries_of_consecutive_windows_merge_into_the_summary_of_the_whole() {
        let heartrate = collection("heartrate");
        let samples: Vec<Value> = (0..40)
            .map(|n| {
                let at = chrono::DateTime::parse_from_rfc3339("2025-06-01T00:00:00+00:00").expect("at")
                    + Duration::hours(7 * n);
                json!({"bpm": 50 + (n * 7) % 31, "source": "awake", "timestamp": at.to_rfc3339()})
            })
            .collect();
        let mut whole = Summary::new(heartrate, Vec::new());
        samples.iter().for_each(|s| whole.add(s));
        // Windows that split a week (and one that is empty) merge to the same summary.
        let mut merged = Summary::new(heartrate, Vec::new());
        for part in [&samples[..0], &samples[..13], &samples[13..14], &samples[14..]] {
            let mut summary = Summary::new(heartrate, Vec::new());
            part.iter().for_each(|s| summary.add(s));
            merged.merge(summary);
        }
        assert_eq!(merged.to_json(true), whole.to_json(true));
        assert_eq!(whole.to_json(true)["fields"]["bpm"]["count"], 40);
    }

    #[test]
    fn only_the_asked_fields_and_members_are_kept() {
        let mut summary = Summary::new(collection("daily_readiness"), vec!["contributors".into()]);
        summary.add(&json!({"day": "2025-06-30", "score": 1, "contributors": {"hrv_balance": 2, "sleep_balance": 3}}));
        let fields = summary.to_json(false)["fields"].clone();
        let names: Vec<&String> = fields.as_object().expect("object").keys().collect();
        assert_eq!(names, ["contributors.hrv_balance", "contributors.sleep_balance"]);
        assert_eq!(summary.to_json(false)["documents"], 1);
    }
}
