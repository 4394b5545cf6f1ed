//! Printing documents as a table, JSON, NDJSON or CSV.

use std::io::{self, IsTerminal as _, Write};

use serde_json::Value;

use crate::catalog::cell_text;
use crate::cli::Format;
use crate::failure::Failure;
use oura_sync::sink::CsvOptions;

/// The format asked for, or the default: a table on a terminal, NDJSON when piped.
pub fn resolve(format: Option<Format>) -> Format {
    format.unwrap_or_else(|| {
        if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Ndjson
        }
    })
}

/// A write to stdout failed; a closed pipe (`oura get ... | head`) is not an error worth a
/// message, but still ends the command.
pub fn stdout_error(err: &io::Error) -> Failure {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Failure::new(0, String::new())
    } else {
        Failure::io("cannot write to stdout", err)
    }
}

/// The columns of a list of documents: every top-level key, in order of first appearance.
pub fn columns<'a>(docs: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for doc in docs {
        if let Value::Object(map) = doc {
            for key in map.keys() {
                if seen.insert(key.as_str()) {
                    columns.push(key.clone());
                }
            }
        }
    }
    columns
}

/// Writes documents of `collection`: as [`write_all`], but CSV columns come from the
/// collection's model (its fields in spec order, then `_other` for fields the model lacks), the
/// same header whatever documents there are.
pub fn write_collection(
    out: &mut impl Write,
    format: Format,
    collection: &oura::Collection,
    docs: &[Value],
) -> io::Result<()> {
    if format != Format::Csv {
        return write_all(out, format, docs);
    }
    let header = oura_sync::sink::csv_header(collection);
    let names: Vec<String> = header.iter().map(|c| csv_field(c)).collect();
    writeln!(out, "{}", names.join(","))?;
    for doc in docs {
        writeln!(
            out,
            "{}",
            oura_sync::sink::csv_line(doc, &header, CsvOptions::default())
        )?;
    }
    Ok(())
}

/// One CSV field, quoted when needed (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// One CSV record of `doc` over `columns`, without the line end; text that a spreadsheet
/// would run as a formula gets a leading `'` (see `oura_sync::sink::guard_cell`).
pub fn csv_record(doc: &Value, columns: &[String]) -> String {
    let fields: Vec<String> = columns
        .iter()
        .map(|column| {
            let cell = match doc.get(column) {
                Some(Value::String(text)) => oura_sync::sink::guard_cell(text).into_owned(),
                Some(other) => cell_text(other),
                None => String::new(),
            };
            csv_field(&cell)
        })
        .collect();
    fields.join(",")
}

/// Writes documents in a format that needs them all first (json, csv, table).
pub fn write_all(out: &mut impl Write, format: Format, docs: &[Value]) -> io::Result<()> {
    match format {
        Format::Ndjson => {
            for doc in docs {
                serde_json::to_writer(&mut *out, doc)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, docs)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => {
            let columns = columns(docs);
            let header: Vec<String> = columns.iter().map(|c| csv_field(c)).collect();
            writeln!(out, "{}", header.join(","))?;
            for doc in docs {
                writeln!(out, "{}", csv_record(doc, &columns))?;
            }
        }
        Format::Table => table(out, docs)?,
    }
    Ok(())
}

/// Writes one document (personal info, a subscription): a table is two columns, key and value.
pub fn write_one(out: &mut impl Write, format: Format, doc: &Value) -> io::Result<()> {
    match format {
        Format::Table => {
            let Value::Object(map) = doc else {
                return writeln!(out, "{}", cell_text(doc));
            };
            let width = map.keys().map(|k| k.chars().count()).max().unwrap_or(0);
            for (key, value) in map {
                writeln!(out, "{key:<width$}  {}", truncate(&cell_text(value), 80))?;
            }
            Ok(())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, doc)?;
            out.write_all(b"\n")
        }
        other => write_all(out, other, std::slice::from_ref(doc)),
    }
}

const CELL: usize = 28;

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Aligned columns of the top-level scalar values; nested values are summarized.
fn table(out: &mut impl Write, docs: &[Value]) -> io::Result<()> {
    if docs.is_empty() {
        return writeln!(out, "(no documents)");
    }
    // When first, then what, then which: the id (long and opaque) last.
    let mut columns = columns(docs);
    columns.sort_by_key(|c| match c.as_str() {
        "day" | "start_day" | "timestamp" => 0,
        "id" => 2,
        _ => 1,
    });
    let cell = |doc: &Value, column: &str| -> String {
        match doc.get(column) {
            Some(Value::Array(items)) => format!("[{} items]", items.len()),
            Some(Value::Object(map)) => format!("{{{} fields}}", map.len()),
            Some(other) => truncate(&cell_text(other), CELL),
            None => String::new(),
        }
    };
    let rows: Vec<Vec<String>> = docs
        .iter()
        .map(|doc| columns.iter().map(|c| cell(doc, c)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned()
    };
    writeln!(out, "{}", line(&columns))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out, "({} documents)", docs.len())
}

/// Maps a stdout failure to the command's failure.
pub fn check(result: io::Result<()>) -> Result<(), Failure> {
    result.map_err(|err| stdout_error(&err))
}

/// Whether a failure is the quiet end of a closed pipe.
pub fn is_closed_pipe(failure: &Failure) -> bool {
    failure.code == 0 && failure.message.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_what_needs_quoting_and_nests_as_json() {
        let docs = vec![
            json!({"id": "a", "score": 80, "note": "x, \"y\""}),
            json!({"id": "b", "contributors": {"hrv": 70}}),
        ];
        let mut out = Vec::new();
        write_all(&mut out, Format::Csv, &docs).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "id,score,note,contributors\na,80,\"x, \"\"y\"\"\",\nb,,,\"{\"\"hrv\"\":70}\"\n"
        );
    }

    #[test]
    fn csv_of_a_collection_has_the_model_header_and_guards_formulas() {
        let workout = oura::collection("workout").expect("workout");
        let docs = vec![
            json!({"id": "a", "label": "=1+1", "calories": -3.5}),
            json!({"id": "b", "brand_new": {"x": 1}}),
        ];
        let mut out = Vec::new();
        write_collection(&mut out, Format::Csv, workout, &docs).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        let mut lines = text.lines();
        let mut want: Vec<&str> = workout.fields.iter().map(|f| f.name).collect();
        want.push("_other");
        assert_eq!(lines.next(), Some(want.join(",").as_str()));
        let first = lines.next().expect("a row");
        assert!(first.contains("'=1+1") && first.contains("-3.5"), "{first}");
        let second = lines.next().expect("a row");
        assert!(second.ends_with(r#""{""brand_new"":{""x"":1}}""#), "{second}");
        let mut empty = Vec::new();
        write_collection(&mut empty, Format::Csv, workout, &[]).expect("write");
        assert_eq!(String::from_utf8(empty).expect("utf8").trim_end(), want.join(","));
    }

    #[test]
    fn tables_align_and_summarize_nested_values() {
        let docs = vec![json!({"id": "x", "score": 80, "items": [1, 2], "day": "2024-01-01"})];
        let mut out = Vec::new();
        write_all(&mut out, Format::Table, &docs).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "day         score  items      id\n2024-01-01  80     [2 items]  x\n(1 documents)\n"
        );
    }
}
