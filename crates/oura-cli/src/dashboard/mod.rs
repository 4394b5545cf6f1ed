//! `oura dashboard`: charts of an export's daily metrics in one self-contained HTML file.
//!
//! The page needs nothing but itself: the charts are inline SVG drawn here, the styles and the
//! small script inline, no font, image or request of any kind. Each chart shows one value per
//! day (a line broken where days have no value, a dot per value), its 7-day moving average, and
//! a table of the same numbers.

mod html;
mod source;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use chrono::NaiveDate;

use crate::cli::DashboardArgs;
use crate::failure::{Failure, code};
use source::Origin;

/// One chart of the dashboard.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// The chart's id in the page (`data-metric`).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The unit after a value (may be empty).
    pub unit: &'static str,
    /// Where the daily values come from.
    pub origin: Origin,
}

/// The charts, in page order.
pub const METRICS: &[Metric] = &[
    Metric {
        id: "sleep_score",
        title: "Sleep score",
        unit: "",
        origin: Origin::Daily {
            route: "daily_sleep",
            field: "score",
        },
    },
    Metric {
        id: "readiness_score",
        title: "Readiness score",
        unit: "",
        origin: Origin::Daily {
            route: "daily_readiness",
            field: "score",
        },
    },
    Metric {
        id: "activity_score",
        title: "Activity score",
        unit: "",
        origin: Origin::Daily {
            route: "daily_activity",
            field: "score",
        },
    },
    Metric {
        id: "resting_heart_rate",
        title: "Resting heart rate (lowest, main sleep)",
        unit: "bpm",
        origin: Origin::MainSleep {
            field: "lowest_heart_rate",
        },
    },
    Metric {
        id: "hrv",
        title: "Heart rate variability (average, main sleep)",
        unit: "ms",
        origin: Origin::MainSleep { field: "average_hrv" },
    },
    Metric {
        id: "steps",
        title: "Steps",
        unit: "",
        origin: Origin::Daily {
            route: "daily_activity",
            field: "steps",
        },
    },
];

/// Days in the moving average's window (the day and the six before it).
pub const WINDOW: usize = 7;
/// Values the window needs for an average: fewer, and the average has a gap too.
pub const WINDOW_MIN: usize = 4;

/// A metric's values over the dashboard's days.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The metric.
    pub metric: &'static str,
    /// One value per day of the range (`None`: no value that day).
    pub values: Vec<Option<f64>>,
    /// The 7-day moving average of each day: the mean of the values of the day and the six
    /// before it, when at least [`WINDOW_MIN`] of them have one.
    pub average: Vec<Option<f64>>,
}

impl Series {
    /// Builds the series of `metric` over the days from `first` (`len` days).
    pub fn new(metric: &'static str, values: &BTreeMap<NaiveDate, f64>, first: NaiveDate, len: usize) -> Self {
        let values: Vec<Option<f64>> = (0..len)
            .map(|offset| values.get(&(first + chrono::Days::new(offset as u64))).copied())
            .collect();
        let average = moving_average(&values);
        Series {
            metric,
            values,
            average,
        }
    }

    /// The number of days with a value.
    pub fn points(&self) -> usize {
        self.values.iter().flatten().count()
    }
}

/// The trailing moving average over [`WINDOW`] days (see [`Series::average`]).
pub fn moving_average(values: &[Option<f64>]) -> Vec<Option<f64>> {
    (0..values.len())
        .map(|end| {
            let window = &values[(end + 1).saturating_sub(WINDOW)..=end];
            let present: Vec<f64> = window.iter().flatten().copied().collect();
            (present.len() >= WINDOW_MIN).then(|| present.iter().sum::<f64>() / present.len() as f64)
        })
        .collect()
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The first day of the range.
    pub first: NaiveDate,
    /// The last day of the range.
    pub last: NaiveDate,
    /// Where the data came from, for the page's header.
    pub source: String,
    /// One series per entry of [`METRICS`], in that order.
    pub series: Vec<Series>,
}

