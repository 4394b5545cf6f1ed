//! Documents as Oura sent them: each one's JSON text inside its page's body, shared rather than
//! copied, with what identifies it and places it in time read once, in place.
//!
//! A page's body is validated once as JSON (and UTF-8) by `serde_json`, which also finds where
//! each document starts and ends. Each document is then walked once by a small scanner that
//! trusts that validation: it reads the top-level `id` and position field, skips every other
//! value without decoding it, and notes whether the text holds whitespace outside its strings.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

use crate::collections::Collection;
use crate::range::Position;

/// A document exactly as Oura sent it: its JSON text, not decoded, with its `id` and position
/// read from it ([`raw_pages_by_route`](crate::raw_pages_by_route) lists them).
///
/// Cloning is cheap: the documents of a page share its body.
#[derive(Clone)]
pub struct RawDocument {
    /// The page's body (valid JSON), or the document alone.
    body: Arc<Body>,
    /// Where the document's text is in `body`.
    text: Span,
    id: Option<Text>,
    position: Option<Text>,
    compact: bool,
}

/// A page's body, alone on its cache lines: its reference count is changed once per document
/// by the threads that read and write them, and sharing a line with other data made each
/// change several times slower.
#[repr(align(128))]
struct Body(String);

/// Where a text is in a body: two 32-bit offsets keep a document small (bodies past 4 GiB
/// give each document a body of its own).
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn new(range: Range<usize>) -> Option<Span> {
        Some(Span {
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
        })
    }

    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A string read from a document: where it is in the body, or its unescaped copy when it held
/// escapes.
#[derive(Clone)]
enum Text {
    In(Span),
    Owned(Box<str>),
}

impl RawDocument {
    /// The document of `collection` whose JSON text is `text`; an error when `text` is not one
    /// JSON value.
    pub fn new(collection: &Collection, text: impl Into<String>) -> serde_json::Result<RawDocument> {
        let text: String = text.into();
        serde_json::from_str::<IgnoredAny>(&text)?;
        // The value without the whitespace around it, as a page's documents are.
        let bytes = text.as_bytes();
        let start = bytes.iter().position(|b| !is_space(*b)).unwrap_or(0);
        let end = bytes.iter().rposition(|b| !is_space(*b)).map_or(start, |i| i + 1);
        let span = Span::new(start..end)
            .ok_or_else(|| <serde_json::Error as serde::de::Error>::custom("a document of 4 GiB or more"))?;
        Ok(RawDocument::read(Arc::new(Body(text)), span, collection.position))
    }

    /// The document at `text` in the validated `body`, its head read.
    fn read(body: Arc<Body>, text: Span, field: Option<&str>) -> RawDocument {
        let head = Scanner::head(body.0.as_bytes(), text.range(), field);
        RawDocument {
            body,
            text,
            id: head.id,
            position: head.position,
            compact: head.compact,
        }
    }

    /// The JSON text, as Oura sent it.
    pub fn text(&self) -> &str {
        self.str_at(self.text)
    }

    /// The `id`: a string's text (unescaped), another value (a number) as its JSON text; `None`
    /// when the document has none, it is `null`, or the document is not an object.
    pub fn id(&self) -> Option<&str> {
        self.id.as_ref().map(|id| self.text_of(id))
    }

    /// The text of the collection's position field (a day or an RFC 3339 instant), when it is a
    /// string.
    pub fn position_text(&self) -> Option<&str> {
        self.position.as_ref().map(|text| self.text_of(text))
    }

    /// Where the document lies in time: its position field, parsed ([`Position::parse`]).
    pub fn position(&self) -> Option<Position> {
        self.position_text().and_then(Position::parse)
    }

    /// Whether the text holds no whitespace outside its strings (Oura's answers hold none).
    pub fn is_compact(&self) -> bool {
        self.compact
    }

    /// The document decoded into `T` (a model of [`crate::models`], or a
    /// [`serde_json::Value`]).
    pub fn decode<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.text())
    }

    fn text_of<'a>(&'a self, text: &'a Text) -> &'a str {
        match text {
            Text::In(span) => self.str_at(*span),
            Text::Owned(owned) => owned,
        }
    }

    fn str_at(&self, span: Span) -> &str {
        // Every span starts and ends at an ASCII byte of the body (a quote, a bracket, a
        // digit...), so on a character boundary: never empty for want of one.
        self.body.0.get(span.range()).unwrap_or_default()
    }
}

