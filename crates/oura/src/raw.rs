//! Documents as Oura sent them: each one's JSON text inside its page's body, shared rather than
//! copied, with what identifies it and places it in time read once, in place.
//!
//! A page's body is read in one pass ([`Parser`]): it is checked as JSON the way `serde_json`
//! checks it (UTF-8, strings and their escapes, numbers, nesting), each document's place in
//! the body is noted, its top-level `id` and position field are read, and whether it holds
//! whitespace outside its strings. Nothing else is decoded.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::collections::Collection;
use crate::range::Position;

/// A document exactly as Oura sent it: its JSON text, not decoded, with its `id` and position
/// read from it ([`raw_pages_by_route`](crate::raw_pages_by_route) lists them).
///
/// Cloning is cheap: the documents of a page share its body.
#[derive(Clone)]
pub struct RawDocument {
    /// The page's body (valid JSON), or the document alone, followed by the unescaped texts of
    /// the ids and positions that held escapes (rare: Oura writes them plain).
    body: Arc<Body>,
    /// Where the document's text is in `body`.
    text: Span,
    /// Where its id's and position's texts are in `body`, or [`Span::NONE`]: spans, not
    /// `Option`s of them or owned strings, keep a document in 40 bytes (a page of 10,000
    /// holds 400 KB of them).
    id: Span,
    position: Span,
    compact: bool,
}

/// A page's body, alone on its cache lines: its reference count is changed once per document
/// by the threads that read and write them, and sharing a line with other data made each
/// change several times slower.
#[repr(align(128))]
struct Body(String);

/// Where a text is in a body: two 32-bit offsets keep a document small (a page of 4 GiB or
/// more, far past any response limit a client would set, is refused).
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// No text: a span that ends before it starts, which no text has.
    const NONE: Span = Span { start: 1, end: 0 };

    fn new(range: Range<usize>) -> Option<Span> {
        Some(Span {
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
        })
    }

    #[inline]
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl RawDocument {
    /// The document of `collection` whose JSON text is `text`; an error when `text` is not one
    /// JSON value.
    pub fn new(collection: &Collection, text: impl Into<String>) -> serde_json::Result<RawDocument> {
        let mut text: String = text.into();
        let (span, head, unescaped) = read_one(collection, &text)?;
        text.push_str(&unescaped);
        Ok(RawDocument::with(Arc::new(Body(text)), span, head))
    }

    fn with(body: Arc<Body>, text: Span, head: Head) -> RawDocument {
        RawDocument {
            body,
            text,
            id: head.id,
            position: head.position,
            compact: head.compact,
        }
    }

    /// The JSON text, as Oura sent it.
    #[inline]
    pub fn text(&self) -> &str {
        self.str_at(self.text)
    }

    /// The `id`: a string's text (unescaped), another value (a number) as its JSON text; `None`
    /// when the document has none, it is `null`, or the document is not an object.
    #[inline]
    pub fn id(&self) -> Option<&str> {
        self.text_of(self.id)
    }

    /// The text of the collection's position field (a day or an RFC 3339 instant), when it is a
    /// string.
    #[inline]
    pub fn position_text(&self) -> Option<&str> {
        self.text_of(self.position)
    }

    /// Where the document lies in time: its position field, parsed ([`Position::parse`]).
    pub fn position(&self) -> Option<Position> {
        self.position_text().and_then(Position::parse)
    }

    /// Whether the text holds no whitespace outside its strings (Oura's answers hold none).
    #[inline]
    pub fn is_compact(&self) -> bool {
        self.compact
    }

    /// The text without whitespace outside its strings: the text itself when it is compact
    /// ([`is_compact`](Self::is_compact)), else a copy without it.
    pub fn compact_text(&self) -> Cow<'_, str> {
        let text = self.text();
        if self.compact {
            return Cow::Borrowed(text);
        }
        Cow::Owned(without_space(text))
    }

    /// The document decoded into `T` (a model of [`crate::models`], or a
    /// [`serde_json::Value`]).
    pub fn decode<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.text())
    }

    #[inline]
    fn text_of(&self, span: Span) -> Option<&str> {
        (span.start <= span.end).then(|| self.str_at(span))
    }

    #[inline]
    fn str_at(&self, span: Span) -> &str {
        // Every span starts and ends at an ASCII byte of the body (a quote, a bracket, a
        // digit...), so on a character boundary: never empty for want of one.
        self.body.0.get(span.range()).unwrap_or_default()
    }
}