/// Runs `oura dashboard`.
pub async fn run(args: &DashboardArgs) -> Result<(), Failure> {
    let since = parse_day("--since", args.since.as_deref())?;
    let until = parse_day("--until", args.until.as_deref())?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(Failure::usage(format!(
            "--since {since} is after --until {until}: give the earlier day first"
        )));
    }
    // The destination first: a bad --out is found before any reading.
    let out = Destination::check(&args.out)?;
    let dashboard = match (&args.from, &args.database) {
        (Some(dir), _) => load(dir, since, until)?,
        (None, Some(url)) => load_database(url, since, until).await?,
        (None, None) => {
            return Err(Failure::usage(
                "give the data: --from DIR (an `oura export` directory) or --database URL (`oura sync`'s)",
            ));
        }
    };
    let page = html::render(&dashboard);
    out.write(page.as_bytes())?;
    let points: usize = dashboard.series.iter().map(Series::points).sum();
    crate::console::note!(
        "wrote {} ({} charts, {} values, {} to {})",
        args.out.display(),
        dashboard.series.len(),
        points,
        dashboard.first,
        dashboard.last
    );
    Ok(())
}

fn parse_day(option: &str, text: Option<&str>) -> Result<Option<NaiveDate>, Failure> {
    text.map(|text| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| Failure::usage(format!("{option} {text:?} is not a day like 2025-06-30")))
    })
    .transpose()
}

/// The fields each collection the dashboard draws from is read for.
fn wanted_fields() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for metric in METRICS {
        wanted
            .entry(metric.origin.route())
            .or_default()
            .extend(metric.origin.reads());
    }
    wanted
}

