//! The dashboard as one HTML page: inline CSS (light and dark), inline SVG charts, an inline
//! script for the hover readout, a table per chart. Nothing is loaded from anywhere.

use std::fmt::Write as _;

use chrono::{Datelike as _, Days, NaiveDate};

use super::{Dashboard, METRICS, Metric, Series, WINDOW};

/// The chart's drawing area, in SVG user units.
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

const STYLE: &str = r#"
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1c1c1e; --muted: #6c6c72; --grid: #e2e2e7;
  --card: #f6f6f8; --line: #9db4d3; --dot: #2764b0; --avg: #c2410c; --border: #d8d8de; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111214; --fg: #e6e6e9; --muted: #9b9ba3; --grid: #2b2c31; --card: #1a1b1f;
    --line: #3f5f8a; --dot: #7eb0ff; --avg: #ff9159; --border: #33343a; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main { max-width: 1040px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.1rem; margin: 0; }
.meta, .summary, .readout { color: var(--muted); font-size: 0.9rem; }
section.metric { background: var(--card); border: 1px solid var(--border); border-radius: 10px;
  padding: 16px; margin: 16px 0; }
.heading { display: flex; justify-content: space-between; gap: 12px; flex-wrap: wrap; align-items: baseline; }
.readout { min-height: 1.4em; font-variant-numeric: tabular-nums; }
svg.chart { display: block; width: 100%; height: auto; margin-top: 8px; touch-action: pan-y; }
.grid line { stroke: var(--grid); stroke-width: 1; }
.axis text { fill: var(--muted); font-size: 12px; }
.daily { fill: none; stroke: var(--line); stroke-width: 1.2; }
.points circle { fill: var(--dot); }
.average { fill: none; stroke: var(--avg); stroke-width: 2.2; stroke-linejoin: round; }
.cursor { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 3 3; visibility: hidden; }
.empty { fill: var(--muted); font-size: 14px; }
.legend { display: flex; gap: 16px; font-size: 0.85rem; color: var(--muted); margin-top: 4px; }
.legend span::before { content: ""; display: inline-block; width: 14px; height: 3px; margin-right: 6px;
  vertical-align: middle; background: var(--dot); }