/// The `id` and position of a document's JSON text, read in place by the reader that makes
/// [`RawDocument`]s (the same text has the same head), without copying the text: for texts read
/// one after another, such as the lines of a file, where a [`RawDocument`] of each would cost a
/// copy and an allocation.
///
/// ```
/// let sleep = oura::collection("daily_sleep").expect("a collection");
/// let line = r#"{"id":"a1","day":"2024-01-31","score":80}"#;
/// let head = oura::DocumentHead::read(sleep, line)?;
/// assert_eq!(head.id(), Some("a1"));
/// assert_eq!(head.position_text(), Some("2024-01-31"));
/// assert_eq!(head.text(), line);
/// // Not one JSON value: an error, as for a `RawDocument`.
/// assert!(oura::DocumentHead::read(sleep, r#"{"id":"a1""#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentHead<'a> {
    text: &'a str,
    id: Option<Cow<'a, str>>,
    position: Option<Cow<'a, str>>,
    compact: bool,
}

impl<'a> DocumentHead<'a> {
    /// The head of `text`, a document of `collection`; an error when `text` is not one JSON
    /// value (as [`RawDocument::new`]).
    pub fn read(collection: &Collection, text: &'a str) -> serde_json::Result<DocumentHead<'a>> {
        let (span, head, unescaped) = read_one(collection, text)?;
        // A span past the text points into the unescaped texts that follow it.
        let at = |span: Span| -> Option<Cow<'a, str>> {
            if span.start > span.end {
                return None;
            }
            let range = span.range();
            match range.start.checked_sub(text.len()) {
                None => text.get(range).map(Cow::Borrowed),
                Some(start) => unescaped
                    .get(start..range.end - text.len())
                    .map(|s| Cow::Owned(s.to_owned())),
            }
        };
        Ok(DocumentHead {
            text: text.get(span.range()).unwrap_or_default(),
            id: at(head.id),
            position: at(head.position),
            compact: head.compact,
        })
    }

    /// The document's JSON text (without the whitespace around it).
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The `id`, as [`RawDocument::id`] reads it.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The text of the position field, as [`RawDocument::position_text`] reads it.
    pub fn position_text(&self) -> Option<&str> {
        self.position.as_deref()
    }

    /// Where the document lies in time: its position field, parsed ([`Position::parse`]).
    pub fn position(&self) -> Option<Position> {
        self.position_text().and_then(Position::parse)
    }

    /// Whether the text holds no whitespace outside its strings ([`RawDocument::is_compact`]).
    #[inline]
    pub fn is_compact(&self) -> bool {
        self.compact
    }
}