/// Reads a database `oura sync` wrote (`sqlite://PATH` or `postgres://...`) into the
/// dashboard's series, like [`load`] an export directory. Every user's rows are drawn: a
/// database of one user, as `oura sync` without `--all-users` writes it.
pub async fn load_database(
    url: &str,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<Dashboard, Failure> {
    let database = oura_sync::sink::DatabaseSink::connect(url)
        .await
        .map_err(|err| Failure::new(code::LOCAL_IO, format!("--database: {err}")))?;
    let mut collections = BTreeMap::new();
    for (route, fields) in wanted_fields() {
        let collection = oura::collection(route).map_err(|err| Failure::new(code::GENERAL, err.to_string()))?;
        let texts = database
            .documents(collection)
            .await
            .map_err(|err| Failure::new(code::LOCAL_IO, format!("--database: reading {route}: {err}")))?;
        collections.insert(route, source::from_json_texts(route, &texts, &fields)?);
    }
    let tables: Vec<String> = collections
        .keys()
        .map(|route| format!("oura_{}", route.to_ascii_lowercase()))
        .collect();
    assemble(
        &collections,
        since,
        until,
        "the database".to_owned(),
        format!(
            "its tables {} as `oura sync --database URL` writes them",
            tables.join(", ")
        ),
    )
}

/// Reads an export directory into the dashboard's series, over `since..=until` (by default the
/// days that have data).
pub fn load(dir: &Path, since: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<Dashboard, Failure> {
    if !dir.is_dir() {
        return Err(Failure::new(
            code::LOCAL_IO,
            format!(
                "{} is not a directory: give the --out DIR of `oura export` (try `oura --emulator export --out DIR`)",
                dir.display()
            ),
        ));
    }
    // Each collection is read once, for the fields of every metric drawn from it.
    let mut collections = BTreeMap::new();
    for (route, fields) in wanted_fields() {
        let docs = source::read_collection(dir, route, &fields)?.unwrap_or_default();
        collections.insert(route, docs);
    }
    let files: Vec<String> = collections.keys().map(|route| format!("{route}.ndjson")).collect();
    assemble(
        &collections,
        since,
        until,
        dir.display().to_string(),
        format!("{} (or .csv) as `oura export --out DIR` writes them", files.join(", ")),
    )
}

/// The series of the documents read, over `since..=until` (by default the days with data).
/// `source` names where they came from; `needs` says what it must hold when nothing is there.
fn assemble(
    collections: &BTreeMap<&'static str, source::Documents>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    source: String,
    needs: String,
) -> Result<Dashboard, Failure> {
    let daily: Vec<BTreeMap<NaiveDate, f64>> = METRICS
        .iter()
        .map(|metric| {
            let docs = &collections[metric.origin.route()];
            let mut values = source::daily_values(metric.origin, docs);
            values.retain(|day, _| since.is_none_or(|since| *day >= since) && until.is_none_or(|until| *day <= until));
            values
        })
        .collect();
    let days_with_data = daily.iter().flat_map(|values| values.keys().copied());
    let (min, max) = days_with_data.fold(
        (None, None),
        |(min, max): (Option<NaiveDate>, Option<NaiveDate>), day| {
            (
                Some(min.map_or(day, |m| m.min(day))),
                Some(max.map_or(day, |m| m.max(day))),
            )
        },
    );
    let (Some(first), Some(last)) = (since.or(min), until.or(max)) else {
        return Err(Failure::usage(format!(
            "no daily data in {source}{}: it needs {needs}",
            match (since, until) {
                (None, None) => "",
                _ => " in the chosen days",
            },
        )));
    };
    let len = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
    let series = METRICS
        .iter()
        .zip(&daily)
        .map(|(metric, values)| Series::new(metric.id, values, first, len))
        .collect();
    Ok(Dashboard {
        first,
        last,
        source,
        series,
    })
}

/// The output file, checked before any work: its directory exists and takes a new file.
struct Destination {
    path: std::path::PathBuf,
    temp: std::path::PathBuf,
}

impl Destination {
    fn check(path: &Path) -> Result<Self, Failure> {
        if path.is_dir() {
            return Err(Failure::usage(format!(
                "--out {} is a directory: name the HTML file, like {}",
                path.display(),
                path.join("oura-dashboard.html").display()
            )));
        }
        let name = path
            .file_name()
            .ok_or_else(|| Failure::usage(format!("--out {} names no file", path.display())))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.tmp", std::process::id()));
        let temp = path.with_file_name(temp_name);
        std::fs::File::create(&temp)
            .map_err(|err| Failure::io(format!("cannot write {} (choose another --out)", path.display()), &err))?;
        Ok(Destination {
            path: path.to_owned(),
            temp,
        })
    }

    /// Writes the whole file next to the destination, then renames it over: a reader never
    /// sees half a page.
    fn write(self, content: &[u8]) -> Result<(), Failure> {
        let written = std::fs::File::create(&self.temp)
            .and_then(|mut file| file.write_all(content).and_then(|()| file.sync_all()))
            .and_then(|()| std::fs::rename(&self.temp, &self.path));
        written.map_err(|err| Failure::io(format!("cannot write {}", self.path.display()), &err))
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_needs_four_of_seven_days_and_trails() {
        let values = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            None,
            Some(6.0),
            None,
            None,
            None,
            None,
            Some(9.0),
        ];
        let average = moving_average(&values);
        assert_eq!(&average[..4], &[None, None, None, None]);
        assert_eq!(average[4], Some(3.0));
        assert_eq!(average[6], Some(3.0));
        // Day 7 looks at days 1..=7: 2, 3, 6: too few.
        assert_eq!(average[7], None);
        assert_eq!(average[9], None);
    }

    /// The metrics name their collections and fields by hand; the spec's catalog vouches for
    /// them, so a renamed field fails here rather than drawing an empty chart.
    #[test]
    fn every_metric_reads_a_numeric_field_the_spec_has() {
        use oura::FieldType;
        for metric in METRICS {
            let (route, field) = (metric.origin.route(), metric.origin.field());
            let collection =
                oura::api_sys::catalog::find(route).unwrap_or_else(|| panic!("{}: no collection {route}", metric.id));
            let spec = collection
                .field(field)
                .unwrap_or_else(|| panic!("{}: {route} has no field {field}", metric.id));
            assert!(
                matches!(spec.ty, FieldType::Integer | FieldType::Number),
                "{}: {spec:?}",
                metric.id
            );
            assert!(collection.field("day").is_some(), "{route} is placed by day");
        }
        let sleep = oura::api_sys::catalog::find("sleep").expect("sleep");
        for field in ["type", "total_sleep_duration"] {
            assert!(sleep.field(field).is_some(), "sleep.{field}");
        }
    }
}