.legend span.avg::before { background: var(--avg); }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--muted); }
.table { max-height: 320px; overflow: auto; margin-top: 6px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
th, td { padding: 2px 14px 2px 0; text-align: right; border-bottom: 1px solid var(--grid); }
th:first-child, td:first-child { text-align: left; }
th { position: sticky; top: 0; background: var(--card); }
"#;

const SCRIPT: &str = r#"
for (const svg of document.querySelectorAll("svg.chart")) {
  const dots = Array.from(svg.querySelectorAll(".points circle"));
  const readout = svg.closest("section").querySelector(".readout");
  const cursor = svg.querySelector(".cursor");
  if (!dots.length || !readout || !cursor) continue;
  const xs = dots.map((dot) => dot.cx.baseVal.value);
  svg.addEventListener("pointermove", (event) => {
    const box = svg.getBoundingClientRect();
    if (!box.width) return;
    const x = (event.clientX - box.left) * svg.viewBox.baseVal.width / box.width;
    let best = 0;
    for (let i = 1; i < xs.length; i++) {
      if (Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
    }
    cursor.setAttribute("x1", xs[best]);
    cursor.setAttribute("x2", xs[best]);
    cursor.style.visibility = "visible";
    readout.textContent = dots[best].dataset.day + ": " + dots[best].dataset.label;
  });
  svg.addEventListener("pointerleave", () => {
    cursor.style.visibility = "hidden";
    readout.textContent = "";
  });
}
"#;

/// The whole page.
pub fn render(dashboard: &Dashboard) -> String {
    let mut page = String::with_capacity(256 * 1024);
    let days = dashboard.series.first().map_or(0, |s| s.values.len());
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>Oura dashboard {first} to {last}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>Oura dashboard</h1><p class=\"meta\">{first} to {last} ({days} days), from {source}. \
         Dots are daily values, the line their {WINDOW}-day moving average; gaps are days without data.</p></header>\n<main>\n",
        first = dashboard.first,
        last = dashboard.last,
        source = escape(&dashboard.source),
    );
    for (metric, series) in METRICS.iter().zip(&dashboard.series) {
        section(&mut page, metric, series, dashboard.first);
    }
    let _ = write!(page, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    page
}

fn section(page: &mut String, metric: &Metric, series: &Series, first: NaiveDate) {
    let points = series.points();
    let _ = write!(
        page,
        "<section class=\"metric\" id=\"{id}\">\n<div class=\"heading\"><h2>{title}</h2><span class=\"readout\" aria-live=\"polite\"></span></div>\n\
         <p class=\"summary\">{summary}</p>\n",
        id = metric.id,
        title = escape(metric.title),
        summary = summary(metric, series, first),
    );
    chart(page, metric, series, first);
    let _ = write!(
        page,
        "<div class=\"legend\"><span>daily</span><span class=\"avg\">{WINDOW}-day average</span></div>\n\
         <details><summary>Table ({points} days)</summary><div class=\"table\"><table data-metric=\"{id}\">\
         <thead><tr><th>Day</th><th>{title}</th><th>{WINDOW}-day average</th></tr></thead><tbody>",
        id = metric.id,
        title = escape(metric.title),
    );
    for (offset, (value, average)) in series.values.iter().zip(&series.average).enumerate().rev() {
        if value.is_none() && average.is_none() {
            continue;
        }
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            day(first, offset),
            value.map(|v| number(v, metric)).unwrap_or_else(|| "—".to_owned()),
            average
                .map(|v| average_text(v, metric))
                .unwrap_or_else(|| "—".to_owned()),
        );
    }
    page.push_str("</tbody></table></div></details>\n</section>\n");
}

fn summary(metric: &Metric, series: &Series, first: NaiveDate) -> String {
    let days = series.values.len();
    let points = series.points();
    let Some((offset, latest)) = series
        .values
        .iter()
        .enumerate()
        .rev()
        .find_map(|(offset, value)| value.map(|v| (offset, v)))
    else {
        return format!(
            "No data in these {days} days (the export has no {} of {}).",
            metric.origin.field(),
            metric.origin.route()
        );
    };
    let (low, high) = bounds(series.values.iter().flatten().copied()).unwrap_or((latest, latest));
    let mut text = format!(
        "Latest {} on {}",
        with_unit(&number(latest, metric), metric),
        day(first, offset)
    );
    if let Some(Some(average)) = series.average.get(offset) {
        let _ = write!(text, " ({WINDOW}-day average {})", average_text(*average, metric));
    }
    let _ = write!(
        text,
        "; from {} to {}; {points} of {days} days have a value.",
        number(low, metric),
        number(high, metric)
    );
    text
}

fn chart(page: &mut String, metric: &Metric, series: &Series, first: NaiveDate) {
    let len = series.values.len();
    let points = series.points();
    let _ = writeln!(
        page,
        "<svg class=\"chart\" data-metric=\"{id}\" data-points=\"{points}\" data-days=\"{len}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"{title}: {points} daily values\" xmlns=\"http://www.w3.org/2000/svg\">",
        id = metric.id,
        title = escape(metric.title),
    );
    let values = series.values.iter().chain(&series.average).flatten().copied();
    let Some((low, high)) = bounds(values) else {
        let _ = write!(
            page,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">No data</text>\n</svg>\n",
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return;
    };
    let (low, high, step) = nice_scale(low, high);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let x = |offset: usize| {
        if len <= 1 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + offset as f64 * plot_width / (len - 1) as f64
        }
    };
    let y = |value: f64| TOP + plot_height - (value - low) / (high - low) * plot_height;

    // Grid and axes.
    page.push_str("<g class=\"grid\">");
    let mut tick = low;
    let mut labels = String::new();
    while tick <= high + step / 2.0 {
        let _ = write!(
            page,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>",
            WIDTH - RIGHT,
            y = y(tick)
        );
        let _ = write!(
            labels,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 8.0,
            y(tick) + 4.0,
            grouped(tick)
        );
        tick += step;
    }
    page.push_str("</g>\n<g class=\"axis\">");
    page.push_str(&labels);
    for (offset, label) in time_ticks(first, len) {
        let _ = write!(
            page,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            x(offset),
            HEIGHT - 8.0
        );
    }
    page.push_str("</g>\n");

    // The daily line, broken at gaps, and the average, broken where it has none.
    let _ = writeln!(page, "<path class=\"daily\" d=\"{}\"/>", path(&series.values, x, y));
    let _ = writeln!(page, "<path class=\"average\" d=\"{}\"/>", path(&series.average, x, y));
    page.push_str("<g class=\"points\">");
    for (offset, value) in series.values.iter().enumerate() {
        if let Some(value) = value {
            let mut label = with_unit(&number(*value, metric), metric);
            if let Some(Some(average)) = series.average.get(offset) {
                let _ = write!(label, ", {WINDOW}-day average {}", average_text(*average, metric));
            }
            let _ = write!(
                page,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" data-day=\"{}\" data-label=\"{}\"/>",
                x(offset),
                y(*value),
                day(first, offset),
                escape(&label)
            );
        }
    }
    let _ = write!(
        page,
        "</g>\n<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"{TOP}\" y2=\"{:.1}\"/>\n</svg>\n",
        HEIGHT - BOTTOM
    );
}

/// An SVG path through the present values, a new subpath after each gap.
fn path(values: &[Option<f64>], x: impl Fn(usize) -> f64, y: impl Fn(f64) -> f64) -> String {
    let mut d = String::new();
    let mut drawing = false;
    for (offset, value) in values.iter().enumerate() {
        match value {
            Some(value) => {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if drawing { "L" } else { "M" },
                    x(offset),
                    y(*value)
                );
                drawing = true;
            }
            None => drawing = false,
        }
    }
    d
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |bounds, v| match bounds {
        None => Some((v, v)),
        Some((low, high)) => Some((low.min(v), high.max(v))),
    })
}

