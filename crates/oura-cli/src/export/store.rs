//! The export files: each flush merges a batch of documents into a collection's file, writing
//! a temporary file in the same directory and renaming it over the old one, so the file on disk
//! is always complete. A document whose key (id, else position) is already in the file is
//! replaced in place when it changed and kept when it did not: no document is written twice.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead as _, BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::catalog::{self, Collection, Keyed as _, cell_text};
use crate::output::{columns, csv_field, csv_record};

/// The format of the export files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// One JSON document per line.
    Ndjson,
    /// A header row and one row per document; nested values as JSON.
    Csv,
}

impl FileFormat {
    /// The file name of a collection.
    pub fn file_name(self, collection: &Collection) -> String {
        match self {
            FileFormat::Ndjson => format!("{}.ndjson", collection.route),
            FileFormat::Csv => format!("{}.csv", collection.route),
        }
    }
}

/// What one merge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Documents not in the file before.
    pub added: u64,
    /// Documents in the file before whose content changed.
    pub updated: u64,
    /// Documents fetched again, unchanged.
    pub unchanged: u64,
    /// Documents in the file after.
    pub total: u64,
}

/// One document ready for a file: its key, its position, and its line (NDJSON) or the document
/// itself (CSV, whose columns are known only with the whole batch). Made by the fetching tasks,
/// in parallel, so the writer only writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The document's identity (see [`Keyed::key_of`](crate::catalog::Keyed::key_of)).
    pub key: String,
    /// Where it lies in time, as Oura wrote it.
    pub position: Option<String>,
    /// What is written.
    pub payload: Payload,
}

/// What a row writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// The compact JSON line.
    Line(String),
    /// The document, for CSV.
    Doc(Value),
}

impl Row {
    /// The row of `doc` for `format`.
    pub fn new(collection: &Collection, format: FileFormat, doc: Value) -> Row {
        let key = collection.key_of(&doc);
        let position = collection.position_of(&doc).map(str::to_owned);
        let payload = match format {
            FileFormat::Ndjson => Payload::Line(doc.to_string()),
            FileFormat::Csv => Payload::Doc(doc),
        };
        Row { key, position, payload }
    }
}

/// The temporary files of this tool start with this (after a dot).
pub const TMP_MARK: &str = ".oura-tmp-";

/// Removes temporary files an interrupted run left in `dir`.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().contains(TMP_MARK) {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Merges `batch` (in order) into `dir/file_name`.
///
/// With `append`, the caller knows that no row can already be in the file (every position is
/// later than the file's last): the old bytes are copied without being read as documents.
pub fn merge(
    dir: &Path,
    file_name: &str,
    format: FileFormat,
    collection: &Collection,
    batch: Vec<Row>,
    append: bool,
) -> io::Result<Merged> {
    let path = dir.join(file_name);
    let tmp = dir.join(format!(".{file_name}{TMP_MARK}{}", std::process::id()));
    let result = match format {
        FileFormat::Ndjson if append => append_ndjson(&path, &tmp, batch),
        FileFormat::Ndjson => merge_ndjson(&path, &tmp, collection, batch),
        FileFormat::Csv => merge_csv(&path, &tmp, collection, batch),
    };
    match result {
        Ok(merged) => {
            fs::rename(&tmp, &path)?;
            Ok(merged)
        }
        Err(err) => {
            let _ = fs::remove_file(&tmp);
            Err(err)
        }
    }
}

/// The batch's rows by key; a key seen twice keeps its last version at its first place.
struct Batch {
    rows: Vec<(String, String)>,
    index: HashMap<String, usize>,
    used: Vec<bool>,
}

impl Batch {
    fn new(rows: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut batch = Batch {
            rows: Vec::new(),
            index: HashMap::new(),
            used: Vec::new(),
        };
        for (key, row) in rows {
            match batch.index.get(&key) {
                Some(&i) => batch.rows[i].1 = row,
                None => {
                    batch.index.insert(key.clone(), batch.rows.len());
                    batch.rows.push((key, row));
                    batch.used.push(false);
                }
            }
        }
        batch
    }

    /// The row that replaces an old row with this key, once.
    fn take(&mut self, key: &str) -> Option<&str> {
        let &i = self.index.get(key)?;
        if self.used[i] {
            return None;
        }
        self.used[i] = true;
        Some(&self.rows[i].1)
    }

    fn remaining(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|((_, row), _)| row.as_str())
    }
}

fn create(tmp: &PathBuf) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(1 << 16, File::create(tmp)?))
}

fn finish(out: BufWriter<File>) -> io::Result<()> {
    let file = out.into_inner().map_err(|err| err.into_error())?;
    file.sync_all()
}

/// Just enough of a document to know its key.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    start_day: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