impl fmt::Debug for RawDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawDocument").field(&self.text()).finish()
    }
}

impl PartialEq for RawDocument {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() && self.id() == other.id() && self.position_text() == other.position_text()
    }
}

impl AsRef<str> for RawDocument {
    fn as_ref(&self) -> &str {
        self.text()
    }
}

/// The documents of a page's `body` and its next token: the body validated once, each
/// document's text found in it, not copied, and its head read with the position in `field`.
/// On an error, the body is handed back with it.
pub(crate) fn page(
    body: Vec<u8>,
    field: Option<&str>,
) -> Result<crate::paginate::Wire<RawDocument>, (serde_json::Error, Vec<u8>)> {
    #[derive(Deserialize)]
    struct Wire<'a> {
        #[serde(borrow)]
        data: Vec<&'a RawValue>,
        #[serde(default)]
        next_token: Option<String>,
    }
    let body = match String::from_utf8(body) {
        Ok(text) => text,
        Err(err) => {
            let body = err.into_bytes();
            // serde_json names the place of the invalid UTF-8.
            let err = serde_json::from_slice::<IgnoredAny>(&body)
                .err()
                .unwrap_or_else(|| <serde_json::Error as serde::de::Error>::custom("invalid UTF-8"));
            return Err((err, body));
        }
    };
    let (spans, next_token) = match serde_json::from_str::<Wire<'_>>(&body) {
        Ok(wire) => {
            let base = body.as_ptr() as usize;
            let spans: Vec<Option<Span>> = wire
                .data
                .iter()
                .map(|raw| {
                    let text = raw.get();
                    let start = (text.as_ptr() as usize).checked_sub(base)?;
                    let end = start.checked_add(text.len()).filter(|end| *end <= body.len())?;
                    Span::new(start..end)
                })
                .collect();
            // serde_json borrows every document from the body, and bodies are far below 4 GiB:
            // a copy for each document is almost never needed.
            if spans.iter().any(Option::is_none) {
                let owned: Vec<String> = wire.data.iter().map(|raw| raw.get().to_owned()).collect();
                let next_token = wire.next_token;
                let docs: Option<Vec<RawDocument>> = owned
                    .into_iter()
                    .map(|text| {
                        let span = Span::new(0..text.len())?;
                        Some(RawDocument::read(Arc::new(Body(text)), span, field))
                    })
                    .collect();
                return match docs {
                    Some(data) => Ok(crate::paginate::Wire { data, next_token }),
                    None => Err((
                        <serde_json::Error as serde::de::Error>::custom("a document of 4 GiB or more"),
                        body.into_bytes(),
                    )),
                };
            }
            (spans.into_iter().flatten().collect::<Vec<_>>(), wire.next_token)
        }
        Err(err) => return Err((err, body.into_bytes())),
    };
    let body = Arc::new(Body(body));
    let data = spans
        .into_iter()
        .map(|span| RawDocument::read(Arc::clone(&body), span, field))
        .collect();
    Ok(crate::paginate::Wire { data, next_token })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// What [`Scanner::head`] reads.
#[derive(Default)]
struct Head {
    id: Option<Text>,
    position: Option<Text>,
    compact: bool,
}

/// Walks valid JSON text byte by byte. Every method returns `None` at text that is not what
/// valid JSON holds there (which validated text never is): the head read so far is kept.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    end: usize,
    spaced: bool,
}

/// Which of the keys a head reads a key is.
enum KeyOf {
    Id,
    Position,
    Other,
}

impl<'a> Scanner<'a> {
    /// The `id` and `field` of the object at `text` in `body` (the last of each when a key is
    /// given twice, as when decoding into a map), and whether the text is compact.
    fn head(body: &'a [u8], text: Range<usize>, field: Option<&str>) -> Head {
        let mut scanner = Scanner {
            bytes: body,
            at: text.start,
            end: text.end.min(body.len()),
            spaced: false,
        };
        let mut head = Head::default();
        let whole = scanner.object(field, &mut head).is_some() && scanner.at == scanner.end;
        // A text that was not walked to its end may hold whitespace: it is not called compact.
        head.compact = whole && !scanner.spaced;
        head
    }

