//! CSV text: fields quoted as RFC 4180 says, cells guarded against spreadsheet formulas, and a
//! reader for files written earlier.
//!
//! # Formula guard
//! A spreadsheet opening a CSV file runs a cell that begins with `=`, `+`, `-` or `@` (and, in
//! some programs, a tab or carriage return) as a formula. Following OWASP's advice on CSV
//! injection, a text cell that begins with one of these characters is written with a leading
//! `'`, which spreadsheets show as text. Numbers are never guarded (`-3` stays a number), nor
//! nested values (compact JSON starts with `{` or `[`). The guard is on by default; turn it off
//! with [`CsvOptions::guard`] when the files are read by programs, not spreadsheets.

use serde_json::Value;

/// How CSV cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Prefix text cells that a spreadsheet would run as a formula with `'` (default: on).
    pub guard: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { guard: true }
    }
}

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a spreadsheet shows it as text: with a leading `'` when it begins like a formula.
pub fn guard_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// One CSV field, quoted when needed (RFC 4180).
pub(crate) fn field(text: &str, out: &mut String) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The text of a JSON value as a cell: strings as they are (guarded when `guard`), `null`
/// empty, other values as compact JSON.
pub(crate) fn cell(value: &Value, options: CsvOptions) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) if options.guard => guard_cell(text).into_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One record from cells, without the line end.
pub(crate) fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(cell.as_ref(), &mut out);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formulas_are_guarded_numbers_and_json_are_not() {
        let on = CsvOptions::default();
        for text in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(&json!(text), on), format!("'{text}"), "{text:?}");
        }
        assert_eq!(cell(&json!("walking"), on), "walking");
        assert_eq!(cell(&json!(-3), on), "-3");
        assert_eq!(cell(&json!({"a": "=x"}), on), r#"{"a":"=x"}"#);
        assert_eq!(cell(&json!("=1+1"), CsvOptions { guard: false }), "=1+1");
    }

    #[test]
    fn records_quote_and_parse_back() {
        let line = record(&["a", "x, \"y\"", "line\nend", ""]);
        assert_eq!(line, "a,\"x, \"\"y\"\"\",\"line\nend\",");
        assert_eq!(
            parse_csv(&format!("h1,h2,h3,h4\n{line}\n")),
            vec![vec!["h1", "h2", "h3", "h4"], vec!["a", "x, \"y\"", "line\nend", ""]]
        );
    }
}