fn line_key(line: &str, collection: &Collection) -> String {
    let Ok(probe) = serde_json::from_str::<Probe>(line) else {
        return catalog::key("", "", || line.to_owned());
    };
    let id = probe.id.as_ref().map(cell_text).unwrap_or_default();
    let position = match collection.position {
        Some("day") => probe.day,
        Some("start_day") => probe.start_day,
        Some("timestamp") => probe.timestamp,
        _ => None,
    };
    catalog::key(&id, position.as_deref().unwrap_or_default(), || line.to_owned())
}

/// Copies the old file as bytes and appends the rows (deduplicated among themselves).
fn append_ndjson(path: &Path, tmp: &PathBuf, batch: Vec<Row>) -> io::Result<Merged> {
    let batch = Batch::new(batch.into_iter().map(|row| {
        let line = match row.payload {
            Payload::Line(line) => line,
            Payload::Doc(doc) => doc.to_string(),
        };
        (row.key, line)
    }));
    let mut merged = Merged::default();
    let mut out = create(tmp)?;
    match File::open(path) {
        Ok(mut file) => {
            io::copy(&mut file, &mut out)?;
            merged.total = count_lines(path)?;
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    for row in batch.remaining() {
        out.write_all(row.as_bytes())?;
        out.write_all(b"\n")?;
        merged.added += 1;
        merged.total += 1;
    }
    finish(out)?;
    Ok(merged)
}

/// Lines in a file.
fn count_lines(path: &Path) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut lines = 0;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(lines);
        }
        lines += buffer.iter().filter(|&&b| b == b'\n').count() as u64;
        let used = buffer.len();
        reader.consume(used);
    }
}

fn merge_ndjson(path: &Path, tmp: &PathBuf, collection: &Collection, batch: Vec<Row>) -> io::Result<Merged> {
    let mut batch = Batch::new(batch.into_iter().map(|row| {
        let line = match row.payload {
            Payload::Line(line) => line,
            Payload::Doc(doc) => doc.to_string(),
        };
        (row.key, line)
    }));
    let mut merged = Merged::default();
    let mut out = create(tmp)?;
    match File::open(path) {
        Ok(file) => {
            for line in BufReader::with_capacity(1 << 16, file).lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let key = line_key(&line, collection);
                let row = match batch.take(&key) {
                    Some(new) if new == line => {
                        merged.unchanged += 1;
                        line.as_str()
                    }
                    Some(new) => {
                        merged.updated += 1;
                        new
                    }
                    None => line.as_str(),
                };
                out.write_all(row.as_bytes())?;
                out.write_all(b"\n")?;
                merged.total += 1;
            }
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    for row in batch.remaining() {
        out.write_all(row.as_bytes())?;
        out.write_all(b"\n")?;
        merged.added += 1;
        merged.total += 1;
    }
    finish(out)?;
    Ok(merged)
}

/// Parses CSV text (RFC 4180: quoted fields may hold commas, quotes and line ends).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
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
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                any = false;
            }
            other => field.push(other),
        }
    }
    if any {
        record.push(field);
        records.push(record);
    }
    records
}