/// One document of `collection` in `text` (whitespace around it allowed): where it is, its
/// head, and the unescaped texts its head's spans past `text` point into.
fn read_one(collection: &Collection, text: &str) -> serde_json::Result<(Span, Head, String)> {
    let mut parser = Parser::new(text.as_bytes());
    parser.space();
    let (span, head) = parser.document(collection.position)?;
    parser.space();
    parser.end()?;
    let span = Span::new(span).ok_or_else(|| fail("a document of 4 GiB or more"))?;
    Ok((span, head, parser.unescaped))
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

/// The documents of a page's `body` and its next token: the body checked once, each
/// document's text found in it, not copied, and its head read with the position in `field`.
/// `expected`: how many documents the page likely holds (the previous page's number; 0 when
/// unknown), the room its vector is made with. On an error, the body is handed back with it.
pub(crate) fn page(
    body: Vec<u8>,
    field: Option<&str>,
    expected: usize,
) -> Result<crate::paginate::Wire<RawDocument>, (serde_json::Error, Vec<u8>)> {
    let body = match String::from_utf8(body) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            return Err((fail(&format!("invalid UTF-8 at byte {at}")), err.into_bytes()));
        }
    };
    // The documents are made as they are read, sharing the body already; when a head held
    // escapes (rare: Oura writes ids and positions plain), its unescaped text must follow the
    // body, so the page is read again, its heads first and its documents after.
    let body = Arc::new(Body(body));
    // No more room than the body could hold documents: `{}` and a comma each.
    let mut data = Vec::with_capacity(expected.min(body.0.len() / 3));
    let read = Parser::new(body.0.as_bytes()).page(field, |span, head| {
        data.push(RawDocument::with(Arc::clone(&body), span, head));
    });
    let failed = match read {
        Ok((next_token, unescaped)) if unescaped.is_empty() => {
            // Room a shorter page (a window's last) did not use is given back.
            data.shrink_to_fit();
            return Ok(crate::paginate::Wire { data, next_token });
        }
        Ok(_) => None,
        Err(err) => Some(err),
    };
    drop(data);
    // Nothing shares the body any more.
    let mut text = Arc::try_unwrap(body).map_or_else(|shared| shared.0.clone(), |body| body.0);
    if let Some(err) = failed {
        return Err((err, text.into_bytes()));
    }
    let mut heads = Vec::new();
    let read = Parser::new(text.as_bytes()).page(field, |span, head| heads.push((span, head)));
    let (next_token, unescaped) = match read {
        Ok(read) => read,
        Err(err) => return Err((err, text.into_bytes())),
    };
    text.push_str(&unescaped);
    let body = Arc::new(Body(text));
    let data = heads
        .into_iter()
        .map(|(span, head)| RawDocument::with(Arc::clone(&body), span, head))
        .collect();
    Ok(crate::paginate::Wire { data, next_token })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// JSON text without the whitespace outside its strings.
fn without_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c.is_ascii() && is_space(c as u8) {
            continue;
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

fn fail(what: &str) -> serde_json::Error {
    <serde_json::Error as serde::de::Error>::custom(what)
}

/// What a document's walk reads: its `id` and position field (the last of each when a key is
/// given twice, as when decoding into a map), and whether it is compact.
struct Head {
    id: Span,
    position: Span,
    compact: bool,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            id: Span::NONE,
            position: Span::NONE,
            compact: false,
        }
    }
}

/// Which of the keys a head reads a key is.
enum KeyOf {
    Id,
    Position,
    Other,
}

/// Reads JSON text byte by byte, accepting what `serde_json` accepts.
struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Whitespace was skipped (reset at each document).
    spaced: bool,
    /// The objects (`{`) and arrays (`[`) open around the value being read.
    open: Vec<u8>,
    /// The unescaped texts of ids and positions that held escapes, to follow the bytes in the
    /// body (their spans count from the end of the bytes).
    unescaped: String,
}

type Read<T> = serde_json::Result<T>;

/// A page's next token, and the unescaped texts the heads' spans past the page's bytes point
/// into.
type PageRead = (Option<String>, String);