    fn object(&mut self, field: Option<&str>, head: &mut Head) -> Option<()> {
        if self.peek()? != b'{' {
            // Not an object: no head; the rest is walked only to know whether it is compact.
            return self.value();
        }
        self.at += 1;
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            let which = self.key_of(key, field);
            self.space();
            self.expect(b':')?;
            self.space();
            let start = self.at;
            self.value()?;
            match which {
                KeyOf::Id => head.id = self.id_text(start..self.at),
                KeyOf::Position => head.position = self.string_text(start..self.at),
                KeyOf::Other => {}
            }
            self.space();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.space();
                }
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        (self.at < self.end).then(|| self.bytes[self.at])
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn space(&mut self) {
        while self.at < self.end && is_space(self.bytes[self.at]) {
            self.at += 1;
            self.spaced = true;
        }
    }

    /// At a string's opening quote: its whole text (quotes included); moves past it.
    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.at;
        self.expect(b'"')?;
        while self.at < self.end {
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(start..self.at);
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
        None
    }

    /// Moves past one value of any kind.
    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let mut depth = 0_usize;
                while let Some(byte) = self.peek() {
                    match byte {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        byte if is_space(byte) => self.spaced = true,
                        _ => {}
                    }
                    self.at += 1;
                }
                None
            }
            _ => {
                // A number, `true`, `false` or `null`: up to the next delimiter.
                let start = self.at;
                while let Some(byte) = self.peek() {
                    if matches!(byte, b',' | b'}' | b']') || is_space(byte) {
                        break;
                    }
                    self.at += 1;
                }
                (self.at > start).then_some(())
            }
        }
    }

    fn key_of(&self, key: Range<usize>, field: Option<&str>) -> KeyOf {
        let quoted = &self.bytes[key.clone()];
        let inner = &quoted[1..quoted.len() - 1];
        let unescaped;
        let name: &[u8] = if inner.contains(&b'\\') {
            unescaped = unescape(quoted).unwrap_or_default();
            unescaped.as_bytes()
        } else {
            inner
        };
        if name == b"id" {
            KeyOf::Id
        } else if field.is_some_and(|field| field.as_bytes() == name) {
            KeyOf::Position
        } else {
            KeyOf::Other
        }
    }

    /// An `id` value: a string's text, `null` none, anything else its JSON text.
    fn id_text(&self, value: Range<usize>) -> Option<Text> {
        match &self.bytes[value.clone()] {
            b"null" => None,
            [b'"', ..] => self.string_text(value),
            _ => Span::new(value).map(Text::In),
        }
    }

    /// A string value's text, unescaped; any other value none.
    fn string_text(&self, value: Range<usize>) -> Option<Text> {
        let quoted = &self.bytes[value.clone()];
        if quoted.first() != Some(&b'"') || quoted.len() < 2 {
            return None;
        }
        if quoted.contains(&b'\\') {
            unescape(quoted).map(|text| Text::Owned(text.into_boxed_str()))
        } else {
            Span::new(value.start + 1..value.end - 1).map(Text::In)
        }
    }
}