fn merge_csv(path: &Path, tmp: &PathBuf, collection: &Collection, batch: Vec<Row>) -> io::Result<Merged> {
    let docs: Vec<(String, Value)> = batch
        .into_iter()
        .map(|row| {
            let doc = match row.payload {
                Payload::Doc(doc) => doc,
                Payload::Line(line) => serde_json::from_str(&line).unwrap_or(Value::Null),
            };
            (row.key, doc)
        })
        .collect();
    let old = match fs::read_to_string(path) {
        Ok(text) => parse_csv(&text),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(err),
    };
    let mut records = old.into_iter();
    let mut header: Vec<String> = records.next().unwrap_or_default();
    for column in columns(docs.iter().map(|(_, doc)| doc)) {
        if !header.contains(&column) {
            header.push(column);
        }
    }
    let at = |name: Option<&str>| name.and_then(|name| header.iter().position(|c| c == name));
    let (id_at, position_at) = (at(Some("id")), at(collection.position));
    let encode = |fields: &[String]| -> String {
        let cells: Vec<String> = (0..header.len())
            .map(|i| csv_field(fields.get(i).map(String::as_str).unwrap_or_default()))
            .collect();
        cells.join(",")
    };
    let mut batch = Batch::new(docs.iter().map(|(key, doc)| (key.clone(), csv_record(doc, &header))));
    let mut merged = Merged::default();
    let mut out = create(tmp)?;
    if !header.is_empty() {
        let names: Vec<String> = header.iter().map(|c| csv_field(c)).collect();
        writeln!(out, "{}", names.join(","))?;
    }
    for fields in records {
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let line = encode(&fields);
        let field = |at: Option<usize>| at.and_then(|i| fields.get(i)).map(String::as_str).unwrap_or_default();
        let key = catalog::key(field(id_at), field(position_at), || line.clone());
        let row = match batch.take(&key) {
            Some(new) if new == line => {
                merged.unchanged += 1;
                line.as_str()
            }
            Some(new) => {
                merged.updated += 1;
                new
            }
            None => line.as_str(),
        };
        writeln!(out, "{row}")?;
        merged.total += 1;
    }
    for row in batch.remaining() {
        writeln!(out, "{row}")?;
        merged.added += 1;
        merged.total += 1;
    }
    finish(out)?;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::find;
    use serde_json::json;

    fn rows(collection: &Collection, format: FileFormat, docs: &[Value]) -> Vec<Row> {
        docs.iter()
            .map(|doc| Row::new(collection, format, doc.clone()))
            .collect()
    }

    #[test]
    fn ndjson_merges_add_new_replace_changed_and_keep_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sleep = find("sleep").expect("sleep");
        let first = [
            json!({"id": "a", "day": "2024-01-01", "score": 1}),
            json!({"id": "b", "day": "2024-01-02", "score": 2}),
        ];
        let merged = merge(
            dir.path(),
            "sleep.ndjson",
            FileFormat::Ndjson,
            &sleep,
            rows(&sleep, FileFormat::Ndjson, &first),
            false,
        )
        .expect("merge");
        assert_eq!(
            merged,
            Merged {
                added: 2,
                updated: 0,
                unchanged: 0,
                total: 2
            }
        );
        let second = [
            json!({"id": "b", "day": "2024-01-02", "score": 3}),
            json!({"id": "a", "day": "2024-01-01", "score": 1}),
            json!({"id": "c", "day": "2024-01-03", "score": 4}),
        ];
        let merged = merge(
            dir.path(),
            "sleep.ndjson",
            FileFormat::Ndjson,
            &sleep,
            rows(&sleep, FileFormat::Ndjson, &second),
            false,
        )
        .expect("merge");
        assert_eq!(
            merged,
            Merged {
                added: 1,
                updated: 1,
                unchanged: 1,
                total: 3
            }
        );
        let text = fs::read_to_string(dir.path().join("sleep.ndjson")).expect("read");
        assert_eq!(
            text,
            "{\"id\":\"a\",\"day\":\"2024-01-01\",\"score\":1}\n{\"id\":\"b\",\"day\":\"2024-01-02\",\"score\":3}\n{\"id\":\"c\",\"day\":\"2024-01-03\",\"score\":4}\n"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left");
    }

    #[test]
    fn csv_merges_by_key_and_widen_the_header_for_new_columns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let heartrate = find("heartrate").expect("heartrate");
        let first = [json!({"bpm": 60, "timestamp": "2024-01-01T00:00:00+00:00"})];
        merge(
            dir.path(),
            "hr.csv",
            FileFormat::Csv,
            &heartrate,
            rows(&heartrate, FileFormat::Csv, &first),
            false,
        )
        .expect("merge");
        let second = [
            json!({"bpm": 60, "timestamp": "2024-01-01T00:00:00+00:00"}),
            json!({"bpm": 61, "source": "rest, \"awake\"", "timestamp": "2024-01-01T00:05:00+00:00"}),
        ];
        let merged = merge(
            dir.path(),
            "hr.csv",
            FileFormat::Csv,
            &heartrate,
            rows(&heartrate, FileFormat::Csv, &second),
            false,
        )
        .expect("merge");
        assert_eq!(
            merged,
            Merged {
                added: 1,
                updated: 0,
                unchanged: 1,
                total: 2
            }
        );
        let text = fs::read_to_string(dir.path().join("hr.csv")).expect("read");
        assert_eq!(
            text,
            "bpm,timestamp,source\n60,2024-01-01T00:00:00+00:00,\n61,2024-01-01T00:05:00+00:00,\"rest, \"\"awake\"\"\"\n"
        );
        assert_eq!(parse_csv(&text)[2][2], "rest, \"awake\"");
    }

    #[test]
    fn appending_copies_the_old_file_and_counts_its_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let heartrate = find("heartrate").expect("heartrate");
        let sample = |minute: u32| json!({"bpm": 60, "timestamp": format!("2024-01-01T00:{minute:02}:00+00:00")});
        let first = [sample(0), sample(5)];
        let merged = merge(
            dir.path(),
            "hr.ndjson",
            FileFormat::Ndjson,
            &heartrate,
            rows(&heartrate, FileFormat::Ndjson, &first),
            true,
        )
        .expect("append");
        assert_eq!(
            merged,
            Merged {
                added: 2,
                updated: 0,
                unchanged: 0,
                total: 2
            }
        );
        let second = [sample(10), sample(10)];
        let merged = merge(
            dir.path(),
            "hr.ndjson",
            FileFormat::Ndjson,
            &heartrate,
            rows(&heartrate, FileFormat::Ndjson, &second),
            true,
        )
        .expect("append");
        assert_eq!(
            merged,
            Merged {
                added: 1,
                updated: 0,
                unchanged: 0,
                total: 3
            }
        );
        let text = fs::read_to_string(dir.path().join("hr.ndjson")).expect("read");
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.ends_with("\"timestamp\":\"2024-01-01T00:10:00+00:00\"}\n"),
            "{text}"
        );
    }
}