impl<'a> Parser<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Parser {
            bytes,
            at: 0,
            spaced: false,
            open: Vec::new(),
            unescaped: String::new(),
        }
    }

    #[cold]
    #[inline(never)]
    fn fail<T>(&self, what: &str) -> Read<T> {
        Err(fail(&format!("{what} at byte {}", self.at)))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8, what: &str) -> Read<()> {
        if self.eat(byte) { Ok(()) } else { self.fail(what) }
    }

    fn space(&mut self) {
        while let Some(b) = self.peek() {
            if !is_space(b) {
                break;
            }
            self.at += 1;
            self.spaced = true;
        }
    }

    /// After a member of an object or array: `true` past its `close`, `false` past a `,` and
    /// the whitespace after it.
    fn next_or_close(&mut self, close: u8) -> Read<bool> {
        self.space();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                self.space();
                Ok(false)
            }
            Some(byte) if byte == close => {
                self.at += 1;
                Ok(true)
            }
            _ => self.fail(if close == b'}' {
                "expected `,` or `}`"
            } else {
                "expected `,` or `]`"
            }),
        }
    }

    fn end(&self) -> Read<()> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            self.fail("trailing characters")
        }
    }

    /// A page: an object whose `data` is an array of documents (each handed to `doc` with its
    /// place and head) and whose `next_token`, if any, a string or null; other keys are skipped.
    fn page(mut self, field: Option<&str>, mut doc: impl FnMut(Span, Head)) -> Read<PageRead> {
        self.space();
        self.expect(b'{', "expected a page object")?;
        self.space();
        let mut seen_data = false;
        let mut next_token = None;
        let mut seen_token = false;
        if !self.eat(b'}') {
            loop {
                let key = self.string()?;
                let name = self.text(key.clone())?;
                self.space();
                self.expect(b':', "expected `:`")?;
                self.space();
                match &*name {
                    "data" if seen_data => return self.fail("duplicate field `data`"),
                    "data" => {
                        seen_data = true;
                        self.documents(field, &mut doc)?;
                    }
                    "next_token" if seen_token => return self.fail("duplicate field `next_token`"),
                    "next_token" => {
                        seen_token = true;
                        next_token = match self.peek() {
                            Some(b'"') => {
                                let token = self.string()?;
                                Some(self.text(token)?.into_owned())
                            }
                            Some(b'n') => {
                                self.word(b"null")?;
                                None
                            }
                            _ => return self.fail("`next_token` is neither a string nor null"),
                        };
                    }
                    _ => self.value()?,
                }
                if self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        self.space();
        self.end()?;
        if seen_data {
            Ok((next_token, self.unescaped))
        } else {
            self.fail("missing field `data`")
        }
    }

    /// An array of documents: each one's place and head, handed to `doc`.
    fn documents(&mut self, field: Option<&str>, doc: &mut impl FnMut(Span, Head)) -> Read<()> {
        self.expect(b'[', "`data` is not an array")?;
        self.space();
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            let (range, head) = self.document(field)?;
            let Some(span) = Span::new(range) else {
                return self.fail("a page of 4 GiB or more");
            };
            doc(span, head);
            if self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// One document (any value): where it is and, for an object, its head.
    fn document(&mut self, field: Option<&str>) -> Read<(Range<usize>, Head)> {
        let start = self.at;
        self.spaced = false;
        let mut head = Head::default();
        if self.peek() != Some(b'{') {
            // Not an object: no head.
            self.value()?;
            head.compact = !self.spaced;
            return Ok((start..self.at, head));
        }
        self.at += 1;
        self.space();
        if !self.eat(b'}') {
            loop {
                let (key, escaped) = self.string_escaped()?;
                let which = self.key_of(key, escaped, field);
                self.space();
                self.expect(b':', "expected `:`")?;
                self.space();
                match which {
                    KeyOf::Other => self.value()?,
                    // A string (as Oura writes both): its text, read as it is passed over.
                    KeyOf::Id | KeyOf::Position if self.peek() == Some(b'"') => {
                        let (inner, escaped) = self.string_escaped()?;
                        let text = self.string_text(inner, escaped)?;
                        match which {
                            KeyOf::Id => head.id = text,
                            _ => head.position = text,
                        }
                    }
                    // `null` is no id, and a number's text is; a position is a string or none.
                    KeyOf::Id => {
                        let value = self.at;
                        self.value()?;
                        head.id = match &self.bytes[value..self.at] {
                            b"null" => Span::NONE,
                            _ => Span::new(value..self.at).unwrap_or(Span::NONE),
                        };
                    }
                    KeyOf::Position => {
                        self.value()?;
                        head.position = Span::NONE;
                    }
                }
                if self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        head.compact = !self.spaced;
        Ok((start..self.at, head))
    }

    /// Any value, nested ones read without recursion.
    fn value(&mut self) -> Read<()> {
        match self.peek() {
            Some(b'{' | b'[') => self.nested(),
            _ => self.scalar(),
        }
    }

    /// A string, number, `true`, `false` or `null`.
    #[inline(always)]
    fn scalar(&mut self) -> Read<()> {
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'n') => self.word(b"null"),
            _ => self.fail("expected a value"),
        }
    }

    /// An object or array, and what it holds.
    fn nested(&mut self) -> Read<()> {
        let base = self.open.len();
        loop {
            // A value starts here.
            match self.peek() {
                Some(b'{') => {
                    self.at += 1;
                    self.space();
                    if !self.eat(b'}') {
                        self.open.push(b'{');
                        self.member()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    self.space();
                    if !self.eat(b']') {
                        self.open.push(b'[');
                        continue;
                    }
                }
                _ => {
                    self.scalar()?;
                    // In an array, the scalars that follow, each after a bare comma (the
                    // arrays of samples): read in a row, not through the loops below.
                    if self.open.last() == Some(&b'[') {
                        while self.peek() == Some(b',')
                            && self
                                .bytes
                                .get(self.at + 1)
                                .is_some_and(|b| !matches!(b, b'{' | b'[') && !is_space(*b))
                        {
                            self.at += 1;
                            self.scalar()?;
                        }
                    }
                }
            }
            // A value ended: close what ends with it, up to where the next value starts.
            loop {
                if self.open.len() == base {
                    return Ok(());
                }
                self.space();
                let open = self.open[self.open.len() - 1];
                match (open, self.peek()) {
                    (_, Some(b',')) => {
                        self.at += 1;
                        self.space();
                        if open == b'{' {
                            self.member()?;
                        }
                        break;
                    }
                    (b'{', Some(b'}')) | (b'[', Some(b']')) => {
                        self.at += 1;
                        self.open.pop();
                    }
                    _ => return self.fail("expected `,` or the end of an object or array"),
                }
            }
        }
    }

    /// An object's key and its `:`, up to its value.
    fn member(&mut self) -> Read<()> {
        self.string()?;
        self.space();
        self.expect(b':', "expected `:`")?;
        self.space();
        Ok(())
    }

    /// A string: its text between the quotes (escapes checked, not decoded).
    fn string(&mut self) -> Read<Range<usize>> {
        self.string_escaped().map(|(text, _)| text)
    }

    /// [`string`](Self::string), and whether the text holds escapes.
    #[inline(always)]
    fn string_escaped(&mut self) -> Read<(Range<usize>, bool)> {
        let start = self.at;
        let mut escaped = false;
        self.expect(b'"', "expected a string")?;
        loop {
            // The plain run first: most strings hold nothing else.
            self.skip_plain();
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok((start + 1..self.at - 1, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.at += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 1,
                        Some(b'u') => {
                            let hex = self.bytes.get(self.at + 1..self.at + 5);
                            if !hex.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                                return self.fail("invalid \\u escape");
                            }
                            self.at += 5;
                        }
                        _ => return self.fail("invalid escape"),
                    }
                }
                Some(_) => return self.fail("control character in a string"),
                None => return self.fail("unterminated string"),
            }
        }
    }

    /// Skips the bytes of a string other than `"`, `\\` and control characters, eight at a time.
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        // The high bit of each byte that is zero: the lowest one set is exact (a borrow only
        // runs upwards from a byte that is itself zero).
        let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let Ok(chunk) = <[u8; 8]>::try_from(chunk) else { break };
            let x = u64::from_le_bytes(chunk);
            // Quotes, backslashes, and bytes below 0x20 (bytes of 0x80 and above are not).
            let stops = zeros(x ^ (ONES * u64::from(b'"')))
                | zeros(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS);
            if stops != 0 {
                self.at += (stops.trailing_zeros() / 8) as usize;
                return;
            }
            self.at += 8;
        }
        while let Some(&b) = self.bytes.get(self.at) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                return;
            }
            self.at += 1;
        }
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`
    #[inline]
    fn number(&mut self) -> Read<()> {
        let bytes = self.bytes;
        let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
        let digits = |mut i: usize| {
            while digit(i) {
                i += 1;
            }
            i
        };
        let mut i = self.at + usize::from(bytes.get(self.at) == Some(&b'-'));
        let valid = match bytes.get(i) {
            Some(b'0') => {
                i += 1;
                !digit(i)
            }
            Some(b'1'..=b'9') => {
                i = digits(i + 1);
                true
            }
            _ => false,
        };
        let valid = valid && {
            if bytes.get(i) == Some(&b'.') {
                i += 1;
                let fraction = digit(i);
                i = digits(i);
                fraction
            } else {
                true
            }
        };
        let valid = valid && {
            if matches!(bytes.get(i), Some(b'e' | b'E')) {
                i += 1;
                i += usize::from(matches!(bytes.get(i), Some(b'+' | b'-')));
                let exponent = digit(i);
                i = digits(i);
                exponent
            } else {
                true
            }
        };
        self.at = i;
        if valid { Ok(()) } else { self.fail("invalid number") }
    }

    fn word(&mut self, word: &[u8]) -> Read<()> {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            Ok(())
        } else {
            self.fail("expected a value")
        }
    }

    /// A string's text (between the quotes), unescaped when it holds escapes.
    fn text(&self, inner: Range<usize>) -> Read<Cow<'a, str>> {
        let bytes: &'a [u8] = self.bytes;
        let raw = &bytes[inner.clone()];
        if raw.contains(&b'\\') {
            unescape(&bytes[inner.start - 1..inner.end + 1])
                .map(Cow::Owned)
                .ok_or_else(|| fail("invalid escape"))
        } else {
            std::str::from_utf8(raw)
                .map(Cow::Borrowed)
                .map_err(|_| fail("invalid UTF-8"))
        }
    }

    /// Which key `key` is: its bytes compared, unescaped first if it holds escapes. Escapes
    /// serde_json would not decode (a lone surrogate) name no key of a head; inside a
    /// document they are still valid JSON.
    fn key_of(&self, key: Range<usize>, escaped: bool, field: Option<&str>) -> KeyOf {
        let unescaped;
        let name: &[u8] = if escaped {
            let Ok(text) = self.text(key) else {
                return KeyOf::Other;
            };
            unescaped = text;
            unescaped.as_bytes()
        } else {
            &self.bytes[key]
        };
        if name == b"id" {
            KeyOf::Id
        } else if field.is_some_and(|field| field.as_bytes() == name) {
            KeyOf::Position
        } else {
            KeyOf::Other
        }
    }

    /// The text of a string value whose text is at `inner` in the bytes, unescaped (into
    /// [`Parser::unescaped`]) when it holds escapes.
    fn string_text(&mut self, inner: Range<usize>, escaped: bool) -> Read<Span> {
        if !escaped {
            return Ok(Span::new(inner).unwrap_or(Span::NONE));
        }
        // A string serde_json would not decode (a lone surrogate) is no text.
        let Some(text) = unescape(&self.bytes[inner.start - 1..inner.end + 1]) else {
            return Ok(Span::NONE);
        };
        let start = self.bytes.len() + self.unescaped.len();
        self.unescaped.push_str(&text);
        Span::new(start..start + text.len()).map_or_else(|| self.fail("a page of 4 GiB or more"), Ok)
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

    /// The id and position of a document of `text`, which a [`DocumentHead`] of the text
    /// (spaced around, too) reads the same.
    fn head(route: &str, text: &str) -> (Option<String>, Option<String>) {
        let doc = doc(route, text);
        let collection = crate::collection(route).expect("collection");
        for spaced in [text.to_owned(), format!(" \n{text}\r\n")] {
            let head = DocumentHead::read(collection, &spaced).expect("json");
            assert_eq!(
                (head.id(), head.position_text(), head.text(), head.is_compact()),
                (doc.id(), doc.position_text(), doc.text(), doc.is_compact()),
                "{spaced:?}"
            );
            assert_eq!(head.position(), doc.position(), "{spaced:?}");
        }
        (doc.id().map(str::to_owned), doc.position_text().map(str::to_owned))
    }

    #[test]
    fn a_plain_run_stops_where_a_byte_by_byte_scan_stops() {
        // Every stop byte (and its neighbours, and bytes of 0x80 and above) at every offset of
        // runs long and short, after plain bytes of every kind.
        let specials = [
            b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xa0, 0xdf, 0xff, b'a',
        ];
        let mut checked = 0;
        for len in 0..24 {
            for at in 0..=len {
                for &special in &specials {
                    for &fill in &[b'a', 0x7f, 0x80, 0xc3, 0x21, b'~'] {
                        let mut bytes = vec![fill; len];
                        if at < len {
                            bytes[at] = special;
                        }
                        let mut parser = Parser::new(&bytes);
                        parser.skip_plain();
                        let want = bytes
                            .iter()
                            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                            .unwrap_or(len);
                        assert_eq!(parser.at, want, "{bytes:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 20_000, "{checked}");
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
        // Whitespace inside, and both texts escaped.
        assert_eq!(
            head("daily_sleep", "{ \"id\" : \"\\u0061\" ,\"day\":\"2024-01-3\\u0031\" }"),
            some("a", "2024-01-31")
        );
        // Not one JSON value: an error for the head as for the document.
        for bad in [r#"{"id":"a""#, r#"{"id":"a"} {}"#, "", "\"\\ud800\" x"] {
            assert!(
                DocumentHead::read(crate::collection("daily_sleep").expect("collection"), bad).is_err(),
                "{bad}"
            );
            assert!(
                RawDocument::new(crate::collection("daily_sleep").expect("collection"), bad).is_err(),
                "{bad}"
            );
        }
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
            br#"{"data":[{"id":"a","day":"2024-01-01"}, {"day":"2024-01-02","id":"b\n"},{"x":1},{"id":"c\u0041","day":"2024-01-0\u0033"}],"next_token":"t"}"#;
        let read = page(body.to_vec(), Some("day"), 0).expect("page");
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
                (
                    r#"{"id":"c\u0041","day":"2024-01-0\u0033"}"#,
                    Some("cA"),
                    day("2024-01-03")
                ),
            ]
        );
        // Escaped ids and positions are unescaped once, after the page's bytes: a document is
        // five words whatever it holds.
        assert_eq!(size_of::<RawDocument>(), 40);
        assert_eq!(
            docs[0].body.0.len(),
            body.len() + "b\n".len() + "cA".len() + "2024-01-03".len()
        );
        // A page without escapes in its heads is read once: its body is the page's bytes.
        let plain = br#"{"data":[{"id":"a","day":"2024-01-01","note":"x\ny"},{"id":"b","day":"2024-01-02"}],"next_token":null}"#;
        let read = page(plain.to_vec(), Some("day"), 1000).expect("page");
        assert_eq!(read.next_token, None);
        assert_eq!(read.data[0].body.0.as_bytes(), plain);
        // Room made for the thousand documents the previous page held is not kept.
        assert_eq!(read.data.capacity(), 2);
        let heads: Vec<_> = read.data.iter().map(|d| (d.id(), d.position_text())).collect();
        assert_eq!(
            heads,
            [(Some("a"), Some("2024-01-01")), (Some("b"), Some("2024-01-02"))]
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
            let (_, back) = page(bad.to_vec(), Some("day"), 0).expect_err("not a page");
            // The body comes back whole, for the error's snippet.
            assert_eq!(back, bad);
        }
    }

    /// serde_json's reading of a page, as the facade read pages before.
    fn by_serde(body: &[u8]) -> Option<(Vec<String>, Option<String>)> {
        #[derive(serde::Deserialize)]
        struct Wire<'a> {
            #[serde(borrow)]
            data: Vec<&'a serde_json::value::RawValue>,
            #[serde(default)]
            next_token: Option<String>,
        }
        let wire: Wire<'_> = serde_json::from_slice(body).ok()?;
        Some((
            wire.data.iter().map(|raw| raw.get().to_owned()).collect(),
            wire.next_token,
        ))
    }

    #[test]
    fn pages_are_accepted_and_refused_as_serde_json_does() {
        let seeds: [&[u8]; 6] = [
            br#"{"data":[{"id":"a","day":"2024-01-01","score":80,"n":-1.5e+3,"z":0.25E-2,"ok":true,"x":null,"l":[1,[2,{}],[]],"s":"q\"\u00e9\n\/"},{"day":"2024-01-02","id":7}],"next_token":"t1"}"#,
            b" { \"next_token\" : null , \"data\" : [ 1 , \"s\" , [ ] , { } , {\"day\" : \"2024-01-03\" } ] , \"extra\" : {\"a\":[true,false]} } \n",
            br#"{"data":[]}"#,
            "{\"data\":[{\"id\":\"\u{e9}\u{1f600}\",\"day\":\"2024-02-29\",\"t\":\"x\\ud83d\\ude00\"}],\"next_token\":\"\\u0041\"}".as_bytes(),
            br#"{"other":[{"data":1}],"data":[{"id":-0,"day":"2024-01-01","deep":[[[[{"a":[{}]}]]]]}]}"#,
            // Scalars in a row in arrays (the samples' arrays), and arrays and objects among them.
            br#"{"data":[{"day":"2024-01-01","met":{"items":[0.9,10,-2,3e5,1.5E-2,null,true,false,"x",[1,2],{"a":[3,4]},0]},"id":"b"}]}"#,
        ];
        let alphabet = b"{}[],:\"\\ \t\n0123456789.eE+-tfnulrsaxyd\x01\x7f";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let (mut compared, mut accepted) = (0, 0);
        for seed in seeds {
            for round in 0..3000 {
                let mut body = seed.to_vec();
                // The first round of each seed is the seed itself.
                for _ in 0..usize::from(round > 0) * (1 + next(3)) {
                    let at = next(body.len() + 1);
                    let byte = alphabet[next(alphabet.len())];
                    match next(4) {
                        0 if at < body.len() => body[at] = byte,
                        1 => body.insert(at, byte),
                        2 if at < body.len() => {
                            body.remove(at);
                        }
                        _ => {
                            let end = (at + next(8)).min(body.len());
                            let piece = body[at.min(end)..end].to_vec();
                            body.splice(at.min(end)..at.min(end), piece);
                        }
                    }
                }
                let theirs = by_serde(&body);
                // serde_json also reads a struct from an array (its fields in order); a page
                // is an object.
                if theirs.is_some() && body.iter().find(|b| !is_space(**b)) == Some(&b'[') {
                    continue;
                }
                let ours = page(body.clone(), Some("day"), 2);
                let shown = String::from_utf8_lossy(&body).into_owned();
                match (&ours, &theirs) {
                    (Ok(wire), Some((texts, token))) => {
                        let ours: Vec<&str> = wire.data.iter().map(RawDocument::text).collect();
                        assert_eq!(&ours, texts, "{shown}");
                        assert_eq!(&wire.next_token, token, "{shown}");
                        for doc in &wire.data {
                            let Ok(value) = serde_json::from_str::<serde_json::Value>(doc.text()) else {
                                continue;
                            };
                            if let Some(id) = value.get("id").and_then(serde_json::Value::as_str) {
                                assert_eq!(doc.id(), Some(id), "{shown}");
                            }
                            let day = value.get("day").and_then(serde_json::Value::as_str);
                            assert_eq!(doc.position_text(), day, "{shown}");
                            // Compact text decodes to the same value, and is compact text.
                            let compacted = doc.compact_text();
                            assert_eq!(
                                serde_json::from_str::<serde_json::Value>(&compacted).ok(),
                                Some(value.clone()),
                                "{shown}"
                            );
                            assert_eq!(doc.is_compact(), without_space(doc.text()) == doc.text(), "{shown}");
                        }
                        accepted += 1;
                    }
                    (Err((_, back)), None) => assert_eq!(back, &body, "the body comes back"),
                    _ => panic!(
                        "ours {:?}, serde_json's {theirs:?}: {shown}",
                        ours.as_ref().map(|w| w.data.len())
                    ),
                }
                compared += 1;
            }
        }
        // Both outcomes are well represented.
        assert!(
            compared > 10_000 && accepted > 1_000 && compared - accepted > 5_000,
            "{compared} {accepted}"
        );
    }
}