/// The text of a JSON string (quotes included) that holds escapes.
fn unescape(quoted: &[u8]) -> Option<String> {
    serde_json::from_slice(quoted).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(route: &str, text: &str) -> RawDocument {
        RawDocument::new(crate::collection(route).expect("collection"), text).expect("json")
    }

    fn head(route: &str, text: &str) -> (Option<String>, Option<String>) {
        let doc = doc(route, text);
        (doc.id().map(str::to_owned), doc.position_text().map(str::to_owned))
    }

    #[test]
    fn the_head_is_read_without_decoding_the_rest() {
        let some = |id: &str, at: &str| (Some(id.to_owned()), Some(at.to_owned()));
        // Nested values (holding an `id` and a `day` of their own) are skipped, not read.
        assert_eq!(
            head(
                "daily_sleep",
                r#"{"contributors":{"id":"inner","day":"1999-01-01"},"list":[{"id":1},"]"],"id":"x","day":"2024-01-31"}"#
            ),
            some("x", "2024-01-31")
        );
        // Escapes are decoded, in values and in keys; a numeric id is its JSON text; the
        // position is the row's field.
        assert_eq!(
            head("enhanced_tag", r#"{"id":"a\"b","day":"no","start_day":"2024-02-29"}"#),
            some("a\"b", "2024-02-29")
        );
        assert_eq!(
            head("daily_sleep", r#"{"\u0069d":"esc","d\u0061y":"2024-01-0\u0031"}"#),
            some("esc", "2024-01-01")
        );
        assert_eq!(
            head("daily_sleep", r#"{"id":17,"day":"2024-01-31"}"#),
            some("17", "2024-01-31")
        );
        assert_eq!(
            head("daily_sleep", r#"{"id":-1.5e3,"day":"2024-01-31"}"#),
            some("-1.5e3", "2024-01-31")
        );
        // A time series sample has no id; a position that is not a string is none.
        assert_eq!(
            head("heartrate", r#"{"bpm":60,"timestamp":"2024-01-31T10:00:00+00:00"}"#),
            (None, Some("2024-01-31T10:00:00+00:00".to_owned()))
        );
        assert_eq!(head("daily_sleep", r#"{"id":null,"day":20240131}"#), (None, None));
        assert_eq!(
            head("daily_sleep", r#"{"id":true,"day":["2024-01-31"]}"#),
            (Some("true".into()), None)
        );
        assert_eq!(
            head("ring_configuration", r#"{"id":"r","day":"2024-01-31"}"#),
            (Some("r".into()), None)
        );
        assert_eq!(head("daily_sleep", "{}"), (None, None));
        // Not an object: nothing, never a panic.
        assert_eq!(head("daily_sleep", "[1,2]"), (None, None));
        assert_eq!(head("daily_sleep", r#""text""#), (None, None));
        assert_eq!(head("daily_sleep", "17"), (None, None));
        // A key given twice: the last wins, as when decoding into a map.
        assert_eq!(head("daily_sleep", r#"{"id":"a","id":"b"}"#), (Some("b".into()), None));
    }

    #[test]
    fn whitespace_outside_strings_is_noticed_and_inside_them_is_not() {
        let compact = |text: &str| doc("daily_sleep", text).is_compact();
        assert!(compact(r#"{"id":"a b","day":"2024-01-31","n":[1,{"x":" "}]}"#));
        assert!(compact("[]"));
        for spaced in [
            r#"{ "id":"a"}"#,
            r#"{"id" :"a"}"#,
            r#"{"id": "a"}"#,
            r#"{"id":"a" ,"n":1}"#,
            r#"{"id":"a","n":[1, 2]}"#,
            r#"{"id":"a","n":{"x":1 }}"#,
            "{\"id\":\"a\",\n\"n\":1}",
            "[1,\t2]",
        ] {
            assert!(!compact(spaced), "{spaced}");
        }
        // The whitespace around a value is not part of it.
        let padded = doc("daily_sleep", "  {\"id\":\"a\"}\n");
        assert_eq!(padded.text(), r#"{"id":"a"}"#);
        assert!(padded.is_compact());
    }

    #[test]
    fn a_page_shares_its_body_and_reads_every_head_once() {
        let body =
            br#"{"data":[{"id":"a","day":"2024-01-01"}, {"day":"2024-01-02","id":"b\n"},{"x":1}],"next_token":"t"}"#;
        let read = page(body.to_vec(), Some("day")).expect("page");
        assert_eq!(read.next_token.as_deref(), Some("t"));
        let docs = read.data;
        let seen: Vec<(&str, Option<&str>, Option<Position>)> =
            docs.iter().map(|d| (d.text(), d.id(), d.position())).collect();
        let day = |d: &str| Some(Position::Day(crate::parse_date(d).expect("day")));
        assert_eq!(
            seen,
            vec![
                (r#"{"id":"a","day":"2024-01-01"}"#, Some("a"), day("2024-01-01")),
                (r#"{"day":"2024-01-02","id":"b\n"}"#, Some("b\n"), day("2024-01-02")),
                (r#"{"x":1}"#, None, None),
            ]
        );
        // The texts are slices of one body, not copies.
        let range = docs[0].body.0.as_bytes().as_ptr_range();
        assert!(docs.iter().all(|d| range.contains(&d.text().as_ptr())));
        assert!(docs.iter().all(|d| Arc::ptr_eq(&d.body, &docs[0].body)));
        let typed: serde_json::Value = docs[1].decode().expect("decode");
        assert_eq!(typed["id"], "b\n");

        for bad in [
            &b"{\"data\":[{\"id\":}]}"[..],
            b"{\"data\":[1,]}",
            b"{\"data\":[\"\xff\"]}",
            b"[]",
        ] {
            let (_, back) = page(bad.to_vec(), Some("day")).expect_err("not a page");
            // The body comes back whole, for the error's snippet.
            assert_eq!(back, bad);
        }
    }
}