/// A scale from `low` to `high` on round numbers: (low, high, step), 2 to 6 steps.
pub fn nice_scale(low: f64, high: f64) -> (f64, f64, f64) {
    let (low, high) = if high <= low {
        (low - 1.0, high + 1.0)
    } else {
        (low, high)
    };
    let rough = (high - low) / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * magnitude);
    ((low / step).floor() * step, (high / step).ceil() * step, step)
}

/// Labels of the time axis: the first of each month (every few months on long ranges), or
/// every week on ranges under two months.
fn time_ticks(first: NaiveDate, len: usize) -> Vec<(usize, String)> {
    let mut ticks = Vec::new();
    if len <= 62 {
        for offset in (0..len).step_by(7) {
            ticks.push((offset, day_at(first, offset).format("%b %-d").to_string()));
        }
        return ticks;
    }
    let months = u32::try_from(len / 30 + 1).unwrap_or(u32::MAX);
    let every = [1, 2, 3, 6, 12].into_iter().find(|k| months / k <= 8).unwrap_or(12);
    for offset in 0..len {
        let date = day_at(first, offset);
        if date.day() == 1 && date.month0().is_multiple_of(every) {
            let label = if date.month() == 1 || ticks.is_empty() {
                date.format("%b %Y").to_string()
            } else {
                date.format("%b").to_string()
            };
            ticks.push((offset, label));
        }
    }
    ticks
}

fn day_at(first: NaiveDate, offset: usize) -> NaiveDate {
    first + Days::new(offset as u64)
}

fn day(first: NaiveDate, offset: usize) -> String {
    day_at(first, offset).to_string()
}

/// A daily value: whole numbers as they are (with thousands grouped), others to one decimal.
fn number(value: f64, _metric: &Metric) -> String {
    if value.fract() == 0.0 {
        grouped(value)
    } else {
        format!("{value:.1}")
    }
}

/// An average: to one decimal, or whole with thousands grouped from 1000 on.
fn average_text(value: f64, _metric: &Metric) -> String {
    if value.abs() >= 1000.0 {
        grouped(value.round())
    } else {
        format!("{value:.1}")
    }
}

fn with_unit(text: &str, metric: &Metric) -> String {
    if metric.unit.is_empty() {
        text.to_owned()
    } else {
        format!("{text} {}", metric.unit)
    }
}

/// A whole number with a thin space between thousands: `12 345`.
fn grouped(value: f64) -> String {
    if value.fract() != 0.0 {
        return format!("{value}");
    }
    let digits = format!("{}", value.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    if value < 0.0 { format!("-{out}") } else { out }
}

/// Text safe inside HTML elements and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_land_on_round_numbers() {
        assert_eq!(nice_scale(61.0, 94.0), (60.0, 100.0, 10.0));
        assert_eq!(nice_scale(3120.0, 22140.0), (0.0, 25000.0, 5000.0));
        assert_eq!(nice_scale(50.0, 50.0), (49.0, 51.0, 0.5));
    }

    #[test]
    fn gaps_start_new_subpaths() {
        let d = path(&[Some(1.0), Some(2.0), None, Some(3.0)], |i| i as f64, |v| v);
        assert_eq!(d, "M0.0,1.0L1.0,2.0M3.0,3.0");
    }

    #[test]
    fn numbers_and_text_for_people() {
        assert_eq!(grouped(12345.0), "12\u{2009}345");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
